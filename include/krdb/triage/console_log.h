// The console log: a kernel's serial console / dmesg text (from a CI farm, a bug report, or a
// dump's printk ring rendered by format_dmesg) parsed into the crash reports it holds.
// Contract:
// - Input is untrusted bytes: any size (bounded by Limits::max_log_bytes, the rest is said to
//   be cut), any encoding (invalid UTF-8 stays bytes here; printers replace it), CR/LF line
//   ends, NULs and serial noise. Parsing is linear, never throws, never fails: the worst input
//   gives no reports and a problem saying why.
// - Each line is stripped of what the kernel and the capture put before the text: a syslog
//   level `<4>`, a timestamp `[   12.345678]`, a caller `[ T123]`/`[ C1]`, and a `dmesg -T`
//   date; the stripped text and the original line number are kept.
// - Every report in the log is found, not only the first: Rust panics (`panicked at` + message
//   line), `kernel BUG at`, oopses (NULL dereference, paging request, page fault, general
//   protection fault, invalid opcode), KASAN, KMSAN, KCSAN, KFENCE, UBSAN, `WARNING:`, refcount
//   warnings, lockdep (`possible circular locking dependency`, `possible recursive locking`,
//   `suspicious RCU usage`), hung tasks, RCU stalls, soft and hard lockups, `scheduling while
//   atomic`, `sleeping function called from invalid context`, double faults, stack overflows,
//   and bare `Kernel panic - not syncing`. A Rust panic followed by the BUG/oops it causes is one
//   report (the panic is its cause).
// - A report's frames come from its `Call Trace:` (and the `RIP:` line), with `?` entries kept
//   but marked unreliable, `<IRQ>`/`<TASK>`/`<NMI>`/`<SOFTIRQ>` sections recorded, and lines of
//   other CPUs interleaved with it (a different `[ Cn]`/`[ Tn]` caller) skipped. A report cut
//   before its end (log truncated, machine reset) is marked truncated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "krdb/base/limits.h"
#include "krdb/triage/panic.h"

namespace krdb {

enum class CrashKind {
  RustPanic, KernelBug, NullPointer, PagingRequest, GeneralProtection, InvalidOpcode, Kasan,
  Kmsan, Kcsan, Kfence, Ubsan, Warning, Refcount, Lockdep, SuspiciousRcu, HungTask, RcuStall,
  SoftLockup, HardLockup, SchedulingWhileAtomic, SleepInAtomic, DoubleFault, StackOverflow,
  Panic, Oops,
};
// The stable name of a kind in JSON ("rust-panic", "kasan", …).
const char* to_string(CrashKind kind);

struct LogLine {
  size_t number = 0;      // 1-based line number in the input
  std::string text;       // without level, timestamp, caller prefix and line end
  std::string caller;     // "T123" / "C1" when the log has caller ids
  std::optional<double> time;  // seconds, from the timestamp
};

// One entry of a call trace as the kernel printed it: `func+0x1e/0x40 [module]`.
struct LogFrame {
  std::string symbol;     // as printed: mangled Rust names stay mangled here
  uint64_t offset = 0, size = 0;
  std::string module;     // empty for vmlinux
  std::optional<uint64_t> address;  // `[<ffffffff8123>]` or a bare `0xffffffffc0063000`
  bool unreliable = false;          // printed with "? "
  bool inlined = false;             // a symbolized log's "f file.c:12 [inline]" entry
  std::string source;               // "file.c:12" when the log is already symbolized (syzbot)
  std::string context;    // "TASK", "IRQ", "NMI", "SOFTIRQ", "EOI" section it was in; "" before any
  size_t line = 0;        // its line number in the input
};

struct LogReport {
  CrashKind kind = CrashKind::Oops;
  std::string header;          // the line that opened the report
  size_t first_line = 0, last_line = 0;
  std::string detail;          // KASAN/KFENCE/KCSAN bug type, UBSAN check, hung task name…
  std::string access;          // "Read"/"Write" (KASAN, KFENCE, KCSAN)
  std::string location;        // "file.c:123" for kernel BUG / WARNING / UBSAN, as printed
  std::string header_function; // the function the header names (WARNING at …, KASAN in …)
  std::optional<RustPanicSite> rust_panic;
  std::optional<LogFrame> rip; // the faulting instruction (RIP: 0010:func+0x…, arm64 "pc : ")
  std::vector<LogFrame> rip_inlined;  // functions inlined at the RIP, innermost first (symbolized logs)
  std::vector<LogFrame> frames;  // call trace, innermost first
  std::string taint;           // "Not tainted" / "Tainted: G        W  O"
  std::string release;         // from the CPU: line ("6.12.117 #2")
  std::string comm;
  std::optional<uint64_t> pid, cpu;
  std::vector<std::string> modules;  // "Modules linked in:"
  std::optional<std::string> panic_message;  // "Kernel panic - not syncing: …" that ended it
  bool truncated = false;      // the log ended (or a new boot began) before the report did
};

struct ConsoleLog {
  std::vector<LogLine> lines;
  std::vector<LogReport> reports;  // in log order
  std::vector<std::string> problems;  // input cut at the limit, binary noise, …
};

ConsoleLog parse_console_log(std::string_view text, const Limits& limits = default_limits());

// `func+0x1e/0x40 [module]` (with optional "? " and "[<addr>] "); nullopt when the text is not a
// frame line. Exposed for the dump path and tests.
std::optional<LogFrame> parse_frame_text(std::string_view text);

}  // namespace krdb
