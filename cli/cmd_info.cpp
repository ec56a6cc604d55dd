// `krdb info --vmlinux V --core C`: the dump at a glance — format, kernel release, build-id
// match, KASLR offset, CPUs with the task each ran and which one panicked, modules, log size.
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/kernel/modules.h"
#include "krdb/kernel/printk.h"
#include "krdb/kernel/tasks.h"

namespace krdb::cli {
namespace {

int run(const KernelArgs& args) {
  auto p = open_kernel("info", args);
  if (!p) return exit_code_for(p.error());
  KernelProgram& prog = **p;
  Dump& dump = *prog.dump();
  nlohmann::json j;
  j["dump"] = {{"path", dump.path()}, {"format", dump.format()}, {"description", dump.description()}};
  j["osrelease"] = dump.osrelease().value_or("?");
  j["build_id"] = dump.build_id().value_or("?");
  j["vmlinux_matches"] = !args.force || bool(dump.check_vmlinux(prog.debug_info().elf()));
  j["kaslr_offset"] = fmt::format("{:#x}", prog.kaslr_offset());
  auto panicking = panic_cpu(prog);
  for (const CpuState& cpu : dump.cpus()) {
    nlohmann::json c = {{"cpu", cpu.index}, {"pc", fmt::format("{:#x}", cpu.registers.pc())}};
    if (auto curr = cpu_curr(prog, cpu.index))
      if (auto t = read_task(prog, *curr)) c["task"] = {{"pid", t->pid}, {"comm", t->comm}};
    c["panicking"] = panicking && *panicking && **panicking == cpu.index;
    j["cpus"].push_back(c);
  }
  ModuleList modules = list_modules(prog);
  for (const auto& m : modules.modules) j["modules"].push_back(m.name);
  if (auto log = read_printk(prog)) j["log_records"] = log->records.size();
  if (args.format == "json") {
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print("dump       {} ({}, {})\n", dump.path(), dump.format(), dump.description());
  fmt::print("kernel     {} · build-id {} · {}\n", j["osrelease"].get<std::string>(),
             j["build_id"].get<std::string>(), j["vmlinux_matches"].get<bool>() ? "vmlinux matches" : "vmlinux NOT checked (--force)");
  fmt::print("KASLR      offset {}\n", j["kaslr_offset"].get<std::string>());
  for (const auto& c : j["cpus"])
    fmt::print("CPU {:<3}    pc {}  {}{}\n", c["cpu"].get<unsigned>(), c["pc"].get<std::string>(),
               c.contains("task") ? fmt::format("pid {} ({})", c["task"]["pid"].get<int64_t>(),
                                                c["task"]["comm"].get<std::string>())
                                  : "task ?",
               c["panicking"].get<bool>() ? "  ← panicked here" : "");
  fmt::print("modules    {}\n", modules.modules.size());
  if (j.contains("log_records")) fmt::print("log        {} records (krdb dmesg)\n", j["log_records"].get<size_t>());
  return kExitOk;
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<KernelArgs>();
  auto* cmd = app.add_subcommand("info", "The dump at a glance: kernel, KASLR, CPUs and their tasks, modules");
  add_kernel_options(cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
