// Module frames on the ORC kit (no frame pointers): unwound by the module's own ORC table read
// from the dump; from its .ko when that table cannot be read; by the kernel's frame-pointer guess
// — said, never silent — when neither is there; a pc in no known module named as such.
#include <catch2/catch.hpp>

#include <algorithm>

#include "../support/corrupting_memory.h"
#include "../support/test_data.h"
#include "krdb/dump/dump.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/modules.h"

using namespace krdb;
using krdb::test::CorruptingMemory;
using krdb::test::kOrc;

namespace {

struct Crash {
  std::unique_ptr<KernelProgram> program;
  RegisterSet panicking;
  ModuleInfo module;
};

Crash open_crash() {
  Crash c;
  auto p = KernelProgram::open_dump(kOrc + "vmlinux", kOrc + "module-kaslr.d31.kdump");
  REQUIRE(p);
  c.program = std::move(*p);
  auto records = dump_records(*c.program->dump());
  KernelCpus cpus = read_cpus(*c.program, records, false);
  REQUIRE(cpus.panicking);
  auto regs = cpus.registers(*cpus.panicking);
  REQUIRE(regs);
  c.panicking = *regs;
  ModuleList list = list_modules(*c.program);
  REQUIRE(list.modules.size() == 1);
  c.module = list.modules[0];
  return c;
}

std::vector<const Frame*> module_frames(const Backtrace& bt) {
  std::vector<const Frame*> out;
  for (const Frame& f : bt.frames)
    if (f.module == "rust_crashme_ko") out.push_back(&f);
  return out;
}

bool reaches(const Backtrace& bt, const std::string& symbol) {
  return std::any_of(bt.frames.begin(), bt.frames.end(),
                     [&](const Frame& f) { return f.where.symbol.value_or("") == symbol; });
}

std::string all_warnings(const KernelUnwinder& u) {
  std::string s;
  for (const Error& e : u.warnings()) s += e.describe() + "\n";
  return s;
}

BacktraceOptions no_files() {
  BacktraceOptions o;
  o.system_module_dirs = false;
  return o;
}

}  // namespace

TEST_CASE("module unwind: the module's ORC table from memory takes the walk through", "[kernel][dump][orc]") {
  Crash c = open_crash();
  REQUIRE(c.module.orc);
  KernelUnwinder unwinder(*c.program, no_files());
  Backtrace bt = unwinder.from_registers(c.panicking);
  INFO(all_warnings(unwinder));
  CHECK(bt.complete);
  CHECK(reaches(bt, "do_one_initcall"));
  auto mod = module_frames(bt);
  REQUIRE(mod.size() >= 3);
  for (const Frame* f : mod) {
    CHECK(f->method != "guess");
    CHECK_FALSE(f->where.symbol.value_or("[").starts_with("["));  // named from kallsyms
  }
  CHECK(unwinder.warnings().empty());
}

TEST_CASE("module unwind: an unreadable table falls back to the .ko's, and says so", "[kernel][dump][orc]") {
  Crash c = open_crash();
  REQUIRE(c.module.orc);
  CorruptingMemory memory(*c.program->dump());
  memory.fault(c.module.orc->ip, 4 * c.module.orc->count);
  KernelProgram corrupt(c.program->debug_info(), memory, c.program->kaslr_offset(), c.program->limits());
  SECTION("with the .ko: same frames, by ORC") {
    BacktraceOptions o = no_files();
    o.module_files["rust_crashme_ko"] = kOrc + "rust_crashme_ko.ko";
    KernelUnwinder unwinder(corrupt, o);
    Backtrace bt = unwinder.from_registers(c.panicking);
    CHECK(bt.complete);
    CHECK(reaches(bt, "do_one_initcall"));
    for (const Frame* f : module_frames(bt)) CHECK(f->method != "guess");
    CHECK_THAT(all_warnings(unwinder), Catch::Contains("ORC table of module rust_crashme_ko"));
  }
  SECTION("without it: the kernel's guess, warned") {
    KernelUnwinder unwinder(corrupt, no_files());
    Backtrace bt = unwinder.from_registers(c.panicking);
    CHECK_THAT(all_warnings(unwinder), Catch::Contains("frame-pointer guess"));
    // No frame pointers in this kernel: the guess cannot go past the first module frame, and
    // the trace says it stopped there instead of inventing callers.
    INFO(bt.end);
    CHECK_FALSE(bt.complete);
    CHECK_FALSE(reaches(bt, "do_one_initcall"));
    REQUIRE_FALSE(module_frames(bt).empty());
  }
}

TEST_CASE("module unwind: a pc in no loaded module is named as such", "[kernel][dump][orc]") {
  Crash c = open_crash();
  auto head = c.program->symbol_address("modules");
  REQUIRE(head);
  CorruptingMemory memory(*c.program->dump());
  memory.patch(*head, *head, 8);  // modules.next = &modules: the list reads empty
  KernelProgram corrupt(c.program->debug_info(), memory, c.program->kaslr_offset(), c.program->limits());
  KernelUnwinder unwinder(corrupt, no_files());
  Backtrace bt = unwinder.from_registers(c.panicking);
  auto unknown = std::find_if(bt.frames.begin(), bt.frames.end(),
                              [](const Frame& f) { return f.where.symbol.value_or("") == "[unknown module]"; });
  REQUIRE(unknown != bt.frames.end());
  CHECK(unknown->module == "?");
  CHECK(module_frames(bt).empty());
}
