// ValueFormatter: the entry points, the shared helpers of FormatContext, and `krdb print`'s
// small expression language.
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "format_context.h"
#include "krdb/base/number.h"

namespace krdb {

FormatOptions format_options(const Limits& limits) {
  return {limits.format_children, limits.format_string_bytes, limits.format_depth, limits.format_nodes,
          limits.format_value_bytes};
}

ValueFormatter::ValueFormatter(DebugInfo& debug_info, Memory& memory, LoadMap load, FormatOptions options)
    : info_(debug_info), memory_(memory), load_(std::move(load)), options_(options) {
  (void)info_.index_names();  // Rust paths of types (kernel::alloc::kvec::Vec…) come from it
}

std::string ValueFormatter::format(const ValueRef& value) {
  FormatContext c{*this};
  return c.value(value);
}

ValueView ValueFormatter::view(const ValueRef& value) {
  FormatContext c{*this};
  return c.view(value);
}

std::string ValueFormatter::render(const ValueView& view) {
  FormatContext c{*this, 1};  // as format() renders it: one level in
  return c.render(view);
}

std::string ValueFormatter::type_name(TypeId type) { return krdb::type_name(info_, type, true); }

// ---- FormatContext helpers -------------------------------------------------------------------

const Type* FormatContext::resolved(TypeId id) {
  auto t = info().strip_typedefs(id);
  return t ? *t : nullptr;
}

std::optional<uint64_t> FormatContext::size_of(TypeId id) {
  const Type* t = resolved(id);
  if (!t) return std::nullopt;
  if (t->size) return t->size;
  if (t->kind == TypeKind::Pointer || t->kind == TypeKind::Reference) return 8;
  if (t->kind == TypeKind::Array && t->count) {
    auto e = size_of(t->target);
    if (e) return *e * *t->count;
  }
  return std::nullopt;
}

std::string FormatContext::read_error(uint64_t address, uint64_t n) {
  return fmt::format("<error: cannot read {:#x} ({} bytes)>", address, n);
}

Expected<std::vector<uint8_t>> FormatContext::bytes(uint64_t address, uint64_t n) {
  if (n > opt().max_value_bytes)
    return Error(ErrorKind::LimitHit, fmt::format("value of {} bytes > max_value_bytes", n));
  std::vector<uint8_t> out(n);
  KRDB_CHECK(memory().read(address, out));
  return out;
}

Expected<uint64_t> FormatContext::uint_at(uint64_t address, uint64_t size) {
  if (size == 0 || size > 8) return Error(ErrorKind::BadData, fmt::format("integer of {} bytes", size));
  uint8_t buf[8] = {};
  KRDB_CHECK(memory().read(address, {buf, size}));
  uint64_t v = 0;
  std::memcpy(&v, buf, size);
  return v;
}

std::optional<ValueRef> FormatContext::member(const ValueRef& v, std::string_view name) {
  const Type* t = resolved(v.type);
  if (!t) return std::nullopt;
  for (const Member& m : t->members)
    if (m.name == name) return ValueRef{m.type, v.address + m.offset};
  return std::nullopt;
}

std::optional<ValueRef> FormatContext::path(ValueRef v, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    v = unwrap(v);
    auto m = member(v, n);
    if (!m) return std::nullopt;
    v = *m;
  }
  return v;
}

ValueRef FormatContext::unwrap(ValueRef v) {
  for (int hops = 0; hops < 16; ++hops) {
    const Type* t = resolved(v.type);
    if (!t || (t->kind != TypeKind::Struct && t->kind != TypeKind::Union)) return v;
    std::string p = rust_path(*t);
    std::string_view into;
    if (p == "core::cell::UnsafeCell" || p == "core::cell::Cell" || p == "core::mem::manually_drop::ManuallyDrop")
      into = "value";
    else if (p == "core::mem::maybe_uninit::MaybeUninit" || p == "kernel::types::Opaque")
      into = "value";
    else if (p == "core::mem::maybe_dangling::MaybeDangling" || p.starts_with("core::sync::atomic::private::Align"))
      into = "__0";
    if (into.empty()) return v;
    auto m = member(v, into);
    if (!m) return v;
    v = *m;
  }
  return v;
}

TypeId FormatContext::template_param(const Type& t, std::string_view name) {
  for (const auto& p : t.template_params)
    if (p.name == name) return p.type;
  return 0;
}

std::optional<uint64_t> FormatContext::pointer(const ValueRef& v) {
  ValueRef u = unwrap(v);
  const Type* t = resolved(u.type);
  if (!t) return std::nullopt;
  if (t->kind == TypeKind::Pointer || t->kind == TypeKind::Reference) {
    auto a = uint_at(u.address, 8);
    return a ? std::optional<uint64_t>(*a) : std::nullopt;
  }
  // NonNull {pointer}, Box/KBox (__0 or pointer), Unique, Pin {pointer|__pointer}, Arc {ptr},
  // ARef {ptr}, AtomicPtr {p}: the first pointer-like member, followed (bounded).
  for (std::string_view name : {"pointer", "__pointer", "ptr", "__0", "p", "inner", "v"}) {
    if (auto m = member(u, name)) {
      if (++depth > opt().max_depth + 16) { --depth; return std::nullopt; }
      auto r = pointer(*m);
      --depth;
      return r;
    }
  }
  return std::nullopt;
}

TypeId FormatContext::pointee(const ValueRef& v) {
  ValueRef u = unwrap(v);
  const Type* t = resolved(u.type);
  if (!t) return 0;
  if (t->kind == TypeKind::Pointer || t->kind == TypeKind::Reference) return t->target;
  if (TypeId p = template_param(*t, "T")) {
    // Atomic<*mut X> (AtomicPtr) holds a pointer: its pointee is X. (Arc<T> points to
    // ArcInner<T>; evaluate() handles that itself.)
    if (rust_path(*t).starts_with("core::sync::atomic::"))
      if (const Type* pt = resolved(p); pt && pt->kind == TypeKind::Pointer) return pt->target;
    return p;
  }
  for (std::string_view name : {"pointer", "__pointer", "ptr", "__0", "p", "inner"})
    if (auto m = member(u, name)) return pointee(*m);
  return 0;
}

std::string FormatContext::join(const std::vector<std::string>& items, uint64_t total, const char* open,
                                 const char* close) {
  std::string out = open;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  if (total > items.size()) out += fmt::format("{}… ({} more)", items.empty() ? "" : ", ", total - items.size());
  return out + close;
}

// One quoting for every string the formatters show (Rust &str/CStr/BStr, CString, C char[] and
// char *): printable ASCII as is, quotes and backslashes escaped, other bytes as \xNN.
std::string quoted(std::string_view bytes, uint64_t total, bool b_prefix) {
  std::string out = b_prefix ? "b\"" : "\"";
  for (unsigned char ch : bytes) {
    if (ch == '"' || ch == '\\') { out += '\\'; out += char(ch); }
    else if (ch == '\n') out += "\\n";
    else if (ch >= 0x20 && ch < 0x7f) out += char(ch);
    else if (!b_prefix && ch >= 0x80) out += char(ch);  // UTF-8 in &str: kept (printers repair it)
    else out += fmt::format("\\x{:02x}", ch);
  }
  out += '"';
  if (total > bytes.size()) out += fmt::format("… ({} bytes)", total);
  return out;
}

std::string rust_path(const Type& t) {
  std::string q = t.qualified.empty() ? t.name : t.qualified;
  // Drop generic arguments at the end of each component: a::B<C, D>::e -> a::B::e.
  std::string out;
  int angle = 0;
  for (char ch : q) {
    if (ch == '<') { ++angle; continue; }
    if (ch == '>') { if (angle) --angle; continue; }
    if (angle == 0) out.push_back(ch);
  }
  return out;
}

bool path_is(const Type& t, std::string_view path) { return rust_path(t) == path; }

ValueView leaf(std::string text) {
  ValueView v;
  v.head = std::move(text);
  return v;
}

ValueView FormatContext::view(const ValueRef& in) {
  ValueRef v = unwrap(in);  // transparent wrappers cost no nesting level
  const Type* t = resolved(v.type);
  if (!t) return leaf(fmt::format("<error: type {:#x} unreadable>", v.type));
  ValueView out;
  if (auto k = view_kernel_type(*this, v, *t)) out = std::move(*k);
  else if (auto r = view_rust_core(*this, v, *t)) out = std::move(*r);
  else out = leaf(format_c_or_plain(*this, v, *t));
  // A wrapper collapsed to what it holds (Cell<u32> -> 99, Opaque<list_head> -> its fields):
  // LLDB shows that text, not the wrapper's nesting.
  if (v.type != in.type) out.special = true;
  return out;
}

std::string FormatContext::render(const ValueView& view) {
  std::vector<std::string> items;
  for (const ValueChild& child : view.children) {
    std::string text = child.value.type ? value(child.value) : child.text;
    if (view.shape == ValueShape::Fields) text = child.name + ": " + text;
    if (view.shape == ValueShape::Map && child.value.type) text = child.name + ": " + text;
    items.push_back(std::move(text));
  }
  std::string out = view.head;
  switch (view.shape) {
    case ValueShape::Leaf: break;
    case ValueShape::Fields:
      if (!items.empty()) out += join(items, view.total, " { ", " }");
      break;
    case ValueShape::Tuple: out += join(items, view.total, "(", ")"); break;
    case ValueShape::Sequence: out += (out.empty() ? "" : " ") + join(items, view.total, "[", "]"); break;
    case ValueShape::Map: out += (out.empty() ? "" : " ") + join(items, view.total, "{", "}"); break;
    case ValueShape::Prefix: out += items.empty() ? "" : " " + items.front(); break;
  }
  if (!view.problem.empty()) out += " " + view.problem;
  return out;
}

std::string FormatContext::value(const ValueRef& in) {
  if (depth >= opt().max_depth) return "{…}";
  ++depth;
  std::string out = render(view(in));
  --depth;
  return out;
}

// ---- expressions ------------------------------------------------------------------------------

namespace {

struct ExprParser {
  std::string_view s;
  size_t pos = 0;
  void spaces() { while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos; }
  bool eat(std::string_view t) {
    spaces();
    if (s.substr(pos).starts_with(t)) { pos += t.size(); return true; }
    return false;
  }
  std::string ident() {  // a C name or a Rust path (a::b::C)
    spaces();
    size_t start = pos;
    while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' ||
                              (s[pos] == ':' && pos + 1 < s.size() && s[pos + 1] == ':' && ++pos)))
      ++pos;
    return std::string(s.substr(start, pos - start));
  }
};

// What `*v` and `v->` reach: the pointee of a pointer-like value; for Arc<T>, whose pointer is
// to ArcInner<T>, the T inside it, as Rust's Deref gives.
std::optional<ValueRef> deref(FormatContext& c, const ValueRef& v) {
  auto to = c.pointer(v);
  if (!to) return std::nullopt;
  const Type* t = c.resolved(c.unwrap(v).type);
  if (t && path_is(*t, "kernel::sync::arc::Arc"))
    if (auto ptr = c.member(c.unwrap(v), "ptr"))
      if (const Type* inner = c.resolved(c.pointee(*ptr)))
        if (const Member* data = inner->member("data")) return ValueRef{data->type, *to + data->offset};
  TypeId target = c.pointee(v);
  if (!target) return std::nullopt;
  return ValueRef{target, *to};
}

}  // namespace

std::string ValueFormatter::leading_name(const std::string& expression) {
  ExprParser p{expression};
  while (p.eat("*")) {
  }
  if (p.eat("(")) return {};
  return p.ident();
}

std::string ValueFormatter::cast_type(const std::string& expression) {
  ExprParser p{expression};
  while (p.eat("*")) {
  }
  if (!p.eat("(")) return {};
  size_t close = expression.find(')', p.pos);
  if (close == std::string::npos) return {};
  std::string type = expression.substr(p.pos, close - p.pos);
  type.erase(0, type.find_first_not_of(' '));
  type.erase(type.find_last_not_of(' ') + 1);
  return type;
}

Expected<ValueRef> ValueFormatter::evaluate(const std::string& expression, const LocalLookup& local) {
  FormatContext c{*this};
  ExprParser p{expression};
  size_t derefs = 0;
  while (p.eat("*")) ++derefs;
  ValueRef v;
  if (p.eat("(")) {  // (TYPE)0xADDRESS
    size_t close = expression.find(')', p.pos);
    if (close == std::string::npos) return Error(ErrorKind::Usage, "missing ')' in a cast", expression);
    std::string type = cast_type(expression);
    p.pos = close + 1;
    p.spaces();
    size_t end = p.pos;
    while (end < expression.size() && std::isxdigit(static_cast<unsigned char>(expression[end])) ) ++end;
    if (expression.substr(p.pos, 2) == "0x") { end = p.pos + 2; while (end < expression.size() && std::isxdigit(static_cast<unsigned char>(expression[end]))) ++end; }
    auto address = parse_hex_address(expression.substr(p.pos, end - p.pos));
    if (!address) return Error(ErrorKind::Usage, "a cast needs a hex address: (TYPE)0xADDRESS", expression);
    p.pos = end;
    auto id = info_.find_type(type);
    if (!id) return id.error();
    v = {*id, *address};
  } else {
    std::string name = p.ident();
    if (name.empty()) return Error(ErrorKind::Usage, "expected a variable name", expression);
    if (auto found = local ? local(name) : std::nullopt) {
      v = *found;
    } else {
      auto type = info_.variable_type(name);
      if (!type) return type.error();
      auto address = info_.variable_address(name);
      if (!address) return address.error();
      v = {*type, load_.runtime(*address)};
    }
  }
  for (p.spaces(); p.pos < expression.size(); p.spaces()) {
    if (p.eat(".") || p.eat("->")) {
      if (expression[p.pos - 1] == '>') {
        auto to = deref(c, v);
        if (!to) return Error(ErrorKind::Usage, "'->' on a value that is not a pointer", expression);
        v = *to;
      }
      std::string field = p.ident();
      ValueRef u = c.unwrap(v);
      auto m = c.member(u, field);
      // Rust's `.` sees through references, pointers and boxes (auto-deref): `self.name` on a
      // `&Values`. A few hops at most (`&&T`); each read is bounded like any other.
      constexpr int kMaxAutoDeref = 4;
      for (int hop = 0; !m && hop < kMaxAutoDeref; ++hop) {
        auto to = deref(c, u);
        if (!to) break;
        u = c.unwrap(*to);
        m = c.member(u, field);
      }
      if (!m) return Error(ErrorKind::NotFound, fmt::format("no member '{}' in {}", field, type_name(u.type)), expression);
      v = *m;
    } else if (p.eat("[")) {
      size_t close = expression.find(']', p.pos);
      if (close == std::string::npos) return Error(ErrorKind::Usage, "missing ']'", expression);
      auto index = parse_unsigned(expression.substr(p.pos, close - p.pos), 10);
      if (!index) return Error(ErrorKind::Usage, "an index is a decimal number", expression);
      p.pos = close + 1;
      const Type* t = c.resolved(c.unwrap(v).type);
      TypeId element = 0;
      uint64_t base = 0;
      if (t && t->kind == TypeKind::Array) {
        element = t->target;
        base = c.unwrap(v).address;
      } else if (t && (path_is(*t, "kernel::alloc::kvec::Vec") || t->kind == TypeKind::Pointer)) {
        auto to = c.pointer(v);
        if (!to) return Error(ErrorKind::Fault, "cannot read the pointer to index", expression);
        element = t->kind == TypeKind::Pointer ? t->target : c.template_param(*t, "T");
        base = *to;
      } else {
        return Error(ErrorKind::Usage, "[i] on a value that is not an array, a pointer or a KVec", expression);
      }
      auto size = c.size_of(element);
      if (!size) return Error(ErrorKind::BadData, "element size unknown", expression);
      v = {element, base + *index * *size};
    } else {
      return Error(ErrorKind::Usage, fmt::format("unexpected '{}'", expression.substr(p.pos)), expression);
    }
  }
  for (size_t i = 0; i < derefs; ++i) {
    auto to = deref(c, v);
    if (!to) return Error(ErrorKind::Usage, "'*' on a value that is not a pointer", expression);
    v = *to;
  }
  return v;
}

}  // namespace krdb
