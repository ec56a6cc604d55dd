// Values in a target's memory, typed by krdb's own DWARF, and the formatter layer that prints
// them the way a kernel developer reads them: kernel Rust types (Arc, KBox, KVec, CString, CStr,
// BStr, Error, Result/Option and every Rust enum, Mutex/SpinLock, CondVar, Work, Opaque, ARef,
// List, RBTree, Task, atomics, &dyn through its vtable) and the C types they hold (task_struct,
// refcount_t, mutex, spinlock_t, list_head; other C structs by their fields), with transparent
// wrappers collapsed.
// Contract:
// - One implementation for every front end: `krdb print` (CLI), `krdb print` in LLDB, and the
//   panic/triage reports. The text form is deterministic (tests compare it on dumps).
// - Layouts are chosen by the DWARF's shape (type path prefix plus member names), never by the
//   kernel version: see ../shared/docs/kernel-rust-types.md.
// - Memory and DWARF are untrusted. Every walk is bounded (FormatOptions: children shown, string
//   bytes, nodes visited, nesting depth); lists and trees are checked for cycles and broken links
//   once per structure; an unreadable address prints as `<error: cannot read 0x… (n bytes)>` and a
//   bad discriminant as `<invalid discriminant 0x…>`. Nothing throws; nothing reads more than
//   max_value_bytes for one value.
// - Addresses are the target's (runtime) addresses; DWARF locations of globals are link-time and
//   are mapped by `load` (the KASLR slide for a vmlinux, section by section for a module).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/base/limits.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/load_map.h"
#include "krdb/target/memory.h"

namespace krdb {

// The caps of one print; their defaults are the format_* entries of Limits (base/limits.h), so
// `--limit format_children=N` and LLDB's `krdb limits format_children=N` set them.
struct FormatOptions {
  uint64_t max_children = Limits{}.format_children;       // elements/entries shown per container
  uint64_t max_string_bytes = Limits{}.format_string_bytes;  // bytes shown per string
  uint64_t max_depth = Limits{}.format_depth;             // nesting of values printed inside values
  uint64_t max_nodes = Limits{}.format_nodes;             // list/tree nodes visited (cycle guard too)
  uint64_t max_value_bytes = Limits{}.format_value_bytes; // bytes read for one value
};

// The caps as `limits` sets them.
FormatOptions format_options(const Limits& limits);

// A typed value at a target address.
struct ValueRef {
  TypeId type = 0;
  uint64_t address = 0;
};

// What a value shows, before it is printed: a head and the children under it. The one-line text
// (`format`) renders it; LLDB's summaries are that text and its synthetic children are
// `children`, so both front ends show the same thing.
enum class ValueShape : uint8_t {
  Leaf,      // text only: `head` ("-ENOMEM (-12)", "\"swapper/0\"", C values)
  Fields,    // head { a: 1, b: 2 }          (Rust structs, struct-like enum variants)
  Tuple,     // head(1, 2)                   (Some(…), KBox(…), ARef(…), tuple variants)
  Sequence,  // head [1, 2, … (N more)]      (KVec, slices, List)
  Map,       // head {k: v, …}               (RBTree: a child's name is its key's text)
  Prefix,    // head child                   (Arc(refcount 2) data, Mutex(unlocked) data)
};

struct ValueChild {
  ValueChild(std::string name_, ValueRef value_, std::string text_ = {})
      : name(std::move(name_)), value(value_), text(std::move(text_)) {}
  std::string name;  // field name ("__0", "level"), "[i]", "data", or a map key's text
  ValueRef value;    // type 0: no typed value (the DWARF lacks the element type); see text
  std::string text;  // what is shown when value.type is 0 (an address)
};

struct ValueView {
  std::string head;
  ValueShape shape = ValueShape::Leaf;
  std::vector<ValueChild> children;  // shown: at most max_children
  uint64_t total = 0;                // children the value has (≥ shown; more is said as "…")
  std::string problem;               // corruption met on the walk ("<cycle at 0x…>"), or empty
  bool special = false;              // a krdb formatter knows the type (not a plain struct/C value)
};

class ValueFormatter {
 public:
  ValueFormatter(DebugInfo& debug_info, Memory& memory, LoadMap load, FormatOptions options = format_options(default_limits()));

  // The whole value on one line.
  std::string format(const ValueRef& value);
  // The value's head and children (transparent wrappers collapsed), for front ends that show
  // children themselves (LLDB's variable views).
  ValueView view(const ValueRef& value);
  // A view on one line: format(v) == render(view(v)).
  std::string render(const ValueView& view);

  // `krdb print` expressions: a global (C name or Rust path, e.g. rust_crashme::RUST_CRASHME_STATE),
  // then any of `.field`, `->field`, `[i]`, and a leading `*` (dereference: pointers, references,
  // NonNull, Box/KBox, Arc, ARef, atomics holding a pointer). A cast `(TYPE)0xADDR` names a value
  // at an address. `local`, when given, is asked first for the expression's leading name (a
  // frame's variables shadow globals, as in the source); nullopt: not a local, look for a global.
  using LocalLookup = std::function<std::optional<ValueRef>(const std::string& name)>;
  Expected<ValueRef> evaluate(const std::string& expression, const LocalLookup& local = {});
  // The name an expression starts with ("ctx" of "*ctx->state"); empty for a cast.
  static std::string leading_name(const std::string& expression);
  // The type a cast names ("rust_values::Pair" of "(rust_values::Pair)0x…"); empty otherwise.
  static std::string cast_type(const std::string& expression);
  // The type's name as printed (qualified for Rust).
  std::string type_name(TypeId type);

  DebugInfo& debug_info() { return info_; }
  Memory& memory() { return memory_; }
  const FormatOptions& options() const { return options_; }
  const LoadMap& load() const { return load_; }

 private:
  friend struct FormatContext;
  DebugInfo& info_;
  Memory& memory_;
  LoadMap load_;
  FormatOptions options_;
};

}  // namespace krdb
