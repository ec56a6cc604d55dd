// The name index: every named type and global variable at CU level or inside namespaces (where
// rustc puts them), built on the first look-up by name. Types are found by their DW_AT_name and
// by their namespace-qualified name; up to kMaxPerName DIEs are kept per name (each C CU carries
// its own copy of common types, one is enough).
#include <fmt/format.h>

#include "debug_info_impl.h"

namespace krdb {

namespace {

constexpr size_t kMaxPerName = 4;

bool is_named_type(Dwarf_Half tag) {
  return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
         tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef || tag == DW_TAG_base_type ||
         tag == DW_TAG_class_type;
}

// Definitions first: a declaration is kept only while no definition of the name is known (C
// CUs that use `struct rq *` carry a declaration of rq; one CU defines it).
void add(std::unordered_map<std::string, std::vector<TypeId>>& index,
         std::unordered_map<TypeId, bool>& declarations, const std::string& key, TypeId id,
         bool declaration) {
  auto& v = index[key];
  if (declaration) {
    if (v.empty()) { v.push_back(id); declarations[id] = true; }
    return;
  }
  if (v.size() == 1 && declarations.count(v[0])) v.clear();
  if (v.size() < kMaxPerName) v.push_back(id);
}

}  // namespace

Expected<void> DebugInfo::Impl::build_name_index() {
  if (name_index_built) return {};
  name_index_built = true;
  if (!dbg) return {};
  std::unordered_map<TypeId, bool> declarations;
  for (const CompileUnit& cu : units) {
    auto die = dw::die_at(dbg, cu.die_offset);
    if (!die) continue;
    // Explicit stack of (first child, namespace path) to stay off the C++ stack.
    struct Level { dw::Die die; std::string path; };
    std::vector<Level> stack;
    auto first = die->child();
    if (!first || !*first) continue;
    stack.push_back({std::move(*first), ""});
    while (!stack.empty()) {
      Level& level = stack.back();
      if (!level.die) { stack.pop_back(); continue; }
      dw::Die cur = std::move(level.die);
      std::string path = level.path;
      auto next = cur.sibling();
      level.die = next ? std::move(*next) : dw::Die();
      Dwarf_Half tag = cur.tag();
      auto name = cur.string(DW_AT_name);
      if (!name) continue;
      std::string qualified = path.empty() ? *name : path + "::" + *name;
      if (is_named_type(tag)) {
        bool decl = cur.flag(DW_AT_declaration).value_or(false);
        add(type_index, declarations, *name, cur.offset(), decl);
        if (qualified != *name) {
          add(type_index, declarations, qualified, cur.offset(), decl);
          type_qualified[cur.offset()] = qualified;
        }
      } else if (tag == DW_TAG_variable) {
        variable_index.emplace(qualified, cur.offset());
        variable_index.emplace(*name, cur.offset());
      } else if (tag == DW_TAG_namespace && stack.size() < limits.max_die_depth) {
        auto child = cur.child();
        if (child && *child) stack.push_back({std::move(*child), qualified});
      }
    }
  }
  return {};
}

Expected<TypeId> DebugInfo::find_type(const std::string& name) {
  KRDB_CHECK(impl_->build_name_index());
  std::string key = name;
  for (const char* prefix : {"struct ", "union ", "enum "})
    if (key.starts_with(prefix)) key = key.substr(std::string_view(prefix).size());
  auto it = impl_->type_index.find(key);
  if (it == impl_->type_index.end())
    return Error(ErrorKind::NotFound, fmt::format("no type named '{}' in the DWARF", name),
                 impl_->debug_path);
  // Prefer a complete definition over a declaration.
  for (TypeId id : it->second) {
    auto t = type(id);
    if (t && !(*t)->declaration) return id;
  }
  return it->second.front();
}

Expected<const Type*> DebugInfo::type(TypeId id) { return impl_->load_type(id); }

Expected<const Type*> DebugInfo::strip_typedefs(TypeId id) {
  auto t = type(id);
  for (uint64_t hops = 0; t && hops < impl_->limits.max_dwarf_chain; ++hops) {
    TypeKind k = (*t)->kind;
    if (k != TypeKind::Typedef && k != TypeKind::Const && k != TypeKind::Volatile) return t;
    t = type((*t)->target);
  }
  if (!t) return t;
  return Error(ErrorKind::LimitHit, "typedef chain longer than max_dwarf_chain",
               fmt::format("type {:#x}", id));
}

Expected<uint64_t> DebugInfo::variable_address(const std::string& name) {
  if (const ElfSymbol* s = impl_->elf->symbol_named(name)) return s->address;
  KRDB_CHECK(impl_->build_name_index());
  auto it = impl_->variable_index.find(name);
  if (it != impl_->variable_index.end()) {
    if (auto die = dw::die_at(impl_->dbg, it->second)) {
      auto loc = die->location(DW_AT_location, impl_->limits.max_dwarf_ops);
      if (loc && loc->size() == 1 && loc->front().ops.size() == 1 &&
          loc->front().ops[0].atom == DW_OP_addr)
        return loc->front().ops[0].operand1;
    }
  }
  return Error(ErrorKind::NotFound, fmt::format("no global variable named '{}'", name),
               impl_->elf->path());
}

Expected<TypeId> DebugInfo::variable_type(const std::string& name) {
  KRDB_CHECK(impl_->build_name_index());
  auto it = impl_->variable_index.find(name);
  if (it == impl_->variable_index.end())
    return Error(ErrorKind::NotFound, fmt::format("no global variable named '{}' in the DWARF", name),
                 impl_->debug_path);
  auto die = dw::die_at(impl_->dbg, it->second);
  if (!die) return die.error();
  if (auto t = die->reference(DW_AT_type)) return *t;
  if (auto spec = die->reference(DW_AT_specification))
    if (auto s = dw::die_at(impl_->dbg, *spec))
      if (auto t = s->reference(DW_AT_type)) return *t;
  return Error(ErrorKind::BadData, fmt::format("global variable '{}' has no type", name),
               fmt::format("{}: .debug_info+{:#x}", impl_->debug_path, it->second));
}

}  // namespace krdb
