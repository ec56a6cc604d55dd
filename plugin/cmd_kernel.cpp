// `krdb info|dmesg|ps|modules|bt` in LLDB on a live kernel (QEMU's gdbstub: `gdb-remote 1234`): the
// same kernel model as on dumps, reading memory through LLDB and the vmlinux's DWARF.
#include <functional>

#include <fmt/format.h>

#include "debug_info_cache.h"
#include "krdb/report/json_text.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"
#include "krdb/kernel/summary.h"
#include "krdb/kernel/printk.h"
#include "krdb/report/backtrace_report.h"
#include "krdb/report/kernel_report.h"
#include "krdb/report/triage_report.h"
#include "krdb/triage/triage.h"
#include "krdb/base/number.h"
#include "krdb/format/frame_variables.h"
#include "krdb/format/kernel_values.h"
#include "krdb/format/value.h"
#include "krdb/report/variables_report.h"
#include "lldb_memory.h"
#include "plugin.h"

namespace krdb::plugin {

namespace {

constexpr const char* kTriageUsage =
    "krdb triage [--json|--markdown] [--no-stack] [--modules DIR] [--module [NAME=]PATH] [--no-system-modules]";

// Runs `body` with a KernelProgram over the selected target's live process.
bool with_kernel(lldb::SBDebugger& debugger, lldb::SBCommandReturnObject& result,
                 const std::function<bool(KernelProgram&)>& body) {
  lldb::SBTarget target = debugger.GetSelectedTarget();
  lldb::SBProcess process = target.GetProcess();
  if (!target.IsValid() || !process.IsValid()) {
    result.SetError("no process: `target create vmlinux` then `gdb-remote HOST:PORT` (QEMU -s)");
    return false;
  }
  auto info = debug_info_for(module_path(target.GetModuleAtIndex(0)));
  if (!info) { result.SetError(info.error().describe().c_str()); return false; }
  LldbMemory memory(target);
  KernelProgram program(**info, memory, vmlinux_slide(target, **info), default_limits());
  return body(program);
}

bool do_dmesg(lldb::SBDebugger& debugger, const std::vector<std::string>&,
              lldb::SBCommandReturnObject& result) {
  return with_kernel(debugger, result, [&](KernelProgram& program) {
    auto log = read_printk(program);
    if (!log) { result.SetError(log.error().describe().c_str()); return false; }
    result.Printf("%s", format_dmesg(*log).c_str());
    if (log->truncated) result.AppendWarning(log->truncated->describe().c_str());
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  });
}

// A command whose only option is --json: `text` or `json` of what `read` computes.
template <typename T>
bool text_or_json(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
                  lldb::SBCommandReturnObject& result, const char* usage,
                  const std::function<T(KernelProgram&)>& read,
                  std::string (*text)(const T&), nlohmann::json (*json)(const T&)) {
  bool as_json = !args.empty() && args[0] == "--json";
  if (args.size() > (as_json ? 1u : 0u)) { result.SetError(usage); return false; }
  return with_kernel(debugger, result, [&](KernelProgram& program) {
    T value = read(program);
    result.Printf("%s", as_json ? (json_text(json(value)) + "\n").c_str() : text(value).c_str());
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  });
}

bool do_modules(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
                lldb::SBCommandReturnObject& result) {
  return text_or_json<ModuleList>(debugger, args, result, "usage: krdb modules [--json]", list_modules,
                                  format_modules, modules_to_json);
}

bool do_ps(lldb::SBDebugger& debugger, const std::vector<std::string>&,
           lldb::SBCommandReturnObject& result) {
  return with_kernel(debugger, result, [&](KernelProgram& program) {
    result.Printf("%s", format_tasks(list_tasks(program)).c_str());
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  });
}

RegisterSet thread_registers(lldb::SBThread thread) { return frame_registers(thread.GetFrameAtIndex(0)); }

// QEMU's gdbstub presents one thread per vCPU, in CPU order: thread i is CPU i.
std::vector<RecordedCpu> cpu_records(lldb::SBProcess process) {
  std::vector<RecordedCpu> records;
  for (uint32_t i = 0; i < process.GetNumThreads(); ++i) {
    lldb::SBThread t = process.GetThreadAtIndex(i);
    records.push_back({std::nullopt, thread_registers(t), "gdbstub thread " + std::to_string(t.GetIndexID())});
  }
  return records;
}

bool do_info(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
             lldb::SBCommandReturnObject& result) {
  auto summarize = [&](KernelProgram& program) {
    auto records = cpu_records(debugger.GetSelectedTarget().GetProcess());
    return summarize_kernel(program, read_cpus(program, records, true));
  };
  return text_or_json<KernelSummary>(debugger, args, result, "usage: krdb info [--json]", summarize,
                                     format_summary, summary_to_json);
}

bool do_bt(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
           lldb::SBCommandReturnObject& result) {
  constexpr const char* kUsage = "krdb bt [--full-names] [--registers] [--modules DIR] [--module [NAME=]PATH] [--no-system-modules]";
  BacktraceStyle style;
  BacktraceOptions options = target_module_options(debugger.GetSelectedTarget());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (auto taken = take_module_option(args, i, options, result)) {
      if (!*taken) return false;
    } else if (a == "--full-names") style.form = DemangleForm::Full;
    else if (a == "--registers") style.registers = true;
    else {
      result.SetError(("unknown option: " + a + " (" + kUsage + ")").c_str());
      return false;
    }
  }
  return with_kernel(debugger, result, [&](KernelProgram& program) {
    lldb::SBThread thread = debugger.GetSelectedTarget().GetProcess().GetSelectedThread();
    RegisterSet regs = thread_registers(thread);
    if (!regs.has(Reg::rip) || !regs.has(Reg::rsp)) {
      result.SetError("the selected thread has no rip/rsp: is the process stopped?");
      return false;
    }
    KernelUnwinder unwinder(program, options);
    KernelBacktrace bt = unwinder.from_registers(regs);
    result.Printf("thread #%u (%s unwinding)\n%s", thread.GetIndexID(), unwinder.method_name(),
                  format_backtrace(bt, style).c_str());
    for (const Error& w : unwinder.warnings()) result.AppendWarning(w.describe().c_str());
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  });
}

bool do_triage(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
               lldb::SBCommandReturnObject& result) {
  const char* kUsage = kTriageUsage;
  BacktraceOptions options = target_module_options(debugger.GetSelectedTarget());
  std::string format = "text";
  bool stacks = true;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (auto taken = take_module_option(args, i, options, result)) {
      if (!*taken) return false;
    } else if (a == "--json") format = "json";
    else if (a == "--markdown") format = "markdown";
    else if (a == "--no-stack") stacks = false;
    else {
      result.SetError(("unknown option: " + a + " (" + kUsage + ")").c_str());
      return false;
    }
  }
  return with_kernel(debugger, result, [&](KernelProgram& program) {
    KernelCpus cpus = read_cpus(program, cpu_records(debugger.GetSelectedTarget().GetProcess()), true);
    TriageResult r = triage_kernel(program, "kernel log", options, &cpus);
    if (format == "json") result.Printf("%s\n", json_text(triage_to_json(r)).c_str());
    else if (format == "markdown") result.Printf("%s", format_triage_markdown(r).c_str());
    else result.Printf("%s", format_triage_text(r, stacks).c_str());
    if (r.error) { result.SetError(r.error->describe().c_str()); return false; }
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  });
}

// EXPR = value for each expression; the errors said once at the end (the others still print).
bool print_each(const std::vector<std::string>& expressions, lldb::SBCommandReturnObject& result,
                const std::function<Expected<std::string>(const std::string&)>& eval) {
  std::string errors;
  for (const std::string& expr : expressions) {
    auto text = eval(expr);
    if (!text) errors += (errors.empty() ? "" : "\n") + expr + ": " + text.error().describe();
    else result.Printf("%s = %s\n", expr.c_str(), text->c_str());
  }
  if (!errors.empty()) {
    result.SetError(errors.c_str());
    return false;
  }
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

// `krdb print EXPR…`: the formatter layer on the kernel behind this target (live or served).
bool do_print(lldb::SBDebugger& debugger, const std::vector<std::string>& given,
              lldb::SBCommandReturnObject& result) {
  // Module options first (--modules DIR, --module [NAME=]PATH, --no-system-modules): where a
  // module's globals and frames find their .ko, beside the .ko files the target already has.
  BacktraceOptions options = target_module_options(debugger.GetSelectedTarget());
  size_t first = 0;
  for (; first < given.size(); ++first) {
    auto taken = take_module_option(given, first, options, result);
    if (!taken) break;
    if (!*taken) return false;
  }
  std::vector<std::string> args(given.begin() + first, given.end());
  if (args.empty()) {
    result.SetError("usage: krdb print [--modules DIR] [--module PATH] EXPR…   (a global: C name or Rust path; *, .field, ->field, [i], (TYPE)0xADDR)");
    return false;
  }
  if (args[0] == "--frame") {  // frame N of the selected thread, as `krdb bt` numbers it
    std::optional<uint64_t> frame = args.size() >= 2 ? parse_unsigned(args[1], 10) : std::nullopt;
    if (!frame) {
      result.SetError("usage: krdb print --frame N [EXPR…]   (N as `krdb bt` numbers the selected thread's frames)");
      return false;
    }
    std::vector<std::string> expressions(args.begin() + 2, args.end());
    return with_kernel(debugger, result, [&](KernelProgram& program) {
      RegisterSet regs = thread_registers(debugger.GetSelectedTarget().GetProcess().GetSelectedThread());
      if (!regs.has(Reg::rip) || !regs.has(Reg::rsp)) {
        result.SetError("the selected thread has no rip/rsp: is the process stopped?");
        return false;
      }
      KernelUnwinder unwinder(program, options);
      KernelBacktrace bt = unwinder.from_registers(regs);
      uint64_t n = *frame;
      auto number = bt.frame_number(n);
      if (!number) {
        result.SetError(fmt::format("no frame {} (the backtrace has {} frames)", n, bt.number_of(bt.frames.size())).c_str());
        return false;
      }
      if (!expressions.empty())  // EXPRs over the frame's variables (else globals)
        return print_each(expressions, result, [&](const std::string& expr) {
          return kernel_frame_expression(program, unwinder, bt, *number, expr);
        });
      auto vars = kernel_frame_variables(program, unwinder, bt, *number);
      if (!vars) {
        result.SetError(vars.error().describe().c_str());
        return false;
      }
      result.Printf("frame #%llu\n%s", (unsigned long long)n, format_variables(*vars).c_str());
      result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
      return true;
    });
  }
  // An expression may hold spaces ("(struct task_struct)0x…"): the arguments are one expression
  // unless each parses alone.
  return with_kernel(debugger, result, [&](KernelProgram& program) {
    KernelUnwinder unwinder(program, options);  // globals of modules too
    return print_each(args, result, [&](const std::string& expr) -> Expected<std::string> {
      auto v = kernel_global_value(program, unwinder, expr);
      if (!v) return v.error();
      return v->text;
    });
  });
}

}  // namespace

void add_kernel_commands(lldb::SBCommand& krdb) {
  krdb.AddCommand("bt", new Command(do_bt),
                  "Backtrace of the selected thread across C, Rust and exception frames (live kernel); "
                  "module frames by the module's ORC and named from its .ko (--modules DIR, --module PATH, "
                  "/lib/modules/<release>) or its kallsyms.",
                  "krdb bt [--full-names] [--registers] [--modules DIR] [--module [NAME=]PATH]");
  krdb.AddCommand("dmesg", new Command(do_dmesg),
                  "The kernel log (printk ring buffer) of the live kernel, as the console prints it.",
                  "krdb dmesg");
  krdb.AddCommand("info", new Command(do_info),
                  "The live kernel at a glance: release, KASLR offset, CPUs and their tasks, modules, log size.",
                  "krdb info [--json]");
  krdb.AddCommand("modules", new Command(do_modules),
                  "The loaded modules of the live kernel: address, state, text base and size.",
                  "krdb modules [--json]");
  krdb.AddCommand("triage", new Command(do_triage),
                  "What crashed, for a report or CI: every crash report in the kernel log, with a syzbot-style "
                  "title, the guilty frame, the symbolized C/Rust stack and a stable signature.",
                  kTriageUsage);
  krdb.AddCommand("print", new Command(do_print),
                  "Print kernel values as their source reads them: kernel Rust types (Arc, KBox, KVec, CString, "
                  "Error, Result/Option, Mutex/SpinLock, List, RBTree, Task, …) and C types, bounded and "
                  "corruption-safe (the same output as the CLI's krdb print).",
                  "krdb print [MODULE-OPTIONS] EXPR…  |  krdb print [MODULE-OPTIONS] --frame N [EXPR…]   (locals and parameters of frame N, as krdb bt numbers them, or EXPRs over them; MODULE-OPTIONS: --modules DIR, --module [NAME=]PATH, --no-system-modules — where a module's .ko is found, beside those the target has)");
  krdb.AddCommand("ps", new Command(do_ps),
                  "The tasks of the live kernel: pid, parent, CPU, state, command.", "krdb ps");
}

}  // namespace krdb::plugin
