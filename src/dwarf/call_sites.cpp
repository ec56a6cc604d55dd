// Call sites (DWARF 5 DW_TAG_call_site, GCC's DW_TAG_GNU_call_site before it): what the caller
// put in each argument register at a call, so a callee's DW_OP_entry_value(DW_OP_regN) — the
// value a parameter had on entry, long overwritten — can be read back from the caller's frame.
// gcc 12 records them for the kernel's C code; rustc 1.96 records none.
#include <fmt/format.h>

#include "debug_info_impl.h"

namespace krdb {
namespace {

bool is_call_site(Dwarf_Half tag) { return tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site; }
bool is_call_site_parameter(Dwarf_Half tag) {
  return tag == DW_TAG_call_site_parameter || tag == DW_TAG_GNU_call_site_parameter;
}

// The return address a call site names: DW_AT_call_return_pc (DWARF 5), DW_AT_low_pc (GNU).
std::optional<uint64_t> return_pc_of(const dw::Die& site) {
  if (auto pc = site.address(DW_AT_call_return_pc)) return pc;
  if (site.tag() == DW_TAG_GNU_call_site) return site.address(DW_AT_low_pc);
  return std::nullopt;
}

std::vector<DebugInfo::CallSiteValue> parameters_of(const dw::Die& site, const Limits& limits) {
  std::vector<DebugInfo::CallSiteValue> out;
  auto child = site.child();
  if (!child) return out;
  dw::Die cur = std::move(*child);
  for (uint64_t n = 0; cur && n < limits.max_list_steps; ++n) {
    if (is_call_site_parameter(cur.tag())) {
      auto where = cur.location(DW_AT_location, limits.max_dwarf_ops);
      auto value = cur.location(DW_AT_call_value, limits.max_dwarf_ops);
      if (!value) value = cur.location(DW_AT_GNU_call_site_value, limits.max_dwarf_ops);
      // Only parameters passed in a register (DW_OP_regN): what DW_OP_entry_value names.
      if (where && where->size() == 1 && where->front().ops.size() == 1 && value && !value->empty()) {
        uint8_t atom = where->front().ops[0].atom;
        if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) out.push_back({unsigned(atom - DW_OP_reg0), std::move(*value)});
      }
    }
    auto next = cur.sibling();
    if (!next) break;
    cur = std::move(*next);
  }
  return out;
}

}  // namespace

Expected<std::vector<DebugInfo::CallSiteValue>> DebugInfo::call_site_values(uint64_t function_die, uint64_t return_pc) {
  Impl& impl = *impl_;
  if (!impl.dbg) return Error(ErrorKind::NotFound, "no DWARF");
  auto root = dw::die_at(impl.dbg, function_die);
  if (!root) return root.error();
  // Depth-first over the function's scopes (lexical blocks, inlined subroutines hold calls too).
  std::vector<dw::Die> stack;
  stack.push_back(std::move(*root));
  uint64_t steps = 0;
  while (!stack.empty()) {
    if (++steps > impl.limits.max_list_steps)
      return Error(ErrorKind::LimitHit, "more DIEs than max_list_steps in the caller's function",
                   fmt::format(".debug_info+{:#x}", function_die));
    dw::Die& top = stack.back();
    if (is_call_site(top.tag()) && return_pc_of(top) == return_pc) return parameters_of(top, impl.limits);
    auto child = stack.size() < impl.limits.max_die_depth ? top.child() : Expected<dw::Die>(dw::Die());
    if (child && *child) {
      stack.push_back(std::move(*child));
      continue;
    }
    // No children: the next sibling, climbing while a level is done (the root has no sibling).
    while (!stack.empty()) {
      if (stack.size() == 1) { stack.clear(); break; }
      auto next = stack.back().sibling();
      stack.pop_back();
      if (next && *next) { stack.push_back(std::move(*next)); break; }
    }
  }
  return Error(ErrorKind::NotFound, fmt::format("no call site with return address {:#x} in the caller's DWARF", return_pc),
               fmt::format(".debug_info+{:#x}", function_die));
}

}  // namespace krdb
