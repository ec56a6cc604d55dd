// The console-log parser and the triage layer on the kits' real serial logs, rewritten the ways
// farms capture them (caller ids, syslog levels, CRLF, interleaved CPUs, two crashes in one
// log, cut logs) and on hostile input (random bytes, huge lines, report floods).
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "krdb/triage/console_log.h"
#include "krdb/triage/triage.h"

using namespace krdb;

namespace {

std::string slurp(const std::string& name) {
  std::ifstream in(std::string(KRDB_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l);) out.push_back(l);
  return out;
}

// Applies `f` to every line of a real log.
template <typename F>
std::string rewrite(const std::string& text, F f) {
  std::string out;
  size_t n = 0;
  for (const auto& l : split_lines(text)) out += f(l, n++) + "\n";
  return out;
}

const std::string kModuleLog = "kernel-orc/serial-module-kaslr.log";

void expect_module_report(const ConsoleLog& log) {
  REQUIRE(log.reports.size() == 1);
  const LogReport& r = log.reports[0];
  CHECK(r.kind == CrashKind::RustPanic);
  REQUIRE(r.rust_panic);
  CHECK(r.rust_panic->line == 85);
  CHECK(r.rust_panic->message == "called `Result::unwrap()` on an `Err` value: Error(12)");
  CHECK(r.location == "/usr/src/linux-6.12/rust/helpers/bug.c:7");
  REQUIRE(r.rip);
  CHECK(r.rip->symbol == "rust_helper_BUG");
  CHECK(r.frames.size() == 22);
  CHECK(r.pid == 47u);
  CHECK(r.comm == "insmod");
  CHECK(r.taint == "Not tainted");
  CHECK(r.release == "6.12.117 #2");
  CHECK(r.modules == std::vector<std::string>{"rust_crashme_ko"});
  CHECK(r.panic_message == "Fatal exception");
  CHECK_FALSE(r.truncated);
}

}  // namespace

TEST_CASE("the kit's module crash log: one Rust panic report with its whole stack", "[triage]") {
  ConsoleLog log = parse_console_log(slurp(kModuleLog));
  expect_module_report(log);
  const LogReport& r = log.reports[0];
  size_t unreliable = 0, in_task = 0;
  for (const auto& f : r.frames) { unreliable += f.unreliable; in_task += f.context == "TASK"; }
  CHECK(unreliable == 8);  // the eight "? " lines of the log
  CHECK(in_task == r.frames.size());
  CHECK(r.frames[6].symbol == "_RNvMCsl1F89I5XULM_15rust_crashme_koNtB2_7KoState6record");
  CHECK(r.frames[6].offset == 0x5e);
  CHECK(r.frames[6].size == 0x70);
  CHECK(r.frames[6].module == "rust_crashme_ko");
  CHECK(r.frames[13].address == 0xffffffffc0063000u);  // "? 0xffffffffc0063000": no symbol
}

// The ORC kit's krdb_logs=1 boot (tests/data/kernel-orc/MANIFEST): three reports the kernel
// printed in one console log — a WARNING raised from Rust, a C NULL dereference under a module's
// Rust frames, and the built-in sample's Rust panic from its module build — and the kernel
// lived on between them.
TEST_CASE("the kit's three-report log: a WARN from Rust, a C oops in a module, a Rust panic in a .ko", "[triage]") {
  std::string text = slurp("kernel-orc/serial-logs-kaslr.log");
  TriageResult t = triage_text(text, "serial-logs-kaslr.log", nullptr);
  REQUIRE(t.reports.size() == 3);
  const TriageReport& warn = t.reports[0];
  CHECK(warn.kind == CrashKind::Refcount);
  CHECK(warn.title == "WARNING: refcount bug in <rust_crashme_warn::RustCrashmeWarn as Module>::init");
  CHECK(warn.taint == "Not tainted");
  CHECK(warn.modules == std::vector<std::string>{"rust_crashme_warn"});
  const TriageReport& oops = t.reports[1];
  CHECK(oops.kind == CrashKind::NullPointer);
  CHECK(oops.title == "BUG: unable to handle kernel NULL pointer dereference in rust_crashme_c_poke");
  CHECK(oops.taint.find("W") != std::string::npos);  // tainted by the warning before it
  const TriageReport& rust = t.reports[2];
  CHECK(rust.kind == CrashKind::RustPanic);
  CHECK(rust.title.ends_with(" in <rust_crashme::CrashmeState>::check"));
  REQUIRE(rust.rust_panic);
  CHECK(rust.rust_panic->file == "/usr/src/linux-6.12/samples/rust/twin/rust_crashme.rs");

  // The same bug, three ways: the C oops has the signature of the cfault kit crash; the .ko
  // build's Rust panic has the built-in crash's signature (module vs vmlinux, other path, other
  // taint, other pid, other addresses).
  TriageResult cfault = triage_text(slurp("kernel-orc/serial-module-cfault-kaslr.log"), "cfault", nullptr);
  TriageResult builtin = triage_text(slurp("kernel-orc/serial-builtin-kaslr.log"), "builtin", nullptr);
  REQUIRE(cfault.reports.size() == 1);
  REQUIRE(builtin.reports.size() == 1);
  CHECK(oops.signature.hash == cfault.reports[0].signature.hash);
  CHECK(rust.signature.hash == builtin.reports[0].signature.hash);
  CHECK(rust.signature.text == builtin.reports[0].signature.text);
  CHECK(rust.title == builtin.reports[0].title);
  CHECK(warn.signature.hash != rust.signature.hash);
}

// The commonest boot failure, a bare panic with no report before it: the kit kernel booted
// without an initramfs.
TEST_CASE("the kit's bare panic: no working init", "[triage]") {
  TriageResult t = triage_text(slurp("kernel-orc/serial-no-root-kaslr.log"), "no-root", nullptr);
  REQUIRE(t.reports.size() == 1);
  const TriageReport& r = t.reports[0];
  CHECK(r.kind == CrashKind::Panic);
  CHECK(r.title.starts_with("kernel panic: No working init found."));
  REQUIRE(r.guilty);
  CHECK(r.frames[*r.guilty].function == "kernel_init");  // panic() itself is machinery
  CHECK(r.pid == 1u);
}

TEST_CASE("capture formats: caller ids, syslog levels, CRLF, dmesg -T dates", "[triage]") {
  std::string text = slurp(kModuleLog);
  SECTION("caller ids after the timestamp") {
    std::string with = rewrite(text, [](const std::string& l, size_t) {
      return l.starts_with("[") ? l.substr(0, l.find(']') + 1) + "[   T47]" + l.substr(l.find(']') + 1) : l;
    });
    expect_module_report(parse_console_log(with));
  }
  SECTION("syslog levels and CRLF") {
    expect_module_report(parse_console_log(rewrite(text, [](const std::string& l, size_t) { return "<4>" + l + "\r"; })));
  }
  SECTION("dmesg -T dates instead of seconds") {
    std::string dated = rewrite(text, [](const std::string& l, size_t) {
      return l.starts_with("[") ? "[Wed Dec  2 03:42:28 2026]" + l.substr(l.find(']') + 1) : l;
    });
    expect_module_report(parse_console_log(dated));
  }
  SECTION("no timestamps at all") {
    expect_module_report(parse_console_log(rewrite(text, [](const std::string& l, size_t) {
      return l.starts_with("[") ? l.substr(l.find(']') + 2) : l;
    })));
  }
}

TEST_CASE("lines of another CPU interleaved with the report are left out", "[triage]") {
  std::string text = slurp(kModuleLog);
  std::string mixed = rewrite(text, [](const std::string& l, size_t n) {
    if (!l.starts_with("[")) return l;
    std::string tagged = l.substr(0, l.find(']') + 1) + "[   T47]" + l.substr(l.find(']') + 1);
    // Every other line of the report gets a line from CPU 1 printed between it and the next.
    if (n % 2) tagged += "\n[    1.590000][    C1]  ? do_idle+0x10/0x20\n[    1.590001][    C1] hrtimer: interrupt took 1000 ns";
    return tagged;
  });
  ConsoleLog log = parse_console_log(mixed);
  expect_module_report(log);
  for (const auto& f : log.reports[0].frames) CHECK(f.symbol != "do_idle");
}

TEST_CASE("two crashes in one log are two reports, in order", "[triage]") {
  std::string two = slurp("kernel-orc/serial-module-cfault-kaslr.log") + slurp(kModuleLog);
  ConsoleLog log = parse_console_log(two);
  REQUIRE(log.reports.size() == 2);
  CHECK(log.reports[0].kind == CrashKind::NullPointer);
  CHECK(log.reports[1].kind == CrashKind::RustPanic);
  CHECK(log.reports[0].last_line < log.reports[1].first_line);
  auto reports = triage_log(log);
  CHECK(reports[0].title == "BUG: unable to handle kernel NULL pointer dereference in rust_crashme_c_poke");
  CHECK(reports[1].title.ends_with(" in <rust_crashme_ko::KoState>::record"));
  CHECK(reports[0].signature.hash != reports[1].signature.hash);
}

TEST_CASE("a log cut inside the report gives the report, marked truncated", "[triage]") {
  std::string text = slurp(kModuleLog);
  std::string cut = text.substr(0, text.find("sort_r+0xd2"));
  ConsoleLog log = parse_console_log(cut);
  REQUIRE(log.reports.size() == 1);
  CHECK(log.reports[0].truncated);
  CHECK(log.reports[0].frames.size() == 10);
  TriageReport r = triage_report(log.reports[0], log);
  CHECK(r.title.ends_with(" in <rust_crashme_ko::KoState>::record"));  // the guilty frame was printed
  // A clean log and the same log cut mid-boot hold no report at all.
  CHECK(parse_console_log(slurp("kernel-fp/serial-normal.log")).reports.empty());
}

TEST_CASE("a log that starts a new boot closes the report of the old one", "[triage]") {
  std::string text = slurp(kModuleLog);
  std::string cut = text.substr(0, text.find("sort_r+0xd2")) + "[    0.000000] Linux version 6.12.117 (root@vm)\n";
  ConsoleLog log = parse_console_log(cut + text);
  REQUIRE(log.reports.size() == 2);
  CHECK(log.reports[0].truncated);
  CHECK_FALSE(log.reports[1].truncated);
}

TEST_CASE("signatures: no addresses, offsets, hashes, generics or clone suffixes", "[triage]") {
  CHECK(normalize_function("_RNvMCsl1F89I5XULM_15rust_crashme_koNtB2_7KoState6record") ==
        "<rust_crashme_ko::KoState>::record");
  CHECK(normalize_function("_RINvNtCs2DxGA1hvVcO_4core3ptr13drop_in_placeNtCsl1F89I5XULM_15rust_crashme_ko7KoStateEBI_") ==
        "core::ptr::drop_in_place");
  CHECK(normalize_function("__ext4_find_entry.cold") == "__ext4_find_entry");
  CHECK(normalize_function("kmem_cache_free.part.0") == "kmem_cache_free");
  CHECK(normalize_function("<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop") ==
        "<alloc::vec::Vec as core::ops::drop::Drop>::drop");
  // The same crash on the FP kit and the ORC kit (two builds, other KASLR slides, other hashes).
  auto a = triage_log(parse_console_log(slurp("kernel-fp/serial-module-kaslr.log")));
  auto b = triage_log(parse_console_log(slurp(kModuleLog)));
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].signature.hash == b[0].signature.hash);
  CHECK(a[0].signature.text == "rust-panic: <rust_crashme_ko::KoState>::record < rust_crashme_ko::ko_cmp < sort_r");
}

TEST_CASE("hostile input: random bytes, a huge line, a report flood — bounded and calm", "[triage]") {
  std::mt19937 rng(7);
  std::string noise(1 << 20, '\0');
  for (char& c : noise) c = char(rng());
  auto start = std::chrono::steady_clock::now();
  ConsoleLog log = parse_console_log(noise);
  CHECK(!log.problems.empty());  // control bytes are said
  std::string huge = "kernel BUG at " + std::string(4 << 20, 'x') + "!\nCall Trace:\n" + std::string(1 << 20, '?');
  ConsoleLog h = parse_console_log(huge);
  CHECK(h.reports.size() == 1);
  Limits limits;
  limits.max_log_reports = 10;
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += "[    1.0] BUG: scheduling while atomic: a/1/0x2\n";
  ConsoleLog f = parse_console_log(flood, limits);
  CHECK(f.reports.size() == 10);
  CHECK(!f.problems.empty());
  limits.max_log_bytes = 1000;
  ConsoleLog cut = parse_console_log(slurp(kModuleLog), limits);
  CHECK(cut.reports.empty());
  CHECK(cut.problems.front().find("max_log_bytes") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

// Real-world reports (tests/data/oops, public sources, see its MANIFEST): every one is found with
// its kind, and the title is syzbot's except where docs/triage.md explains the difference.
TEST_CASE("real-world crash reports: kinds and syzbot titles", "[triage]") {
  std::string manifest = slurp("oops/MANIFEST");
  // Where krdb's title differs from the expected one, and why (docs/triage.md's table).
  const std::map<std::string, std::string> differs = {
      {"kfence-uaf-read-doc-example.txt", "expected title is not syzbot's; krdb follows syzbot (no access word)"},
      {"refcount-inc-on-zero-input-register-device.txt", "syzbot also skips get_device_parent (device-model helper)"},
      {"lockdep-circular-perf-event-init-task.txt", "syzbot takes the lock holder's frame; krdb the final stack's"},
      {"suspicious-rcu-bond-ethtool-get-ts-info.txt", "syzbot skips *_rcu accessors"},
      {"rcu-stall-self-detected-neigh-timer.txt", "syzbot skips the interrupted allocator frames"},
      {"soft-lockup-arm64-generic-file-write-iter.txt", "syzbot skips generic_perform_write"},
  };
  size_t files = 0, agree = 0;
  std::stringstream in(manifest);
  std::string line, file, title, kind;
  auto check_one = [&] {
    if (file.empty()) return;
    ++files;
    INFO(file);
    ConsoleLog log = parse_console_log(slurp("oops/" + file));
    REQUIRE_FALSE(log.reports.empty());
    TriageReport r = triage_report(log.reports[0], log);
    std::string k = to_string(r.kind);
    CHECK((k == kind || (kind == "double-fault" && k == "stack-overflow")));
    std::string want = title.substr(0, title.find(" (ours)"));
    want = want.substr(0, want.find(" (then "));
    if (differs.count(file)) {
      CHECK(r.title != want);  // a difference that went away: update the table
    } else {
      CHECK(r.title == want);
      agree += r.title == want;
    }
    CHECK(r.signature.hash.size() == 16);
    file.clear();
  };
  while (std::getline(in, line)) {
    if (line.starts_with("file: ")) { check_one(); file = line.substr(6); }
    else if (line.starts_with("expected-title: ")) title = line.substr(16);
    else if (line.starts_with("kind: ")) kind = line.substr(6);
  }
  check_one();
  CHECK(files >= 30);
  CHECK(agree + differs.size() == files);
}

TEST_CASE("a log with two reports of different kinds gives both", "[triage]") {
  ConsoleLog log = parse_console_log(slurp("oops/two-reports-ubsan-then-kasan-bpf-link.txt"));
  REQUIRE(log.reports.size() >= 2);
  CHECK(log.reports[0].kind == CrashKind::Ubsan);
  bool kasan = false;
  for (const auto& r : log.reports) kasan |= r.kind == CrashKind::Kasan;
  CHECK(kasan);
}

// Inputs the console-log fuzzer once broke (tests/data/fuzz-regressions): parsed and triaged
// without a crash, a leak or undefined behaviour (the sanitizer pass watches), and the garbage
// is said.
TEST_CASE("fuzzer finds: parsed and triaged calmly", "[triage]") {
  for (const char* name : {"console_log-leak-d5f07288.bin"}) {
    std::ifstream in(std::string(KRDB_SOURCE_DIR) + "/tests/data/fuzz-regressions/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::string bytes = s.str();
    REQUIRE(bytes.size() > 100);
    ConsoleLog log = parse_console_log(bytes);
    CHECK(!log.problems.empty());
    TriageResult result = triage_text(bytes, name, nullptr);
    CHECK(!result.error);
  }
}
