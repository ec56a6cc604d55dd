#include "krdb/report/variables_report.h"

#include <fmt/format.h>

namespace krdb {

std::string format_variables(const std::vector<FrameVariableValue>& variables, std::string_view indent) {
  if (variables.empty()) return fmt::format("{}(no variables in DWARF at this pc)\n", indent);
  std::string out;
  for (const FrameVariableValue& v : variables)
    out += fmt::format("{}{} {}: {} = {}\n", indent, v.parameter ? "param" : "local", v.name, v.type, v.text);
  return out;
}

nlohmann::json variables_json(const std::vector<FrameVariableValue>& variables) {
  nlohmann::json out = nlohmann::json::array();
  for (const FrameVariableValue& v : variables) {
    nlohmann::json j = {{"name", v.name}, {"kind", v.parameter ? "parameter" : "local"}, {"type", v.type},
                        {"value", v.text}, {"available", v.available}};
    if (v.address) j["address"] = fmt::format("{:#x}", *v.address);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace krdb
