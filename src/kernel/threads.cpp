#include "krdb/kernel/threads.h"

#include <algorithm>

#include <fmt/format.h>

namespace krdb {

namespace {

std::string task_name(const TaskInfo& t, const KernelThread& th) {
  std::string name = fmt::format("{} [pid {}]", t.comm, t.pid);
  if (th.panicked) name += fmt::format(" (panicked on CPU {})", *th.cpu);
  else if (th.cpu) name += fmt::format(" (on CPU {})", *th.cpu);
  return name;
}

// Sort key: panicking, running, exception, idle, the rest by pid.
int rank(const KernelThread& t) {
  if (t.panicked && !t.trap) return 0;
  if (t.trap) return 2;
  if (t.tid >= kIdleTidBase) return 3;
  if (t.cpu) return 1;
  return 4;
}

// One thread per exception frame on this CPU's stack: the context its pt_regs saved.
void add_exception_threads(KernelUnwinder& unwinder, const KernelThread& on_cpu, KernelThreads& out,
                           uint64_t& next_tid) {
  Backtrace bt = unwinder.from_registers(*on_cpu.registers, true);
  for (size_t i = 1; i < bt.frames.size(); ++i) {
    const Frame& f = bt.frames[i];
    if (!f.pt_regs) continue;
    auto regs = unwinder.pt_regs_registers(*f.pt_regs);
    if (!regs) { out.warnings.push_back(regs.error().within("exception frame")); continue; }
    KernelThread t;
    t.tid = next_tid++;
    t.registers = *regs;
    t.exact_pc = true;
    t.task = on_cpu.task;
    t.cpu = on_cpu.cpu;
    t.panicked = on_cpu.panicked;
    t.trap = bt.frames[i - 1].trap;
    std::string where = f.where.frames.empty() ? f.where.function_name() : f.where.frames.back().display_name();
    t.name = fmt::format("{} in {} (pid {}, CPU {})", *t.trap, where, on_cpu.task ? on_cpu.task->pid : -1,
                         on_cpu.cpu.value_or(0));
    out.threads.push_back(std::move(t));
  }
}

}  // namespace

const KernelThread* KernelThreads::find(uint64_t tid) const {
  for (const auto& t : threads)
    if (t.tid == tid) return &t;
  return nullptr;
}

KernelThreads build_threads(KernelProgram& program, const KernelCpus& cpus, KernelUnwinder& unwinder) {
  KernelThreads out;
  TaskList list = list_tasks(program);
  if (list.truncated) out.warnings.push_back(list.truncated->within("task list (threads shown so far)"));
  for (const Error& e : list.errors) out.warnings.push_back(e);
  // A task running on a CPU is a thread even when a broken or filtered task list misses it.
  for (const KernelCpu& c : cpus.cpus) {
    if (!c.current) continue;
    bool listed = std::any_of(list.tasks.begin(), list.tasks.end(), [&](const TaskInfo& t) { return t.address == *c.current; });
    if (listed) continue;
    if (auto task = read_task(program, *c.current)) list.tasks.push_back(*task);
    else out.warnings.push_back(task.error().within(fmt::format("task running on CPU {}", c.cpu)));
  }
  for (const TaskInfo& task : list.tasks) {
    KernelThread t;
    t.task = task;
    t.tid = uint64_t(task.pid);
    for (const KernelCpu& c : cpus.cpus)
      if (c.current && *c.current == task.address) {
        t.cpu = c.cpu;
        t.panicked = c.panicking;
      }
    if (task.pid == 0) {
      // Idle tasks are listed whether or not they run: one per CPU, numbered after it.
      if (!task.cpu) continue;
      t.tid = kIdleTidBase + uint64_t(*task.cpu);
      if (out.find(t.tid)) continue;
    }
    if (auto regs = task_registers(program, cpus, task)) {
      t.registers = regs->registers;
      t.exact_pc = regs->running;
    } else {
      out.warnings.push_back(regs.error());
    }
    t.name = task_name(task, t);
    out.threads.push_back(std::move(t));
  }
  uint64_t next_exception = kExceptionTidBase;
  size_t tasks = out.threads.size();
  for (size_t i = 0; i < tasks; ++i)
    if (out.threads[i].cpu && out.threads[i].registers && out.threads[i].exact_pc)
      add_exception_threads(unwinder, KernelThread(out.threads[i]), out, next_exception);
  std::stable_sort(out.threads.begin(), out.threads.end(), [](const KernelThread& a, const KernelThread& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return rank(a) == 4 ? a.tid < b.tid : false;
  });
  for (size_t i = 0; i < out.threads.size(); ++i)
    if (out.threads[i].panicked && !out.threads[i].trap && out.threads[i].registers) { out.stop = i; break; }
  if (!out.stop)
    for (size_t i = 0; i < out.threads.size(); ++i)
      if (out.threads[i].registers && out.threads[i].exact_pc) { out.stop = i; break; }
  return out;
}

}  // namespace krdb
