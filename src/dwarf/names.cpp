// Function names of a scope DIE: DW_AT_name and DW_AT_linkage_name, found on the DIE itself or
// along its DW_AT_abstract_origin / DW_AT_specification chain (bounded, cycle-checked: the chain
// is untrusted), plus the Rust namespace path recorded by the scope walk.
#include <unordered_set>

#include "debug_info_impl.h"

namespace krdb {

Expected<dw::DieReader> DebugInfo::Impl::unit_reader(uint32_t unit) {
  raw_sections();
  if (raw.info.empty()) return Error(ErrorKind::Unsupported, "no raw .debug_info");
  dw::UnitData& data = unit_data[unit];
  if (!data.header) {
    auto header = dw::read_unit_header(raw.info, units[unit].offset);
    if (!header) return header.error();
    data.header = std::make_shared<dw::UnitHeader>(*header);
    data.abbrevs = std::make_shared<dw::AbbrevTable>(raw.abbrev, *header);
  }
  return dw::DieReader(raw, *data.header, data.abbrevs.get());
}

Expected<void> DebugInfo::Impl::read_names(uint32_t unit, uint64_t die_offset, dw::NameInfo& info,
                                           uint64_t& next) {
  next = 0;
  auto reader = unit_reader(unit);
  if (!reader) return reader.error();
  dw::DieReader& r = *reader;
  // The unit DIE first: strx names need its DW_AT_str_offsets_base.
  if (!r.bases.str_offsets) {
    KRDB_CHECK(r.start());
    uint64_t at = 0;
    auto unit_die = r.next(at);
    if (!unit_die) return unit_die.error();
    if (!*unit_die) return r.error("unit without a unit DIE");
    if (auto bases = r.read_bases(**unit_die); !bases) return bases.error();
  }
  KRDB_CHECK(r.start_at(die_offset));
  uint64_t at = 0;
  auto abbrev = r.next(at);
  if (!abbrev) return abbrev.error();
  if (!*abbrev) return r.error("null DIE where a function was expected");
  uint64_t origin = 0, specification = 0;
  for (const dw::AttrSpec& spec : (*abbrev)->attrs) {
    auto form = r.resolve_form(spec);
    if (!form) return form.error();
    std::string* text = nullptr;
    if (spec.name == DW_AT_name && info.name.empty()) text = &info.name;
    if ((spec.name == DW_AT_linkage_name || spec.name == DW_AT_MIPS_linkage_name) && info.linkage.empty())
      text = &info.linkage;
    if (text) {
      auto v = r.string(*form);
      if (!v) return v.error();
      *text = std::string(*v);
    } else if (spec.name == DW_AT_abstract_origin || spec.name == DW_AT_specification) {
      auto v = r.reference(*form);
      if (!v) return v.error();
      (spec.name == DW_AT_abstract_origin ? origin : specification) = *v;
    } else {
      KRDB_CHECK(r.skip(*form));
    }
  }
  next = origin ? origin : specification;
  return {};
}

const dw::NameInfo& DebugInfo::Impl::names_of(uint64_t die_offset) {
  auto found = names.find(die_offset);
  if (found != names.end()) return found->second;
  return names.emplace(die_offset, compute_names(die_offset, true)).first->second;
}

dw::NameInfo DebugInfo::Impl::compute_names(uint64_t die_offset, bool by_hand) {
  dw::NameInfo info;
  std::unordered_set<uint64_t> seen;
  uint64_t offset = die_offset;
  for (uint64_t hop = 0; hop <= limits.max_dwarf_chain && seen.insert(offset).second; ++hop) {
    int u = unit_for_offset(offset);
    if (u >= 0) {
      auto& q = unit_data[u].qualified;
      if (auto it = q.find(offset); it != q.end() && info.qualified.empty()) info.qualified = it->second;
    }
    // By hand first (die_reader.h); libdwarf for a DIE the reader refuses.
    uint64_t following = 0;
    if (u >= 0 && by_hand) {
      dw::NameInfo hop;
      if (read_names(uint32_t(u), offset, hop, following)) {
        if (info.name.empty()) info.name = std::move(hop.name);
        if (info.linkage.empty()) info.linkage = std::move(hop.linkage);
        if ((!info.name.empty() && !info.linkage.empty()) || !following) break;
        offset = following;
        continue;
      }
    }
    auto die = dw::die_at(dbg, offset);
    if (!die) break;
    if (info.name.empty()) info.name = die->string(DW_AT_name).value_or("");
    if (info.linkage.empty())
      info.linkage = die->string(DW_AT_linkage_name)
                         .value_or(die->string(DW_AT_MIPS_linkage_name).value_or(""));
    if (!info.name.empty() && !info.linkage.empty()) break;
    auto next = die->reference(DW_AT_abstract_origin);
    if (!next) next = die->reference(DW_AT_specification);
    if (!next) break;
    offset = *next;
  }
  return info;
}

}  // namespace krdb
