// How to reach one type from another through the DWARF's type graph: a member by name, a
// pointer's or array's target, a template type parameter, a Rust enum's variant. A front end
// whose own type objects mirror the DWARF (LLDB's SBType) replays the steps from the type of a
// value it has to find the type of a value krdb computed from it (a KVec element, a List
// entry, an Arc's data) — it cannot look a Rust generic up by name.
// Contract: breadth-first, so the path is a shortest one; bounded by max_steps and by
// kMaxTypePathVisits types; typedefs, const and volatile are crossed without a step (front ends
// strip them the same way). nullopt when no path exists within those bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/dwarf/debug_info.h"

namespace krdb {

struct TypeStep {
  enum class Kind : uint8_t { Member, Target, TemplateArg, Variant } kind = Kind::Member;
  std::string name;    // Member: the member's name; Variant: the variant's name ("Some")
  uint32_t index = 0;  // TemplateArg: which type parameter (0-based, DWARF order)
};

constexpr uint64_t kMaxTypePathVisits = 4096;

std::optional<std::vector<TypeStep>> type_path(DebugInfo& info, TypeId from, TypeId to, uint32_t max_steps = 6);

}  // namespace krdb
