// Tasks and modules on the fixture dumps, and the bounded walks on corrupted lists (a real dump
// seen through CorruptingMemory: a cycle in the task list, a faulting task page).
#include <catch2/catch.hpp>

#include "../support/corrupting_memory.h"
#include "../support/test_data.h"
#include <set>

#include "krdb/kernel/modules.h"
#include "krdb/kernel/printk.h"
#include "krdb/kernel/tasks.h"
#include "krdb/report/kernel_report.h"

#include <fmt/format.h>

using namespace krdb;
using krdb::test::CorruptingMemory;
using krdb::test::kData;

namespace {

std::unique_ptr<KernelProgram> open_fp(const std::string& dump) {
  auto p = KernelProgram::open_dump(kData + "/kernel-fp/vmlinux", kData + "/kernel-fp/" + dump);
  REQUIRE(p);
  return std::move(*p);
}

}  // namespace

TEST_CASE("tasks of the built-in crash: pid 1 on the panicking CPU", "[kernel][dump]") {
  auto p = open_fp("builtin-kaslr.d31.kdump");
  TaskList list = list_tasks(*p);
  CHECK_FALSE(list.truncated);
  CHECK(list.errors.empty());
  CHECK(list.tasks.size() == 33);  // 31 on the task list (as drgn lists them) + 2 idle tasks
  auto cpu = panic_cpu(*p);
  REQUIRE(cpu);
  REQUIRE(*cpu);
  CHECK(**cpu == 1);
  const TaskInfo* init = nullptr;
  for (const auto& t : list.tasks)
    if (t.pid == 1) init = &t;
  REQUIRE(init);
  CHECK(init->comm == "swapper/0");
  CHECK(init->on_cpu);
  CHECK(init->cpu == 1);
  CHECK(init->state == 'R');
}

TEST_CASE("a cycle in the task list ends the walk with a reason, tasks kept", "[kernel][dump]") {
  auto p = open_fp("builtin-kaslr.d31.kdump");
  TaskList good = list_tasks(*p);
  REQUIRE(good.tasks.size() > 10);
  auto tasks = p->field("task_struct", "tasks");
  REQUIRE(tasks);
  CorruptingMemory memory(*p->dump());
  // Task #8's tasks.next points back to task #5's list node.
  memory.patch(good.tasks[8].address + tasks->offset, good.tasks[5].address + tasks->offset, 8);
  KernelProgram corrupt(p->debug_info(), memory, p->kaslr_offset(), p->limits());
  TaskList list = list_tasks(corrupt);
  REQUIRE(list.truncated);
  CHECK(list.truncated->kind == ErrorKind::BadData);
  CHECK(list.tasks.size() >= 8);
  CHECK(list.tasks.size() < good.tasks.size());
  CHECK(memory.reads() < 100000);
}

TEST_CASE("an unreadable task page: the list is marked incomplete at that address", "[kernel][dump]") {
  auto p = open_fp("builtin-kaslr.d31.kdump");
  TaskList good = list_tasks(*p);
  REQUIRE(good.tasks.size() > 10);
  CorruptingMemory memory(*p->dump());
  memory.fault(good.tasks[6].address & ~0xfffull, 0x1000);
  KernelProgram corrupt(p->debug_info(), memory, p->kaslr_offset(), p->limits());
  TaskList list = list_tasks(corrupt);
  bool reported = list.truncated.has_value() || !list.errors.empty();
  CHECK(reported);
  CHECK(list.tasks.size() < good.tasks.size());
}

TEST_CASE("the module of the module crash, with its regions and section addresses", "[kernel][dump]") {
  auto p = open_fp("module-kaslr.d31.kdump");
  ModuleList list = list_modules(*p);
  CHECK_FALSE(list.truncated);
  REQUIRE(list.modules.size() == 1);
  const ModuleInfo& m = list.modules[0];
  CHECK(m.name == "rust_crashme_ko");
  const ModuleRegion* text = nullptr;
  for (const auto& r : m.regions)
    if (r.kind == "MOD_TEXT") text = &r;
  REQUIRE(text);
  bool has_text_section = false;
  for (const auto& s : m.sections)
    if (s.name == ".text") { has_text_section = true; CHECK(m.region_of(s.address) == text); }
  CHECK(has_text_section);
}

TEST_CASE("a module list pointing to itself past the head is bounded", "[kernel][dump]") {
  auto p = open_fp("module-kaslr.d31.kdump");
  ModuleList good = list_modules(*p);
  REQUIRE(good.modules.size() == 1);
  auto link = p->field("module", "list");
  REQUIRE(link);
  CorruptingMemory memory(*p->dump());
  uint64_t node = good.modules[0].address + link->offset;
  memory.patch(node, node, 8);  // list.next = itself: a one-node cycle
  KernelProgram corrupt(p->debug_info(), memory, p->kaslr_offset(), p->limits());
  ModuleList list = list_modules(corrupt);
  REQUIRE(list.truncated);
  CHECK(list.modules.size() == 1);
}

TEST_CASE("bitfields: Field keeps DWARF's bit offset and size; read_field extracts them", "[kernel][dump]") {
  Field level{.offset = 1, .type = 0, .size = 1, .bit_offset = 5, .bit_size = 3};
  const uint8_t bytes[] = {0xff, 0xa0};
  CHECK(level.extract(bytes) == 5);
  CHECK(level.extract(std::span<const uint8_t>(bytes, 1)) == 0);  // outside: 0, no read past

  auto p = open_fp("builtin-kaslr.d31.kdump");
  auto lv = p->field("printk_info", "level");
  auto flags = p->field("printk_info", "flags");
  REQUIRE(lv);
  REQUIRE(flags);
  CHECK(lv->bit_size == 3);     // u8 level:3
  CHECK(flags->bit_size == 5);  // u8 flags:5
  CHECK(lv->offset == flags->offset);
  // Each record's info read field by field equals what the printk reader decoded.
  auto log = read_printk(*p);
  REQUIRE(log);
  REQUIRE(log->records.size() > 100);
  auto prb = p->symbol_address("prb");
  REQUIRE(prb);
  auto rb = p->read_pointer(*prb);
  auto infos = p->read_field(*rb, "printk_ringbuffer", "desc_ring.infos");
  auto count_bits = p->read_field(*rb, "printk_ringbuffer", "desc_ring.count_bits");
  auto info_size = p->size_of("printk_info");
  REQUIRE((infos && count_bits && info_size));
  std::set<uint64_t> levels;
  for (const PrintkRecord& r : log->records) {
    uint64_t info = *infos + (r.seq & ((uint64_t(1) << *count_bits) - 1)) * *info_size;
    REQUIRE(p->read_field(info, "printk_info", "seq").value_or(~0ull) == r.seq);
    CHECK(p->read_field(info, "printk_info", "level").value_or(99) == r.level);
    CHECK(p->read_field(info, "printk_info", "flags").value_or(99) == r.flags);
    levels.insert(r.level);
  }
  CHECK(levels.size() >= 3);  // notice, info, emerg/err at least: the bits really vary
}

TEST_CASE("the read budget of a command bounds every walk together, and says so", "[kernel][dump]") {
  OpenOptions open;
  open.limits.max_reads = 300;  // enough for some tasks, not for all 33 with their details
  auto p = KernelProgram::open_dump(kData + "/kernel-fp/vmlinux", kData + "/kernel-fp/builtin-kaslr.d31.kdump", open);
  REQUIRE(p);
  TaskList list = list_tasks(**p);
  bool said = list.truncated && list.truncated->message.find("read budget") != std::string::npos;
  for (const auto& e : list.errors) said = said || e.message.find("read budget") != std::string::npos;
  CHECK(said);
  CHECK(list.tasks.size() < 33);
  // Spent is spent: the next read of this program fails too, with the limit named.
  auto r = (*p)->memory().read_u64((*p)->kaslr_offset() + 0xffffffff81000000ull);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::LimitHit);
  CHECK(r.error().context.find("max_reads") != std::string::npos);
  // The default budget does not get in the way of a whole command.
  auto full = open_fp("builtin-kaslr.d31.kdump");
  CHECK(list_tasks(*full).tasks.size() == 33);
}

TEST_CASE("fields that cannot be read are unknown, not 0: ppid, stack, saved_sp", "[kernel][dump]") {
  auto p = open_fp("builtin-kaslr.d31.kdump");
  TaskList good = list_tasks(*p);
  REQUIRE(good.tasks.size() > 10);
  const TaskInfo& victim = good.tasks[9];
  REQUIRE(victim.ppid);
  REQUIRE(victim.saved_sp);
  auto parent = p->field("task_struct", "real_parent");
  auto sp = p->field("task_struct", "thread.sp");
  REQUIRE(parent);
  REQUIRE(sp);
  CorruptingMemory memory(*p->dump());
  memory.patch(victim.address + parent->offset, 0xdead000000000000ull, 8);  // a parent nobody can read
  memory.fault(victim.address + sp->offset, 8);
  KernelProgram corrupt(p->debug_info(), memory, p->kaslr_offset(), p->limits());
  auto task = read_task(corrupt, victim.address);
  REQUIRE(task);
  CHECK(task->pid == victim.pid);
  CHECK_FALSE(task->ppid);
  CHECK_FALSE(task->saved_sp);
  TaskList list;
  list.tasks.push_back(*task);
  CHECK(format_tasks(list).find(fmt::format("{:>5} {:>6}", victim.pid, "?")) != std::string::npos);
  CHECK(tasks_to_json(list)["tasks"][0]["ppid"].is_null());
}
