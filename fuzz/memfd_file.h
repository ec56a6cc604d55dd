// The fuzz input as a file path (the parsers under test open paths): an in-memory file through
// memfd + /proc/self/fd, so nothing touches the disk. Closed when the MemfdFile goes.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

class MemfdFile {
 public:
  MemfdFile(const uint8_t* data, size_t size) : fd_(memfd_create("krdb-fuzz", MFD_CLOEXEC)) {
    for (size_t done = 0; fd_ >= 0 && done < size;) {
      ssize_t n = write(fd_, data + done, size - done);
      if (n <= 0) break;
      done += size_t(n);
    }
  }
  ~MemfdFile() { if (fd_ >= 0) close(fd_); }
  bool ok() const { return fd_ >= 0; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};
