// `krdb bt --vmlinux V --core C [-a] [-p PID] [--cpu N]`: cross-boundary backtraces of a crashed
// kernel — the panicking CPU by default, every CPU with -a, any task by pid (from its CPU
// registers if it was running, else from its switch frame). On a user-space core (`-s EXE -c
// CORE`): the crashed thread, -a every thread, -p TID one thread.
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/base/number.h"
#include <filesystem>

#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/process/user_backtrace.h"
#include "krdb/report/backtrace_report.h"

namespace krdb::cli {
namespace {

struct BtArgs {
  KernelArgs kernel;
  bool all = false, full_names = false, registers = false, no_cfi = false;
  std::optional<int64_t> pid;
  std::optional<unsigned> cpu;
  std::string pt_regs;  // the interrupted context of an exception frame (hex address)
  ModuleArgs modules;
};

void print(const std::string& title, const KernelBacktrace& bt, const BtArgs& a, nlohmann::json& all) {
  BacktraceStyle style{a.full_names ? DemangleForm::Full : DemangleForm::Short, a.registers};
  if (a.kernel.format == "json") {
    auto j = backtrace_to_json(bt, style);
    j["title"] = title;
    all.push_back(j);
  } else {
    fmt::print("{}\n{}\n", title, format_backtrace(bt, style));
  }
}

// A user-space core: -s is its executable (it replaces the path the core recorded), threads by
// tid (-p), the thread that got the signal by default, every thread with -a.
int run_user(const BtArgs& a, UserCore& core) {
  auto limits = parse_limits("bt", a.kernel);
  if (!limits) return exit_code_for(limits.error());
  UserBacktraceOptions options;
  options.limits = *limits;
  options.files[std::filesystem::path(a.kernel.vmlinux).filename()] = a.kernel.vmlinux;
  if (!core.mappings().empty()) options.files[core.mappings().front().path] = a.kernel.vmlinux;
  UserUnwinder unwinder(core, options);
  nlohmann::json all = nlohmann::json::array();
  int shown = 0;
  for (const CoreThread& t : core.threads()) {
    bool wanted = a.all || (a.pid ? t.tid == *a.pid : (t.signal != 0 || core.threads().size() == 1));
    if (!wanted || (!a.all && !a.pid && shown)) continue;
    ++shown;
    print(fmt::format("thread {} of {} ({}){}", t.tid, core.command(), a.kernel.core,
                      t.signal ? fmt::format(", signal {}", t.signal) : ""),
          unwinder.backtrace(t), a, all);
  }
  for (const Error& w : unwinder.warnings()) fmt::print(stderr, "krdb bt: warning: {}\n", w.describe());
  if (a.kernel.format == "json") fmt::print("{}\n", json_text(all));
  if (!shown) {
    fmt::print(stderr, "krdb bt: no such thread in {} (threads: {})\n", a.kernel.core, core.threads().size());
    return kExitUsage;
  }
  return kExitOk;
}

int run(const BtArgs& a) {
  // A user-space core is opened once here and handed over; anything else is a kernel dump.
  if (auto core = UserCore::open(a.kernel.core); core && (*core)->has_process_notes())
    return run_user(a, **core);
  auto p = open_kernel("bt", a.kernel);
  if (!p) return exit_code_for(p.error());
  KernelProgram& prog = **p;
  BacktraceOptions options = backtrace_options(a.modules);
  options.use_cfi = !a.no_cfi;
  KernelUnwinder unwinder(prog, options);
  nlohmann::json all = nlohmann::json::array();
  auto records = dump_records(*prog.dump());
  KernelCpus cpus = read_cpus(prog, records, false);
  int status = kExitOk;
  auto cpu_bt = [&](unsigned cpu) {
    const KernelCpu* c = cpus.cpu(cpu);
    if (!c) {
      fmt::print(stderr, "krdb bt: no CPU {} (the kernel has {} possible CPUs)\n", cpu, cpus.cpus.size());
      status = kExitUsage;
      return;
    }
    auto regs = cpus.registers(cpu);
    if (!regs) {
      fmt::print(stderr, "krdb bt: {}\n", regs.error().describe());
      if (!a.all) status = kExitFailed;
      return;
    }
    print(fmt::format("CPU {}{} ({} unwinding)", cpu, c->panicking ? " (panicking)" : "", unwinder.method_name()),
          unwinder.from_registers(*regs), a, all);
  };
  if (!a.pt_regs.empty()) {
    auto address = parse_hex_address(a.pt_regs);
    if (!address) { fmt::print(stderr, "krdb bt: --pt-regs: not a hex address: {}\n", a.pt_regs); return kExitUsage; }
    auto regs = unwinder.pt_regs_registers(*address);
    if (!regs) { fmt::print(stderr, "krdb bt: {}\n", regs.error().describe()); return kExitFailed; }
    print(fmt::format("context interrupted at pt_regs {:#x} ({} unwinding)", *address, unwinder.method_name()),
          unwinder.from_registers(*regs), a, all);
  } else if (a.pid) {
    TaskList list = list_tasks(prog);
    const TaskInfo* task = nullptr;
    for (const auto& t : list.tasks)
      if (t.pid == *a.pid && (*a.pid != 0 || t.on_cpu)) task = &t;
    if (!task) {
      fmt::print(stderr, "krdb bt: no task with pid {}\n", *a.pid);
      return kExitUsage;
    }
    auto regs = task_registers(prog, cpus, *task);
    if (!regs) { fmt::print(stderr, "krdb bt: {}\n", regs.error().describe()); return kExitFailed; }
    if (regs->running) {
      print(fmt::format("CPU {}, running pid {} ({}) ({} unwinding)", *regs->cpu, task->pid, task->comm,
                        unwinder.method_name()), unwinder.from_registers(regs->registers), a, all);
    } else {
      auto bt = unwinder.from_task(*task);
      if (!bt) { fmt::print(stderr, "krdb bt: {}\n", bt.error().describe()); return kExitFailed; }
      print(fmt::format("pid {} ({}) from its switch frame ({} unwinding)", task->pid, task->comm,
                        unwinder.method_name()), *bt, a, all);
    }
  } else if (a.all) {
    for (const KernelCpu& c : cpus.cpus) {
      if (!c.registers) { fmt::print(stderr, "krdb bt: CPU {}: no registers: {}\n", c.cpu, c.missing.value_or("?")); continue; }
      cpu_bt(c.cpu);
    }
  } else {
    cpu_bt(a.cpu.value_or(cpus.panicking.value_or(0)));
  }
  if (cpus.numbering == CpuNumbering::NoteOrder || !cpus.warnings.empty())
    for (const Error& w : cpus.warnings) fmt::print(stderr, "krdb bt: warning: {}\n", w.describe());
  for (const Error& w : unwinder.warnings()) fmt::print(stderr, "krdb bt: warning: {}\n", w.describe());
  if (a.kernel.format == "json") fmt::print("{}\n", json_text(all));
  return status;
}

}  // namespace

void add_bt_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<BtArgs>();
  auto* cmd = app.add_subcommand("bt", "Backtrace across C, Rust and exception frames");
  add_kernel_options(cmd, a->kernel);
  cmd->add_flag("-a,--all", a->all, "every CPU");
  cmd->add_option("-p,--pid", a->pid, "a task by pid");
  cmd->add_option("--pt-regs", a->pt_regs, "the interrupted context saved in a struct pt_regs at ADDR");
  cmd->add_option("--cpu", a->cpu, "a CPU (default: the one that panicked)");
  cmd->add_flag("--full-names", a->full_names, "full Rust paths instead of the short form");
  cmd->add_flag("--registers", a->registers, "print the registers known in each frame");
  cmd->add_flag("--no-cfi", a->no_cfi, "do not use .debug_frame: frame pointers only without ORC, and no callee-saved registers beside ORC");
  add_module_options(cmd, a->modules);
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace krdb::cli
