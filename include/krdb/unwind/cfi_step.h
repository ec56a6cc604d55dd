// One unwind step by DWARF call-frame information: frame N's registers and the CfiRow in effect
// at its pc give frame N+1's (CFA = base register + offset; rsp = CFA; each register by its
// rule; the return address column gives the pc). x86-64 System V: the caller-saved registers
// (rax rcx rdx rsi rdi r8–r11) are forgotten unless a rule restores them.
// Contract: an Error when the row needs what the frame does not know (an unknown base
// register), uses a DWARF expression (not evaluated: Unsupported, so the caller can fall back to
// frame pointers), or reads unreadable stack (Fault). An undefined return address is the normal
// end of the stack (StackEnd::ZeroPc with the registers read so far). The stack must move up.
#pragma once

#include <optional>

#include "krdb/dwarf/cfi.h"
#include "krdb/unwind/frame_step.h"

namespace krdb {

Expected<StepResult> step_cfi(const UnwindFrame& frame, const CfiRow& row, Memory& memory);

// The per-frame choice both walkers make: a step by `cfi` when it has a row for the frame's pc
// (looked up at pc, or pc - 1 for a return address, minus `bias`: the file's load offset) and the
// row uses only what step_cfi evaluates. nullopt = no usable CFI here, take another method.
std::optional<Expected<StepResult>> try_step_cfi(const UnwindFrame& frame, CallFrameInfo& cfi,
                                                 uint64_t bias, Memory& memory);

}  // namespace krdb
