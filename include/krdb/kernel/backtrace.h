// Kernel backtraces across C, Rust and exception frames: the kernel's StackSource for the one
// walker (unwind/walker.h). Each step is by ORC where the pc's code has a table — the vmlinux's
// .orc_unwind, or a module's own table read from struct module in memory (from its .ko when
// memory lacks it) — else by the vmlinux's .debug_frame (DWARF CFI), else by frame pointers;
// struct pt_regs frames are crossed and the trap named. Every frame is symbolized with its
// inlined callers and language.
// Contract:
// - Bounded by Limits::max_frames and a WalkGuard on (sp, pc): a corrupt stack ends the trace
//   with `end` saying why; frames read so far are kept.
// - struct pt_regs and struct inactive_task_frame layouts come from DWARF (KernelProgram).
// - Module frames: the module's DWARF when its file is given or found (module_files.h, build-id
//   checked), else its kallsyms in memory (`name+off [module]`), else `[module] MOD_TEXT+off`.
//   A pc in no loaded module and not in vmlinux is named `[unknown module]`, never guessed.
// - An ORC kernel whose module table cannot be read says so in warnings() and those frames are
//   found by the kernel's own frame-pointer guess (method "guess"), never silently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/load_map.h"
#include "krdb/kernel/program.h"
#include "krdb/kernel/tasks.h"
#include "krdb/unwind/backtrace.h"
#include "krdb/unwind/frame_step.h"

namespace krdb {

// The kernel's frames are the generic unwound frames (unwind/backtrace.h).
using KernelFrame = Frame;
using KernelBacktrace = Backtrace;

struct BacktraceOptions {
  std::map<std::string, std::string> module_files;  // module name -> .ko path (--module)
  std::vector<std::string> module_dirs;             // searched for modules (--modules DIR)
  bool system_module_dirs = true;                   // also /lib/modules/<release>, /usr/lib/debug/…
  // Without ORC, frames are unwound by the vmlinux's .debug_frame where it covers the pc and by
  // frame pointers elsewhere; with ORC, ORC steps and the .debug_frame restores the callee-saved
  // registers (rbx, r12–r15) of outer frames when both agree on the caller, for their variables.
  // false keeps to frame pointers / ORC alone (to compare, or distrust the CFI).
  bool use_cfi = true;
};

// The module-file search (kernel/module_files.h) these options ask for, for this kernel (its
// release from the dump's VMCOREINFO, else from init_uts_ns).
struct ModuleFileOptions;
ModuleFileOptions module_file_options(const BacktraceOptions& options, KernelProgram& program);

class KernelUnwinder {
 public:
  explicit KernelUnwinder(KernelProgram& program, BacktraceOptions options = {});
  ~KernelUnwinder();
  // From a CPU's registers at the crash (dump NT_PRSTATUS / QEMU state, or a live thread).
  // `exact`: the pc is where execution was (CPU state), not a return address.
  KernelBacktrace from_registers(const RegisterSet& regs, bool exact = true);
  // From a sleeping task's switch frame (every register __switch_to_asm saved).
  Expected<KernelBacktrace> from_task(const TaskInfo& task);
  // Module files used and problems met so far (stale files, unreadable module tables), each once.
  std::vector<Error> warnings() const;
  // The debug info that describes a runtime pc — the vmlinux's, or a module's .ko found as the
  // backtrace finds it — and the pc as that file's DWARF addresses it; nullopt when none does.
  struct DebugPlace {
    DebugInfo* info = nullptr;
    uint64_t file_address = 0;
    LoadMap load;  // that file's addresses at run time (the KASLR slide; a module's sections)
  };
  std::optional<DebugPlace> debug_place(uint64_t pc);
  // The loaded modules and their debug info as backtraces find it (info null: none found), each
  // with its load map: where a global the vmlinux lacks is looked for. Bounded by the module
  // list's limits.
  struct ModuleDebug {
    std::string name;
    DebugInfo* info = nullptr;
    LoadMap load;
  };
  std::vector<ModuleDebug> module_debug_files();
  // The registers a pt_regs holds (to restart from the interrupted context).
  Expected<RegisterSet> pt_regs_registers(uint64_t address);
  const char* method_name() const;  // "ORC" or "frame pointers"

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace krdb
