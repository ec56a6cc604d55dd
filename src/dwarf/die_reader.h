// DieReader: a narrow, hand-written reader of one unit's DIEs straight from .debug_info, for the
// two walks that must see every DIE of a unit and are too slow through libdwarf (a DIE
// allocation, an abbreviation search and an attribute list per DIE): the name index
// (name_scan.cpp) and the scope trees (scope_scan.cpp).
// Why by hand, and how it stays right: on a vmlinux those walks were 80% of a cold `krdb bt`.
// Both walks are checked against their libdwarf twins on every unit of the kits' vmlinuxes and
// modules (tests/unit/dwarf), and fuzzed (fuzz/name_scan_fuzzer.cpp). The reader is strict:
// anything it does not know (a form it cannot size, a string in a supplementary file, a bad
// offset) is an Error, and the caller re-reads that unit through libdwarf.
// All reads go through Cursor (bounds-checked); subtrees are skipped by DW_AT_sibling only when
// it points forward inside the unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "krdb/base/cursor.h"
#include "krdb/base/error.h"
#include "krdb/base/limits.h"
#include "krdb/dwarf/debug_info.h"

namespace krdb::dw {

// Section bytes as libdwarf sees them (decompressed, relocated); absent sections are empty.
struct RawSections {
  std::span<const uint8_t> info, abbrev, str, line_str, str_offsets, addr, rnglists, ranges, line;
};

struct UnitHeader {
  uint64_t offset = 0, end = 0, first_die = 0;
  uint8_t offset_size = 4, address_size = 8;
  uint16_t version = 0;
  uint64_t abbrev_offset = 0;
};

struct AttrSpec {
  uint64_t name = 0, form = 0;
  int64_t implicit = 0;  // DW_FORM_implicit_const's value
};

// How to step over one attribute value without reading it, compiled once per abbreviation:
// runs of fixed-size forms merge into one Fixed step.
struct SkipStep {
  enum Kind : uint8_t { Fixed, Uleb, Sleb, CString, Block1, Block2, Block4, BlockUleb, Generic };
  Kind kind = Fixed;
  uint32_t bytes = 0;  // Fixed: how many; Generic: the form (DW_FORM_indirect, or one the reader refuses)
};

struct Abbrev {
  uint64_t tag = 0;  // 0: no abbreviation with this code
  bool children = false;
  std::span<const AttrSpec> attrs;   // in the table's pool
  std::span<const SkipStep> skip;    // the plan skip_attributes() follows
  int64_t fixed_size = -1;  // bytes of all attribute values when every form has a fixed size
  // Where DW_AT_sibling's value is when every attribute before it has a fixed size: its byte
  // offset from the DIE's first attribute and its form; form 0 otherwise.
  uint32_t sibling_at = 0;
  uint64_t sibling_form = 0;
  uint32_t first_attr = 0, first_step = 0;  // positions in the pools (the spans follow them)
};

// One unit's abbreviation table, read only as far as the codes asked for need (a unit-table
// scan needs one code per unit); kept per unit by DebugInfo so later reads of the unit's DIEs
// (names of frames) do not parse it again. Attribute lists and skip plans live in two pools
// per table (one allocation each, not one per abbreviation).
class AbbrevTable {
 public:
  AbbrevTable(std::span<const uint8_t> abbrev, const UnitHeader& header);
  // nullptr when the table has no such code. Valid until the next call.
  Expected<const Abbrev*> find(uint64_t code) {  // inline: on every DIE; parses lazily
    if (code < table_.size() && table_[code].tag != 0) [[likely]] return &table_[code];
    return find_slow(code);
  }

 private:
  Expected<const Abbrev*> find_slow(uint64_t code);
  void repoint();  // the spans after a pool grew
  std::span<const uint8_t> data_;
  UnitHeader header_;
  Cursor cursor_;
  const int8_t* form_sizes_;
  bool done_ = false;
  std::vector<Abbrev> table_;
  std::vector<AttrSpec> attr_pool_;
  std::vector<SkipStep> step_pool_;
};

Expected<UnitHeader> read_unit_header(std::span<const uint8_t> info, uint64_t offset);

// A DWARF unit's start, common to .debug_info and .debug_line units: the initial length (32- or
// 64-bit format) and the version, checked against the bytes left and the versions 2–5.
struct UnitStart {
  uint64_t end = 0;  // offset just past the unit
  uint8_t offset_size = 4;
  uint16_t version = 0;
};
Expected<UnitStart> read_unit_start(Cursor& c, const char* section);

// The attributes that give a DIE its address ranges, as read.
struct RangeAttrs {
  std::optional<uint64_t> low_pc, high_pc, ranges;
  bool high_pc_is_offset = false;  // DW_AT_high_pc in a constant form: low_pc + value
  uint64_t ranges_form = 0;
};

class DieReader {
 public:
  static constexpr uint64_t kIndirectForm = 0x16;  // DW_FORM_indirect (dwarf.h stays out of headers)
  // Fixed value sizes of the standard forms (all below 0x30) for a header's shape; -1 for a
  // form whose size depends on its value.
  static constexpr uint64_t kFormSizeTable = 0x30;
  static const int8_t* form_size_table(const UnitHeader& h);
  // `abbrevs`: the unit's table when the caller keeps one, else the reader makes its own.
  DieReader(const RawSections& sections, const UnitHeader& header, AbbrevTable* abbrevs = nullptr)
      : s_(sections), h_(header), c_(sections.info, ".debug_info"), table_(abbrevs),
        form_sizes_(form_size_table(header)) {}

  // Positions at the unit DIE, or at the DIE at `die_offset` (inside this unit).
  Expected<void> start();
  Expected<void> start_at(uint64_t die_offset);
  // Reads the unit DIE's attributes (the reader positioned at them) for its bases; says whether
  // it has a DW_AT_loclists_base (no reader use, but libdwarf needs the section then).
  Expected<bool> read_bases(const Abbrev& unit_die);
  // Skips the current DIE's attribute values by the abbreviation's plan (one step when their
  // sizes are fixed).
  Expected<void> skip_attributes(const Abbrev& abbrev);
  // The DIE's DW_AT_sibling when the abbreviation places it at a fixed offset (then the
  // attributes are left unread: the caller jumps); nullopt otherwise (nothing read).
  std::optional<uint64_t> fixed_sibling(const Abbrev& abbrev);
  // The abbreviation of the DIE at the cursor (its offset in `offset`); nullptr for a null entry.
  // Valid until the next call.
  Expected<const Abbrev*> next(uint64_t& offset);
  bool in_unit() const { return c_.pos() < h_.end; }
  uint64_t pos() const { return c_.pos(); }
  // Jumps to a DW_AT_sibling target when it lies forward inside the unit; false otherwise.
  bool jump_to(uint64_t sibling);
  // Back to an attribute list already read (a second pass over the unit DIE, whose bases may
  // follow the attributes that need them).
  void rewind(uint64_t pos) { c_.seek(pos); }

  // Attribute values of the current DIE, in abbreviation order. `form` is already resolved
  // through DW_FORM_indirect by resolve_form().
  Expected<uint64_t> resolve_form(const AttrSpec& spec) {  // inline: on every attribute read
    if (spec.form != kIndirectForm) [[likely]] return spec.form;
    return indirect_form();
  }
  Expected<void> skip(uint64_t form) {  // inline: on most attributes the scans step over
    if (form < kFormSizeTable && form_sizes_[form] >= 0) [[likely]] {
      c_.skip(uint64_t(form_sizes_[form]));
      return cursor_ok();
    }
    return skip_variable(form);
  }
  Expected<std::string_view> string(uint64_t form);
  Expected<uint64_t> unsigned_value(uint64_t form, const AttrSpec& spec);  // constants, sec_offset
  Expected<uint64_t> address(uint64_t form);                               // addr, addrx*
  Expected<uint64_t> reference(uint64_t form);                             // global offset
  Expected<bool> flag(uint64_t form);
  // DW_AT_low_pc / DW_AT_high_pc / DW_AT_ranges into `out`; false for any other attribute
  // (nothing read then).
  Expected<bool> range_attr(const AttrSpec& spec, uint64_t form, RangeAttrs& out);
  // The ranges those attributes give, as libdwarf cooks them (krdb's Die::ranges): low/high pc
  // first, else the range list; empty ranges dropped. `cu_base`: the unit's DW_AT_low_pc.
  Expected<std::vector<AddressRange>> ranges(const RangeAttrs& attrs, uint64_t cu_base,
                                             const Limits& limits);

  // Bases from the unit DIE (DW_AT_str_offsets_base, DW_AT_addr_base, DW_AT_rnglists_base).
  struct Bases {
    std::optional<uint64_t> str_offsets, addr, rnglists;
  } bases;

  const UnitHeader& header() const { return h_; }
  const RawSections& sections() const { return s_; }
  Error error(const std::string& what) const;  // "what" at the cursor's .debug_info offset
  // An address from .debug_addr by index (DW_FORM_addrx*, DW_RLE_*x entries).
  Expected<uint64_t> indexed_address(uint64_t index);

 private:
  Expected<uint64_t> indirect_form();
  Expected<void> skip_variable(uint64_t form);
  uint64_t offset_value() { return h_.offset_size == 8 ? c_.u64() : c_.u32(); }
  Expected<std::string_view> string_at(std::span<const uint8_t> section, const char* name, uint64_t at);
  Expected<void> cursor_ok() {  // inline: on every attribute read
    if (c_.ok()) [[likely]] return {};
    return cursor_error();
  }
  Error cursor_error() const;

  const RawSections& s_;
  const UnitHeader& h_;
  Cursor c_;
  AbbrevTable* table_;
  const int8_t* form_sizes_;
  std::optional<AbbrevTable> own_table_;
};

}  // namespace krdb::dw
