// Which DIEs make up a scope tree, shared by the libdwarf walk (scopes.cpp) and the scanner
// (scope_scan.cpp) so the two cannot disagree on it.
#pragma once

#include <libdwarf/dwarf.h>

#include <cstdint>

namespace krdb::dw {

inline bool is_scope_tag(uint64_t tag) {
  return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
         tag == DW_TAG_lexical_block;
}

// Tags whose children may hold scopes or named subprograms; everything else is skipped whole.
inline bool may_contain_scopes(uint64_t tag) {
  return is_scope_tag(tag) || tag == DW_TAG_namespace || tag == DW_TAG_structure_type ||
         tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type || tag == DW_TAG_class_type;
}

}  // namespace krdb::dw
