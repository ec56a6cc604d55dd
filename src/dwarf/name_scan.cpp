#include "name_scan.h"

#include <libdwarf/dwarf.h>

#include <fmt/format.h>

namespace krdb::dw {

namespace {

struct NamedDie {
  bool has_name = false, declaration = false;
  std::string_view name;
  uint64_t sibling = 0;  // 0: none
};

// The attributes the index needs; the unit DIE also gives the reader its bases.
Expected<NamedDie> read_die(DieReader& r, const Abbrev& abbrev, bool want_names, bool unit_die) {
  NamedDie d;
  for (const AttrSpec& spec : abbrev.attrs) {
    auto form = r.resolve_form(spec);
    if (!form) return form.error();
    if (spec.name == DW_AT_sibling) {
      auto v = r.reference(*form);
      if (v) d.sibling = *v;
      else KRDB_CHECK(r.skip(*form));
    } else if (want_names && spec.name == DW_AT_name) {
      auto s = r.string(*form);
      if (!s) return s.error();
      d.has_name = true;
      d.name = *s;
    } else if (want_names && spec.name == DW_AT_declaration) {
      auto f = r.flag(*form);
      if (!f) return f.error();
      d.declaration = *f;
    } else if (unit_die && spec.name == DW_AT_str_offsets_base) {
      auto v = r.unsigned_value(*form, spec);
      if (!v) return v.error();
      r.bases.str_offsets = *v;
    } else {
      KRDB_CHECK(r.skip(*form));
    }
  }
  return d;
}

struct Level {
  std::string_view path;
  bool indexed = false;
};

// What the index keeps, in a unit or a namespace: named types, variables, and namespaces (whose
// members it keeps too).
bool is_indexed_tag(uint64_t tag) {
  return is_indexed_type_tag(tag) || tag == DW_TAG_variable || tag == DW_TAG_namespace;
}

}  // namespace

bool is_indexed_type_tag(uint64_t tag) {
  return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
         tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef || tag == DW_TAG_base_type ||
         tag == DW_TAG_class_type;
}

Expected<UnitNames> scan_unit_names(const RawSections& sections, uint64_t unit_offset,
                                    const Limits& limits) {
  auto header = read_unit_header(sections.info, unit_offset);
  if (!header) return header.error();
  DieReader r(sections, *header);
  KRDB_CHECK(r.start());
  UnitNames out;
  std::vector<Level> levels;
  size_t indexed_levels = 0;
  bool unit_die = true;
  while (r.in_unit()) {
    uint64_t offset = 0;
    auto abbrev = r.next(offset);
    if (!abbrev) return abbrev.error();
    if (!*abbrev) {  // end of a sibling list
      if (levels.empty()) break;  // padding after the unit DIE
      indexed_levels -= levels.back().indexed;
      levels.pop_back();
      if (levels.empty()) break;
      continue;
    }
    const Abbrev& a = **abbrev;
    const Level* parent = levels.empty() ? nullptr : &levels.back();
    bool indexed = parent && parent->indexed && is_indexed_tag(a.tag);
    if (!indexed && !unit_die) {  // a DIE the index does not keep: its attributes are not read
      if (!a.children) {
        KRDB_CHECK(r.skip_attributes(a));
        continue;
      }
      if (auto sibling = r.fixed_sibling(a); sibling && r.jump_to(*sibling)) continue;
    }
    auto die = read_die(r, a, indexed, unit_die);
    if (!die) return die.error();
    if (unit_die) {
      unit_die = false;
      if (!a.children) break;
      levels.push_back({{}, true});
      indexed_levels = 1;
      continue;
    }
    if (indexed && die->has_name) {
      std::string_view qualified;
      if (!parent->path.empty()) {
        out.storage.push_back(fmt::format("{}::{}", parent->path, die->name));
        qualified = out.storage.back();
      }
      if (is_indexed_type_tag(a.tag)) {
        out.entries.push_back({NameEntry::Type, die->declaration, offset, die->name, qualified});
      } else if (a.tag == DW_TAG_variable) {
        out.entries.push_back({NameEntry::Variable, false, offset, die->name, qualified});
      } else if (a.tag == DW_TAG_namespace && a.children && indexed_levels < limits.max_die_depth) {
        levels.push_back({qualified.empty() ? die->name : qualified, true});
        ++indexed_levels;
        continue;
      }
    }
    if (!a.children) continue;
    // A subtree the index does not need: jump over it when the producer said where it ends.
    if (r.jump_to(die->sibling)) continue;
    if (levels.size() >= limits.max_die_depth * 4)
      return r.error(fmt::format("DIEs nested deeper than {} (4 × max_die_depth)", levels.size()));
    levels.push_back({{}, false});
  }
  return out;
}

}  // namespace krdb::dw
