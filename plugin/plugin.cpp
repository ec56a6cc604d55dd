// Entry point of libkrdb-lldb.so: `plugin load libkrdb-lldb.so` registers the `krdb` command.
#include "plugin.h"

#include <exception>

#include "debug_info_cache.h"
#include "krdb/kernel/module_files.h"
#include "krdb/version.h"

namespace krdb::plugin {

std::vector<std::string> args_of(char** command) {
  std::vector<std::string> args;
  for (int i = 0; command && command[i]; ++i) args.emplace_back(command[i]);
  return args;
}

std::optional<bool> take_form_option(const std::vector<std::string>& args, size_t& i,
                                     DemangleForm& form, lldb::SBCommandReturnObject& result) {
  if ((args[i] != "-f" && args[i] != "--form") || i + 1 >= args.size()) return std::nullopt;
  const std::string& name = args[++i];
  auto parsed = parse_demangle_form(name);
  if (!parsed) {
    result.SetError(("unknown form '" + name + "': use full, short or verbose").c_str());
    return false;
  }
  form = *parsed;
  return true;
}

BacktraceOptions target_module_options(lldb::SBTarget target) {
  BacktraceOptions options;
  for (uint32_t i = 1; i < target.GetNumModules(); ++i) {
    std::string path = module_path(target.GetModuleAtIndex(i));
    std::string name = ModuleFiles::module_name_of(path.substr(path.rfind('/') + 1));
    if (!name.empty()) options.module_files.emplace(name, path);
  }
  return options;
}

std::optional<bool> take_module_option(const std::vector<std::string>& args, size_t& i,
                                       BacktraceOptions& options, lldb::SBCommandReturnObject& result) {
  const std::string& a = args[i];
  if (a == "--no-system-modules") { options.system_module_dirs = false; return true; }
  if (a != "--modules" && a != "--module") return std::nullopt;
  if (i + 1 >= args.size()) {
    result.SetError((a + " needs a value").c_str());
    return false;
  }
  if (a == "--modules") options.module_dirs.push_back(args[++i]);
  else ModuleFiles::add_module_spec(options.module_files, args[++i]);
  return true;
}

bool run_guarded(lldb::SBCommandReturnObject& result, const std::function<bool()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    result.AppendMessage((std::string("error: krdb internal error: ") + e.what()).c_str());
  } catch (...) {
    result.AppendMessage("error: krdb internal error");
  }
  result.SetStatus(lldb::eReturnStatusFailed);
  return false;
}

bool Command::DoExecute(lldb::SBDebugger debugger, char** command,
                        lldb::SBCommandReturnObject& result) {
  auto args = args_of(command);
  return run_guarded(result, [&] { return fn_(debugger, args, result); });
}

}  // namespace krdb::plugin

namespace lldb {
__attribute__((visibility("default"))) bool PluginInitialize(lldb::SBDebugger debugger);
}

bool lldb::PluginInitialize(lldb::SBDebugger debugger) {
  try {
    auto interp = debugger.GetCommandInterpreter();
    auto krdb = interp.AddMultiwordCommand(
        "krdb", "Debug Linux kernels that mix C and Rust: Rust symbols, DWARF, dumps, backtraces.");
    if (!krdb.IsValid()) return false;
    krdb::plugin::add_version_command(krdb);
    krdb::plugin::add_demangle_command(krdb);
    krdb::plugin::add_symbolize_commands(krdb);
    krdb::plugin::add_kernel_commands(krdb);
    krdb::plugin::add_core_commands(krdb);
    std::string note = krdb::plugin::register_formatters(debugger);
    auto out = debugger.GetOutputFile();
    std::string banner = std::string("krdb ") + krdb::kVersion +
                         " loaded; see `help krdb`; kernel Rust values formatted (type category `krdb`)\n";
    if (!note.empty()) banner += note + "\n";
    if (out.IsValid()) {
      size_t written = 0;
      out.Write(reinterpret_cast<const uint8_t*>(banner.data()), banner.size(), &written);
    }
    return true;
  } catch (...) {
    return false;
  }
}
