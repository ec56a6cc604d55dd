// Tasks of a kernel: the task list (every thread of every process, as `ps` shows them), the
// task running on each CPU, the panicking CPU, and a task's saved switch frame (the stack
// pointer its unwinding starts from when it is not running).
// Contract: walks are bounded by Limits::max_list_steps with cycle detection (WalkGuard); a
// corrupt list ends the walk with `truncated` set and the tasks read so far kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/kernel/program.h"

namespace krdb {

struct TaskInfo {
  uint64_t address = 0;  // struct task_struct *
  int64_t pid = 0, tgid = 0;
  std::optional<int64_t> ppid;  // real_parent's pid; unknown when either is unreadable
  std::string comm;
  char state = '?';      // as the kernel's task_state_to_char: R S D T t X Z P I; '?' if unreadable
  uint64_t state_bits = 0;
  std::optional<int64_t> cpu;  // the CPU it last ran on (thread_info.cpu or task_struct.cpu)
  bool on_cpu = false;         // running on its CPU at the crash (rq->curr)
  std::optional<uint64_t> stack;     // task_struct.stack: base of its kernel stack (unknown: unreadable)
  std::optional<uint64_t> saved_sp;  // thread.sp: where __switch_to_asm left its frame (same)
};

struct TaskList {
  std::vector<TaskInfo> tasks;  // idle tasks (pid 0, one per CPU) first, then the task list
  std::optional<Error> truncated;
  std::vector<Error> errors;    // tasks that could not be read (address in context)
};

Expected<TaskInfo> read_task(KernelProgram& program, uint64_t task);
// The kernel's task_state_to_char() of task_struct.__state and .exit_state: the one decoding
// `ps`, `info` and the formatters' Task share.
char task_state_char(uint64_t state, uint64_t exit_state);
TaskList list_tasks(KernelProgram& program);
Expected<uint64_t> per_cpu_offset(KernelProgram& program, unsigned cpu);
Expected<unsigned> possible_cpus(KernelProgram& program);  // nr_cpu_ids
// rq->curr of each CPU (runqueues is per-cpu); idle CPUs run their idle task.
Expected<uint64_t> cpu_curr(KernelProgram& program, unsigned cpu);
// The CPU that called panic() or crash_kexec() (panic_cpu; with a kdump kernel loaded an oops
// goes to crash_kexec() before panic(), which takes panic_cpu as well), else x86's crashing_cpu
// when a capture kernel was started without it; nullopt if neither happened.
Expected<std::optional<unsigned>> panic_cpu(KernelProgram& program);

}  // namespace krdb
