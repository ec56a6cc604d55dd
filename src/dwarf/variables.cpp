// Variables and parameters of one scope (a function or an inlined instance), with names and
// types taken from the abstract origin when the concrete DIE has none.
#include "debug_info_impl.h"

namespace krdb {

std::vector<Variable> DebugInfo::Impl::variables_of(uint64_t scope_die) {
  std::vector<Variable> out;
  auto scope = dw::die_at(dbg, scope_die);
  if (!scope) return out;
  auto child = scope->child();
  if (!child) return out;
  dw::Die cur = std::move(*child);
  for (uint64_t n = 0; cur && n < limits.max_list_steps; ++n) {
    Dwarf_Half tag = cur.tag();
    if (tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) {
      Variable v;
      v.parameter = tag == DW_TAG_formal_parameter;
      v.name = cur.string(DW_AT_name).value_or("");
      v.type = cur.reference(DW_AT_type).value_or(0);
      if (auto origin = cur.reference(DW_AT_abstract_origin); origin && (v.name.empty() || !v.type)) {
        if (auto o = dw::die_at(dbg, *origin)) {
          if (v.name.empty()) v.name = o->string(DW_AT_name).value_or("");
          if (!v.type) v.type = o->reference(DW_AT_type).value_or(0);
        }
      }
      v.location = cur.location(DW_AT_location, limits.max_dwarf_ops).value_or(std::vector<LocationEntry>{});
      out.push_back(std::move(v));
    }
    auto next = cur.sibling();
    if (!next) break;
    cur = std::move(*next);
  }
  return out;
}

std::vector<LocationEntry> DebugInfo::Impl::frame_base_of(uint64_t subprogram_die) {
  auto die = dw::die_at(dbg, subprogram_die);
  if (!die) return {};
  return die->location(DW_AT_frame_base, limits.max_dwarf_ops).value_or(std::vector<LocationEntry>{});
}

}  // namespace krdb
