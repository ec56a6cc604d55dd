// Kernel backtraces across C, Rust and exception frames: the walker that chains unwind steps
// (ORC when the vmlinux has .orc_unwind, else frame pointers), crosses struct pt_regs frames and
// names the trap, and symbolizes every frame with its inlined callers and language.
// Contract:
// - Bounded by Limits::max_frames and a WalkGuard on (sp, pc): a corrupt stack ends the trace
//   with `end` saying why; frames read so far are kept.
// - struct pt_regs and struct inactive_task_frame layouts come from DWARF (KernelProgram).
// - Module frames are named "[module] +offset" unless the module's .ko is given, then they get
//   its DWARF like vmlinux frames.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "krdb/dwarf/debug_info.h"
#include "krdb/kernel/program.h"
#include "krdb/kernel/tasks.h"
#include "krdb/unwind/backtrace.h"
#include "krdb/unwind/frame_step.h"

namespace krdb {

// The kernel's frames are the generic unwound frames (unwind/backtrace.h).
using KernelFrame = Frame;
using KernelBacktrace = Backtrace;

struct BacktraceOptions {
  std::map<std::string, std::string> module_files;  // module name -> .ko path
  // Without ORC, frames are unwound by the vmlinux's .debug_frame where it covers the pc and by
  // frame pointers elsewhere; false keeps to frame pointers (to compare, or distrust the CFI).
  bool use_cfi = true;
};

class KernelUnwinder {
 public:
  explicit KernelUnwinder(KernelProgram& program, BacktraceOptions options = {});
  ~KernelUnwinder();
  // From a CPU's registers at the crash (dump NT_PRSTATUS / QEMU state, or a live thread).
  // `exact`: the pc is where execution was (CPU state), not a return address.
  KernelBacktrace from_registers(const RegisterSet& regs, bool exact = true);
  // From a task: its CPU's registers when it was running there (pass them), else its switch frame.
  Expected<KernelBacktrace> from_task(const TaskInfo& task);
  // The registers a pt_regs holds (to restart from the interrupted context).
  Expected<RegisterSet> pt_regs_registers(uint64_t address);
  const char* method_name() const;  // "ORC" or "frame pointers"

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace krdb
