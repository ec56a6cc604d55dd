#include "krdb/report/kernel_report.h"

#include <algorithm>

#include <fmt/format.h>

namespace krdb {

std::string format_tasks(const TaskList& list) {
  std::string out = "   PID   PPID  CPU ST  TASK                COMM\n";
  for (const auto& t : list.tasks)
    out += fmt::format("{}{:>5} {:>6} {:>4} {:>2}  {:#018x}  {}\n", t.on_cpu ? '>' : ' ', t.pid,
                       t.ppid ? std::to_string(*t.ppid) : "?", t.cpu ? std::to_string(*t.cpu) : "?", t.state,
                       t.address, t.comm);
  for (const auto& e : list.errors) out += "warning: " + e.describe() + "\n";
  if (list.truncated) out += "list incomplete: " + list.truncated->describe() + "\n";
  return out;
}

nlohmann::json tasks_to_json(const TaskList& list) {
  nlohmann::json j;
  j["tasks"] = nlohmann::json::array();
  for (const auto& t : list.tasks)
    j["tasks"].push_back({{"pid", t.pid}, {"tgid", t.tgid}, {"ppid", t.ppid ? nlohmann::json(*t.ppid) : nlohmann::json()}, {"comm", t.comm},
                          {"state", std::string(1, t.state)}, {"cpu", t.cpu.value_or(-1)},
                          {"on_cpu", t.on_cpu}, {"task", fmt::format("{:#x}", t.address)}});
  if (list.truncated) j["truncated"] = list.truncated->describe();
  for (const auto& e : list.errors) j["errors"].push_back(e.describe());
  return j;
}

}  // namespace krdb

namespace krdb {

namespace {

const ModuleRegion* text_region(const ModuleInfo& m) {
  for (const auto& r : m.regions)
    if (r.kind == "MOD_TEXT") return &r;
  return nullptr;
}

}  // namespace

std::string format_modules(const ModuleList& list) {
  std::string out = "MODULE              NAME                  STATE     TEXT BASE           SIZE      BUILD-ID\n";
  for (const auto& m : list.modules) {
    const ModuleRegion* text = text_region(m);
    out += fmt::format("{:#018x}  {:<20}  {:<8}  {:#018x}  {:<8}  {}\n", m.address, m.name,
                       module_state_name(m.state), text ? text->base : 0, text ? text->size : 0,
                       m.build_id.value_or("-"));
    for (const auto& e : m.errors) out += "warning: " + m.name + ": " + e.describe() + "\n";
  }
  if (list.truncated) out += "list incomplete: " + list.truncated->describe() + "\n";
  return out;
}

nlohmann::json modules_to_json(const ModuleList& list) {
  nlohmann::json j = {{"modules", nlohmann::json::array()}};
  for (const auto& m : list.modules) {
    nlohmann::json mj = {{"name", m.name}, {"state", module_state_name(m.state)},
                         {"build_id", m.build_id ? nlohmann::json(*m.build_id) : nlohmann::json(nullptr)},
                         {"orc_entries", m.orc ? nlohmann::json(m.orc->count) : nlohmann::json(nullptr)},
                         {"module", fmt::format("{:#x}", m.address)}};
    for (const auto& r : m.regions)
      mj["regions"].push_back({{"kind", r.kind}, {"base", fmt::format("{:#x}", r.base)}, {"size", r.size}});
    for (const auto& s : m.sections)
      mj["sections"].push_back({{"name", s.name}, {"address", fmt::format("{:#x}", s.address)}});
    for (const auto& e : m.errors) mj["errors"].push_back(e.describe());
    j["modules"].push_back(mj);
  }
  if (list.truncated) j["truncated"] = list.truncated->describe();
  return j;
}

std::string format_summary(const KernelSummary& s) {
  std::string out = fmt::format("kernel     {}\n", s.release.value_or("? (init_uts_ns unreadable)"));
  out += fmt::format("KASLR      offset {:#x}\n", s.kaslr_offset);
  out += fmt::format("CPUs       {} (registers by {})\n", s.cpus.size(), s.cpu_numbering);
  bool panicked = std::any_of(s.cpus.begin(), s.cpus.end(), [](const CpuSummary& c) { return c.panicking; });
  for (const auto& c : s.cpus) {
    std::string pc = c.pc ? fmt::format("pc {:#018x}  ", *c.pc) : "";
    std::string task = c.task ? fmt::format("pid {} ({})", c.task->pid, c.task->comm) : "task ?";
    // panic() takes the other CPUs offline when it stops them (stop_this_cpu): say so.
    std::string note = c.online == false ? (panicked ? "  (offline: stopped by the panic)" : "  (offline)")
                     : c.missing ? "  (no registers: " + *c.missing + ")" : "";
    out += fmt::format("CPU {:<3}    {}{}{}{}\n", c.index, pc, task, c.panicking ? "  ← panicked here" : "", note);
  }
  out += fmt::format("modules    {}\n", s.modules ? std::to_string(*s.modules) : "?");
  if (s.log_records) out += fmt::format("log        {} records (krdb dmesg)\n", *s.log_records);
  for (const auto& e : s.errors) out += "warning: " + e.describe() + "\n";
  return out;
}

nlohmann::json summary_to_json(const KernelSummary& s) {
  nlohmann::json j;
  j["osrelease"] = s.release ? nlohmann::json(*s.release) : nlohmann::json(nullptr);
  j["kaslr_offset"] = fmt::format("{:#x}", s.kaslr_offset);
  j["cpu_numbering"] = s.cpu_numbering;
  j["cpus"] = nlohmann::json::array();
  for (const auto& c : s.cpus) {
    nlohmann::json cj = {{"cpu", c.index}, {"panicking", c.panicking}};
    if (c.online) cj["online"] = *c.online;
    if (c.pc) cj["pc"] = fmt::format("{:#x}", *c.pc);
    if (c.missing) cj["missing_registers"] = *c.missing;
    if (c.task) cj["task"] = {{"pid", c.task->pid}, {"comm", c.task->comm}};
    j["cpus"].push_back(cj);
  }
  j["modules"] = s.modules ? nlohmann::json(*s.modules) : nlohmann::json(nullptr);
  j["log_records"] = s.log_records ? nlohmann::json(*s.log_records) : nlohmann::json(nullptr);
  for (const auto& e : s.errors) j["errors"].push_back(e.describe());
  return j;
}

}  // namespace krdb
