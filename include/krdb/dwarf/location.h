// Location: where a variable's value is in one frame, from its DWARF location description
// (DW_AT_location: an expression, or a location list selected by pc) evaluated against that
// frame's registers, its frame base and CFA, and target memory.
// Contract:
// - The result is an address in target memory, or the value's bytes themselves (a register, a
//   DW_OP_stack_value, an implicit value, or pieces joined), or an Error that says why not:
//   "optimised out" (no entry for this pc), "register rbx not recovered in this frame", "entry
//   value" (the value the parameter had on entry, when `entry_register` cannot give it), an
//   unsupported operation, a bad expression.
// - The expression is untrusted: the stack is bounded (max_location_stack), every operation
//   checked, at most max_dwarf_ops operations run; it never throws and never reads target memory
//   except through `memory` (DW_OP_deref), bounded to 8 bytes per read.
// - Addresses in the expression (DW_OP_addr, location-list pc ranges) are link-time; `load`
//   maps DW_OP_addr to run time and `pc` back to link time before choosing a list entry.
// - x86-64 only: DWARF registers 0–16 as in target/registers.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/load_map.h"
#include "krdb/target/memory.h"
#include "krdb/target/registers.h"

namespace krdb {

struct FrameContext {
  uint64_t pc = 0;                      // runtime pc used to choose list entries (lookup address)
  LoadMap load;                         // the file's link-time -> runtime addresses
  const RegisterSet* registers = nullptr;
  std::optional<uint64_t> cfa;          // the frame's canonical frame address, when known
  const std::vector<LocationEntry>* frame_base = nullptr;  // the subprogram's DW_AT_frame_base
  Memory* memory = nullptr;             // for DW_OP_deref; null: deref is an error
  // DW_OP_entry_value(DW_OP_regN): the value DWARF register N had when this frame's function
  // was entered (from the caller's call site); unset: such values are unavailable.
  std::function<Expected<uint64_t>(unsigned dwarf_register)> entry_register;
};

struct Location {
  std::optional<uint64_t> address;  // the value lives in target memory here…
  std::vector<uint8_t> bytes;       // …or these are its bytes (registers, stack values, pieces)
  bool in_memory() const { return address.has_value(); }
};

// The location of a value of `size` bytes (size matters for register and piece values).
Expected<Location> evaluate_location(const std::vector<LocationEntry>& location, uint64_t size,
                                     const FrameContext& frame, const Limits& limits = default_limits());

}  // namespace krdb
