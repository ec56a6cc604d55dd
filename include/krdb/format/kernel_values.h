// `krdb print EXPR` on a kernel (CLI and LLDB): globals of the vmlinux and of its loaded modules.
// Contract:
// - EXPR's leading name (or the type of a cast) is looked up in the vmlinux, then in each loaded
//   module whose debug info is found (the module named like a Rust path's crate first:
//   `rust_values::VALUES` in module rust_values), and the value is typed by that file and placed
//   at run time by its load map (the KASLR slide; a module's sections where the loader put them).
// - A name no file defines is NotFound, saying which files were searched and which modules had
//   no debug info (with the option that gives it).
// - Bounded and exception-free as ValueFormatter (format/value.h).
#pragma once

#include <cstdint>
#include <string>

#include "krdb/base/error.h"
#include "krdb/format/value.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/program.h"

namespace krdb {

struct KernelValue {
  std::string text;     // formatted on one line
  std::string type;     // ValueFormatter::type_name
  uint64_t address = 0; // runtime
  std::string module;   // the module whose DWARF typed it; empty: the vmlinux
};

Expected<KernelValue> kernel_global_value(KernelProgram& program, KernelUnwinder& unwinder,
                                          const std::string& expression,
                                          FormatOptions options = format_options(default_limits()));

}  // namespace krdb
