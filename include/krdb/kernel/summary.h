// The kernel at a glance — what `krdb info` prints for a dump and for a live kernel alike:
// release (from the kernel's own init_uts_ns, so it works without VMCOREINFO), KASLR offset,
// each possible CPU with the task it runs and its pc when known, the panicking CPU, the number
// of modules and of log records.
// Contract: never fails as a whole; each part that cannot be read is left empty and its error
// is kept in `errors` (naming the structure), so a damaged dump still yields the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "krdb/kernel/cpus.h"
#include "krdb/kernel/program.h"
#include "krdb/kernel/tasks.h"
#include "krdb/target/registers.h"

namespace krdb {

struct CpuSummary {
  unsigned index = 0;
  std::optional<bool> online;
  std::optional<uint64_t> pc;     // from the dump's NT_PRSTATUS or the live thread
  std::optional<std::string> missing;  // why the CPU has no registers
  std::optional<TaskInfo> task;   // rq->curr
  bool panicking = false;
};

struct KernelSummary {
  std::optional<std::string> release;  // init_uts_ns.name.release
  uint64_t kaslr_offset = 0;
  std::string cpu_numbering;     // how register records were assigned to CPUs (cpus.h)
  std::vector<CpuSummary> cpus;
  std::optional<size_t> modules;
  std::optional<size_t> log_records;
  std::vector<Error> errors;
};

KernelSummary summarize_kernel(KernelProgram& program, const KernelCpus& cpus);
// The running kernel's release ("6.12.117") from its own init_uts_ns.
Expected<std::string> read_kernel_release(KernelProgram& program);

}  // namespace krdb
