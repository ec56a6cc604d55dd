// Function names of a scope DIE: DW_AT_name and DW_AT_linkage_name, found on the DIE itself or
// along its DW_AT_abstract_origin / DW_AT_specification chain (bounded, cycle-checked: the chain
// is untrusted), plus the Rust namespace path recorded by the scope walk.
#include <unordered_set>

#include "debug_info_impl.h"

namespace krdb {

const dw::NameInfo& DebugInfo::Impl::names_of(uint64_t die_offset) {
  auto found = names.find(die_offset);
  if (found != names.end()) return found->second;
  dw::NameInfo info;
  std::unordered_set<uint64_t> seen;
  uint64_t offset = die_offset;
  for (uint64_t hop = 0; hop <= limits.max_dwarf_chain && seen.insert(offset).second; ++hop) {
    int u = unit_for_offset(offset);
    if (u >= 0) {
      auto& q = unit_data[u].qualified;
      if (auto it = q.find(offset); it != q.end() && info.qualified.empty()) info.qualified = it->second;
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
  return names.emplace(die_offset, std::move(info)).first->second;
}

}  // namespace krdb
