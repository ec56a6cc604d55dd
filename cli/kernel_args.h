// Options shared by the commands that open a kernel dump: --vmlinux, --core, --force,
// --format, --limit; and opening the KernelProgram with them (errors printed the same way).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/program.h"

namespace krdb::cli {

struct KernelArgs {
  std::string vmlinux, core, format = "text";
  bool force = false;
  std::vector<std::string> limits;  // NAME=N
};

void add_kernel_options(CLI::App* cmd, KernelArgs& args);
// --limit values over the defaults, printing "krdb NAME: error" on a bad one.
Expected<Limits> parse_limits(const std::string& command, const KernelArgs& args);
// Opens the dump, printing "krdb NAME: error" on failure (exit code kExitFailed or kExitUsage).
// The program lives until the process exits (see open_programs()).
Expected<KernelProgram*> open_kernel(const std::string& command, const KernelArgs& args);
// Every program this run opened. main() ends the process without destroying them: freeing a
// vmlinux's DWARF state (hundreds of thousands of allocations) was 15% of a `krdb bt` spent on
// nothing. Sanitizer builds destroy them normally, so leaks stay visible there.
std::vector<std::unique_ptr<KernelProgram>>& open_programs();
int exit_code_for(const Error& error);
// Where module debug info comes from: --module PATH.ko|NAME=PATH (repeatable), --modules DIR
// (searched recursively, repeatable), --no-system-modules (skip /lib/modules/<release> and
// /usr/lib/debug/lib/modules/<release>).
struct ModuleArgs {
  std::vector<std::string> files, dirs;
  bool no_system = false;
};
void add_module_options(CLI::App* cmd, ModuleArgs& args);
BacktraceOptions backtrace_options(const ModuleArgs& args);

}  // namespace krdb::cli
