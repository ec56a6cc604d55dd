// CallFrameInfo: the DWARF call-frame information of one ELF file — its .eh_frame (what user
// programs and shared libraries carry) and its .debug_frame (what `-g` kernels and .ko files
// carry; taken from the separate debug file when there is one) — read by libdwarf, which
// interprets the CIE/FDE instructions. row_at(pc) gives the unwind rules in effect at pc.
// Contract:
// - Addresses are the file's own (link-time) addresses; for a relocatable .ko, the synthetic
//   layout of DebugInfo::section_address().
// - A file without either section opens fine and finds no rows. Malformed CFI is an Error naming
//   the file and the pc, never a crash; expression rules are returned as such (the unwinder
//   decides what it can evaluate).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "krdb/base/error.h"
#include "krdb/elf/elf_file.h"
#include "krdb/target/registers.h"

namespace krdb {

enum class CfiRuleKind : uint8_t {
  Undefined,      // the register cannot be recovered (the return address: outermost frame)
  SameValue,      // unchanged from the callee
  Offset,         // saved in memory at CFA + offset
  ValOffset,      // its value is CFA + offset
  Register,       // its value is in another register
  Expression,     // saved at the address a DWARF expression computes
  ValExpression,  // its value is what a DWARF expression computes
};

struct CfiRule {
  CfiRuleKind kind = CfiRuleKind::Undefined;
  uint16_t reg = 0;       // Register; for the CFA, the base register
  int64_t offset = 0;     // Offset / ValOffset; for the CFA, added to `reg`
  std::span<const uint8_t> expression;  // Expression / ValExpression (points into the section)
};

struct CfiRow {
  uint64_t begin = 0, end = 0;  // the pc range these rules hold for (end exclusive)
  CfiRule cfa;                  // Register (reg + offset) or ValExpression
  std::array<CfiRule, size_t(Reg::count)> regs;  // by DWARF number; rip = the return address
  bool from_eh_frame = false;   // else .debug_frame
};

class CallFrameInfo {
 public:
  // `elf` is the loaded file; `debug_elf` its separate debug file (may be null).
  static Expected<std::unique_ptr<CallFrameInfo>> open(const ElfFile& elf, const ElfFile* debug_elf);
  ~CallFrameInfo();
  CallFrameInfo(const CallFrameInfo&) = delete;
  CallFrameInfo& operator=(const CallFrameInfo&) = delete;

  bool empty() const;
  // The rules at `pc` (a file address), .eh_frame first then .debug_frame; nullopt when no FDE
  // covers it.
  Expected<std::optional<CfiRow>> row_at(uint64_t pc);

 private:
  CallFrameInfo();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace krdb
