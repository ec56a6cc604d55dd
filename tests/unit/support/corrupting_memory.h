// CorruptingMemory: a Memory over a REAL dump that makes chosen address ranges fault, fills
// them with deterministic garbage, or patches single bytes — how the tests corrupt kernel
// structures (lists, rings) without mocks. Counts reads, so tests can assert walks are bounded.
#pragma once

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "krdb/target/memory.h"

namespace krdb::test {

class CorruptingMemory : public Memory {
 public:
  explicit CorruptingMemory(Memory& real) : real_(real) {}
  void fault(uint64_t begin, uint64_t size) { ranges_.push_back({begin, begin + size, 0, true}); }
  void garbage(uint64_t begin, uint64_t size, uint64_t seed) {
    ranges_.push_back({begin, begin + size, seed, false});
  }
  void patch(uint64_t address, uint64_t value, uint64_t size) {
    for (uint64_t i = 0; i < size; ++i) patches_[address + i] = uint8_t(value >> (8 * i));
  }
  uint64_t reads() const { return reads_; }

  Expected<void> read(uint64_t address, std::span<uint8_t> out) override {
    ++reads_;
    uint64_t end = address + out.size();
    for (const Range& r : ranges_)
      if (r.fault && address < r.end && r.begin < end)
        return Error(ErrorKind::Fault, "unreadable (test)",
                     fmt::format("{:#x}", std::max(address, r.begin)));
    if (auto rd = real_.read(address, out); !rd) return rd;
    for (const Range& r : ranges_) {
      if (r.fault) continue;
      for (uint64_t a = std::max(address, r.begin); a < std::min(end, r.end); ++a) {
        uint64_t h = (a ^ r.seed) * 0x9e3779b97f4a7c15ull;
        out[a - address] = uint8_t(h >> 56);
      }
    }
    for (auto it = patches_.lower_bound(address); it != patches_.end() && it->first < end; ++it)
      out[it->first - address] = it->second;
    return {};
  }

 private:
  struct Range {
    uint64_t begin, end, seed;
    bool fault;
  };
  Memory& real_;
  std::vector<Range> ranges_;
  std::map<uint64_t, uint8_t> patches_;
  uint64_t reads_ = 0;
};

}  // namespace krdb::test
