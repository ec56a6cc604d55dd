// Printing triage results for the CLI and the plugin alike: text for people and CI logs (the
// first line is the crash title), Markdown for bug reports, and JSON for scripts — one object
// per input, on one line, following docs/triage.schema.json (schema "krdb-triage/1").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "krdb/triage/triage.h"

namespace krdb {

inline constexpr const char* kTriageSchema = "krdb-triage/1";

std::string format_triage_text(const TriageResult& result, bool stacks = true);
std::string format_triage_markdown(const TriageResult& result);
nlohmann::json triage_to_json(const TriageResult& result);

}  // namespace krdb
