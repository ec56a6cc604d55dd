// One x86-64 kernel unwind step: from frame N's registers to frame N+1's (its caller, or the
// code a struct pt_regs interrupted), by ORC exactly as arch/x86/kernel/unwind_orc.c's
// unwind_next_frame() does, or by the frame-pointer chain as unwind_frame.c does (including its
// encoded frame pointers, `rbp = &pt_regs | 1`, that entry code leaves to mark a pt_regs).
// Contract:
// - A step either yields frame N+1 (StepResult, end == None), reports that the stack ended
//   normally (StepResult.end says why), or returns an Error: Fault when stack memory cannot be
//   read, BadData when the data make no sense (ORC type UNDEFINED, unknown register, a stack
//   going the wrong way). It never loops and reads a bounded number of words.
// - The stack must move up: frame N+1's sp is strictly greater than frame N's, unless it crossed
//   a pt_regs, or its ORC CFA came from a saved sp (call_on_irqstack's indirect sp, entry
//   code's r10/r13/di/dx), i.e. possibly another stack. With StackBounds the
//   rule is the kernel's: enforced only while both sps are on the same known stack, and every
//   word read must be on a known stack. Cycles across several stacks are the walker's to catch
//   (a WalkGuard on the sp of each frame).
// - struct pt_regs is never hard-coded: PtRegsLayout carries its field offsets, which the caller
//   reads from the kernel's DWARF.
// Registers that a step cannot recover become unknown (RegisterSet::has() is false): after an
// ORC CALL or frame-pointer step only rip, rsp and rbp are known, after a full pt_regs all.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "krdb/base/error.h"
#include "krdb/target/memory.h"
#include "krdb/target/registers.h"
#include "krdb/unwind/orc.h"
#include "krdb/unwind/stacks.h"

namespace krdb {

// Where the registers live inside struct pt_regs (offsets in bytes).
struct PtRegsLayout {
  uint64_t size = 0;  // sizeof(struct pt_regs)
  // By DWARF register number (Reg); -1 when pt_regs has no such field. rip = `ip`, rsp = `sp`.
  std::array<int32_t, size_t(Reg::count)> offset = filled(-1);
  int32_t cs = -1;  // `cs` (low 2 bits = privilege level: user_mode())

  // From the members of struct pt_regs as DWARF names them (kernel names: r15 … bp bx … ax cx
  // dx si di orig_ax ip cs flags sp ss; members of anonymous unions flattened, e.g. 6.12's `cs`
  // inside the union with `csx`). Other names are ignored; ip, sp and cs are required and every
  // field must lie inside `size`.
  static Expected<PtRegsLayout> from_members(
      std::span<const std::pair<std::string_view, uint64_t>> members, uint64_t size);
  // The x86-64 layout of arch/x86/include/uapi/asm/ptrace.h — user ABI, fixed since 2.6 — for
  // a vmlinux without DWARF (symbols + ORC only, as distro kernels ship). Callers use it only
  // when the DWARF has no struct pt_regs, and say so.
  static PtRegsLayout x86_64_user_abi();
  // IRET_FRAME_OFFSET: where the hardware frame (ip cs flags sp ss) starts.
  uint64_t iret_offset() const { return uint64_t(offset[size_t(Reg::rip)]); }

 private:
  static std::array<int32_t, size_t(Reg::count)> filled(int32_t v) {
    std::array<int32_t, size_t(Reg::count)> a;
    a.fill(v);
    return a;
  }
};

// Frame N as the unwinder tracks it.
struct UnwindFrame {
  RegisterSet regs;
  // pc is exact (the first frame, or one restored from pt_regs), not a return address: ORC is
  // looked up at pc itself instead of pc - 1. Start a walk from CPU registers with true.
  bool signal = false;
};

enum class StepMethod : uint8_t {
  Orc,                 // an ORC entry
  OrcNoEntry,          // no ORC entry for pc: the kernel's orc_fp_entry guess (unreliable)
  FramePointer,        // the rbp chain
  Cfi,                 // DWARF call-frame information (.eh_frame / .debug_frame)
};

enum class StackEnd : uint8_t {
  None,                // frame N+1 is valid
  OrcEndOfStack,       // ORC_TYPE_END_OF_STACK at frame N's pc (entry code, kernel thread top)
  UserMode,            // crossed the pt_regs of a user-mode entry; `frame` holds the user registers
  ZeroPc,              // frame N+1's pc would be 0 (a kernel thread's zeroed top pt_regs, or a
                       // corrupt stack); `frame` holds what was read
  NullFramePointer,    // rbp is 0: the frame-pointer chain ends
};

const char* to_string(StepMethod method);
const char* to_string(StackEnd end);

struct StepResult {
  UnwindFrame frame;                // frame N+1 (see StackEnd for the end cases)
  StepMethod method = StepMethod::Orc;
  StackEnd end = StackEnd::None;
  std::optional<uint64_t> pt_regs;  // address of the struct pt_regs crossed to reach frame N+1
  bool partial_regs = false;        // only its iret frame was valid (ORC_TYPE_REGS_PARTIAL)
  std::optional<OrcRow> orc;        // the ORC entry used (method Orc)
};

struct StepContext {
  Memory& memory;
  const PtRegsLayout& pt_regs;
  const StackBounds* stacks = nullptr;  // optional; see the contract above
};

// The ORC entry covering a runtime address (the caller subtracts the KASLR offset and picks the
// vmlinux or module table); nullopt when no table covers it.
using OrcLookup = std::function<std::optional<OrcRow>(uint64_t address)>;

Expected<StepResult> step_orc(const UnwindFrame& frame, const OrcLookup& lookup,
                              StepContext& ctx);
Expected<StepResult> step_frame_pointer(const UnwindFrame& frame, StepContext& ctx);
// A frame stopped on its function's first instruction (a breakpoint, the ud2 of a one-instruction
// helper, an interrupted call) has not pushed its frame pointer yet: the return address is at
// [rsp] and rbp is still the caller's. Method FramePointer.
Expected<StepResult> step_at_function_entry(const UnwindFrame& frame, StepContext& ctx);

// The registers saved in a struct pt_regs at `address`; with iret_only, only the hardware
// frame (ip cs flags sp ss) is read and trusted.
struct SavedRegs {
  UnwindFrame frame;  // signal = true: ip is where execution was interrupted
  bool user_mode = false;
};
Expected<SavedRegs> read_pt_regs(uint64_t address, bool iret_only, StepContext& ctx);

}  // namespace krdb
