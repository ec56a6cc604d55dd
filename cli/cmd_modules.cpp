// `krdb modules --vmlinux V --core C`: loaded modules with their memory regions and, when the
// kernel keeps them, each section's load address (what placing a .ko's DWARF needs).
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/report/kernel_report.h"

namespace krdb::cli {
namespace {

int run(const KernelArgs& args) {
  auto p = open_kernel("modules", args);
  if (!p) return exit_code_for(p.error());
  ModuleList list = list_modules(**p);
  if (args.format == "json") fmt::print("{}\n", json_text(modules_to_json(list)));
  else fmt::print("{}", format_modules(list));
  return list.truncated ? kExitFindings : kExitOk;
}

}  // namespace

void add_modules_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<KernelArgs>();
  auto* cmd = app.add_subcommand("modules", "List the modules of a crashed kernel with their addresses");
  add_kernel_options(cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
