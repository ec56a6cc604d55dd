#include "krdb/unwind/cfi_step.h"

#include <fmt/format.h>

namespace krdb {

namespace {

bool caller_saved(Reg r) {
  switch (r) {
    case Reg::rax: case Reg::rcx: case Reg::rdx: case Reg::rsi: case Reg::rdi:
    case Reg::r8: case Reg::r9: case Reg::r10: case Reg::r11:
      return true;
    default:
      return false;
  }
}

Error unsupported(const char* what, uint64_t pc) {
  return Error(ErrorKind::Unsupported, fmt::format("CFI {} uses a DWARF expression (not evaluated)", what),
               fmt::format("pc {:#x}", pc));
}

}  // namespace

Expected<StepResult> step_cfi(const UnwindFrame& frame, const CfiRow& row, Memory& memory) {
  const RegisterSet& in = frame.regs;
  uint64_t pc = in.pc();
  if (row.cfa.kind != CfiRuleKind::Register) return unsupported("CFA", pc);
  if (row.cfa.reg >= uint16_t(Reg::count) || !in.has(Reg(row.cfa.reg)))
    return Error(ErrorKind::BadData, fmt::format("CFA is based on register {}, unknown in this frame", row.cfa.reg),
                 fmt::format("pc {:#x}", pc));
  uint64_t cfa = *in.get(Reg(row.cfa.reg)) + uint64_t(row.cfa.offset);
  StepResult out;
  out.method = StepMethod::Cfi;
  RegisterSet& next = out.frame.regs;
  for (unsigned i = 0; i < unsigned(Reg::count); ++i) {
    Reg r = Reg(i);
    const CfiRule& rule = row.regs[i];
    switch (rule.kind) {
      case CfiRuleKind::Undefined:
        break;
      case CfiRuleKind::SameValue:
        if (in.has(r) && !caller_saved(r)) next.set(r, *in.get(r));
        break;
      case CfiRuleKind::Offset: {
        auto v = memory.read_u64(cfa + uint64_t(rule.offset));
        if (!v) return v.error().within(fmt::format("the saved {} of the frame at pc {:#x}", reg_name(r), pc));
        next.set(r, *v);
        break;
      }
      case CfiRuleKind::ValOffset:
        next.set(r, cfa + uint64_t(rule.offset));
        break;
      case CfiRuleKind::Register:
        if (rule.reg < uint16_t(Reg::count) && in.has(Reg(rule.reg))) next.set(r, *in.get(Reg(rule.reg)));
        break;
      case CfiRuleKind::Expression:
      case CfiRuleKind::ValExpression:
        if (r == Reg::rip) return unsupported("return address", pc);
        break;  // a register we cannot recover stays unknown
    }
  }
  // An undefined return address marks the outermost frame; SameValue would repeat this frame
  // forever, so it ends the walk too.
  if (row.regs[size_t(Reg::rip)].kind == CfiRuleKind::Undefined ||
      row.regs[size_t(Reg::rip)].kind == CfiRuleKind::SameValue || !next.has(Reg::rip)) {
    out.end = StackEnd::ZeroPc;
    return out;
  }
  next.set(Reg::rsp, cfa);
  if (next.pc() == 0) {
    out.end = StackEnd::ZeroPc;
    return out;
  }
  if (cfa <= in.sp())
    return Error(ErrorKind::BadData, fmt::format("CFI gives a CFA {:#x} not above sp {:#x}", cfa, in.sp()),
                 fmt::format("pc {:#x}", pc));
  return out;
}

std::optional<Expected<StepResult>> try_step_cfi(const UnwindFrame& frame, CallFrameInfo& cfi,
                                                 uint64_t bias, Memory& memory) {
  uint64_t at = (frame.signal ? frame.regs.pc() : frame.regs.pc() - 1) - bias;
  auto row = cfi.row_at(at);
  if (!row || !*row) return std::nullopt;
  auto step = step_cfi(frame, **row, memory);
  if (!step && step.error().kind == ErrorKind::Unsupported) return std::nullopt;
  return step;
}

}  // namespace krdb
