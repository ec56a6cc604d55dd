// Backtrace: the frames an unwinder found — kernel (kernel/backtrace.h) or user space
// (process/user_backtrace.h) — each symbolized with its inlined frames and language. The one
// shape the reports (report/backtrace_report.h), the CLI and the plugin print.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/dwarf/debug_info.h"
#include "krdb/target/registers.h"
#include "krdb/unwind/frame_step.h"

namespace krdb {

struct Frame {
  uint64_t pc = 0, sp = 0;
  bool exact = false;          // pc is where execution was (first frame, pt_regs), not a return address
  RegisterSet regs;            // what is known of the registers in this frame
  std::string method;          // how this frame was found: "cpu", "orc", "fp", "cfi", "pt_regs", "switch frame", "thread"
  std::string module;          // the kernel module, or the shared object; empty for vmlinux / the executable
  AddressInfo where;           // function, inlined frames (innermost first), file:line, language
  std::optional<uint64_t> pt_regs;  // crossed right before this frame (exception/interrupt entry)
  std::string trap;            // what that pt_regs frame was: "invalid opcode (#UD)", "page fault"
};

// The frame an unwinder reached, before symbolization: pc, sp, registers, how it was found.
inline Frame frame_of(const UnwindFrame& u, std::string method) {
  Frame f;
  f.pc = u.regs.pc();
  f.sp = u.regs.sp();
  f.exact = u.signal;
  f.regs = u.regs;
  f.method = std::move(method);
  return f;
}

// Where a frame's pc is looked up: a return address belongs to the call before it (pc - 1), an
// exact pc to itself. Symbol offsets are then shown from pc itself, as the kernel's oops and
// LLDB print them (`_start+0x21`): fix_symbol_offset() does that after the lookup.
inline uint64_t lookup_address(const Frame& f) { return f.exact ? f.pc : f.pc - 1; }
inline void fix_symbol_offset(Frame& f) {
  if (f.where.symbol) f.where.symbol_offset += f.pc - lookup_address(f);
}

// A frame as `bt` numbers it: every function frame counts, inlined ones included (as LLDB
// numbers them); `inlined` indexes the physical frame's where.frames (0: innermost).
struct FrameNumber {
  size_t physical = 0, inlined = 0;
};

struct Backtrace {
  std::vector<Frame> frames;
  std::string end;  // why the walk stopped: "end of stack", "user mode", a fault…
  bool complete = false;  // ended where the stack ends, not on an error or limit

  // Frame `number` in bt's numbering; nullopt past the end.
  std::optional<FrameNumber> frame_number(size_t number) const {
    for (size_t i = 0; i < frames.size(); ++i) {
      size_t rows = frames[i].where.frames.empty() ? 1 : frames[i].where.frames.size();
      if (number < rows) return FrameNumber{i, number};
      number -= rows;
    }
    return std::nullopt;
  }
  // bt's number of the first function frame of physical frame `physical`.
  size_t number_of(size_t physical) const {
    size_t n = 0;
    for (size_t i = 0; i < physical && i < frames.size(); ++i)
      n += frames[i].where.frames.empty() ? 1 : frames[i].where.frames.size();
    return n;
  }
};

}  // namespace krdb
