// Shared glue of the LLDB plugin: every `krdb …` command is an SBCommandPluginInterface that
// turns its arguments into a call of the core library and prints the result. run_guarded() is
// the one noexcept boundary at each SB entry point: nothing thrown escapes into lldb.
#pragma once

#include <lldb/API/LLDB.h>

#include "krdb/demangle/demangle.h"
#include "krdb/kernel/backtrace.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace krdb::plugin {

// Arguments of a command as strings (lldb hands them as a NULL-terminated char* array).
std::vector<std::string> args_of(char** command);

// Runs `body`; an escaping exception becomes an error result instead of killing lldb.
bool run_guarded(lldb::SBCommandReturnObject& result, const std::function<bool()>& body);

// A plugin command backed by a plain function.
class Command : public lldb::SBCommandPluginInterface {
 public:
  using Fn = bool (*)(lldb::SBDebugger&, const std::vector<std::string>&,
                      lldb::SBCommandReturnObject&);
  explicit Command(Fn fn) : fn_(fn) {}
  bool DoExecute(lldb::SBDebugger debugger, char** command,
                 lldb::SBCommandReturnObject& result) override;

 private:
  Fn fn_;
};

// Reads `-f|--form FORM` at args[i] (advancing i past its value). Returns nullopt when args[i]
// is not that option; false (with the error set in `result`) when FORM is unknown.
std::optional<bool> take_form_option(const std::vector<std::string>& args, size_t& i,
                                     DemangleForm& form, lldb::SBCommandReturnObject& result);

// Reads a module option at args[i] (--modules DIR, --module [NAME=]PATH, --no-system-modules),
// advancing i past its value. nullopt when args[i] is none of them; false (error set) when its
// value is missing.
// The module files LLDB already has: every .ko among the target's images (`krdb core open
// --module`, `target modules add`), by module name — where krdb's module search starts.
BacktraceOptions target_module_options(lldb::SBTarget target);

std::optional<bool> take_module_option(const std::vector<std::string>& args, size_t& i,
                                       BacktraceOptions& options, lldb::SBCommandReturnObject& result);

// Bumped by `krdb limits NAME=N`: the shim's cached children are stale after it.
uint64_t& limits_generation();

// Each plugin/cmd_*.cpp adds its subcommands under the `krdb` multiword command.
void add_version_command(lldb::SBCommand& krdb);
void add_demangle_command(lldb::SBCommand& krdb);
void add_symbolize_commands(lldb::SBCommand& krdb);
void add_kernel_commands(lldb::SBCommand& krdb);
void add_core_commands(lldb::SBCommand& krdb);

// The `krdb` type category (formatters.cpp): summaries and children of kernel Rust values.
// Returns a note for the user when part of it is unavailable (no Python), else empty.
std::string register_formatters(lldb::SBDebugger& debugger);

}  // namespace krdb::plugin
