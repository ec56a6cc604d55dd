#include "krdb/base/number.h"

#include <charconv>

namespace krdb {

std::optional<uint64_t> parse_unsigned(std::string_view s, int base) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_hex_address(std::string_view s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  return parse_unsigned(s, 16);
}

}  // namespace krdb
