// Short form for narrow backtrace columns, computed from the Full text in two linear passes so
// that it is the same for v0 and legacy names (both print the same Rust path syntax):
//  1. generic argument lists nested deeper than max_generic_depth become "<…>";
//     a "<" that opens a qualified path ("<T as Trait>", "<T>::f") is not a generic list;
//  2. a path rooted in a well-known crate loses its crate and lower-case module segments,
//     keeping the first type-like (upper-case) segment onward: core::fmt::Formatter::write_str
//     -> Formatter::write_str, core::ptr::drop_in_place -> drop_in_place; the function owning a
//     closure is kept: kernel::init::pin_init::{closure#0} -> pin_init::{closure#0}.
#include <algorithm>
#include <string>

#include "krdb/demangle/demangle.h"

namespace krdb {
namespace {

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (uint8_t(c) & 0x80);
}

// A "<" opens generic arguments when it follows a name ("Arc<", "f::<", "}<", ">< " is not Rust).
bool opens_generics(std::string_view s, size_t i) {
  if (i == 0) return false;
  char p = s[i - 1];
  return is_ident_char(p) || p == ':' || p == '}' || p == '>';
}

// Index just past the ">" matching the "<" at i (or s.size() if unbalanced).
size_t skip_angle(std::string_view s, size_t i) {
  int depth = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] == '<') ++depth;
    else if (s[j] == '>' && !(j > 0 && s[j - 1] == '-') && --depth == 0) return j + 1;
  }
  return s.size();
}

std::string collapse_generics(std::string_view s, unsigned max_depth) {
  std::string out;
  out.reserve(s.size());
  std::string kinds;  // stack: 'g' generic list, 'q' qualified path
  unsigned generic_depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '<') {
      if (opens_generics(s, i)) {
        if (generic_depth >= max_depth) {
          out += "<…>";
          i = skip_angle(s, i) - 1;
          continue;
        }
        ++generic_depth;
        kinds += 'g';
      } else {
        kinds += 'q';
      }
    } else if (c == '>' && !(i > 0 && s[i - 1] == '-') && !kinds.empty()) {
      if (kinds.back() == 'g') --generic_depth;
      kinds.pop_back();
    }
    out += c;
  }
  return out;
}

bool is_upper_initial(std::string_view seg) { return !seg.empty() && seg[0] >= 'A' && seg[0] <= 'Z'; }

std::string elide_crates(std::string_view s, const std::vector<std::string>& crates) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool path_start = is_ident_char(s[i]) && (i == 0 || (!is_ident_char(s[i - 1]) && s[i - 1] != ':'));
    if (!path_start) {
      out += s[i++];
      continue;
    }
    // Plain segments "name::" from here on.
    std::vector<std::pair<size_t, size_t>> segs;  // [begin, end) of each name
    size_t j = i;
    for (;;) {
      size_t b = j;
      while (j < s.size() && is_ident_char(s[j])) ++j;
      if (j == b || s.substr(j, 2) != "::") {
        j = b;
        break;
      }
      segs.emplace_back(b, j);
      j += 2;
    }
    bool elide = !segs.empty() &&
                 std::find(crates.begin(), crates.end(),
                           std::string(s.substr(segs[0].first, segs[0].second - segs[0].first))) !=
                     crates.end();
    if (!elide) {  // copy the first name; the scan continues inside the path
      while (i < s.size() && is_ident_char(s[i])) out += s[i++];
      continue;
    }
    size_t keep = 1;  // drop the crate, then lower-case modules
    while (keep < segs.size() &&
           !is_upper_initial(s.substr(segs[keep].first, segs[keep].second - segs[keep].first)))
      ++keep;
    // Keep the item itself when only punctuation follows: "drop_in_place::<T>", and
    // "{closure#0}" / "{shim:…}" read better with the function that owns them.
    if (keep == segs.size() && keep > 1 && (j >= s.size() || !is_ident_char(s[j]))) --keep;
    i = keep < segs.size() ? segs[keep].first : j;
  }
  return out;
}

}  // namespace

std::string shorten_rust_name(std::string_view full, const ShortOptions& options) {
  return elide_crates(collapse_generics(full, options.max_generic_depth), options.elided_crates);
}

}  // namespace krdb
