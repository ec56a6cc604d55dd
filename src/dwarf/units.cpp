// The compile-unit index: every CU header and top DIE, read once at open.
#include <algorithm>

#include <fmt/format.h>

#include "debug_info_impl.h"
#include "die_reader.h"

namespace krdb {

namespace {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

std::optional<std::string> missing_base_section(const dw::Die& cu) {
  static constexpr std::pair<Dwarf_Half, const char*> kBases[] = {
      {DW_AT_addr_base, ".debug_addr"},
      {DW_AT_rnglists_base, ".debug_rnglists"},
      {DW_AT_loclists_base, ".debug_loclists"},
      {DW_AT_str_offsets_base, ".debug_str_offsets"},
  };
  for (const auto& [attr, section] : kBases)
    if (cu.has(attr) && !dw::has_section(cu.dbg(), section)) return std::string(section);
  return std::nullopt;
}

// libdwarf's has_section(): a base section is present when non-empty.
std::optional<std::string> missing_base_section(const dw::DieReader::Bases& b, const dw::RawSections& s,
                                                bool has_loclists_base, std::span<const uint8_t> loclists) {
  if (b.addr && s.addr.empty()) return std::string(".debug_addr");
  if (b.rnglists && s.rnglists.empty()) return std::string(".debug_rnglists");
  if (has_loclists_base && loclists.empty()) return std::string(".debug_loclists");
  if (b.str_offsets && s.str_offsets.empty()) return std::string(".debug_str_offsets");
  return std::nullopt;
}

}  // namespace

// The unit table through DieReader (die_reader.h): the header and the unit DIE of every CU. An
// Error for anything unexpected, and load_units() then reads the whole table through libdwarf.
Expected<void> DebugInfo::Impl::scan_units() {
  dw::RawSections s = raw_sections();
  if (s.info.empty()) return Error(ErrorKind::Unsupported, "no raw .debug_info");
  std::span<const uint8_t> loclists = access->section_data(".debug_loclists");
  std::vector<CompileUnit> found;
  std::vector<dw::UnitData> found_data;
  std::vector<Error> errors;
  for (uint64_t offset = 0; offset < s.info.size();) {
    auto header = dw::read_unit_header(s.info, offset);
    if (!header) return header.error();
    dw::DieReader r(s, *header);
    KRDB_CHECK(r.start());
    uint64_t die_offset = 0;
    auto abbrev = r.next(die_offset);
    if (!abbrev) return abbrev.error();
    if (!*abbrev) return r.error("unit without a unit DIE");
    const dw::Abbrev& a = **abbrev;
    // Pass 1: the bases (LLVM writes them after the strx-form names that need them).
    uint64_t attrs = r.pos();
    auto has_loclists_base = r.read_bases(a);
    if (!has_loclists_base) return has_loclists_base.error();
    uint64_t next = header->end;
    if (auto missing = missing_base_section(r.bases, s, *has_loclists_base, loclists)) {
      errors.emplace_back(ErrorKind::BadData,
                          fmt::format("compile unit uses {} but the file has no such section; "
                                      "unit skipped", *missing),
                          fmt::format("{}: .debug_info+{:#x}", debug_path, die_offset));
      offset = next;
      continue;
    }
    // Pass 2: the values.
    r.rewind(attrs);
    CompileUnit cu;
    cu.offset = offset;
    cu.die_offset = die_offset;
    cu.version = header->version;
    dw::RangeAttrs range;
    std::optional<uint64_t> stmt_list;
    for (const dw::AttrSpec& spec : a.attrs) {
      auto form = r.resolve_form(spec);
      if (!form) return form.error();
      auto used = r.range_attr(spec, *form, range);
      if (!used) return used.error();
      if (*used) continue;
      std::string* text = spec.name == DW_AT_name       ? &cu.name
                          : spec.name == DW_AT_producer ? &cu.producer
                          : spec.name == DW_AT_comp_dir ? &cu.comp_dir
                                                        : nullptr;
      if (text) {
        auto v = r.string(*form);
        if (!v) return v.error();
        *text = std::string(*v);
      } else if (spec.name == DW_AT_language || spec.name == DW_AT_stmt_list) {
        auto v = r.unsigned_value(*form, spec);
        if (!v) return v.error();
        if (spec.name == DW_AT_language) cu.dw_lang = uint32_t(*v);
        else stmt_list = *v;
      } else {
        KRDB_CHECK(r.skip(*form));
      }
    }
    cu.language = language_from_dwarf(cu.dw_lang);
    dw::UnitData data;
    data.base = range.low_pc.value_or(0);
    data.stmt_list = stmt_list;
    auto ranges = r.ranges(range, data.base, limits);
    if (!ranges) return ranges.error();
    cu.ranges = std::move(*ranges);
    found.push_back(std::move(cu));
    found_data.push_back(std::move(data));
    offset = next;
  }
  units = std::move(found);
  unit_data = std::move(found_data);
  unit_errors.insert(unit_errors.end(), errors.begin(), errors.end());
  index_unit_ranges();
  return {};
}

void DebugInfo::Impl::index_unit_ranges() {
  cu_ranges.clear();
  for (uint32_t u = 0; u < units.size(); ++u)
    for (const auto& range : units[u].ranges) cu_ranges.push_back({range, u});
  std::sort(cu_ranges.begin(), cu_ranges.end(),
            [](const CuRange& a, const CuRange& b) { return a.range.begin < b.range.begin; });
}

Expected<void> DebugInfo::Impl::load_units() {
  if (load_cached_units()) return {};
  if (scan_units()) {
    if (unit_errors.empty()) store_cached_units();  // units with errors are read (and said) every run
    return {};
  }
  units.clear();
  unit_data.clear();
  return walk_units();
}

Expected<void> DebugInfo::Impl::walk_units() {
  for (uint64_t count = 0;; ++count) {
    Dwarf_Unsigned header_length = 0, type_offset = 0, next = 0;
    Dwarf_Half version = 0, address_size = 0, length_size = 0, extension_size = 0, unit_type = 0;
    Dwarf_Off abbrev = 0;
    Dwarf_Sig8 signature{};
    dw::ErrorSlot err(dbg);
    int r = dwarf_next_cu_header_d(dbg, true, &header_length, &version, &abbrev, &address_size,
                                   &length_size, &extension_size, &signature, &type_offset, &next,
                                   &unit_type, err.out());
    if (r == DW_DLV_NO_ENTRY) break;
    uint64_t here = units.empty() ? 0 : units.back().offset;
    if (r == DW_DLV_ERROR) {
      // Without a valid header the next CU cannot be found: the units read so far stay usable.
      unit_errors.emplace_back(ErrorKind::BadData,
                               "bad compile unit header, later units skipped: " + err.message(),
                               debug_path + ": .debug_info after " + hex(here));
      break;
    }
    Dwarf_Die raw = nullptr;
    if (dwarf_siblingof_b(dbg, nullptr, true, &raw, err.out()) != DW_DLV_OK) {
      unit_errors.emplace_back(ErrorKind::BadData, "cannot read compile unit DIE: " + err.message(),
                               debug_path + ": .debug_info CU #" + std::to_string(count));
      continue;
    }
    dw::Die die(dbg, raw);
    // A CU whose DWARF 5 base attributes point into a section the file lacks cannot be read:
    // libdwarf 20210528 dereferences null on such look-ups (found by the DWARF fuzzer).
    if (auto missing = missing_base_section(die)) {
      unit_errors.emplace_back(ErrorKind::BadData,
                               fmt::format("compile unit uses {} but the file has no such section; "
                                           "unit skipped", *missing),
                               fmt::format("{}: .debug_info+{:#x}", debug_path, die.offset()));
      continue;
    }
    CompileUnit cu;
    cu.die_offset = die.offset();
    Dwarf_Off cu_header = 0, cu_length = 0;
    dwarf_die_CU_offset_range(raw, &cu_header, &cu_length, nullptr);
    cu.offset = cu_header;
    cu.version = version;
    cu.name = die.string(DW_AT_name).value_or("");
    cu.producer = die.string(DW_AT_producer).value_or("");
    cu.comp_dir = die.string(DW_AT_comp_dir).value_or("");
    cu.dw_lang = uint32_t(die.udata(DW_AT_language).value_or(0));
    cu.language = language_from_dwarf(cu.dw_lang);
    dw::UnitData data;
    data.base = die.address(DW_AT_low_pc).value_or(0);
    cu.ranges = die.ranges(data.base);
    units.push_back(std::move(cu));
    unit_data.push_back(std::move(data));
  }
  index_unit_ranges();
  return {};
}

int DebugInfo::Impl::unit_for_address(uint64_t address) const {
  auto it = std::upper_bound(cu_ranges.begin(), cu_ranges.end(), address,
                             [](uint64_t a, const CuRange& r) { return a < r.range.begin; });
  // Ranges of different CUs may nest (a CU's overall range spanning another's): look back a few.
  for (int steps = 0; it != cu_ranges.begin() && steps < 16; ++steps) {
    --it;
    if (it->range.contains(address)) return int(it->unit);
  }
  return -1;
}

int DebugInfo::Impl::unit_for_offset(uint64_t die_offset) const {
  auto it = std::upper_bound(units.begin(), units.end(), die_offset,
                             [](uint64_t off, const CompileUnit& u) { return off < u.offset; });
  if (it == units.begin()) return -1;
  return int(std::prev(it) - units.begin());
}

}  // namespace krdb
