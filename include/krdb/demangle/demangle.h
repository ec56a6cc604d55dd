// Rust symbol demangling (v0 and legacy), C++ through the system's Itanium demangler, C as is.
//
// Contract:
//  - Full form is byte-for-byte what `rustfilt` (rustc-demangle 0.1.21, `{:#}`) prints;
//    Verbose adds crate disambiguators / legacy hashes (rustc-demangle's `{}`); Short is for
//    narrow backtrace columns (see ShortOptions).
//  - Never fails: input that is not a valid mangled name comes back unchanged with ok=false.
//  - Bounded: recursion depth and output size are limited (Limits::demangle_depth/_output);
//    hitting a limit prints a marker ("{recursion limit reached}", "{size limit reached}") as
//    rustc-demangle does, instead of running away.
#pragma once

#include "krdb/base/limits.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace krdb {

enum class DemangleForm { Full, Verbose, Short };

enum class SymbolScheme { Plain, RustLegacy, RustV0, Cxx };

struct ShortOptions {
  // Items of these crates lose their module path: core::ptr::drop_in_place -> drop_in_place.
  std::vector<std::string> elided_crates = {"core", "alloc", "std", "kernel"};
  // Generic argument lists nested deeper than this print as <…>.
  unsigned max_generic_depth = 1;
};

struct DemangleOptions {
  DemangleForm form = DemangleForm::Full;
  bool cxx = true;  // demangle Itanium C++ names that are not Rust names
  ShortOptions short_form;
  // Limits::demangle_depth (500, rustc-demangle's MAX_DEPTH) and demangle_output (as its
  // MAX_SIZE, 1,000,000 bytes) of the process-wide limits unless set otherwise.
  unsigned max_depth = unsigned(default_limits().demangle_depth);
  size_t max_output = size_t(default_limits().demangle_output);
};

struct Demangled {
  std::string text;
  SymbolScheme scheme = SymbolScheme::Plain;
  bool ok = false;  // false: not a mangled name (text is the input, unchanged)
};

// Demangles one whole symbol.
Demangled demangle(std::string_view symbol, const DemangleOptions& options = {});

// The form named "full", "short" or "verbose" (the CLI's --form and the plugin's -f).
std::optional<DemangleForm> parse_demangle_form(std::string_view name);

// Convenience: the demangled text in the given form.
std::string demangle_text(std::string_view symbol, DemangleForm form = DemangleForm::Full);

// Rewrites every mangled name inside arbitrary text (dmesg, oops traces, nm output), keeping every
// other byte as it is. Rust names are found as rustfilt finds them: `_(ZN|R)[$._A-Za-z0-9]*`;
// with options.cxx, other `_Z` names are tried as C++ too.
std::string demangle_in_text(std::string_view text, const DemangleOptions& options = {});

// Short form of an already demangled Rust name (the Short form is Full + this pass).
std::string shorten_rust_name(std::string_view full, const ShortOptions& options = {});

}  // namespace krdb
