// Internal to demangle/: the Rust v0 mangling grammar (RFC 2603), as rustc-demangle 0.1.21
// parses and prints it.
#pragma once

#include <string>
#include <string_view>

namespace krdb::demangle_detail {

struct V0Result {
  bool valid = false;         // the symbol parses as v0
  std::string_view inner;     // the symbol after the _R / R / __R prefix, up to the suffix
  std::string_view suffix;    // what follows the path(s): ".llvm.…", "" …
};

// Validates without printing (backreferences are not followed, as in rustc-demangle).
V0Result v0_parse(std::string_view symbol, unsigned max_depth);

// Prints the main path of a validated symbol. Returns false if the output budget ran out.
bool v0_print(std::string_view inner, bool verbose, unsigned max_depth, class Output& out);

}  // namespace krdb::demangle_detail
