// The legacy Rust mangling: Itanium-like nested names whose elements carry rustc's own escapes.
//   <symbol> = "_ZN" {<decimal-length> <element>} "E" [<suffix>]
// The last element of a rustc symbol is "h" + 16 hex digits (the hash), dropped in Full form.
#include "rust_legacy.h"

#include <cstdint>
#include <string>

#include "output.h"

namespace krdb::demangle_detail {

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

LegacyResult legacy_parse(std::string_view s) {
  LegacyResult r;
  std::string_view inner;
  if (s.substr(0, 3) == "_ZN") inner = s.substr(3);
  else if (s.substr(0, 2) == "ZN") inner = s.substr(2);
  else if (s.substr(0, 4) == "__ZN") inner = s.substr(4);
  else return r;
  for (char c : inner)
    if (uint8_t(c) & 0x80) return r;
  size_t pos = 0, elements = 0;
  for (;;) {
    if (pos >= inner.size()) return r;
    if (inner[pos] == 'E') break;
    if (!is_digit(inner[pos])) return r;
    size_t len = 0;
    while (pos < inner.size() && is_digit(inner[pos])) {
      if (__builtin_mul_overflow(len, size_t(10), &len) ||
          __builtin_add_overflow(len, size_t(inner[pos] - '0'), &len))
        return r;
      ++pos;
    }
    // The element's bytes, then at least one more byte (the next length or the closing E).
    if (len >= inner.size() - pos) return r;
    pos += len;
    ++elements;
  }
  r.valid = true;
  r.inner = inner;
  r.elements = elements;
  r.suffix = inner.substr(pos + 1);
  return r;
}

static bool is_rust_hash(std::string_view s) {
  if (s.empty() || s[0] != 'h') return false;
  for (char c : s.substr(1))
    if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

// "$LT$" and friends; "$u7b$" is a code point in lower-case hex. Unknown escapes end the
// element's decoding: the rest is printed raw (as rustc-demangle does).
static const char* simple_escape(std::string_view e) {
  if (e == "SP") return "@";
  if (e == "BP") return "*";
  if (e == "RF") return "&";
  if (e == "LT") return "<";
  if (e == "GT") return ">";
  if (e == "LP") return "(";
  if (e == "RP") return ")";
  if (e == "C") return ",";
  return nullptr;
}

static bool print_element(std::string_view rest, Output& out) {
  if (rest.substr(0, 2) == "_$") rest.remove_prefix(1);
  for (;;) {
    if (!rest.empty() && rest[0] == '.') {
      if (rest.size() > 1 && rest[1] == '.') {
        if (!out.write("::")) return false;
        rest.remove_prefix(2);
      } else {
        if (!out.write(".")) return false;
        rest.remove_prefix(1);
      }
    } else if (!rest.empty() && rest[0] == '$') {
      auto end = rest.find('$', 1);
      if (end == std::string_view::npos) break;
      auto escape = rest.substr(1, end - 1);
      auto after = rest.substr(end + 1);
      if (const char* s = simple_escape(escape)) {
        if (!out.write(s)) return false;
        rest = after;
        continue;
      }
      if (escape.empty() || escape[0] != 'u') break;
      auto digits = escape.substr(1);
      bool lower_hex = !digits.empty();
      uint64_t cp = 0;
      for (char c : digits) {
        if (is_digit(c)) cp = cp * 16 + (c - '0');
        else if (c >= 'a' && c <= 'f') cp = cp * 16 + (c - 'a' + 10);
        else lower_hex = false;
        if (cp > 0x10ffff) cp = 0x110000;  // saturate: stays invalid, never overflows
      }
      if (!lower_hex || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || is_control(cp)) break;
      if (!out.write_char(char32_t(cp))) return false;
      rest = after;
    } else {
      auto i = rest.find_first_of("$.");
      if (i == std::string_view::npos) break;
      if (!out.write(rest.substr(0, i))) return false;
      rest.remove_prefix(i);
    }
  }
  return out.write(rest);
}

bool legacy_print(const LegacyResult& sym, bool verbose, Output& out) {
  std::string_view inner = sym.inner;
  for (size_t element = 0; element < sym.elements; ++element) {
    size_t digits = 0;
    size_t len = 0;
    while (is_digit(inner[digits])) len = len * 10 + (inner[digits++] - '0');
    std::string_view rest = inner.substr(digits, len);
    inner.remove_prefix(digits + len);
    if (!verbose && element + 1 == sym.elements && is_rust_hash(rest)) break;
    if (element != 0 && !out.write("::")) return false;
    if (!print_element(rest, out)) return false;
  }
  return true;
}

}  // namespace krdb::demangle_detail
