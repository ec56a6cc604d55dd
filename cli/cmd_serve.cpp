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
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"
#include "krdb/kernel/panic.h"
#include "krdb/kernel/threads.h"
#include "krdb/serve/listener.h"

namespace krdb::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

struct ServeArgs {
  KernelArgs kernel;
  ModuleArgs modules;
  std::string listen = "127.0.0.1:0";
};

std::string stop_description(const PanicReport& r) {
  if (r.rust_panic)
    return fmt::format("rust panic at {}:{}:{}: {}", r.rust_panic->file, r.rust_panic->line, r.rust_panic->column,
                       r.rust_panic->message.substr(0, r.rust_panic->message.find('\n')));
  if (!r.oops_lines.empty()) return r.oops_lines.front();
  if (r.panic_message) return "Kernel panic - not syncing: " + *r.panic_message;
  return "kernel crash dump";
}

// GDB places each module's .ko by section (qXfer:libraries); only files it can open itself.
std::vector<serve::ServedModule> served_modules(KernelProgram& program, const BacktraceOptions& options) {
  ModuleFileOptions o;
  o.files = options.module_files;
  o.search_dirs = options.module_dirs;
  o.system_dirs = options.system_module_dirs;
  o.limits = program.limits();
  o.release = program.dump()->osrelease().value_or("");
  ModuleFiles files(o);
  std::vector<serve::ServedModule> out;
  for (const ModuleInfo& m : list_modules(program).modules) {
    DebugInfo* ko = files.debug_info(m);
    std::string path = files.path_of(m.name);
    if (!ko || path.ends_with(".xz") || path.ends_with(".zst")) continue;
    serve::ServedModule sm;
    sm.path = std::filesystem::absolute(path).string();
    for (const ElfSection& s : ko->elf().sections()) {
      if (!(s.flags & 0x2 /*SHF_ALLOC*/)) continue;
      const ModuleSection* at = m.section(s.name);
      sm.sections.emplace_back(s.name, at ? at->address : 0);  // .modinfo & co: not loaded, address 0
    }
    out.push_back(std::move(sm));
  }
  return out;
}

int run(const ServeArgs& a) {
  auto colon = a.listen.rfind(':');
  unsigned long port = 0;
  if (colon == std::string::npos || colon == 0 ||
      (port = std::strtoul(a.listen.c_str() + colon + 1, nullptr, 10)) > 65535) {
    fmt::print(stderr, "krdb serve: --listen wants HOST:PORT (e.g. 127.0.0.1:1234, port 0 = any free one)\n");
    return kExitUsage;
  }
  std::string host = a.listen.substr(0, colon);
  auto p = open_kernel("serve", a.kernel);
  if (!p) return exit_code_for(p.error());
  KernelProgram& prog = **p;
  BacktraceOptions options = backtrace_options(a.modules);
  KernelUnwinder unwinder(prog, options);
  auto records = dump_records(*prog.dump());
  KernelCpus cpus = read_cpus(prog, records, false);
  KernelThreads threads = build_threads(prog, cpus, unwinder);
  for (const Error& w : threads.warnings) fmt::print(stderr, "krdb serve: warning: {}\n", w.describe());
  serve::ServeTarget target;
  const ElfFile& elf = prog.debug_info().elf();
  target.vmlinux_path = std::filesystem::absolute(a.kernel.vmlinux).string();
  target.build_id = elf.build_id();
  target.kaslr_offset = prog.kaslr_offset();
  if (elf.loads().size() >= 2) {
    target.text_segment = elf.loads()[0].vaddr;
    target.data_segment = elf.loads()[1].vaddr;
  }
  target.stop_description = stop_description(analyze_panic(prog, cpus, unwinder));
  target.modules = served_modules(prog, options);
  size_t thread_count = threads.threads.size();
  serve::GdbServer server(*prog.dump(), std::move(threads), std::move(target));

  auto listener = serve::listen_on(host, uint16_t(port));
  if (!listener) { fmt::print(stderr, "krdb serve: {}\n", listener.error().describe()); return exit_code_for(listener.error()); }
  if (host != "127.0.0.1")
    fmt::print(stderr, "krdb serve: WARNING: listening on {} — anyone who can reach it can read this kernel's memory\n", host);
  std::string at = fmt::format("{}:{}", host == "0.0.0.0" ? "127.0.0.1" : host, (*listener)->port);
  fmt::print("krdb serve: {} on {}:{} ({} threads)\n", a.kernel.core, host, (*listener)->port, thread_count);
  fmt::print("  lldb: lldb -o 'target create {}' -o 'gdb-remote {}'\n", a.kernel.vmlinux, at);
  fmt::print("  gdb:  gdb -ex 'target remote {}'\n", at);
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
