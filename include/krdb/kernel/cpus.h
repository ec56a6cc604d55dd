// The kernel's CPUs as the crash left them, and where each task's registers come from: the one
// thread/CPU model the CLI (`bt`, `panic`, `info`), the plugin and the server share.
// - A CPU's registers are the ones recorded for it (a dump's NT_PRSTATUS note, a live vCPU),
//   assigned to Linux CPU numbers by evidence, never by a note's position alone:
//   1. crash_notes: a kdump kernel's notes are copies of the per-CPU buffers
//      `per_cpu_ptr(crash_notes, cpu)` in the crashed kernel's memory; a note whose rip/rsp equal
//      CPU n's buffer is CPU n's. An empty buffer means that CPU never saved its registers
//      (offline, or it missed the crash NMI): it gets none, and says why.
//   2. QEMU numbering: QEMU writes one note per vCPU with pr_pid = vCPU index + 1 (and the kernel
//      numbers CPUs in vCPU order); used when no crash_notes buffer was filled and the pids are
//      distinct and within 1..nr_cpu_ids.
//   3. Otherwise note order, with a warning saying the numbering is a guess.
// - A task's registers: its CPU's when it was running there (rq->curr), else every register its
//   switch frame saved (struct inactive_task_frame: rip, rsp, rbp, rbx, r12–r15, by DWARF).
// Contract: never fails as a whole: what cannot be read is a warning or a per-CPU `missing`;
// bounded by nr_cpu_ids (at most Limits::max_cpus).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/kernel/program.h"
#include "krdb/kernel/tasks.h"
#include "krdb/target/registers.h"

namespace krdb {

// One register record of a CPU: a dump's NT_PRSTATUS note or a live vCPU (gdbstub thread).
struct RecordedCpu {
  std::optional<uint64_t> pid;  // pr_pid: the running task's pid (kdump) or vCPU index + 1 (QEMU)
  RegisterSet registers;
  std::string origin;           // "NT_PRSTATUS note 2", "gdbstub thread 1"
};

enum class CpuNumbering : uint8_t {
  CrashNotes,  // matched against the crashed kernel's per-CPU crash_notes buffers
  QemuPid,     // QEMU's pr_pid = vCPU index + 1
  Live,        // a live kernel's vCPUs (QEMU gdbstub threads, in CPU order)
  NoteOrder,   // no evidence: the n-th record is taken for CPU n (warned)
};
const char* to_string(CpuNumbering numbering);

struct KernelCpu {
  unsigned cpu = 0;                    // Linux CPU number
  std::optional<bool> online;          // __cpu_online_mask, when readable
  std::optional<RegisterSet> registers;
  std::string origin;                  // which record the registers came from
  std::optional<std::string> missing;  // why there are no registers
  std::optional<uint64_t> current;     // rq->curr (struct task_struct *)
  bool panicking = false;              // the CPU that called panic()
};

struct KernelCpus {
  std::vector<KernelCpu> cpus;         // every possible CPU (nr_cpu_ids), in order
  std::optional<unsigned> panicking;
  CpuNumbering numbering = CpuNumbering::NoteOrder;
  std::vector<Error> warnings;

  const KernelCpu* cpu(unsigned n) const { return n < cpus.size() ? &cpus[n] : nullptr; }
  // The registers CPU n had, or an error saying why there are none.
  Expected<RegisterSet> registers(unsigned n) const;
};

// `records` are the register records in the order the dump or the debugger gave them.
KernelCpus read_cpus(KernelProgram& program, std::span<const RecordedCpu> records, bool live);
// The records of a dump's NT_PRSTATUS notes.
std::vector<RecordedCpu> dump_records(const Dump& dump);

// Where a task's unwinding starts.
struct TaskRegisters {
  RegisterSet registers;
  bool running = false;        // its CPU's registers (exact pc), not its switch frame
  std::optional<unsigned> cpu; // the CPU it ran on, when running
};
Expected<TaskRegisters> task_registers(KernelProgram& program, const KernelCpus& cpus,
                                       const TaskInfo& task);
// Every register struct inactive_task_frame saved at `saved_sp` (task_struct.thread.sp), and
// rsp as it was after __switch_to_asm returned to __schedule.
Expected<RegisterSet> switch_frame_registers(KernelProgram& program, uint64_t saved_sp);

}  // namespace krdb
