// Printing backtraces (kernel and user space) for the CLI and the plugin: one line per function frame (inlined
// ones included, marked), its language, file:line:col, and marker lines where the language
// changes (C → Rust, Rust → C) and where an exception frame (pt_regs) is crossed. JSON too.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "krdb/demangle/demangle.h"
#include "krdb/unwind/backtrace.h"

namespace krdb {

struct BacktraceStyle {
  DemangleForm form = DemangleForm::Short;
  bool registers = false;  // print each physical frame's known registers
};

std::string format_backtrace(const Backtrace& bt, const BacktraceStyle& style);
nlohmann::json backtrace_to_json(const Backtrace& bt, const BacktraceStyle& style);

}  // namespace krdb
