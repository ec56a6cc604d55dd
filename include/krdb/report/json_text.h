// JSON as text for every krdb report (CLI --format json, the plugin's --json): strings read from
// dumps (task names, log lines, symbols) may hold any bytes; each invalid UTF-8 sequence becomes
// U+FFFD instead of aborting the output (nlohmann's default throws on them).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace krdb {

std::string json_text(const nlohmann::json& j, int indent = 2);

}  // namespace krdb
