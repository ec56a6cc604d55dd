// The name scanner: the named types and global variables of one compile unit — its top-level
// DIEs and those inside namespaces (where rustc puts them) — read straight from .debug_info.
//
// It reads through DieReader (die_reader.h, which says why it is hand-written); a unit it
// cannot read is an Error, and the caller reads that unit through libdwarf instead.
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
#include "die_reader.h"

namespace krdb::dw {

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
Expected<UnitNames> scan_unit_names(const RawSections& sections, uint64_t unit_offset,
                                    const Limits& limits);

}  // namespace krdb::dw
