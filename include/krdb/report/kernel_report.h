// Printing the kernel model (tasks, modules, the summary) for the CLI and the plugin alike.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "krdb/kernel/modules.h"
#include "krdb/kernel/summary.h"
#include "krdb/kernel/tasks.h"

namespace krdb {

// A `ps`-like table: running tasks marked '>' (as crash does), then warnings.
std::string format_tasks(const TaskList& list);
nlohmann::json tasks_to_json(const TaskList& list);

// One row per module: struct module address, name, state, text base and size; then warnings.
std::string format_modules(const ModuleList& list);
nlohmann::json modules_to_json(const ModuleList& list);

// `krdb info`'s kernel part: release, KASLR, CPUs (panicking one marked), modules, log size.
std::string format_summary(const KernelSummary& summary);
nlohmann::json summary_to_json(const KernelSummary& summary);

}  // namespace krdb
