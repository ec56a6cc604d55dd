// DWARF location expressions (dwarf/location.h) on hand-built expressions: each kind of location
// gcc and rustc emit for locals, and malformed or hostile expressions — bounded and said.
#include <catch2/catch.hpp>

#include <libdwarf/dwarf.h>

#include <cstring>
#include <map>

#include "krdb/dwarf/location.h"

using namespace krdb;

namespace {

// Eight-byte words at chosen addresses; anything else faults.
class WordMemory : public Memory {
 public:
  std::map<uint64_t, uint64_t> words;
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override {
    auto it = words.find(address & ~7ull);
    if (it == words.end() || (address & 7) + out.size() > 8)
      return Error(ErrorKind::Fault, "unmapped (test)");
    std::memcpy(out.data(), reinterpret_cast<const uint8_t*>(&it->second) + (address & 7), out.size());
    return {};
  }
};

std::vector<LocationEntry> expr(std::vector<LocationOp> ops) { return {LocationEntry{0, UINT64_MAX, std::move(ops)}}; }

uint64_t as_u64(const Location& l) {
  uint64_t v = 0;
  std::memcpy(&v, l.bytes.data(), std::min<size_t>(8, l.bytes.size()));
  return v;
}

struct Setup {
  RegisterSet regs;
  WordMemory memory;
  std::vector<LocationEntry> base;
  FrameContext frame;
  Setup() {
    regs.set(Reg::rsp, 0x1000);
    regs.set(Reg::rbp, 0x2000);
    regs.set(Reg::rdi, 0xabcd);
    regs.set(Reg::rip, 0x5010);
    frame.pc = 0x5010;
    frame.registers = &regs;
    frame.memory = &memory;
    frame.cfa = 0x1100;
    frame.frame_base = &base;
  }
};

}  // namespace

TEST_CASE("locations: registers, register+offset, frame base and CFA", "[dwarf][location]") {
  Setup s;
  auto in_reg = evaluate_location(expr({{DW_OP_reg5}}), 8, s.frame);
  REQUIRE(in_reg);
  CHECK(!in_reg->in_memory());
  CHECK(as_u64(*in_reg) == 0xabcd);
  auto small = evaluate_location(expr({{DW_OP_reg5}}), 2, s.frame);
  REQUIRE(small);
  CHECK(small->bytes.size() == 2);

  auto breg = evaluate_location(expr({{DW_OP_breg7, 0x18}}), 8, s.frame);
  REQUIRE(breg);
  CHECK(breg->address == 0x1018);
  auto negative = evaluate_location(expr({{DW_OP_breg6, uint64_t(-8)}}), 8, s.frame);
  REQUIRE(negative);
  CHECK(negative->address == 0x1ff8);

  s.base = expr({{DW_OP_reg6}});  // LLVM with frame pointers: the frame base is rbp's value
  auto fb = evaluate_location(expr({{DW_OP_fbreg, uint64_t(-0x20)}}), 8, s.frame);
  REQUIRE(fb);
  CHECK(fb->address == 0x1fe0);
  s.base = expr({{DW_OP_call_frame_cfa}});  // gcc
  fb = evaluate_location(expr({{DW_OP_fbreg, 8}}), 8, s.frame);
  REQUIRE(fb);
  CHECK(fb->address == 0x1108);
  s.frame.cfa.reset();
  fb = evaluate_location(expr({{DW_OP_fbreg, 8}}), 8, s.frame);
  REQUIRE(!fb);
  CHECK(fb.error().message.find("CFA") != std::string::npos);
}

TEST_CASE("locations: stack values, arithmetic, deref and pieces", "[dwarf][location]") {
  Setup s;
  auto value = evaluate_location(expr({{DW_OP_lit7}, {DW_OP_lit3}, {DW_OP_minus}, {DW_OP_stack_value}}), 4, s.frame);
  REQUIRE(value);
  CHECK(as_u64(*value) == 4);
  CHECK(value->bytes.size() == 4);

  s.memory.words[0x1018] = 0xffff888000001234;
  auto deref = evaluate_location(expr({{DW_OP_breg7, 0x18}, {DW_OP_deref}}), 8, s.frame);
  REQUIRE(deref);
  CHECK(deref->address == 0xffff888000001234);
  auto fault = evaluate_location(expr({{DW_OP_breg7, 0x28}, {DW_OP_deref}}), 8, s.frame);
  REQUIRE(!fault);
  CHECK(fault.error().kind == ErrorKind::Fault);

  // A 16-byte Rust slice split over rdi (pointer) and the stack (length).
  s.memory.words[0x1020] = 5;
  auto pieces = evaluate_location(expr({{DW_OP_reg5}, {DW_OP_piece, 8}, {DW_OP_breg7, 0x20}, {DW_OP_piece, 8}}), 16, s.frame);
  REQUIRE(pieces);
  REQUIRE(pieces->bytes.size() == 16);
  uint64_t ptr = 0, len = 0;
  std::memcpy(&ptr, pieces->bytes.data(), 8);
  std::memcpy(&len, pieces->bytes.data() + 8, 8);
  CHECK(ptr == 0xabcd);
  CHECK(len == 5);
  auto half = evaluate_location(expr({{DW_OP_reg5}, {DW_OP_piece, 8}, {DW_OP_piece, 8}}), 16, s.frame);
  REQUIRE(!half);
  CHECK(half.error().message.find("partly optimised out") != std::string::npos);
}

TEST_CASE("locations: what cannot be shown says why", "[dwarf][location]") {
  Setup s;
  CHECK(evaluate_location({}, 8, s.frame).error().message.find("optimised out") != std::string::npos);
  std::vector<LocationEntry> list = {{0x4000, 0x5000, {{DW_OP_reg5}}}, {0x6000, 0x7000, {{DW_OP_reg3}}}};
  auto outside = evaluate_location(list, 8, s.frame);  // pc 0x5010 is in neither entry
  REQUIRE(!outside);
  CHECK(outside.error().message.find("optimised out") != std::string::npos);
  s.frame.pc = 0x6004;
  auto lost = evaluate_location(list, 8, s.frame);  // rbx: not recovered in this frame
  REQUIRE(!lost);
  CHECK(lost.error().message == "register rbx not recovered in this frame");
  s.frame.load = 0x1000;  // the same entry, for a kernel slid by 0x1000
  s.frame.pc = 0x6004 + 0x1000;
  auto slid = evaluate_location(list, 8, s.frame);
  REQUIRE(!slid);
  CHECK(slid.error().message.find("rbx") != std::string::npos);
  s.frame.load = 0;
  s.frame.pc = 0x5010;

  auto entry = evaluate_location(expr({{DW_OP_entry_value, 1, 0}, {DW_OP_stack_value}}), 8, s.frame);
  REQUIRE(!entry);
  CHECK(entry.error().message.starts_with("entry value"));
  CHECK(evaluate_location(expr({{DW_OP_plus}}), 8, s.frame).error().message.find("underflow") != std::string::npos);
  CHECK(evaluate_location(expr({{DW_OP_reg5}, {DW_OP_lit1}}), 8, s.frame).error().kind == ErrorKind::BadData);
  CHECK(evaluate_location(expr({{DW_OP_regx, 40}}), 8, s.frame).error().kind == ErrorKind::Unsupported);
  CHECK(evaluate_location(expr({{DW_OP_bra, 0}}), 8, s.frame).error().kind == ErrorKind::Unsupported);
  CHECK(evaluate_location(expr({{DW_OP_lit1}, {DW_OP_deref_size, 9}}), 8, s.frame).error().kind == ErrorKind::BadData);
  CHECK(evaluate_location(expr({{DW_OP_lit1}, {DW_OP_piece, 1u << 20}}), 8, s.frame).error().kind == ErrorKind::BadData);

  std::vector<LocationOp> deep(200, LocationOp{DW_OP_lit1});
  Limits limits;
  auto overflow = evaluate_location(expr(deep), 8, s.frame, limits);
  REQUIRE(!overflow);
  CHECK(overflow.error().kind == ErrorKind::LimitHit);
  CHECK(overflow.error().message.find("max_location_stack") != std::string::npos);
  limits.max_dwarf_ops = 10;
  CHECK(evaluate_location(expr(deep), 8, s.frame, limits).error().message.find("max_dwarf_ops") != std::string::npos);
}
