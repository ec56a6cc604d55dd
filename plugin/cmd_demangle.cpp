// `krdb demangle [-f full|short|verbose] SYMBOL…` in LLDB: the core demangler, as on the CLI.
#include "krdb/demangle/demangle.h"
#include "plugin.h"

namespace krdb::plugin {

static bool do_demangle(lldb::SBDebugger&, const std::vector<std::string>& args,
                        lldb::SBCommandReturnObject& result) {
  DemangleOptions options;
  std::vector<std::string> symbols;
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto taken = take_form_option(args, i, options.form, result)) {
      if (!*taken) return false;
    } else {
      symbols.push_back(args[i]);
    }
  }
  if (symbols.empty()) {
    result.SetError("usage: krdb demangle [-f full|short|verbose] SYMBOL...");
    return false;
  }
  for (const auto& s : symbols) result.Printf("%s\n", demangle(s, options).text.c_str());
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

void add_demangle_command(lldb::SBCommand& krdb) {
  krdb.AddCommand("demangle", new Command(do_demangle),
                  "Demangle Rust (v0, legacy) and C++ symbols: full (as rustfilt), short or verbose.",
                  "krdb demangle [-f full|short|verbose] SYMBOL...");
}

}  // namespace krdb::plugin
