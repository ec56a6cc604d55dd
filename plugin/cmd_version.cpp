// `krdb version` and `krdb limits` in LLDB.
#include <fmt/format.h>

#include "krdb/base/limits.h"
#include "krdb/version.h"
#include "plugin.h"

namespace krdb::plugin {

static bool do_version(lldb::SBDebugger&, const std::vector<std::string>&,
                       lldb::SBCommandReturnObject& result) {
  result.Printf("krdb %s\n", krdb::kVersion);
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

uint64_t& limits_generation() {
  static uint64_t generation = 0;
  return generation;
}

// Lists every limit, or sets some (NAME=N …) for the rest of the session: every krdb command
// reads the process-wide limits when it runs.
static bool do_limits(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
                      lldb::SBCommandReturnObject& result) {
  Limits changed = default_limits();
  for (const std::string& a : args)
    if (auto r = set_limit(changed, a); !r) {
      result.SetError(r.error().describe().c_str());
      return false;
    }
  default_limits() = changed;
  // Values already shown keep their children until their formatters change: re-enabling the
  // `krdb` category makes LLDB format them again with the new format_* caps, and a new
  // generation makes the shim's children providers ask again (LLDB keeps the providers).
  if (!args.empty()) ++limits_generation();
  if (!args.empty())
    if (lldb::SBTypeCategory krdb = debugger.GetCategory("krdb"); krdb.IsValid() && krdb.GetEnabled()) {
      krdb.SetEnabled(false);
      krdb.SetEnabled(true);
    }
  std::string out;
  for (const LimitInfo& l : limit_table())
    out += fmt::format("  {:<20} {:>12}  {}\n", l.name, default_limits().*(l.field), l.help);
  result.Printf("%s", out.c_str());
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

void add_version_command(lldb::SBCommand& krdb) {
  krdb.AddCommand("version", new Command(do_version), "Print krdb's version.", "krdb version");
  krdb.AddCommand("limits", new Command(do_limits),
                  "List krdb's walk limits, or set some for this session (each bounds a walk over "
                  "untrusted data: frames, list nodes, DWARF chains, log records…).",
                  "krdb limits [NAME=N …]");
}

}  // namespace krdb::plugin
