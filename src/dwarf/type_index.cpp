// The name index: every named type and global variable at CU level or inside namespaces (where
// rustc puts them), built on the first look-up by name. Types are found by their DW_AT_name and
// by their namespace-qualified name; up to kMaxPerName DIEs are kept per name (each C CU carries
// its own copy of common types, one is enough).
#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <thread>
#include <vector>

#include "debug_info_impl.h"
#include "name_scan.h"

namespace krdb {

namespace {

constexpr size_t kMaxPerName = 4;
// Below this many units a thread costs more than it saves (a .ko has one unit).
constexpr size_t kUnitsPerThread = 64;

// Definitions first: a declaration is kept only while no definition of the name is known (C
// CUs that use `struct rq *` carry a declaration of rq; one CU defines it).
void add(DebugInfo::Impl::NameMap& index, std::unordered_set<TypeId>& declarations,
         std::string_view key, TypeId id, bool declaration) {
  auto it = index.find(key);
  if (it == index.end()) it = index.emplace(std::string(key), std::vector<TypeId>()).first;
  auto& v = it->second;
  if (declaration) {
    if (v.empty()) { v.push_back(id); declarations.insert(id); }
    return;
  }
  if (v.size() == 1 && declarations.count(v[0])) v.clear();
  if (v.size() < kMaxPerName) v.push_back(id);
}

}  // namespace

dw::RawSections DebugInfo::Impl::raw_sections() {
  if (!raw_sections_read && access) {
    raw_sections_read = true;
    auto get = [&](const char* name) { return access->section_data(name); };
    raw = {get(".debug_info"), get(".debug_abbrev"), get(".debug_str"), get(".debug_line_str"),
           get(".debug_str_offsets"), get(".debug_addr"), get(".debug_rnglists"), get(".debug_ranges"),
           get(".debug_line")};
  }
  return raw;
}

Expected<dw::UnitNames> DebugInfo::Impl::walk_unit_names(uint32_t unit) {
  dw::UnitNames out;
  auto die = dw::die_at(dbg, units[unit].die_offset);
  if (!die) return die.error();
  // Explicit stack of (next DIE, namespace path) to stay off the C++ stack.
  struct Level { dw::Die die; std::string_view path; };
  std::vector<Level> stack;
  auto first = die->child();
  if (!first) return first.error();
  if (!*first) return out;
  stack.push_back({std::move(*first), {}});
  while (!stack.empty()) {
    Level& level = stack.back();
    if (!level.die) { stack.pop_back(); continue; }
    dw::Die cur = std::move(level.die);
    std::string_view path = level.path;
    auto next = cur.sibling();
    level.die = next ? std::move(*next) : dw::Die();
    Dwarf_Half tag = cur.tag();
    auto name = cur.string(DW_AT_name);
    if (!name) continue;
    out.storage.push_back(std::move(*name));
    std::string_view plain = out.storage.back(), qualified;
    if (!path.empty()) {
      out.storage.push_back(fmt::format("{}::{}", path, plain));
      qualified = out.storage.back();
    }
    if (dw::is_indexed_type_tag(tag)) {
      bool decl = cur.flag(DW_AT_declaration).value_or(false);
      out.entries.push_back({dw::NameEntry::Type, decl, cur.offset(), plain, qualified});
    } else if (tag == DW_TAG_variable) {
      out.entries.push_back({dw::NameEntry::Variable, false, cur.offset(), plain, qualified});
    } else if (tag == DW_TAG_namespace && stack.size() < limits.max_die_depth) {
      auto child = cur.child();
      if (child && *child) stack.push_back({std::move(*child), qualified.empty() ? plain : qualified});
    }
  }
  return out;
}

namespace {

void merge_unit(DebugInfo::Impl::NameIndexBuild& b, const dw::UnitNames& unit) {
  for (const dw::NameEntry& e : unit.entries) {
    if (e.kind == dw::NameEntry::Type) {
      add(b.types, b.declarations, e.name, e.offset, e.declaration);
      if (!e.qualified.empty()) {
        add(b.types, b.declarations, e.qualified, e.offset, e.declaration);
        b.qualified.emplace(e.offset, std::string(e.qualified));
      }
    } else {
      for (std::string_view key : {e.qualified, e.name})
        if (!key.empty() && b.variables.find(key) == b.variables.end()) b.variables.emplace(std::string(key), e.offset);
    }
  }
}

}  // namespace

// Claims the next unscanned unit and scans it; false when every unit is claimed.
bool DebugInfo::Impl::scan_next_unit(NameIndexBuild& b) {
  size_t i = units.size();
  if (b.next_scan.load(std::memory_order_relaxed) < units.size()) i = b.next_scan.fetch_add(1);
  if (i >= units.size()) return false;
  b.scanned[i] = dw::scan_unit_names(b.sections, units[i].offset, limits);
  b.ready[i].store(true, std::memory_order_release);
  b.ready[i].notify_one();
  return true;
}

void DebugInfo::Impl::scan_queued_units(NameIndexBuild& b) {
  if (b.sections.info.empty() || b.sections.abbrev.empty()) return;  // libdwarf reads them all
  while (scan_next_unit(b)) {
  }
}

// The merge is serial (the index keeps the first DIEs of a name in unit order), so it runs as
// units become ready instead of after the last one: on two cores the scan and the merge overlap,
// and a thread waiting for the index (build_name_index) scans too. When the next unit in order
// is not ready, this thread scans one itself rather than wait.
void DebugInfo::Impl::scan_and_merge_names(NameIndexBuild& b) {
  size_t n = units.size();
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                    n / kUnitsPerThread + 1);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back([this, &b] { scan_queued_units(b); });
  bool scannable = !b.sections.info.empty() && !b.sections.abbrev.empty();
  while (scannable && b.merged < n) {
    if (b.ready[b.merged].load(std::memory_order_acquire)) {
      auto& unit = *b.scanned[b.merged];
      if (!unit) break;  // finish_name_index reads it through libdwarf, and merges the rest
      merge_unit(b, *unit);
      *unit = dw::UnitNames();  // the maps hold copies: free the unit's entries now
      ++b.merged;
      continue;
    }
    if (!scan_next_unit(b)) b.ready[b.merged].wait(false, std::memory_order_acquire);  // another thread scans it
  }
  scan_queued_units(b);  // after a failed unit: the scan still ends on every thread
  for (auto& t : pool) t.join();
}

void DebugInfo::Impl::finish_name_index(NameIndexBuild& b) {
  size_t errors_before = unit_errors.size();
  for (; b.merged < units.size(); ++b.merged) {
    auto& scanned = b.scanned[b.merged];
    if (scanned && *scanned) { merge_unit(b, **scanned); continue; }
    // The scanner could not read this unit: libdwarf reads it (libdwarf is not thread-safe,
    // so this runs here, on the thread that owns the DebugInfo).
    auto walked = walk_unit_names(uint32_t(b.merged));
    if (walked) merge_unit(b, *walked);
    else unit_errors.push_back(walked.error().within("name index of unit " + units[b.merged].name));
  }
  type_index = std::move(b.types);
  variable_index = std::move(b.variables);
  type_qualified = std::move(b.qualified);
  // Written on its own thread: the command goes on with the index meanwhile (the thread only
  // reads the maps, which nothing changes once built; ~Impl joins it).
  if (unit_errors.size() == errors_before) cache_writer = std::thread([this] { store_cached_index(); });
}

Expected<void> DebugInfo::Impl::build_name_index() {
  if (name_index_built) return {};
  name_index_built = true;
  if (background_names) {  // started by index_names_in_background(): help it, then wait
    scan_queued_units(background_names->build);
    background_names->thread.join();
    finish_name_index(background_names->build);
    background_names.reset();
    return {};
  }
  if (!dbg) return {};
  if (load_cached_index()) return {};
  NameIndexBuild build(units.size());
  build.sections = raw_sections();
  scan_and_merge_names(build);
  finish_name_index(build);
  return {};
}

void DebugInfo::index_names_in_background() {
  Impl& impl = *impl_;
  if (impl.name_index_built || impl.background_names || !impl.dbg) return;
  if (impl.load_cached_index()) {
    impl.name_index_built = true;
    return;
  }
  impl.background_names = std::make_unique<Impl::BackgroundNames>(impl.units.size());
  Impl::NameIndexBuild& build = impl.background_names->build;
  build.sections = impl.raw_sections();
  impl.background_names->thread = std::thread([&impl, &build] { impl.scan_and_merge_names(build); });
}

Expected<void> DebugInfo::index_names() { return impl_->build_name_index(); }

namespace {

// A Rust type name in one spelling whatever wrote it. LLDB rebuilds the names of generic
// structs from their template arguments while rustc's DWARF names them itself:
//   rustc: Vec<u8, …Kmalloc>   Arc<Lock<…>>   Atomic<*mut State>   List<Item, 0>   Option<&u32>
//   LLDB:  Vec<unsigned char, …Kmalloc>   Arc<Lock<…> >   Atomic<State *>   List<Item>   Option<unsigned int *>
// so both map to one key: primitives by width and signedness (usize is u64: same layout),
// thin pointers and references as "T*" (fat ones, &str, &[T], &dyn, stay structs), const
// generic arguments dropped, spaces gone. Bounded by kMaxSpellingDepth nesting.
constexpr int kMaxSpellingDepth = 32;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool const_argument(std::string_view a) {
  return !a.empty() && (std::isdigit(static_cast<unsigned char>(a[0])) || a[0] == '-' || a == "true" || a == "false");
}

std::string spelling_key(std::string_view name, int depth = 0) {
  static const std::pair<std::string_view, std::string_view> kPrimitives[] = {
      {"unsigned char", "u8"},        {"signed char", "i8"},     {"unsigned short", "u16"},
      {"short", "i16"},               {"unsigned int", "u32"},   {"int", "i32"},
      {"unsigned long", "u64"},       {"long", "i64"},           {"usize", "u64"},
      {"isize", "i64"},               {"unsigned long long", "u64"}, {"long long", "i64"},
      {"unsigned __int128", "u128"},  {"__int128", "i128"},      {"char32_t", "char"},
      {"float", "f32"},               {"double", "f64"},
  };
  std::string_view s = trimmed(name);
  if (depth > kMaxSpellingDepth) return std::string(s);
  for (std::string_view p : {"*mut ", "*const ", "&mut "})
    if (s.starts_with(p)) return spelling_key(s.substr(p.size()), depth + 1) + "*";
  if (s.starts_with("&")) {
    std::string_view r = trimmed(s.substr(1));
    if (r.starts_with("str") || r.starts_with("[") || r.starts_with("dyn ")) return "&" + spelling_key(r, depth + 1);
    return spelling_key(r, depth + 1) + "*";
  }
  if (s.ends_with("*") && !s.ends_with("(*)")) return spelling_key(s.substr(0, s.size() - 1), depth + 1) + "*";
  for (const auto& [from, to] : kPrimitives)
    if (s == from) return std::string(to);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '<') {
      if (s[i] != ' ') out += s[i];
      ++i;
      continue;
    }
    // One generic argument list: split at its own commas, each argument spelled the same way.
    std::vector<std::string_view> args;
    size_t j = i + 1, start = j;
    for (int nest = 0; j < s.size(); ++j) {
      char ch = s[j];
      if (ch == '<' || ch == '(' || ch == '[') ++nest;
      else if (ch == '>' && s[j - 1] == '-') continue;  // "fn() -> T"
      else if (ch == '>' || ch == ')' || ch == ']') { if (nest-- == 0) break; }
      else if (ch == ',' && nest == 0) { args.push_back(s.substr(start, j - start)); start = j + 1; }
    }
    args.push_back(s.substr(start, j - start));
    out += '<';
    bool first = true;
    for (std::string_view a : args) {
      if (const_argument(trimmed(a))) continue;  // LLDB leaves const generics out
      if (!first) out += ',';
      first = false;
      out += spelling_key(a, depth + 1);
    }
    out += '>';
    i = j + 1;
  }
  return out;
}

bool looks_rust(std::string_view key) {
  return key.find("::") != std::string_view::npos || key.starts_with("&") || key.starts_with("(") ||
         key.starts_with("[");
}

}  // namespace

Expected<TypeId> DebugInfo::find_type(const std::string& name) {
  KRDB_CHECK(impl_->build_name_index());
  std::string key = name;
  for (const char* prefix : {"struct ", "union ", "enum "})
    if (key.starts_with(prefix)) key = key.substr(std::string_view(prefix).size());
  auto it = impl_->type_index.find(key);
  if (it == impl_->type_index.end() && looks_rust(key)) {  // another debugger's spelling
    if (!impl_->spelling_index_built) {
      for (const auto& [k, ids] : impl_->type_index)
        if (looks_rust(k)) impl_->spelling_index.emplace(spelling_key(k), k);
      impl_->spelling_index_built = true;
    }
    if (auto s = impl_->spelling_index.find(spelling_key(key)); s != impl_->spelling_index.end())
      it = impl_->type_index.find(s->second);
  }
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
      if (loc && loc->size() == 1 && loc->front().ops.size() == 1) {
        const LocationOp& op = loc->front().ops[0];
        if (op.atom == DW_OP_addr) return op.operand1;
        // DWARF 5 (rustc ≥ 1.9x) locates statics with DW_OP_addrx: Die::location reads the
        // address from .debug_addr into operand2 (in a .ko, relocated to krdb's section layout).
        if ((op.atom == DW_OP_addrx || op.atom == DW_OP_GNU_addr_index) && op.operand2) return op.operand2;
      }
      // Else the symbol its linkage name names has the same address (a vmlinux's symbols).
      if (auto linkage = die->string(DW_AT_linkage_name))
        if (const ElfSymbol* s = impl_->elf->symbol_named(*linkage)) return s->address;
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
