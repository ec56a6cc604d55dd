// Printing `krdb panic`'s report (triage/panic.h) for the CLI and the plugin alike: one screen
// that says what happened, and its JSON form.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "krdb/report/backtrace_report.h"
#include "krdb/triage/panic.h"

namespace krdb {


// The text report; problems are returned separately (the CLI prints them on stderr).
std::string format_panic_text(const PanicReport& r, const BacktraceStyle& style);
nlohmann::json panic_to_json(const PanicReport& r, const BacktraceStyle& style);

}  // namespace krdb
