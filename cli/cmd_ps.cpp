// `krdb ps --vmlinux V --core C`: every task of the crashed kernel — pid, parent, CPU, state,
// command — with the tasks that were running on a CPU at the crash marked '>' (as crash does).
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/kernel/tasks.h"
#include "krdb/report/kernel_report.h"

namespace krdb::cli {
namespace {

int run(const KernelArgs& args) {
  auto p = open_kernel("ps", args);
  if (!p) return exit_code_for(p.error());
  TaskList list = list_tasks(**p);
  if (args.format == "json") fmt::print("{}\n", json_text(tasks_to_json(list)));
  else fmt::print("{}", format_tasks(list));
  return list.truncated || !list.errors.empty() ? kExitFindings : kExitOk;
}

}  // namespace

void add_ps_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<KernelArgs>();
  auto* cmd = app.add_subcommand("ps", "List the tasks of a crashed kernel (pid, parent, CPU, state)");
  add_kernel_options(cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
