// `krdb triage (--log FILE|DIR… | --core C) [--vmlinux V] [--module …|--modules DIR]
// [--format text|json|markdown]`: for CI — did the kernel crash, what crashed, where, in which
// language, and a stable signature. Every report of every log; several logs (or directories of
// logs) in one run share one DWARF load; JSON is one object per input, one per line.
// Exit codes: 0 no crash in any input, 1 a crash was found, 3 an input could not be read (and
// no crash was found in the others), 2 bad usage.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"
#include "krdb/report/json_text.h"
#include "krdb/report/triage_report.h"
#include "krdb/kernel/cpus.h"
#include "krdb/triage/triage.h"

namespace krdb::cli {
namespace {

namespace fs = std::filesystem;

struct TriageArgs {
  std::vector<std::string> logs;
  std::string core, vmlinux, format = "text";
  bool force = false, no_stack = false;
  std::vector<std::string> limits;
  ModuleArgs modules;
};

// The log files named: files as given, directories walked (sorted, regular files only,
// bounded by max_list_steps entries).
std::vector<std::string> expand_logs(const std::vector<std::string>& inputs, const Limits& limits,
                                     std::vector<std::string>& unreadable) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      uint64_t steps = 0;
      for (fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end && steps++ < limits.max_list_steps; it.increment(ec))
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      if (ec) unreadable.push_back(fmt::format("{}: {}", in, ec.message()));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);
    }
  }
  return files;
}

Expected<std::string> read_file(const std::string& path, const Limits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorKind::Io, "cannot open the log", path);
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, size_t(in.gcount()));
    if (text.size() > limits.max_log_bytes) break;  // parse_console_log says it was cut
  }
  return text;
}

void print(const TriageResult& r, const TriageArgs& a) {
  if (a.format == "json") fmt::print("{}\n", json_text(triage_to_json(r), -1));
  else if (a.format == "markdown") fmt::print("{}", format_triage_markdown(r));
  else fmt::print("{}", format_triage_text(r, !a.no_stack));
}

int run(const TriageArgs& a) {
  if (a.logs.empty() == a.core.empty()) {
    fmt::print(stderr, "krdb triage: give --log FILE… or --core DUMP (with --vmlinux)\n");
    return kExitUsage;
  }
  Limits limits = default_limits();
  for (const auto& l : a.limits)
    if (auto r = set_limit(limits, l); !r) {
      fmt::print(stderr, "krdb triage: {}\n", r.error().describe());
      return kExitUsage;
    }

  bool crashed = false, failed = false;
  if (!a.core.empty()) {
    KernelArgs k;
    k.vmlinux = a.vmlinux;
    k.core = a.core;
    k.force = a.force;
    k.limits = a.limits;
    if (k.vmlinux.empty()) {
      fmt::print(stderr, "krdb triage: --core needs --vmlinux\n");
      return kExitUsage;
    }
    auto p = open_kernel("triage", k);
    if (!p) return exit_code_for(p.error());
    KernelCpus cpus = read_cpus(**p, dump_records(*(*p)->dump()), false);
    TriageResult r = triage_kernel(**p, a.core, backtrace_options(a.modules), &cpus);
    print(r, a);
    return r.error ? kExitFailed : r.crashed() ? kExitFindings : kExitOk;
  }

  // Console logs: one DWARF load for all of them.
  std::unique_ptr<DebugInfo> vmlinux;
  if (!a.vmlinux.empty()) {
    auto d = DebugInfo::open(a.vmlinux, limits);
    if (!d) {
      fmt::print(stderr, "krdb triage: {}\n", d.error().describe());
      return kExitFailed;
    }
    vmlinux = std::move(*d);
  }
  ModuleFileOptions mo;
  for (const std::string& spec : a.modules.files) ModuleFiles::add_module_spec(mo.files, spec);
  mo.search_dirs = a.modules.dirs;
  mo.system_dirs = false;  // a log names no build-ids: only what the user points at
  mo.limits = limits;
  ModuleFiles files(mo);
  TriageSymbols symbols{vmlinux.get(), [&](const std::string& name) -> DebugInfo* {
                          ModuleInfo m;
                          m.name = name;
                          return files.debug_info(m);
                        }};
  bool symbolize = vmlinux || !a.modules.files.empty() || !a.modules.dirs.empty();
  std::vector<std::string> unreadable;
  for (const std::string& path : expand_logs(a.logs, limits, unreadable)) {
    TriageResult r;
    if (auto text = read_file(path, limits)) {
      r = triage_text(*text, path, symbolize ? &symbols : nullptr, limits);
    } else {
      r.path = path;
      r.error = text.error();
    }
    crashed |= r.crashed();
    failed |= r.error.has_value();
    print(r, a);
  }
  for (const auto& u : unreadable) {
    fmt::print(stderr, "krdb triage: {}\n", u);
    failed = true;
  }
  for (const Error& w : files.warnings()) fmt::print(stderr, "krdb triage: note: {}\n", w.describe());
  return crashed ? kExitFindings : failed ? kExitFailed : kExitOk;
}

}  // namespace

void add_triage_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<TriageArgs>();
  auto* cmd = app.add_subcommand("triage", "For CI: crash title, guilty frame, stack and a stable signature, "
                                           "from console logs or a dump");
  cmd->add_option("--log,-l", a->logs, "console log files or directories of them (one report per log)");
  cmd->add_option("--core,-c", a->core, "a crash dump (its kernel log is triaged; needs --vmlinux)");
  cmd->add_option("--vmlinux,-s", a->vmlinux, "vmlinux with DWARF: frames get source lines, inlining, languages");
  cmd->add_option("--format", a->format, "text, json (one line per input) or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  cmd->add_flag("--no-stack", a->no_stack, "text: only the summary lines");
  cmd->add_flag("--force", a->force, "use the vmlinux even if it does not match the dump");
  cmd->add_option("--limit", a->limits, "override a limit: NAME=N (see `krdb version --limits`; repeatable)")
      ->allow_extra_args(false);
  add_module_options(cmd, a->modules);
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace krdb::cli
