// dump/: Dump on the committed fixture crashes (QEMU ELF dump and makedumpfile -c -d 31 kdumps of
// the same crash, see tests/data/kernel-*/MANIFEST), checked against System.map, the serial
// logs and the vmlinux; VmcoreInfo parsing; bad input (missing, empty, foreign, truncated).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../support/test_data.h"
#include "krdb/dump/dump.h"
#include "krdb/kernel/program.h"
#include "krdb/elf/elf_file.h"

using namespace krdb;
using namespace krdb::test;
namespace fs = std::filesystem;

namespace {


// The text between the first `before` and the next `after` in the file (std::regex is avoided:
// GCC 12 warns inside it under the sanitizers); fails the test if absent.
std::string between(const std::string& path, const std::string& before, const std::string& after) {
  std::string text = slurp(path);
  size_t start = text.find(before);
  REQUIRE(start != std::string::npos);
  start += before.size();
  size_t end = text.find(after, start);
  REQUIRE(end != std::string::npos);
  return text.substr(start, end - start);
}

uint64_t system_map(const std::string& name) {
  std::istringstream map(slurp(kFp + "System.map"));
  std::string address, type, symbol;
  while (map >> address >> type >> symbol)
    if (symbol == name) return std::stoull(address, nullptr, 16);
  FAIL("no " << name << " in System.map");
  return 0;
}

std::unique_ptr<Dump> open_dump(const std::string& path) {
  auto d = Dump::open(path);
  INFO(path << ": " << (d ? "" : d.error().describe()));
  REQUIRE(d.has_value());
  return std::move(*d);
}

std::unique_ptr<ElfFile> open_elf(const std::string& path) {
  auto e = ElfFile::open(path);
  REQUIRE(e.has_value());
  return std::move(*e);
}

struct Fixture {
  std::string dump, vmlinux, serial, format;
};

const std::vector<Fixture>& fixtures() {
  static const std::vector<Fixture> all = {
      {kFp + "builtin-kaslr.elf", kFp + "vmlinux", kFp + "serial-builtin-kaslr.log", "elf"},
      {kFp + "builtin-kaslr.d31.kdump", kFp + "vmlinux", kFp + "serial-builtin-kaslr.log", "diskdump"},
      {kFp + "module-kaslr.d31.kdump", kFp + "vmlinux", kFp + "serial-module-kaslr.log", "diskdump"},
      {kOrc + "builtin-kaslr.d31.kdump", kOrc + "vmlinux.nodebug", kOrc + "serial-builtin-kaslr.log", "diskdump"},
  };
  return all;
}

std::vector<uint8_t> read_bytes(Dump& d, uint64_t address, size_t n) {
  std::vector<uint8_t> buf(n);
  auto r = d.read(address, buf);
  INFO(d.path() << " at " << std::hex << address << ": " << (r ? "" : r.error().describe()));
  REQUIRE(r.has_value());
  return buf;
}

}  // namespace

TEST_CASE("dump: opens the fixture dumps and reports what the MANIFEST and serial log say", "[dump]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.dump);
    auto d = open_dump(f.dump);
    CHECK(d->format() == f.format);
    CHECK(d->description() == (f.format == "elf" ? "ELF64 dump" : "Compressed KDUMP"));
    std::string manifest = fs::path(f.dump).parent_path() / "MANIFEST";
    std::string release = between(manifest, "kernel: Linux version ", " ");
    CHECK(d->osrelease() == release);
    CHECK(between(f.serial, "Linux version ", " ") == release);
    CHECK(d->version_code() == 0x060c75u);  // KERNEL_VERSION(6, 12, 117)
    REQUIRE(d->has_vmcoreinfo());
    CHECK(d->vmcoreinfo().get("PAGESIZE") == "4096");
    CHECK(d->vmcoreinfo().symbol("_stext").has_value());
    unsigned smp = std::stoul(between(manifest, "-smp ", " "));
    REQUIRE(d->cpus().size() == smp);
    for (const CpuState& cpu : d->cpus()) {
      CHECK(cpu.pid == cpu.index + 1);  // QEMU's convention: CPU index + 1, not a task
      for (unsigned r = 0; r < unsigned(Reg::count); ++r) CHECK(cpu.registers.has(Reg(r)));
    }
  }
}

TEST_CASE("dump: finds the KASLR offset and reads linux_banner through it", "[dump]") {
  std::map<std::string, uint64_t> offsets;
  for (const Fixture& f : fixtures()) {
    INFO(f.dump);
    auto d = open_dump(f.dump);
    auto vmlinux = open_elf(f.vmlinux);
    auto offset = d->kaslr_offset();
    REQUIRE(offset.has_value());
    CHECK(*offset != 0);
    offsets[f.dump] = *offset;
    // KERNELOFFSET agrees with the relocated _stext of VMCOREINFO.
    CHECK(*d->vmcoreinfo().symbol("_stext") - vmlinux->symbol_named("_stext")->address == *offset);
    uint64_t banner = vmlinux->symbol_named("linux_banner")->address;
    if (f.vmlinux == kFp + "vmlinux") CHECK(banner == system_map("linux_banner"));
    auto text = d->read_cstring(banner + *offset, 1024);
    REQUIRE(text.has_value());
    CHECK(text->starts_with("Linux version 6.12"));
    CHECK(text->starts_with("Linux version " + between(f.serial, "Linux version ", " SMP") + " SMP"));
  }
  // The ELF dump and its makedumpfile copy are the same boot; the module crash is another boot.
  CHECK(offsets[kFp + "builtin-kaslr.elf"] == offsets[kFp + "builtin-kaslr.d31.kdump"]);
  CHECK(offsets[kFp + "builtin-kaslr.elf"] == 0x3800000);
  CHECK(offsets[kFp + "module-kaslr.d31.kdump"] != offsets[kFp + "builtin-kaslr.d31.kdump"]);
}

TEST_CASE("dump: matches its vmlinux by build-id and rejects another kernel", "[dump]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.dump);
    auto d = open_dump(f.dump);
    auto vmlinux = open_elf(f.vmlinux);
    REQUIRE(d->build_id().has_value());
    CHECK(d->build_id() == vmlinux->build_id());
    auto ok = d->check_vmlinux(*vmlinux);
    INFO((ok ? "" : ok.error().describe()));
    CHECK(ok.has_value());
  }
  auto fp = open_dump(kFp + "builtin-kaslr.d31.kdump");
  auto orc = open_elf(kOrc + "vmlinux.nodebug");
  REQUIRE(fp->build_id() != orc->build_id());
  auto wrong = fp->check_vmlinux(*orc);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().kind == ErrorKind::Usage);
  CHECK(wrong.error().message.find(*fp->build_id()) != std::string::npos);
  CHECK(wrong.error().message.find(*orc->build_id()) != std::string::npos);
  CHECK(wrong.error().message.find("--force") != std::string::npos);
}

TEST_CASE("dump: gives the panicking CPU's registers inside the kernel", "[dump]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.dump);
    auto d = open_dump(f.dump);
    auto vmlinux = open_elf(f.vmlinux);
    uint64_t offset = *d->kaslr_offset();
    // panic_cpu (kernel/panic.c) is the CPU that called panic(); the oops names the same CPU.
    auto panic_cpu = d->read_u32(vmlinux->symbol_named("panic_cpu")->address + offset);
    REQUIRE(panic_cpu.has_value());
    CHECK(*panic_cpu == std::stoul(between(f.serial, "] CPU: ", " UID")));
    REQUIRE(*panic_cpu < d->cpus().size());
    const RegisterSet& regs = d->cpus()[*panic_cpu].registers;
    auto fn = vmlinux->symbol_at(regs.pc() - offset);
    REQUIRE(fn.has_value());
    CHECK(fn->symbol->type == 2);  // STT_FUNC
    INFO("rip in " << fn->symbol->name);
    // Its stack and the per-cpu areas are in the dump.
    read_bytes(*d, regs.sp(), 64);
    auto percpu = d->read_u64(vmlinux->symbol_named("pcpu_base_addr")->address + offset);
    REQUIRE(percpu.has_value());
    read_bytes(*d, *percpu, 4096);
  }
}

TEST_CASE("dump: reads the same memory from the ELF dump and its -d 31 kdump", "[dump]") {
  auto elf = open_dump(kFp + "builtin-kaslr.elf");
  auto kdump = open_dump(kFp + "builtin-kaslr.d31.kdump");
  uint64_t offset = *elf->kaslr_offset();
  uint64_t direct_map = *elf->read_u64(system_map("page_offset_base") + offset);
  CHECK(direct_map >= 0xff00000000000000ull);
  const RegisterSet& regs = elf->cpus()[1].registers;
  for (uint64_t address : {system_map("init_uts_ns") + offset, system_map("init_task") + offset,
                           regs.sp(), direct_map + 0x1000000 + 0x9a00000 /* phys_base region */}) {
    INFO(std::hex << address);
    auto a = read_bytes(*elf, address, 256);
    std::vector<uint8_t> b(256);
    if (kdump->read(address, b)) CHECK(a == b);
  }
  for (unsigned cpu = 0; cpu < 2; ++cpu)
    for (unsigned r = 0; r < unsigned(Reg::count); ++r)
      CHECK(elf->cpus()[cpu].registers.get(Reg(r)) == kdump->cpus()[cpu].registers.get(Reg(r)));
}

TEST_CASE("dump: reads a module through the modules list of the module crash", "[dump]") {
  auto d = open_dump(kFp + "module-kaslr.d31.kdump");
  uint64_t offset = *d->kaslr_offset();
  uint64_t head = system_map("modules") + offset;
  auto first = d->read_u64(head);
  REQUIRE(first.has_value());
  CHECK(*first != head);
  CHECK(*first >= 0xffffffffc0000000ull);  // the module area, after the 1 GiB kernel image
  // struct module { enum module_state state; struct list_head list; char name[56]; … }
  auto name = d->read_cstring(*first + 16, 56);
  REQUIRE(name.has_value());
  CHECK(*name == "rust_crashme_ko");
}

TEST_CASE("dump: A page filtered out of the -d 31 kdump is a Fault, never zeros", "[dump]") {
  auto elf = open_dump(kFp + "builtin-kaslr.elf");
  auto kdump = open_dump(kFp + "builtin-kaslr.d31.kdump");
  // A RAM page with non-zero contents in the full ELF dump that makedumpfile dropped (a free or
  // page-cache page): scan physical memory above 16 MiB.
  std::vector<uint8_t> page(4096), probe(4096);
  uint64_t found = 0;
  for (uint64_t paddr = 0x1000000; paddr < 0x10000000 && !found; paddr += 4096) {
    if (!elf->read_physical(paddr, page)) continue;
    if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; })) continue;
    auto r = kdump->read_physical(paddr, probe);
    if (!r) {
      CHECK(r.error().kind == ErrorKind::Fault);
      CHECK(r.error().message.find("filtered out") != std::string::npos);
      found = paddr;
    }
  }
  REQUIRE(found != 0);
  uint64_t offset = *elf->kaslr_offset();
  uint64_t vaddr = *elf->read_u64(system_map("page_offset_base") + offset) + found;
  read_bytes(*elf, vaddr, 4096);
  auto r = kdump->read(vaddr, probe);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::Fault);
  CHECK(r.error().message.find("page not in the dump: filtered out") != std::string::npos);
  std::ostringstream where;
  where << std::hex << "address 0x" << vaddr << " (physical 0x" << found << ")";
  CHECK(r.error().context.find(where.str()) != std::string::npos);
  CHECK(r.error().context.find(kdump->path()) != std::string::npos);
  // A read that starts in a present page names the first missing address.
  uint64_t before = vaddr - 8;
  std::vector<uint8_t> across(16);
  auto partial = kdump->read(before, across);
  REQUIRE_FALSE(partial.has_value());
  CHECK(partial.error().kind == ErrorKind::Fault);
}

TEST_CASE("dump: reports unmapped and out-of-range addresses as Faults", "[dump]") {
  // The ELF dump too: its PT_LOADs carry vaddr == paddr, which must not make 0x1000 readable.
  for (std::string path : {kFp + "builtin-kaslr.d31.kdump", kFp + "builtin-kaslr.elf"}) {
    INFO(path);
    auto d = open_dump(path);
    std::vector<uint8_t> buf(16);
    for (uint64_t user_address : {uint64_t(0), uint64_t(0x1000)}) {
      auto user = d->read(user_address, buf);
      REQUIRE_FALSE(user.has_value());
      CHECK(user.error().kind == ErrorKind::Fault);
      CHECK(user.error().message.find("not a kernel address") != std::string::npos);
    }
    auto hole = d->read(0xffffc90000000000ull, buf);  // a hole: KASLR moved vmalloc elsewhere
    REQUIRE_FALSE(hole.has_value());
    CHECK(hole.error().kind == ErrorKind::Fault);
    CHECK(hole.error().message.find("not mapped") != std::string::npos);
    CHECK(hole.error().context.find("address 0xffffc90000000000") != std::string::npos);
  }
  auto d = open_dump(kFp + "builtin-kaslr.d31.kdump");
  std::vector<uint8_t> buf(16);
  auto far = d->read_physical(0x100000000000ull, buf);
  REQUIRE_FALSE(far.has_value());
  CHECK(far.error().kind == ErrorKind::Fault);
  CHECK(far.error().context.find("physical address 0x100000000000") != std::string::npos);
}

TEST_CASE("dump: VmcoreInfo parses the kernel's number formats", "[dump]") {
  auto v = VmcoreInfo::parse(
      "OSRELEASE=6.12.117\nKERNELOFFSET=3800000\nSYMBOL(_stext)=ffffffff84800000\n"
      "NUMBER(phys_base)=161480704\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
      "NUMBER(VMALLOC_START)=0xffffab5dc0000000\nno equals sign\nKERNELOFFSET=1\n"
      "SYMBOL(bad)=xyz\nNUMBER(bad)=12a\n");
  CHECK(v.get("OSRELEASE") == "6.12.117");
  CHECK(*v.hex("KERNELOFFSET") == 0x3800000);  // the first line of a key wins
  CHECK(*v.symbol("_stext") == 0xffffffff84800000ull);
  CHECK(*v.number("phys_base") == 161480704);
  CHECK(*v.number("PAGE_BUDDY_MAPCOUNT_VALUE") == -268435456);
  CHECK(uint64_t(*v.number("VMALLOC_START")) == 0xffffab5dc0000000ull);
  CHECK(v.symbol("missing").error().kind == ErrorKind::NotFound);
  CHECK(v.symbol("bad").error().kind == ErrorKind::BadData);
  CHECK(v.symbol("bad").error().message.find("xyz") != std::string::npos);
  CHECK(v.number("bad").error().kind == ErrorKind::BadData);
  CHECK(v.values().size() == 8);
  CHECK(VmcoreInfo::parse("").empty());
}

namespace {

std::string temp_dir() {
  fs::path dir = fs::path(KRDB_TEST_BUILD_DIR) / "dump-test-tmp";
  fs::create_directories(dir);
  return dir.string();
}

void write_prefix(const std::string& from, const std::string& to, size_t length) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> buf(length);
  in.read(buf.data(), std::streamsize(length));
  std::ofstream(to, std::ios::binary).write(buf.data(), in.gcount());
}

}  // namespace

TEST_CASE("dump: reports missing, empty and foreign files with their path", "[dump]") {
  auto missing = Dump::open("/nonexistent/vmcore");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::Io);
  CHECK(missing.error().context == "/nonexistent/vmcore");

  std::string empty = temp_dir() + "/empty.vmcore";
  std::ofstream(empty).close();
  auto e = Dump::open(empty);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().kind == ErrorKind::BadData);
  CHECK(e.error().context == empty);

  for (std::string foreign : {kFp + "System.map", kFp + "vmlinux", kFp + "serial-normal.log"}) {
    auto f = Dump::open(foreign);
    INFO(foreign);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().context == foreign);
    CHECK(f.error().message.find("not a crash dump") != std::string::npos);
  }
  auto dir = Dump::open(kFp);
  REQUIRE_FALSE(dir.has_value());
  CHECK(dir.error().context == kFp);
}

TEST_CASE("dump: fails cleanly on truncated copies of each dump", "[dump]") {
  for (const Fixture& f : fixtures()) {
    size_t size = fs::file_size(f.dump);
    for (size_t length : {size_t(64), size_t(1000), size_t(4096), size_t(8192), size_t(70000),
                          size_t(1) << 20, size / 2}) {
      std::string cut = temp_dir() + "/truncated";
      write_prefix(f.dump, cut, length);
      INFO(f.dump << " cut at " << length);
      auto d = Dump::open(cut);
      if (!d) {
        CHECK(d.error().context.find(cut) == 0);
        continue;
      }
      // libkdumpfile reads lazily: a prefix may open; reads past its end must be errors.
      auto offset = (*d)->kaslr_offset();
      auto vmlinux = open_elf(f.vmlinux);
      uint64_t banner = vmlinux->symbol_named("linux_banner")->address + offset.value_or(0);
      auto text = (*d)->read_cstring(banner, 1024);
      if (text) CHECK(text->starts_with("Linux version 6.12"));
      else CHECK(text.error().describe().find(cut) != std::string::npos);
    }
  }
}

TEST_CASE("dump: translates a QEMU ELF dump without VMCOREINFO through QEMU's CR3", "[dump]") {
  // The fixture with its VMCOREINFO note renamed: what dump-guest-memory writes for a guest
  // started without `-device vmcoreinfo`.
  std::string copy = temp_dir() + "/no-vmcoreinfo.elf";
  fs::copy_file(kFp + "builtin-kaslr.elf", copy, fs::copy_options::overwrite_existing);
  {
    std::fstream io(copy, std::ios::in | std::ios::out | std::ios::binary);
    std::string head(0x2000, '\0');
    io.read(head.data(), std::streamsize(head.size()));
    size_t at = head.find("VMCOREINFO");
    REQUIRE(at != std::string::npos);
    io.seekp(std::streamoff(at));
    io.write("XMCOREINFO", 10);
  }
  auto d = open_dump(copy);
  CHECK_FALSE(d->has_vmcoreinfo());
  CHECK(d->kaslr_offset().error().kind == ErrorKind::NotFound);
  CHECK_FALSE(d->build_id().has_value());
  CHECK(d->cpus().size() == 2);
  // The KASLR offset of this crash, measured on the same dump with its VMCOREINFO.
  auto text = d->read_cstring(system_map("linux_banner") + 0x3800000, 1024);
  INFO((text ? "" : text.error().describe()));
  REQUIRE(text.has_value());
  CHECK(text->starts_with("Linux version 6.12"));
  // KASLR found from the banner alone, and the banner check then passes.
  auto vmlinux = open_elf(kFp + "vmlinux");
  auto found = d->find_kaslr_offset(*vmlinux);
  INFO((found ? "" : found.error().describe()));
  CHECK(found.value_or(0) == 0x3800000);
  CHECK(d->check_vmlinux(*vmlinux).has_value());
  // Another kernel (the ORC build): its banner is at no KASLR offset; the check names both.
  auto other = open_elf(kOrc + "vmlinux.nodebug");
  auto not_found = d->find_kaslr_offset(*other);
  REQUIRE_FALSE(not_found.has_value());
  CHECK(not_found.error().kind == ErrorKind::NotFound);
  auto check = d->check_vmlinux(*other);
  REQUIRE_FALSE(check.has_value());
  INFO(check.error().describe());
  CHECK(check.error().describe().find("cannot check") != std::string::npos);
  // Forced onto that other kernel, the program opens with KASLR 0 — and says it assumed it.
  OpenOptions forced;
  forced.force = true;
  auto program = KernelProgram::open_dump(kOrc + "vmlinux", copy, forced);
  REQUIRE(program);
  CHECK((*program)->kaslr_offset() == 0);
  REQUIRE((*program)->warnings().size() == 1);
  CHECK((*program)->warnings()[0].message.find("KASLR offset not found") == 0);
  CHECK((*program)->warnings()[0].message.find("assuming 0") != std::string::npos);
  auto matched = KernelProgram::open_dump(kFp + "vmlinux", copy);  // the right kernel: no warning
  REQUIRE(matched);
  CHECK((*matched)->warnings().empty());
  CHECK((*matched)->kaslr_offset() == 0x3800000);
  fs::remove(copy);
}

namespace {

// `makedumpfile -F` output for `kdump`: the 4 KiB header, then the file in records of `chunk`
// bytes written back to front (the format lets records come in any order), then the end mark.
std::string flatten(const std::string& kdump, size_t chunk) {
  auto be = [](uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8) s[size_t(i)] = char(v & 0xff);
    return s;
  };
  std::string out = std::string("makedumpfile") + std::string(4, '\0') + be(1) + be(1);
  out.resize(4096, '\0');
  for (size_t end = kdump.size(); end > 0;) {
    size_t begin = end > chunk ? end - chunk : 0;
    out += be(begin) + be(end - begin) + kdump.substr(begin, end - begin);
    end = begin;
  }
  return out + be(~0ull) + be(~0ull);
}

}  // namespace

TEST_CASE("dump: makedumpfile's flattened format is rebuilt and reads as the kdump", "[dump]") {
  std::string kdump = krdb::test::slurp(kFp + "builtin-kaslr.d31.kdump");
  REQUIRE(kdump.size() > 100000);
  std::string flat = flatten(kdump, 65536 + 17);
  std::string path = temp_dir() + "/flattened.kdump";
  std::ofstream(path, std::ios::binary).write(flat.data(), std::streamsize(flat.size()));
  auto d = open_dump(path);
  auto ref = open_dump(kFp + "builtin-kaslr.d31.kdump");
  CHECK(d->format() == "diskdump");
  CHECK(d->build_id() == ref->build_id());
  CHECK(d->kaslr_offset().value_or(1) == 0x3800000);
  auto banner = d->vmcoreinfo().symbol("init_uts_ns");
  REQUIRE(banner);
  std::vector<uint8_t> a(512), b(512);
  REQUIRE(d->read(*banner, a));
  REQUIRE(ref->read(*banner, b));
  CHECK(a == b);

  // Cut inside a record, or before the end mark: an error naming the record, no crash.
  for (size_t cut : {size_t(4096 + 10), flat.size() / 2, flat.size() - 8}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(flat.data(), std::streamsize(cut));
    auto bad = Dump::open(path);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("flattened dump: record") != std::string::npos);
  }
  // A record placing data at an absurd offset.
  std::string absurd = flat.substr(0, 4096) + std::string("\x7f\0\0\0\0\0\0\0", 8) + std::string(7, '\0') + "\x10" +
                       std::string(16, 'x');
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(absurd.data(), std::streamsize(absurd.size()));
  auto far = Dump::open(path);
  REQUIRE_FALSE(far);
  CHECK(far.error().message.find("not a plausible dump") != std::string::npos);
  fs::remove(path);
}

TEST_CASE("dump: at dump level 1 only zero pages are missing, and they read as zeros", "[dump][makedumpfile]") {
  // makedumpfile -d 1 of the fixture's ELF dump, made here (program headers moved where
  // makedumpfile 1.7.2 looks for them, as the kit does). The contract holds through libkdumpfile
  // as it is: this test is what would notice if it stopped holding.
  fs::path tmp = fs::temp_directory_path() / ("krdb-d1-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  std::string fixed = (tmp / "fixed.elf").string(), d1 = (tmp / "d1.kdump").string();
  std::string cmd = "python3 '" + std::string(KRDB_SOURCE_DIR) + "/scripts/kernel-fixture/tools/elf_phdr_fixup.py' '" +
                    kFp + "builtin-kaslr.elf' '" + fixed + "' > /dev/null && makedumpfile -c -d 1 '" + fixed + "' '" +
                    d1 + "' > /dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  fs::remove(fixed);
  auto elf = open_dump(kFp + "builtin-kaslr.elf");
  auto level31 = open_dump(kFp + "builtin-kaslr.d31.kdump");
  auto level1 = open_dump(d1);
  CHECK_FALSE(elf->dump_level());
  CHECK(level31->dump_level() == 31);
  CHECK(level1->dump_level() == 1);
  std::vector<uint8_t> page(4096), probe(4096);
  size_t zero_pages = 0, kept_pages = 0;
  for (uint64_t paddr = 0x1000000; paddr < 0x8000000 && (zero_pages < 8 || kept_pages < 8); paddr += 4096) {
    if (!elf->read_physical(paddr, page) || level31->read_physical(paddr, probe)) continue;
    bool zero = std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; });
    // Filtered at level 31; at level 1 it is either kept (its contents) or a zero page (zeros).
    auto r = level1->read_physical(paddr, probe);
    INFO(std::hex << paddr);
    REQUIRE(r.has_value());
    CHECK(probe == page);
    (zero ? zero_pages : kept_pages)++;
  }
  CHECK(zero_pages >= 8);  // zero pages exist, were left out, and read as zeros
  CHECK(kept_pages >= 8);  // free/cache pages are in a level-1 dump
  fs::remove_all(tmp);
}

// Dumps whose headers ask libkdumpfile for absurd allocations (fuzzer finds, tests/data/
// fuzz-regressions): refused quickly with libkdumpfile's reason, the file named.
TEST_CASE("dump: headers that ask for absurd allocations are refused", "[dump]") {
  for (const char* name : {"dump-huge-strtab-40655af7.bin", "dump-huge-notes-55645b4f.bin",
                           "dump-kdump-huge-notes-20ec845b.bin"}) {
    std::string path = std::string(KRDB_SOURCE_DIR) + "/tests/data/fuzz-regressions/" + name;
    auto start = std::chrono::steady_clock::now();
    auto d = Dump::open(path);
    REQUIRE_FALSE(d);
    CHECK(d.error().context.find(path) == 0);
    CHECK(d.error().message.find("libkdumpfile") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
}
