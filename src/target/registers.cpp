#include "krdb/target/registers.h"

namespace krdb {

namespace {
constexpr std::string_view kNames[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
                                       "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip"};
}

std::string_view reg_name(Reg r) {
  return unsigned(r) < std::size(kNames) ? kNames[unsigned(r)] : "?";
}

std::optional<Reg> reg_by_name(std::string_view name) {
  for (unsigned i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return Reg(i);
  return std::nullopt;
}

}  // namespace krdb
