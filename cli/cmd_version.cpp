// `krdb version`: the version and the library versions krdb was built with.
#include <fmt/format.h>

#include "commands.h"
#include "krdb/base/limits.h"
#include "krdb/version.h"

namespace krdb::cli {

void add_version_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print krdb's version (and, with --limits, every walk limit)");
  auto limits = std::make_shared<bool>(false);
  cmd->add_flag("--limits", *limits, "list every limit: name, value in effect, what it bounds");
  cmd->callback([&exit_code, limits] {
    fmt::print("krdb {}\n", krdb::kVersion);
    if (*limits) {
      fmt::print("\nlimits (set with --limit NAME=N; in LLDB: krdb limits NAME=N):\n");
      for (const LimitInfo& l : limit_table())
        fmt::print("  {:<20} {:>12}  {}\n", l.name, default_limits().*(l.field), l.help);
    }
    exit_code = kExitOk;
  });
}

}  // namespace krdb::cli
