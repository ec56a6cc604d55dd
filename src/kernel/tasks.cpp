#include "krdb/kernel/tasks.h"


#include <fmt/format.h>

#include "krdb/kernel/list.h"

namespace krdb {

namespace {

// include/linux/sched.h: the state bits behind task_state_to_char() ("RSDTtXZPI"). These are
// kernel ABI constants (#defines, absent from DWARF), not layouts.
constexpr uint64_t kTaskReport = 0x7f;
constexpr uint64_t kTaskIdle = 0x402;  // TASK_UNINTERRUPTIBLE | TASK_NOLOAD
constexpr const char* kStateChars = "RSDTtXZPI";

Expected<int64_t> read_signed(KernelProgram& p, uint64_t addr, const char* type, const char* field) {
  auto f = p.field(type, field);
  if (!f) return f.error();
  auto v = p.read_field(addr, type, field);
  if (!v) return v.error();
  int shift = int(64 - 8 * f->size);
  return shift > 0 ? int64_t(*v << shift) >> shift : int64_t(*v);
}

}  // namespace

char task_state_char(uint64_t state, uint64_t exit_state) {
  if (state == kTaskIdle) return 'I';
  uint64_t bits = (state | exit_state) & kTaskReport;
  int index = bits ? 64 - __builtin_clzll(bits) : 0;  // fls()
  return index < 9 ? kStateChars[index] : '?';
}

Expected<TaskInfo> read_task(KernelProgram& p, uint64_t task) {
  TaskInfo t;
  t.address = task;
  auto pid = read_signed(p, task, "task_struct", "pid");
  if (!pid) return pid.error();
  t.pid = *pid;
  t.tgid = read_signed(p, task, "task_struct", "tgid").value_or(t.pid);
  auto comm = p.read_char_array(task, "task_struct", "comm");
  if (!comm) return comm.error();
  t.comm = *comm;
  // An unreadable state is '?', never a made-up 'R' (the field's read error is not a state).
  auto state = p.read_field(task, "task_struct", "__state");
  auto exit_state = p.read_field(task, "task_struct", "exit_state");
  if (state && exit_state) {
    t.state_bits = *state | *exit_state;
    t.state = task_state_char(*state, *exit_state);
  }
  auto cpu = p.read_field(task, "task_struct", "cpu");
  if (!cpu) cpu = p.read_field(task, "task_struct", "thread_info.cpu");
  if (cpu) t.cpu = int64_t(*cpu);
  // Unreadable is unknown, never 0: ps prints '?', JSON null, the unwinder says why it stops.
  if (auto parent = p.read_field(task, "task_struct", "real_parent"); parent && *parent) {
    if (auto ppid = read_signed(p, *parent, "task_struct", "pid")) t.ppid = *ppid;
  } else if (parent) {
    t.ppid = 0;  // no parent recorded (as the kernel has it)
  }
  if (auto stack = p.read_field(task, "task_struct", "stack")) t.stack = *stack;
  if (auto sp = p.read_field(task, "task_struct", "thread.sp")) t.saved_sp = *sp;
  return t;
}

Expected<unsigned> possible_cpus(KernelProgram& p) {
  auto addr = p.symbol_address("nr_cpu_ids");
  if (!addr) return unsigned(1);  // !CONFIG_SMP
  auto n = p.memory().read_u32(*addr);
  if (!n) return n.error();
  if (*n == 0 || *n > 8192)
    return Error(ErrorKind::BadData, fmt::format("nr_cpu_ids = {} is not plausible", *n));
  return *n;
}

Expected<uint64_t> per_cpu_offset(KernelProgram& p, unsigned cpu) {
  auto base = p.symbol_address("__per_cpu_offset");
  if (!base) return base.error();
  return p.memory().read_u64(*base + 8ull * cpu);  // unsigned long __per_cpu_offset[NR_CPUS]
}

namespace {

// This CPU's struct rq: the per-cpu variable `runqueues` at its per-cpu offset.
Expected<uint64_t> runqueue(KernelProgram& p, unsigned cpu) {
  auto rq = p.symbol_address("runqueues");
  if (!rq) return rq.error();
  auto off = per_cpu_offset(p, cpu);
  if (!off) return off.error();
  return *rq + *off;
}

}  // namespace

Expected<uint64_t> cpu_curr(KernelProgram& p, unsigned cpu) {
  auto rq = runqueue(p, cpu);
  if (!rq) return rq.error();
  return p.read_field(*rq, "rq", "curr");
}

Expected<std::optional<unsigned>> panic_cpu(KernelProgram& p) {
  auto addr = p.symbol_address("panic_cpu");
  if (!addr) return addr.error();
  auto v = p.memory().read_u32(*addr);  // atomic_t: int counter
  if (!v) return v.error();
  if (int32_t(*v) >= 0) return std::optional<unsigned>(*v);
  // A crash kexec takes panic_cpu too (kernel/crash_core.c: crash_kexec), so this is a fallback:
  // when panic_cpu was never set, x86's native_machine_crash_shutdown() still recorded
  // crashing_cpu for a capture kernel that was started.
  if (auto crashing = p.symbol_address("crashing_cpu")) {
    auto c = p.memory().read_u32(*crashing);  // int
    if (!c) return c.error();
    if (int32_t(*c) >= 0) return std::optional<unsigned>(*c);
  }
  return std::optional<unsigned>();
}


TaskList list_tasks(KernelProgram& p) {
  TaskList out;
  auto add = [&](uint64_t task) {
    auto t = read_task(p, task);
    if (t) out.tasks.push_back(std::move(*t));
    else out.errors.push_back(t.error().within(fmt::format("task_struct at {:#x}", task)));
  };
  // Idle tasks (pid 0) are not on the task list: one per CPU in rq->idle.
  auto ncpu = possible_cpus(p);
  std::vector<uint64_t> running;
  for (unsigned cpu = 0; ncpu && cpu < *ncpu; ++cpu) {
    auto rq = runqueue(p, cpu);
    if (!rq) break;
    if (auto curr = p.read_field(*rq, "rq", "curr")) running.push_back(*curr);
    if (auto idle = p.read_field(*rq, "rq", "idle")) add(*idle);
  }
  auto init = p.symbol_address("init_task");
  auto tasks = p.field("task_struct", "tasks");
  auto thread_head = p.field("signal_struct", "thread_head");
  auto thread_node = p.field("task_struct", "thread_node");
  if (!init || !tasks) {
    out.truncated = (!init ? init.error() : tasks.error());
    return out;
  }
  auto keep_reason = [&](std::optional<Error> reason) {
    if (reason && !out.truncated) out.truncated = std::move(reason);
  };
  keep_reason(walk_list(
      p, *init + tasks->offset, tasks->offset, "task list (init_task.tasks)", [&](uint64_t leader) {
        auto signal = p.read_field(leader, "task_struct", "signal");
        if (!signal || !thread_head || !thread_node) {
          add(leader);
          return true;
        }
        keep_reason(walk_list(p, *signal + thread_head->offset, thread_node->offset,
                              fmt::format("thread list of task {:#x}", leader), [&](uint64_t t) {
                                add(t);
                                return true;
                              }));
        return true;
      }));
  for (auto& t : out.tasks)
    for (uint64_t r : running) t.on_cpu |= t.address == r;
  return out;
}

}  // namespace krdb
