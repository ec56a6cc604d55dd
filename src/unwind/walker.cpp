#include "krdb/unwind/walker.h"

#include "krdb/base/walk_guard.h"

namespace krdb {

const char* frame_method(const StepResult& step) {
  if (step.pt_regs) return "pt_regs";
  switch (step.method) {
    case StepMethod::Orc: return "orc";
    case StepMethod::OrcNoEntry: return "guess";
    case StepMethod::FramePointer: return "fp";
    case StepMethod::Cfi: return "cfi";
  }
  return "?";
}

Backtrace walk_stack(StackSource& source, const UnwindFrame& start, std::string start_method,
                     const char* stack_name, uint64_t max_frames) {
  Backtrace bt;
  UnwindFrame frame = start;
  std::string method = std::move(start_method);
  std::optional<uint64_t> crossed;
  WalkGuard guard(stack_name, max_frames);
  for (;;) {
    Frame f = frame_of(frame, method);
    f.pt_regs = crossed;
    source.symbolize(f);
    fix_symbol_offset(f);
    bt.frames.push_back(std::move(f));
    if (!guard.step(frame.regs.sp() * 31 + frame.regs.pc())) {
      bt.end = guard.reason()->describe();
      return bt;
    }
    Expected<StepResult> step = source.step(frame, bt.frames.back());
    if (!step) {
      bt.end = step.error().describe();
      return bt;
    }
    if (step->end != StackEnd::None) {
      bt.end = to_string(step->end);
      bt.complete = true;
      return bt;
    }
    crossed = step->pt_regs;
    if (crossed) source.crossed_exception(bt.frames.back());
    method = frame_method(*step);
    frame = step->frame;
  }
}

}  // namespace krdb
