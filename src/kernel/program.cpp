#include "krdb/kernel/program.h"

#include <cstring>

#include <fmt/format.h>

namespace krdb {

Expected<std::unique_ptr<KernelProgram>> KernelProgram::open_dump(const std::string& vmlinux,
                                                                  const std::string& core,
                                                                  const OpenOptions& options) {
  std::unique_ptr<KernelProgram> p(new KernelProgram());
  p->limits_ = options.limits;
  auto info = DebugInfo::open(vmlinux, options.limits);
  if (!info) return info.error();
  p->owned_debug_info_ = std::move(*info);
  p->debug_info_ = p->owned_debug_info_.get();
  // Every kernel command looks types up by name: build the index while the dump opens.
  p->debug_info_->index_names_in_background();
  auto dump = Dump::open(core);
  if (!dump) return dump.error();
  p->dump_ = std::move(*dump);
  p->budgeted_ = std::make_unique<BudgetedMemory>(*p->dump_, options.limits.max_reads);
  p->memory_ = p->budgeted_.get();
  if (!options.force) {
    if (auto match = p->dump_->check_vmlinux(p->debug_info_->elf()); !match) return match.error();
  }
  // Without VMCOREINFO (a QEMU dump without the vmcoreinfo device) the offset is searched for by
  // the banner; if even that fails (--force on another kernel) krdb assumes none (nokaslr), and
  // says so.
  if (auto offset = p->dump_->find_kaslr_offset(p->debug_info_->elf())) {
    p->kaslr_offset_ = *offset;
  } else {
    p->warnings_.push_back(Error(offset.error().kind,
                                 "KASLR offset not found (" + offset.error().message +
                                     "): assuming 0 (nokaslr); symbols and types are wrong if the kernel was relocated",
                                 core));
  }
  return p;
}

KernelProgram::KernelProgram(DebugInfo& debug_info, Memory& memory, uint64_t kaslr_offset,
                             Limits limits)
    : debug_info_(&debug_info),
      budgeted_(std::make_unique<BudgetedMemory>(memory, limits.max_reads)),
      memory_(budgeted_.get()),
      kaslr_offset_(kaslr_offset),
      limits_(limits) {}

KernelProgram::~KernelProgram() = default;

Expected<uint64_t> KernelProgram::symbol_address(const std::string& name) {
  const ElfSymbol* s = debug_info_->elf().symbol_named(name);
  if (!s) return Error(ErrorKind::NotFound, fmt::format("no symbol '{}' in the vmlinux", name),
                       debug_info_->elf().path());
  // Per-cpu variables are offsets into the per-cpu area (section .data..percpu at 0): no slide.
  if (s->address < 0x100000000ull) return s->address;
  return s->address + kaslr_offset_;
}

Expected<uint64_t> KernelProgram::size_of(const std::string& type) {
  if (auto it = sizes_.find(type); it != sizes_.end()) return it->second;
  auto id = debug_info_->find_type(type);
  if (!id) return id.error();
  auto t = debug_info_->strip_typedefs(*id);
  if (!t) return t.error();
  if (!(*t)->size)
    return Error(ErrorKind::NotFound, fmt::format("type '{}' has no size in the DWARF", type));
  sizes_[type] = *(*t)->size;
  return *(*t)->size;
}

Expected<uint64_t> KernelProgram::element_size(TypeId array_type) {
  auto t = debug_info_->strip_typedefs(array_type);
  if (!t) return t.error();
  if ((*t)->kind != TypeKind::Array)
    return Error(ErrorKind::BadData, fmt::format("'{}' is not an array", (*t)->name));
  auto e = debug_info_->strip_typedefs((*t)->target);
  if (!e) return e.error();
  if ((*e)->kind == TypeKind::Pointer) return uint64_t(8);
  if (!(*e)->size) return Error(ErrorKind::NotFound, "array element has no size");
  return *(*e)->size;
}

Expected<Field> KernelProgram::find_field(TypeId type, const std::string& path, uint64_t depth) {
  if (depth > limits_.max_type_depth)
    return Error(ErrorKind::LimitHit, "anonymous members nested deeper than max_type_depth");
  auto t = debug_info_->strip_typedefs(type);
  if (!t) return t.error();
  std::string head = path.substr(0, path.find('.'));
  std::string rest = head.size() < path.size() ? path.substr(head.size() + 1) : "";
  for (const Member& m : (*t)->members) {
    if (m.name == head) {
      if (rest.empty()) {
        auto mt = debug_info_->strip_typedefs(m.type);
        uint64_t size = mt && (*mt)->size ? *(*mt)->size : 0;
        if (mt && (*mt)->kind == TypeKind::Array && (*mt)->count) {
          auto et = debug_info_->strip_typedefs((*mt)->target);
          if (et && (*et)->size) size = *(*et)->size * *(*mt)->count;
        }
        return Field{m.offset, m.type, size, m.bit_offset, m.bit_size};
      }
      auto inner = find_field(m.type, rest, depth + 1);
      if (!inner) return inner;
      inner->offset += m.offset;
      return inner;
    }
    if (m.name.empty()) {  // anonymous struct/union: C looks inside
      auto inner = find_field(m.type, path, depth + 1);
      if (inner) {
        inner->offset += m.offset;
        return inner;
      }
    }
  }
  return Error(ErrorKind::NotFound, fmt::format("no field '{}' in '{}'", head, (*t)->name));
}

Expected<Field> KernelProgram::field(const std::string& type, const std::string& path) {
  std::string key = type + "." + path;
  if (auto it = fields_.find(key); it != fields_.end()) return it->second;
  auto id = debug_info_->find_type(type);
  if (!id) return id.error();
  auto f = find_field(*id, path, 0);
  if (!f) {
    return Error(f.error().kind,
                 fmt::format("{} (needed: {}.{}; is this kernel built differently?)",
                             f.error().message, type, path),
                 debug_info_->elf().path());
  }
  fields_[key] = *f;
  return *f;
}

uint64_t Field::extract(std::span<const uint8_t> outer) const {
  uint64_t bytes = bit_size ? (uint64_t(bit_offset) + bit_size + 7) / 8 : size;
  if (bytes == 0 || bytes > 8 || offset > outer.size() || bytes > outer.size() - offset) return 0;
  uint64_t v = 0;
  std::memcpy(&v, outer.data() + offset, bytes);
  if (!bit_size) return v;
  v >>= bit_offset;
  return bit_size >= 64 ? v : v & ((uint64_t(1) << bit_size) - 1);
}

Expected<uint64_t> KernelProgram::read_field(uint64_t address, const std::string& type,
                                             const std::string& path) {
  auto f = field(type, path);
  if (!f) return f.error();
  uint64_t size = f->bit_size ? (f->bit_offset + f->bit_size + 7) / 8 : f->size;
  if (f->bit_size ? size > 8 : (size != 1 && size != 2 && size != 4 && size != 8))
    return Error(ErrorKind::Unsupported, fmt::format("{}.{} is {} bytes, not a scalar", type, path, size));
  uint8_t buf[8] = {};
  auto r = memory_->read(address + f->offset, {buf, size});
  if (!r) return r.error().within(fmt::format("{}.{} of {} at {:#x}", type, path, type, address));
  Field at_start = *f;
  at_start.offset = 0;
  return at_start.extract({buf, size});
}

Expected<std::string> KernelProgram::read_char_array(uint64_t address, const std::string& type,
                                                     const std::string& path) {
  auto f = field(type, path);
  if (!f) return f.error();
  uint64_t size = std::min<uint64_t>(f->size ? f->size : 256, limits_.max_string_bytes);
  std::string buf(size, '\0');
  auto r = memory_->read(address + f->offset, {reinterpret_cast<uint8_t*>(buf.data()), size});
  if (!r) return r.error().within(fmt::format("{}.{} at {:#x}", type, path, address));
  buf.resize(std::min(buf.find('\0'), buf.size()));
  return buf;
}

}  // namespace krdb
