// User-space cores (the mixed fixture's gcore files) and their unwinding: the notes read right,
// CFI rows from .eh_frame and the kernel's .debug_frame, and damaged cores (truncated, notes
// claiming absurd counts, a deleted executable) ending in Errors or partial traces, never crashes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "../support/test_data.h"
#include "krdb/dwarf/cfi.h"
#include "krdb/elf/elf_file.h"
#include "krdb/process/user_backtrace.h"

using namespace krdb;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return std::string(KRDB_TEST_BUILD_DIR) + "/fixtures/mixed/" + name;
}

std::string write_copy(const std::string& bytes, const std::string& name) {
  std::string path = std::string(KRDB_TEST_BUILD_DIR) + "/" + name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

const CoreThread& crashed(const UserCore& core) {
  for (const auto& t : core.threads())
    if (t.signal) return t;
  FAIL("no thread got a signal");
  return core.threads().front();
}

}  // namespace

TEST_CASE("user core: threads, signal, command and mapped files of the mixed fixture", "[mixed][process]") {
  auto core = UserCore::open(fixture("mixed-v0.core"));
  INFO((core ? "" : core.error().describe()));
  REQUIRE(core);
  CHECK((*core)->command() == "mixed-v0");
  REQUIRE((*core)->threads().size() >= 1);
  const CoreThread& t = crashed(**core);
  CHECK(t.signal == 11);  // SIGSEGV from the write through a null pointer
  CHECK(t.registers.has(Reg::rip));
  CHECK(t.registers.has(Reg::rsp));
  const CoreMapping* exe = (*core)->mapping_of(t.registers.pc());
  REQUIRE(exe);
  CHECK(fs::path(exe->path).filename() == "mixed-v0");
  // The code at pc is readable, and it is the executable's own bytes.
  std::vector<uint8_t> code(16);
  REQUIRE((*core)->read(t.registers.pc(), code));
  CHECK(UserCore::is_user_core(fixture("mixed-v0.core")));
  CHECK_FALSE(UserCore::is_user_core(krdb::test::kFp + "builtin-kaslr.d31.kdump"));
  CHECK_FALSE(UserCore::is_user_core(fixture("mixed-v0")));  // an executable, not a core
}

TEST_CASE("CFI: .eh_frame rows of user code and .debug_frame rows of the kernel", "[mixed][process]") {
  auto exe = ElfFile::open(fixture("mixed-v0"));
  REQUIRE(exe);
  auto cfi = CallFrameInfo::open(**exe, nullptr);
  REQUIRE(cfi);
  const ElfSymbol* main_fn = (*exe)->symbol_named("main");
  REQUIRE(main_fn);
  auto entry = (*cfi)->row_at(main_fn->address);
  REQUIRE(entry);
  REQUIRE(*entry);
  // At a function's first instruction: CFA = rsp + 8, return address at CFA - 8.
  CHECK((*entry)->from_eh_frame);
  CHECK((*entry)->cfa.kind == CfiRuleKind::Register);
  CHECK((*entry)->cfa.reg == uint16_t(Reg::rsp));
  CHECK((*entry)->cfa.offset == 8);
  CHECK((*entry)->regs[size_t(Reg::rip)].kind == CfiRuleKind::Offset);
  CHECK((*entry)->regs[size_t(Reg::rip)].offset == -8);
  auto none = (*cfi)->row_at(0x10);
  REQUIRE(none);
  CHECK_FALSE(*none);

  auto vmlinux = ElfFile::open(krdb::test::kFp + "vmlinux");
  REQUIRE(vmlinux);
  auto kcfi = CallFrameInfo::open(**vmlinux, nullptr);
  REQUIRE(kcfi);
  CHECK_FALSE((*kcfi)->empty());
  const ElfSymbol* panic_fn = (*vmlinux)->symbol_named("panic");
  REQUIRE(panic_fn);
  auto row = (*kcfi)->row_at(panic_fn->address);
  REQUIRE(row);
  REQUIRE(*row);
  CHECK_FALSE((*row)->from_eh_frame);
  CHECK((*row)->cfa.reg == uint16_t(Reg::rsp));
}

TEST_CASE("user core: a truncated core keeps its headers' promises as Faults", "[mixed][process]") {
  std::string bytes = krdb::test::slurp(fixture("mixed-v0.core"));
  REQUIRE(bytes.size() > 0x20000);
  // Cut inside the PT_LOAD data: the notes (at the end) are gone, so the open fails naming it.
  auto cut = UserCore::open(write_copy(bytes.substr(0, bytes.size() / 2), "truncated.core"));
  REQUIRE_FALSE(cut);
  CHECK(cut.error().describe().find("truncated") != std::string::npos);
  // Empty and non-ELF files.
  CHECK_FALSE(UserCore::open(write_copy("", "empty.core")));
  CHECK_FALSE(UserCore::open(write_copy(std::string(4096, 'x'), "garbage.core")));
}

TEST_CASE("user core: corrupted notes and stacks end in errors or partial traces", "[mixed][process]") {
  std::string bytes = krdb::test::slurp(fixture("mixed-v0.core"));
  for (int round = 0; round < 40; ++round) {
    std::string copy = bytes;
    uint32_t seed = 2654435761u * uint32_t(round + 1);
    // Scribble over the note segment (the core's last 0x4b48 bytes: threads, NT_FILE, …).
    for (int k = 0; k < 64; ++k) {
      seed = seed * 1103515245u + 12345u;
      size_t pos = copy.size() - 1 - (seed % 0x4b48);
      copy[pos] = char(seed >> 16);
    }
    std::string path = write_copy(copy, "scribbled.core");
    auto core = UserCore::open(path);
    if (!core) {
      CHECK_FALSE(core.error().message.empty());
      CHECK(core.error().context.rfind(path, 0) == 0);  // every open error names the file first
      continue;
    }
    UserBacktraceOptions options;
    options.files["mixed-v0"] = fixture("mixed-v0");
    UserUnwinder unwinder(**core, options);
    for (const CoreThread& t : (*core)->threads()) {
      Backtrace bt = unwinder.backtrace(t);
      CHECK(bt.frames.size() <= options.limits.max_frames + 1);
      CHECK_FALSE(bt.end.empty());
    }
  }
}

TEST_CASE("user backtrace: the executable moved away — frames named by mapping, walk bounded", "[mixed][process]") {
  auto core = UserCore::open(fixture("mixed-v0.core"));
  REQUIRE(core);
  UserBacktraceOptions options;
  options.files["mixed-v0"] = "/nonexistent/mixed-v0";
  UserUnwinder unwinder(**core, options);
  Backtrace bt = unwinder.backtrace(crashed(**core));
  REQUIRE_FALSE(bt.frames.empty());
  REQUIRE(bt.frames[0].where.symbol);
  CHECK(*bt.frames[0].where.symbol == "[mixed-v0]");
  REQUIRE_FALSE(unwinder.warnings().empty());
  CHECK(unwinder.warnings()[0].describe().find("/nonexistent/mixed-v0") != std::string::npos);
  // Frame pointers still walk the executable's frames (built with them) into libc and beyond.
  CHECK(bt.frames.size() >= 5);

  UserUnwinder good(**core, {});
  Backtrace full = good.backtrace(crashed(**core));
  CHECK(full.complete);
  CHECK(full.frames.size() == 10);  // physical frames: 12 with the two inlined ones (see LLDB test)
}
