// `krdb version` in LLDB.
#include "krdb/version.h"
#include "plugin.h"

namespace krdb::plugin {

static bool do_version(lldb::SBDebugger&, const std::vector<std::string>&,
                       lldb::SBCommandReturnObject& result) {
  result.Printf("krdb %s\n", krdb::kVersion);
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

void add_version_command(lldb::SBCommand& krdb) {
  krdb.AddCommand("version", new Command(do_version), "Print krdb's version.", "krdb version");
}

}  // namespace krdb::plugin
