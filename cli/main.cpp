// krdb: command-line front end of the krdb core library.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <exception>

#include "commands.h"
#include "kernel_args.h"
#include "krdb/base/limits.h"
#include "krdb/dwarf/index_cache.h"
#include "krdb/version.h"

namespace {

// Ends the process without running destructors of what the command opened (see
// open_programs() in kernel_args.h), except under AddressSanitizer, whose leak check runs at
// a normal exit.
int finish(int exit_code) {
#if defined(__SANITIZE_ADDRESS__)
  return exit_code;
#else
  std::cout.flush();
  std::fflush(nullptr);
  std::_Exit(exit_code);
#endif
}

}  // namespace

int main(int argc, char** argv) noexcept {
  using namespace krdb::cli;
  int exit_code = kExitOk;
  try {
    CLI::App app{"krdb: debug Linux kernels that mix C and Rust (dumps, DWARF, Rust symbols)",
                 "krdb"};
    app.set_version_flag("--version", std::string("krdb ") + krdb::kVersion);
    app.require_subcommand(1);
    app.fallthrough();  // global flags also after the subcommand: `krdb bt --no-cache …`
    app.add_option_function<std::vector<std::string>>(
        "--limit",
        [](const std::vector<std::string>& values) {
          for (const auto& v : values)
            if (auto r = krdb::set_limit(krdb::default_limits(), v); !r)
              throw CLI::ValidationError("--limit", r.error().describe());
        },
        "override a walk limit for any command: NAME=N (list: `krdb version --limits`)");
    app.add_flag_callback("--no-cache", [] { krdb::index_cache_settings().enabled = false; },
                          "neither read nor write the name-index cache ($KRDB_CACHE_DIR, else "
                          "$XDG_CACHE_HOME/krdb, else ~/.cache/krdb)");
    for (CommandAdder add : {add_version_command, add_demangle_command, add_symbolize_command,
                                 add_types_command, add_ps_command, add_modules_command,
                                 add_bt_command, add_panic_command, add_dmesg_command,
                                 add_info_command, add_serve_command, add_triage_command, add_print_command})
      add(app, exit_code);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app.exit(e);
      return rc == 0 ? kExitOk : kExitUsage;
    }
    return finish(exit_code);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "krdb: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "krdb: internal error\n");
  }
  return kExitFailed;
}
