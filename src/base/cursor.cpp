#include "krdb/base/cursor.h"

#include <fmt/format.h>

namespace krdb {

void Cursor::fail(std::string what) {
  if (failed_) return;
  failed_ = true;
  error_ = Error(ErrorKind::BadData, std::move(what),
                 fmt::format("{}+0x{:x}", source_, base_ + pos_));
}

bool Cursor::need_slow(uint64_t n, const char* what) {
  if (failed_) return false;
  if (n > data_.size() - pos_) {
    fail(fmt::format("truncated: {} of {} bytes needs {} more than the {} left", what, n,
                     n - (data_.size() - pos_), data_.size() - pos_));
    return false;
  }
  return true;
}

uint64_t Cursor::uleb128_slow() {
  uint64_t result = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (!need(1, "LEB128 byte")) return 0;
    uint8_t b = data_[pos_++];
    if (shift >= 64 || (shift == 63 && (b & 0x7e))) {
      fail("LEB128 value does not fit in 64 bits");
      return 0;
    }
    result |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
  }
}

int64_t Cursor::sleb128() {
  int64_t result = 0;
  unsigned shift = 0;
  uint8_t b = 0;
  do {
    if (!need(1, "LEB128 byte")) return 0;
    b = data_[pos_++];
    if (shift >= 64) {
      fail("LEB128 value does not fit in 64 bits");
      return 0;
    }
    result |= int64_t(uint64_t(b & 0x7f) << shift);
    shift += 7;
  } while (b & 0x80);
  // Sign-extend from bit `shift` (a mask, not -(1 << shift): that negates INT64_MIN at shift 63).
  if (shift < 64 && (b & 0x40)) result |= int64_t(~uint64_t(0) << shift);
  return result;
}

std::span<const uint8_t> Cursor::bytes(uint64_t n) {
  if (!need(n, "byte run")) return {};
  auto s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::string_view Cursor::fixed_string(uint64_t n) {
  auto b = bytes(n);
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  auto nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

std::string_view Cursor::cstring() {
  if (failed_) return {};
  const auto* start = data_.data() + pos_;
  const void* nul = std::memchr(start, 0, data_.size() - pos_);
  if (!nul) {
    fail("string has no NUL terminator before the end of the data");
    return {};
  }
  auto len = static_cast<const uint8_t*>(nul) - start;
  pos_ += len + 1;
  return {reinterpret_cast<const char*>(start), size_t(len)};
}

void Cursor::align(uint64_t a) {
  if (a <= 1) return;
  uint64_t pad = (a - (pos_ % a)) % a;
  if (pad > data_.size() - pos_) pad = data_.size() - pos_;  // alignment at the end is fine
  pos_ += pad;
}

void Cursor::seek(uint64_t pos) {
  if (failed_) return;
  if (pos > data_.size()) {
    fail(fmt::format("seek to 0x{:x} beyond the end (size 0x{:x})", base_ + pos,
                     base_ + data_.size()));
    return;
  }
  pos_ = pos;
}

}  // namespace krdb
