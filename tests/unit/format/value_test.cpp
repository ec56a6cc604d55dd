// The formatter layer on the FP kit's built-in crash dump: every kernel Rust type the
// rust_crashme sample keeps alive (scripts/kernel-fixture/sample/rust_crashme.rs) printed as its
// source wrote it; then the same values with their memory corrupted through CorruptingMemory —
// huge lengths, list cycles, broken tree links, unreadable pages — bounded and said.
#include <catch2/catch.hpp>

#include "../support/corrupting_memory.h"
#include "../support/test_data.h"
#include "krdb/dwarf/type_path.h"
#include "krdb/format/value.h"
#include "krdb/kernel/program.h"

using namespace krdb;
using namespace krdb::test;

namespace {

struct Fixture {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<CorruptingMemory> memory;
  std::unique_ptr<ValueFormatter> formatter;
  explicit Fixture(FormatOptions options = {}) {
    auto p = KernelProgram::open_dump(kFp + "vmlinux", kFp + "builtin-kaslr.d31.kdump");
    REQUIRE(p);
    program = std::move(*p);
    memory = std::make_unique<CorruptingMemory>(program->memory());
    formatter = std::make_unique<ValueFormatter>(program->debug_info(), *memory, program->kaslr_offset(), options);
  }
  std::string print(const std::string& expr) {
    auto v = formatter->evaluate(expr);
    REQUIRE(v);
    return formatter->format(*v);
  }
  uint64_t address(const std::string& expr) {
    auto v = formatter->evaluate(expr);
    REQUIRE(v);
    return v->address;
  }
  uint64_t pointer_at(uint64_t address) {
    auto v = program->memory().read_u64(address);
    REQUIRE(v);
    return *v;
  }
};

const std::string kState = "rust_crashme::RUST_CRASHME_STATE";

}  // namespace

TEST_CASE("kernel Rust values of the sample, as its source wrote them", "[format][dump]") {
  Fixture f;
  CHECK(f.print(kState).starts_with("AtomicPtr(0xffff"));
  CHECK(f.print(kState + "->magic") == "0x5255535443524153");
  CHECK(f.print(kState + "->name") == "\"rust_crashme-42\"");
  CHECK(f.print(kState + "->last_error") == "Err(-ENOMEM (-12))");
  CHECK(f.print(kState + "->last_ok") == "Ok(7)");
  CHECK(f.print(kState + "->no_payload") == "None");
  CHECK(f.print(kState + "->payload") ==
        "Some(KBox(Payload { id: 0xdeadbeefcafe, name: \"payload#1\", tag: \"static-tag\", scores: "
        "KVec(len 3, capacity 4) [7, 11, 13], shared: Arc(refcount 2) Mutex(locked by Task(pid 1, "
        "\"swapper/0\", state R)) KVec(len 7, capacity 8) [4096, 4097, 4098, 4099, 51, 102, 153] }))");
  CHECK(f.print(kState + "->counter") == "Pin(KBox(Counter { hits: SpinLock(unlocked) 3, label: b\"hits\" }))");
  CHECK(f.print(kState + "->tree") == "RBTree(len 3) {10: Red, 20: Green(7), 30: Blue { level: 3, bright: true }}");
  CHECK(f.print(kState + "->items") ==
        "List(len 3) [Item { value: 100, color: Red }, Item { value: 101, color: Green(1) }, "
        "Item { value: 102, color: Blue { level: 9, bright: false } }]");
  CHECK(f.print(kState + "->colors") == "KVec(len 2, capacity 2) [Green(42), Blue { level: 1, bright: true }]");
  CHECK(f.print(kState + "->colors[1]") == "Blue { level: 1, bright: true }");
  CHECK(f.print(kState + "->big") == "KVVec(len 8, capacity 8) [0, 1, 4, 9, 16, 25, 36, 49]");
  CHECK(f.print(kState + "->owner") == "ARef(Task(pid 1, \"swapper/0\", state R))");
  // `->` through an Arc reaches the T in its ArcInner, as `*` does.
  CHECK(f.print(kState + "->shared->data") == "KVec(len 7, capacity 8) [4096, 4097, 4098, 4099, 51, 102, 153]");
  CHECK(f.print("*" + kState + "->shared") == f.print(kState + "->shared->data").insert(0, "Mutex(locked by Task(pid 1, \"swapper/0\", state R)) "));
  // C values through the same layer.
  CHECK(f.print("init_task.comm") == "\"swapper/0\"");
  CHECK(f.print("init_uts_ns.name.release") == "\"6.12.117\"");
}

TEST_CASE("caps: children and string bytes are bounded by FormatOptions", "[format][dump]") {
  FormatOptions o;
  o.max_children = 2;
  o.max_string_bytes = 4;
  Fixture f(o);
  CHECK(f.print(kState + "->big") == "KVVec(len 8, capacity 8) [0, 1, … (6 more)]");
  CHECK(f.print(kState + "->name") == "\"rust\"… (15 bytes)");
}

TEST_CASE("corrupted memory: huge lengths, cycles, broken links, unreadable pages", "[format][dump]") {
  Fixture f;
  SECTION("a KVec whose len is garbage is not walked") {
    uint64_t vec = f.address(kState + "->big");
    f.memory->patch(vec + 16, 0x7fffffffffffull, 8);  // Vec { ptr @0, layout.len (cap) @8, len @16 }
    std::string out = f.print(kState + "->big");
    CHECK(out.find("<invalid len 140737488355327 (capacity 8)>") != std::string::npos);
    CHECK(f.memory->reads() < 200);
  }
  SECTION("a list whose last node points back into the middle is a cycle, said once") {
    uint64_t list = f.address(kState + "->items");
    uint64_t first = f.pointer_at(list);
    uint64_t second = f.pointer_at(first);
    uint64_t third = f.pointer_at(second);
    f.memory->patch(third, second, 8);  // third.next = second (and second.prev is not third)
    std::string out = f.print(kState + "->items");
    CHECK((out.find("<broken link at") != std::string::npos || out.find("<cycle at") != std::string::npos));
    CHECK(f.memory->reads() < 500);
  }
  SECTION("a tree node whose child points to the root is a cycle") {
    uint64_t root = f.pointer_at(f.address(kState + "->tree"));
    uint64_t left = f.pointer_at(root + 16);
    REQUIRE(left != 0);
    f.memory->patch(left + 16, root, 8);  // left.rb_left = root
    std::string out = f.print(kState + "->tree");
    CHECK(out.find("<cycle at") != std::string::npos);
  }
  SECTION("an unreadable payload box says which address") {
    uint64_t payload = f.pointer_at(f.address(kState + "->payload"));
    f.memory->fault(payload, 0x40);
    std::string out = f.print(kState + "->payload");
    CHECK(out.find(fmt::format("<error: cannot read {:#x}", payload)) != std::string::npos);
  }
  SECTION("a bad discriminant is said, not guessed") {
    uint64_t r = f.address(kState + "->last_ok");
    f.memory->patch(r, 5, 4);  // Result<u32, Error>: tag u32 @0 is 0 (Ok) or 1 (Err)
    CHECK(f.print(kState + "->last_ok") == "<invalid discriminant 0x5>");
  }
  SECTION("a CString whose length is 0 (no NUL) is invalid") {
    uint64_t s = f.address(kState + "->name");
    f.memory->patch(s + 16, 0, 8);
    CHECK(f.print(kState + "->name") == "CString(<invalid len 0>)");
  }
}

TEST_CASE("expressions: errors say what is wrong, and where", "[format][dump]") {
  Fixture f;
  auto bad = [&](const std::string& expr, ErrorKind kind, const std::string& part) {
    auto v = f.formatter->evaluate(expr);
    REQUIRE_FALSE(v);
    CHECK(v.error().kind == kind);
    CHECK(v.error().message.find(part) != std::string::npos);
  };
  bad("no_such_global", ErrorKind::NotFound, "no global variable named 'no_such_global'");
  bad("init_task.no_such_field", ErrorKind::NotFound, "no member 'no_such_field' in struct task_struct");
  bad("init_task[", ErrorKind::Usage, "missing ']'");
  bad("init_task[3]", ErrorKind::Usage, "not an array");
  bad("*init_task", ErrorKind::Usage, "not a pointer");
  bad("init_task ?", ErrorKind::Usage, "unexpected '?'");
}

// What LLDB's synthetic children show (format/value.h ValueView): the same walk as the one-line
// text, with each child typed so a front end can type it too (dwarf/type_path.h).
TEST_CASE("views: the children of kernel Rust values, typed and reachable from the parent's type",
          "[format][dump]") {
  FormatOptions o;
  o.max_children = 3;
  Fixture f(o);
  DebugInfo& info = f.program->debug_info();
  auto view_of = [&](const std::string& expr) {
    auto v = f.formatter->evaluate(expr);
    REQUIRE(v);
    return std::make_pair(*v, f.formatter->view(*v));
  };
  SECTION("a KVec: its elements, capped, the total said, typed by the Vec's T") {
    auto [v, view] = view_of(kState + "->big");
    CHECK(view.special);
    CHECK(view.shape == ValueShape::Sequence);
    CHECK(view.head == "KVVec(len 8, capacity 8)");
    CHECK(view.total == 8);
    REQUIRE(view.children.size() == 3);
    CHECK(view.children[2].name == "[2]");
    CHECK(f.formatter->format(view.children[2].value) == "4");
    auto path = type_path(info, v.type, view.children[0].value.type);
    REQUIRE(path);
    REQUIRE(path->size() == 1);
    CHECK(path->front().kind == TypeStep::Kind::TemplateArg);
    CHECK(path->front().index == 0);
    CHECK(f.formatter->render(view) == f.formatter->format(v));
  }
  SECTION("Option<KBox<Payload>>: the active variant's field, through the variant") {
    auto [v, view] = view_of(kState + "->payload");
    CHECK(view.head == "Some");
    CHECK(view.shape == ValueShape::Tuple);
    REQUIRE(view.children.size() == 1);
    CHECK(view.children[0].name == "__0");
    auto path = type_path(info, v.type, view.children[0].value.type);
    REQUIRE(path);
    // Shortest paths: through a variant (Option's struct has no T of its own), then the variant
    // struct's field or its T — both are LLDB types too.
    REQUIRE(path->size() == 2);
    CHECK(path->at(0).kind == TypeStep::Kind::Variant);
  }
  SECTION("an RBTree: entries named by their key, typed by V") {
    auto [v, view] = view_of(kState + "->tree");
    CHECK(view.shape == ValueShape::Map);
    REQUIRE(view.children.size() == 3);
    CHECK(view.children[1].name == "20");
    CHECK(f.formatter->format(view.children[1].value) == "Green(7)");
    CHECK(type_path(info, v.type, view.children[1].value.type));
  }
  SECTION("a List: entries by container_of, typed by the element; Arc and Mutex: their data") {
    auto [list, lview] = view_of(kState + "->items");
    REQUIRE(lview.children.size() == 3);
    CHECK(f.formatter->format(lview.children[0].value) == "Item { value: 100, color: Red }");
    CHECK(type_path(info, list.type, lview.children[0].value.type));
    auto [arc, aview] = view_of(kState + "->shared");
    CHECK(aview.shape == ValueShape::Prefix);
    CHECK(aview.head == "Arc(refcount 2)");
    REQUIRE(aview.children.size() == 1);
    CHECK(aview.children[0].name == "data");
    ValueView mutex = f.formatter->view(aview.children[0].value);
    CHECK(mutex.head == "Mutex(locked by Task(pid 1, \"swapper/0\", state R))");
    REQUIRE(mutex.children.size() == 1);
    CHECK(f.formatter->view(mutex.children[0].value).head == "KVec(len 7, capacity 8)");
  }
  SECTION("plain structs and C values are not krdb's: LLDB shows them itself") {
    CHECK_FALSE(view_of("init_task.comm").second.special);
    auto [v, view] = view_of(kState + "->payload");
    auto payload = f.formatter->view(f.formatter->view(view.children[0].value).children[0].value);
    CHECK_FALSE(payload.special);
    CHECK(payload.head == "Payload");
  }
}

TEST_CASE("find_type takes LLDB's spelling of Rust generics", "[format][dump]") {
  Fixture f;
  DebugInfo& info = f.program->debug_info();
  auto dwarf = info.find_type("kernel::alloc::kvec::Vec<u32, kernel::alloc::allocator::Kmalloc>");
  REQUIRE(dwarf);
  // LLDB rebuilds generic names from template arguments in C spelling, with "> >", and drops
  // const generic arguments (List<Item, 0> is "List<rust_crashme::Item>").
  auto lldb = info.find_type("kernel::alloc::kvec::Vec<unsigned int, kernel::alloc::allocator::Kmalloc>");
  REQUIRE(lldb);
  CHECK(*lldb == *dwarf);
  CHECK(info.find_type("kernel::sync::arc::Arc<kernel::sync::lock::Lock<kernel::alloc::kvec::Vec<unsigned int, "
                       "kernel::alloc::allocator::Kmalloc>, kernel::sync::lock::mutex::MutexBackend> >"));
  auto list = info.find_type("kernel::list::List<rust_crashme::Item>");
  REQUIRE(list);
  CHECK(type_name(info, *list, true) == "kernel::list::List<rust_crashme::Item, 0>");
  CHECK_FALSE(info.find_type("kernel::alloc::kvec::Vec<unsigned short, kernel::alloc::allocator::NoSuch>"));
  // Thin pointers: rustc's "*mut T" is LLDB's "T *".
  auto atomic = info.find_type("core::sync::atomic::Atomic<rust_crashme::CrashmeState *>");
  REQUIRE(atomic);
  CHECK(type_name(info, *atomic, true) == "core::sync::atomic::Atomic<*mut rust_crashme::CrashmeState>");
}

// CondVar wraps a C wait queue: its waiters are wait_queue_entry nodes on head. log_wait (the
// printk readers' queue, a real wait_queue_head with no waiter at the crash) read as a CondVar,
// then given a waiter, a cycle and an unreadable node by patching the ring.
TEST_CASE("CondVar: the waiters of the wait queue it wraps, bounded and cycle-checked", "[format][dump]") {
  Fixture f;
  uint64_t queue = f.address("log_wait");
  uint64_t other = f.address("oom_victims_wait");
  uint64_t head = queue + 8, other_head = other + 8;  // wait_queue_head { lock @0, head @8 }
  REQUIRE(f.pointer_at(head) == head);                // empty ring
  std::string expr = fmt::format("(kernel::sync::condvar::CondVar){:#x}", queue);
  CHECK(f.print(expr) == "CondVar(no waiters)");
  SECTION("one waiter: counted and shown as the C entry") {
    f.memory->patch(head, other_head, 8);
    f.memory->patch(other_head, head, 8);
    std::string out = f.print(expr);
    CHECK(out.rfind("CondVar(1 waiter) [", 0) == 0);
    auto v = f.formatter->evaluate(expr);
    REQUIRE(v);
    ValueView view = f.formatter->view(*v);
    REQUIRE(view.children.size() == 1);
    CHECK(view.children[0].value.address == other_head - 24);  // wait_queue_entry.entry @24
  }
  SECTION("a ring that never comes back to its head is a cycle") {
    f.memory->patch(head, other_head, 8);
    f.memory->patch(other_head, other_head, 8);
    CHECK(f.print(expr).find(fmt::format("<cycle at {:#x}>", other_head)) != std::string::npos);
    CHECK(f.memory->reads() < 200);
  }
  SECTION("an unreadable node says which address") {
    f.memory->patch(head, 0xdead000000000000ull, 8);
    CHECK(f.print(expr).find("<error: cannot read 0xdead000000000000") != std::string::npos);
  }
}
