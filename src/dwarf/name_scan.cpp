#include "name_scan.h"

#include <libdwarf/dwarf.h>

#include <fmt/format.h>

#include "krdb/base/cursor.h"

namespace krdb::dw {

namespace {

struct AttrSpec {
  uint64_t name = 0, form = 0;
};

struct Abbrev {
  uint64_t tag = 0;
  bool children = false;
  std::vector<AttrSpec> attrs;
};

struct UnitHeader {
  uint64_t offset = 0, end = 0, first_die = 0;
  uint8_t offset_size = 4, address_size = 8;
  uint16_t version = 0;
  uint64_t abbrev_offset = 0;
};

Error bad(const std::string& what, uint64_t offset) {
  return Error(ErrorKind::BadData, what, fmt::format(".debug_info+{:#x}", offset));
}

Expected<UnitHeader> read_header(std::span<const uint8_t> info, uint64_t offset) {
  Cursor c(info, ".debug_info");
  c.seek(offset);
  UnitHeader h;
  h.offset = offset;
  uint64_t length = c.u32();
  if (length == 0xffffffff) { length = c.u64(); h.offset_size = 8; }
  else if (length >= 0xfffffff0) return bad("reserved unit length", offset);
  if (!c.ok() || length > c.remaining()) return bad("unit length runs past .debug_info", offset);
  h.end = c.pos() + length;
  h.version = c.u16();
  if (h.version < 2 || h.version > 5) return bad(fmt::format("unit version {}", h.version), offset);
  if (h.version >= 5) {
    uint8_t type = c.u8();
    h.address_size = c.u8();
    h.abbrev_offset = h.offset_size == 8 ? c.u64() : c.u32();
    if (type == DW_UT_skeleton || type == DW_UT_split_compile) c.skip(8);
    else if (type == DW_UT_type || type == DW_UT_split_type) c.skip(8 + h.offset_size);
    else if (type != DW_UT_compile && type != DW_UT_partial)
      return bad(fmt::format("unit type {:#x}", type), offset);
  } else {
    h.abbrev_offset = h.offset_size == 8 ? c.u64() : c.u32();
    h.address_size = c.u8();
  }
  if (!c.ok() || c.pos() > h.end) return bad("truncated unit header", offset);
  h.first_die = c.pos();
  return h;
}

// The unit's abbreviation table, indexed by code (codes are small and dense in practice; a
// sparse table beyond the section's size is refused rather than allocated).
Expected<std::vector<Abbrev>> read_abbrevs(std::span<const uint8_t> data, uint64_t offset) {
  Cursor c(data, ".debug_abbrev");
  c.seek(offset);
  std::vector<Abbrev> table;
  while (c.ok()) {
    uint64_t code = c.uleb128();
    if (code == 0) break;
    if (code > data.size()) return bad(fmt::format("abbreviation code {} beyond any table", code), offset);
    if (code >= table.size()) table.resize(code + 1);
    Abbrev& a = table[code];
    a.tag = c.uleb128();
    a.children = c.u8() != 0;
    for (;;) {
      AttrSpec spec{c.uleb128(), c.uleb128()};
      if (spec.form == DW_FORM_implicit_const) c.sleb128();
      if (!c.ok() || (spec.name == 0 && spec.form == 0)) break;
      a.attrs.push_back(spec);
    }
  }
  if (!c.ok()) return Error(ErrorKind::BadData, c.error().message, c.error().context);
  return table;
}

class UnitScanner {
 public:
  UnitScanner(const NameScanSections& s, const UnitHeader& h, const Limits& limits)
      : s_(s), h_(h), limits_(limits), c_(s.info, ".debug_info") {}

  Expected<UnitNames> run();

 private:
  struct Die {
    uint64_t offset = 0;
    const Abbrev* abbrev = nullptr;
    bool has_name = false, declaration = false;
    std::string_view name;
    uint64_t sibling = 0;  // 0: none
    uint64_t str_offsets_base = 0;
    bool has_str_offsets_base = false;
  };
  struct Level {
    std::string_view path;
    bool indexed = false;
  };

  Expected<void> read_die(Die& die, bool want_names);
  Expected<void> skip_form(uint64_t form, int indirections = 0);
  Expected<std::string_view> read_string(uint64_t form);
  Expected<std::string_view> string_at(std::span<const uint8_t> section, const char* name, uint64_t at);
  uint64_t offset_value() { return h_.offset_size == 8 ? c_.u64() : c_.u32(); }

  const NameScanSections& s_;
  const UnitHeader& h_;
  const Limits& limits_;
  Cursor c_;
  std::vector<Abbrev> abbrevs_;
  uint64_t str_offsets_base_ = 0;
  bool has_str_offsets_base_ = false;
};

Expected<std::string_view> UnitScanner::string_at(std::span<const uint8_t> section, const char* name,
                                                  uint64_t at) {
  if (at >= section.size()) return bad(fmt::format("string offset {:#x} outside {}", at, name), c_.pos());
  Cursor sc(section, name);
  sc.seek(at);
  auto s = sc.cstring();
  if (!sc.ok()) return bad(sc.error().message, c_.pos());
  return s;
}

Expected<std::string_view> UnitScanner::read_string(uint64_t form) {
  switch (form) {
    case DW_FORM_string: {
      auto s = c_.cstring();
      if (!c_.ok()) return bad(c_.error().message, c_.pos());
      return s;
    }
    case DW_FORM_strp: return string_at(s_.str, ".debug_str", offset_value());
    case DW_FORM_line_strp: return string_at(s_.line_str, ".debug_line_str", offset_value());
    case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3:
    case DW_FORM_strx4: {
      uint64_t index = form == DW_FORM_strx    ? c_.uleb128()
                       : form == DW_FORM_strx1 ? c_.u8()
                       : form == DW_FORM_strx2 ? c_.u16()
                       : form == DW_FORM_strx4 ? c_.u32()
                                               : (c_.u16() | uint64_t(c_.u8()) << 16);
      if (!has_str_offsets_base_) return bad("strx form in a unit without DW_AT_str_offsets_base", c_.pos());
      Cursor oc(s_.str_offsets, ".debug_str_offsets");
      if (index > s_.str_offsets.size() / h_.offset_size)
        return bad("string index outside .debug_str_offsets", c_.pos());
      oc.seek(str_offsets_base_ + index * h_.offset_size);
      uint64_t at = h_.offset_size == 8 ? oc.u64() : oc.u32();
      if (!oc.ok()) return bad(oc.error().message, c_.pos());
      return string_at(s_.str, ".debug_str", at);
    }
    default:
      // strp_sup / GNU_strp_alt (a supplementary file), GNU_str_index (split DWARF): libdwarf's job.
      return Error(ErrorKind::Unsupported, fmt::format("name in form {:#x}", form),
                   fmt::format(".debug_info+{:#x}", c_.pos()));
  }
}

Expected<void> UnitScanner::skip_form(uint64_t form, int indirections) {
  switch (form) {
    case DW_FORM_flag_present: case DW_FORM_implicit_const: break;
    case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1:
    case DW_FORM_addrx1: c_.skip(1); break;
    case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: c_.skip(2); break;
    case DW_FORM_strx3: case DW_FORM_addrx3: c_.skip(3); break;
    case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4:
    case DW_FORM_addrx4: c_.skip(4); break;
    case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
      c_.skip(8); break;
    case DW_FORM_data16: c_.skip(16); break;
    case DW_FORM_addr: c_.skip(h_.address_size); break;
    case DW_FORM_ref_addr: c_.skip(h_.version <= 2 ? h_.address_size : h_.offset_size); break;
    case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt: c_.skip(h_.offset_size); break;
    case DW_FORM_sdata: c_.sleb128(); break;
    case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
    case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index:
    case DW_FORM_GNU_str_index: c_.uleb128(); break;
    case DW_FORM_string: c_.cstring(); break;
    case DW_FORM_block1: c_.skip(c_.u8()); break;
    case DW_FORM_block2: c_.skip(c_.u16()); break;
    case DW_FORM_block4: c_.skip(c_.u32()); break;
    case DW_FORM_block: case DW_FORM_exprloc: c_.skip(c_.uleb128()); break;
    case DW_FORM_indirect:
      if (indirections > 0) return bad("DW_FORM_indirect naming DW_FORM_indirect", c_.pos());
      return skip_form(c_.uleb128(), indirections + 1);
    default:
      return Error(ErrorKind::Unsupported, fmt::format("attribute form {:#x}", form),
                   fmt::format(".debug_info+{:#x}", c_.pos()));
  }
  if (!c_.ok()) return bad(c_.error().message, c_.pos());
  return {};
}

Expected<void> UnitScanner::read_die(Die& die, bool want_names) {
  for (const AttrSpec& spec : die.abbrev->attrs) {
    uint64_t form = spec.form;
    if (form == DW_FORM_indirect) form = c_.uleb128();
    if (spec.name == DW_AT_sibling) {
      uint64_t v = 0;
      switch (form) {
        case DW_FORM_ref1: v = c_.u8(); break;
        case DW_FORM_ref2: v = c_.u16(); break;
        case DW_FORM_ref4: v = c_.u32(); break;
        case DW_FORM_ref8: v = c_.u64(); break;
        case DW_FORM_ref_udata: v = c_.uleb128(); break;
        case DW_FORM_ref_addr: v = (h_.version <= 2 ? c_.u64() : offset_value()) - h_.offset; break;
        default: KRDB_CHECK(skip_form(form)); continue;
      }
      die.sibling = h_.offset + v;
    } else if (want_names && spec.name == DW_AT_name) {
      auto s = read_string(form);
      if (!s) return s.error();
      die.has_name = true;
      die.name = *s;
    } else if (want_names && spec.name == DW_AT_declaration) {
      if (form == DW_FORM_flag) die.declaration = c_.u8() != 0;
      else if (form == DW_FORM_flag_present) die.declaration = true;
      else return bad(fmt::format("DW_AT_declaration in form {:#x}", form), c_.pos());
    } else if (spec.name == DW_AT_str_offsets_base && form == DW_FORM_sec_offset) {
      die.str_offsets_base = offset_value();
      die.has_str_offsets_base = true;
    } else {
      KRDB_CHECK(skip_form(form));
    }
  }
  if (!c_.ok()) return bad(c_.error().message, die.offset);
  return {};
}

Expected<UnitNames> UnitScanner::run() {
  auto table = read_abbrevs(s_.abbrev, h_.abbrev_offset);
  if (!table) return table.error();
  abbrevs_ = std::move(*table);
  UnitNames out;
  c_.seek(h_.first_die);
  std::vector<Level> levels;
  size_t indexed_levels = 0;
  bool unit_die = true;
  while (c_.pos() < h_.end) {
    Die die;
    die.offset = c_.pos();
    uint64_t code = c_.uleb128();
    if (!c_.ok()) return bad(c_.error().message, die.offset);
    if (code == 0) {
      if (levels.empty()) break;  // padding after the unit DIE's children
      indexed_levels -= levels.back().indexed;
      levels.pop_back();
      if (levels.empty()) break;
      continue;
    }
    if (code >= abbrevs_.size() || abbrevs_[code].tag == 0)
      return bad(fmt::format("DIE uses undefined abbreviation {}", code), die.offset);
    die.abbrev = &abbrevs_[code];
    const Level* parent = levels.empty() ? nullptr : &levels.back();
    bool indexed = parent && parent->indexed;
    KRDB_CHECK(read_die(die, indexed));
    if (unit_die) {
      unit_die = false;
      str_offsets_base_ = die.str_offsets_base;
      has_str_offsets_base_ = die.has_str_offsets_base;
      if (!die.abbrev->children) break;
      levels.push_back({{}, true});
      indexed_levels = 1;
      continue;
    }
    if (indexed && die.has_name) {
      uint64_t tag = die.abbrev->tag;
      std::string_view qualified;
      if (!parent->path.empty()) {
        out.storage.push_back(fmt::format("{}::{}", parent->path, die.name));
        qualified = out.storage.back();
      }
      if (is_indexed_type_tag(tag)) {
        out.entries.push_back({NameEntry::Type, die.declaration, die.offset, die.name, qualified});
      } else if (tag == DW_TAG_variable) {
        out.entries.push_back({NameEntry::Variable, false, die.offset, die.name, qualified});
      } else if (tag == DW_TAG_namespace && die.abbrev->children &&
                 indexed_levels < limits_.max_die_depth) {
        levels.push_back({qualified.empty() ? die.name : qualified, true});
        ++indexed_levels;
        continue;
      }
    }
    if (!die.abbrev->children) continue;
    // A subtree the index does not need: jump over it when the producer said where it ends.
    if (die.sibling > c_.pos() && die.sibling <= h_.end) {
      c_.seek(die.sibling);
      continue;
    }
    if (levels.size() >= limits_.max_die_depth * 4)
      return bad(fmt::format("DIEs nested deeper than {} (4 × max_die_depth)", levels.size()), die.offset);
    levels.push_back({{}, false});
  }
  return out;
}

}  // namespace

bool is_indexed_type_tag(uint64_t tag) {
  return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
         tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef || tag == DW_TAG_base_type ||
         tag == DW_TAG_class_type;
}

Expected<UnitNames> scan_unit_names(const NameScanSections& sections, uint64_t unit_offset,
                                    const Limits& limits) {
  auto header = read_header(sections.info, unit_offset);
  if (!header) return header.error();
  UnitScanner scanner(sections, *header, limits);
  return scanner.run();
}

}  // namespace krdb::dw
