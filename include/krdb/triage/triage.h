// Triage: from a crash report of a console log (or of a dump's kernel log) to what a CI job
// needs — the kind, a one-line title in syzbot's conventions, the guilty frame, the stack
// (symbolized and Rust-aware when debug info is given), and a stable signature.
// Contract:
// - The guilty frame is the first reliable frame (the RIP, then the call trace; `?` entries
//   never) that is not reporting machinery: panic/BUG/WARN/oops paths, the sanitizers' report
//   functions, lock and scheduler internals for lock and hang reports, and Rust's panic path
//   (`rust_begin_unwind`, `core::panicking::*`, `panic_fmt`, `panic_const_*`, `unwrap_failed`,
//   `expect_failed`, `rust_helper_BUG`). WARNING and sanitizer reports start from the function
//   their header names.
// - Titles follow syzbot's forms ("KASAN: use-after-free Read in f", "WARNING in f", "kernel BUG
//   in f", "BUG: unable to handle kernel NULL pointer dereference in f", "general protection
//   fault in f", "INFO: task hung in f"…); a Rust panic's title is its message's first line in
//   the guilty Rust frame: "attempt to add with overflow in <my_driver::Queue>::push".
// - The signature is computed from the kind and up to three normalized frames from the guilty
//   one (demangled, no addresses, offsets, paths, crate hashes, generic arguments or compiler
//   clone suffixes): the same for the same bug across boots, KASLR, log vs dump, `.ko` vs
//   built-in, and rebuilds. `signature.hash` is 16 hex digits of FNV-1a 64 over `signature.text`.
// - Symbolization (optional) resolves `func+off` through the ELF symbol of the vmlinux or of the
//   module's `.ko` (so KASLR does not matter), then DWARF at address-1 for return addresses, as
//   decode_stacktrace.sh should; a frame that cannot be resolved keeps its printed name and says
//   why in `problems`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "krdb/dwarf/debug_info.h"
#include "krdb/format/frame_variables.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/program.h"
#include "krdb/triage/console_log.h"

namespace krdb {

struct TriageSource {  // one source location of a frame (inlined ones first)
  std::string function, file;
  uint32_t line = 0, column = 0;
  bool inlined = false;
  Language language = Language::Unknown;
};

struct TriageFrame {
  std::string symbol;       // as printed in the log
  std::string function;     // display name: demangled short form, clone suffix kept
  std::string normalized;   // the signature's form
  std::string module;       // "" for vmlinux
  uint64_t offset = 0, size = 0;
  bool unreliable = false, is_rip = false;
  std::string context;      // TASK / IRQ / …
  Language language = Language::Unknown;
  std::vector<TriageSource> source;  // innermost first; empty when not symbolized
};

struct CrashSignature {
  std::string text;  // "rust-panic: <rust_crashme_ko::KoState>::record < rust_crashme_ko::ko_cmp < sort_r"
  std::string hash;  // 16 lower-case hex digits
};

struct TriageReport {
  CrashKind kind = CrashKind::Oops;
  std::string title, header;
  std::string detail, access, location;
  std::optional<RustPanicSite> rust_panic;
  std::optional<std::string> panic_message;
  std::vector<TriageFrame> frames;  // the RIP frame first when known, then the call trace
  std::optional<size_t> guilty;     // index into frames
  std::string taint, release, comm;
  std::optional<uint64_t> pid, cpu;
  std::vector<std::string> modules;
  std::vector<std::string> excerpt;  // log lines of the report and a few before it
  size_t first_line = 0, last_line = 0;
  bool truncated = false;
  CrashSignature signature;
  // From a dump only: the locals and parameters of the Rust frame the crash is about
  // (triage/panic.h find_rust_frame), on the panicking CPU's stack.
  struct Variables {
    std::string function;
    size_t frame = 0;  // as `krdb bt` numbers it
    std::vector<FrameVariableValue> values;
  };
  std::optional<Variables> rust_variables;
  std::vector<std::string> problems;
};

// Finds debug info for frames: the vmlinux (may be null) and a module's file by name (may return
// null). Both stay owned by the caller.
struct TriageSymbols {
  DebugInfo* vmlinux = nullptr;
  std::function<DebugInfo*(const std::string& module)> module;
};

// One input's triage: a console log file or a dump's kernel log.
struct TriageResult {
  std::string source = "log";  // "log" | "dump"
  std::string path;
  std::vector<TriageReport> reports;  // in log order: the first is the primary crash
  std::vector<std::string> problems;  // about the input as a whole
  std::optional<Error> error;         // the input could not be read at all
  bool crashed() const { return !reports.empty(); }
};

TriageReport triage_report(const LogReport& report, const ConsoleLog& log,
                           const TriageSymbols* symbols = nullptr);
// A console log's text (`path` only names it).
TriageResult triage_text(std::string_view text, std::string path, const TriageSymbols* symbols,
                         const Limits& limits = default_limits());
// A dump: its printk ring rendered as the console printed it, then triaged like a log, so a
// dump and the console log of the same crash give the same title and signature.
TriageResult triage_dump(KernelProgram& program, std::string path, const TriageSymbols* symbols);
// triage_dump with the kernel's own debug info: its vmlinux, and each loaded module's file found
// and build-id-checked as the backtrace finds them (`modules`); file warnings go to problems.
// Used by `krdb triage --core` and by `krdb triage` in LLDB (live or `krdb core open`).
// With `cpus`, the panicking CPU's stack gives the last report its Rust frame's variables.
TriageResult triage_kernel(KernelProgram& program, std::string path, const BacktraceOptions& modules,
                           const KernelCpus* cpus = nullptr);
std::vector<TriageReport> triage_log(const ConsoleLog& log, const TriageSymbols* symbols = nullptr);

// The signature form of a function name: demangled, generic arguments and clone suffixes removed.
std::string normalize_function(std::string_view symbol);

}  // namespace krdb
