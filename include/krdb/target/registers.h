// Registers: the x86-64 general registers of one frame, indexed by DWARF register number (the
// numbering CFI, ORC and location expressions use), each either known or unknown. The unwinder
// fills them frame by frame; dumps fill them from NT_PRSTATUS / QEMU CPU state; the plugin from
// LLDB. Only x86-64 is supported (the architecture of the fixtures and of krdb's users so far).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace krdb {

enum class Reg : uint8_t {
  rax = 0, rdx = 1, rcx = 2, rbx = 3, rsi = 4, rdi = 5, rbp = 6, rsp = 7,
  r8 = 8, r9 = 9, r10 = 10, r11 = 11, r12 = 12, r13 = 13, r14 = 14, r15 = 15,
  rip = 16,  // DWARF's "return address" column
  count = 17,
};

std::string_view reg_name(Reg r);
// By name ("rip", "r12"); nullopt if unknown.
std::optional<Reg> reg_by_name(std::string_view name);

class RegisterSet {
 public:
  void set(Reg r, uint64_t v) { values_[idx(r)] = v; known_ |= 1u << idx(r); }
  void forget(Reg r) { known_ &= ~(1u << idx(r)); }
  bool has(Reg r) const { return known_ & (1u << idx(r)); }
  std::optional<uint64_t> get(Reg r) const {
    return has(r) ? std::optional<uint64_t>(values_[idx(r)]) : std::nullopt;
  }
  uint64_t pc() const { return values_[idx(Reg::rip)]; }
  uint64_t sp() const { return values_[idx(Reg::rsp)]; }
  bool empty() const { return known_ == 0; }

 private:
  static unsigned idx(Reg r) { return unsigned(r); }
  std::array<uint64_t, size_t(Reg::count)> values_{};
  uint32_t known_ = 0;
};

}  // namespace krdb
