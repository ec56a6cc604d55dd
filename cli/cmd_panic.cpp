// `krdb panic --vmlinux V --core C`: one screen that says what happened — the panic reason, the
// Rust panic message and FILE:LINE:COL, task and CPU, the faulting frame, and the whole
// cross-boundary stack from the faulting frame down; a stable signature for CI. Exit code 1
// when the dump holds a panic (a finding), 0 when it does not.
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/report/json_text.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/panic.h"
#include "krdb/report/address_report.h"
#include "krdb/report/backtrace_report.h"

namespace krdb::cli {
namespace {

struct PanicArgs {
  KernelArgs kernel;
  bool full_names = false;
  ModuleArgs modules;
};

// The Rust frame that panicked: the one whose source location is the `panicked at` site, else
// the first Rust frame behind the exception (panic_fmt and the helpers are not it).
std::optional<std::pair<size_t, const FrameInfo*>> rust_frame(const PanicReport& r) {
  if (!r.backtrace || !r.faulting_frame) return std::nullopt;
  std::optional<std::pair<size_t, const FrameInfo*>> first;
  for (size_t i = *r.faulting_frame; i < r.backtrace->frames.size(); ++i)
    for (const FrameInfo& fi : r.backtrace->frames[i].where.frames) {
      if (fi.language != Language::Rust) continue;
      if (r.rust_panic && fi.location.line == r.rust_panic->line &&
          r.rust_panic->file.ends_with(fi.location.file.substr(fi.location.file.rfind('/') + 1)))
        return std::make_pair(i, &fi);
      if (!first && fi.location.file.find("/rustlib/") == std::string::npos) first = std::make_pair(i, &fi);
    }
  return first;
}

void print_text(const PanicReport& r, const BacktraceStyle& style) {
  fmt::print("PANIC    {}\n", r.panic_message.value_or("(no panic message in the kernel log)"));
  if (r.rust_panic)
    fmt::print("RUST     panicked at {}:{}:{}\n         {}\n", r.rust_panic->file, r.rust_panic->line,
               r.rust_panic->column, r.rust_panic->message);
  for (const auto& l : r.oops_lines) fmt::print("OOPS     {}\n", l);
  if (r.task)
    fmt::print("TASK     pid {} ({}) on CPU {}{}\n", r.task->pid, r.task->comm,
               r.cpu ? std::to_string(*r.cpu) : "?", r.taint ? " · " + *r.taint : "");
  if (r.backtrace && r.faulting_frame) {
    const KernelFrame& f = r.backtrace->frames[*r.faulting_frame];
    fmt::print("FAULT    {} at {} [{}], behind {}\n", f.where.function_name(style.form),
               f.where.frames.empty() ? "??" : format_location(f.where.frames.front().location),
               to_string(f.where.language), r.backtrace->frames[*r.faulting_frame - 1].trap);
  }
  if (auto rust = rust_frame(r)) {
    const auto& [frame, fi] = *rust;
    fmt::print("RUST AT  {} at {} (frame #{} below)\n", fi->display_name(style.form),
               format_location(fi->location), frame - *r.faulting_frame);
  }
  fmt::print("SIGNATURE {}\n\n", r.signature);
  if (r.backtrace) {
    KernelBacktrace from_fault = *r.backtrace;
    if (r.faulting_frame) {
      fmt::print("Stack from the faulting frame down (the {} frames above it are the panic path; "
                 "`krdb bt` shows them):\n", *r.faulting_frame);
      from_fault.frames.erase(from_fault.frames.begin(),
                              from_fault.frames.begin() + std::ptrdiff_t(*r.faulting_frame));
      from_fault.frames.front().pt_regs.reset();
    }
    fmt::print("{}", format_backtrace(from_fault, style));
  }
  for (const auto& p : r.problems) fmt::print(stderr, "krdb panic: note: {}\n", p);
}

nlohmann::json to_json(const PanicReport& r, const BacktraceStyle& style) {
  nlohmann::json j;
  if (r.panic_message) j["panic_message"] = *r.panic_message;
  if (r.rust_panic)
    j["rust_panic"] = {{"file", r.rust_panic->file}, {"line", r.rust_panic->line},
                       {"column", r.rust_panic->column}, {"message", r.rust_panic->message}};
  j["oops"] = r.oops_lines;
  if (r.taint) j["taint"] = *r.taint;
  if (r.cpu) j["cpu"] = *r.cpu;
  if (r.task) j["task"] = {{"pid", r.task->pid}, {"comm", r.task->comm}};
  if (r.backtrace) j["backtrace"] = backtrace_to_json(*r.backtrace, style);
  if (r.faulting_frame) j["faulting_frame"] = *r.faulting_frame;
  j["signature"] = r.signature;
  j["problems"] = r.problems;
  return j;
}

int run(const PanicArgs& a) {
  auto p = open_kernel("panic", a.kernel);
  if (!p) return exit_code_for(p.error());
  KernelUnwinder unwinder(**p, backtrace_options(a.modules));
  auto records = dump_records(*(*p)->dump());
  KernelCpus cpus = read_cpus(**p, records, false);
  PanicReport r = analyze_panic(**p, cpus, unwinder);
  BacktraceStyle style{a.full_names ? DemangleForm::Full : DemangleForm::Short, false};
  if (a.kernel.format == "json") fmt::print("{}\n", json_text(to_json(r, style)));
  else print_text(r, style);
  bool panicked = r.cpu || r.panic_message || r.rust_panic;
  return panicked ? kExitFindings : kExitOk;
}

}  // namespace

void add_panic_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<PanicArgs>();
  auto* cmd = app.add_subcommand("panic", "What happened: panic reason, Rust panic site, faulting frame, stack");
  add_kernel_options(cmd, a->kernel);
  cmd->add_flag("--full-names", a->full_names, "full Rust paths instead of the short form");
  add_module_options(cmd, a->modules);
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace krdb::cli
