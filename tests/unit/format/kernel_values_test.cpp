// Globals of the vmlinux and of its modules (format/kernel_values.h) on the formatter sample's
// dump: rust_values.ko (scripts/kernel-fixture/sample/rust_values.rs) holds every kernel Rust
// type krdb formats, some of them corrupted on purpose, and panics. Each expected text follows
// from the sample's source (100,000 elements i * 3, ids 0..10,000, Pair { key: 11, … }…); the
// addresses and the task come from the dump itself and are checked for consistency.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../support/test_data.h"
#include "krdb/format/frame_variables.h"
#include "krdb/format/kernel_values.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"

using namespace krdb;
using namespace krdb::test;

namespace {

struct ValuesDump {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<KernelUnwinder> unwinder;
  explicit ValuesDump(bool with_module = true) {
    auto p = KernelProgram::open_dump(kFp + "vmlinux", kFp + "values-kaslr.d17.kdump");
    REQUIRE(p);
    program = std::move(*p);
    BacktraceOptions options;
    options.system_module_dirs = false;
    if (with_module) options.module_files["rust_values"] = kFp + "rust_values.ko";
    unwinder = std::make_unique<KernelUnwinder>(*program, options);
  }
  KernelValue value(const std::string& expression, FormatOptions options = format_options(default_limits())) {
    auto v = kernel_global_value(*program, *unwinder, expression, options);
    INFO(expression);
    REQUIRE(v);
    return *v;
  }
  std::string text(const std::string& expression) { return value(expression).text; }
};

bool starts(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a module's global: found in its .ko by the Rust path's crate, placed by its sections", "[format][dump]") {
  ValuesDump d;
  KernelValue v = d.value("rust_values::VALUES");
  CHECK(v.module == "rust_values");
  CHECK(starts(v.text, "AtomicPtr(0xffff"));
  // The static is in the module's .bss, where the loader put it (a module address), not at
  // the .ko's synthetic address nor at the vmlinux's slide.
  CHECK(v.address >= 0xffffffffc0000000ULL);
  CHECK(d.value("*rust_values::VALUES").type == "rust_values::Values");
  // A vmlinux global still comes from the vmlinux.
  KernelValue jiffies = d.value("jiffies");
  CHECK(jiffies.module.empty());
}

TEST_CASE("the formatter sample's big containers: a 100,000-element KVec and a 10,000-entry List", "[format][dump]") {
  ValuesDump d;
  std::string big = d.text("rust_values::VALUES->big");
  CHECK(starts(big, "KVec(len 100000, capacity 100000) [0, 3, 6, 9, "));
  CHECK(has(big, "… (99968 more)]"));
  CHECK(d.text("rust_values::VALUES->big[99999]") == "299997");
  std::string entries = d.text("rust_values::VALUES->entries");
  CHECK(starts(entries, "List(len 10000) [Entry { id: 0 }, Entry { id: 1 }, "));
  CHECK(has(entries, "… (9968 more)]"));
  // Every entry, when the caps allow it: the walk reaches the last one and stops at the head.
  FormatOptions all = format_options(default_limits());
  all.max_children = 10000;
  std::string every = d.value("rust_values::VALUES->entries", all).text;
  CHECK(has(every, "Entry { id: 9998 }, Entry { id: 9999 }]"));
  CHECK_FALSE(has(every, "more)"));
  // The node cap stops the walk and says so.
  FormatOptions few = format_options(default_limits());
  few.max_nodes = 100;
  CHECK(has(d.value("rust_values::VALUES->entries", few).text, "<stopped after max_nodes=100>"));
}

TEST_CASE("the sample's corrupted containers are said, not walked into", "[format][dump]") {
  ValuesDump d;
  // 1 -> 2 -> 3 -> back to 2: the third node's next does not link back to it.
  std::string cyclic = d.text("rust_values::VALUES->cyclic");
  CHECK(starts(cyclic, "List(len ≥3) [Entry { id: 1 }, Entry { id: 2 }, Entry { id: 3 }] <broken link at 0x"));
  CHECK(has(cyclic, "links back to 0x"));
  // 1 -> 2 -> LIST_POISON1.
  std::string broken = d.text("rust_values::VALUES->broken");
  CHECK(starts(broken, "List(len ≥2) [Entry { id: 1 }, Entry { id: 2 }] <broken link at 0x"));
  CHECK(has(broken, ": next 0xdead000000000100 is unreadable>"));
  // len set to 2^40 over a 4-element buffer.
  CHECK(starts(d.text("rust_values::VALUES->huge"), "KVec(<invalid len 1099511627776 (capacity 4)> at 0x"));
}

TEST_CASE("the sample's locks, condition variables, work item and trait object", "[format][dump]") {
  ValuesDump d;
  // `inspect` holds both locks when it panics; the mutex's owner is the task that loaded the
  // module (insmod), the same task the panicking CPU runs.
  std::string locked = d.text("rust_values::VALUES->locked");
  CHECK(starts(locked, "Arc(refcount 1) Mutex(locked by Task(pid "));
  CHECK(has(locked, ", \"insmod\", state R)) 41"));
  CHECK(d.text("rust_values::VALUES->spin") == "Pin(KBox(SpinLock(locked) 20817))");
  // Two wait-queue entries queued on `busy`, none on `idle`; both entries name the same task.
  std::string wait = d.text("rust_values::VALUES->wait");
  CHECK(has(wait, "busy: CondVar(2 waiters) [wait_queue_entry { flags: 0, private: 0x"));
  CHECK(has(wait, "idle: CondVar(no waiters), waiters: 2"));
  size_t first = wait.find("private: "), second = wait.find("private: ", first + 1);
  REQUIRE(second != std::string::npos);
  CHECK(wait.substr(first, 27) == wait.substr(second, 27));
  // Two references: the field's Arc and the leaked clone `borrow` borrows from.
  CHECK(d.text("rust_values::VALUES->job") ==
        "Arc(refcount 2) Job { id: 7, work: Work(idle, func <Arc<rust_values::Job> as WorkItemPointer<0>>::run) }");
  CHECK(starts(d.text("rust_values::VALUES->borrow"), "ArcBorrow(refcount 2) Job { id: 7, work: Work(idle, "));
  // A `&dyn Shape` resolved through the module's own vtable.
  CHECK(d.text("rust_values::VALUES->shape") == "&rust_values::Rect Rect { w: 6, h: 7 }");
}

TEST_CASE("the sample's boxes, Arcs, vectors, errors, options, tuples and wrappers", "[format][dump]") {
  ValuesDump d;
  CHECK(d.text("rust_values::VALUES->unique") == "UniqueArc(refcount 1) Pair { key: 11, weight: -11 }");
  CHECK(d.text("rust_values::VALUES->vbox") == "VBox(Pair { key: 22, weight: -22 })");
  CHECK(d.text("rust_values::VALUES->kvbox") == "KVBox(Pair { key: 33, weight: -33 })");
  CHECK(starts(d.text("rust_values::VALUES->vvec"), "VVec(len 1000, capacity "));
  CHECK(d.text("rust_values::VALUES->vvec[999]") == "999");
  CHECK(d.text("rust_values::VALUES->errors") == "[-EINVAL (-22), -ENOENT (-2), -EAGAIN (-11)]");
  CHECK(d.text("rust_values::VALUES->results") == "(Ok(5), Err(-EBUSY (-16)))");
  CHECK(d.text("rust_values::VALUES->maybe") == "(Some(0x1000), None, Some(KBox(Pair { key: 44, weight: 4 })))");
  CHECK(d.text("rust_values::VALUES->hits") == "Atomic(0x123456789abc)");
  CHECK(d.text("rust_values::VALUES->cell") == "99");
  CHECK(d.text("rust_values::VALUES->name") == "\"rust_values\"");
  CHECK(d.text("rust_values::VALUES->text") == "\"kernel rust\"");
  CHECK(d.text("rust_values::VALUES->slice") == "[2, 3, 5, 7, 11]");
  CHECK(d.text("rust_values::VALUES->uninit") == "65261");  // MaybeUninit::new(0xfeed)
  CHECK(d.text("rust_values::VALUES->single") == "ListArc(refcount 1) Entry { id: 77 }");
}

TEST_CASE("the C types Rust holds: task_struct, refcount_t, spinlock_t, mutex, list_head", "[format][dump]") {
  ValuesDump d;
  // Opaque<list_head> pointed at itself (an empty C list); the waiters' entries are linked.
  CHECK(d.text("rust_values::VALUES->head") == "list_head(empty)");
  CHECK(has(d.text("rust_values::VALUES->wait"), "entry: list_head { next: 0x"));
  CHECK(d.text("rust_values::VALUES->count") == "refcount_t(3)");
  CHECK(d.text("rust_values::VALUES->raw_lock") == "spinlock_t(unlocked)");
  // The task that loaded the module is the one holding the sample's mutex.
  std::string task = d.text("*rust_values::VALUES->task");
  CHECK(starts(task, "Task(pid "));
  CHECK(has(d.text("rust_values::VALUES->locked"), "locked by " + task));
  // The vmlinux's C types the same way (init_task is pid 0, swapper/0).
  CHECK(d.text("init_task") == "Task(pid 0, \"swapper/0\", state R)");
  CHECK(d.text("init_task.usage") == "refcount_t(" + d.text("init_task.usage.refs.counter") + ")");
}

TEST_CASE("module globals: a type of the module in a cast; what cannot be found is said", "[format][dump]") {
  ValuesDump d;
  auto pointee = d.value("*rust_values::VALUES->kvbox");
  CHECK(d.text(fmt::format("(rust_values::Pair)0x{:x}", pointee.address)) == "Pair { key: 33, weight: -33 }");
  auto missing = kernel_global_value(*d.program, *d.unwinder, "rust_values::NOPE");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK(has(missing.error().message, "no global named 'rust_values::NOPE' in the vmlinux and module(s) rust_values"));
  // Without the .ko: the module is named, with the options that give its debug info.
  ValuesDump bare(false);
  auto unplaced = kernel_global_value(*bare.program, *bare.unwinder, "rust_values::VALUES");
  REQUIRE_FALSE(unplaced);
  CHECK(has(unplaced.error().message, "no debug info for module(s) rust_values (give the .ko: --module, --modules)"));
}

TEST_CASE("the sample's panicking frame: `.` sees through &self as Rust does", "[format][dump]") {
  ValuesDump d;
  KernelCpus cpus = read_cpus(*d.program, dump_records(*d.program->dump()), false);
  REQUIRE(cpus.panicking);
  auto regs = cpus.registers(*cpus.panicking);
  REQUIRE(regs);
  KernelBacktrace bt = d.unwinder->from_registers(*regs);
  for (size_t n = 0; auto number = bt.frame_number(n); ++n) {
    const Frame& f = bt.frames[number->physical];
    if (f.where.frames.empty() || f.where.frames[number->inlined].display_name() != "<rust_values::Values>::inspect")
      continue;
    auto area = kernel_frame_expression(*d.program, *d.unwinder, bt, *number, "area");
    REQUIRE(area);
    CHECK(*area == "42");  // Rect { w: 6, h: 7 }.area()
    auto last = kernel_frame_expression(*d.program, *d.unwinder, bt, *number, "self.big[99999]");
    REQUIRE(last);
    CHECK(*last == "299997");
    auto name = kernel_frame_expression(*d.program, *d.unwinder, bt, *number, "self.name");
    REQUIRE(name);
    CHECK(*name == "\"rust_values\"");
    return;
  }
  FAIL("no <rust_values::Values>::inspect frame on the panicking CPU");
}
