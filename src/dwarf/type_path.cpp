// type_path: a breadth-first search over the type graph of one DebugInfo.
#include "krdb/dwarf/type_path.h"

#include <deque>
#include <unordered_map>

namespace krdb {

namespace {

struct Visit {
  TypeId parent = 0;
  TypeStep step;
  uint32_t depth = 0;
};

// A type's identity across compile units: rustc emits the same generic type in every CU that
// uses it, so a type found by name may be another DIE than the one a member refers to.
bool same_type(DebugInfo& info, TypeId a, TypeId b) {
  if (a == b) return true;
  auto ta = info.strip_typedefs(a), tb = info.strip_typedefs(b);
  if (!ta || !tb) return false;
  if ((*ta)->id == (*tb)->id) return true;
  const Type& x = **ta;
  const Type& y = **tb;
  return x.kind == y.kind && x.size == y.size && !x.name.empty() &&
         (x.qualified.empty() ? x.name : x.qualified) == (y.qualified.empty() ? y.name : y.qualified);
}

// The variant's name as its struct is named ("Some"), the last path component.
std::string variant_name(const Type& t) {
  std::string_view n = t.name;
  size_t cut = n.rfind("::");
  return std::string(cut == std::string_view::npos ? n : n.substr(cut + 2));
}

}  // namespace

std::optional<std::vector<TypeStep>> type_path(DebugInfo& info, TypeId from, TypeId to, uint32_t max_steps) {
  std::unordered_map<TypeId, Visit> seen;  // reached type → how
  std::deque<TypeId> queue;
  auto start = info.strip_typedefs(from);
  if (!start) return std::nullopt;
  TypeId root = (*start)->id;
  seen[root] = {};
  queue.push_back(root);
  auto path_to = [&](TypeId id) {
    std::vector<TypeStep> steps;
    for (TypeId at = id; at != root; at = seen[at].parent) steps.insert(steps.begin(), seen[at].step);
    return steps;
  };
  if (same_type(info, root, to)) return std::vector<TypeStep>{};
  while (!queue.empty()) {
    TypeId id = queue.front();
    queue.pop_front();
    uint32_t depth = seen[id].depth;
    if (depth >= max_steps) continue;
    auto t = info.type(id);
    if (!t) continue;
    std::vector<std::pair<TypeStep, TypeId>> edges;
    const Type& type = **t;
    if (type.kind == TypeKind::Pointer || type.kind == TypeKind::Reference || type.kind == TypeKind::Array)
      edges.push_back({{TypeStep::Kind::Target, "", 0}, type.target});
    for (const Member& m : type.members) edges.push_back({{TypeStep::Kind::Member, m.name, 0}, m.type});
    for (uint32_t i = 0; i < type.template_params.size(); ++i)
      edges.push_back({{TypeStep::Kind::TemplateArg, "", i}, type.template_params[i].type});
    if (type.variant_part)
      for (const Variant& v : type.variant_part->variants)
        if (auto vt = info.type(v.member.type))
          edges.push_back({{TypeStep::Kind::Variant, variant_name(**vt), 0}, v.member.type});
    for (auto& [step, next] : edges) {
      auto stripped = info.strip_typedefs(next);
      if (!stripped) continue;
      TypeId n = (*stripped)->id;
      if (seen.count(n)) continue;
      if (seen.size() >= kMaxTypePathVisits) return std::nullopt;
      seen[n] = {id, step, depth + 1};
      if (same_type(info, n, to)) return path_to(n);
      queue.push_back(n);
    }
  }
  return std::nullopt;
}

}  // namespace krdb
