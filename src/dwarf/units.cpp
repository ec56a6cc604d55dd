// The compile-unit index: every CU header and top DIE, read once at open.
#include <algorithm>

#include <fmt/format.h>

#include "debug_info_impl.h"

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

}  // namespace

Expected<void> DebugInfo::Impl::load_units() {
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
    for (const auto& range : cu.ranges)
      cu_ranges.push_back({range, uint32_t(units.size())});
    units.push_back(std::move(cu));
    unit_data.push_back(std::move(data));
  }
  std::sort(cu_ranges.begin(), cu_ranges.end(),
            [](const CuRange& a, const CuRange& b) { return a.range.begin < b.range.begin; });
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
