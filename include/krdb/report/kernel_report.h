// Printing the kernel model (tasks) for the CLI and the plugin alike.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "krdb/kernel/tasks.h"

namespace krdb {

// A `ps`-like table: running tasks marked '>' (as crash does), then warnings.
std::string format_tasks(const TaskList& list);
nlohmann::json tasks_to_json(const TaskList& list);

}  // namespace krdb
