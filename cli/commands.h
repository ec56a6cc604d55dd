// The CLI's subcommands. Each cmd_*.cpp adds one subcommand to the app and runs it; main.cpp
// only wires them together and turns every failure into a message and an exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace krdb::cli {

// Exit codes shared by every subcommand (documented in README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFindings = 1,  // the command ran, and what it reports is an error (a crash, a bad symbol)
  kExitUsage = 2,     // bad command line
  kExitFailed = 3,    // the command could not do its job (unreadable file, missing debug info)
};

// Adds a subcommand; the callback stores the subcommand's exit code in `exit_code`.
using CommandAdder = void (*)(CLI::App& app, int& exit_code);
void add_version_command(CLI::App& app, int& exit_code);
void add_demangle_command(CLI::App& app, int& exit_code);
void add_symbolize_command(CLI::App& app, int& exit_code);
void add_types_command(CLI::App& app, int& exit_code);
void add_ps_command(CLI::App& app, int& exit_code);
void add_modules_command(CLI::App& app, int& exit_code);
void add_bt_command(CLI::App& app, int& exit_code);
void add_panic_command(CLI::App& app, int& exit_code);
void add_dmesg_command(CLI::App& app, int& exit_code);
void add_info_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_triage_command(CLI::App& app, int& exit_code);
void add_print_command(CLI::App& app, int& exit_code);

}  // namespace krdb::cli
