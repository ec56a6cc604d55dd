// Malformed DWARF: corrupted and truncated copies of real files must give Errors for the bad
// parts while everything else keeps working — never a crash (run under ASan/UBSan) or a hang.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "krdb/dwarf/debug_info.h"
#include "krdb/elf/elf_file.h"

using namespace krdb;

namespace {

const std::string kModule = std::string(KRDB_TEST_DATA_DIR) + "/kernel-fp/rust_crashme_ko.ko";

std::vector<char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string write_temp(const std::vector<char>& bytes, const std::string& name) {
  auto path = std::filesystem::temp_directory_path() / ("krdb-" + name + "-" + std::to_string(getpid()));
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path.string();
}

// Opens and uses a file the way the commands do; returns how many addresses got DWARF frames.
size_t exercise(const std::string& path) {
  auto info = DebugInfo::open(path);
  if (!info) {
    CHECK(info.error().context.find(path) != std::string::npos);  // the error names the file
    return 0;
  }
  size_t with_frames = 0;
  for (const auto& cu : (*info)->units())
    for (const auto& r : cu.ranges)
      for (uint64_t a = r.begin; a < r.end && a < r.begin + 0x400; a += 7)
        with_frames += !(*info)->symbolize(a, {.variables = true}).frames.empty();
  for (const char* name : {"rust_crashme_ko::KoState", "module", "Option<u32>"})
    if (auto id = (*info)->find_type(name)) (void)(*info)->type(*id);
  for (const auto& e : (*info)->unit_errors()) CHECK_FALSE(e.message.empty());
  return with_frames;
}

std::pair<uint64_t, uint64_t> section_range(const std::string& path, const std::string& name) {
  auto elf = ElfFile::open(path);
  REQUIRE(elf);
  const ElfSection* s = (*elf)->section(name);
  REQUIRE(s);
  return {s->offset, s->size};
}

}  // namespace

TEST_CASE("the intact module symbolizes (baseline for the corruption tests)", "[dwarf]") {
  CHECK(exercise(kModule) > 100);
}

TEST_CASE("random byte corruption of .debug_info never crashes", "[dwarf]") {
  auto original = slurp(kModule);
  auto [offset, size] = section_range(kModule, ".debug_info");
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 40; ++round) {
    auto bytes = original;
    for (int i = 0; i < 16; ++i) bytes[offset + rng() % size] = char(rng());
    std::string path = write_temp(bytes, "corrupt");
    INFO("round " << round);
    (void)exercise(path);
    std::filesystem::remove(path);
  }
}

TEST_CASE("corrupting .debug_abbrev and .debug_line gives partial results", "[dwarf]") {
  for (const char* section : {".debug_abbrev", ".debug_line", ".debug_rnglists", ".debug_addr"}) {
    auto bytes = slurp(kModule);
    auto [offset, size] = section_range(kModule, section);
    for (uint64_t i = 0; i < size; i += 3) bytes[offset + i] = char(0xff);
    std::string path = write_temp(bytes, "sect");
    INFO(section);
    (void)exercise(path);
    std::filesystem::remove(path);
  }
}

TEST_CASE("truncated copies: an Error naming the file, or partial DWARF", "[dwarf]") {
  auto original = slurp(kModule);
  for (size_t cut : {size_t(0), size_t(16), size_t(64), original.size() / 8, original.size() / 3,
                     original.size() / 2, original.size() - 1024}) {
    std::vector<char> bytes(original.begin(), original.begin() + std::ptrdiff_t(cut));
    std::string path = write_temp(bytes, "trunc");
    INFO("cut at " << cut);
    (void)exercise(path);
    std::filesystem::remove(path);
  }
}

TEST_CASE("a file without DWARF falls back to ELF symbols", "[dwarf]") {
  auto info = DebugInfo::open(std::string(KRDB_TEST_DATA_DIR) + "/kernel-orc/vmlinux.nodebug");
  REQUIRE(info);
  CHECK_FALSE((*info)->has_dwarf());
  const ElfSymbol* s = (*info)->elf().symbol_named("rust_helper_BUG");
  REQUIRE(s);
  AddressInfo ai = (*info)->symbolize(s->address + 1);
  CHECK(ai.frames.empty());
  CHECK(ai.function_name() == "rust_helper_BUG");
  CHECK(ai.symbol_offset == 1);
  auto t = (*info)->find_type("task_struct");
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == ErrorKind::NotFound);
}

TEST_CASE("a CU whose base section is missing is skipped with an error (fuzz regression)", "[dwarf]") {
  // Renaming .debug_addr in the section name table hides it; libdwarf 20210528 crashed on the
  // CU's DW_AT_addr_base look-ups (fuzz/dwarf_fuzzer found it).
  for (const char* section : {".debug_addr", ".debug_rnglists", ".debug_str_offsets"}) {
    auto bytes = slurp(kModule);
    std::string name = section;
    std::string needle(name.c_str(), name.size() + 1);  // with its NUL: exact name
    auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    REQUIRE(at != bytes.end());
    at[1] = 'x';  // ".xebug_…"
    std::string path = write_temp(bytes, "nosect");
    INFO(section);
    auto info = DebugInfo::open(path);
    REQUIRE(info);
    bool reported = false;
    for (const auto& e : (*info)->unit_errors()) reported |= e.message.find(section) != std::string::npos;
    CHECK(reported);
    (void)exercise(path);
    std::filesystem::remove(path);
  }
}

TEST_CASE("a compressed section claiming an absurd size is refused before any allocation", "[dwarf]") {
  // The module with its DWARF compressed (SHF_COMPRESSED, ELFCOMPRESS_ZLIB), as distributions ship it.
  std::string gabi = write_temp({}, "gabi.ko");
  std::string cmd = "objcopy --compress-debug-sections=zlib-gabi '" + kModule + "' '" + gabi + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  size_t baseline = exercise(gabi);
  CHECK(baseline > 0);  // decompressed and symbolized
  CHECK(baseline == exercise(kModule));
  // Elf64_Chdr.ch_size of .debug_info (8 bytes in) now claims 6 GiB: below what krdb once
  // accepted (16 GiB), far above what its compressed bytes can expand to.
  auto [offset, size] = section_range(gabi, ".debug_info");
  REQUIRE(size > 24);
  auto bytes = slurp(gabi);
  uint64_t huge = 6ull << 30;
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  std::memcpy(bytes.data() + offset + 8, &huge, 8);
  std::string bad = write_temp(bytes, "gabi-huge.ko");
  auto info = DebugInfo::open(bad);
  if (info) {
    CHECK((*info)->units().empty());  // no DWARF from that section
  } else {
    CHECK(info.error().context.find(bad) != std::string::npos);
  }
  CHECK(exercise(bad) == 0);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  CHECK(after.ru_maxrss - before.ru_maxrss < 256 * 1024);  // KiB: nothing near 6 GiB was touched
  std::filesystem::remove(gabi);
  std::filesystem::remove(bad);
}
