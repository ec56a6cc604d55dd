// The `--form full|short|verbose` option of the commands that print Rust names.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "krdb/demangle/demangle.h"

namespace krdb::cli {

// Adds --form to `cmd`, storing the parsed form in `form` (which must outlive the parse).
inline CLI::Option* add_form_option(CLI::App* cmd, DemangleForm& form, const std::string& help) {
  return cmd->add_option_function<std::string>(
      "--form",
      [&form](const std::string& name) {
        auto parsed = parse_demangle_form(name);
        if (!parsed) throw CLI::ValidationError("--form", "use full, short or verbose");
        form = *parsed;
      },
      help);
}

}  // namespace krdb::cli
