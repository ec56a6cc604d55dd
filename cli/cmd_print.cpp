// `krdb print --vmlinux V --core C EXPR…`: kernel values as their source reads them — C and
// kernel Rust types through the formatter layer (include/krdb/format/value.h). EXPR is a global
// (C name or Rust path) of the vmlinux or of a loaded module, with `*`, `.field`, `->field`, `[i]`,
// or `(TYPE)0xADDRESS`.
// `--frame N` prints the locals and parameters of frame N of the panicking CPU's backtrace
// (numbered as `krdb bt` numbers it; `--cpu` picks another CPU); `--frame N EXPR…` evaluates each
// EXPR there, its leading name being one of the frame's variables (else a global).
#include <fmt/format.h>

#include <functional>

#include "kernel_args.h"
#include "krdb/format/frame_variables.h"
#include "krdb/format/kernel_values.h"
#include "krdb/format/value.h"
#include "krdb/kernel/cpus.h"
#include "krdb/report/json_text.h"
#include "krdb/report/variables_report.h"

namespace krdb::cli {
namespace {

struct PrintArgs {
  KernelArgs kernel;
  ModuleArgs modules;
  std::vector<std::string> expressions;
  std::optional<size_t> frame;
  std::optional<unsigned> cpu;
  // The caps: --limit format_*=N, or these shorthands for them.
  std::optional<uint64_t> max_children, max_string_bytes, max_depth;
  // The program's limits: `--limit format_*=N` given after the command sets those, not the
  // process-wide defaults.
  FormatOptions options(const Limits& limits) const {
    FormatOptions o = format_options(limits);
    if (max_children) o.max_children = *max_children;
    if (max_string_bytes) o.max_string_bytes = *max_string_bytes;
    if (max_depth) o.max_depth = *max_depth;
    return o;
  }
};

// One printed expression: its text, and where and of what type when it is a value in memory.
struct Printed {
  std::string text;
  std::optional<std::string> type;
  std::optional<uint64_t> address;
};

// EXPR = value lines (or a JSON array) for each expression; the exit code of the worst.
int print_expressions(const PrintArgs& a, const std::function<Expected<Printed>(const std::string&)>& eval) {
  int rc = kExitOk;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& expr : a.expressions) {
    auto v = eval(expr);
    if (!v) {
      fmt::print(stderr, "krdb print: {}: {}\n", expr, v.error().describe());
      rc = v.error().kind == ErrorKind::Usage ? kExitUsage : kExitFailed;
      if (a.kernel.format == "json") all.push_back({{"expression", expr}, {"error", v.error().describe()}});
      continue;
    }
    if (a.kernel.format == "json") {
      nlohmann::json one = {{"expression", expr}, {"value", v->text}};
      if (v->type) one["type"] = *v->type;
      if (v->address) one["address"] = *v->address;
      all.push_back(one);
    } else {
      fmt::print("{} = {}\n", expr, v->text);
    }
  }
  if (a.kernel.format == "json") fmt::print("{}\n", json_text(all));
  return rc;
}

// `--frame N`: the variables of one frame of a CPU's backtrace, or expressions over them.
int print_frame(KernelProgram& program, const PrintArgs& a) {
  KernelUnwinder unwinder(program, backtrace_options(a.modules));
  KernelCpus cpus = read_cpus(program, dump_records(*program.dump()), false);
  unsigned cpu = a.cpu.value_or(cpus.panicking.value_or(0));
  auto regs = cpus.registers(cpu);
  if (!regs) {
    fmt::print(stderr, "krdb print: CPU {}: {}\n", cpu, regs.error().describe());
    return kExitFailed;
  }
  KernelBacktrace bt = unwinder.from_registers(*regs);
  auto number = bt.frame_number(*a.frame);
  if (!number) {
    fmt::print(stderr, "krdb print: no frame {} on CPU {} (its backtrace has {} frames; `krdb bt` numbers them)\n",
               *a.frame, cpu, bt.number_of(bt.frames.size()));
    return kExitUsage;
  }
  if (!a.expressions.empty())
    return print_expressions(a, [&](const std::string& expr) -> Expected<Printed> {
      auto text = kernel_frame_expression(program, unwinder, bt, *number, expr, a.options(program.limits()));
      if (!text) return text.error();
      return Printed{*text, std::nullopt, std::nullopt};
    });
  auto vars = kernel_frame_variables(program, unwinder, bt, *number, a.options(program.limits()));
  if (!vars) {
    fmt::print(stderr, "krdb print: frame {}: {}\n", *a.frame, vars.error().describe());
    return exit_code_for(vars.error());
  }
  const Frame& f = bt.frames[number->physical];
  std::string function = f.where.frames.empty() ? f.where.function_name() : f.where.frames[number->inlined].display_name();
  if (a.kernel.format == "json") {
    nlohmann::json out = {{"cpu", cpu}, {"frame", *a.frame}, {"function", function},
                          {"pc", fmt::format("{:#x}", f.pc)}, {"variables", variables_json(*vars)}};
    fmt::print("{}\n", json_text(out));
  } else {
    fmt::print("frame #{} {} (CPU {})\n{}", *a.frame, function, cpu, format_variables(*vars));
  }
  return kExitOk;
}

int run(const PrintArgs& a) {
  auto p = open_kernel("print", a.kernel);
  if (!p) return exit_code_for(p.error());
  KernelProgram& program = **p;
  if (a.frame) return print_frame(program, a);
  KernelUnwinder unwinder(program, backtrace_options(a.modules));  // finds the modules' .ko
  return print_expressions(a, [&](const std::string& expr) -> Expected<Printed> {
    auto v = kernel_global_value(program, unwinder, expr, a.options(program.limits()));
    if (!v) return v.error();
    return Printed{v->text, v->type, v->address};
  });
}

}  // namespace

void add_print_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<PrintArgs>();
  auto* cmd = app.add_subcommand("print", "Print kernel values (C and kernel Rust types) as their source reads them");
  add_kernel_options(cmd, a->kernel);
  cmd->add_option("expressions", a->expressions,
                  "a global (C name or Rust path) with *, .field, ->field, [i]; or (TYPE)0xADDRESS");
  cmd->add_option("--frame", a->frame,
                  "print the locals and parameters of this frame (as `krdb bt` numbers it); with EXPRs, evaluate them there");
  cmd->add_option("--cpu", a->cpu, "with --frame: a CPU's backtrace (default: the one that panicked)");
  add_module_options(cmd, a->modules);
  cmd->add_option("--max-children", a->max_children, "elements shown per container (--limit format_children)");
  cmd->add_option("--max-string", a->max_string_bytes, "bytes shown per string (--limit format_string_bytes)");
  cmd->add_option("--max-depth", a->max_depth, "nesting of values shown (--limit format_depth)");
  cmd->callback([a, &exit_code] {
    if (a->expressions.empty() && !a->frame) {
      fmt::print(stderr, "krdb print: give expressions, --frame N, or both\n");
      exit_code = kExitUsage;
      return;
    }
    exit_code = run(*a);
  });
}

}  // namespace krdb::cli
