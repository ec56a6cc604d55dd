// Per-CU scope trees: subprograms, inlined subroutines and lexical blocks with their address
// ranges, plus the namespace path of every named subprogram (Rust's qualified names). Built on
// the first address look-up that lands in the CU.
#include <algorithm>

#include <fmt/format.h>

#include "debug_info_impl.h"
#include "scope_tags.h"

namespace krdb {

namespace {

class ScopeWalker {
 public:
  ScopeWalker(DebugInfo::Impl& impl, uint32_t unit) : impl_(impl), data_(impl.unit_data[unit]) {}

  Expected<void> walk(const dw::Die& die, int32_t parent, std::string& path, uint64_t depth) {
    if (depth > impl_.limits.max_die_depth)
      return Error(ErrorKind::LimitHit,
                   fmt::format("DIEs nested deeper than max_die_depth={}", impl_.limits.max_die_depth),
                   fmt::format(".debug_info+{:#x}", die.offset()));
    auto child = die.child();
    if (!child) return child.error();
    dw::Die cur = std::move(*child);
    while (cur) {
      KRDB_CHECK(visit(cur, parent, path, depth));
      auto next = cur.sibling();
      if (!next) return next.error();
      cur = std::move(*next);
    }
    return {};
  }

 private:
  Expected<void> visit(const dw::Die& die, int32_t parent, std::string& path, uint64_t depth) {
    Dwarf_Half tag = die.tag();
    if (!dw::may_contain_scopes(tag)) return {};
    int32_t scope_index = parent;
    size_t path_len = path.size();
    if (tag == DW_TAG_subprogram || tag == DW_TAG_namespace || tag == DW_TAG_structure_type ||
        tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type || tag == DW_TAG_class_type) {
      if (auto name = die.string(DW_AT_name)) {
        if (tag == DW_TAG_subprogram && !path.empty()) data_.qualified[die.offset()] = path + "::" + *name;
        if (tag != DW_TAG_subprogram) path += (path.empty() ? "" : "::") + *name;
      }
    }
    if (dw::is_scope_tag(tag)) {
      auto ranges = die.ranges(data_.base);
      if (!ranges.empty()) scope_index = add_scope(die, tag, std::move(ranges), parent);
    }
    auto r = walk(die, scope_index, path, depth + 1);
    path.resize(path_len);
    return r;
  }

  int32_t add_scope(const dw::Die& die, Dwarf_Half tag, std::vector<AddressRange> ranges,
                    int32_t parent) {
    dw::Scope s;
    s.die_offset = die.offset();
    s.tag = tag;
    s.ranges = std::move(ranges);
    s.parent = parent;
    if (tag == DW_TAG_inlined_subroutine) {
      s.call_file = uint32_t(die.udata(DW_AT_call_file).value_or(0));
      s.call_line = uint32_t(die.udata(DW_AT_call_line).value_or(0));
      s.call_column = uint32_t(die.udata(DW_AT_call_column).value_or(0));
    }
    auto index = int32_t(data_.scopes.size());
    if (parent >= 0) {
      data_.scopes[parent].children.push_back(uint32_t(index));
    } else {
      for (const auto& r : s.ranges) data_.top.push_back({r, uint32_t(index)});
    }
    data_.scopes.push_back(std::move(s));
    return index;
  }

  DebugInfo::Impl& impl_;
  dw::UnitData& data_;
};

}  // namespace

Expected<void> DebugInfo::Impl::load_scopes(uint32_t unit) {
  dw::UnitData& data = unit_data[unit];
  if (data.scopes_loaded) return {};
  data.scopes_loaded = true;
  // The scanner first (fast); whatever it cannot read the same way, libdwarf reads.
  dw::UnitData scanned;
  scanned.base = data.base;
  if (scan_scopes(unit, scanned)) {
    data.scopes = std::move(scanned.scopes);
    data.top = std::move(scanned.top);
    data.qualified = std::move(scanned.qualified);
    sort_top(data);
    return {};
  }
  return walk_scopes(unit);
}

void DebugInfo::Impl::sort_top(dw::UnitData& data) {
  std::sort(data.top.begin(), data.top.end(),
            [](const auto& a, const auto& b) { return a.range.begin < b.range.begin; });
}

Expected<void> DebugInfo::Impl::walk_scopes(uint32_t unit) {
  dw::UnitData& data = unit_data[unit];
  data.scopes.clear();
  data.top.clear();
  data.qualified.clear();
  auto die = dw::die_at(dbg, units[unit].die_offset);
  if (!die) return die.error();
  std::string path;
  ScopeWalker walker(*this, unit);
  auto r = walker.walk(*die, -1, path, 0);
  // Whatever was read before an error stays usable (partial result); the error is reported.
  sort_top(data);
  if (!r) {
    Error e = r.error().within(fmt::format("{}: CU {} ({})", debug_path, units[unit].name,
                                           fmt::format("{:#x}", units[unit].offset)));
    unit_errors.push_back(e);
    return e;
  }
  return {};
}

}  // namespace krdb
