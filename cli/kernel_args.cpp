#include "kernel_args.h"

#include <fmt/format.h>

#include "krdb/kernel/module_files.h"

namespace krdb::cli {

void add_kernel_options(CLI::App* cmd, KernelArgs& args) {
  cmd->add_option("--vmlinux,-s", args.vmlinux, "the vmlinux of the crashed kernel (with DWARF); for `bt` on a user-space core, its executable")
      ->required();
  cmd->add_option("--core,-c", args.core, "the crash dump: ELF vmcore or makedumpfile kdump; for `bt`, also a user-space ELF core")
      ->required();
  cmd->add_option("--format", args.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--force", args.force, "use the vmlinux even if it does not match the dump");
  cmd->add_option("--limit", args.limits, "override a walk limit: NAME=N (see `krdb version --limits`; repeatable)")
      ->allow_extra_args(false);
}

int exit_code_for(const Error& error) {
  return error.kind == ErrorKind::Usage ? kExitUsage : kExitFailed;
}

Expected<Limits> parse_limits(const std::string& command, const KernelArgs& args) {
  Limits limits = default_limits();
  for (const auto& l : args.limits) {
    if (auto r = set_limit(limits, l); !r) {
      fmt::print(stderr, "krdb {}: {}\n", command, r.error().describe());
      return r.error();
    }
  }
  return limits;
}

std::vector<std::unique_ptr<KernelProgram>>& open_programs() {
  static std::vector<std::unique_ptr<KernelProgram>> programs;
  return programs;
}

Expected<KernelProgram*> open_kernel(const std::string& command, const KernelArgs& args) {
  OpenOptions options;
  options.force = args.force;
  auto limits = parse_limits(command, args);
  if (!limits) return limits.error();
  options.limits = *limits;
  auto p = KernelProgram::open_dump(args.vmlinux, args.core, options);
  if (!p) {
    fmt::print(stderr, "krdb {}: {}\n", command, p.error().describe());
    return p.error();
  }
  for (const Error& w : (*p)->warnings()) fmt::print(stderr, "krdb {}: warning: {}\n", command, w.describe());
  open_programs().push_back(std::move(*p));
  return open_programs().back().get();
}

void add_module_options(CLI::App* cmd, ModuleArgs& args) {
  // One value per flag, repeatable: `--module X.ko EXPR` must leave EXPR to the positionals.
  cmd->add_option("--module", args.files, "debug info of a module: PATH.ko[.xz|.zst] or NAME=PATH (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--modules", args.dirs, "a directory searched (recursively) for modules by name and build-id (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-system-modules", args.no_system,
                "do not search /lib/modules/<release> and /usr/lib/debug/lib/modules/<release>");
}

BacktraceOptions backtrace_options(const ModuleArgs& args) {
  BacktraceOptions o;
  for (const std::string& spec : args.files) ModuleFiles::add_module_spec(o.module_files, spec);
  o.module_dirs = args.dirs;
  o.system_module_dirs = !args.no_system;
  return o;
}

}  // namespace krdb::cli
