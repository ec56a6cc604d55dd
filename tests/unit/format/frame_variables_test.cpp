// Frame variables on the kits' built-in Rust panic: the locals and parameters of the Rust and C
// frames under the panic, located through DWARF and printed by the formatter layer, checked
// against what the crash itself says (the panic message: index 2, value 0x33, shared len 7) and
// what the sample's source holds (scripts/kernel-fixture/sample/rust_crashme.rs).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../support/corrupting_memory.h"
#include "../support/test_data.h"
#include "krdb/format/frame_variables.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/report/variables_report.h"

using namespace krdb;
using namespace krdb::test;

namespace {

struct Crash {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<KernelUnwinder> unwinder;
  KernelBacktrace bt;
  explicit Crash(const std::string& kit, const std::string& dump = "builtin-kaslr.d31.kdump",
                 BacktraceOptions options = {}) {
    auto p = KernelProgram::open_dump(kit + "vmlinux", kit + dump);
    REQUIRE(p);
    program = std::move(*p);
    KernelCpus cpus = read_cpus(*program, dump_records(*program->dump()), false);
    REQUIRE(cpus.panicking);
    auto regs = cpus.registers(*cpus.panicking);
    REQUIRE(regs);
    options.system_module_dirs = false;
    unwinder = std::make_unique<KernelUnwinder>(*program, options);
    bt = unwinder->from_registers(*regs);
  }
  // The variables of the first frame whose function is `name`, by name.
  std::map<std::string, std::string> frame(const std::string& name) {
    for (size_t n = 0; auto number = bt.frame_number(n); ++n) {
      const Frame& f = bt.frames[number->physical];
      if (f.where.frames.empty() || f.where.frames[number->inlined].display_name() != name) continue;
      auto vars = kernel_frame_variables(*program, *unwinder, bt, *number);
      REQUIRE(vars);
      std::map<std::string, std::string> out;
      for (const auto& v : *vars) out[(v.parameter ? "param " : "local ") + v.name] = v.text;
      return out;
    }
    FAIL("no frame " << name);
    return {};
  }
  // `krdb print --frame N EXPR` in the first frame whose function is `name`.
  Expected<std::string> expr(const std::string& name, const std::string& expression) {
    for (size_t n = 0; auto number = bt.frame_number(n); ++n) {
      const Frame& f = bt.frames[number->physical];
      if (f.where.frames.empty() || f.where.frames[number->inlined].display_name() != name) continue;
      return kernel_frame_expression(*program, *unwinder, bt, *number, expression);
    }
    FAIL("no frame " << name);
    return Error(ErrorKind::NotFound, "no frame");
  }
};

}  // namespace

TEST_CASE("frame variables of the FP kit's Rust panic agree with the panic message and the source", "[format][dump]") {
  Crash c(kFp);
  auto check = c.frame("<rust_crashme::CrashmeState>::check");
  CHECK(check["param index"] == "2");
  CHECK(check["param value"] == "51");  // "panics at index 2 (value 0x33, … shared len 7"
  CHECK(check["param shared_len"] == "7");
  CHECK(check["param self"].starts_with("<unavailable: entry value"));

  auto walk = c.frame("<rust_crashme::CrashmeState>::walk");
  CHECK(walk["local values"] == "[17, 34, 51, 68, 85]");  // [0x11, 0x22, 0x33, 0x44, 0x55]
  CHECK(walk["local ctx"].find("panic_at: 2, visited: 3") != std::string::npos);
  CHECK(walk["param panic_at"] == "<optimised out>");

  auto c_walk = c.frame("rust_crashme_c_walk");  // the C frame between the Rust ones
  CHECK(c_walk["param n"] == "5");
  CHECK(c_walk["local i"] == "2");

  auto init = c.frame("<rust_crashme::RustCrashme as Module>::init");
  CHECK(init["local mode"] == "1");  // rust_crashme=1 on the command line
  CHECK(init["local tree"] == "RBTree(len 3) {10: Red, 20: Green(7), 30: Blue { level: 3, bright: true }}");
  CHECK(init["local owner"] == "ARef(Task(pid 1, \"swapper/0\", state R))");
  CHECK(init["local state"].find("name: \"rust_crashme-42\"") != std::string::npos);

  auto panic = c.frame("panic");  // C: gcc's DW_OP_call_frame_cfa frame base
  CHECK(panic["param fmt"].ends_with("\"Fatal exception\""));
  CHECK(panic["local buf"] == "\"Fatal exception\"");
}

TEST_CASE("entry values: what the caller passed, from the call site gcc records", "[format][dump]") {
  Crash c(kFp);
  // die() -> oops_end(flags, regs, SIGSEGV): `regs` and `signr` were in registers reused since;
  // the caller's DW_TAG_call_site says what it passed. regs is the pt_regs the walk crossed.
  auto oops_end = c.frame("oops_end");
  std::optional<uint64_t> crossed;
  for (const Frame& f : c.bt.frames)
    if (f.pt_regs) crossed = f.pt_regs;
  REQUIRE(crossed);
  CHECK(oops_end["param regs"] == fmt::format("{:#x}", *crossed));
  CHECK(oops_end["param signr"] == "11");  // SIGSEGV
  CHECK(c.frame("do_error_trap")["param trapnr"] == "6");  // X86_TRAP_UD: the #UD of BUG()
  // atomic_notifier_call_chain(&panic_notifier_list, …), as panic() calls it.
  auto list = c.program->symbol_address("panic_notifier_list");
  REQUIRE(list);
  CHECK(c.frame("atomic_notifier_call_chain")["param nh"] == fmt::format("{:#x}", *list));
  // rustc records no call sites: a Rust parameter's entry value stays unavailable, and says why.
  CHECK(c.frame("<rust_crashme::CrashmeState>::check")["param self"] ==
        "<unavailable: entry value (the parameter as it was on entry): no call site with return address "
        "0xffffffff812dac80 in the caller's DWARF>");
}

TEST_CASE("frame variables on the ORC kit: callee-saved registers from the CFI, the others said", "[format][dump]") {
  Crash c(kOrc);
  // ORC steps the frames; the vmlinux's .debug_frame says where each saved rbx, r12–r15: the
  // panic message's value (0x33 at index 2) and the C walker's loop state come back.
  auto visit = c.frame("rust_crashme::rust_crashme_visit");
  CHECK(visit["param index"] == "2");
  CHECK(visit["param value"] == "51");
  CHECK(visit["param ctx"] == visit["local ctx"]);
  // r8 is caller-saved: no frame saves it, so it stays unknown and is said.
  CHECK(visit["local len"] == "<unavailable: register r8 not recovered in this frame>");
  auto walk = c.frame("rust_crashme_c_walk");
  CHECK(walk["local i"] == "2");
  CHECK(walk["param n"] == "5");
  CHECK(walk["param ctx"] == visit["param ctx"]);
  auto init = c.frame("<rust_crashme::RustCrashme as Module>::init");
  CHECK(init["local tree"] == "RBTree(len 3) {10: Red, 20: Green(7), 30: Blue { level: 3, bright: true }}");
  // Without the CFI (--no-cfi's option), ORC alone knows sp, bp and ip of the outer frames.
  BacktraceOptions orc_only;
  orc_only.use_cfi = false;
  Crash bare(kOrc, "builtin-kaslr.d31.kdump", orc_only);
  CHECK(bare.frame("rust_crashme::rust_crashme_visit")["param value"] ==
        "<unavailable: register rbx not recovered in this frame>");
}

TEST_CASE("frame variables of a module's Rust frames, typed by its .ko", "[format][dump]") {
  BacktraceOptions with_ko;
  with_ko.module_files["rust_crashme_ko"] = kOrc + "rust_crashme_ko.ko";
  Crash c(kOrc, "module-kaslr.d31.kdump", with_ko);
  auto init = c.frame("<rust_crashme_ko::RustCrashmeKo as Module>::init");
  CHECK(init["local mode"] == "2");  // rust_crashme=2 on the command line
  // The array being sorted, caught mid-sort_r (source order 5, 3, 9, 1, 7).
  CHECK(init["local sorted"].starts_with("KVec(len 5, capacity 8) [Pair { key: "));
  CHECK(init["local sorted"].find("weight: -16") != std::string::npos);
  // unwrap_failed's `error: &dyn Debug`: the concrete type named by the vtable's methods.
  auto failed = c.frame("unwrap_failed");
  CHECK(failed["param error"] == "&kernel::error::Error -ENOMEM (-12)");

  Crash without(kOrc, "module-kaslr.d31.kdump");  // no .ko: said, not guessed
  for (size_t n = 0; auto number = without.bt.frame_number(n); ++n) {
    if (without.bt.frames[number->physical].module != "rust_crashme_ko") continue;
    auto vars = kernel_frame_variables(*without.program, *without.unwinder, without.bt, *number);
    REQUIRE_FALSE(vars);
    CHECK(vars.error().message.find("no debug info for module rust_crashme_ko") == 0);
    break;
  }
}

TEST_CASE("frame variables: printed one per line and as JSON, unavailable ones marked", "[format][report]") {
  std::vector<FrameVariableValue> vars = {{"index", true, "u32", "2", true, 0x1000},
                                          {"len", false, "usize", "<optimised out>", false, std::nullopt}};
  CHECK(format_variables(vars) == "  param index: u32 = 2\n  local len: usize = <optimised out>\n");
  auto j = variables_json(vars);
  CHECK(j[0]["address"] == "0x1000");
  CHECK(j[1]["available"] == false);
  CHECK(!j[1].contains("address"));
}

TEST_CASE("frame variables with the stack unreadable or garbage: said per variable, bounded", "[format][dump]") {
  Crash c(kFp);
  CorruptingMemory memory(c.program->memory());
  uint64_t slide = c.program->kaslr_offset();
  ValueFormatter formatter(c.program->debug_info(), memory, slide);
  for (size_t n = 0; auto number = c.bt.frame_number(n); ++n) {
    const Frame& f = c.bt.frames[number->physical];
    if (f.where.frames.empty() || f.where.frames[number->inlined].display_name() != "<rust_crashme::CrashmeState>::walk")
      continue;
    AddressInfo where = c.program->debug_info().symbolize(lookup_address(f) - slide, {.variables = true});
    REQUIRE(number->inlined < where.frames.size());
    FrameContext context = frame_context(c.bt, number->physical, slide, memory);
    memory.fault(f.sp - 0x1000, 0x2000);  // the whole stack around the frame
    auto vars = frame_variables(formatter, where.frames[number->inlined], context);
    REQUIRE(!vars.empty());
    for (const auto& v : vars)
      if (v.name == "values") CHECK(v.text.starts_with("[<error: cannot read 0x"));
    // Garbage instead of faults: a fresh memory (a later range would not undo the fault above).
    CorruptingMemory garbage(c.program->memory());
    garbage.garbage(f.sp - 0x1000, 0x2000, 7);
    ValueFormatter on_garbage(c.program->debug_info(), garbage, slide);
    context.memory = &garbage;
    auto before = garbage.reads();
    for (const auto& v : frame_variables(on_garbage, where.frames[number->inlined], context))
      CHECK(!v.text.empty());
    CHECK(garbage.reads() - before < 100000);
    return;
  }
  FAIL("no walk frame");
}

// Expressions over a frame's variables (`krdb print --frame N EXPR`): members, indexing and
// dereferences of locals in memory and in registers, globals beside them, and locals that are
// not there said as such.
TEST_CASE("expressions over a frame's variables, in memory and in registers", "[format][dump]") {
  Crash c(kFp);
  const std::string walk = "<rust_crashme::CrashmeState>::walk";
  CHECK(c.expr(walk, "ctx.sum").value_or("?") == "102");       // WalkCtx on the stack
  CHECK(c.expr(walk, "values[2]").value_or("?") == "51");
  CHECK(c.expr(walk, "ctx.state->name").value_or("?") == "\"rust_crashme-42\"");
  // In the visitor, `ctx` is a register: the local *mut WalkCtx, which shadows the c_void param.
  CHECK(c.expr("rust_crashme::rust_crashme_visit", "ctx->visited").value_or("?") == "3");
  const std::string init = "<rust_crashme::RustCrashme as Module>::init";
  CHECK(c.expr(init, "owner").value_or("?") == "ARef(Task(pid 1, \"swapper/0\", state R))");  // a register
  CHECK(c.expr(init, "payload->name").value_or("?") == "\"payload#1\"");
  CHECK(c.expr(init, "items").value_or("?").starts_with("List(len 3) [Item { value: 100"));
  CHECK(c.expr(init, "rust_crashme::RUST_CRASHME_STATE->name").value_or("?") == "\"rust_crashme-42\"");

  auto gone = c.expr("<rust_crashme::CrashmeState>::check", "self.name");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message.find("self is <unavailable: entry value") != std::string::npos);
  auto none = c.expr(walk, "nosuch.x");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("'nosuch' is not a variable of " + walk) != std::string::npos);
  auto member = c.expr(walk, "ctx.nosuch");
  REQUIRE_FALSE(member);
  CHECK(member.error().message.find("no member 'nosuch'") != std::string::npos);
}
