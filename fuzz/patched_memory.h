// The memory the kernel fuzz targets feed the walkers and formatters: a real dump with byte
// patches from the input at addresses the code under test reads from.
// Input: a sequence of patches {target u8, offset u16 LE, length u8, bytes[length]}; the target
// byte picks one of `targets` (modulo their count), the patch lands at target + offset.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <vector>

#include "krdb/target/memory.h"

namespace krdb::fuzz {

class PatchedMemory : public Memory {
 public:
  explicit PatchedMemory(Memory& real) : real_(real) {}
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override {
    if (auto r = real_.read(address, out); !r) return r;
    for (auto it = patches_.lower_bound(address); it != patches_.end() && it->first < address + out.size(); ++it)
      out[it->first - address] = it->second;
    return {};
  }
  // This input's patches, replacing the last input's.
  void apply(const uint8_t* data, size_t size, const std::vector<uint64_t>& targets) {
    patches_.clear();
    if (targets.empty()) return;
    for (size_t i = 0; i + 4 <= size;) {
      uint8_t target = data[i];
      uint16_t offset;
      std::memcpy(&offset, data + i + 1, 2);
      uint8_t length = data[i + 3];
      i += 4;
      uint64_t base = targets[target % targets.size()] + offset;
      for (uint8_t j = 0; j < length && i < size; ++j, ++i) patches_[base + j] = data[i];
    }
  }

 private:
  Memory& real_;
  std::map<uint64_t, uint8_t> patches_;
};

}  // namespace krdb::fuzz
