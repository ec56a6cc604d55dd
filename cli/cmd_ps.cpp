// `krdb ps --vmlinux V --core C`: every task of the crashed kernel — pid, parent, CPU, state,
// command — with the tasks that were running on a CPU at the crash marked '>' (as crash does).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "kernel_args.h"
#include "krdb/kernel/tasks.h"

namespace krdb::cli {
namespace {

int run(const KernelArgs& args) {
  auto p = open_kernel("ps", args);
  if (!p) return exit_code_for(p.error());
  TaskList list = list_tasks(**p);
  if (args.format == "json") {
    nlohmann::json j;
    for (const auto& t : list.tasks)
      j["tasks"].push_back({{"pid", t.pid}, {"tgid", t.tgid}, {"ppid", t.ppid}, {"comm", t.comm},
                            {"state", std::string(1, t.state)}, {"cpu", t.cpu.value_or(-1)},
                            {"on_cpu", t.on_cpu}, {"task", fmt::format("{:#x}", t.address)}});
    if (list.truncated) j["truncated"] = list.truncated->describe();
    for (const auto& e : list.errors) j["errors"].push_back(e.describe());
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("   PID   PPID  CPU ST  TASK                COMM\n");
    for (const auto& t : list.tasks)
      fmt::print("{}{:>5} {:>6} {:>4} {:>2}  {:#018x}  {}\n", t.on_cpu ? '>' : ' ', t.pid, t.ppid,
                 t.cpu ? std::to_string(*t.cpu) : "?", t.state, t.address, t.comm);
    for (const auto& e : list.errors) fmt::print(stderr, "krdb ps: warning: {}\n", e.describe());
    if (list.truncated)
      fmt::print(stderr, "krdb ps: list incomplete: {}\n", list.truncated->describe());
  }
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
