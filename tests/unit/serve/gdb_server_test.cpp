// serve/: gdb-remote framing on hostile byte streams, and the request handler on a real dump —
// every task a thread, registers by gdb number mapped by name, memory prefixes, read-only
// replies, malformed requests answered (never thrown), XML escaping of hostile task names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "../support/test_data.h"
#include "krdb/dump/dump.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/threads.h"
#include "krdb/serve/gdb_server.h"
#include "krdb/serve/packet.h"

using namespace krdb;
using namespace krdb::serve;
using krdb::test::kFp;

namespace {

std::vector<PacketItem> read_all(PacketReader& r) {
  std::vector<PacketItem> out;
  while (auto i = r.next()) out.push_back(*i);
  return out;
}

struct Served {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<GdbServer> server;
  KernelCpus cpus;
};

Served serve_fp() {
  Served s;
  auto p = KernelProgram::open_dump(kFp + "vmlinux", kFp + "builtin-kaslr.d31.kdump");
  REQUIRE(p);
  s.program = std::move(*p);
  auto records = dump_records(*s.program->dump());
  s.cpus = read_cpus(*s.program, records, false);
  KernelUnwinder unwinder(*s.program);
  KernelThreads threads = build_threads(*s.program, s.cpus, unwinder);
  ServeTarget target;
  target.vmlinux_path = kFp + "vmlinux";
  target.kaslr_offset = s.program->kaslr_offset();
  target.stop_description = "kernel BUG at rust/helpers/bug.c:7!";
  s.server = std::make_unique<GdbServer>(*s.program->dump(), std::move(threads), target);
  return s;
}

}  // namespace

TEST_CASE("serve: framing round-trips, bad checksums and oversized packets keep the stream", "[serve]") {
  std::string payload = "m1234,4 with $ # } * inside";
  std::string framed = frame_packet(payload);
  PacketReader r;
  r.feed("+" + framed + "\x03" + "noise$qC#00" + "-");
  auto items = read_all(r);
  REQUIRE(items.size() == 5);
  CHECK(items[0].kind == PacketItem::Kind::Ack);
  CHECK(items[1].kind == PacketItem::Kind::Packet);
  CHECK(items[1].payload == payload);
  CHECK(items[2].kind == PacketItem::Kind::Interrupt);
  CHECK(items[3].kind == PacketItem::Kind::BadChecksum);
  CHECK(items[4].kind == PacketItem::Kind::Nack);
  // Split anywhere: the same packet comes out once the rest arrives.
  for (size_t cut = 1; cut < framed.size(); ++cut) {
    PacketReader split;
    split.feed(framed.substr(0, cut));
    CHECK_FALSE(split.next());
    split.feed(framed.substr(cut));
    auto got = split.next();
    REQUIRE(got);
    CHECK(got->payload == payload);
  }
  // An oversized packet is consumed and reported; the next one still parses; memory stays bounded.
  PacketReader big;
  big.feed("$" + std::string(kMaxPacketBytes * 3, 'a'));
  CHECK(big.pending() <= kMaxPacketBytes * 3 + 1);
  big.feed("#00" + frame_packet("qC"));
  auto both = read_all(big);
  REQUIRE(both.size() == 2);
  CHECK(both[0].kind == PacketItem::Kind::Oversized);
  CHECK(both[1].payload == "qC");
  CHECK(from_hex(to_hex(std::string("\0\xff\x10", 3))) == std::string("\0\xff\x10", 3));
  CHECK_FALSE(from_hex("abc"));
  CHECK_FALSE(from_hex("zz"));
}

TEST_CASE("serve: threads, registers and the stop reply on the fixture dump", "[serve][dump]") {
  Served s = serve_fp();
  GdbServer& g = *s.server;
  CHECK_THAT(g.handle("qSupported:xmlRegisters=i386"), Catch::Contains("PacketSize=4000") &&
                                                           Catch::Contains("qXfer:features:read+"));
  // Every task is a thread, with unique tids, none of them 0.
  TaskList tasks = list_tasks(*s.program);
  std::set<std::string> tids;
  std::string list = g.handle("qfThreadInfo");
  while (list != "l") {
    REQUIRE(list[0] == 'm');
    size_t start = 1;
    while (start < list.size()) {
      size_t comma = list.find(',', start);
      tids.insert(list.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    list = g.handle("qsThreadInfo");
  }
  CHECK(tids.size() >= tasks.tasks.size());
  CHECK_FALSE(tids.count("0"));
  // The stop thread: the panicking task, its description, expedited pc.
  std::string stop = g.handle("?");
  CHECK(stop.starts_with("T05thread:1;"));  // pid 1 (swapper/0 running the initcall) panicked
  CHECK_THAT(stop, Catch::Contains("reason:exception;description:" + to_hex("kernel BUG at rust/helpers/bug.c:7!")));
  CHECK_THAT(stop, Catch::Contains("threads:"));
  // p0 (rax) must answer on the stop thread (LLDB's p-packet probe); rip is little-endian.
  auto regs = s.cpus.registers(*s.cpus.panicking);
  REQUIRE(regs);
  CHECK(g.handle("p0;thread:1;").size() == 16);
  std::string rip = g.handle("p10;thread:1;");
  REQUIRE(rip.size() == 16);
  auto raw = from_hex(rip);
  uint64_t pc = 0;
  std::memcpy(&pc, raw->data(), 8);
  CHECK(pc == regs->pc());
  CHECK(g.handle("p11;thread:1;") == "E0e");  // eflags: not recorded -> unavailable, never xx
  CHECK(g.handle("p999") == "E0e");
  std::string all = g.handle("g");
  CHECK(all.substr(16 * 16, 16) == rip);      // rip is the 17th register in the `g` layout
  CHECK_THAT(all, Catch::Contains("xxxxxxxx"));  // unknown ones as xx for GDB
  CHECK(g.handle("Hg1") == "OK");
  CHECK(g.handle("Hg12345678") == "E01");
  CHECK(g.handle("T1") == "OK");
}

TEST_CASE("serve: memory, read-only requests and malformed ones", "[serve][dump]") {
  Served s = serve_fp();
  GdbServer& g = *s.server;
  auto banner = s.program->symbol_address("linux_banner");
  REQUIRE(banner);
  std::string hex = g.handle(fmt::format("m{:x},d", *banner));
  CHECK(from_hex(hex) == std::string("Linux version"));
  CHECK(g.handle("m0,8") == "E14");                    // nothing readable: an error
  CHECK(g.handle(fmt::format("m{:x},100000", *banner)).size() <= kMaxPacketBytes);  // capped
  for (const char* bad : {"m", "mzz,4", "m10", "p", "pzz", "Hgzz", "qXfer:features:read:target.xml:zz",
                          "qXfer:nonsense:read::0,10", "qThreadStopInfozz", "\xff\xfe"}) {
    INFO(bad);
    std::string r = g.handle(bad);
    CHECK((r.empty() || r[0] == 'E' || r == "l"));
  }
  // Resume and step come back at once; writes and breakpoints are refused; the session goes on.
  CHECK_THAT(g.handle("vCont;c"), Catch::Contains(to_hex("dump: cannot resume")));
  CHECK(g.handle("s").starts_with("T05"));
  for (const char* w : {"Z0,ffffffff81000000,1", "M0,1:00", "X0,1:a", "G00", "P0=00"}) CHECK(g.handle(w) == "E01");
  CHECK_FALSE(g.close_requested());
  CHECK(g.handle("k") == "X09");
  CHECK(g.close_requested());
  g.reset_connection();
  CHECK_FALSE(g.close_requested());
  // target.xml read in small chunks is the whole description.
  std::string xml;
  for (size_t off = 0;; off += 100) {
    std::string chunk = g.handle(fmt::format("qXfer:features:read:target.xml:{:x},64", off));
    REQUIRE_FALSE(chunk.empty());
    xml += chunk.substr(1);
    if (chunk[0] == 'l') break;
    REQUIRE(chunk.size() == 101);
  }
  CHECK(xml == target_description());
  CHECK_THAT(xml, Catch::Contains("org.gnu.gdb.i386.core") && Catch::Contains("name=\"rip\""));
}

TEST_CASE("serve: hostile task names stay valid XML and fit the packet", "[serve]") {
  KernelThreads threads;
  for (uint64_t i = 1; i <= 3000; ++i) {  // many threads: lists are split under PacketSize
    KernelThread t;
    t.tid = i;
    t.name = "a<b>&\"c\x01";
    threads.threads.push_back(t);
  }
  threads.stop = 0;
  struct NoMemory : Memory {
    Expected<void> read(uint64_t a, std::span<uint8_t>) override { return Error(ErrorKind::Fault, "none", std::to_string(a)); }
  } memory;
  GdbServer g(memory, std::move(threads), ServeTarget{});
  std::string xml, chunk;
  for (size_t off = 0; chunk.empty() || chunk[0] == 'm'; off += chunk.size() - 1) {
    chunk = g.handle(fmt::format("qXfer:threads:read::{:x},3ff0", off));
    REQUIRE(chunk.size() <= kMaxPacketBytes);
    xml += chunk.substr(1);
  }
  CHECK(xml.find("a&lt;b&gt;&amp;&quot;c?") != std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);
  size_t listed = 0;
  for (std::string l = g.handle("qfThreadInfo"); l != "l"; l = g.handle("qsThreadInfo")) {
    REQUIRE(l.size() <= kMaxPacketBytes);
    listed += size_t(std::count(l.begin(), l.end(), ',')) + 1;
  }
  CHECK(listed == 3000);
  CHECK(g.handle("?").size() < kMaxPacketBytes);  // thread lists dropped when too long
  CHECK(g.handle("p0") == "E0e");                 // no registers known
}
