// One unwind step: ORC (as arch/x86/kernel/unwind_orc.c), frame pointer (as unwind_frame.c),
// and pt_regs crossing.
#include "krdb/unwind/frame_step.h"

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace krdb {

namespace {

// x86-64 pt_regs is 168 bytes; anything far larger is a wrong layout, not a bigger struct.
constexpr uint64_t kMaxPtRegsSize = 1024;

// unwind_orc.c's null_orc_entry: pc 0 means a call through a NULL pointer, the return address
// is on top of the stack.
constexpr OrcEntry kNullEntry{8, 0, uint8_t(OrcReg::Sp), uint8_t(OrcReg::Undefined),
                              uint8_t(OrcType::Call), false};
// unwind_orc.c's orc_fp_entry: the guess for code ORC does not know (BPF, generated code).
constexpr OrcEntry kFpEntry{16, -16, uint8_t(OrcReg::Bp), uint8_t(OrcReg::PrevSp),
                            uint8_t(OrcType::Call), false};

std::string where(uint64_t pc) { return fmt::format("unwinding frame at pc {:#x}", pc); }

Error bad_data(uint64_t pc, std::string message) {
  return Error(ErrorKind::BadData, std::move(message), where(pc));
}

// A stack word; with StackBounds only from a known stack (the kernel's stack_access_ok()).
Expected<uint64_t> read_word(StepContext& ctx, uint64_t address, const char* what) {
  if (ctx.stacks && !ctx.stacks->containing(address, 8))
    return Error(ErrorKind::BadData, fmt::format("{} at {:#x} is not on a known stack", what, address));
  auto v = ctx.memory.read_u64(address);
  if (!v) return v.error().within(fmt::format("{} at {:#x}", what, address));
  return *v;
}

Expected<uint64_t> known(const RegisterSet& regs, Reg r, uint64_t pc) {
  if (auto v = regs.get(r)) return *v;
  return Error(ErrorKind::NotFound,
               fmt::format("register {} is unknown in this frame but the unwind data need it",
                           reg_name(r)),
               where(pc));
}

// Frame N+1's sp must be above frame N's, unless the step may switch stacks; with StackBounds
// only while both are on the same known stack (unwind_orc.c: "stack going in the wrong
// direction?").
Expected<void> check_upward(uint64_t old_sp, uint64_t new_sp, bool may_switch,
                            const StepContext& ctx, uint64_t pc) {
  bool wrong = new_sp <= old_sp;
  if (ctx.stacks) {
    const StackRange* a = ctx.stacks->classify(old_sp);
    wrong = wrong && a && a == ctx.stacks->classify(new_sp);
  } else {
    wrong = wrong && !may_switch;
  }
  if (!wrong) return {};
  return bad_data(pc, fmt::format("stack going in the wrong direction: sp {:#x} -> {:#x}",
                                  old_sp, new_sp));
}

// Data found by frame N (a frame record, a pt_regs) must lie at or above its sp on its stack.
Expected<void> check_above_sp(uint64_t address, uint64_t length, uint64_t sp,
                              const StepContext& ctx, uint64_t pc, const char* what) {
  const StackRange* on = ctx.stacks ? ctx.stacks->containing(address, length) : nullptr;
  if (ctx.stacks && !on)
    return bad_data(pc, fmt::format("{} at {:#x} is not on a known stack", what, address));
  bool same_stack = !ctx.stacks || on == ctx.stacks->classify(sp);
  if (same_stack && address < sp)
    return bad_data(pc, fmt::format("{} at {:#x} is below sp {:#x}", what, address, sp));
  return {};
}

Expected<void> need_pc_sp(const UnwindFrame& f) {
  if (f.regs.has(Reg::rip) && f.regs.has(Reg::rsp)) return {};
  return Error(ErrorKind::Usage, "frame has no pc or sp to unwind from");
}

// --- ORC -------------------------------------------------------------------------------------

struct FoundEntry {
  OrcRow row;
  StepMethod method;
};

// unwind_orc.c: a call frame's pc is a return address and may already belong to the next
// instruction's layout, so look up pc - 1; an interrupted ("signal") frame's pc is exact.
FoundEntry find_entry(const UnwindFrame& f, const OrcLookup& lookup) {
  uint64_t at = f.signal ? f.regs.pc() : f.regs.pc() - 1;
  if (at == 0) return {{0, kNullEntry}, StepMethod::Orc};
  if (auto row = lookup(at)) return {*row, StepMethod::Orc};
  return {{at, kFpEntry}, StepMethod::OrcNoEntry};
}

// The previous frame's sp (the CFA), from sp_reg / sp_offset.
Expected<uint64_t> orc_cfa(const OrcEntry& e, const UnwindFrame& f, StepContext& ctx) {
  const RegisterSet& r = f.regs;
  uint64_t pc = r.pc();
  int64_t off = e.sp_offset;
  switch (OrcReg(e.sp_reg)) {
    case OrcReg::Sp: return r.sp() + off;
    case OrcReg::Bp: { KRDB_TRY(bp, known(r, Reg::rbp, pc)); return bp + off; }
    case OrcReg::SpIndirect: {
      KRDB_TRY(v, read_word(ctx, r.sp(), "ORC indirect sp"));
      return v + off;
    }
    case OrcReg::BpIndirect: {
      KRDB_TRY(bp, known(r, Reg::rbp, pc));
      return read_word(ctx, bp + off, "ORC indirect bp");
    }
    // Entry code: registers only a full pt_regs (or the CPU state) restores.
    case OrcReg::R10: return known(r, Reg::r10, pc);
    case OrcReg::R13: return known(r, Reg::r13, pc);
    case OrcReg::Di: return known(r, Reg::rdi, pc);
    case OrcReg::Dx: return known(r, Reg::rdx, pc);
    default: break;
  }
  return bad_data(pc, fmt::format("unknown ORC sp base register {}", e.sp_reg));
}

// The CFA comes from somewhere other than this stack's sp or bp: the saved sp of
// call_on_irqstack (indirect sp) or entry code's registers, i.e. possibly another stack.
bool may_switch_stacks(const OrcEntry& e) {
  switch (OrcReg(e.sp_reg)) {
    case OrcReg::SpIndirect: case OrcReg::R10: case OrcReg::R13: case OrcReg::Di: case OrcReg::Dx:
      return true;
    default: return false;
  }
}

// Frame N+1's pc and sp (and pt_regs) from the entry's type.
Expected<void> orc_caller(const OrcEntry& e, const UnwindFrame& f, uint64_t cfa,
                          StepContext& ctx, StepResult& out) {
  RegisterSet& next = out.frame.regs;
  switch (OrcType(e.type)) {
    case OrcType::Call: {
      KRDB_TRY(ret, read_word(ctx, cfa - 8, "return address"));
      next.set(Reg::rip, ret);
      next.set(Reg::rsp, cfa);
      if (auto bp = f.regs.get(Reg::rbp)) next.set(Reg::rbp, *bp);  // bp unchanged unless told
      return {};
    }
    case OrcType::Regs: {
      KRDB_TRY(saved, read_pt_regs(cfa, false, ctx));
      out.frame = saved.frame;
      out.pt_regs = cfa;
      if (saved.user_mode) out.end = StackEnd::UserMode;
      return {};
    }
    case OrcType::RegsPartial: {
      // Only the iret frame is there; other registers are those of frame N (the kernel's
      // prev_regs: known only if frame N came from a full pt_regs or the CPU).
      uint64_t regs = cfa - ctx.pt_regs.iret_offset();
      KRDB_TRY(saved, read_pt_regs(regs, true, ctx));
      next = f.regs;
      next.set(Reg::rip, saved.frame.regs.pc());
      next.set(Reg::rsp, saved.frame.regs.sp());
      out.pt_regs = regs;
      out.partial_regs = true;
      if (saved.user_mode) out.end = StackEnd::UserMode;
      return {};
    }
    default: break;
  }
  return bad_data(f.regs.pc(), fmt::format("unknown ORC entry type {}", e.type));
}

// Frame N+1's bp from bp_reg / bp_offset.
Expected<void> orc_bp(const OrcEntry& e, const UnwindFrame& f, uint64_t cfa, StepContext& ctx,
                      RegisterSet& next) {
  int64_t off = e.bp_offset;
  switch (OrcReg(e.bp_reg)) {
    case OrcReg::Undefined: return {};  // unchanged, or restored from pt_regs
    case OrcReg::PrevSp: {
      KRDB_TRY(bp, read_word(ctx, cfa + off, "saved bp"));
      next.set(Reg::rbp, bp);
      return {};
    }
    case OrcReg::Bp: {
      KRDB_TRY(old, known(f.regs, Reg::rbp, f.regs.pc()));
      KRDB_TRY(bp, read_word(ctx, old + off, "saved bp"));
      next.set(Reg::rbp, bp);
      return {};
    }
    default: break;
  }
  return bad_data(f.regs.pc(), fmt::format("unknown ORC bp base register {}", e.bp_reg));
}

// The checks every step ends with: a zero pc ends the stack, the stack must move up.
Expected<StepResult> finish(StepResult out, const UnwindFrame& f, bool may_switch,
                            const StepContext& ctx) {
  if (out.end != StackEnd::None) return out;
  if (out.pt_regs && !ctx.stacks && *out.pt_regs < f.regs.sp())
    return bad_data(f.regs.pc(), fmt::format("pt_regs at {:#x} is below sp {:#x}",
                                             *out.pt_regs, f.regs.sp()));
  if (out.frame.regs.pc() == 0) {
    out.end = StackEnd::ZeroPc;
    return out;
  }
  auto up = check_upward(f.regs.sp(), out.frame.regs.sp(), may_switch || out.pt_regs.has_value(),
                         ctx, f.regs.pc());
  if (!up) return up.error();
  return out;
}

// --- frame pointer ---------------------------------------------------------------------------

// rbp = &pt_regs | 1 (entry code's ENCODE_FRAME_POINTER, copy_thread's top frame).
Expected<StepResult> fp_cross_regs(uint64_t regs, const UnwindFrame& f, StepContext& ctx) {
  auto above = check_above_sp(regs, ctx.pt_regs.size, f.regs.sp(), ctx, f.regs.pc(), "pt_regs");
  if (!above) return above.error();
  KRDB_TRY(saved, read_pt_regs(regs, false, ctx));
  StepResult out;
  out.method = StepMethod::FramePointer;
  out.frame = saved.frame;
  out.pt_regs = regs;
  if (saved.user_mode) out.end = StackEnd::UserMode;
  return finish(std::move(out), f, true, ctx);
}

}  // namespace

const char* to_string(StepMethod method) {
  switch (method) {
    case StepMethod::Orc: return "orc";
    case StepMethod::OrcNoEntry: return "orc-fp-guess";
    case StepMethod::FramePointer: return "frame-pointer";
    case StepMethod::Cfi: return "cfi";
  }
  return "?";
}

const char* to_string(StackEnd end) {
  switch (end) {
    case StackEnd::None: return "none";
    case StackEnd::OrcEndOfStack: return "ORC end of stack";
    case StackEnd::UserMode: return "entered from user mode";
    case StackEnd::ZeroPc: return "end of stack (the next return address is 0)";
    case StackEnd::NullFramePointer: return "frame pointer is 0";
  }
  return "?";
}

Expected<PtRegsLayout> PtRegsLayout::from_members(
    std::span<const std::pair<std::string_view, uint64_t>> members, uint64_t size) {
  static constexpr std::pair<std::string_view, Reg> kNames[] = {
      {"r15", Reg::r15}, {"r14", Reg::r14}, {"r13", Reg::r13}, {"r12", Reg::r12},
      {"bp", Reg::rbp},  {"bx", Reg::rbx},  {"r11", Reg::r11}, {"r10", Reg::r10},
      {"r9", Reg::r9},   {"r8", Reg::r8},   {"ax", Reg::rax},  {"cx", Reg::rcx},
      {"dx", Reg::rdx},  {"si", Reg::rsi},  {"di", Reg::rdi},  {"ip", Reg::rip},
      {"sp", Reg::rsp}};
  if (size == 0 || size > kMaxPtRegsSize)
    return Error(ErrorKind::BadData, fmt::format("struct pt_regs size {} is implausible", size));
  PtRegsLayout l;
  l.size = size;
  for (const auto& [name, offset] : members) {
    bool is_cs = name == "cs";
    if (offset + (is_cs ? 2 : 8) > size)
      return Error(ErrorKind::BadData, fmt::format("pt_regs.{} at {} lies outside its {} bytes",
                                                   name, offset, size));
    if (is_cs) l.cs = int32_t(offset);
    for (const auto& [n, r] : kNames)
      if (n == name) l.offset[size_t(r)] = int32_t(offset);
  }
  int32_t ip = l.offset[size_t(Reg::rip)], sp = l.offset[size_t(Reg::rsp)];
  if (ip < 0 || sp < 0 || l.cs < 0)
    return Error(ErrorKind::NotFound, "struct pt_regs lacks ip, sp or cs");
  if (sp < ip || l.cs < ip)
    return Error(ErrorKind::BadData, "pt_regs.sp and .cs must follow .ip (the iret frame)");
  return l;
}

Expected<SavedRegs> read_pt_regs(uint64_t address, bool iret_only, StepContext& ctx) {
  const PtRegsLayout& l = ctx.pt_regs;
  if (l.size == 0 || l.cs < 0)
    return Error(ErrorKind::Usage, "struct pt_regs layout not set (read it from DWARF)");
  uint64_t from = iret_only ? l.iret_offset() : 0;
  if (ctx.stacks && !ctx.stacks->containing(address + from, l.size - from))
    return Error(ErrorKind::BadData, fmt::format("pt_regs at {:#x} is not on a known stack", address));
  std::vector<uint8_t> buf(l.size - from);
  auto r = ctx.memory.read(address + from, buf);
  if (!r) return r.error().within(fmt::format("pt_regs at {:#x}", address));
  SavedRegs out;
  out.frame.signal = true;
  for (size_t i = 0; i < l.offset.size(); ++i) {
    if (l.offset[i] < 0 || uint64_t(l.offset[i]) < from) continue;
    uint64_t v;
    std::memcpy(&v, buf.data() + (l.offset[i] - from), 8);
    out.frame.regs.set(Reg(i), v);
  }
  uint16_t cs;
  std::memcpy(&cs, buf.data() + (l.cs - from), 2);
  out.user_mode = (cs & 3) != 0;  // user_mode(): the privilege level of the interrupted code
  return out;
}

Expected<StepResult> step_orc(const UnwindFrame& f, const OrcLookup& lookup, StepContext& ctx) {
  auto ok = need_pc_sp(f);
  if (!ok) return ok.error();
  FoundEntry found = find_entry(f, lookup);
  const OrcEntry& e = found.row.entry;
  StepResult out;
  out.method = found.method;
  out.orc = found.row;
  if (e.type == uint8_t(OrcType::Undefined))
    return bad_data(f.regs.pc(), "no unwind information here (ORC type undefined)");
  if (e.type == uint8_t(OrcType::EndOfStack)) {
    out.end = StackEnd::OrcEndOfStack;
    return out;
  }
  KRDB_TRY(cfa, orc_cfa(e, f, ctx));
  auto caller = orc_caller(e, f, cfa, ctx, out);
  if (!caller) return caller.error();
  if (out.end == StackEnd::UserMode) return out;
  auto bp = orc_bp(e, f, cfa, ctx, out.frame.regs);
  if (!bp) return bp.error();
  out.frame.signal = e.signal;
  return finish(std::move(out), f, may_switch_stacks(e), ctx);
}

Expected<StepResult> step_frame_pointer(const UnwindFrame& f, StepContext& ctx) {
  auto ok = need_pc_sp(f);
  if (!ok) return ok.error();
  KRDB_TRY(bp, known(f.regs, Reg::rbp, f.regs.pc()));
  StepResult out;
  out.method = StepMethod::FramePointer;
  if (bp == 0) {
    out.end = StackEnd::NullFramePointer;
    return out;
  }
  if (bp & 1) return fp_cross_regs(bp & ~uint64_t(1), f, ctx);
  // The frame record {saved rbp, return address} pushed by the function running at frame N.
  auto above = check_above_sp(bp, 16, f.regs.sp(), ctx, f.regs.pc(), "frame record");
  if (!above) return above.error();
  KRDB_TRY(saved_bp, read_word(ctx, bp, "saved rbp"));
  KRDB_TRY(ret, read_word(ctx, bp + 8, "return address"));
  out.frame.regs.set(Reg::rip, ret);
  out.frame.regs.set(Reg::rsp, bp + 16);
  out.frame.regs.set(Reg::rbp, saved_bp);
  return finish(std::move(out), f, false, ctx);
}

}  // namespace krdb

namespace krdb {

PtRegsLayout PtRegsLayout::x86_64_user_abi() {
  // struct pt_regs { r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss }
  static constexpr std::pair<std::string_view, uint64_t> kFields[] = {
      {"r15", 0},   {"r14", 8},   {"r13", 16},  {"r12", 24},  {"bp", 32},   {"bx", 40},
      {"r11", 48},  {"r10", 56},  {"r9", 64},   {"r8", 72},   {"ax", 80},   {"cx", 88},
      {"dx", 96},   {"si", 104},  {"di", 112},  {"orig_ax", 120}, {"ip", 128}, {"cs", 136},
      {"flags", 144}, {"sp", 152}, {"ss", 160}};
  return *from_members(kFields, 168);
}

Expected<StepResult> step_at_function_entry(const UnwindFrame& frame, StepContext& ctx) {
  auto ret = ctx.memory.read_u64(frame.regs.sp());
  if (!ret) return ret.error().within("return address at function entry");
  StepResult r;
  r.method = StepMethod::FramePointer;
  r.frame.regs.set(Reg::rip, *ret);
  r.frame.regs.set(Reg::rsp, frame.regs.sp() + 8);
  if (auto bp = frame.regs.get(Reg::rbp)) r.frame.regs.set(Reg::rbp, *bp);
  if (*ret == 0) r.end = StackEnd::ZeroPc;
  return r;
}

}  // namespace krdb
