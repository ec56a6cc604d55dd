// kernel/panic: the Rust panic site parsed from untrusted log records — the fixture's real line,
// and the malformed ones a broken log holds (huge numbers, no column, spaces, megabyte lines).
#include <catch2/catch.hpp>

#include <chrono>

#include "krdb/triage/panic.h"

using namespace krdb;

TEST_CASE("panic: the Rust panic site of a log record", "[kernel][panic]") {
  auto s = parse_rust_panic_line(
      "rust_kernel: panicked at /usr/src/linux-6.12/samples/rust/rust_crashme_ko.rs:85:39:\n"
      "called `Result::unwrap()` on an `Err` value: Error(12)");
  REQUIRE(s);
  CHECK(s->file == "/usr/src/linux-6.12/samples/rust/rust_crashme_ko.rs");
  CHECK(s->line == 85);
  CHECK(s->column == 39);
  // Whitespace after the site, newlines included, is skipped: the message line is taken.
  CHECK(s->message == "called `Result::unwrap()` on an `Err` value: Error(12)");
  CHECK(parse_rust_panic_line("panicked at a.rs:1:2:")->message.empty());  // in the next record
  auto inline_msg = parse_rust_panic_line("panicked at a.rs:1:2:   boom\nnext line");
  REQUIRE(inline_msg);
  CHECK(inline_msg->message == "boom");
  // A first "panicked at" that does not parse does not hide a later one.
  auto second = parse_rust_panic_line("panicked at nothing here; panicked at b.rs:3:4: x");
  REQUIRE(second);
  CHECK(second->file == "b.rs");
}

TEST_CASE("panic: malformed panic lines are no panic site, never an exception", "[kernel][panic]") {
  for (const char* bad : {"panicked at a.rs:99999999999999999999:1: x", "panicked at a.rs:12: x",
                          "panicked at a b.rs:1:2: x", "panicked at :1:2: x", "panicked at a.rs:-1:2: x",
                          "panicked at a.rs:1:2", "panicked at", ""}) {
    INFO(bad);
    CHECK_NOTHROW(parse_rust_panic_line(bad));
    CHECK_FALSE(parse_rust_panic_line(bad));
  }
  std::string huge;
  for (int i = 0; i < 50000; ++i) huge += "panicked at a.rs:1:";  // 950 KB, no full site
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(parse_rust_panic_line(huge));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
