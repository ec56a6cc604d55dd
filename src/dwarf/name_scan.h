// The name scanner: the named types and global variables of one compile unit — its top-level
// DIEs and those inside namespaces (where rustc puts them) — read straight from .debug_info.
//
// Why by hand: building the name index through libdwarf costs a DIE allocation, an abbreviation
// search and a string copy per DIE of every CU; on a vmlinux that is 80% of a cold `krdb bt`
// (0.64 s of 0.73 s on the kit, 2.9 s on Debian's 6.12 vmlinux). This reader decodes only what
// the index needs (tag, DW_AT_name, DW_AT_declaration, DW_AT_sibling) and skips every subtree it
// does not descend into by DW_AT_sibling when the producer wrote one (gcc does). It is checked
// against the libdwarf walk on every CU of the kit's vmlinux and module (tests/unit/dwarf) and
// fuzzed (fuzz/name_scan_fuzz.cpp). Anything it does not understand (a form it cannot size, a
// string form in another file, a bad offset) makes it return an Error for that unit, and the
// caller falls back to libdwarf for that unit only: its answers never differ from libdwarf's.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/base/limits.h"

namespace krdb::dw {

// The sections the scanner reads; absent ones are empty.
struct NameScanSections {
  std::span<const uint8_t> info, abbrev, str, line_str, str_offsets;
};

struct NameEntry {
  enum Kind : uint8_t { Type, Variable };
  Kind kind = Type;
  bool declaration = false;
  uint64_t offset = 0;     // DIE offset in .debug_info
  std::string_view name;   // DW_AT_name (points into a section or into NameScan::storage)
  std::string_view qualified;  // namespace path + name; empty at top level
};

// The entries of one unit, in DIE order (the order the libdwarf walk meets them).
struct UnitNames {
  std::vector<NameEntry> entries;
  std::deque<std::string> storage;  // qualified names and copied strings the entries point to
};

// The DIE tags the index keeps, shared by the scanner and the libdwarf walk.
bool is_indexed_type_tag(uint64_t tag);

// Scans the unit whose header is at `unit_offset` in sections.info. Depth of namespaces is
// bounded by limits.max_die_depth, DIEs of the unit by its length.
Expected<UnitNames> scan_unit_names(const NameScanSections& sections, uint64_t unit_offset,
                                    const Limits& limits);

}  // namespace krdb::dw
