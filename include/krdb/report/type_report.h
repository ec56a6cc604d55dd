// Printing types (dwarf/type.h) for the CLI and the plugin: a type's name as its language writes
// it, and its layout (members with offsets and sizes; Rust enum variants with discriminants).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "krdb/dwarf/debug_info.h"

namespace krdb {

std::string format_type_layout(DebugInfo& info, const Type& type);
nlohmann::json type_to_json(DebugInfo& info, const Type& type);

}  // namespace krdb
