#include "object_access.h"

#include <elf.h>
#include <zlib.h>

#include <cstring>

#include <fmt/format.h>

#include "krdb/base/cursor.h"
#include "krdb/base/limits.h"

namespace krdb::dw {

namespace {

constexpr uint64_t kRelocatableBase = 0x1000;  // keeps address 0 meaning "none" in a .ko

bool is_debug_section(const ElfSection& s) {
  return !(s.flags & SHF_ALLOC) && (s.name.starts_with(".debug_") || s.name.starts_with(".zdebug_"));
}

// The unit headers of a DWARF 5 table section (.debug_rnglists, .debug_loclists, .debug_addr,
// .debug_str_offsets) chain exactly over the section, with sane versions and sizes. libdwarf
// 20210528 double-frees or reads out of bounds on some malformed headers (found by krdb's fuzz
// and corruption tests), so such a section is withheld from it and reported instead.
std::optional<std::string> check_table_headers(std::span<const uint8_t> data, const std::string& name) {
  bool lists = name.ends_with("rnglists") || name.ends_with("loclists");
  bool addr = name.ends_with("debug_addr");
  Cursor c(data, name);
  while (c.ok() && !c.at_end()) {
    uint64_t start = c.pos();
    uint64_t length = c.u32();
    if (length == 0xffffffff) length = c.u64();
    else if (length >= 0xfffffff0) return "reserved unit length";
    uint64_t body = c.pos();
    if (!c.ok() || length > c.remaining()) return "unit length runs past the end of the section";
    if (length < 4) return "unit too short for its header";
    uint16_t version = c.u16();
    if (version != 5) return "unit version is not 5";
    if (lists || addr) {
      uint8_t address_size = c.u8(), segment_size = c.u8();
      if (address_size != 8 || segment_size != 0) return "address or segment size is not 8/0";
    }
    if (lists) {
      uint64_t offsets = c.u32();
      if (offsets > (length - 8) / 4) return "offset table larger than its unit";
    }
    if (!c.ok()) return "truncated unit header";
    (void)start;
    c.seek(body + length);
  }
  if (!c.ok()) return c.error().message;
  return std::nullopt;
}

}  // namespace

ObjectAccess::ObjectAccess(const ElfFile& elf) : elf_(elf) {
  sections_.resize(elf.sections().size() + 1);
  for (size_t i = 0; i < elf.sections().size(); ++i) {
    const ElfSection& es = elf.sections()[i];
    Section& s = sections_[es.index < sections_.size() ? es.index : i + 1];
    s.elf = &es;
    s.address = es.address;
    s.size = es.type == SHT_NOBITS ? 0 : es.size;
    if (es.flags & SHF_COMPRESSED) {
      // Elf64_Chdr: ch_type, ch_reserved, ch_size, ch_addralign.
      Cursor c(elf.section_data(es), elf.path() + ": " + es.name);
      c.skip(8);
      uint64_t size = c.u64();
      s.size = c.ok() ? size : 0;
    }
  }
  if (elf.type() == ET_REL) layout_relocatable();
  methods_.get_section_info = get_section_info;
  methods_.get_byte_order = get_byte_order;
  methods_.get_length_size = get_length_size;
  methods_.get_pointer_size = get_pointer_size;
  methods_.get_section_count = get_section_count;
  methods_.load_section = load_section;
  methods_.relocate_a_section = relocate_a_section;
  iface_.object = this;
  iface_.methods = &methods_;
}

// Places every allocated section one after the other, as a module loader would, so each DWARF
// address of a .ko names one place.
void ObjectAccess::layout_relocatable() {
  uint64_t next = kRelocatableBase;
  for (Section& s : sections_) {
    if (!s.elf || !(s.elf->flags & SHF_ALLOC)) continue;
    uint64_t align = s.elf->addralign ? s.elf->addralign : 1;
    if (align & (align - 1)) align = 1;
    next = (next + align - 1) & ~(align - 1);
    s.address = next;
    next += s.elf->size;
  }
}

std::optional<uint64_t> ObjectAccess::section_address(const std::string& name) const {
  if (elf_.type() != ET_REL) return std::nullopt;
  for (const Section& s : sections_)
    if (s.elf && s.elf->name == name && (s.elf->flags & SHF_ALLOC)) return s.address;
  return std::nullopt;
}

std::span<const uint8_t> ObjectAccess::section_data(const std::string& name) {
  for (Section& s : sections_) {
    if (!s.elf || s.elf->name != name || s.elf->type == SHT_NOBITS) continue;
    if (!s.loaded) load(s);
    return s.usable ? s.data : std::span<const uint8_t>();
  }
  return {};
}

Expected<void> ObjectAccess::validate_tables() {
  for (Section& s : sections_) {
    if (!s.elf) continue;
    const std::string& n = s.elf->name;
    if (n != ".debug_rnglists" && n != ".debug_loclists" && n != ".debug_addr" &&
        n != ".debug_str_offsets")
      continue;
    if (!s.loaded && !load(s)) return warnings_.back();
    if (auto bad = check_table_headers(s.data, elf_.path() + ": " + n))
      return Error(ErrorKind::BadData,
                   "malformed " + n + " (" + *bad + "); its DWARF is not used, ELF symbols only",
                   elf_.path() + ": " + n);
  }
  return {};
}

std::optional<std::pair<uint32_t, uint64_t>> ObjectAccess::section_offset(uint64_t address) const {
  if (elf_.type() != ET_REL) return std::nullopt;
  for (const Section& s : sections_)
    if (s.elf && (s.elf->flags & SHF_ALLOC) && address >= s.address && address - s.address < s.elf->size)
      return std::make_pair(s.elf->index, address - s.address);
  return std::nullopt;
}

int ObjectAccess::get_section_info(void* obj, Dwarf_Half index, Dwarf_Obj_Access_Section* out,
                                   int* err) {
  auto* self = static_cast<ObjectAccess*>(obj);
  if (index >= self->sections_.size()) { *err = DW_DLE_MDE; return DW_DLV_ERROR; }
  const Section& s = self->sections_[index];
  std::memset(out, 0, sizeof(*out));
  // Relocation sections are applied by krdb (see the header); libdwarf must not see them, or it
  // tries its own relocation of a relocatable file and then finds no compile unit.
  if (!s.elf || s.elf->type == SHT_RELA || s.elf->type == SHT_REL) {
    out->name = "";
    return DW_DLV_OK;
  }
  out->addr = s.address;
  out->type = s.elf->type;
  out->size = s.size;
  out->name = s.elf->name.c_str();
  out->link = s.elf->link;
  out->info = s.elf->info;
  out->entrysize = s.elf->entsize;
  return DW_DLV_OK;
}

Dwarf_Unsigned ObjectAccess::get_section_count(void* obj) {
  return static_cast<ObjectAccess*>(obj)->sections_.size();
}

int ObjectAccess::load_section(void* obj, Dwarf_Half index, Dwarf_Small** data, int* err) {
  auto* self = static_cast<ObjectAccess*>(obj);
  if (index >= self->sections_.size() || !self->sections_[index].elf) {
    *err = DW_DLE_MDE;
    return DW_DLV_ERROR;
  }
  Section& s = self->sections_[index];
  if (!s.loaded && !self->load(s)) { *err = DW_DLE_MDE; return DW_DLV_ERROR; }
  if (s.data.empty()) return DW_DLV_NO_ENTRY;
  // libdwarf takes a non-const pointer but only reads section data it did not relocate itself.
  *data = const_cast<Dwarf_Small*>(s.data.data());
  return DW_DLV_OK;
}

bool ObjectAccess::load(Section& s) {
  s.loaded = true;
  s.data = elf_.section_data(*s.elf);
  if (s.data.size() != s.elf->size && s.elf->type != SHT_NOBITS) {
    warnings_.emplace_back(ErrorKind::BadData, "section extends past the end of the file (truncated?)",
                           elf_.path() + ": " + s.elf->name);
    return false;
  }
  if ((s.elf->flags & SHF_COMPRESSED) && !decompress(s)) return false;
  if (elf_.type() == ET_REL && is_debug_section(*s.elf)) apply_relocations(s);
  s.usable = true;
  return true;
}

bool ObjectAccess::decompress(Section& s) {
  Cursor c(s.data, elf_.path() + ": " + s.elf->name);
  uint32_t type = c.u32();
  c.skip(4);
  uint64_t size = c.u64();
  c.skip(8);
  if (!c.ok() || type != ELFCOMPRESS_ZLIB) {
    warnings_.emplace_back(ErrorKind::Unsupported, fmt::format("compressed section of type {} not supported", type),
                           elf_.path() + ": " + s.elf->name);
    return false;
  }
  // The claimed size is untrusted: zlib expands at most 1032:1, and no section may exceed
  // Limits::max_section_bytes — checked before anything is allocated.
  uint64_t compressed = s.data.size() > 24 ? s.data.size() - 24 : 0;
  uint64_t limit = default_limits().max_section_bytes;
  if (size > compressed * 1032 + 1024 || size > limit) {
    warnings_.emplace_back(ErrorKind::BadData,
                           fmt::format("compressed section claims {} bytes from {} compressed (zlib expands at most "
                                       "1032:1; max_section_bytes is {}): not decompressed",
                                       size, compressed, limit),
                           elf_.path() + ": " + s.elf->name);
    return false;
  }
  s.owned.resize(size);
  uLongf out_len = size;
  auto in = s.data.subspan(24);
  if (uncompress(s.owned.data(), &out_len, in.data(), in.size()) != Z_OK || out_len != size) {
    warnings_.emplace_back(ErrorKind::BadData, "zlib data of compressed section is corrupt",
                           elf_.path() + ": " + s.elf->name);
    s.owned.clear();
    return false;
  }
  s.data = s.owned;
  return true;
}

// Applies the SHT_RELA sections that target `s` (x86-64 relocation types that appear in debug
// sections: absolute 64/32-bit and, rarely, PC-relative).
void ObjectAccess::apply_relocations(Section& s) {
  const ElfSection* symtab = nullptr;
  for (const auto& es : elf_.sections())
    if (es.type == SHT_SYMTAB) symtab = &es;
  if (!symtab) return;
  auto syms = elf_.section_data(*symtab);
  bool copied = false;
  for (const auto& rela : elf_.sections()) {
    if (rela.type != SHT_RELA || rela.info != s.elf->index) continue;
    if (!copied) { s.owned.assign(s.data.begin(), s.data.end()); s.data = s.owned; copied = true; }
    Cursor c(elf_.section_data(rela), elf_.path() + ": " + rela.name);
    uint64_t bad = 0;
    while (c.ok() && !c.at_end()) {
      uint64_t offset = c.u64(), info = c.u64();
      int64_t addend = int64_t(c.u64());
      uint32_t type = uint32_t(info), sym = uint32_t(info >> 32);
      Cursor sc(syms, elf_.path() + ": .symtab");
      sc.seek(uint64_t(sym) * 24);
      sc.skip(6);
      uint16_t shndx = sc.u16();
      uint64_t value = sc.u64();
      if (!c.ok() || !sc.ok()) { ++bad; break; }
      if (shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx < sections_.size())
        value += sections_[shndx].address;
      uint64_t result = value + uint64_t(addend);
      uint64_t place = s.address + offset;
      unsigned width = 0;
      switch (type) {
        case R_X86_64_NONE: continue;
        case R_X86_64_64: width = 8; break;
        case R_X86_64_32: case R_X86_64_32S: width = 4; break;
        case R_X86_64_PC32: width = 4; result -= place; break;
        case R_X86_64_PC64: width = 8; result -= place; break;
        default: ++bad; continue;
      }
      if (offset > s.owned.size() || s.owned.size() - offset < width) { ++bad; continue; }
      std::memcpy(s.owned.data() + offset, &result, width);
    }
    if (bad || !c.ok())
      warnings_.emplace_back(ErrorKind::BadData,
                             fmt::format("{} relocation(s) could not be applied", bad ? bad : 1),
                             elf_.path() + ": " + rela.name);
  }
}

}  // namespace krdb::dw
