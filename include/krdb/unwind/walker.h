// The one stack walker, for kernel and user stacks alike: it chains unwind steps from a start
// frame, symbolizes each frame through a StackSource (the kernel's vmlinux + modules, or a user
// core's images), records per frame how it was found, and says at the end why the walk stopped.
// Contract:
// - Bounded by `max_frames` and a WalkGuard on (sp, pc): a stack that repeats itself or runs on
//   ends with `end` naming the limit; every frame found so far is kept.
// - Frame::method is one of: the start method given ("cpu", "switch frame", "thread", …), "orc",
//   "cfi", "fp" (frame pointers), "pt_regs" (restored from an exception frame) or "guess" (no
//   unwind data for the pc: the kernel's own frame-pointer guess, unreliable).
// - `complete` is true only when the stack ended where stacks end (ORC end-of-stack, user mode,
//   a zero return address or frame pointer); a failed step leaves it false with the error in `end`.
#pragma once

#include <cstdint>
#include <string>

#include "krdb/base/error.h"
#include "krdb/unwind/backtrace.h"
#include "krdb/unwind/frame_step.h"

namespace krdb {

class StackSource {
 public:
  virtual ~StackSource() = default;
  // Fills f.where (function, inlined frames, file:line, language) and f.module for f.pc.
  virtual void symbolize(Frame& f) = 0;
  // One step from `frame` — shown to the user as `shown`, already symbolized — to its caller.
  virtual Expected<StepResult> step(const UnwindFrame& frame, const Frame& shown) = 0;
  // The step from `entry` crossed a struct pt_regs: `entry` is the code that saved it.
  virtual void crossed_exception(Frame& /*entry*/) {}
};

// The method name a step's result gives its frame (see the contract).
const char* frame_method(const StepResult& step);

Backtrace walk_stack(StackSource& source, const UnwindFrame& start, std::string start_method,
                     const char* stack_name, uint64_t max_frames);

}  // namespace krdb
