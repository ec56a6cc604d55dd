#include "krdb/target/memory.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

namespace krdb {

Expected<std::string> Memory::read_cstring(uint64_t address, uint64_t max_bytes) {
  std::string out;
  constexpr uint64_t kChunk = 64;
  while (out.size() < max_bytes) {
    // Never cross a page boundary in one read: the next page may be missing while the string
    // ends before it.
    uint64_t here = address + out.size();
    uint64_t to_page_end = 4096 - (here & 4095);
    uint64_t n = std::min({kChunk, to_page_end, max_bytes - out.size()});
    std::array<uint8_t, kChunk> buf{};
    auto r = read(here, {buf.data(), n});
    if (!r) return r.error();
    for (uint64_t i = 0; i < n; ++i) {
      if (buf[i] == 0) return out;
      out.push_back(char(buf[i]));
    }
  }
  return Error(ErrorKind::LimitHit,
               fmt::format("string longer than max_string_bytes={} (raise it with --limit)", max_bytes),
               fmt::format("string at {:#x}", address));
}

}  // namespace krdb

namespace krdb {

Expected<void> BudgetedMemory::read(uint64_t address, std::span<uint8_t> out) {
  if (++reads_ > budget_)
    return Error(ErrorKind::LimitHit, fmt::format("read budget of this command spent ({} reads, max_reads)", budget_),
                 fmt::format("address {:#x}; raise it with --limit max_reads=N (LLDB: krdb limits max_reads=N)", address));
  return target_.read(address, out);
}

Expected<void> OverlayMemory::read(uint64_t address, std::span<uint8_t> out) {
  if (address >= kOverlayBase && address - kOverlayBase < bytes_.size()) {
    uint64_t offset = address - kOverlayBase;
    if (out.size() > bytes_.size() - offset)
      return Error(ErrorKind::Fault, "read past the end of a value held outside memory", fmt::format("{:#x}", address));
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + offset, out.size());
    return {};
  }
  return target_.read(address, out);
}

}  // namespace krdb
