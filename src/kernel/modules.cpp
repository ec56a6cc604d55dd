#include "krdb/kernel/modules.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "krdb/base/cursor.h"
#include "krdb/kernel/list.h"

namespace krdb {

const ModuleRegion* ModuleInfo::region_of(uint64_t address) const {
  for (const auto& r : regions)
    if (address >= r.base && address - r.base < r.size) return &r;
  return nullptr;
}

const ModuleSection* ModuleInfo::section(std::string_view wanted) const {
  for (const auto& s : sections)
    if (s.name == wanted) return &s;
  return nullptr;
}

std::string_view module_state_name(uint64_t state) {
  switch (state) {  // enum module_state, include/linux/module.h
    case 0: return "live";
    case 1: return "coming";
    case 2: return "going";
    case 3: return "unformed";
    default: return "?";
  }
}

namespace {

void read_regions(KernelProgram& p, ModuleInfo& m) {
  auto mem = p.field("module", "mem");
  if (!mem) { m.errors.push_back(mem.error()); return; }
  auto elem = p.element_size(mem->type);
  auto array = p.debug_info().strip_typedefs(mem->type);
  if (!elem || !array || !(*array)->count) return;
  auto kinds_id = p.debug_info().find_type("mod_mem_type");
  std::vector<Enumerator> kinds;
  if (kinds_id)
    if (auto k = p.debug_info().type(*kinds_id)) kinds = (*k)->enumerators;
  auto base = p.field("module_memory", "base");
  auto size = p.field("module_memory", "size");
  if (!base || !size) { m.errors.push_back(!base ? base.error() : size.error()); return; }
  for (uint64_t i = 0; i < *(*array)->count && i < 64; ++i) {
    uint64_t at = m.address + mem->offset + i * *elem;
    auto b = p.read_field(at, "module_memory", "base");
    auto s = p.read_field(at, "module_memory", "size");
    if (!b || !s) { m.errors.push_back(!b ? b.error() : s.error()); continue; }
    if (*s == 0) continue;
    std::string kind = fmt::format("mem[{}]", i);
    for (const auto& e : kinds)
      if (e.value == i) kind = e.name;
    m.regions.push_back({kind, *b, *s});
  }
}

void read_sections(KernelProgram& p, ModuleInfo& m) {
  auto attrs_ptr = p.read_field(m.address, "module", "sect_attrs");
  if (!attrs_ptr || !*attrs_ptr) return;  // no sysfs section attributes (!CONFIG_KALLSYMS)
  auto n = p.read_field(*attrs_ptr, "module_sect_attrs", "nsections");
  auto attrs = p.field("module_sect_attrs", "attrs");
  auto elem = p.size_of("module_sect_attr");
  if (!n || !attrs || !elem) return;
  if (*n > 4096) { m.errors.emplace_back(ErrorKind::BadData, fmt::format("{} sections", *n)); return; }
  for (uint64_t i = 0; i < *n; ++i) {
    uint64_t at = *attrs_ptr + attrs->offset + i * *elem;
    auto name_ptr = p.read_field(at, "module_sect_attr", "battr.attr.name");
    auto address = p.read_field(at, "module_sect_attr", "address");
    if (!name_ptr || !address) continue;
    auto name = p.memory().read_cstring(*name_ptr, 256);
    if (name) m.sections.push_back({*name, *address});
  }
}

// Fields a kernel has only with some options: absent (NotFound) is not an error.
bool absent(const Error& e) { return e.kind == ErrorKind::NotFound; }

void read_orc(KernelProgram& p, ModuleInfo& m) {
  auto ip = p.read_field(m.address, "module", "arch.orc_unwind_ip");
  if (!ip && absent(ip.error())) return;  // !CONFIG_UNWINDER_ORC
  auto orc = p.read_field(m.address, "module", "arch.orc_unwind");
  auto count = p.read_field(m.address, "module", "arch.num_orcs");
  if (!ip || !orc || !count) {
    m.errors.push_back((!ip ? ip.error() : !orc ? orc.error() : count.error()).within("module ORC table"));
    return;
  }
  if (*ip && *orc && *count) m.orc = ModuleOrc{*ip, *orc, *count};
}

void read_kallsyms(KernelProgram& p, ModuleInfo& m) {
  auto table = p.read_field(m.address, "module", "kallsyms");
  if (!table && absent(table.error())) return;  // !CONFIG_KALLSYMS
  if (!table) { m.errors.push_back(table.error().within("module kallsyms")); return; }
  if (!*table) return;
  auto symtab = p.read_field(*table, "mod_kallsyms", "symtab");
  auto count = p.read_field(*table, "mod_kallsyms", "num_symtab");
  auto strtab = p.read_field(*table, "mod_kallsyms", "strtab");
  auto typetab = p.read_field(*table, "mod_kallsyms", "typetab");
  if (!symtab || !count || !strtab || !typetab) {
    m.errors.push_back((!symtab ? symtab.error() : !count ? count.error() : !strtab ? strtab.error() : typetab.error())
                           .within("module kallsyms"));
    return;
  }
  m.kallsyms = ModuleKallsyms{*symtab, *strtab, *typetab, *count};
}

// The GNU build-id note of the loaded module: its .note.gnu.build-id section is allocated, so
// sect_attrs says where it is (Elf64_Nhdr, "GNU\0", then the id).
void read_build_id(KernelProgram& p, ModuleInfo& m) {
  const ModuleSection* note = m.section(".note.gnu.build-id");
  if (!note) return;
  std::string source = fmt::format("module {} build-id note at {:#x}", m.name, note->address);
  uint8_t header[16];
  if (auto r = p.memory().read(note->address, header); !r) { m.errors.push_back(r.error().within("module build-id note")); return; }
  Cursor c(header, source);
  uint32_t namesz = c.u32(), descsz = c.u32(), type = c.u32();
  std::string_view name = c.fixed_string(4);
  if (!c.ok() || namesz != 4 || type != NT_GNU_BUILD_ID || descsz == 0 || descsz > 64 || name != "GNU") {
    m.errors.emplace_back(ErrorKind::BadData, "not a GNU build-id note", source);
    return;
  }
  std::vector<uint8_t> id(descsz);
  if (auto r = p.memory().read(note->address + 16, id); !r) { m.errors.push_back(r.error().within("module build-id")); return; }
  std::string hex;
  for (uint8_t b : id) hex += fmt::format("{:02x}", b);
  m.build_id = hex;
}

}  // namespace

Expected<ModuleSymbol> module_symbol_at(KernelProgram& p, const ModuleInfo& m, uint64_t address) {
  if (!m.kallsyms) return Error(ErrorKind::NotFound, "the module has no kallsyms", m.name);
  const ModuleKallsyms& k = *m.kallsyms;
  if (k.count > p.limits().max_module_symbols)
    return Error(ErrorKind::BadData,
                 fmt::format("{} kallsyms symbols, more than max_module_symbols ({})", k.count, p.limits().max_module_symbols),
                 m.name);
  constexpr uint64_t kSymSize = 24;  // Elf64_Sym: name u32, info u8, other u8, shndx u16, value u64, size u64
  std::vector<uint8_t> syms(k.count * kSymSize), types(k.count);
  if (auto r = p.memory().read(k.symtab, syms); !r) return r.error().within(m.name + " kallsyms symtab");
  if (auto r = p.memory().read(k.typetab, types); !r) return r.error().within(m.name + " kallsyms typetab");
  // As the kernel's find_kallsyms_symbol(): the highest defined symbol at or below the address,
  // skipping unnamed and mapping symbols (".L…", "L0…", "$…"). Candidates are tried from the
  // highest down, reading names only as needed.
  std::vector<std::pair<uint64_t, uint32_t>> below;  // value, name offset
  for (uint64_t i = 0; i < k.count; ++i) {
    char type = char(types[i]);
    if (type == 'U' || type == 'u') continue;  // undefined
    Cursor c(std::span<const uint8_t>(syms).subspan(i * kSymSize, kSymSize), m.name + " kallsyms symtab");
    uint32_t name = c.u32();
    c.skip(2);  // st_info, st_other
    uint16_t shndx = c.u16();
    uint64_t value = c.u64();
    if (shndx != 0 && name != 0 && value <= address) below.emplace_back(value, name);
  }
  std::sort(below.begin(), below.end(), std::greater<>());
  for (const auto& [value, offset] : below) {
    auto name = p.memory().read_cstring(k.strtab + offset, 512);
    if (!name) return name.error().within(m.name + " kallsyms strtab");
    bool mapping = name->empty() || name->starts_with(".L") || name->starts_with("L0") || name->starts_with("$");
    if (!mapping) return ModuleSymbol{*name, value};
  }
  return Error(ErrorKind::NotFound, fmt::format("no symbol at or below {:#x}", address), m.name);
}

ModuleList list_modules(KernelProgram& p) {
  ModuleList out;
  auto head = p.symbol_address("modules");
  auto link = p.field("module", "list");
  if (!head || !link) {
    out.truncated = !head ? head.error() : link.error();
    return out;
  }
  auto reason = walk_list(p, *head, link->offset, "module list", [&](uint64_t module) {
    ModuleInfo m;
    m.address = module;
    auto name = p.read_char_array(m.address, "module", "name");
    if (!name) {
      out.truncated = name.error();
      return false;
    }
    m.name = *name;
    m.state = p.read_field(m.address, "module", "state").value_or(99);
    read_regions(p, m);
    read_sections(p, m);
    read_orc(p, m);
    read_kallsyms(p, m);
    read_build_id(p, m);
    out.modules.push_back(std::move(m));
    return true;
  });
  if (reason) out.truncated = std::move(reason);
  return out;
}

}  // namespace krdb
