// The panic: what happened, in one structure — the panic() message, the Rust panic location and
// message (`rust_kernel: panicked at FILE:LINE:COL:`), the oops/BUG lines, taint, the panicking
// CPU and its task, and the cross-boundary backtrace with the faulting frame singled out.
// Contract: every part is optional and filled from what could be read; `problems` lists the
// parts that could not (with the reason), so a damaged dump still yields a partial answer.
#pragma once

#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "krdb/format/frame_variables.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/printk.h"
#include "krdb/kernel/tasks.h"

namespace krdb {

struct RustPanicSite {
  std::string file;
  uint32_t line = 0, column = 0;
  std::string message;  // the text after "panicked at …:" (may span lines)
};

struct PanicReport {
  std::optional<std::string> panic_message;  // "Kernel panic - not syncing: …" (after the colon)
  std::optional<RustPanicSite> rust_panic;
  std::vector<std::string> oops_lines;       // "kernel BUG at …", "Oops: invalid opcode: …", …
  std::optional<std::string> taint;          // "Not tainted" or "Tainted: G …"
  std::optional<unsigned> cpu;
  std::optional<TaskInfo> task;
  std::optional<KernelBacktrace> backtrace;
  std::optional<size_t> faulting_frame;      // index into backtrace->frames: first frame behind the exception
  std::optional<FrameNumber> rust_frame;     // the Rust frame that panicked (or first Rust frame under the fault)
  std::vector<FrameVariableValue> rust_variables;  // its locals and parameters (format/frame_variables.h)
  std::string title;                         // syzbot-style title, as `krdb triage` gives it
  std::string signature;                     // `krdb triage`'s signature: "HASH kind: f < g < h"
  std::vector<std::string> problems;
};

// The Rust panic site in one log record ("… panicked at FILE:LINE:COL: message"); nullopt when
// the record holds none. Linear in the record, never throws.
std::optional<RustPanicSite> parse_rust_panic_line(std::string_view text);

// The first frame behind an exception (pt_regs) frame: where the fault or trap happened.
std::optional<size_t> faulting_frame(const Backtrace& backtrace);

// The Rust frame a crash is about: the one at the Rust panic site (`site`), else the first Rust
// frame at or under the faulting frame that is not the Rust library's (core::, alloc::).
std::optional<FrameNumber> find_rust_frame(const Backtrace& backtrace, std::optional<size_t> faulting,
                                           const RustPanicSite* site);

PanicReport analyze_panic(KernelProgram& program, const KernelCpus& cpus, KernelUnwinder& unwinder);

}  // namespace krdb
