// kernel/cpus: the CPU model on the fixture dumps — QEMU's NT_PRSTATUS notes assigned to CPUs by
// pr_pid whatever their order, the note-order guess said as a warning, CPUs without registers
// said as such (never another CPU's), sleeping tasks' switch frames with every saved register.
#include <catch2/catch.hpp>

#include <algorithm>

#include "../support/corrupting_memory.h"
#include "../support/test_data.h"
#include "krdb/dump/dump.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/tasks.h"

using namespace krdb;
using krdb::test::kData;
using krdb::test::kOrc;

namespace {

std::unique_ptr<KernelProgram> open_kit(const std::string& dir, const std::string& dump) {
  auto p = KernelProgram::open_dump(dir + "vmlinux", dir + dump);
  REQUIRE(p);
  return std::move(*p);
}

}  // namespace

TEST_CASE("cpus: QEMU notes map to CPUs by pr_pid, in any order", "[kernel][dump][cpus]") {
  for (const char* dump : {"module-kaslr.d31.kdump", "module-kaslr.qemu-zlib.kdump"}) {
    INFO(dump);
    auto p = open_kit(kOrc, dump);
    auto records = dump_records(*p->dump());
    REQUIRE(records.size() == 2);
    KernelCpus cpus = read_cpus(*p, records, false);
    CHECK(cpus.numbering == CpuNumbering::QemuPid);
    CHECK(cpus.warnings.empty());
    REQUIRE(cpus.cpus.size() == 2);
    REQUIRE(cpus.panicking);
    for (const RecordedCpu& r : records) {
      REQUIRE(r.pid);
      const KernelCpu* c = cpus.cpu(unsigned(*r.pid - 1));
      REQUIRE(c);
      REQUIRE(c->registers);
      CHECK(c->registers->pc() == r.registers.pc());
      CHECK_THAT(c->origin, Catch::Contains(r.origin));
    }
    // The same notes reversed: the same CPUs get the same registers.
    std::reverse(records.begin(), records.end());
    KernelCpus again = read_cpus(*p, records, false);
    for (unsigned n = 0; n < 2; ++n)
      CHECK(again.registers(n).value_or(RegisterSet{}).pc() == cpus.registers(n).value_or(RegisterSet{}).pc());
  }
}

TEST_CASE("cpus: without evidence the note order is a warned guess; missing CPUs say why", "[kernel][dump][cpus]") {
  auto p = open_kit(kOrc, "module-kaslr.d31.kdump");
  auto records = dump_records(*p->dump());
  for (auto& r : records) r.pid = 0;  // kdump-like pids (idle), and no crash_notes in this kernel
  KernelCpus guessed = read_cpus(*p, records, false);
  CHECK(guessed.numbering == CpuNumbering::NoteOrder);
  REQUIRE_FALSE(guessed.warnings.empty());
  CHECK_THAT(guessed.warnings.back().describe(), Catch::Contains("n-th register note"));

  // One note only: the other CPU has no registers and says so — it never borrows CPU 0's.
  std::vector<RecordedCpu> one = {dump_records(*p->dump()).back()};
  KernelCpus partial = read_cpus(*p, one, false);
  REQUIRE(partial.cpus.size() == 2);
  unsigned kept = unsigned(*one[0].pid - 1), other = 1 - kept;
  CHECK(partial.registers(kept).has_value());
  auto missing = partial.registers(other);
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().describe(), Catch::Contains("no registers"));
  // panic() stopped the other CPU: the kernel marked it offline (stop_this_cpu).
  CHECK(partial.cpus[*partial.panicking == 0 ? 1 : 0].online == false);
}

TEST_CASE("cpus: a running task starts from its CPU, a sleeping one from its whole switch frame",
          "[kernel][dump][cpus]") {
  auto p = open_kit(kData + "/kernel-fp/", "builtin-kaslr.d31.kdump");
  auto records = dump_records(*p->dump());
  KernelCpus cpus = read_cpus(*p, records, false);
  TaskList list = list_tasks(*p);
  const TaskInfo* running = nullptr;
  const TaskInfo* sleeping = nullptr;
  for (const auto& t : list.tasks) {
    if (t.pid == 1) running = &t;
    if (t.pid == 2) sleeping = &t;  // kthreadd
  }
  REQUIRE(running);
  REQUIRE(sleeping);
  auto r = task_registers(*p, cpus, *running);
  REQUIRE(r);
  CHECK(r->running);
  CHECK(r->cpu == cpus.panicking);
  auto s = task_registers(*p, cpus, *sleeping);
  REQUIRE(s);
  CHECK_FALSE(s->running);
  // arch/x86/include/asm/switch_to.h, x86-64: r15 r14 r13 r12 bx bp ret_addr pushed in that
  // order below thread.sp — the kernel header's layout checks the DWARF-driven reader.
  const Reg order[] = {Reg::r15, Reg::r14, Reg::r13, Reg::r12, Reg::rbx, Reg::rbp, Reg::rip};
  for (size_t i = 0; i < 7; ++i) {
    INFO(reg_name(order[i]));
    auto word = p->memory().read_u64(*sleeping->saved_sp + 8 * i);
    REQUIRE(word);
    REQUIRE(s->registers.has(order[i]));
    CHECK(*s->registers.get(order[i]) == *word);
  }
  CHECK(s->registers.sp() == *sleeping->saved_sp + 7 * 8);
  KernelUnwinder unwinder(*p);
  auto bt = unwinder.from_task(*sleeping);
  REQUIRE(bt);
  REQUIRE(bt->frames.size() > 2);
  CHECK(bt->frames.front().method == "switch frame");
  CHECK(bt->frames.front().where.symbol.value_or("") == "__schedule");  // where it will resume
}

TEST_CASE("cpus: a kdump vmcore's notes map to CPUs through crash_notes", "[kernel][dump][cpus]") {
  // The capture kernel's /proc/vmcore (makedumpfile -d 31 of it): its NT_PRSTATUS notes are
  // copies of each CPU's crash_notes buffer; pr_pid is the task that CPU was running.
  auto p = open_kit(kOrc, "module-kdump.d31.kdump");
  auto records = dump_records(*p->dump());
  REQUIRE(records.size() == 2);
  KernelCpus cpus = read_cpus(*p, records, false);
  CHECK(cpus.numbering == CpuNumbering::CrashNotes);
  INFO((cpus.warnings.empty() ? std::string() : cpus.warnings[0].describe()));
  CHECK(cpus.warnings.empty());
  // oops_end() ran crash_kexec() before panic(); crash_kexec() took panic_cpu.
  REQUIRE(cpus.panicking);
  for (const KernelCpu& c : cpus.cpus) {
    INFO("CPU " << c.cpu);
    REQUIRE(c.registers);
    CHECK_THAT(c.origin, Catch::Contains("matched to crash_notes"));
    // Independent check of the mapping: the note's pr_pid is the pid of rq->curr on that CPU.
    REQUIRE(c.current);
    auto task = read_task(*p, *c.current);
    REQUIRE(task);
    const RecordedCpu* note = nullptr;
    for (const auto& r : records)
      if (r.registers.pc() == c.registers->pc()) note = &r;
    REQUIRE(note);
    REQUIRE(note->pid);
    CHECK(int64_t(*note->pid) == task->pid);
  }
  auto crashed = read_task(*p, *cpus.cpu(*cpus.panicking)->current);
  REQUIRE(crashed);
  CHECK(crashed->comm == "insmod");
}
