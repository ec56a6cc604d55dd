// Cursor: the one way krdb reads untrusted bytes (ELF headers, notes, dump headers, kernel
// records). Reads are bounds-checked; the first failure is sticky: later reads return zero and
// the cursor remembers the first error, naming the source and the offset. Read many fields, then
// check ok() once — as LLVM's DataExtractor::Cursor does.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "krdb/base/error.h"

namespace krdb {

class Cursor {
 public:
  // `source` names the data in errors ("vmcore: PT_NOTE"); `base` is the offset of data[0]
  // within that source, so error offsets match what a hex dump of the file shows.
  Cursor(std::span<const uint8_t> data, std::string source, uint64_t base = 0)
      : data_(data), source_(std::move(source)), base_(base) {}

  template <typename T>
  T read() {  // little-endian scalar
    T v{};
    if (!need(sizeof(T), "value")) return v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint8_t u8() { return read<uint8_t>(); }
  uint16_t u16() { return read<uint16_t>(); }
  uint32_t u32() { return read<uint32_t>(); }
  uint64_t u64() { return read<uint64_t>(); }
  uint64_t uleb128() {  // one-byte values inline: most DWARF LEB128s are
    if (!failed_ && pos_ < data_.size() && data_[pos_] < 0x80) return data_[pos_++];
    return uleb128_slow();
  }
  int64_t sleb128();
  std::span<const uint8_t> bytes(uint64_t n);
  // n bytes as text, stopping at the first NUL inside them.
  std::string_view fixed_string(uint64_t n);
  // A NUL-terminated string; a missing terminator is an error.
  std::string_view cstring();
  void skip(uint64_t n) {
    if (!failed_ && n <= data_.size() - pos_) pos_ += n;
    else bytes(n);
  }
  void align(uint64_t a);
  void seek(uint64_t pos);

  bool ok() const { return !failed_; }
  const Error& error() const { return error_; }
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return failed_ ? 0 : data_.size() - pos_; }
  bool at_end() const { return remaining() == 0; }
  // Marks the cursor failed with a meaning error ("note size 0x… larger than segment").
  void fail(std::string what);

 private:
  bool need(uint64_t n, const char* what) {
    return !failed_ && n <= data_.size() - pos_ ? true : need_slow(n, what);
  }
  bool need_slow(uint64_t n, const char* what);
  uint64_t uleb128_slow();
  std::span<const uint8_t> data_;
  std::string source_;
  uint64_t base_;
  uint64_t pos_ = 0;
  bool failed_ = false;
  Error error_;
};

}  // namespace krdb
