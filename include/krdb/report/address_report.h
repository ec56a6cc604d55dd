// Printing symbolized addresses (dwarf/debug_info.h) for the CLI and the plugin alike:
// krdb's text form, addr2line's `-f -i` form (a drop-in for scripts), and JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "krdb/dwarf/debug_info.h"

namespace krdb {

// "0x…: name at file:line:col [Rust]" then "    inlined into name at …" per outer frame.
std::string format_address_text(const AddressInfo& info, DemangleForm form);
// addr2line -f -i [-C]: for each frame, a name line and a "file:line" line ("??" when unknown).
std::string format_address_addr2line(const AddressInfo& info, bool demangle_names);
nlohmann::json address_to_json(const AddressInfo& info, DemangleForm form);
std::string format_location(const SourceLocation& loc);  // "file:line:col" or "??"

}  // namespace krdb
