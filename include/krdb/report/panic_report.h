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

// The Rust frame that panicked: the one whose source location is the `panicked at` site, else
// the first Rust frame behind the exception (panic_fmt and the helpers are not it).
std::optional<std::pair<size_t, const FrameInfo*>> panicking_rust_frame(const PanicReport& r);

// The text report; problems are returned separately (the CLI prints them on stderr).
std::string format_panic_text(const PanicReport& r, const BacktraceStyle& style);
nlohmann::json panic_to_json(const PanicReport& r, const BacktraceStyle& style);

}  // namespace krdb
