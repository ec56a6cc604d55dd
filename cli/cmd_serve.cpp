// `krdb serve --vmlinux V --core C [--listen HOST:PORT] [--module …] [--modules DIR]`: serves the
// dump over the gdb remote protocol (serve/gdb_server.h) so that LLDB, GDB and IDEs open it like
// a live QEMU gdbstub: every task is a thread, exception contexts are extra threads, the
// panicking one is selected. Loopback only unless --listen names another address (then it says
// so loudly); connections are served one after another; SIGINT/SIGTERM end it cleanly.
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/base/number.h"
#include "krdb/serve/listener.h"
#include "krdb/serve/session.h"

namespace krdb::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

struct ServeArgs {
  KernelArgs kernel;
  ModuleArgs modules;
  std::string listen = "127.0.0.1:0";
};

int run(const ServeArgs& a) {
  auto colon = a.listen.rfind(':');
  std::optional<uint64_t> port;
  if (colon != std::string::npos && colon != 0) port = parse_unsigned(std::string_view(a.listen).substr(colon + 1), 10);
  if (!port || *port > 65535) {
    fmt::print(stderr, "krdb serve: --listen wants HOST:PORT (e.g. 127.0.0.1:1234, port 0 = any free one)\n");
    return kExitUsage;
  }
  std::string host = a.listen.substr(0, colon);
  auto limits = parse_limits("serve", a.kernel);
  if (!limits) return exit_code_for(limits.error());
  OpenOptions open;
  open.force = a.kernel.force;
  open.limits = *limits;
  auto session = serve::open_dump_session(a.kernel.vmlinux, a.kernel.core, open, backtrace_options(a.modules));
  if (!session) {
    fmt::print(stderr, "krdb serve: {}\n", session.error().describe());
    return exit_code_for(session.error());
  }
  for (const Error& w : (*session)->warnings) fmt::print(stderr, "krdb serve: warning: {}\n", w.describe());
  serve::GdbServer& server = *(*session)->server;
  size_t thread_count = (*session)->thread_count;
  auto listener = serve::listen_on(host, uint16_t(*port));
  if (!listener) { fmt::print(stderr, "krdb serve: {}\n", listener.error().describe()); return exit_code_for(listener.error()); }
  if (host != "127.0.0.1")
    fmt::print(stderr, "krdb serve: WARNING: listening on {} — anyone who can reach it can read this kernel's memory\n", host);
  std::string at = fmt::format("{}:{}", host == "0.0.0.0" ? "127.0.0.1" : host, (*listener)->port);
  fmt::print("krdb serve: {} on {}:{} ({} threads)\n", a.kernel.core, host, (*listener)->port, thread_count);
  fmt::print("  lldb: lldb -o 'target create {}' -o 'gdb-remote {}'\n", a.kernel.vmlinux, at);
  fmt::print("  gdb:  gdb -ex 'target remote {}'\n", at);
  // LLDB and GDB place a .ko per section only when told: the commands that do it.
  for (const serve::ServedModule& m : (*session)->modules) {
    std::string load = fmt::format("target modules load --file {}", m.path);
    std::string text, others;
    for (const auto& [name, address] : m.sections) {
      if (!address) continue;
      load += fmt::format(" {} {:#x}", name, address);
      if (name == ".text") text = fmt::format(" {:#x}", address);
      else others += fmt::format(" -s {} {:#x}", name, address);
    }
    fmt::print("  lldb, module: target modules add {} ; {}\n", m.path, load);
    fmt::print("  gdb, module:  add-symbol-file {}{}{}\n", m.path, text, others);
  }
  std::fflush(stdout);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  serve::serve_forever(**listener, server, g_stop, [](const std::string& line) {
    fmt::print(stderr, "krdb serve: {}\n", line);
  });
  fmt::print(stderr, "krdb serve: stopped\n");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Serve a dump over the gdb remote protocol (LLDB, GDB, IDEs)");
  add_kernel_options(cmd, a->kernel);
  add_module_options(cmd, a->modules);
  cmd->add_option("--listen", a->listen, "HOST:PORT to listen on (default 127.0.0.1:0, any free port)");
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace krdb::cli
