#include "kernel_args.h"

#include <fmt/format.h>

namespace krdb::cli {

void add_kernel_options(CLI::App* cmd, KernelArgs& args) {
  cmd->add_option("--vmlinux,-s", args.vmlinux, "the vmlinux of the crashed kernel (with DWARF); for `bt` on a user-space core, its executable")
      ->required();
  cmd->add_option("--core,-c", args.core, "the crash dump: ELF vmcore or makedumpfile kdump; for `bt`, also a user-space ELF core")
      ->required();
  cmd->add_option("--format", args.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--force", args.force, "use the vmlinux even if it does not match the dump");
  cmd->add_option("--limit", args.limits, "override a walk limit: NAME=N (see `krdb version --limits`)");
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

Expected<std::unique_ptr<KernelProgram>> open_kernel(const std::string& command,
                                                     const KernelArgs& args) {
  OpenOptions options;
  options.force = args.force;
  auto limits = parse_limits(command, args);
  if (!limits) return limits.error();
  options.limits = *limits;
  auto p = KernelProgram::open_dump(args.vmlinux, args.core, options);
  if (!p) fmt::print(stderr, "krdb {}: {}\n", command, p.error().describe());
  return p;
}

std::map<std::string, std::string> module_files(const std::vector<std::string>& specs) {
  std::map<std::string, std::string> files;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    std::string path = eq == std::string::npos ? s : s.substr(eq + 1);
    std::string name = eq == std::string::npos ? path.substr(path.rfind('/') + 1) : s.substr(0, eq);
    if (name.ends_with(".ko")) name.resize(name.size() - 3);
    files[name] = path;
  }
  return files;
}

}  // namespace krdb::cli
