// DWARF location descriptions evaluated for one frame (DWARF 5 §2.5–2.6): the stack machine
// for the operations compilers emit for locals and parameters (gcc 12 for the kernel's C, LLVM
// for its Rust) — registers, register+offset, frame base, CFA, pieces, stack values, arithmetic
// and deref. Written by hand: libdwarf decodes expressions but does not evaluate them, and the
// evaluation needs krdb's own registers and memory.
#include "krdb/dwarf/location.h"

#include <libdwarf/dwarf.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

namespace krdb {
namespace {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

Error optimised_out() {
  return Error(ErrorKind::NotFound, "optimised out at this pc (no location list entry covers it)");
}

// The entry of a location list that holds at `linktime_pc`; an exprloc holds everywhere.
const LocationEntry* entry_for(const std::vector<LocationEntry>& location, uint64_t linktime_pc) {
  for (const LocationEntry& e : location)
    if (e.begin <= linktime_pc && linktime_pc < e.end) return &e;
  return nullptr;
}

struct Machine {
  const FrameContext& frame;
  const Limits& limits;
  std::vector<uint64_t> stack;
  std::optional<Error> error;

  bool fail(Error e) {
    if (!error) error = std::move(e);
    return false;
  }
  bool push(uint64_t v) {
    if (stack.size() >= limits.max_location_stack)
      return fail(Error(ErrorKind::LimitHit, "DWARF expression stack deeper than max_location_stack (" +
                                                 std::to_string(limits.max_location_stack) + ")"));
    stack.push_back(v);
    return true;
  }
  bool need(size_t n, uint8_t atom) {
    if (stack.size() >= n) return true;
    return fail(Error(ErrorKind::BadData, "DWARF expression stack underflow at operation " + hex(atom)));
  }
  uint64_t pop() {
    uint64_t v = stack.back();
    stack.pop_back();
    return v;
  }
  std::optional<uint64_t> reg(uint64_t number) {
    if (number >= uint64_t(Reg::count)) {
      fail(Error(ErrorKind::Unsupported, "DWARF register " + std::to_string(number) + " is not an x86-64 general register"));
      return std::nullopt;
    }
    auto value = frame.registers ? frame.registers->get(Reg(number)) : std::nullopt;
    if (!value)
      fail(Error(ErrorKind::NotFound, "register " + std::string(reg_name(Reg(number))) +
                                          " not recovered in this frame"));
    return value;
  }
};

// Pushes the frame base (DW_AT_frame_base): a register location means that register's value.
bool push_frame_base(Machine& m) {
  if (!m.frame.frame_base)
    return m.fail(Error(ErrorKind::NotFound, "DW_OP_fbreg without a frame base (the function has no DW_AT_frame_base)"));
  uint64_t linktime_pc = m.frame.load.file(m.frame.pc);
  const LocationEntry* e = entry_for(*m.frame.frame_base, linktime_pc);
  if (!e || e->ops.size() != 1)
    return m.fail(Error(ErrorKind::Unsupported, "frame base is not a single operation at this pc"));
  const LocationOp& op = e->ops[0];
  if (op.atom >= DW_OP_reg0 && op.atom <= DW_OP_reg31) {
    auto v = m.reg(op.atom - DW_OP_reg0);
    return v && m.push(*v);
  }
  if (op.atom >= DW_OP_breg0 && op.atom <= DW_OP_breg31) {
    auto v = m.reg(op.atom - DW_OP_breg0);
    return v && m.push(*v + op.operand1);
  }
  if (op.atom == DW_OP_call_frame_cfa) {
    if (!m.frame.cfa) return m.fail(Error(ErrorKind::NotFound, "the frame's CFA is not known (frame base DW_OP_call_frame_cfa)"));
    return m.push(*m.frame.cfa);
  }
  return m.fail(Error(ErrorKind::Unsupported, "frame base operation " + hex(op.atom) + " not supported"));
}

bool binary(Machine& m, uint8_t atom) {
  if (!m.need(2, atom)) return false;
  uint64_t b = m.pop(), a = m.pop();
  switch (atom) {
    case DW_OP_plus: return m.push(a + b);
    case DW_OP_minus: return m.push(a - b);
    case DW_OP_mul: return m.push(a * b);
    case DW_OP_and: return m.push(a & b);
    case DW_OP_or: return m.push(a | b);
    case DW_OP_xor: return m.push(a ^ b);
    case DW_OP_shl: return m.push(b >= 64 ? 0 : a << b);
    case DW_OP_shr: return m.push(b >= 64 ? 0 : a >> b);
    case DW_OP_shra: return m.push(uint64_t(int64_t(a) >> (b >= 63 ? 63 : b)));
    default: return m.fail(Error(ErrorKind::Unsupported, "operation " + hex(atom) + " not supported"));
  }
}

// Runs one operation; a location that ends here is reported through `in_register` (DW_OP_reg*)
// or `is_value` (DW_OP_stack_value).
bool step(Machine& m, const LocationOp& op, bool& is_value, std::optional<Reg>& in_register) {
  uint8_t a = op.atom;
  if (a >= DW_OP_lit0 && a <= DW_OP_lit31) return m.push(a - DW_OP_lit0);
  if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
    if (!m.reg(a - DW_OP_reg0)) return false;
    in_register = Reg(a - DW_OP_reg0);
    return true;
  }
  if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
    auto v = m.reg(a - DW_OP_breg0);
    return v && m.push(*v + op.operand1);
  }
  switch (a) {
    case DW_OP_addr: return m.push(m.frame.load.runtime(op.operand1));
    // The address at an index of .debug_addr, which Die::location read into operand2.
    case DW_OP_addrx: case DW_OP_GNU_addr_index:
      if (!op.operand2) return m.fail(Error(ErrorKind::BadData, fmt::format("DW_OP_addrx index {} is not in .debug_addr", op.operand1)));
      return m.push(m.frame.load.runtime(op.operand2));
    case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
    case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
    case DW_OP_constu: case DW_OP_consts:
      return m.push(op.operand1);
    case DW_OP_regx:
      if (!m.reg(op.operand1)) return false;
      in_register = Reg(op.operand1);
      return true;
    case DW_OP_bregx: {
      auto v = m.reg(op.operand1);
      return v && m.push(*v + op.operand2);
    }
    case DW_OP_fbreg: return push_frame_base(m) && m.push(m.pop() + op.operand1);
    case DW_OP_call_frame_cfa:
      if (!m.frame.cfa) return m.fail(Error(ErrorKind::NotFound, "the frame's CFA is not known"));
      return m.push(*m.frame.cfa);
    case DW_OP_dup: return m.need(1, a) && m.push(m.stack.back());
    case DW_OP_drop: return m.need(1, a) && (m.pop(), true);
    case DW_OP_over: return m.need(2, a) && m.push(m.stack[m.stack.size() - 2]);
    case DW_OP_swap:
      if (!m.need(2, a)) return false;
      std::swap(m.stack.back(), m.stack[m.stack.size() - 2]);
      return true;
    case DW_OP_plus_uconst: return m.need(1, a) && m.push(m.pop() + op.operand1);
    case DW_OP_neg: return m.need(1, a) && m.push(-m.pop());
    case DW_OP_not: return m.need(1, a) && m.push(~m.pop());
    case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and: case DW_OP_or:
    case DW_OP_xor: case DW_OP_shl: case DW_OP_shr: case DW_OP_shra:
      return binary(m, a);
    case DW_OP_deref: case DW_OP_deref_size: {
      if (!m.need(1, a)) return false;
      uint64_t size = a == DW_OP_deref ? 8 : op.operand1;
      if (size == 0 || size > 8) return m.fail(Error(ErrorKind::BadData, "DW_OP_deref_size of " + std::to_string(size) + " bytes"));
      if (!m.frame.memory) return m.fail(Error(ErrorKind::Unsupported, "DW_OP_deref without target memory"));
      uint64_t address = m.pop(), v = 0;
      auto r = m.frame.memory->read(address, {reinterpret_cast<uint8_t*>(&v), size});
      if (!r) return m.fail(r.error());
      return m.push(v);
    }
    case DW_OP_stack_value:
      is_value = true;
      return m.need(1, a);
    case DW_OP_entry_value: case DW_OP_GNU_entry_value: {
      if (!op.operand3 || !m.frame.entry_register)
        return m.fail(Error(ErrorKind::NotFound, "entry value (the parameter as it was on entry; this frame no longer holds it)"));
      auto v = m.frame.entry_register(unsigned(op.operand2));
      if (!v) return m.fail(Error(ErrorKind::NotFound, "entry value (the parameter as it was on entry): " + v.error().message));
      return m.push(*v);
    }
    case DW_OP_implicit_pointer: case DW_OP_GNU_implicit_pointer:
      return m.fail(Error(ErrorKind::Unsupported, "implicit pointer (the pointed-to value was optimised into another variable)"));
    default:
      return m.fail(Error(ErrorKind::Unsupported, "DWARF operation " + hex(a) + " not supported in locations"));
  }
}

void append_le(std::vector<uint8_t>& out, uint64_t value, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) out.push_back(i < 8 ? uint8_t(value >> (8 * i)) : 0);
}

// The bytes of one piece (or of the whole value) once its operations ran.
Expected<std::vector<uint8_t>> piece_bytes(Machine& m, bool is_value, std::optional<Reg> in_register,
                                           uint64_t size) {
  std::vector<uint8_t> out;
  if (in_register) {
    if (size > 8) return Error(ErrorKind::Unsupported, "a value of " + std::to_string(size) + " bytes in one register");
    append_le(out, *m.reg(uint64_t(*in_register)), size);
    return out;
  }
  if (m.stack.empty()) return Error(ErrorKind::NotFound, "empty location (optimised out)");
  uint64_t top = m.stack.back();
  if (is_value) {
    append_le(out, top, size);
    return out;
  }
  if (size == 0) return out;  // a zero-sized value: nothing to read
  if (!m.frame.memory) return Error(ErrorKind::Unsupported, "a piece in memory without target memory");
  out.resize(size);
  if (auto r = m.frame.memory->read(top, out); !r) return r.error();
  return out;
}

}  // namespace

Expected<Location> evaluate_location(const std::vector<LocationEntry>& location, uint64_t size,
                                     const FrameContext& frame, const Limits& limits) {
  if (location.empty()) return Error(ErrorKind::NotFound, "optimised out (no DW_AT_location)");
  const LocationEntry* entry = entry_for(location, frame.load.file(frame.pc));
  if (!entry || entry->ops.empty()) return optimised_out();
  if (entry->ops.size() > limits.max_dwarf_ops)
    return Error(ErrorKind::LimitHit, "location expression longer than max_dwarf_ops");
  Machine m{frame, limits, {}, std::nullopt};
  bool is_value = false;
  std::optional<Reg> in_register;
  bool pieces = false;
  Location out;
  for (const LocationOp& op : entry->ops) {
    if (op.atom == DW_OP_piece) {
      pieces = true;
      if (op.operand1 > 1024 || out.bytes.size() + op.operand1 > (1u << 16))
        return Error(ErrorKind::BadData, "DW_OP_piece of " + std::to_string(op.operand1) + " bytes");
      if (!in_register && m.stack.empty()) {
        // A piece with no location: that part is optimised out.
        return Error(ErrorKind::NotFound, "partly optimised out (piece at byte " + std::to_string(out.bytes.size()) + ")");
      }
      auto part = piece_bytes(m, is_value, in_register, op.operand1);
      if (!part) return part.error();
      out.bytes.insert(out.bytes.end(), part->begin(), part->end());
      m.stack.clear();
      is_value = false;
      in_register.reset();
      continue;
    }
    if (in_register || is_value)
      return Error(ErrorKind::BadData, "operation " + hex(op.atom) + " after a register or stack-value location");
    if (!step(m, op, is_value, in_register)) return *m.error;
  }
  if (pieces) {
    if (in_register || !m.stack.empty()) return Error(ErrorKind::BadData, "location ends with an unfinished piece");
    if (out.bytes.size() < size) return Error(ErrorKind::NotFound, "partly optimised out (pieces cover " + std::to_string(out.bytes.size()) + " of " + std::to_string(size) + " bytes)");
    return out;
  }
  if (in_register || is_value) {
    auto bytes = piece_bytes(m, is_value, in_register, size);
    if (!bytes) return bytes.error();
    out.bytes = std::move(*bytes);
    return out;
  }
  if (m.stack.empty()) return Error(ErrorKind::NotFound, "empty location (optimised out)");
  out.address = m.stack.back();
  return out;
}

}  // namespace krdb
