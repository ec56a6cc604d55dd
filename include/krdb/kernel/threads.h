// The kernel's threads as a debugger shows them — built once per dump from the CPU model
// (kernel/cpus.h) and the task list, and served as-is by `krdb serve`, the plugin and the CLI:
// - every task, tid = its pid, registers from its CPU when it was running there, else from its
//   switch frame; name "comm [pid N]" plus " (on CPU n)" / " (panicked)";
// - idle tasks (all pid 0) as tid kIdleTidBase + cpu — never tid 0, which debuggers reject;
// - one thread per exception frame found on a CPU's stack (tid kExceptionTidBase + k), holding
//   the interrupted context of its struct pt_regs, named after the trap ("invalid opcode (#UD:
//   BUG() / ud2) in rust_helper_BUG (pid 46, CPU 1)"), so a debugger's own unwinder, which
//   cannot cross entry code, starts right in the faulting frame.
// Order: the panicking task, other running tasks, exception threads, idle tasks, the rest by pid.
// Contract: never fails as a whole; a task whose registers cannot be read is kept without
// registers and its error goes to `warnings`. Bounded by the task list's own limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/tasks.h"
#include "krdb/target/registers.h"

namespace krdb {

constexpr uint64_t kIdleTidBase = 0x400000;       // above PID_MAX_LIMIT (4M)
constexpr uint64_t kExceptionTidBase = 0x800000;

struct KernelThread {
  uint64_t tid = 0;
  std::string name;
  std::optional<RegisterSet> registers;  // nullopt: unknown (see warnings)
  bool exact_pc = false;                 // CPU state or pt_regs, not a switch frame's return address
  std::optional<TaskInfo> task;
  std::optional<unsigned> cpu;           // running on (or interrupted on) this CPU
  bool panicked = false;                 // the panicking CPU's thread (the stop thread)
  std::optional<std::string> trap;       // exception threads: what interrupted the context
};

struct KernelThreads {
  std::vector<KernelThread> threads;
  std::vector<Error> warnings;
  std::optional<size_t> stop;  // index of the thread a debugger should stop in (the panicking one)

  const KernelThread* find(uint64_t tid) const;
};

KernelThreads build_threads(KernelProgram& program, const KernelCpus& cpus, KernelUnwinder& unwinder);

}  // namespace krdb
