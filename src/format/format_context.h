// The state of one format() call, shared by the formatter families of src/format/ (one file per
// family: rust_core.cpp, kernel_types.cpp, c_types.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "krdb/format/value.h"

namespace krdb {

struct FormatContext {
  ValueFormatter& f;
  uint64_t depth = 0;

  DebugInfo& info() { return f.info_; }
  Memory& memory() { return f.memory_; }
  const FormatOptions& opt() const { return f.options_; }

  // The type with typedefs, const and volatile stripped; null when unreadable.
  const Type* resolved(TypeId id);
  std::optional<uint64_t> size_of(TypeId id);
  // Bytes of target memory, bounded by max_value_bytes; an Error says what could not be read.
  Expected<std::vector<uint8_t>> bytes(uint64_t address, uint64_t n);
  Expected<uint64_t> uint_at(uint64_t address, uint64_t size);  // little-endian, size ≤ 8
  static std::string read_error(uint64_t address, uint64_t n);

  // The value printed (dispatching to the families), one nesting level deeper.
  std::string value(const ValueRef& v);
  // What the value shows (transparent wrappers collapsed first); the text is render(view(v)).
  ValueView view(const ValueRef& v);
  std::string render(const ValueView& view);
  // A member by name, and a chain of member names followed through the struct.
  std::optional<ValueRef> member(const ValueRef& v, std::string_view name);
  std::optional<ValueRef> path(ValueRef v, std::initializer_list<std::string_view> names);
  // Collapses transparent wrappers: UnsafeCell, Cell, MaybeUninit, ManuallyDrop, MaybeDangling,
  // Opaque, AlignN, and one-member newtypes around them.
  ValueRef unwrap(ValueRef v);
  // A pointer value (pointer, reference, NonNull, Box, …) at `v`: the address it holds.
  std::optional<uint64_t> pointer(const ValueRef& v);
  // The type a pointer-ish value points to, from its DWARF (pointer target or template param T).
  TypeId pointee(const ValueRef& v);
  TypeId template_param(const Type& t, std::string_view name);
  std::string name_of(TypeId id) { return f.type_name(id); }
  // A list of children, "…" after max_children, "(N more)" when known.
  std::string join(const std::vector<std::string>& items, uint64_t total, const char* open, const char* close);
};

// `bytes` quoted (b"…" for byte strings); "… (N bytes)" when `total` is more than shown.
std::string quoted(std::string_view bytes, uint64_t total, bool b_prefix = false);

// Rust paths of a type, without generic arguments: "kernel::alloc::kvec::Vec".
std::string rust_path(const Type& t);
bool path_is(const Type& t, std::string_view path);  // exact path (no generics)

// A view that is text only (scalars, strings, errors, C values).
ValueView leaf(std::string text);

// The families: each returns nullopt when the value is not theirs. C values and plain cases are
// text (leaves): LLDB shows those natively.
std::optional<ValueView> view_kernel_type(FormatContext& c, const ValueRef& v, const Type& t);
std::optional<ValueView> view_rust_core(FormatContext& c, const ValueRef& v, const Type& t);
std::string format_c_or_plain(FormatContext& c, const ValueRef& v, const Type& t);

// "ENOMEM" for 12; nullopt for a number with no name.
std::optional<std::string_view> errno_name(int64_t value);

}  // namespace krdb
