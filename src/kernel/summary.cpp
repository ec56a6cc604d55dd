#include "krdb/kernel/summary.h"

#include <algorithm>

#include "krdb/kernel/modules.h"
#include "krdb/kernel/printk.h"

namespace krdb {

Expected<std::string> read_kernel_release(KernelProgram& program) {
  auto uts = program.symbol_address("init_uts_ns");
  if (!uts) return uts.error();
  return program.read_char_array(*uts, "uts_namespace", "name.release");
}

KernelSummary summarize_kernel(KernelProgram& program, const KernelCpus& cpus) {
  KernelSummary s;
  s.kaslr_offset = program.kaslr_offset();
  if (auto release = read_kernel_release(program)) s.release = *release;
  else s.errors.push_back(release.error());
  s.cpu_numbering = to_string(cpus.numbering);
  for (const KernelCpu& cpu : cpus.cpus) {
    CpuSummary c;
    c.index = cpu.cpu;
    c.online = cpu.online;
    if (cpu.registers && cpu.registers->has(Reg::rip)) c.pc = cpu.registers->pc();
    c.missing = cpu.missing;
    if (cpu.current) {
      if (auto t = read_task(program, *cpu.current)) c.task = *t;
      else s.errors.push_back(t.error());
    }
    c.panicking = cpu.panicking;
    s.cpus.push_back(std::move(c));
  }
  for (const Error& w : cpus.warnings) s.errors.push_back(w);
  ModuleList modules = list_modules(program);
  s.modules = modules.modules.size();
  if (modules.truncated) s.errors.push_back(*modules.truncated);
  if (auto log = read_printk(program)) s.log_records = log->records.size();
  else s.errors.push_back(log.error());
  return s;
}

}  // namespace krdb
