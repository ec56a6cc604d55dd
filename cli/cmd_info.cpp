// `krdb info --vmlinux V --core C`: the dump at a glance — format, kernel release, build-id
// match, then the kernel summary shared with LLDB's `krdb info`: KASLR offset, CPUs with the
// task each ran and which one panicked, modules, log size.
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/kernel/summary.h"
#include "krdb/report/kernel_report.h"

namespace krdb::cli {
namespace {

int run(const KernelArgs& args) {
  auto p = open_kernel("info", args);
  if (!p) return exit_code_for(p.error());
  KernelProgram& prog = **p;
  Dump& dump = *prog.dump();
  bool checked = !args.force || bool(dump.check_vmlinux(prog.debug_info().elf()));
  auto records = dump_records(dump);
  KernelSummary summary = summarize_kernel(prog, read_cpus(prog, records, false));
  if (args.format == "json") {
    nlohmann::json j = summary_to_json(summary);
    j["dump"] = {{"path", dump.path()}, {"format", dump.format()}, {"description", dump.description()}};
    j["vmcoreinfo_osrelease"] = dump.osrelease().value_or("?");
    j["build_id"] = dump.build_id().value_or("?");
    j["vmlinux_matches"] = checked;
    fmt::print("{}\n", json_text(j));
    return kExitOk;
  }
  fmt::print("dump       {} ({}, {})\n", dump.path(), dump.format(), dump.description());
  fmt::print("build-id   {} · {}\n", dump.build_id().value_or("? (no VMCOREINFO)"),
             checked ? "vmlinux matches" : "vmlinux does NOT match (--force)");
  fmt::print("{}", format_summary(summary));
  return kExitOk;
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<KernelArgs>();
  auto* cmd = app.add_subcommand("info", "The dump at a glance: kernel, KASLR, CPUs and their tasks, modules");
  add_kernel_options(cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
