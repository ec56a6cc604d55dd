// `krdb print --vmlinux V --core C EXPR…`: kernel values as their source reads them — C and
// kernel Rust types through the formatter layer (include/krdb/format/value.h). EXPR is a global
// (C name or Rust path) with `*`, `.field`, `->field`, `[i]`, or `(TYPE)0xADDRESS`.
#include <fmt/format.h>

#include "kernel_args.h"
#include "krdb/format/value.h"
#include "krdb/report/json_text.h"

namespace krdb::cli {
namespace {

struct PrintArgs {
  KernelArgs kernel;
  std::vector<std::string> expressions;
  FormatOptions options;
};

int run(const PrintArgs& a) {
  auto p = open_kernel("print", a.kernel);
  if (!p) return exit_code_for(p.error());
  KernelProgram& program = **p;
  ValueFormatter formatter(program.debug_info(), program.memory(), program.kaslr_offset(), a.options);
  int rc = kExitOk;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& expr : a.expressions) {
    auto v = formatter.evaluate(expr);
    if (!v) {
      fmt::print(stderr, "krdb print: {}: {}\n", expr, v.error().describe());
      rc = v.error().kind == ErrorKind::Usage ? kExitUsage : kExitFailed;
      if (a.kernel.format == "json") all.push_back({{"expression", expr}, {"error", v.error().describe()}});
      continue;
    }
    std::string text = formatter.format(*v);
    if (a.kernel.format == "json")
      all.push_back({{"expression", expr}, {"type", formatter.type_name(v->type)},
                     {"address", v->address}, {"value", text}});
    else
      fmt::print("{} = {}\n", expr, text);
  }
  if (a.kernel.format == "json") fmt::print("{}\n", json_text(all));
  return rc;
}

}  // namespace

void add_print_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<PrintArgs>();
  auto* cmd = app.add_subcommand("print", "Print kernel values (C and kernel Rust types) as their source reads them");
  add_kernel_options(cmd, a->kernel);
  cmd->add_option("expressions", a->expressions,
                  "a global (C name or Rust path) with *, .field, ->field, [i]; or (TYPE)0xADDRESS")
      ->required();
  cmd->add_option("--max-children", a->options.max_children, "elements shown per container (default 32)");
  cmd->add_option("--max-string", a->options.max_string_bytes, "bytes shown per string (default 256)");
  cmd->add_option("--max-depth", a->options.max_depth, "nesting of values shown (default 8)");
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace krdb::cli
