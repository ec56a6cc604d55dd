// Internal to demangle/: the legacy Rust scheme (_ZN <len><ident>… E, `$LT$`-style escapes,
// trailing h<hash>), as rustc-demangle 0.1.21 parses and prints it.
#pragma once

#include <string_view>

namespace krdb::demangle_detail {

class Output;

struct LegacyResult {
  bool valid = false;
  std::string_view inner;   // after _ZN / ZN / __ZN
  size_t elements = 0;
  std::string_view suffix;  // after the closing E
};

LegacyResult legacy_parse(std::string_view symbol);
bool legacy_print(const LegacyResult& sym, bool verbose, Output& out);

}  // namespace krdb::demangle_detail
