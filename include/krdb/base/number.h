// Parsing numbers from text the user or a file gives (addresses, limits, VMCOREINFO values):
// the whole text must be the number; nullopt otherwise (no exceptions, no partial parses).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace krdb {

std::optional<uint64_t> parse_unsigned(std::string_view text, int base);
// "ffffffff81000000" or "0xffffffff81000000" (addr2line's and LLDB's spellings).
std::optional<uint64_t> parse_hex_address(std::string_view text);

}  // namespace krdb
