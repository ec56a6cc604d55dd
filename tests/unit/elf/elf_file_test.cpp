// elf/: ElfFile against binutils' nm on the committed fixture kernels, and on bad input.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "krdb/elf/elf_file.h"

using namespace krdb;

namespace {

const std::string kData = KRDB_TEST_DATA_DIR;

// nm's defined text symbols with sizes: address -> names at that address.
std::multimap<uint64_t, std::pair<std::string, uint64_t>> nm_functions(const std::string& path) {
  std::multimap<uint64_t, std::pair<std::string, uint64_t>> out;
  std::string cmd = "nm -S --defined-only '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    std::istringstream in(line);
    std::string addr, size, type, name;
    if (!(in >> addr >> size >> type >> name)) continue;  // unsized symbols have no size column
    if (type != "T" && type != "t") continue;
    out.emplace(std::stoull(addr, nullptr, 16), std::make_pair(name, std::stoull(size, nullptr, 16)));
  }
  pclose(p);
  return out;
}

}  // namespace

TEST_CASE("ElfFile resolves every nm function of the fixture vmlinux", "[elf]") {
  for (std::string path : {kData + "/kernel-fp/vmlinux", kData + "/kernel-orc/vmlinux.nodebug"}) {
    INFO(path);
    auto elf = ElfFile::open(path);
    REQUIRE(elf.has_value());
    CHECK((*elf)->type() == 2);  // ET_EXEC
    CHECK((*elf)->build_id().has_value());
    CHECK((*elf)->build_id()->size() == 40);
    auto functions = nm_functions(path);
    REQUIRE(functions.size() > 10000);
    size_t checked = 0, wrong = 0;
    std::string first_wrong;
    for (auto it = functions.begin(); it != functions.end(); ++it) {
      auto [addr, entry] = *it;
      auto [name, size] = entry;
      for (uint64_t probe : {addr, addr + size / 2}) {
        auto m = (*elf)->symbol_at(probe);
        ++checked;
        // Any symbol starting at this address is right (aliases share addresses).
        bool ok = m && m->symbol->address == addr && m->offset == probe - addr;
        if (!ok && ++wrong <= 3)
          first_wrong += name + " at " + std::to_string(probe) + " -> " +
                         (m ? std::string(m->symbol->name) : std::string("nothing")) + "\n";
      }
    }
    INFO(first_wrong);
    CHECK(checked > 20000);
    CHECK(wrong == 0);
  }
}

TEST_CASE("ElfFile finds the fixture's Rust and C symbols by name and sections", "[elf]") {
  auto elf = ElfFile::open(kData + "/kernel-orc/vmlinux.nodebug");
  REQUIRE(elf.has_value());
  const ElfSymbol* walk = (*elf)->symbol_named("rust_crashme_c_walk");
  REQUIRE(walk);
  CHECK(walk->size > 0);
  auto m = (*elf)->symbol_at(walk->address + 3);
  REQUIRE(m);
  CHECK(m->symbol->name == "rust_crashme_c_walk");
  CHECK(m->offset == 3);
  CHECK((*elf)->section(".orc_unwind") != nullptr);
  CHECK((*elf)->section(".orc_unwind_ip") != nullptr);
  CHECK((*elf)->section(".debug_info") == nullptr);  // the ORC kit keeps no DWARF
}

TEST_CASE("ElfFile reports unreadable and malformed files with the path", "[elf]") {
  auto missing = ElfFile::open("/nonexistent/vmlinux");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::Io);
  CHECK(missing.error().context == "/nonexistent/vmlinux");

  std::string bad = std::string(KRDB_TEST_BUILD_DIR) + "/not-elf.bin";
  std::ofstream(bad) << "this is not an ELF file";
  auto notelf = ElfFile::open(bad);
  REQUIRE_FALSE(notelf.has_value());
  CHECK(notelf.error().kind == ErrorKind::BadData);
  CHECK(notelf.error().message.find("not an ELF file") != std::string::npos);

  // Truncated copies of a real ELF header must fail cleanly, never crash.
  std::ifstream src(kData + "/kernel-fp/rust_crashme_ko.ko", std::ios::binary);
  std::string ko((std::istreambuf_iterator<char>(src)), {});
  REQUIRE(ko.size() > 4096);
  std::string cut = std::string(KRDB_TEST_BUILD_DIR) + "/truncated.ko";
  for (size_t len : {4, 16, 63, 64, 200, 1000, 4096}) {
    std::ofstream(cut, std::ios::binary) << ko.substr(0, len);
    auto t = ElfFile::open(cut);
    if (t) CHECK((*t)->symbols().size() < 100000);  // libelf may accept a prefix: bounded result
    else CHECK(!t.error().message.empty());
  }
}
