// `krdb panic --vmlinux V --core C`: one screen that says what happened — the panic reason, the
// Rust panic message and FILE:LINE:COL, task and CPU, the faulting frame, and the whole
// cross-boundary stack from the faulting frame down; a stable signature for CI. Exit code 1
// when the dump holds a panic (a finding), 0 when it does not.
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/kernel/cpus.h"
#include "krdb/triage/panic.h"
#include "krdb/report/address_report.h"
#include "krdb/report/backtrace_report.h"
#include "krdb/report/panic_report.h"

namespace krdb::cli {
namespace {

struct PanicArgs {
  KernelArgs kernel;
  bool full_names = false;
  ModuleArgs modules;
};

int run(const PanicArgs& a) {
  auto p = open_kernel("panic", a.kernel);
  if (!p) return exit_code_for(p.error());
  KernelUnwinder unwinder(**p, backtrace_options(a.modules));
  auto records = dump_records(*(*p)->dump());
  KernelCpus cpus = read_cpus(**p, records, false);
  PanicReport r = analyze_panic(**p, cpus, unwinder);
  BacktraceStyle style{a.full_names ? DemangleForm::Full : DemangleForm::Short, false};
  if (a.kernel.format == "json") {
    fmt::print("{}\n", json_text(panic_to_json(r, style)));
  } else {
    fmt::print("{}", format_panic_text(r, style));
    for (const auto& p : r.problems) fmt::print(stderr, "krdb panic: note: {}\n", p);
  }
  bool panicked = r.cpu || r.panic_message || r.rust_panic;
  return panicked ? kExitFindings : kExitOk;
}

}  // namespace

void add_panic_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<PanicArgs>();
  auto* cmd = app.add_subcommand("panic", "What happened: panic reason, Rust panic site, faulting frame, stack");
  add_kernel_options(cmd, a->kernel);
  cmd->add_flag("--full-names", a->full_names, "full Rust paths instead of the short form");
  add_module_options(cmd, a->modules);
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace krdb::cli
