// type_name(): the one spelling of a type for every printer (type layouts, values, variables).
#include <fmt/format.h>

#include "krdb/dwarf/debug_info.h"

namespace krdb {
namespace {

constexpr int kMaxNameDepth = 16;  // pointer-to-array-of-… nesting spelled before "…"

std::string name_at_depth(DebugInfo& info, TypeId id, bool qualified, int depth) {
  if (depth > kMaxNameDepth) return "…";
  if (id == 0) return "void";
  auto t = info.type(id);
  if (!t) return fmt::format("<error: {}>", t.error().message);
  const Type& ty = **t;
  bool rust = ty.language == Language::Rust;
  const std::string& n = rust && qualified && !ty.qualified.empty() ? ty.qualified : ty.name;
  auto inner = [&](TypeId target) { return name_at_depth(info, target, qualified, depth + 1); };
  switch (ty.kind) {
    case TypeKind::Void: return rust ? "()" : "void";
    case TypeKind::Struct: return rust ? n : "struct " + (n.empty() ? "<anonymous>" : n);
    case TypeKind::Union: return rust ? n : "union " + (n.empty() ? "<anonymous>" : n);
    case TypeKind::Enum: return rust ? n : "enum " + (n.empty() ? "<anonymous>" : n);
    case TypeKind::Pointer:
      if (!n.empty()) return n;  // rustc names pointers: "*mut T", "&str"
      return inner(ty.target) + " *";
    case TypeKind::Reference: return n.empty() ? "&" + inner(ty.target) : n;
    case TypeKind::Array:
      return fmt::format("{}[{}]", inner(ty.target), ty.count ? std::to_string(*ty.count) : "");
    case TypeKind::Const: return "const " + inner(ty.target);
    case TypeKind::Volatile: return "volatile " + inner(ty.target);
    case TypeKind::Function: return "fn(…)";
    default: return n.empty() ? "?" : n;
  }
}

}  // namespace

std::string type_name(DebugInfo& info, TypeId id, bool qualified) { return name_at_depth(info, id, qualified, 0); }

}  // namespace krdb
