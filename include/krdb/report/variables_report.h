// Printers for a frame's variables (format/frame_variables.h): `krdb print --frame`, the panic
// report, triage and the plugin show them the same way.
// Text: one line per variable, "  param self: &CrashmeState = …" ("local" for locals); JSON: an
// array of {name, kind, type, value, available, address?}.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "krdb/format/frame_variables.h"

namespace krdb {

std::string format_variables(const std::vector<FrameVariableValue>& variables, std::string_view indent = "  ");
nlohmann::json variables_json(const std::vector<FrameVariableValue>& variables);

}  // namespace krdb
