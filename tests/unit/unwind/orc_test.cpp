// unwind/orc: the ORC tables of the fixture kernels against objtool --dump (the kernel build's
// own tool; oracle files made by tests/data/kernel-orc/gen-orc-expected.sh), structural truths
// about them, and malformed sections.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "krdb/elf/elf_file.h"
#include "krdb/unwind/orc.h"

using namespace krdb;

namespace {

const std::string kData = KRDB_TEST_DATA_DIR;
const std::string kOrcDir = kData + "/kernel-orc";

std::unique_ptr<ElfFile> open_elf(const std::string& path) {
  auto f = ElfFile::open(path);
  INFO(path);
  REQUIRE(f.has_value());
  return std::move(*f);
}

const ElfFile& orc_vmlinux() {
  static auto f = open_elf(kOrcDir + "/vmlinux.nodebug");
  return *f;
}

const OrcTable& orc_table() {
  static OrcTable t = [] {
    auto r = OrcTable::from_vmlinux(orc_vmlinux());
    if (!r) FAIL(r.error().describe());
    return std::move(*r);
  }();
  return t;
}

struct Expectation {
  uint64_t ip = 0, next = 0;  // next = 0: last entry
  std::string entry;
};

std::vector<std::string> data_lines(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<Expectation> vmlinux_expectations(uint64_t& total) {
  std::vector<Expectation> out;
  for (const auto& line : data_lines(kOrcDir + "/orc-expected.txt")) {
    if (line.rfind("# entries ", 0) == 0) total = std::stoull(line.substr(10));
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string ip, next;
    in >> ip >> next;
    Expectation e;
    e.ip = std::stoull(ip, nullptr, 16);
    e.next = next == "-" ? 0 : std::stoull(next, nullptr, 16);
    std::getline(in >> std::ws, e.entry);
    out.push_back(e);
  }
  return out;
}

std::string fmt_hex(uint64_t v) { return fmt::format("{:x}", v); }

std::vector<uint8_t> bytes_of(std::span<const uint8_t> s, size_t n) {
  return {s.begin(), s.begin() + std::min(n, s.size())};
}

}  // namespace

TEST_CASE("unwind: vmlinux ORC table equals objtool --dump", "[unwind][orc]") {
  uint64_t total = 0;
  auto expected = vmlinux_expectations(total);
  REQUIRE(expected.size() > 500);
  const OrcTable& t = orc_table();
  CHECK(total > 100000);  // objtool's entry count (the file's "# entries" line)
  CHECK(t.size() == total);
  for (const auto& e : expected) {
    INFO(std::hex << e.ip);
    auto row = t.lookup(e.ip);
    REQUIRE(row);
    CHECK(row->ip == e.ip);
    CHECK(format_orc_entry(row->entry) == e.entry);
    if (e.next > e.ip + 1) {  // the entry covers everything up to the next address
      auto before_next = t.lookup(e.next - 1);
      REQUIRE(before_next);
      CHECK(before_next->ip == e.ip);
    }
  }
}

TEST_CASE("unwind: vmlinux ORC entry layout is Linux 6.12's", "[unwind][orc]") {
  CHECK(OrcEntry::kSize == 6);
  // sp_offset=-8 (f8 ff), bp_offset=16 (10 00), sp_reg=SP(5) bp_reg=PREV_SP(1), type=REGS(3) signal
  const uint8_t raw[6] = {0xf8, 0xff, 0x10, 0x00, 0x15, 0x0b};
  OrcEntry e = OrcEntry::decode(raw);
  CHECK(e.sp_offset == -8);
  CHECK(e.bp_offset == 16);
  CHECK(e.sp_reg == uint8_t(OrcReg::Sp));
  CHECK(e.bp_reg == uint8_t(OrcReg::PrevSp));
  CHECK(e.type == uint8_t(OrcType::Regs));
  CHECK(e.signal);
  CHECK(format_orc_entry(e) == "type:regs sp:sp-8 bp:prevsp+16 signal:1");
  auto* header = orc_vmlinux().section(".orc_header");
  REQUIRE(header);  // the layout hash the loader checks
  CHECK(header->size == 20);
}

TEST_CASE("unwind: every .text function start has an ORC entry, C functions start CALL sp+8",
          "[unwind][orc]") {
  const ElfFile& f = orc_vmlinux();
  const OrcTable& t = orc_table();
  const ElfSection* text = f.section(".text");
  REQUIRE(text);
  size_t functions = 0, exact = 0, call8 = 0;
  std::string others, unannotated;
  for (const auto& s : f.symbols()) {
    if (s.type != 2 /* STT_FUNC */ || s.address < text->address ||
        s.address >= text->address + text->size)
      continue;
    ++functions;
    INFO(s.name);
    auto row = t.lookup(s.address);
    REQUIRE(row);
    const OrcEntry& e = row->entry;
    bool is_call8 = e.type == uint8_t(OrcType::Call) && e.sp_reg == uint8_t(OrcReg::Sp) &&
                    e.sp_offset == 8;
    call8 += is_call8;
    exact += row->ip == s.address;
    if (!is_call8) others += std::string(s.name) + ": " + format_orc_entry(e) + "\n";
    // The exceptions: .cold fragments run inside their parent's frame; two asm functions; and
    // __crash_kexec, STACK_FRAME_NON_STANDARD in kernel/crash_core.c (CONFIG_CRASH_DUMP).
    bool cold = s.name.size() > 5 && s.name.ends_with(".cold");
    if (!is_call8 && !cold)
      CHECK((s.name == "clear_bhb_loop" || s.name == "machine_real_restart" || s.name == "__crash_kexec"));
    // objtool (orc_gen.c) emits no entry where the previous one is identical, so a function
    // without its own entry continues a CALL sp+8 one (the previous function's `ret`) — or
    // is code objtool does not annotate (UNDEFINED, as the code before it).
    if (row->ip != s.address && !is_call8) unannotated += std::string(s.name) + " ";
  }
  CHECK(unannotated == "__crash_kexec clear_bhb_loop ");
  INFO(functions << " functions, " << exact << " with an entry at their start, " << call8
                 << " CALL sp+8; the others:\n" << others);
  CHECK(functions > 15000);
  CHECK(exact * 100 >= functions * 95);
  CHECK(call8 * 100 >= functions * 99);
  for (const char* name : {"do_one_initcall", "kernel_init_freeable", "panic", "rust_crashme_c_walk",
                           "_RNvNtCs2DxGA1hvVcO_4core9panicking9panic_fmt"}) {
    INFO(name);
    const ElfSymbol* s = f.symbol_named(name);
    REQUIRE(s);
    auto row = t.lookup(s->address);
    REQUIRE(row);
    CHECK(format_orc_entry(row->entry) == "type:call sp:sp+8 bp:(und) signal:0");
  }
}

TEST_CASE("unwind: lookup outside the ORC table's text", "[unwind][orc]") {
  const OrcTable& t = orc_table();
  CHECK_FALSE(t.lookup(0));
  CHECK_FALSE(t.lookup(t.text_begin() - 1));
  CHECK_FALSE(t.lookup(t.text_end()));
  CHECK(t.lookup(t.text_begin()));
}

TEST_CASE("unwind: the frame-pointer fixture kernel has no ORC", "[unwind][orc]") {
  auto f = open_elf(kData + "/kernel-fp/vmlinux");
  auto t = OrcTable::from_vmlinux(*f);
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == ErrorKind::NotFound);
  CHECK(t.error().message.find("CONFIG_UNWINDER_ORC") != std::string::npos);
}

TEST_CASE("unwind: module ORC with relocations equals objtool --dump", "[unwind][orc]") {
  auto ko = open_elf(kOrcDir + "/rust_crashme_ko.nodebug.ko");
  const std::map<std::string, uint64_t, std::less<>> bases = {
      {".text", 0xffffffffc0001000}, {".init.text", 0xffffffffc0100000},
      {".exit.text", 0xffffffffc0200000}};
  auto where = [&](std::string_view s) -> std::optional<uint64_t> {
    auto it = bases.find(s);
    return it == bases.end() ? std::nullopt : std::optional<uint64_t>(it->second);
  };
  auto t = OrcTable::from_module(*ko, where);
  REQUIRE(t);
  std::multiset<std::string> want, got;
  size_t init_entries = 0;
  for (const auto& line : data_lines(kOrcDir + "/rust_crashme_ko.orc-expected.txt")) {
    if (line.empty() || line[0] == '#') continue;
    init_entries += line.starts_with(".init.text+");
    auto plus = line.find('+'), colon = line.find(':');
    uint64_t ip = bases.at(line.substr(0, plus)) +
                  std::stoull(line.substr(plus + 1, colon - plus - 1), nullptr, 16);
    want.insert(fmt_hex(ip) + " " + line.substr(colon + 1));
  }
  for (const auto& r : t->rows()) got.insert(fmt_hex(r.ip) + " " + format_orc_entry(r.entry));
  CHECK(want.size() > 50);
  CHECK(init_entries > 0);
  CHECK(got == want);
  CHECK(t->dropped() == 0);
  for (size_t i = 1; i < t->rows().size(); ++i) CHECK(t->rows()[i - 1].ip <= t->rows()[i].ip);

  SECTION("a freed .init.text drops its entries") {
    auto no_init = [&](std::string_view s) {
      return s == ".init.text" ? std::nullopt : where(s);
    };
    auto t2 = OrcTable::from_module(*ko, no_init);
    REQUIRE(t2);
    CHECK(t2->dropped() == init_entries);
    CHECK(t2->size() == want.size() - init_entries);
  }
}

TEST_CASE("unwind: truncated or odd-sized ORC sections are clear errors", "[unwind][orc]") {
  const ElfFile& f = orc_vmlinux();
  auto ip = bytes_of(f.section_data(".orc_unwind_ip"), 40);  // 10 real entries
  auto orc = bytes_of(f.section_data(".orc_unwind"), 60);
  auto load = [&](size_t ip_n, size_t orc_n) {
    return OrcTable::from_sections({ip.data(), ip_n}, 0xffffffff818cc33c, {orc.data(), orc_n},
                                   "vmlinux");
  };
  REQUIRE(load(40, 60));
  CHECK(load(40, 60)->size() == 10);
  for (size_t n = 0; n < 40; ++n) {
    INFO(".orc_unwind_ip cut to " << n);
    auto t = load(n, 60);
    REQUIRE_FALSE(t);
    CHECK(t.error().kind == ErrorKind::BadData);
    if (n % 4) {
      CHECK(t.error().describe() ==
            fmt::format("size {:#x} is not a multiple of 4 (vmlinux: .orc_unwind_ip)", n));
    } else {
      CHECK(t.error().describe() ==
            fmt::format("10 entries but .orc_unwind_ip has {} (vmlinux: .orc_unwind)", n / 4));
    }
  }
  for (size_t n = 0; n < 60; ++n) {
    INFO(".orc_unwind cut to " << n);
    auto t = load(40, n);
    REQUIRE_FALSE(t);
    if (n % 6) {
      CHECK(t.error().describe() ==
            fmt::format("size {:#x} is not a multiple of 6 (struct orc_entry) "
                        "(vmlinux: .orc_unwind)", n));
    } else {
      CHECK(t.error().describe() ==
            fmt::format("{} entries but .orc_unwind_ip has 10 (vmlinux: .orc_unwind)", n / 6));
    }
  }
  auto empty = load(0, 0);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().describe() == "no ORC entries (vmlinux: .orc_unwind_ip)");
}

namespace {

// A copy of the fixture module with `patch` applied at a file offset, opened as an ElfFile.
std::unique_ptr<ElfFile> patched_module(const std::string& name, uint64_t offset, uint8_t value) {
  std::ifstream in(kOrcDir + "/rust_crashme_ko.nodebug.ko", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(offset < bytes.size());
  bytes[offset] = char(value);
  std::string path = std::string(KRDB_TEST_BUILD_DIR) + "/unwind-" + name + ".ko";
  std::ofstream(path, std::ios::binary) << bytes;
  return open_elf(path);
}

}  // namespace

TEST_CASE("unwind: malformed module ORC is a clear error", "[unwind][orc]") {
  auto ko = open_elf(kOrcDir + "/rust_crashme_ko.nodebug.ko");
  auto anywhere = [](std::string_view) { return std::optional<uint64_t>(0x1000); };
  const ElfSection* rela = ko->section(".rela.orc_unwind_ip");
  const ElfSection* header = ko->section(".orc_header");
  REQUIRE(rela);
  REQUIRE(header);

  SECTION("a relocation type other than R_X86_64_PC32") {
    auto bad = patched_module("rela-type", rela->offset + 8, 1);  // r_info's type: R_X86_64_64
    auto t = OrcTable::from_module(*bad, anywhere);
    REQUIRE_FALSE(t);
    CHECK(t.error().kind == ErrorKind::Unsupported);
    CHECK(t.error().message == "relocation type 1 in .rela.orc_unwind_ip (only R_X86_64_PC32)");
  }
  SECTION("a relocation outside .orc_unwind_ip") {
    auto bad = patched_module("rela-offset", rela->offset + 3, 0x10);  // r_offset += 16 MiB
    auto t = OrcTable::from_module(*bad, anywhere);
    REQUIRE_FALSE(t);
    CHECK(t.error().kind == ErrorKind::BadData);
    CHECK(t.error().message == "relocation at offset 0x10000000 is misplaced or repeated");
  }
  SECTION("an ORC layout hash other than 6.4+'s") {
    auto bad = patched_module("header", header->offset, 0);
    auto t = OrcTable::from_module(*bad, anywhere);
    REQUIRE_FALSE(t);
    CHECK(t.error().kind == ErrorKind::Unsupported);
  }
}

namespace {

// One hand-built struct orc_entry: sp_offset, bp_offset, byte 4 (sp_reg | bp_reg << 4), byte 5.
std::array<uint8_t, 6> raw_entry(int16_t sp, int16_t bp, uint8_t regs, uint8_t bits) {
  std::array<uint8_t, 6> r{};
  std::memcpy(r.data(), &sp, 2);
  std::memcpy(r.data() + 2, &bp, 2);
  r[4] = regs;
  r[5] = bits;
  return r;
}

// A copy of `path` changed by objcopy ARGS (binutils, a test oracle dependency).
std::string objcopy_copy(const std::string& path, const std::string& args, const std::string& name) {
  std::string out = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/krdb-orc-" +
                    std::to_string(::getpid()) + "-" + name;
  std::string cmd = "objcopy " + args + " '" + path + "' '" + out + "' 2>/dev/null";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  return out;
}

}  // namespace

TEST_CASE("unwind: ORC formats of every kernel with Rust decode to one meaning", "[unwind][orc]") {
  // 6.1 LTS (V1): sp_reg:4 bp_reg:4 type:2 end:1 — CALL 0, REGS 1, REGS_PARTIAL 2.
  struct Case { OrcFormat format; std::array<uint8_t, 6> raw; const char* want; };
  const Case cases[] = {
      {OrcFormat::V1, raw_entry(8, 0, 0x05, 0x00), "type:call sp:sp+8 bp:(und) signal:0"},
      {OrcFormat::V1, raw_entry(16, -16, 0x15, 0x00), "type:call sp:sp+16 bp:prevsp-16 signal:0"},
      {OrcFormat::V1, raw_entry(0, 0, 0x05, 0x01), "type:regs sp:sp+0 bp:(und) signal:0"},
      {OrcFormat::V1, raw_entry(160, 0, 0x05, 0x02), "type:regs (partial) sp:sp+160 bp:(und) signal:0"},
      {OrcFormat::V1, raw_entry(0, 0, 0x00, 0x04), "type:end sp:(und) bp:(und) signal:0"},
      {OrcFormat::V1, raw_entry(0, 0, 0x00, 0x00), "type:(und) sp:(und) bp:(und) signal:0"},
      // 6.3 (V2): type:2 signal:1 end:1.
      {OrcFormat::V2, raw_entry(8, 0, 0x05, 0x04), "type:call sp:sp+8 bp:(und) signal:1"},
      {OrcFormat::V2, raw_entry(0, 0, 0x00, 0x08), "type:end sp:(und) bp:(und) signal:0"},
      {OrcFormat::V2, raw_entry(0, 0, 0x05, 0x05), "type:regs sp:sp+0 bp:(und) signal:1"},
      // 6.4+ (V3): type:3 signal:1, the numbering the walker uses.
      {OrcFormat::V3, raw_entry(8, 0, 0x05, 0x02), "type:call sp:sp+8 bp:(und) signal:0"},
      {OrcFormat::V3, raw_entry(0, 0, 0x00, 0x01), "type:end sp:(und) bp:(und) signal:0"},
  };
  for (const Case& c : cases) {
    INFO(to_string(c.format) << " " << c.want);
    CHECK(format_orc_entry(OrcEntry::decode(c.raw, c.format)) == c.want);
  }
  // A hand-built V1 table (ips relative to their slot, as objtool writes them) loads into the
  // same rows as its V3 twin, weak terminators (UNDEFINED) sorted first.
  std::vector<uint8_t> ips, v1, v3;
  const uint64_t base = 0xffffffff81000000;
  auto add = [&](uint64_t ip, std::array<uint8_t, 6> old_raw, std::array<uint8_t, 6> new_raw) {
    int32_t rel = int32_t(int64_t(ip) - int64_t(base + ips.size()));
    ips.insert(ips.end(), reinterpret_cast<uint8_t*>(&rel), reinterpret_cast<uint8_t*>(&rel) + 4);
    v1.insert(v1.end(), old_raw.begin(), old_raw.end());
    v3.insert(v3.end(), new_raw.begin(), new_raw.end());
  };
  add(base + 0x100, raw_entry(8, 0, 0x05, 0x00), raw_entry(8, 0, 0x05, 0x02));    // CALL
  add(base + 0x100, raw_entry(0, 0, 0x00, 0x00), raw_entry(0, 0, 0x00, 0x00));    // terminator
  add(base + 0x40, raw_entry(0, 0, 0x00, 0x04), raw_entry(0, 0, 0x00, 0x01));     // end of stack
  add(base + 0x200, raw_entry(0, 0, 0x05, 0x01), raw_entry(0, 0, 0x05, 0x03));    // REGS
  auto old_table = OrcTable::from_sections(ips, base, v1, "hand-built 6.1 table", OrcFormat::V1);
  auto new_table = OrcTable::from_sections(ips, base, v3, "hand-built 6.12 table", OrcFormat::V3);
  REQUIRE(old_table);
  REQUIRE(new_table);
  CHECK(old_table->format() == OrcFormat::V1);
  REQUIRE(old_table->size() == new_table->size());
  for (size_t i = 0; i < old_table->size(); ++i) {
    CHECK(old_table->rows()[i].ip == new_table->rows()[i].ip);
    CHECK(old_table->rows()[i].entry == new_table->rows()[i].entry);
  }
  CHECK(format_orc_entry(old_table->lookup(base + 0x150)->entry) == "type:call sp:sp+8 bp:(und) signal:0");
  CHECK(format_orc_entry(old_table->lookup(base + 0x50)->entry) == "type:end sp:(und) bp:(und) signal:0");
}

TEST_CASE("unwind: the ORC format comes from .orc_header, else the kernel release", "[unwind][orc]") {
  CHECK(orc_format_for_release("6.1.119").value_or(OrcFormat::V3) == OrcFormat::V1);
  CHECK(orc_format_for_release("5.15.0-91-generic").value_or(OrcFormat::V3) == OrcFormat::V1);
  CHECK(orc_format_for_release("6.3.13").value_or(OrcFormat::V1) == OrcFormat::V2);
  CHECK(orc_format_for_release("6.4.0").value_or(OrcFormat::V1) == OrcFormat::V3);
  CHECK(orc_format_for_release("6.12.117").value_or(OrcFormat::V1) == OrcFormat::V3);
  CHECK_FALSE(orc_format_for_release("banana"));
  CHECK_FALSE(orc_format_for_release("6"));

  const std::string vmlinux = kOrcDir + "/vmlinux.nodebug";
  CHECK(orc_format_of(orc_vmlinux()).value_or(OrcFormat::V1) == OrcFormat::V3);
  SECTION("no .orc_header: the release in linux_banner (6.12 -> V3)") {
    auto f = open_elf(objcopy_copy(vmlinux, "--remove-section=.orc_header", "noheader"));
    CHECK(orc_format_of(*f).value_or(OrcFormat::V1) == OrcFormat::V3);
    CHECK(OrcTable::from_vmlinux(*f).has_value());
    std::remove(f->path().c_str());
  }
  SECTION("an unknown .orc_header hash is an Unsupported error, never a guess") {
    std::string hash = objcopy_copy(vmlinux, "-O binary --only-section=.orc_header", "hash");
    { std::ofstream(hash, std::ios::binary) << std::string(20, 'x'); }
    auto f = open_elf(objcopy_copy(vmlinux, "--update-section=.orc_header=" + hash, "badheader"));
    auto t = OrcTable::from_vmlinux(*f);
    REQUIRE_FALSE(t);
    CHECK(t.error().kind == ErrorKind::Unsupported);
    CHECK_THAT(t.error().describe(), Catch::Contains("unknown ORC format") && Catch::Contains("7878787878"));
    std::remove(f->path().c_str());
    std::remove(hash.c_str());
  }
  SECTION("a module without .orc_header takes its kernel's format, or says it cannot tell") {
    auto ko = open_elf(objcopy_copy(kOrcDir + "/rust_crashme_ko.nodebug.ko", "--remove-section=.orc_header", "ko"));
    auto unknown = orc_format_of(*ko);
    REQUIRE_FALSE(unknown);
    CHECK_THAT(unknown.error().describe(), Catch::Contains("cannot tell the ORC format"));
    CHECK(orc_format_of(*ko, OrcFormat::V1).value_or(OrcFormat::V3) == OrcFormat::V1);
    std::remove(ko->path().c_str());
  }
}
