// `krdb modules --vmlinux V --core C`: loaded modules with their memory regions and, when the
// kernel keeps them, each section's load address (what placing a .ko's DWARF needs).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "kernel_args.h"
#include "krdb/kernel/modules.h"

namespace krdb::cli {
namespace {

int run(const KernelArgs& args) {
  auto p = open_kernel("modules", args);
  if (!p) return exit_code_for(p.error());
  ModuleList list = list_modules(**p);
  if (args.format == "json") {
    nlohmann::json j = {{"modules", nlohmann::json::array()}};
    for (const auto& m : list.modules) {
      nlohmann::json mj = {{"name", m.name}, {"state", module_state_name(m.state)},
                           {"module", fmt::format("{:#x}", m.address)}};
      for (const auto& r : m.regions)
        mj["regions"].push_back({{"kind", r.kind}, {"base", fmt::format("{:#x}", r.base)}, {"size", r.size}});
      for (const auto& s : m.sections)
        mj["sections"].push_back({{"name", s.name}, {"address", fmt::format("{:#x}", s.address)}});
      j["modules"].push_back(mj);
    }
    if (list.truncated) j["truncated"] = list.truncated->describe();
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("MODULE              NAME                  STATE     TEXT BASE           SIZE\n");
    for (const auto& m : list.modules) {
      uint64_t base = 0, size = 0;
      for (const auto& r : m.regions)
        if (r.kind == "MOD_TEXT") base = r.base, size = r.size;
      fmt::print("{:#018x}  {:<20}  {:<8}  {:#018x}  {}\n", m.address, m.name,
                 module_state_name(m.state), base, size);
    }
    if (list.truncated)
      fmt::print(stderr, "krdb modules: list incomplete: {}\n", list.truncated->describe());
  }
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
