// Internal to demangle/: the bounded output sink and text helpers shared by the v0 and legacy
// printers. Output mirrors rustc-demangle's SizeLimitedFmtAdapter: every write is one chunk; a
// chunk that does not fit in what is left of the budget fails, and so does every later write
// (the caller then appends "{size limit reached}").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace krdb::demangle_detail {

class Output {
 public:
  Output(std::string& out, size_t budget) : out_(out), remaining_(budget) {}
  bool write(std::string_view s) {
    if (exhausted_ || s.size() > remaining_) {
      exhausted_ = true;
      return false;
    }
    remaining_ -= s.size();
    out_.append(s);
    return true;
  }
  bool write_char(char32_t c);  // UTF-8 encoded, one chunk
  bool write_u64(uint64_t v);   // decimal, one chunk
  bool write_hex(uint64_t v);   // lower-case hex, one chunk
  bool exhausted() const { return exhausted_; }

 private:
  std::string& out_;
  size_t remaining_;
  bool exhausted_ = false;
};

void append_utf8(std::string& s, char32_t c);

// Rust's char::escape_debug(), one output chunk per produced character.
bool write_escape_debug(Output& out, char32_t c);

// Rust's char::is_control() (general category Cc).
inline bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7f && c < 0xa0); }

}  // namespace krdb::demangle_detail
