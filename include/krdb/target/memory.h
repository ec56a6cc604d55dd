// Memory: the one interface through which krdb reads a target's memory — a crash dump (dump/),
// a live kernel behind LLDB (plugin/), or a user-space core. Addresses are virtual addresses of
// the target (kernel virtual addresses for a kernel).
// Contract: read() fills all of `out` or returns an Error of kind Fault whose context names the
// first address that could not be read and why (not in the dump, filtered out, unmapped). It
// never returns zeros in place of missing memory. Implementations are not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>
#include <string>
#include <type_traits>

#include "krdb/base/error.h"

namespace krdb {

class Memory {
 public:
  virtual ~Memory() = default;
  virtual Expected<void> read(uint64_t address, std::span<uint8_t> out) = 0;

  // A trivially-copyable little-endian value at `address`.
  template <typename T>
  Expected<T> read_value(uint64_t address) {
    static_assert(std::is_trivially_copyable_v<T>);
    T v{};
    auto r = read(address, {reinterpret_cast<uint8_t*>(&v), sizeof(T)});
    if (!r) return r.error();
    return v;
  }
  Expected<uint64_t> read_u64(uint64_t address) { return read_value<uint64_t>(address); }
  Expected<uint32_t> read_u32(uint64_t address) { return read_value<uint32_t>(address); }

  // A NUL-terminated string of at most `max_bytes` bytes (without the NUL); longer strings are
  // cut and reported as LimitHit. Read in small chunks so a string near an unreadable page works.
  Expected<std::string> read_cstring(uint64_t address, uint64_t max_bytes);
};

// Target memory with a budget: after `budget` reads every read fails with LimitHit, so walks
// nested in walks (every task × every frame × every variable) end in bounded time, however the
// memory is corrupted. One per command (KernelProgram holds it).
class BudgetedMemory : public Memory {
 public:
  BudgetedMemory(Memory& target, uint64_t budget) : target_(target), budget_(budget) {}
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override;
  uint64_t reads() const { return reads_; }

 private:
  Memory& target_;
  uint64_t budget_;
  uint64_t reads_ = 0;
};

// Target memory with one value's bytes placed at kOverlayBase: a value that is not in memory (a
// register, a DWARF stack value, pieces, LLDB's computed values) is read by the formatters like
// any other. kOverlayBase is non-canonical under 4- and 5-level paging, so no target address
// collides with it.
constexpr uint64_t kOverlayBase = 0x4b52'4442'0000'0000ull;  // "KRDB"

class OverlayMemory : public Memory {
 public:
  OverlayMemory(Memory& target, std::vector<uint8_t> bytes) : target_(target), bytes_(std::move(bytes)) {}
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override;

 private:
  Memory& target_;
  std::vector<uint8_t> bytes_;
};

}  // namespace krdb
