// `krdb core open CORE` / `krdb core close` in LLDB: a kernel dump as an LLDB process. The dump
// is served in-process by krdb's gdb-remote server (serve/) on a loopback port and LLDB connects
// to it as to QEMU's gdbstub: every task a thread, the panicking one selected, exception threads
// holding the faulting context; each module whose .ko is found (build-id checked) is added and
// placed per section. The selected target must be the dump's vmlinux.
#include <atomic>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "debug_info_cache.h"
#include "krdb/kernel/module_files.h"
#include "krdb/serve/listener.h"
#include "krdb/serve/session.h"
#include "plugin.h"

namespace krdb::plugin {

namespace {

// The open dump: its server runs on a thread of its own until `krdb core close` or lldb exits.
struct OpenCore {
  std::unique_ptr<serve::DumpSession> session;
  std::unique_ptr<serve::Listener> listener;
  std::atomic<bool> stop{false};
  std::thread thread;
  std::string core;
  ~OpenCore() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

std::unique_ptr<OpenCore>& open_core() {
  static std::unique_ptr<OpenCore> core;
  return core;
}

bool run_command(lldb::SBDebugger& debugger, const std::string& command, lldb::SBCommandReturnObject& result) {
  lldb::SBCommandReturnObject sub;
  debugger.GetCommandInterpreter().HandleCommand(command.c_str(), sub);
  if (sub.GetOutput()) result.Printf("%s", sub.GetOutput());
  if (!sub.Succeeded()) {
    result.SetError(fmt::format("`{}` failed: {}", command, sub.GetError() ? sub.GetError() : "?").c_str());
    return false;
  }
  return true;
}

bool do_open(lldb::SBDebugger& debugger, const std::vector<std::string>& args, lldb::SBCommandReturnObject& result) {
  constexpr const char* kUsage = "krdb core open CORE [--modules DIR] [--module [NAME=]PATH] [--no-system-modules] [--force]";
  std::string core;
  BacktraceOptions modules;
  OpenOptions open;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (auto taken = take_module_option(args, i, modules, result)) {
      if (!*taken) return false;
    } else if (a == "--force") open.force = true;
    else if (core.empty() && !a.starts_with("-")) core = a;
    else { result.SetError(("unexpected argument: " + a + " (" + kUsage + ")").c_str()); return false; }
  }
  if (core.empty()) { result.SetError((std::string("which dump? ") + kUsage).c_str()); return false; }
  if (open_core()) { result.SetError(("a dump is already open (" + open_core()->core + "): `krdb core close` first").c_str()); return false; }
  lldb::SBTarget target = debugger.GetSelectedTarget();
  if (!target.IsValid() || target.GetNumModules() == 0) {
    result.SetError("no target: `target create vmlinux` (the dump's kernel, with its DWARF) first");
    return false;
  }
  if (target.GetProcess().IsValid() && target.GetProcess().GetState() != lldb::eStateInvalid &&
      target.GetProcess().GetState() != lldb::eStateExited && target.GetProcess().GetState() != lldb::eStateDetached) {
    result.SetError("the target already has a process: kill or detach it first");
    return false;
  }
  std::string vmlinux = module_path(target.GetModuleAtIndex(0));
  auto session = serve::open_dump_session(vmlinux, core, open, modules);
  if (!session) { result.SetError(session.error().describe().c_str()); return false; }
  auto listener = serve::listen_on("127.0.0.1", 0);
  if (!listener) { result.SetError(listener.error().describe().c_str()); return false; }
  auto oc = std::make_unique<OpenCore>();
  oc->core = core;
  oc->session = std::move(*session);
  oc->listener = std::move(*listener);
  OpenCore* raw = oc.get();
  oc->thread = std::thread([raw] {
    serve::serve_forever(*raw->listener, *raw->session->server, raw->stop, [](const std::string&) {});
  });
  uint16_t port = oc->listener->port;
  std::vector<serve::ServedModule> served = oc->session->modules;
  for (const Error& w : oc->session->warnings) result.AppendWarning(w.describe().c_str());
  open_core() = std::move(oc);
  result.Printf("krdb: %s served on 127.0.0.1:%u (%zu threads)\n", core.c_str(), unsigned(port),
                open_core()->session->thread_count);
  if (!run_command(debugger, fmt::format("gdb-remote 127.0.0.1:{}", port), result)) {
    open_core().reset();
    return false;
  }
  for (const serve::ServedModule& m : served) {
    std::string load = fmt::format("target modules load --file {}", m.path);
    for (const auto& [name, address] : m.sections)
      if (address) load += fmt::format(" {} {:#x}", name, address);
    if (!run_command(debugger, "target modules add " + m.path, result) || !run_command(debugger, load, result))
      result.AppendWarning(("module not placed: " + m.path).c_str());
    else
      result.Printf("krdb: module %s placed per section\n", m.path.c_str());
  }
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

bool do_close(lldb::SBDebugger& debugger, const std::vector<std::string>& args, lldb::SBCommandReturnObject& result) {
  if (!args.empty()) { result.SetError("usage: krdb core close"); return false; }
  if (!open_core()) { result.SetError("no dump is open (`krdb core open CORE`)"); return false; }
  lldb::SBProcess process = debugger.GetSelectedTarget().GetProcess();
  if (process.IsValid()) process.Kill();
  std::string core = open_core()->core;
  open_core().reset();
  result.Printf("krdb: %s closed\n", core.c_str());
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

}  // namespace

void add_core_commands(lldb::SBCommand& krdb) {
  lldb::SBCommand core = krdb.AddMultiwordCommand("core", "Open a kernel crash dump as an LLDB process (post-mortem).");
  core.AddCommand("open", new Command(do_open),
                  "Serve a kernel dump to this LLDB (the selected target is its vmlinux): tasks as threads, the "
                  "panicking one selected, exception frames as extra threads, modules placed per section.",
                  "krdb core open CORE [--modules DIR] [--module [NAME=]PATH] [--no-system-modules] [--force]");
  core.AddCommand("close", new Command(do_close), "Close the dump opened by `krdb core open`.", "krdb core close");
}

}  // namespace krdb::plugin
