// The scope scanner: a unit's scope tree (subprograms, inlined subroutines, lexical blocks with
// their ranges and call sites, and the namespace path of named subprograms) read through
// DieReader (die_reader.h says why by hand). It builds exactly what ScopeWalker (scopes.cpp)
// builds through libdwarf — the tests compare the two on every unit of the kits — and returns
// an Error for anything it does not read the same way, so load_scopes() falls back to libdwarf.
#include <libdwarf/dwarf.h>

#include <fmt/format.h>

#include "debug_info_impl.h"
#include "die_reader.h"
#include "scope_tags.h"

namespace krdb {

namespace {

struct ScopeDie {
  std::string_view name;
  bool has_name = false;
  dw::RangeAttrs range;
  uint64_t call_file = 0, call_line = 0, call_column = 0;
  uint64_t sibling = 0;
};

bool named_scope_parent(uint64_t tag) {
  return tag == DW_TAG_subprogram || tag == DW_TAG_namespace || tag == DW_TAG_structure_type ||
         tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type || tag == DW_TAG_class_type;
}

Expected<ScopeDie> read_scope_die(dw::DieReader& r, const dw::Abbrev& a, bool visit) {
  ScopeDie d;
  bool want_name = visit && named_scope_parent(a.tag);
  bool want_ranges = visit && dw::is_scope_tag(a.tag);
  bool want_call = want_ranges && a.tag == DW_TAG_inlined_subroutine;
  for (const dw::AttrSpec& spec : a.attrs) {
    auto form = r.resolve_form(spec);
    if (!form) return form.error();
    auto as_unsigned = [&](uint64_t& out) -> Expected<void> {
      auto v = r.unsigned_value(*form, spec);
      if (!v) return v.error();
      out = *v;
      return {};
    };
    if (want_ranges) {
      auto used = r.range_attr(spec, *form, d.range);
      if (!used) return used.error();
      if (*used) continue;
    }
    switch (spec.name) {
      case DW_AT_sibling: {
        auto v = r.reference(*form);
        if (!v) return v.error();
        d.sibling = *v;
        continue;
      }
      case DW_AT_name:
        if (!want_name) break;
        if (auto s = r.string(*form)) { d.name = *s; d.has_name = true; continue; }
        else return s.error();
      case DW_AT_call_file: if (want_call) { KRDB_CHECK(as_unsigned(d.call_file)); continue; } break;
      case DW_AT_call_line: if (want_call) { KRDB_CHECK(as_unsigned(d.call_line)); continue; } break;
      case DW_AT_call_column: if (want_call) { KRDB_CHECK(as_unsigned(d.call_column)); continue; } break;
      default: break;
    }
    KRDB_CHECK(r.skip(*form));
  }
  return d;
}

struct Level {
  bool visit = false;      // children are visited (else only skipped over)
  int32_t scope = -1;      // the scope index children attach to
  size_t path_len = 0;     // the path to restore when the level ends
};

}  // namespace

Expected<void> DebugInfo::Impl::scan_scopes(uint32_t unit, dw::UnitData& data) {
  dw::RawSections sections = raw_sections();
  if (sections.info.empty()) return Error(ErrorKind::Unsupported, "no raw .debug_info");
  auto reader = unit_reader(unit);
  if (!reader) return reader.error();
  dw::DieReader& r = *reader;
  KRDB_CHECK(r.start());
  uint64_t offset = 0;
  auto first = r.next(offset);
  if (!first) return first.error();
  if (!*first) return {};
  if (auto bases = r.read_bases(**first); !bases) return bases.error();
  if (!(*first)->children) return {};
  std::string path;
  std::vector<Level> levels{{true, -1, 0}};
  while (r.in_unit() && !levels.empty()) {
    auto abbrev = r.next(offset);
    if (!abbrev) return abbrev.error();
    if (!*abbrev) {
      path.resize(levels.back().path_len);
      levels.pop_back();
      continue;
    }
    const dw::Abbrev& a = **abbrev;
    const Level parent = levels.back();
    bool visit = parent.visit && dw::may_contain_scopes(a.tag);
    if (!visit && !a.children) {  // a leaf the tree does not need (parameters, variables…)
      KRDB_CHECK(r.skip_attributes(a));
      continue;
    }
    auto die = read_scope_die(r, a, visit);
    if (!die) return die.error();
    if (!visit) {
      if (!a.children || r.jump_to(die->sibling)) continue;
      if (levels.size() > limits.max_die_depth * 4)
        return r.error(fmt::format("DIEs nested deeper than {} (4 × max_die_depth)", levels.size()));
      levels.push_back({false, parent.scope, path.size()});
      continue;
    }
    // ScopeWalker walks this DIE's children at nesting level levels.size() and refuses beyond
    // max_die_depth (with a partial tree): leave that case to it.
    if (levels.size() > limits.max_die_depth)
      return Error(ErrorKind::LimitHit, "deep unit: read through libdwarf");
    size_t path_len = path.size();
    if (die->has_name) {
      if (a.tag == DW_TAG_subprogram && !path.empty())
        data.qualified[offset] = fmt::format("{}::{}", path, die->name);
      if (a.tag != DW_TAG_subprogram) {
        if (!path.empty()) path += "::";
        path += die->name;
      }
    }
    int32_t scope = parent.scope;
    if (dw::is_scope_tag(a.tag)) {
      auto ranges = r.ranges(die->range, data.base, limits);
      if (!ranges) return ranges.error();
      if (!ranges->empty()) {
        dw::Scope s;
        s.die_offset = offset;
        s.tag = Dwarf_Half(a.tag);
        s.ranges = std::move(*ranges);
        s.parent = parent.scope;
        s.call_file = uint32_t(die->call_file);
        s.call_line = uint32_t(die->call_line);
        s.call_column = uint32_t(die->call_column);
        scope = int32_t(data.scopes.size());
        if (parent.scope >= 0) data.scopes[parent.scope].children.push_back(uint32_t(scope));
        else for (const auto& range : s.ranges) data.top.push_back({range, uint32_t(scope)});
        data.scopes.push_back(std::move(s));
      }
    }
    if (a.children) levels.push_back({true, scope, path_len});
    else path.resize(path_len);
  }
  return {};
}

}  // namespace krdb
