#include "flattened.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace krdb::dump {

namespace {

constexpr char kSignature[] = "makedumpfile";  // then NULs to 16 bytes
constexpr uint64_t kHeaderSize = 4096;         // MAX_SIZE_MDF_HEADER
constexpr uint64_t kMaxOffset = 1ull << 46;    // 64 TiB: above any dump of a real machine
constexpr uint64_t kMaxRecord = 1ull << 30;    // makedumpfile writes records of a few pages

uint64_t big_endian(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

bool read_all(int fd, uint64_t offset, void* out, size_t size) {
  return pread(fd, out, size, off_t(offset)) == ssize_t(size);
}

int temporary_file() {
  const char* dir = std::getenv("TMPDIR");
  int fd = ::open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  return fd;
}

}  // namespace

Expected<int> unflatten(int fd, const std::string& path) {
  uint8_t header[32] = {};
  if (!read_all(fd, 0, header, sizeof header) || std::memcmp(header, kSignature, sizeof kSignature) != 0)
    return -1;
  if (big_endian(header + 16) != 1)  // TYPE_FLAT_HEADER
    return Error(ErrorKind::Unsupported, fmt::format("flattened dump of unknown type {}", big_endian(header + 16)), path);
  int out = temporary_file();
  if (out < 0)
    return Error(ErrorKind::Io, fmt::format("cannot create a temporary file to rebuild the flattened dump: {}",
                                            std::strerror(errno)), path);
  std::vector<uint8_t> buf;
  uint64_t at = kHeaderSize;
  for (uint64_t record = 0;; ++record) {
    uint8_t rh[16];
    auto fail = [&](const std::string& what) {
      ::close(out);
      return Error(ErrorKind::BadData, fmt::format("flattened dump: record {} at offset {:#x}: {}", record, at, what),
                   path);
    };
    if (!read_all(fd, at, rh, sizeof rh)) return fail("truncated (no end marker)");
    uint64_t offset = big_endian(rh), size = big_endian(rh + 8);
    if (offset == ~0ull) break;  // END_FLAG_FLAT_HEADER
    if (offset > kMaxOffset || size > kMaxRecord)
      return fail(fmt::format("places {} bytes at {:#x}: not a plausible dump", size, offset));
    buf.resize(size);
    if (!read_all(fd, at + 16, buf.data(), size)) return fail("truncated inside the record's data");
    if (pwrite(out, buf.data(), size, off_t(offset)) != ssize_t(size)) {
      ::close(out);
      return Error(ErrorKind::Io, fmt::format("cannot write the rebuilt dump: {}", std::strerror(errno)), path);
    }
    at += 16 + size;
  }
  return out;
}

}  // namespace krdb::dump
