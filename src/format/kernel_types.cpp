// The kernel crate's types: Arc/ArcBorrow/UniqueArc (refcount + data), ARef, KVec/VVec/KVVec,
// CString, Error, Mutex/SpinLock (locked?, owner, data), CondVar (its waiters), workqueue::Work
// (pending?, function), Opaque<bindings::X> (as the C struct), List/ListArc, RBTree and Task (pid,
// comm, state); and the C types Rust holds, from the C DWARF or bindgen's copy: task_struct,
// refcount_t, mutex, spinlock_t, list_head. Layouts chosen by member names
// (../shared/docs/kernel-rust-types.md §1).
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "format_context.h"
#include "krdb/demangle/demangle.h"
#include "krdb/kernel/tasks.h"

namespace krdb {

namespace {

// The C struct an Opaque<bindings::X> or bindings type stands for, from the C DWARF: rustc's
// bindgen copy has the same name ("task_struct", "mutex").
std::optional<TypeId> c_twin(FormatContext& c, const Type& t) {
  std::string name = t.name;
  if (name.empty()) return std::nullopt;
  auto id = c.info().find_type("struct " + name);
  if (!id) return std::nullopt;
  const Type* ct = c.resolved(*id);
  if (!ct || ct->language == Language::Rust) return std::nullopt;
  return *id;
}

// A task as `ps` names it: pid, comm and the state letter (task_state_char, shared with ps);
// a state that cannot be read is '?'.
std::string task_summary(FormatContext& c, uint64_t task) {
  auto tt = c.info().find_type("struct task_struct");
  if (!tt) return fmt::format("Task({:#x})", task);
  const Type* t = c.resolved(*tt);
  const Member* pid = t ? t->member("pid") : nullptr;
  const Member* comm = t ? t->member("comm") : nullptr;
  if (!pid || !comm) return fmt::format("Task({:#x})", task);
  auto p = c.uint_at(task + pid->offset, 4);
  auto name = c.memory().read_cstring(task + comm->offset, 16);
  if (!p || !name) return fmt::format("Task({:#x}) {}", task, FormatContext::read_error(task, 8));
  char state = '?';
  const Member* st = t->member("__state");
  const Member* exit = t->member("exit_state");
  if (st && exit) {
    auto s = c.uint_at(task + st->offset, c.size_of(st->type).value_or(4));
    auto e = c.uint_at(task + exit->offset, c.size_of(exit->type).value_or(4));
    if (s && e) state = task_state_char(*s, *e);
  }
  return fmt::format("Task(pid {}, \"{}\", state {})", int32_t(*p), *name, state);
}

ValueView one_child(std::string head, ValueShape shape, std::string name, ValueRef value) {
  ValueView view;
  view.head = std::move(head);
  view.shape = shape;
  view.children.push_back({std::move(name), value});
  view.total = 1;
  return view;
}

ValueView arc(FormatContext& c, const ValueRef& v, const char* label) {
  auto ptr = c.member(v, "ptr");
  if (!ptr) ptr = c.member(v, "inner");
  if (!ptr) return leaf(std::string(label) + "(?)");
  auto inner_address = c.pointer(*ptr);
  if (!inner_address) return leaf(FormatContext::read_error(v.address, 8));
  const Type* inner = c.resolved(c.pointee(*ptr));
  if (!inner) return leaf(fmt::format("{}({:#x})", label, *inner_address));
  ValueRef in{inner->id, *inner_address};
  std::string refs = "?";
  if (auto rc = c.path(in, {"refcount"})) {
    // Opaque<refcount_struct> (6.12) or Refcount(Opaque<refcount_t>) (6.18): refs.counter is
    // the first i32 either way.
    auto n = c.uint_at(c.unwrap(*rc).address, 4);
    refs = n ? std::to_string(int32_t(*n)) : FormatContext::read_error(rc->address, 4);
  }
  std::string head = fmt::format("{}(refcount {})", label, refs);
  auto data = c.member(in, "data");
  if (!data) return leaf(head + " ?");
  return one_child(head, ValueShape::Prefix, "data", *data);
}

ValueView kvec(FormatContext& c, const ValueRef& v, const Type& t) {
  auto ptr = c.member(v, "ptr");
  auto len_m = c.member(v, "len");
  if (!ptr || !len_m) return leaf("KVec(?)");
  auto base = c.pointer(*ptr);
  auto len = c.uint_at(len_m->address, 8);
  uint64_t cap = 0;
  if (auto layout = c.member(v, "layout"))  // ArrayLayout<T> {len: capacity}
    if (auto l = c.member(*layout, "len")) cap = c.uint_at(l->address, 8).value_or(0);
  if (!base || !len) return leaf(FormatContext::read_error(v.address, 24));
  std::string label = "KVec";
  if (TypeId at = c.template_param(t, "A")) {
    std::string an = c.name_of(at);
    if (an.ends_with("::Vmalloc")) label = "VVec";
    else if (an.ends_with("::KVmalloc")) label = "KVVec";
  }
  TypeId element = c.template_param(t, "T");
  auto esize = c.size_of(element);
  // A length beyond the capacity, or beyond what memory could hold, is corruption: say it
  // instead of walking it.
  if ((cap && *len > cap) || *len > (1ull << 40))
    return leaf(fmt::format("{}(<invalid len {} (capacity {})> at {:#x})", label, *len, cap, *base));
  if (*base == 0 && *len > 0)  // NonNull is never null: a dead or optimised-out slot
    return leaf(fmt::format("{}(<null buffer with len {} (capacity {})>)", label, *len, cap));
  ValueView view;
  view.head = fmt::format("{}(len {}, capacity {})", label, *len, cap);
  if (!esize) return leaf(view.head);
  view.shape = ValueShape::Sequence;
  view.total = *len;
  for (uint64_t i = 0; i < *len && i < c.opt().max_children; ++i)
    view.children.push_back({fmt::format("[{}]", i), {element, *base + i * *esize}});
  return view;
}

std::string cstring(FormatContext& c, const ValueRef& v) {
  auto buf = c.member(v, "buf");
  if (!buf) return "CString(?)";
  auto ptr = c.member(*buf, "ptr");
  auto len_m = c.member(*buf, "len");
  if (!ptr || !len_m) return "CString(?)";
  auto base = c.pointer(*ptr);
  auto len = c.uint_at(len_m->address, 8);
  if (!base || !len) return FormatContext::read_error(v.address, 24);
  if (*len == 0 || *len > (1ull << 40)) return fmt::format("CString(<invalid len {}>)", *len);
  uint64_t n = *len - 1;  // len counts the NUL
  uint64_t shown = std::min(n, c.opt().max_string_bytes);
  auto b = c.bytes(*base, shown);
  if (!b) return FormatContext::read_error(*base, shown);
  return quoted({reinterpret_cast<const char*>(b->data()), b->size()}, n);
}

std::string error_value(FormatContext& c, const ValueRef& v) {
  auto n = c.uint_at(v.address, 4);  // NonZero<i32> / c_int: the i32 at offset 0
  if (!n) return FormatContext::read_error(v.address, 4);
  int32_t e = int32_t(*n);
  if (auto name = errno_name(-int64_t(e))) return fmt::format("-{} ({})", *name, e);
  return fmt::format("Error({})", e);
}

// struct mutex { atomic_long_t owner; … }: owner & ~7 is the task holding it (MUTEX_FLAGS).
std::string mutex_state(FormatContext& c, uint64_t mutex) {
  auto owner = c.uint_at(mutex, 8);
  if (!owner) return FormatContext::read_error(mutex, 8);
  if ((*owner & ~7ull) == 0) return "unlocked";
  return "locked by " + task_summary(c, *owner & ~7ull);
}

// spinlock_t / raw_spinlock_t: the first u32 is the qspinlock's value, non-zero while held.
std::string spin_state(FormatContext& c, uint64_t lock) {
  auto word = c.uint_at(lock, 4);
  if (!word) return FormatContext::read_error(lock, 4);
  return *word ? "locked" : "unlocked";
}

ValueView lock(FormatContext& c, const ValueRef& v, const Type& t) {
  std::string backend;
  if (TypeId b = c.template_param(t, "B")) backend = c.name_of(b);
  bool mutex = backend.find("MutexBackend") != std::string::npos;
  bool spin = backend.find("SpinLockBackend") != std::string::npos;
  std::string label = mutex ? "Mutex" : spin ? "SpinLock" : "Lock";
  std::string state = "?";
  if (auto st = c.member(v, "state")) {
    ValueRef raw = c.unwrap(*st);
    if (mutex) state = mutex_state(c, raw.address);
    else if (spin) state = spin_state(c, raw.address);
  }
  std::string head = fmt::format("{}({})", label, state);
  auto data = c.member(v, "data");  // UnsafeCell<T>: the T is the child
  if (!data) return leaf(head + " ?");
  return one_child(head, ValueShape::Prefix, "data", c.unwrap(*data));
}

// container_of: the element holding a ListLinks at `links_address`, through the element type's
// DWARF member offsets (rustc reorders fields, so the offset is looked up, never assumed).
std::optional<uint64_t> links_offset(FormatContext& c, TypeId element) {
  const Type* et = c.resolved(element);
  if (!et) return std::nullopt;
  for (const Member& m : et->members) {
    const Type* mt = c.resolved(m.type);
    if (mt && rust_path(*mt) == "kernel::list::ListLinks") return m.offset;
  }
  return std::nullopt;
}

ValueView list(FormatContext& c, const ValueRef& v, const Type& t) {
  auto first_m = c.member(v, "first");
  if (!first_m) return leaf("List(?)");
  auto first = c.uint_at(first_m->address, 8);
  if (!first) return leaf(FormatContext::read_error(first_m->address, 8));
  if (*first == 0) return leaf("List(empty)");
  // T of List<T, ID> is the element (ListArc<T> in the marker).
  TypeId element = c.template_param(t, "T");
  auto offset = links_offset(c, element);
  ValueView view;
  view.shape = ValueShape::Sequence;
  std::set<uint64_t> seen;
  uint64_t node = *first, count = 0;
  std::string problem;
  while (true) {
    if (!seen.insert(node).second) { problem = fmt::format("<cycle at {:#x}>", node); break; }
    if (count >= c.opt().max_nodes) { problem = fmt::format("<stopped after max_nodes={}>", count); break; }
    ++count;
    if (view.children.size() < c.opt().max_children)
      view.children.push_back({fmt::format("[{}]", count - 1),
                               offset ? ValueRef{element, node - *offset} : ValueRef{},
                               offset ? "" : fmt::format("{:#x}", node)});
    auto next = c.uint_at(node, 8);  // ListLinksFields {next @0, prev @8}
    auto prev_of_next = next ? c.uint_at(*next + 8, 8) : Expected<uint64_t>(next.error());
    if (!next) { problem = FormatContext::read_error(node, 8); break; }
    if (!prev_of_next || *prev_of_next != node) {
      if (!prev_of_next) { problem = fmt::format("<broken link at {:#x}: next {:#x} is unreadable>", node, *next); break; }
      if (*next != *first) {
        problem = fmt::format("<broken link at {:#x}: next {:#x} links back to {:#x}>", node, *next, *prev_of_next);
        break;
      }
    }
    if (*next == *first) break;
    node = *next;
  }
  // A walk cut short (a bad link, the node cap) counted only what it visited.
  view.head = fmt::format("List(len {}{})", problem.empty() ? "" : "≥", count);
  view.total = count;
  view.problem = problem;
  return view;
}

// CondVar: the kernel wait queue it wraps (Opaque<wait_queue_head>, laid out by the C DWARF);
// its waiters are the wait_queue_entry nodes on head (a C list_head ring), counted and shown as
// the C entries, bounded by max_nodes and cycle-checked like List.
ValueView condvar(FormatContext& c, const ValueRef& v) {
  auto queue = c.member(v, "wait_queue_head");
  auto head_type = c.info().find_type("struct wait_queue_head");
  auto entry_type = c.info().find_type("struct wait_queue_entry");
  const Type* h = head_type ? c.resolved(*head_type) : nullptr;
  const Type* e = entry_type ? c.resolved(*entry_type) : nullptr;
  const Member* head = h ? h->member("head") : nullptr;
  const Member* link = e ? e->member("entry") : nullptr;
  if (!queue || !head) return leaf("CondVar(?)");
  uint64_t ring = queue->address + head->offset;
  ValueView view;
  view.shape = ValueShape::Sequence;
  std::set<uint64_t> seen;
  uint64_t count = 0;
  std::string problem;
  auto node = c.uint_at(ring, 8);  // list_head {next @0, prev @8}
  if (!node) return leaf(FormatContext::read_error(ring, 8));
  while (*node != ring) {
    if (!seen.insert(*node).second) { problem = fmt::format("<cycle at {:#x}>", *node); break; }
    if (count >= c.opt().max_nodes) { problem = fmt::format("<stopped after max_nodes={}>", count); break; }
    ++count;
    if (view.children.size() < c.opt().max_children)
      view.children.push_back({fmt::format("[{}]", count - 1),
                               link ? ValueRef{*entry_type, *node - link->offset} : ValueRef{},
                               link ? "" : fmt::format("{:#x}", *node)});
    uint64_t at = *node;
    node = c.uint_at(at, 8);
    if (!node) { problem = FormatContext::read_error(at, 8); break; }
  }
  if (count == 0 && problem.empty()) return leaf("CondVar(no waiters)");
  view.head = fmt::format("CondVar({} waiter{})", count, count == 1 ? "" : "s");
  view.total = count;
  view.problem = problem;
  return view;
}

// RBTree<K, V>: rb_root → Node<K,V> {links: rb_node, key, value}; in-order, bounded, cycle-checked.
ValueView rbtree(FormatContext& c, const ValueRef& v, const Type& t) {
  auto root = c.path(v, {"root", "rb_node"});
  if (!root) return leaf("RBTree(?)");
  auto top = c.uint_at(root->address, 8);
  if (!top) return leaf(FormatContext::read_error(root->address, 8));
  if (*top == 0) return leaf("RBTree(empty)");
  TypeId key_type = c.template_param(t, "K"), value_type = c.template_param(t, "V");
  // Node<K,V> is not named by the tree's DWARF: find it by path among the program's types.
  std::string node_name = fmt::format("kernel::rbtree::Node<{}, {}>", c.name_of(key_type), c.name_of(value_type));
  auto node_id = c.info().find_type(node_name);
  const Type* node = node_id ? c.resolved(*node_id) : nullptr;
  const Member* links = node ? node->member("links") : nullptr;
  const Member* key = node ? node->member("key") : nullptr;
  const Member* value = node ? node->member("value") : nullptr;
  // In-order walk with an explicit stack: rb_node {__rb_parent_color @0, rb_right @8, rb_left @16}.
  ValueView view;
  view.shape = ValueShape::Map;
  std::vector<uint64_t> stack;
  std::set<uint64_t> seen;
  uint64_t cur = *top, count = 0;
  std::string problem;
  while ((cur || !stack.empty()) && problem.empty()) {
    while (cur) {
      if (!seen.insert(cur).second) { problem = fmt::format("<cycle at {:#x}>", cur); break; }
      if (seen.size() > c.opt().max_nodes) { problem = fmt::format("<stopped after max_nodes={}>", c.opt().max_nodes); break; }
      stack.push_back(cur);
      auto left = c.uint_at(cur + 16, 8);
      if (!left) { problem = FormatContext::read_error(cur + 16, 8); break; }
      cur = *left;
    }
    if (!problem.empty() || stack.empty()) break;
    cur = stack.back();
    stack.pop_back();
    ++count;
    if (view.children.size() < c.opt().max_children) {
      if (links && key && value) {
        uint64_t n = cur - links->offset;
        view.children.push_back({c.value({key->type, n + key->offset}), {value->type, n + value->offset}});
      } else {  // no Node<K, V> in the DWARF: the rb_node's address
        view.children.push_back({fmt::format("{:#x}", cur), {}, fmt::format("{:#x}", cur)});
      }
    }
    auto right = c.uint_at(cur + 8, 8);
    if (!right) { problem = FormatContext::read_error(cur + 8, 8); break; }
    cur = *right;
  }
  view.head = fmt::format("RBTree(len {})", count);
  view.total = count;
  view.problem = problem;
  return view;
}

// workqueue::Work<T, ID>: the C work_struct it wraps (Opaque) — pending or idle (bit 0 of
// `data`, WORK_STRUCT_PENDING) and the function the worker will call, by name when the file that
// types the value has its symbol (a module's own items, or the vmlinux's).
ValueView work(FormatContext& c, const ValueRef& v) {
  auto opaque = c.member(v, "work");
  if (!opaque) return leaf("Work(?)");
  ValueRef ws = c.unwrap(*opaque);
  auto data_m = c.member(ws, "data");
  auto func_m = c.member(ws, "func");
  if (!data_m || !func_m) return c.view(ws);  // not the work_struct shape krdb knows
  auto data = c.uint_at(c.unwrap(*data_m).address, 8);
  if (!data) return leaf(FormatContext::read_error(c.unwrap(*data_m).address, 8));
  auto func = c.uint_at(func_m->address, 8);
  if (!func) return leaf(FormatContext::read_error(func_m->address, 8));
  std::string runs = *func == 0 ? "no func (not initialised)" : fmt::format("func {:#x}", *func);
  if (*func)
    if (auto symbol = c.info().symbol_at(c.f.load().file(*func)); symbol && symbol->offset == 0)
      runs = "func " + demangle_text(symbol->symbol->name, DemangleForm::Short);
  return leaf(fmt::format("Work({}, {})", (*data & 1) ? "pending" : "idle", runs));
}

// The C types Rust holds, as the C DWARF names them or bindgen copied them
// (bindings::…::task_struct): a task as `ps` shows it, a refcount's count, a lock's state, an
// empty list head. Other C structs keep their fields.
std::optional<ValueView> c_kernel_type(FormatContext& c, const ValueRef& v, const Type& t, std::string_view p) {
  if (t.language == Language::Rust && !p.starts_with("bindings::")) return std::nullopt;
  std::string_view name = p.substr(p.rfind(':') == std::string_view::npos ? 0 : p.rfind(':') + 1);
  if (name == "task_struct") return leaf(task_summary(c, v.address));
  if (name == "refcount_struct") {  // { atomic_t refs { int counter } }
    auto n = c.uint_at(v.address, 4);
    return leaf(n ? fmt::format("refcount_t({})", int32_t(*n)) : FormatContext::read_error(v.address, 4));
  }
  if (name == "mutex") return leaf("mutex(" + mutex_state(c, v.address) + ")");
  if (name == "spinlock" || name == "raw_spinlock") return leaf("spinlock_t(" + spin_state(c, v.address) + ")");
  if (name == "list_head") {
    auto links = c.bytes(v.address, 16);
    if (!links) return leaf(FormatContext::read_error(v.address, 16));
    uint64_t next, prev;
    std::memcpy(&next, links->data(), 8);
    std::memcpy(&prev, links->data() + 8, 8);
    if (next == v.address && prev == v.address) return leaf("list_head(empty)");
    return leaf(fmt::format("list_head {{ next: {:#x}, prev: {:#x} }}", next, prev));
  }
  return std::nullopt;
}

std::optional<ValueView> known(FormatContext& c, const ValueRef& v, const Type& t) {
  std::string p = rust_path(t);
  if (auto ct = c_kernel_type(c, v, t, p)) return ct;
  if (p == "kernel::sync::arc::Arc") return arc(c, v, "Arc");
  if (p == "kernel::sync::arc::ArcBorrow") return arc(c, v, "ArcBorrow");
  if (p == "kernel::sync::arc::UniqueArc") {
    auto inner = c.member(v, "inner");
    if (!inner) return std::nullopt;
    ValueView view = c.view(*inner);
    view.head = "Unique" + view.head;
    return view;
  }
  if (p == "kernel::types::ARef" || p == "kernel::sync::aref::ARef") {
    auto a = c.pointer(v);
    if (!a) return leaf(FormatContext::read_error(v.address, 8));
    TypeId target = c.template_param(t, "T");
    if (!target) return leaf(fmt::format("ARef({:#x})", *a));
    return one_child("ARef", ValueShape::Tuple, "pointee", {target, *a});
  }
  if (p == "kernel::task::Task") return leaf(task_summary(c, v.address));
  if (p == "kernel::alloc::kvec::Vec") return kvec(c, v, t);
  if (p == "kernel::str::CString") return leaf(cstring(c, v));
  if (p == "kernel::error::Error") return leaf(error_value(c, v));
  if (p == "kernel::sync::lock::Lock") return lock(c, v, t);
  if (p == "kernel::list::List") return list(c, v, t);
  if (p == "kernel::list::ListLinks") return leaf("ListLinks");
  if (p == "kernel::list::arc::ListArc") {  // an Arc that may be in a list: shown as the Arc
    auto arc = c.member(v, "arc");
    if (!arc) return std::nullopt;
    ValueView view = c.view(*arc);
    if (view.head.starts_with("Arc(")) view.head = "List" + view.head;
    return view;
  }
  if (p == "kernel::rbtree::RBTree") return rbtree(c, v, t);
  if (p == "kernel::sync::condvar::CondVar") return condvar(c, v);
  if (p == "kernel::workqueue::Work") return work(c, v);
  if (p == "kernel::types::Opaque") {  // shown as the C type it wraps, from the C DWARF
    ValueRef inner = c.unwrap(v);
    const Type* it = c.resolved(inner.type);
    std::optional<TypeId> twin = it ? c_twin(c, *it) : std::nullopt;
    ValueView view = c.view(twin ? ValueRef{*twin, inner.address} : inner);
    view.special = true;  // LLDB shows the C value's text, not Opaque's wrappers
    return view;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ValueView> view_kernel_type(FormatContext& c, const ValueRef& v, const Type& t) {
  if (t.kind != TypeKind::Struct) return std::nullopt;
  auto view = known(c, v, t);
  if (view) view->special = true;
  return view;
}

}  // namespace krdb
