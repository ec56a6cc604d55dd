#include "output.h"

#include <fmt/format.h>

namespace krdb::demangle_detail {

void append_utf8(std::string& s, char32_t c) {
  if (c < 0x80) {
    s += char(c);
  } else if (c < 0x800) {
    s += char(0xc0 | (c >> 6));
    s += char(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    s += char(0xe0 | (c >> 12));
    s += char(0x80 | ((c >> 6) & 0x3f));
    s += char(0x80 | (c & 0x3f));
  } else {
    s += char(0xf0 | (c >> 18));
    s += char(0x80 | ((c >> 12) & 0x3f));
    s += char(0x80 | ((c >> 6) & 0x3f));
    s += char(0x80 | (c & 0x3f));
  }
}

bool Output::write_char(char32_t c) {
  std::string s;
  append_utf8(s, c);
  return write(s);
}

bool Output::write_u64(uint64_t v) { return write(fmt::format_int(v).str()); }

bool Output::write_hex(uint64_t v) { return write(fmt::format("{:x}", v)); }

// Printability outside ASCII needs Unicode's tables, which Rust's core embeds; we approximate
// with the ranges that matter for identifiers and string constants: C1 controls, the soft hyphen,
// combining marks (grapheme extenders), surrogates and private-use are escaped, the rest printed.
static bool needs_unicode_escape(char32_t c) {
  if (c < 0x20 || c == 0x7f) return true;
  if (c < 0x7f) return false;
  if (c < 0xa0 || c == 0xad) return true;
  if ((c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) ||
      (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f))
    return true;
  if ((c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f))
    return true;
  if ((c >= 0xd800 && c <= 0xf8ff) || c == 0xfeff || (c >= 0xfff0 && c <= 0xfffb)) return true;
  if (c >= 0xe0000) return true;
  return false;
}

bool write_escape_debug(Output& out, char32_t c) {
  auto backslash = [&](char e) { return out.write("\\") && out.write(std::string_view(&e, 1)); };
  switch (c) {
    case 0: return backslash('0');
    case '\t': return backslash('t');
    case '\r': return backslash('r');
    case '\n': return backslash('n');
    case '\\': return backslash('\\');
    case '"': return backslash('"');
    case '\'': return backslash('\'');
    default: break;
  }
  if (!needs_unicode_escape(c)) return out.write_char(c);
  // \u{XXXX}: each character a chunk, as Rust's EscapeUnicode iterator yields them.
  std::string hex = fmt::format("{:x}", uint32_t(c));
  if (!out.write("\\") || !out.write("u") || !out.write("{")) return false;
  for (char h : hex)
    if (!out.write(std::string_view(&h, 1))) return false;
  return out.write("}");
}

}  // namespace krdb::demangle_detail
