#include "die_reader.h"

#include <libdwarf/dwarf.h>

#include <fmt/format.h>

#include <cstring>

namespace krdb::dw {

static_assert(DieReader::kIndirectForm == DW_FORM_indirect);

namespace {

Error bad_at(const std::string& what, uint64_t offset) {
  return Error(ErrorKind::BadData, what, fmt::format(".debug_info+{:#x}", offset));
}


void add_range(std::vector<AddressRange>& out, uint64_t lo, uint64_t hi) {
  if (hi > lo) out.push_back({lo, hi});
}

// DWARF 5 .debug_rnglists entries from `offset`, as libdwarf cooks them.
Expected<std::vector<AddressRange>> rnglist(DieReader& r, uint64_t offset, uint64_t base,
                                            const Limits& limits) {
  std::vector<AddressRange> out;
  const auto& h = r.header();
  Cursor c(r.sections().rnglists, ".debug_rnglists");
  c.seek(offset);
  auto addr = [&] { return h.address_size == 8 ? c.u64() : uint64_t(c.u32()); };
  for (uint64_t steps = 0; steps < limits.max_list_steps; ++steps) {
    uint8_t kind = c.u8();
    if (!c.ok()) return r.error("range list: " + c.error().message);
    switch (kind) {
      case DW_RLE_end_of_list: return out;
      case DW_RLE_base_addressx: {
        auto a = r.indexed_address(c.uleb128());
        if (!a) return a.error();
        base = *a;
        break;
      }
      case DW_RLE_startx_endx: case DW_RLE_startx_length: {
        uint64_t i = c.uleb128(), second = c.uleb128();
        auto lo = r.indexed_address(i);
        if (!lo) return lo.error();
        uint64_t hi = second;
        if (kind == DW_RLE_startx_endx) {
          auto e = r.indexed_address(second);
          if (!e) return e.error();
          hi = *e;
        } else {
          hi = *lo + second;
        }
        add_range(out, *lo, hi);
        break;
      }
      case DW_RLE_offset_pair: {
        uint64_t a = c.uleb128(), b = c.uleb128();
        add_range(out, base + a, base + b);
        break;
      }
      case DW_RLE_base_address: base = addr(); break;
      case DW_RLE_start_end: { uint64_t a = addr(), b = addr(); add_range(out, a, b); break; }
      case DW_RLE_start_length: { uint64_t a = addr(), n = c.uleb128(); add_range(out, a, a + n); break; }
      default: return r.error(fmt::format("range list entry kind {:#x}", kind));
    }
    if (!c.ok()) return r.error("range list: " + c.error().message);
  }
  return Error(ErrorKind::LimitHit, "range list longer than max_list_steps", ".debug_rnglists");
}

// DWARF 2-4 .debug_ranges pairs from `offset`.
Expected<std::vector<AddressRange>> debug_ranges(DieReader& r, uint64_t offset, uint64_t base,
                                                 const Limits& limits) {
  std::vector<AddressRange> out;
  const auto& h = r.header();
  Cursor c(r.sections().ranges, ".debug_ranges");
  c.seek(offset);
  uint64_t max = h.address_size == 8 ? ~0ull : 0xffffffffull;
  for (uint64_t steps = 0; steps < limits.max_list_steps; ++steps) {
    uint64_t a = h.address_size == 8 ? c.u64() : c.u32();
    uint64_t b = h.address_size == 8 ? c.u64() : c.u32();
    if (!c.ok()) return r.error("range list: " + c.error().message);
    if (a == 0 && b == 0) return out;
    if (a == max) { base = b; continue; }
    add_range(out, base + a, base + b);
  }
  return Error(ErrorKind::LimitHit, "range list longer than max_list_steps", ".debug_ranges");
}

bool is_constant_form(uint64_t form) {
  return form == DW_FORM_data1 || form == DW_FORM_data2 || form == DW_FORM_data4 ||
         form == DW_FORM_data8 || form == DW_FORM_udata || form == DW_FORM_sdata ||
         form == DW_FORM_implicit_const;
}

}  // namespace

Expected<UnitStart> read_unit_start(Cursor& c, const char* section) {
  uint64_t at = c.pos();
  auto bad = [&](const std::string& what) {
    return Error(ErrorKind::BadData, what, fmt::format("{}+{:#x}", section, at));
  };
  UnitStart u;
  uint64_t length = c.u32();
  if (length == 0xffffffff) { length = c.u64(); u.offset_size = 8; }
  else if (length >= 0xfffffff0) return bad("reserved unit length");
  if (!c.ok() || length > c.remaining()) return bad(fmt::format("unit length runs past {}", section));
  u.end = c.pos() + length;
  u.version = c.u16();
  if (!c.ok() || u.version < 2 || u.version > 5) return bad(fmt::format("unit version {}", u.version));
  return u;
}

Expected<UnitHeader> read_unit_header(std::span<const uint8_t> info, uint64_t offset) {
  Cursor c(info, ".debug_info");
  c.seek(offset);
  UnitHeader h;
  h.offset = offset;
  auto start = read_unit_start(c, ".debug_info");
  if (!start) return start.error();
  h.end = start->end;
  h.offset_size = start->offset_size;
  h.version = start->version;
  if (h.version >= 5) {
    uint8_t type = c.u8();
    h.address_size = c.u8();
    h.abbrev_offset = h.offset_size == 8 ? c.u64() : c.u32();
    if (type == DW_UT_skeleton || type == DW_UT_split_compile) c.skip(8);
    else if (type == DW_UT_type || type == DW_UT_split_type) c.skip(8 + h.offset_size);
    else if (type != DW_UT_compile && type != DW_UT_partial)
      return bad_at(fmt::format("unit type {:#x}", type), offset);
  } else {
    h.abbrev_offset = h.offset_size == 8 ? c.u64() : c.u32();
    h.address_size = c.u8();
  }
  if (h.address_size != 4 && h.address_size != 8)
    return bad_at(fmt::format("address size {}", h.address_size), offset);
  if (!c.ok() || c.pos() > h.end) return bad_at("truncated unit header", offset);
  h.first_die = c.pos();
  return h;
}

Error DieReader::error(const std::string& what) const { return bad_at(what, c_.pos()); }

Error DieReader::cursor_error() const {
  return Error(ErrorKind::BadData, c_.error().message, c_.error().context);
}

namespace {

// The size of a form's value when it does not depend on the value; -1 otherwise.
int64_t fixed_form_size_switch(uint64_t form, const UnitHeader& h) {
  switch (form) {
    case DW_FORM_flag_present: case DW_FORM_implicit_const: return 0;
    case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1:
    case DW_FORM_addrx1: return 1;
    case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: return 2;
    case DW_FORM_strx3: case DW_FORM_addrx3: return 3;
    case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4:
    case DW_FORM_addrx4: return 4;
    case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8: return 8;
    case DW_FORM_data16: return 16;
    case DW_FORM_addr: return h.address_size;
    case DW_FORM_ref_addr: return h.version <= 2 ? h.address_size : h.offset_size;
    case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt: return h.offset_size;
    default: return -1;
  }
}

// The same as a table per header shape, for DieReader::skip and the skip plans.
struct FormSizes {
  int8_t size[DieReader::kFormSizeTable];
  explicit FormSizes(const UnitHeader& h) {
    for (uint64_t f = 0; f < DieReader::kFormSizeTable; ++f) size[f] = int8_t(fixed_form_size_switch(f, h));
  }
};

// `sizes`: DieReader::form_size_table(h), looked up once per unit by the caller.
int64_t fixed_form_size(uint64_t form, const int8_t* sizes, const UnitHeader& h) {
  if (form < DieReader::kFormSizeTable) return sizes[form];
  return fixed_form_size_switch(form, h);
}

// The step that skips a value of `form`.
SkipStep skip_step(uint64_t form, const int8_t* sizes, const UnitHeader& h) {
  if (int64_t n = fixed_form_size(form, sizes, h); n >= 0) return {SkipStep::Fixed, uint32_t(n)};
  switch (form) {
    case DW_FORM_sdata: return {SkipStep::Sleb, 0};
    case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
    case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index:
    case DW_FORM_GNU_str_index: return {SkipStep::Uleb, 0};
    case DW_FORM_string: return {SkipStep::CString, 0};
    case DW_FORM_block1: return {SkipStep::Block1, 0};
    case DW_FORM_block2: return {SkipStep::Block2, 0};
    case DW_FORM_block4: return {SkipStep::Block4, 0};
    case DW_FORM_block: case DW_FORM_exprloc: return {SkipStep::BlockUleb, 0};
    default: return {SkipStep::Generic, uint32_t(form)};  // indirect, or an error at skip time
  }
}

}  // namespace

AbbrevTable::AbbrevTable(std::span<const uint8_t> abbrev, const UnitHeader& header)
    : data_(abbrev), header_(header), cursor_(abbrev, ".debug_abbrev"),
      form_sizes_(DieReader::form_size_table(header)) {
  cursor_.seek(header.abbrev_offset);
  table_.reserve(64);
  attr_pool_.reserve(256);
  step_pool_.reserve(128);
}

void AbbrevTable::repoint() {
  for (Abbrev& a : table_) {
    if (a.tag == 0) continue;
    a.attrs = {attr_pool_.data() + a.first_attr, a.attrs.size()};
    a.skip = {step_pool_.data() + a.first_step, a.skip.size()};
  }
}

// Entries are indexed by code, codes being small and dense in practice; a code larger than the
// section could hold is refused rather than allocated.
Expected<const Abbrev*> AbbrevTable::find_slow(uint64_t code) {
  while (code >= table_.size() || table_[code].tag == 0) {
    Cursor& c = cursor_;
    if (!c.ok()) return Error(ErrorKind::BadData, c.error().message, c.error().context);
    if (done_) return nullptr;
    uint64_t entry = c.pos();
    uint64_t read = c.uleb128();
    if (read == 0) { done_ = true; continue; }
    if (read > data_.size())
      return Error(ErrorKind::BadData, fmt::format("abbreviation code {} beyond any table", read),
                   fmt::format(".debug_abbrev+{:#x}", entry));
    if (read >= table_.size()) table_.resize(read + 1);
    const AttrSpec* attrs_before = attr_pool_.data();
    const SkipStep* steps_before = step_pool_.data();
    Abbrev& a = table_[read];
    a = Abbrev();
    a.tag = c.uleb128();
    a.children = c.u8() != 0;
    a.first_attr = uint32_t(attr_pool_.size());
    a.first_step = uint32_t(step_pool_.size());
    a.fixed_size = 0;
    // One pass: the attribute list, and the skip plan with fixed-size runs merged.
    for (;;) {
      AttrSpec spec{c.uleb128(), c.uleb128(), 0};
      if (spec.form == DW_FORM_implicit_const) spec.implicit = c.sleb128();
      if (!c.ok() || (spec.name == 0 && spec.form == 0)) break;
      attr_pool_.push_back(spec);
      SkipStep step = skip_step(spec.form, form_sizes_, header_);
      bool fixed = step.kind == SkipStep::Fixed;
      if (spec.name == DW_AT_sibling && a.fixed_size >= 0 && a.sibling_form == 0) {
        a.sibling_at = uint32_t(a.fixed_size);
        a.sibling_form = spec.form;
      }
      a.fixed_size = a.fixed_size >= 0 && fixed ? a.fixed_size + step.bytes : -1;
      if (fixed && step.bytes == 0) continue;
      if (fixed && step_pool_.size() > a.first_step && step_pool_.back().kind == SkipStep::Fixed)
        step_pool_.back().bytes += step.bytes;
      else
        step_pool_.push_back(step);
    }
    if (!c.ok()) return Error(ErrorKind::BadData, c.error().message, c.error().context);
    if (a.tag == 0) return Error(ErrorKind::BadData, "abbreviation with tag 0",
                                 fmt::format(".debug_abbrev+{:#x}", entry));
    a.attrs = {attr_pool_.data() + a.first_attr, attr_pool_.size() - a.first_attr};
    a.skip = {step_pool_.data() + a.first_step, step_pool_.size() - a.first_step};
    if (attr_pool_.data() != attrs_before || step_pool_.data() != steps_before) repoint();
  }
  return &table_[code];
}

Expected<void> DieReader::start() { return start_at(h_.first_die); }

Expected<void> DieReader::start_at(uint64_t die_offset) {
  if (!table_) table_ = &own_table_.emplace(s_.abbrev, h_);
  if (die_offset < h_.first_die || die_offset >= h_.end)
    return error(fmt::format("DIE offset {:#x} outside its unit", die_offset));
  c_.seek(die_offset);
  return cursor_ok();
}

Expected<bool> DieReader::read_bases(const Abbrev& unit_die) {
  bool loclists_base = false;
  for (const AttrSpec& spec : unit_die.attrs) {
    auto form = resolve_form(spec);
    if (!form) return form.error();
    std::optional<uint64_t>* base = spec.name == DW_AT_str_offsets_base ? &bases.str_offsets
                                    : spec.name == DW_AT_addr_base      ? &bases.addr
                                    : spec.name == DW_AT_rnglists_base  ? &bases.rnglists
                                                                        : nullptr;
    loclists_base |= spec.name == DW_AT_loclists_base;
    if (!base) { KRDB_CHECK(skip(*form)); continue; }
    auto v = unsigned_value(*form, spec);
    if (!v) return v.error();
    *base = *v;
  }
  return loclists_base;
}

Expected<void> DieReader::skip_attributes(const Abbrev& abbrev) {
  for (const SkipStep& step : abbrev.skip) {
    switch (step.kind) {
      case SkipStep::Fixed: c_.skip(step.bytes); break;
      case SkipStep::Uleb: c_.uleb128(); break;
      case SkipStep::Sleb: c_.sleb128(); break;
      case SkipStep::CString: c_.cstring(); break;
      case SkipStep::Block1: c_.skip(c_.u8()); break;
      case SkipStep::Block2: c_.skip(c_.u16()); break;
      case SkipStep::Block4: c_.skip(c_.u32()); break;
      case SkipStep::BlockUleb: c_.skip(c_.uleb128()); break;
      case SkipStep::Generic: {
        auto form = resolve_form(AttrSpec{0, step.bytes, 0});
        if (!form) return form.error();
        KRDB_CHECK(skip(*form));
        break;
      }
    }
  }
  return cursor_ok();
}

std::optional<uint64_t> DieReader::fixed_sibling(const Abbrev& abbrev) {
  if (abbrev.sibling_form == 0) return std::nullopt;
  uint64_t at = c_.pos();
  c_.skip(abbrev.sibling_at);
  auto v = reference(abbrev.sibling_form);
  c_.seek(at);
  if (!v || !c_.ok()) return std::nullopt;
  return *v;
}

Expected<const Abbrev*> DieReader::next(uint64_t& offset) {
  offset = c_.pos();
  uint64_t code = c_.uleb128();
  KRDB_CHECK(cursor_ok());
  if (code == 0) return nullptr;
  auto a = table_->find(code);
  if (!a) return a.error();
  if (!*a) return bad_at(fmt::format("DIE uses undefined abbreviation {}", code), offset);
  return *a;
}

bool DieReader::jump_to(uint64_t sibling) {
  if (sibling <= c_.pos() || sibling > h_.end) return false;
  c_.seek(sibling);
  return c_.ok();
}

Expected<uint64_t> DieReader::indirect_form() {
  uint64_t form = c_.uleb128();
  KRDB_CHECK(cursor_ok());
  if (form == DW_FORM_indirect || form == DW_FORM_implicit_const)
    return error(fmt::format("DW_FORM_indirect naming form {:#x}", form));
  return form;
}

// A NUL-terminated string at `at` in a string section (no Cursor: this runs for every name).
Expected<std::string_view> DieReader::string_at(std::span<const uint8_t> section, const char* name,
                                                uint64_t at) {
  if (at >= section.size()) return error(fmt::format("string offset {:#x} outside {}", at, name));
  const char* start = reinterpret_cast<const char*>(section.data() + at);
  const void* nul = std::memchr(start, 0, section.size() - at);
  if (!nul) return error(fmt::format("string at {}+{:#x} without its terminator", name, at));
  return std::string_view(start, size_t(static_cast<const char*>(nul) - start));
}

Expected<std::string_view> DieReader::string(uint64_t form) {
  switch (form) {
    case DW_FORM_string: {
      auto s = c_.cstring();
      KRDB_CHECK(cursor_ok());
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
      KRDB_CHECK(cursor_ok());
      if (!bases.str_offsets) return error("strx form in a unit without DW_AT_str_offsets_base");
      if (index > s_.str_offsets.size() / h_.offset_size)
        return error("string index outside .debug_str_offsets");
      Cursor oc(s_.str_offsets, ".debug_str_offsets");
      oc.seek(*bases.str_offsets + index * h_.offset_size);
      uint64_t at = h_.offset_size == 8 ? oc.u64() : oc.u32();
      if (!oc.ok()) return error(oc.error().message);
      return string_at(s_.str, ".debug_str", at);
    }
    default:
      // strp_sup / GNU_strp_alt (a supplementary file), GNU_str_index (split DWARF): libdwarf's job.
      return Error(ErrorKind::Unsupported, fmt::format("string in form {:#x}", form),
                   fmt::format(".debug_info+{:#x}", c_.pos()));
  }
}

Expected<uint64_t> DieReader::unsigned_value(uint64_t form, const AttrSpec& spec) {
  uint64_t v = 0;
  switch (form) {
    case DW_FORM_data1: v = c_.u8(); break;
    case DW_FORM_data2: v = c_.u16(); break;
    case DW_FORM_data4: v = c_.u32(); break;
    case DW_FORM_data8: v = c_.u64(); break;
    case DW_FORM_udata: v = c_.uleb128(); break;
    case DW_FORM_sdata: v = uint64_t(c_.sleb128()); break;
    case DW_FORM_implicit_const: v = uint64_t(spec.implicit); break;
    case DW_FORM_sec_offset: v = offset_value(); break;
    default: return Error(ErrorKind::Unsupported, fmt::format("constant in form {:#x}", form),
                          fmt::format(".debug_info+{:#x}", c_.pos()));
  }
  KRDB_CHECK(cursor_ok());
  return v;
}

Expected<uint64_t> DieReader::indexed_address(uint64_t index) {
  if (!bases.addr) return error("addrx form in a unit without DW_AT_addr_base");
  if (index > s_.addr.size() / h_.address_size) return error("address index outside .debug_addr");
  Cursor ac(s_.addr, ".debug_addr");
  ac.seek(*bases.addr + index * h_.address_size);
  uint64_t a = h_.address_size == 8 ? ac.u64() : ac.u32();
  if (!ac.ok()) return error(ac.error().message);
  return a;
}

Expected<uint64_t> DieReader::address(uint64_t form) {
  uint64_t index = 0;
  switch (form) {
    case DW_FORM_addr: {
      uint64_t a = h_.address_size == 8 ? c_.u64() : c_.u32();
      KRDB_CHECK(cursor_ok());
      return a;
    }
    case DW_FORM_addrx: case DW_FORM_GNU_addr_index: index = c_.uleb128(); break;
    case DW_FORM_addrx1: index = c_.u8(); break;
    case DW_FORM_addrx2: index = c_.u16(); break;
    case DW_FORM_addrx3: index = c_.u16() | uint64_t(c_.u8()) << 16; break;
    case DW_FORM_addrx4: index = c_.u32(); break;
    default: return Error(ErrorKind::Unsupported, fmt::format("address in form {:#x}", form),
                          fmt::format(".debug_info+{:#x}", c_.pos()));
  }
  KRDB_CHECK(cursor_ok());
  return indexed_address(index);
}

Expected<uint64_t> DieReader::reference(uint64_t form) {
  uint64_t v = 0;
  bool unit_relative = true;
  switch (form) {
    case DW_FORM_ref1: v = c_.u8(); break;
    case DW_FORM_ref2: v = c_.u16(); break;
    case DW_FORM_ref4: v = c_.u32(); break;
    case DW_FORM_ref8: v = c_.u64(); break;
    case DW_FORM_ref_udata: v = c_.uleb128(); break;
    case DW_FORM_ref_addr:
      v = h_.version <= 2 ? (h_.address_size == 8 ? c_.u64() : c_.u32()) : offset_value();
      unit_relative = false;
      break;
    default: return Error(ErrorKind::Unsupported, fmt::format("reference in form {:#x}", form),
                          fmt::format(".debug_info+{:#x}", c_.pos()));
  }
  KRDB_CHECK(cursor_ok());
  return unit_relative ? h_.offset + v : v;
}

Expected<bool> DieReader::flag(uint64_t form) {
  if (form == DW_FORM_flag_present) return true;
  if (form != DW_FORM_flag) return error(fmt::format("flag in form {:#x}", form));
  bool v = c_.u8() != 0;
  KRDB_CHECK(cursor_ok());
  return v;
}

const int8_t* DieReader::form_size_table(const UnitHeader& h) {
  // DWARF 3+ with 4- or 8-byte offsets and addresses, and DWARF 2 (whose ref_addr is address-sized).
  static const FormSizes shapes[] = {
      FormSizes(UnitHeader{0, 0, 0, 4, 4, 3, 0}), FormSizes(UnitHeader{0, 0, 0, 4, 8, 3, 0}),
      FormSizes(UnitHeader{0, 0, 0, 8, 4, 3, 0}), FormSizes(UnitHeader{0, 0, 0, 8, 8, 3, 0}),
      FormSizes(UnitHeader{0, 0, 0, 4, 4, 2, 0}), FormSizes(UnitHeader{0, 0, 0, 4, 8, 2, 0}),
      FormSizes(UnitHeader{0, 0, 0, 8, 4, 2, 0}), FormSizes(UnitHeader{0, 0, 0, 8, 8, 2, 0})};
  size_t shape = (h.offset_size == 8 ? 2 : 0) + (h.address_size == 8 ? 1 : 0) + (h.version <= 2 ? 4 : 0);
  return shapes[shape].size;
}

Expected<void> DieReader::skip_variable(uint64_t form) {
  if (int64_t n = fixed_form_size(form, form_sizes_, h_); n >= 0) {  // a fixed form above the table
    c_.skip(uint64_t(n));
    return cursor_ok();
  }
  switch (form) {
    case DW_FORM_sdata: c_.sleb128(); break;
    case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
    case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index:
    case DW_FORM_GNU_str_index: c_.uleb128(); break;
    case DW_FORM_string: c_.cstring(); break;
    case DW_FORM_block1: c_.skip(c_.u8()); break;
    case DW_FORM_block2: c_.skip(c_.u16()); break;
    case DW_FORM_block4: c_.skip(c_.u32()); break;
    case DW_FORM_block: case DW_FORM_exprloc: c_.skip(c_.uleb128()); break;
    default:
      return Error(ErrorKind::Unsupported, fmt::format("attribute form {:#x}", form),
                   fmt::format(".debug_info+{:#x}", c_.pos()));
  }
  return cursor_ok();
}

Expected<bool> DieReader::range_attr(const AttrSpec& spec, uint64_t form, RangeAttrs& d) {
  switch (spec.name) {
    case DW_AT_low_pc: {
      auto v = address(form);
      if (!v) return v.error();
      d.low_pc = *v;
      return true;
    }
    case DW_AT_high_pc: {
      d.high_pc_is_offset = is_constant_form(form);
      auto v = d.high_pc_is_offset ? unsigned_value(form, spec) : address(form);
      if (!v) return v.error();
      d.high_pc = *v;
      return true;
    }
    case DW_AT_ranges: {
      d.ranges_form = form;
      if (form != DW_FORM_sec_offset && form != DW_FORM_rnglistx && form != DW_FORM_data4 &&
          form != DW_FORM_data8)
        return error(fmt::format("DW_AT_ranges in form {:#x}", form));
      auto v = unsigned_value(form == DW_FORM_rnglistx ? DW_FORM_udata : form, spec);
      if (!v) return v.error();
      d.ranges = *v;
      return true;
    }
    default: return false;
  }
}

Expected<std::vector<AddressRange>> DieReader::ranges(const RangeAttrs& d, uint64_t cu_base,
                                                      const Limits& limits) {
  DieReader& r = *this;
  std::vector<AddressRange> out;
  if (d.low_pc) {
    if (d.high_pc) add_range(out, *d.low_pc, d.high_pc_is_offset ? *d.low_pc + *d.high_pc : *d.high_pc);
    if (!out.empty() || !d.ranges) return out;
  }
  if (!d.ranges) return out;
  if (r.header().version < 5) return debug_ranges(r, *d.ranges, cu_base, limits);
  uint64_t offset = *d.ranges;
  if (d.ranges_form == DW_FORM_rnglistx) {
    if (!r.bases.rnglists) return r.error("rnglistx form in a unit without DW_AT_rnglists_base");
    Cursor c(r.sections().rnglists, ".debug_rnglists");
    uint8_t os = r.header().offset_size;
    if (offset > r.sections().rnglists.size() / os) return r.error("range list index out of bounds");
    c.seek(*r.bases.rnglists + offset * os);
    uint64_t relative = os == 8 ? c.u64() : c.u32();
    if (!c.ok()) return r.error("range list offset table: " + c.error().message);
    offset = *r.bases.rnglists + relative;
  }
  return rnglist(r, offset, cu_base, limits);
}

}  // namespace krdb::dw
