// Values in a target's memory, typed by krdb's own DWARF, and the formatter layer that prints
// them the way a kernel developer reads them: kernel Rust types (Arc, KBox, KVec, CString, CStr,
// BStr, Error, Result/Option and every Rust enum, Mutex/SpinLock, Opaque, ARef, List, RBTree,
// Task, atomics) and the C types they hold, with transparent wrappers collapsed.
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
//   are slid by `slide` (the KASLR offset for a kernel).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/target/memory.h"

namespace krdb {

struct FormatOptions {
  uint64_t max_children = 32;        // elements/entries shown per container ("…" after)
  uint64_t max_string_bytes = 256;   // bytes shown per string
  uint64_t max_depth = 8;            // nesting of values printed inside values
  uint64_t max_nodes = 10000;        // list/tree nodes visited per structure (cycle guard too)
  uint64_t max_value_bytes = 1 << 16;  // bytes read for one value
};

// A typed value at a target address.
struct ValueRef {
  TypeId type = 0;
  uint64_t address = 0;
};

class ValueFormatter {
 public:
  ValueFormatter(DebugInfo& debug_info, Memory& memory, uint64_t slide, FormatOptions options = {});

  // The whole value on one line.
  std::string format(const ValueRef& value);

  // `krdb print` expressions: a global (C name or Rust path, e.g. rust_crashme::RUST_CRASHME_STATE),
  // then any of `.field`, `->field`, `[i]`, and a leading `*` (dereference: pointers, references,
  // NonNull, Box/KBox, Arc, ARef, atomics holding a pointer). A cast `(TYPE)0xADDR` names a value
  // at an address.
  Expected<ValueRef> evaluate(const std::string& expression);
  // The type's name as printed (qualified for Rust).
  std::string type_name(TypeId type);

  DebugInfo& debug_info() { return info_; }
  Memory& memory() { return memory_; }
  const FormatOptions& options() const { return options_; }
  uint64_t slide() const { return slide_; }

 private:
  friend struct FormatContext;
  DebugInfo& info_;
  Memory& memory_;
  uint64_t slide_;
  FormatOptions options_;
};

}  // namespace krdb
