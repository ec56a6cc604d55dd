// base/: Expected, Cursor (bounds and sticky errors), limits, WalkGuard.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <vector>

#include "krdb/base/cursor.h"
#include "krdb/base/error.h"
#include "krdb/base/limits.h"
#include "krdb/base/walk_guard.h"

using namespace krdb;

static Expected<int> parse_positive(int v) {
  if (v <= 0) return Error(ErrorKind::Usage, "not positive", "v=" + std::to_string(v));
  return v;
}

TEST_CASE("Expected carries a value or an error") {
  auto ok = parse_positive(3);
  REQUIRE(ok.has_value());
  CHECK(*ok == 3);
  auto bad = parse_positive(-1);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::Usage);
  CHECK(bad.error().describe() == "not positive (v=-1)");
  CHECK(bad.value_or(7) == 7);
}

TEST_CASE("Cursor reads little-endian fields and LEB128") {
  std::vector<uint8_t> d = {0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xe5, 0x8e, 0x26, 0x7f, 'h', 'i', 0};
  Cursor c(d, "test");
  CHECK(c.u16() == 0x1234);
  CHECK(c.u32() == 0x12345678);
  CHECK(c.uleb128() == 624485);
  CHECK(c.sleb128() == -1);
  CHECK(c.cstring() == "hi");
  CHECK(c.ok());
  CHECK(c.at_end());
  // Nine 7-bit groups end at bit 63: the sign extension must not negate INT64_MIN (a fuzzer find).
  std::vector<uint8_t> wide = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40};
  Cursor w(wide, "test");
  CHECK(w.sleb128() == -(int64_t(1) << 62));  // 2^62, sign-extended from bit 63
  CHECK(w.ok());
  std::vector<uint8_t> minus2 = {0x7e};
  Cursor m(minus2, "test");
  CHECK(m.sleb128() == -2);
}

TEST_CASE("Cursor truncated at every byte names the offset and stays failed") {
  std::vector<uint8_t> d = {1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  for (size_t len = 0; len < d.size(); ++len) {
    Cursor c(std::span(d.data(), len), "hdr", 0x100);
    c.u32();
    c.u64();
    REQUIRE_FALSE(c.ok());
    uint64_t expect_at = len < 4 ? 0x100 : 0x104;
    CHECK(c.error().context == fmt::format("hdr+0x{:x}", expect_at));
    CHECK(c.u32() == 0);  // sticky: later reads give zero
  }
}

TEST_CASE("Cursor rejects strings without a terminator and oversized LEB128") {
  std::vector<uint8_t> s = {'a', 'b'};
  Cursor c(s, "strtab");
  CHECK(c.cstring().empty());
  CHECK_FALSE(c.ok());
  CHECK(c.error().message.find("NUL") != std::string::npos);
  std::vector<uint8_t> leb(11, 0xff);
  leb.back() = 0x01;
  Cursor l(leb, "leb");
  l.uleb128();
  CHECK_FALSE(l.ok());
}

TEST_CASE("limits are set by name and reject unknown names") {
  Limits l;
  REQUIRE(set_limit(l, "max_frames=12").has_value());
  CHECK(l.max_frames == 12);
  CHECK_FALSE(set_limit(l, "no_such=1").has_value());
  CHECK_FALSE(set_limit(l, "max_frames=abc").has_value());
  CHECK_FALSE(set_limit(l, "max_frames=0").has_value());
}

TEST_CASE("WalkGuard stops on a cycle and on the step limit") {
  WalkGuard cyc("list", 100);
  CHECK(cyc.step(1));
  CHECK(cyc.step(2));
  CHECK_FALSE(cyc.step(1));
  REQUIRE(cyc.reason());
  CHECK(cyc.reason()->kind == ErrorKind::BadData);
  WalkGuard lim("list", 3);
  for (uint64_t i = 0; i < 3; ++i) CHECK(lim.step(i));
  CHECK_FALSE(lim.step(99));
  CHECK(lim.reason()->kind == ErrorKind::LimitHit);
}
