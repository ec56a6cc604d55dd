// Rust's core types: every enum (Option, Result, the program's own) decoded from the DWARF
// discriminant at full width, slices and string slices (&str, &[T], &CStr, &BStr), tuples,
// pointers that own or borrow (NonNull, Box, KBox, Pin), atomics, and zero-sized markers.
#include <fmt/format.h>

#include "format_context.h"
#include "krdb/demangle/demangle.h"
#include "krdb/elf/elf_file.h"

namespace krdb {

namespace {

// Vtable method slots tried for a symbol naming the concrete type of a &dyn.
constexpr uint64_t kDynMethodSlots = 8;

std::string last_component(std::string_view path) {
  // "core::option::Option<…>::Some" -> "Some": the last `::` outside angle brackets.
  int angle = 0;
  size_t cut = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '<') ++angle;
    else if (path[i] == '>') --angle;
    else if (angle == 0 && path[i] == ':' && i + 1 < path.size() && path[i + 1] == ':') cut = i + 2;
  }
  return std::string(path.substr(cut));
}

bool is_tuple_like(const Type& t) {
  if (t.members.empty()) return false;
  for (const Member& m : t.members)
    if (!m.name.starts_with("__")) return false;
  return true;
}

// The fields of a struct value: `Name { a: 1, b: 2 }`, `Name(1, 2)` for tuple structs; markers
// hidden.
ValueView fields(FormatContext& c, const ValueRef& v, const Type& t, std::string head) {
  ValueView view;
  view.head = std::move(head);
  view.shape = is_tuple_like(t) ? ValueShape::Tuple : ValueShape::Fields;
  for (const Member& m : t.members) {
    const Type* mt = c.resolved(m.type);
    if (mt && mt->size == 0u) continue;  // PhantomData, PhantomPinned, ()
    if (mt && rust_path(*mt) == "kernel::list::ListLinks") continue;  // the list shows the links
    view.children.push_back({m.name, {m.type, v.address + m.offset}});
  }
  view.total = view.children.size();
  // A tuple struct with nothing to show is its name alone (unit variants: `None`, `Red`).
  if (view.children.empty()) view.shape = ValueShape::Leaf;
  return view;
}

ValueView rust_enum(FormatContext& c, const ValueRef& v, const Type& t) {
  const VariantPart& part = *t.variant_part;
  uint64_t size = t.size.value_or(0);
  auto bytes = c.bytes(v.address, size);
  if (!bytes) return leaf(FormatContext::read_error(v.address, size));
  auto index = active_variant(part, *bytes);
  if (!index) {
    uint64_t discr = 0;
    if (part.discriminant) {
      auto d = c.uint_at(v.address + part.discriminant->offset, std::min<uint64_t>(part.discriminant_size, 8));
      discr = d.value_or(0);
    }
    return leaf(fmt::format("<invalid discriminant {:#x}>", discr));
  }
  const Member& payload = part.variants[*index].member;
  const Type* vt = c.resolved(payload.type);
  if (!vt) return leaf("<error: variant type unreadable>");
  std::string name = last_component(vt->qualified.empty() ? vt->name : vt->qualified);
  if (name.empty()) name = payload.name;
  // Result<T, E>/Option<T> payloads are tuple variants: Ok(7), Some(…).
  return fields(c, {payload.type, v.address + payload.offset}, *vt, name);
}

bool is_slice_ref(const Type& t) {
  return (t.name.starts_with("&") || t.name.starts_with("*const [") || t.name.starts_with("*mut [")) &&
         t.member("data_ptr") && t.member("length");
}

// &str, &[T], &CStr, &BStr: {data_ptr, length}.
ValueView slice(FormatContext& c, const ValueRef& v, const Type& t) {
  auto ptr_m = c.member(v, "data_ptr");
  auto len_m = c.member(v, "length");
  auto ptr = c.uint_at(ptr_m->address, 8);
  auto len = c.uint_at(len_m->address, 8);
  if (!ptr || !len) return leaf(FormatContext::read_error(v.address, 16));
  std::string_view name = t.name;
  bool str = name == "&str" || name == "&mut str";
  bool cstr = name.ends_with("CStr");
  bool bstr = name.ends_with("BStr");
  if (str || cstr || bstr) {
    uint64_t n = *len;
    if (cstr && n > 0) --n;  // CStr's length counts the NUL
    uint64_t shown = std::min(n, c.opt().max_string_bytes);
    if (n > (1ull << 40)) return leaf(fmt::format("<invalid length {}>", *len));
    auto b = c.bytes(*ptr, shown);
    if (!b) return leaf(FormatContext::read_error(*ptr, shown));
    return leaf(quoted({reinterpret_cast<const char*>(b->data()), b->size()}, n, bstr));
  }
  // &[T]: elements of the pointee type.
  TypeId element = 0;
  if (const Type* pt = c.resolved(ptr_m->type); pt && pt->kind == TypeKind::Pointer) element = pt->target;
  auto esize = c.size_of(element);
  if (!esize || *esize == 0) return leaf(fmt::format("[… {} elements]", *len));
  ValueView view;
  view.shape = ValueShape::Sequence;
  view.total = *len;
  for (uint64_t i = 0; i < *len && i < c.opt().max_children; ++i)
    view.children.push_back({fmt::format("[{}]", i), {element, *ptr + i * *esize}});
  return view;
}

ValueView boxed(FormatContext& c, const ValueRef& v, const Type& t, const std::string& path) {
  auto a = c.pointer(v);
  if (!a) return leaf(FormatContext::read_error(v.address, 8));
  TypeId target = c.template_param(t, "T");
  std::string label = "KBox";
  if (TypeId at = c.template_param(t, "A")) {
    std::string an = c.name_of(at);
    if (an.ends_with("::Vmalloc")) label = "VBox";
    else if (an.ends_with("::KVmalloc")) label = "KVBox";
  }
  if (path == "alloc::boxed::Box") label = "Box";
  if (!target) return leaf(fmt::format("{}({:#x})", label, *a));
  ValueView view;
  view.head = label;
  view.shape = ValueShape::Tuple;
  view.children.push_back({"pointee", {target, *a}});
  view.total = 1;
  return view;
}

// Atomic<T> {v: UnsafeCell<AlignN<T>>}, AtomicX {v|p}.
std::optional<ValueView> atomic(FormatContext& c, const ValueRef& v) {
  for (std::string_view name : {"v", "p"})
    if (auto m = c.member(v, name)) {
      ValueRef inner = c.unwrap(*m);
      const Type* it = c.resolved(inner.type);
      if (it && it->kind == TypeKind::Pointer) {
        auto a = c.uint_at(inner.address, 8);
        return leaf(a ? fmt::format("AtomicPtr({:#x})", *a) : FormatContext::read_error(inner.address, 8));
      }
      ValueView view;
      view.head = "Atomic";
      view.shape = ValueShape::Tuple;
      view.children.push_back({"value", inner});
      view.total = 1;
      return view;
    }
  return std::nullopt;
}

bool is_dyn_ref(const Type& t) {
  return (t.name.starts_with("&") || t.name.starts_with("*")) && t.name.find("dyn ") != std::string::npos &&
         t.member("pointer") && t.member("vtable");
}

// "<kernel::error::Error as core::fmt::Debug>::fmt" -> "kernel::error::Error".
std::optional<std::string> implementing_type(std::string_view method) {
  if (!method.starts_with("<")) return std::nullopt;
  int angle = 0;
  for (size_t i = 1; i + 4 <= method.size(); ++i) {
    if (method[i] == '<') ++angle;
    else if (method[i] == '>') { if (angle-- == 0) return std::nullopt; }
    else if (angle == 0 && method.substr(i, 4) == " as ") return std::string(method.substr(1, i - 1));
  }
  return std::nullopt;
}

// &dyn Trait {pointer, vtable}: the concrete type behind it, named by the vtable's methods
// (`<T as Trait>::method` in the symbol table; slots 0-2 are drop_in_place, size and align), then
// found in the DWARF. Without a match: the two addresses.
ValueView dyn_ref(FormatContext& c, const ValueRef& v) {
  auto data = c.uint_at(c.member(v, "pointer")->address, 8);
  auto vtable = c.uint_at(c.member(v, "vtable")->address, 8);
  if (!data || !vtable) return leaf(FormatContext::read_error(v.address, 16));
  for (uint64_t slot = 3; slot < 3 + kDynMethodSlots; ++slot) {
    auto method = c.uint_at(*vtable + 8 * slot, 8);
    if (!method) break;
    if (*method == 0) continue;
    auto symbol = c.info().symbol_at(c.f.load().file(*method));
    if (!symbol) continue;
    auto concrete = implementing_type(demangle(symbol->symbol->name).text);
    if (!concrete) continue;
    auto id = c.info().find_type(*concrete);
    if (!id) break;
    ValueView view;
    view.head = "&" + *concrete;
    view.shape = ValueShape::Prefix;
    view.children.push_back({"pointee", {*id, *data}});
    view.total = 1;
    return view;
  }
  return leaf(fmt::format("&dyn {:#x} (vtable {:#x})", *data, *vtable));
}

std::optional<ValueView> known(FormatContext& c, const ValueRef& v, const Type& t) {
  if (t.is_rust_enum()) return rust_enum(c, v, t);
  if (is_slice_ref(t)) return slice(c, v, t);
  if (is_dyn_ref(t)) return dyn_ref(c, v);
  std::string p = rust_path(t);
  if (p == "core::marker::PhantomData" || p == "core::marker::PhantomPinned") return leaf("PhantomData");
  if (p == "core::ptr::non_null::NonNull" || p == "core::ptr::unique::Unique") {
    auto a = c.pointer(v);
    return leaf(a ? fmt::format("{:#x}", *a) : FormatContext::read_error(v.address, 8));
  }
  if (p == "core::pin::Pin") {
    auto inner = c.member(v, "pointer");
    if (!inner) inner = c.member(v, "__pointer");  // field name of some rustc releases
    if (!inner) return std::nullopt;
    ValueView view;
    view.head = "Pin";
    view.shape = ValueShape::Tuple;
    view.children.push_back({"pointer", *inner});
    view.total = 1;
    return view;
  }
  if (p == "kernel::alloc::kbox::Box" || p == "alloc::boxed::Box") return boxed(c, v, t, p);
  if (p.starts_with("core::sync::atomic::")) return atomic(c, v);
  return std::nullopt;
}

}  // namespace

std::optional<ValueView> view_rust_core(FormatContext& c, const ValueRef& v, const Type& t) {
  if (t.language != Language::Rust) return std::nullopt;
  if (t.kind != TypeKind::Struct && t.kind != TypeKind::Union) return std::nullopt;
  // Transparent wrappers: what they hold.
  ValueRef u = c.unwrap(v);
  if (u.type != v.type || u.address != v.address) return c.view(u);
  if (auto view = known(c, v, t)) {
    view->special = true;
    return view;
  }
  // Plain Rust structs and tuples: Name { field: value, … } / Name(…) / (a, b).
  const std::string& full = t.qualified.empty() ? t.name : t.qualified;
  // A tuple type is named by its elements (whose paths hold `::` too): no head.
  bool tuple = full.starts_with("(");
  ValueView view = fields(c, v, t, tuple ? std::string() : last_component(full));
  view.special = tuple;  // LLDB shows (Ok(5), Err(…)), not __0/__1
  return view;
}

}  // namespace krdb
