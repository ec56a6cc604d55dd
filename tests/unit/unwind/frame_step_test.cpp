// unwind/frame_step: ORC, frame-pointer and pt_regs steps on hand-made stacks (every rule of
// unwind_orc.c, and corrupt stacks that must end with a reason), then whole walks of the
// panicking CPU of the fixture dumps checked against the kernel's own printed call trace.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "krdb/base/walk_guard.h"
#include "krdb/dump/dump.h"
#include "krdb/elf/elf_file.h"
#include "krdb/unwind/frame_step.h"
#include "krdb/unwind/orc.h"
#include "krdb/unwind/stacks.h"

using namespace krdb;

namespace {

const std::string kData = KRDB_TEST_DATA_DIR;

// struct pt_regs of x86-64 Linux 6.12 (arch/x86/include/asm/ptrace.h); in krdb these come from
// DWARF, here they are the expectation.
const std::pair<std::string_view, uint64_t> kPtRegs612[] = {
    {"r15", 0},     {"r14", 8},    {"r13", 16},  {"r12", 24},  {"bp", 32},  {"bx", 40},
    {"r11", 48},    {"r10", 56},   {"r9", 64},   {"r8", 72},   {"ax", 80},  {"cx", 88},
    {"dx", 96},     {"si", 104},   {"di", 112},  {"orig_ax", 120},          {"ip", 128},
    {"cs", 136},    {"flags", 144}, {"sp", 152}, {"ss", 160}};

const PtRegsLayout& layout612() {
  static PtRegsLayout l = *PtRegsLayout::from_members(kPtRegs612, 168);
  return l;
}

// Words of a fake stack at kBase; anything else is a Fault, as a dump would report it.
constexpr uint64_t kBase = 0xffffc90000010000;

class FakeStack : public Memory {
 public:
  std::vector<uint64_t> words = std::vector<uint64_t>(64);
  uint64_t& at(uint64_t address) { return words[(address - kBase) / 8]; }
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override {
    if (address < kBase || address + out.size() > kBase + words.size() * 8)
      return Error(ErrorKind::Fault, "not in the fake stack", fmt::format("{:#x}", address));
    std::memcpy(out.data(), reinterpret_cast<const uint8_t*>(words.data()) + (address - kBase),
                out.size());
    return {};
  }
};

OrcEntry entry(OrcType type, OrcReg sp_reg, int16_t sp_off, OrcReg bp_reg = OrcReg::Undefined,
               int16_t bp_off = 0, bool signal = false) {
  return {sp_off, bp_off, uint8_t(sp_reg), uint8_t(bp_reg), uint8_t(type), signal};
}

// One entry for every address.
OrcLookup always(OrcEntry e) {
  return [e](uint64_t a) { return std::optional<OrcRow>(OrcRow{a, e}); };
}

UnwindFrame frame(uint64_t pc, uint64_t sp, std::optional<uint64_t> bp = {}, bool signal = false) {
  UnwindFrame f;
  f.regs.set(Reg::rip, pc);
  f.regs.set(Reg::rsp, sp);
  if (bp) f.regs.set(Reg::rbp, *bp);
  f.signal = signal;
  return f;
}

constexpr uint64_t kText = 0xffffffff81000000;

}  // namespace

TEST_CASE("unwind: pt_regs layout from DWARF members", "[unwind][step]") {
  const PtRegsLayout& l = layout612();
  CHECK(l.size == 168);
  CHECK(l.iret_offset() == 128);  // IRET_FRAME_OFFSET
  CHECK(l.offset[size_t(Reg::rbp)] == 32);
  CHECK(l.offset[size_t(Reg::rsp)] == 152);
  CHECK(l.cs == 136);
  std::vector<std::pair<std::string_view, uint64_t>> no_cs(std::begin(kPtRegs612),
                                                           std::end(kPtRegs612));
  std::erase_if(no_cs, [](auto& m) { return m.first == "cs"; });
  auto missing = PtRegsLayout::from_members(no_cs, 168);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  auto outside = PtRegsLayout::from_members(kPtRegs612, 160);
  REQUIRE_FALSE(outside);
  CHECK(outside.error().message == "pt_regs.ss at 160 lies outside its 160 bytes");
}

TEST_CASE("unwind: ORC CALL step", "[unwind][step]") {
  FakeStack mem;
  StepContext ctx{mem, layout612()};
  mem.at(kBase + 16) = kText + 0x2000;  // return address below the CFA sp+24
  UnwindFrame f = frame(kText + 0x1000, kBase, kBase + 0x100);
  f.regs.set(Reg::rax, 1);
  uint64_t looked_up = 0;
  OrcLookup lookup = [&](uint64_t a) {
    looked_up = a;
    return std::optional<OrcRow>(OrcRow{a, entry(OrcType::Call, OrcReg::Sp, 24)});
  };
  auto r = step_orc(f, lookup, ctx);
  REQUIRE(r);
  CHECK(looked_up == kText + 0xfff);  // a return address: the call instruction's entry
  CHECK(r->end == StackEnd::None);
  CHECK(r->method == StepMethod::Orc);
  CHECK(r->frame.regs.pc() == kText + 0x2000);
  CHECK(r->frame.regs.sp() == kBase + 24);
  CHECK(r->frame.regs.get(Reg::rbp) == kBase + 0x100);  // bp_reg undefined: unchanged
  CHECK_FALSE(r->frame.regs.has(Reg::rax));              // ORC does not recover it
  CHECK_FALSE(r->pt_regs);
  CHECK_FALSE(r->frame.signal);

  SECTION("an interrupted frame is looked up at pc itself") {
    f.signal = true;
    REQUIRE(step_orc(f, lookup, ctx));
    CHECK(looked_up == kText + 0x1000);
  }
  SECTION("bp saved below the CFA") {
    mem.at(kBase + 8) = kBase + 0x200;
    auto r2 = step_orc(f, always(entry(OrcType::Call, OrcReg::Sp, 24, OrcReg::PrevSp, -16)), ctx);
    REQUIRE(r2);
    CHECK(r2->frame.regs.get(Reg::rbp) == kBase + 0x200);
  }
  SECTION("CFA from bp, and from an indirect sp (call_on_irqstack)") {
    mem.at(kBase + 0x28) = kText + 0x3000;
    auto via_bp = step_orc(frame(kText, kBase, kBase + 0x20),
                           always(entry(OrcType::Call, OrcReg::Bp, 16)), ctx);
    REQUIRE(via_bp);
    CHECK(via_bp->frame.regs.pc() == kText + 0x3000);
    CHECK(via_bp->frame.regs.sp() == kBase + 0x30);
    mem.at(kBase) = kBase + 0x20;  // the saved previous sp
    auto indirect = step_orc(frame(kText, kBase), always(entry(OrcType::Call, OrcReg::SpIndirect, 16)), ctx);
    REQUIRE(indirect);
    CHECK(indirect->frame.regs.sp() == kBase + 0x30);
  }
}

TEST_CASE("unwind: ORC special cases of unwind_orc.c", "[unwind][step]") {
  FakeStack mem;
  StepContext ctx{mem, layout612()};
  OrcLookup none = [](uint64_t) { return std::optional<OrcRow>(); };

  SECTION("pc 0: a call through a NULL pointer, return address on top of the stack") {
    mem.at(kBase) = kText + 0x10;
    auto r = step_orc(frame(0, kBase, {}, true), none, ctx);
    REQUIRE(r);
    CHECK(r->method == StepMethod::Orc);
    CHECK(r->frame.regs.pc() == kText + 0x10);
    CHECK(r->frame.regs.sp() == kBase + 8);
  }
  SECTION("no entry: the kernel's frame-pointer guess") {
    mem.at(kBase + 0x20) = kBase + 0x40;   // saved rbp
    mem.at(kBase + 0x28) = kText + 0x50;   // return address
    auto r = step_orc(frame(kText + 1, kBase, kBase + 0x20), none, ctx);
    REQUIRE(r);
    CHECK(r->method == StepMethod::OrcNoEntry);
    CHECK(r->frame.regs.pc() == kText + 0x50);
    CHECK(r->frame.regs.sp() == kBase + 0x30);
    CHECK(r->frame.regs.get(Reg::rbp) == kBase + 0x40);
  }
  SECTION("end of stack, undefined, unknown registers") {
    auto end = step_orc(frame(kText, kBase), always(entry(OrcType::EndOfStack, OrcReg::Undefined, 0)), ctx);
    REQUIRE(end);
    CHECK(end->end == StackEnd::OrcEndOfStack);
    auto und = step_orc(frame(kText, kBase), always(entry(OrcType::Undefined, OrcReg::Undefined, 0)), ctx);
    REQUIRE_FALSE(und);
    CHECK(und.error().kind == ErrorKind::BadData);
    auto r10 = step_orc(frame(kText, kBase), always(entry(OrcType::Call, OrcReg::R10, 0)), ctx);
    REQUIRE_FALSE(r10);
    CHECK(r10.error().kind == ErrorKind::NotFound);
    CHECK(r10.error().message.find("r10") != std::string::npos);
    auto bad_reg = step_orc(frame(kText, kBase), always(entry(OrcType::Call, OrcReg(12), 8)), ctx);
    REQUIRE_FALSE(bad_reg);
    CHECK(bad_reg.error().message == "unknown ORC sp base register 12");
    auto bad_type = step_orc(frame(kText, kBase), always(entry(OrcType(6), OrcReg::Sp, 8)), ctx);
    REQUIRE_FALSE(bad_type);
    CHECK(bad_type.error().message == "unknown ORC entry type 6");
  }
  SECTION("entry code: sp in a register a full pt_regs restored") {
    UnwindFrame f = frame(kText, kBase + 0x100, {}, true);
    f.regs.set(Reg::rdi, kBase + 8);
    mem.at(kBase) = kText + 0x77;
    auto r = step_orc(f, always(entry(OrcType::Call, OrcReg::Di, 0)), ctx);
    REQUIRE(r);  // sp moves down: without StackBounds a saved sp may be another stack
    CHECK(r->frame.regs.pc() == kText + 0x77);
    CHECK(r->frame.regs.sp() == kBase + 8);
  }
}

TEST_CASE("unwind: crossing struct pt_regs", "[unwind][step]") {
  FakeStack mem;
  StepContext ctx{mem, layout612()};
  uint64_t regs = kBase + 0x40;
  auto put = [&](const char* field, uint64_t v) {
    for (auto& [n, off] : kPtRegs612)
      if (n == field) mem.at(regs + off) = v;
  };
  put("ip", kText + 0x123);
  put("sp", kBase + 0x1f0);
  put("bp", kBase + 0x1f8);
  put("ax", 0xaa);
  put("r13", 0x13);
  put("cs", 0x10);

  SECTION("ORC_TYPE_REGS: every register from pt_regs") {
    auto r = step_orc(frame(kText, kBase + 0x20), always(entry(OrcType::Regs, OrcReg::Sp, 0x20, OrcReg::Undefined, 0, true)), ctx);
    REQUIRE(r);
    CHECK(r->pt_regs == regs);
    CHECK_FALSE(r->partial_regs);
    CHECK(r->frame.signal);
    CHECK(r->frame.regs.pc() == kText + 0x123);
    CHECK(r->frame.regs.sp() == kBase + 0x1f0);
    CHECK(r->frame.regs.get(Reg::rbp) == kBase + 0x1f8);
    CHECK(r->frame.regs.get(Reg::rax) == 0xaa);
    CHECK(r->frame.regs.get(Reg::r13) == 0x13);
  }
  SECTION("ORC_TYPE_REGS_PARTIAL: only the iret frame; other registers carried over") {
    UnwindFrame f = frame(kText, kBase + 0x20, kBase + 0x30, true);
    f.regs.set(Reg::r13, 0x99);
    auto r = step_orc(f, always(entry(OrcType::RegsPartial, OrcReg::Sp, 0xa0)), ctx);  // regs + 128
    REQUIRE(r);
    CHECK(r->pt_regs == regs);
    CHECK(r->partial_regs);
    CHECK(r->frame.regs.pc() == kText + 0x123);
    CHECK(r->frame.regs.sp() == kBase + 0x1f0);
    CHECK(r->frame.regs.get(Reg::r13) == 0x99);
    CHECK(r->frame.regs.get(Reg::rbp) == kBase + 0x30);
    CHECK_FALSE(r->frame.regs.has(Reg::rax));
  }
  SECTION("user mode ends the kernel stack") {
    put("cs", 0x33);
    auto r = step_orc(frame(kText, kBase + 0x20), always(entry(OrcType::Regs, OrcReg::Sp, 0x20)), ctx);
    REQUIRE(r);
    CHECK(r->end == StackEnd::UserMode);
    CHECK(r->frame.regs.pc() == kText + 0x123);
  }
  SECTION("frame pointer: rbp = &pt_regs | 1") {
    auto r = step_frame_pointer(frame(kText, kBase + 0x20, regs | 1), ctx);
    REQUIRE(r);
    CHECK(r->method == StepMethod::FramePointer);
    CHECK(r->pt_regs == regs);
    CHECK(r->frame.signal);
    CHECK(r->frame.regs.pc() == kText + 0x123);
    CHECK(r->frame.regs.get(Reg::rax) == 0xaa);
  }
  SECTION("a kernel thread's zeroed top pt_regs: pc 0 ends the stack") {
    put("ip", 0);
    put("sp", 0);
    auto r = step_frame_pointer(frame(kText, kBase + 0x20, regs | 1), ctx);
    REQUIRE(r);
    CHECK(r->end == StackEnd::ZeroPc);
  }
  SECTION("pt_regs below sp is corrupt") {
    auto r = step_frame_pointer(frame(kText, kBase + 0x100, regs | 1), ctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::BadData);
  }
}

TEST_CASE("unwind: frame-pointer step", "[unwind][step]") {
  FakeStack mem;
  StepContext ctx{mem, layout612()};
  mem.at(kBase + 0x20) = kBase + 0x40;
  mem.at(kBase + 0x28) = kText + 0x500;
  auto r = step_frame_pointer(frame(kText, kBase, kBase + 0x20), ctx);
  REQUIRE(r);
  CHECK(r->frame.regs.pc() == kText + 0x500);
  CHECK(r->frame.regs.sp() == kBase + 0x30);
  CHECK(r->frame.regs.get(Reg::rbp) == kBase + 0x40);
  auto end = step_frame_pointer(frame(kText, kBase, 0), ctx);
  REQUIRE(end);
  CHECK(end->end == StackEnd::NullFramePointer);
  auto no_bp = step_frame_pointer(frame(kText, kBase), ctx);
  REQUIRE_FALSE(no_bp);
  CHECK(no_bp.error().kind == ErrorKind::NotFound);
}

TEST_CASE("unwind: corrupt stacks end with a reason, never loop", "[unwind][step]") {
  FakeStack mem;
  StepContext ctx{mem, layout612()};

  SECTION("memory fault") {
    auto r = step_orc(frame(kText, kBase + 0x1000), always(entry(OrcType::Call, OrcReg::Sp, 8)), ctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Fault);
    CHECK(r.error().describe().find("return address at 0xffffc90000011000") != std::string::npos);
  }
  SECTION("sp not increasing") {
    mem.at(kBase) = kText;
    auto r = step_orc(frame(kText, kBase + 8), always(entry(OrcType::Call, OrcReg::Sp, 0)), ctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::BadData);
    CHECK(r.error().message.find("wrong direction") != std::string::npos);
  }
  SECTION("return address 0") {
    auto r = step_orc(frame(kText, kBase), always(entry(OrcType::Call, OrcReg::Sp, 8)), ctx);
    REQUIRE(r);
    CHECK(r->end == StackEnd::ZeroPc);
  }
  SECTION("a frame-pointer chain that points to itself") {
    mem.at(kBase + 0x20) = kBase + 0x20;
    mem.at(kBase + 0x28) = kText + 0x10;
    UnwindFrame f = frame(kText, kBase, kBase + 0x20);
    int steps = 0;
    std::optional<Error> stop;
    while (steps < 100) {
      auto r = step_frame_pointer(f, ctx);
      ++steps;
      if (!r) { stop = r.error(); break; }
      if (r->end != StackEnd::None) break;
      f = r->frame;
    }
    CHECK(steps == 2);
    REQUIRE(stop);
    CHECK(stop->message.find("below sp") != std::string::npos);
  }
  SECTION("an ORC walk over garbage") {
    for (size_t i = 0; i < mem.words.size(); ++i) mem.words[i] = kBase + i * 8 - 0x100;
    UnwindFrame f = frame(kText, kBase, kBase + 0x10);
    OrcLookup mixed = [](uint64_t a) {
      return std::optional<OrcRow>(OrcRow{a, entry(OrcType::Call, OrcReg::Bp, 16, OrcReg::PrevSp, -16)});
    };
    int steps = 0;
    bool ended = false;
    for (; steps < 100 && !ended; ++steps) {
      auto r = step_orc(f, mixed, ctx);
      ended = !r || r->end != StackEnd::None;
      if (r) f = r->frame;
    }
    CHECK(ended);
    CHECK(steps < 10);
  }
}

TEST_CASE("unwind: stack bounds", "[unwind][step]") {
  FakeStack mem;
  StackBounds stacks;
  stacks.add({StackKind::Task, kBase + 0x100, kBase + 0x200, "task"});
  stacks.add({StackKind::Irq, kBase, kBase + 0x100, "IRQ cpu0"});
  CHECK(stacks.classify(kBase + 0x80)->kind == StackKind::Irq);
  CHECK(stacks.classify(kBase + 0x180)->kind == StackKind::Task);
  CHECK(stacks.classify(kBase + 0x200)->kind == StackKind::Task);  // an empty stack's sp
  CHECK(stacks.classify(kBase + 0x201) == nullptr);
  StepContext ctx{mem, layout612(), &stacks};

  SECTION("leaving the IRQ stack through the saved sp is allowed; reads stay on stacks") {
    mem.at(kBase + 0xf8) = kBase + 0x180;  // call_on_irqstack's saved task-stack sp
    mem.at(kBase + 0x180) = kText + 0x40;
    auto r = step_orc(frame(kText, kBase + 0xf8), always(entry(OrcType::Call, OrcReg::SpIndirect, 8)), ctx);
    REQUIRE(r);
    CHECK(r->frame.regs.sp() == kBase + 0x188);
    auto off = step_orc(frame(kText, kBase + 0x1f8), always(entry(OrcType::Call, OrcReg::Sp, 0x20)), ctx);
    REQUIRE_FALSE(off);
    CHECK(off.error().message.find("not on a known stack") != std::string::npos);
  }
  SECTION("going down the same stack is refused") {
    mem.at(kBase + 0x180) = kBase + 0x120;  // saved sp lower on the same (task) stack
    mem.at(kBase + 0x120) = kText + 0x40;
    auto r = step_orc(frame(kText, kBase + 0x180), always(entry(OrcType::Call, OrcReg::SpIndirect, 8)), ctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("wrong direction") != std::string::npos);
  }
}

// --- whole walks on the fixture dumps --------------------------------------------------------

namespace {

// The panicking CPU's registers as the first frame: a CPU state, so pc is exact.
UnwindFrame cpu_frame(const Dump& dump, unsigned index) {
  REQUIRE(dump.cpus().size() > index);
  UnwindFrame f;
  f.regs = dump.cpus()[index].registers;
  f.signal = true;
  return f;
}

std::unique_ptr<Dump> open_dump(const std::string& path) {
  auto d = Dump::open(path);
  if (!d) FAIL(d.error().describe());
  return std::move(*d);
}

// The reliable frames of the first "Call Trace:" in a serial log ("? " guesses skipped), as
// "function+0xoff".
std::vector<std::string> printed_trace(const std::string& log, std::string* rip) {
  std::ifstream in(log);
  REQUIRE(in);
  std::vector<std::string> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    auto body = line.substr(line.find(']') + 2);
    if (!inside && rip->empty() && body.rfind("RIP: 0010:", 0) == 0)
      *rip = body.substr(10, body.find('/') - 10);
    if (body.find("Call Trace:") != std::string::npos) { inside = true; continue; }
    if (!inside) continue;
    if (body.find("</TASK>") != std::string::npos) break;
    if (body.rfind(" ? ", 0) == 0 || body.find('<') != std::string::npos) continue;
    out.push_back(body.substr(1, body.find('/') - 1));
  }
  return out;
}

struct Walked {
  std::vector<std::string> frames;   // function+0xoff of each frame's pc
  std::vector<size_t> regs_crossed;  // indices of frames reached through pt_regs
  StackEnd end = StackEnd::None;
  std::optional<Error> error;
};

template <typename Step>
Walked walk(UnwindFrame f, const ElfFile& vmlinux, uint64_t kaslr, Step step) {
  Walked w;
  WalkGuard guard("unwind", 64);
  auto name = [&](uint64_t pc) {
    auto m = vmlinux.symbol_at(pc - kaslr);
    return m ? fmt::format("{}+{:#x}", m->symbol->name, m->offset) : fmt::format("{:#x}", pc);
  };
  w.frames.push_back(name(f.regs.pc()));
  while (guard.step(f.regs.sp())) {
    auto r = step(f);
    if (!r) { w.error = r.error(); break; }
    if (r->end != StackEnd::None) { w.end = r->end; break; }
    if (r->pt_regs) w.regs_crossed.push_back(w.frames.size());
    f = r->frame;
    w.frames.push_back(name(f.regs.pc()));
  }
  return w;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// The frames after the exception's pt_regs must be the oops' RIP and its reliable call trace.
void check_against_log(const Walked& w, const std::string& log) {
  std::string rip;
  auto trace = printed_trace(log, &rip);
  INFO(joined(w.frames));
  REQUIRE(trace.size() > 8);
  REQUIRE(w.regs_crossed.size() == 1);
  size_t first = w.regs_crossed[0];
  CHECK(w.frames[first - 1].rfind("asm_exc_invalid_op+", 0) == 0);
  std::vector<std::string> after(w.frames.begin() + first, w.frames.end());
  trace.insert(trace.begin(), rip);
  CHECK(joined(after) == joined(trace));
}

}  // namespace

TEST_CASE("unwind: ORC walk of the panicking CPU matches the kernel's call trace", "[unwind][dump]") {
  const std::string dir = kData + "/kernel-orc";
  auto dump = open_dump(dir + "/builtin-kaslr.d31.kdump");
  auto vmlinux = ElfFile::open(dir + "/vmlinux.nodebug");
  REQUIRE(vmlinux);
  auto table = OrcTable::from_vmlinux(**vmlinux);
  REQUIRE(table);
  REQUIRE(dump->kaslr_offset());
  uint64_t kaslr = *dump->kaslr_offset();
  // VMCOREINFO's KERNELOFFSET agrees with the offset at which the vmlinux's banner is found.
  CHECK(dump->find_kaslr_offset(**vmlinux).value_or(1) == kaslr);
  OrcLookup lookup = [&](uint64_t pc) { return table->lookup(pc - kaslr); };
  StepContext ctx{*dump, layout612()};
  Walked w = walk(cpu_frame(*dump, 1), **vmlinux, kaslr,
                  [&](const UnwindFrame& f) { return step_orc(f, lookup, ctx); });
  INFO(joined(w.frames));
  CHECK_FALSE(w.error);
  CHECK(w.end == StackEnd::OrcEndOfStack);
  check_against_log(w, dir + "/serial-builtin-kaslr.log");
}

TEST_CASE("unwind: frame-pointer walk of the panicking CPU matches the kernel's call trace",
          "[unwind][dump]") {
  const std::string dir = kData + "/kernel-fp";
  auto dump = open_dump(dir + "/builtin-kaslr.d31.kdump");
  auto vmlinux = ElfFile::open(dir + "/vmlinux");
  REQUIRE(vmlinux);
  REQUIRE(dump->kaslr_offset());
  uint64_t kaslr = *dump->kaslr_offset();
  StepContext ctx{*dump, layout612()};
  Walked w = walk(cpu_frame(*dump, 1), **vmlinux, kaslr,
                  [&](const UnwindFrame& f) { return step_frame_pointer(f, ctx); });
  INFO(joined(w.frames));
  CHECK_FALSE(w.error);
  CHECK(w.end == StackEnd::ZeroPc);  // the kernel thread's zeroed pt_regs at the stack top
  // The frame-pointer unwinder cannot see a function that has not pushed rbp yet: the kernel's
  // trace marks rust_begin_unwind "?" for that reason, and so it is skipped here too.
  check_against_log(w, dir + "/serial-builtin-kaslr.log");
}
