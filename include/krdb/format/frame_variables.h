// Frame variables: the locals and parameters of one stack frame (a function or a function
// inlined into it), located through their DWARF location descriptions (dwarf/location.h) and
// printed by the formatter layer (format/value.h) — the values `krdb print --frame N`, the panic
// report and triage show for the faulting Rust frame.
// Contract:
// - One entry per variable DWARF declares in scope at the frame's pc, in declaration order
//   (the function's own, then those of the lexical blocks around the pc). A variable that cannot
//   be shown says why in `text` (`<optimised out>`, `<unavailable: register rbx not recovered…>`)
//   and has `available` false; nothing is dropped silently.
// - A parameter located by DW_OP_entry_value(DW_OP_regN) — its register reused since — is read
//   from the caller's call site (DW_TAG_call_site_parameter's DW_AT_call_value, evaluated in the
//   caller's frame, one level): gcc records them for C; rustc 1.96 records none, so Rust
//   parameters stay `<unavailable: entry value …>` with the reason.
// - Values held in registers or pieces are formatted from their bytes, so every formatter
//   (Arc, KVec, Result…) works on them; memory behind pointers is read from the target.
// - Bounded like ValueFormatter; never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/dwarf/location.h"
#include "krdb/format/value.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/program.h"
#include "krdb/unwind/backtrace.h"

namespace krdb {

struct FrameVariableValue {
  std::string name;
  bool parameter = false;
  std::string type;                  // as ValueFormatter::type_name prints it
  std::string text;                  // the formatted value, or why it cannot be shown
  bool available = false;
  std::optional<uint64_t> address;   // where the value lives in target memory, if it does
};

// What a variable whose location could not be evaluated shows: "<optimised out>" (no location
// for this pc, or a piece of it empty), else "<unavailable: why>".
std::string unavailable_text(const Error& error);

// The context a frame's locations are evaluated in: its lookup pc, registers, and CFA (the next
// outer frame's sp, unless that frame was reached through an exception frame).
FrameContext frame_context(const Backtrace& backtrace, size_t physical_index, LoadMap load, Memory& memory);

// Variables of `frame` (symbolized with SymbolizeOptions::variables) in `context`. The formatter's
// debug info must be the one `frame` was symbolized from.
std::vector<FrameVariableValue> frame_variables(ValueFormatter& formatter, const FrameInfo& frame,
                                                const FrameContext& context);

// The variables of frame `number` of a kernel backtrace `unwinder` made, from the DWARF that
// describes the frame's pc: the vmlinux's, or its module's .ko as the unwinder found it (the
// frame is symbolized again, with its variables, and typed by that file). NotFound when no
// DWARF covers the pc (a module without its .ko).
Expected<std::vector<FrameVariableValue>> kernel_frame_variables(KernelProgram& program, KernelUnwinder& unwinder,
                                                                 const Backtrace& backtrace, FrameNumber number,
                                                                 FormatOptions options = format_options(default_limits()));

// `krdb print --frame N EXPR`: EXPR as ValueFormatter::evaluate reads it, its leading name being
// the frame's variable of that name (the innermost declared), else a global; formatted on one
// line. A variable held in a register or pieces is read from its bytes (the overlay), so `.field`,
// `[i]`, `->` and `*` work on it too. A variable that cannot be located here is an Error that says
// why (`<optimised out>`, `<unavailable: …>`).
Expected<std::string> frame_expression(ValueFormatter& formatter, const FrameInfo& frame,
                                       const FrameContext& context, const std::string& expression);
Expected<std::string> kernel_frame_expression(KernelProgram& program, KernelUnwinder& unwinder,
                                              const Backtrace& backtrace, FrameNumber number,
                                              const std::string& expression,
                                              FormatOptions options = format_options(default_limits()));

}  // namespace krdb
