#include "krdb/report/kernel_report.h"

#include <fmt/format.h>

namespace krdb {

std::string format_tasks(const TaskList& list) {
  std::string out = "   PID   PPID  CPU ST  TASK                COMM\n";
  for (const auto& t : list.tasks)
    out += fmt::format("{}{:>5} {:>6} {:>4} {:>2}  {:#018x}  {}\n", t.on_cpu ? '>' : ' ', t.pid,
                       t.ppid, t.cpu ? std::to_string(*t.cpu) : "?", t.state, t.address, t.comm);
  for (const auto& e : list.errors) out += "warning: " + e.describe() + "\n";
  if (list.truncated) out += "list incomplete: " + list.truncated->describe() + "\n";
  return out;
}

nlohmann::json tasks_to_json(const TaskList& list) {
  nlohmann::json j;
  j["tasks"] = nlohmann::json::array();
  for (const auto& t : list.tasks)
    j["tasks"].push_back({{"pid", t.pid}, {"tgid", t.tgid}, {"ppid", t.ppid}, {"comm", t.comm},
                          {"state", std::string(1, t.state)}, {"cpu", t.cpu.value_or(-1)},
                          {"on_cpu", t.on_cpu}, {"task", fmt::format("{:#x}", t.address)}});
  if (list.truncated) j["truncated"] = list.truncated->describe();
  for (const auto& e : list.errors) j["errors"].push_back(e.describe());
  return j;
}

}  // namespace krdb
