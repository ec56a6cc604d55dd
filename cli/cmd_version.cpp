// `krdb version`: the version and the library versions krdb was built with.
#include <fmt/format.h>

#include "commands.h"
#include "krdb/version.h"

namespace krdb::cli {

void add_version_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print krdb's version");
  cmd->callback([&exit_code] {
    fmt::print("krdb {}\n", krdb::kVersion);
    exit_code = kExitOk;
  });
}

}  // namespace krdb::cli
