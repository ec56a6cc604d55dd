#include "krdb/kernel/summary.h"

#include <algorithm>

#include "krdb/kernel/modules.h"
#include "krdb/kernel/printk.h"

namespace krdb {

namespace {

std::optional<std::string> kernel_release(KernelProgram& program, std::vector<Error>& errors) {
  auto uts = program.symbol_address("init_uts_ns");
  if (!uts) { errors.push_back(uts.error()); return std::nullopt; }
  auto release = program.read_char_array(*uts, "uts_namespace", "name.release");
  if (!release) { errors.push_back(release.error()); return std::nullopt; }
  return *release;
}

}  // namespace

KernelSummary summarize_kernel(KernelProgram& program, std::span<const RegisterSet> cpu_registers) {
  KernelSummary s;
  s.kaslr_offset = program.kaslr_offset();
  s.release = kernel_release(program, s.errors);
  std::optional<unsigned> panicking;
  if (auto p = panic_cpu(program)) panicking = *p;
  else s.errors.push_back(p.error());
  unsigned ncpus = 0;
  if (auto n = possible_cpus(program)) ncpus = *n;
  else s.errors.push_back(n.error());
  ncpus = std::max<unsigned>(ncpus, unsigned(cpu_registers.size()));
  for (unsigned cpu = 0; cpu < ncpus; ++cpu) {
    CpuSummary c;
    c.index = cpu;
    if (cpu < cpu_registers.size() && cpu_registers[cpu].has(Reg::rip)) c.pc = cpu_registers[cpu].pc();
    if (auto curr = cpu_curr(program, cpu)) {
      if (auto t = read_task(program, *curr)) c.task = *t;
      else s.errors.push_back(t.error());
    } else {
      s.errors.push_back(curr.error());
    }
    c.panicking = panicking && *panicking == cpu;
    s.cpus.push_back(std::move(c));
  }
  ModuleList modules = list_modules(program);
  s.modules = modules.modules.size();
  if (modules.truncated) s.errors.push_back(*modules.truncated);
  if (auto log = read_printk(program)) s.log_records = log->records.size();
  else s.errors.push_back(log.error());
  return s;
}

}  // namespace krdb
