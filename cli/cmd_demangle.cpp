// `krdb demangle [--form full|short|verbose] [SYMBOL…]`: demangles the given names, or with no
// name rewrites every mangled name in standard input (like rustfilt / c++filt), keeping all other
// bytes as they are.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "form_option.h"
#include "krdb/demangle/demangle.h"

namespace krdb::cli {
namespace {

struct DemangleArgs {
  DemangleForm form = DemangleForm::Full;
  std::vector<std::string> symbols;
  bool rust_only = false;
  unsigned generic_depth = 1;
  std::vector<std::string> elide;
};

int run_filter(const DemangleOptions& options) {
  // Line by line, so the output keeps pace with a live `dmesg -w` or a pipe.
  std::string line;
  std::vector<char> buf(1 << 16);
  std::string out;
  while (std::fgets(buf.data(), int(buf.size()), stdin)) {
    line += buf.data();
    if (line.back() != '\n' && !std::feof(stdin)) continue;
    out = demangle_in_text(line, options);
    std::fwrite(out.data(), 1, out.size(), stdout);
    line.clear();
  }
  if (!line.empty()) {
    out = demangle_in_text(line, options);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return kExitOk;
}

int run(const DemangleArgs& args) {
  DemangleOptions options;
  options.form = args.form;
  options.cxx = !args.rust_only;
  options.short_form.max_generic_depth = args.generic_depth;
  if (!args.elide.empty()) options.short_form.elided_crates = args.elide;
  if (args.symbols.empty()) return run_filter(options);
  for (const auto& s : args.symbols) {
    Demangled d = demangle(s, options);
    std::fwrite(d.text.data(), 1, d.text.size(), stdout);
    std::fputc('\n', stdout);
  }
  return kExitOk;
}

}  // namespace

void add_demangle_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DemangleArgs>();
  auto* cmd = app.add_subcommand(
      "demangle", "Demangle Rust (v0, legacy) and C++ symbols; with no SYMBOL, filter stdin");
  add_form_option(cmd, args->form,
                  "full (as rustfilt), short (for narrow columns), verbose (with crate "
                  "disambiguators and hashes)");
  cmd->add_flag("--rust-only", args->rust_only, "leave C++ names alone (exactly as rustfilt)");
  cmd->add_option("--generic-depth", args->generic_depth,
                  "short form: generic lists nested deeper than this print as <…>");
  cmd->add_option("--elide", args->elide,
                  "short form: crates whose module paths are dropped (default core alloc std kernel)");
  cmd->add_option("symbols", args->symbols, "mangled names (none: read text from stdin)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
