// `krdb dmesg --vmlinux V --core C [--format text|json] [--force]`: the kernel log of the crashed
// kernel, read from its printk ring buffer, printed exactly as the kernel console prints it
// ("[    1.234567] text", one line per text line). --caller adds the CONFIG_PRINTK_CALLER column
// ("[    T1]"), --syslog the "<level>" prefix, --console-loglevel N keeps only what a console
// at that loglevel printed. Skipped (corrupt) records and an incomplete walk are reported on
// stderr (in JSON: "skipped" / "truncated") and give exit code 1.
#include <cstdio>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/kernel/printk.h"

namespace krdb::cli {

void add_dmesg_command(CLI::App& app, int& exit_code);

namespace {

struct DmesgArgs {
  KernelArgs kernel;
  DmesgStyle style;
};

int run(const DmesgArgs& args) {
  auto p = open_kernel("dmesg", args.kernel);
  if (!p) return exit_code_for(p.error());
  auto log = read_printk(**p);
  if (!log) {
    fmt::print(stderr, "krdb dmesg: {}\n", log.error().describe());
    return kExitFailed;
  }
  if (args.kernel.format == "json") {
    // Text is made valid UTF-8 by printk_to_json; replace is a second guard.
    std::string out = json_text(printk_to_json(*log));
    fmt::print("{}\n", out);
  } else {
    std::string out = format_dmesg(*log, args.style);
    std::fwrite(out.data(), 1, out.size(), stdout);
    for (const SkippedRecord& s : log->skipped)
      fmt::print(stderr, "krdb dmesg: warning: skipped descriptor {:#x}{}: {}\n", s.id,
                 s.seq ? fmt::format(" (seq {})", *s.seq) : "", s.reason);
    if (log->truncated)
      fmt::print(stderr, "krdb dmesg: log incomplete: {}\n", log->truncated->describe());
  }
  return log->truncated || !log->skipped.empty() ? kExitFindings : kExitOk;
}

}  // namespace

void add_dmesg_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DmesgArgs>();
  auto* cmd = app.add_subcommand("dmesg", "The kernel log of a crashed kernel (printk ring buffer)");
  add_kernel_options(cmd, args->kernel);
  cmd->add_flag("--caller", args->style.caller, "add the caller column [    T1] / [    C0]");
  cmd->add_flag("--syslog", args->style.syslog, "prefix each line with <facility*8+level>");
  cmd->add_option("--console-loglevel", args->style.console_loglevel,
                  "only records a console at this loglevel printed (level < N); 0 = all")
      ->check(CLI::Range(0u, 16u));
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
