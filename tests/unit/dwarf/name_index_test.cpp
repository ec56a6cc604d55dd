// The name index: the hand-written scanner (src/dwarf/name_scan.cpp) against libdwarf's walk on
// every compile unit of the kits' vmlinuxes and modules, and the on-disk cache: used only for
// the same build-id, size and mtime, rebuilt when any differs or the file is corrupt.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../../../src/dwarf/debug_info_impl.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/index_cache.h"

using namespace krdb;
namespace fs = std::filesystem;

namespace {

std::string data(const std::string& name) { return std::string(KRDB_TEST_DATA_DIR) + "/" + name; }

// Each unit's entries, scanned and walked, must be the same list in the same order.
void compare_every_unit(const std::string& path) {
  auto info = DebugInfo::open(path);
  REQUIRE(info);
  DebugInfo::Impl& impl = (*info)->internals();
  auto sections = impl.name_scan_sections();
  REQUIRE(!sections.info.empty());
  size_t entries = 0, namespaced = 0;
  for (uint32_t u = 0; u < impl.units.size(); ++u) {
    auto scanned = dw::scan_unit_names(sections, impl.units[u].offset, impl.limits);
    auto walked = impl.walk_unit_names(u);
    INFO(path << " unit " << impl.units[u].name);
    REQUIRE(scanned);
    REQUIRE(walked);
    REQUIRE(scanned->entries.size() == walked->entries.size());
    for (size_t i = 0; i < scanned->entries.size(); ++i) {
      const auto& a = scanned->entries[i];
      const auto& b = walked->entries[i];
      INFO("entry " << i << " at " << a.offset);
      CHECK(a.kind == b.kind);
      CHECK(a.offset == b.offset);
      CHECK(a.declaration == b.declaration);
      CHECK(a.name == b.name);
      CHECK(a.qualified == b.qualified);
      namespaced += !a.qualified.empty();
    }
    entries += scanned->entries.size();
  }
  CHECK(impl.units.size() > 0);
  CHECK(entries > 0);
  // The kits hold Rust: a scanner that never descended into namespaces would pass the rest.
  CHECK(namespaced > 0);
}

struct CacheDir {
  fs::path dir = fs::temp_directory_path() / ("krdb-cache-test-" + std::to_string(getpid()));
  CacheDir() {
    fs::remove_all(dir);
    index_cache_settings().dir = dir.string();
    index_cache_settings().enabled = true;
  }
  ~CacheDir() {
    index_cache_settings().dir.clear();
    fs::remove_all(dir);
  }
  std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    if (fs::exists(dir))
      for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
  }
};

// Opens `path`, looks a type up, and says whether the index came from the cache.
bool index_from_cache(const std::string& path, const std::string& type, uint64_t* found = nullptr) {
  auto info = DebugInfo::open(path);
  REQUIRE(info);
  DebugInfo::Impl& impl = (*info)->internals();
  bool cached = impl.load_cached_index();
  impl.name_index_built = cached;  // else find_type builds (and stores) it
  auto id = (*info)->find_type(type);
  REQUIRE(id);
  if (found) *found = *id;
  return cached;
}

}  // namespace

TEST_CASE("the name scanner agrees with libdwarf on every unit of the ORC kit's vmlinux", "[dwarf]") {
  compare_every_unit(data("kernel-orc/vmlinux"));
}

TEST_CASE("the name scanner agrees with libdwarf on every unit of the FP kit's vmlinux", "[dwarf]") {
  compare_every_unit(data("kernel-fp/vmlinux"));
}

TEST_CASE("the name scanner agrees with libdwarf on relocated modules", "[dwarf]") {
  compare_every_unit(data("kernel-orc/rust_crashme_ko.ko"));
  compare_every_unit(data("kernel-fp/rust_crashme_ko.ko"));
}

TEST_CASE("the name cache is written once, then used for the same file", "[dwarf]") {
  CacheDir cache;
  uint64_t first = 0, second = 0;
  CHECK_FALSE(index_from_cache(data("kernel-orc/vmlinux"), "task_struct", &first));
  REQUIRE(cache.files().size() == 1);
  CHECK(cache.files()[0].filename().string().find(
            *ElfFile::open(data("kernel-orc/vmlinux")).value()->build_id()) != std::string::npos);
  CHECK(index_from_cache(data("kernel-orc/vmlinux"), "task_struct", &second));
  CHECK(first == second);
}

TEST_CASE("the name cache is not used when the vmlinux changed or is another build", "[dwarf]") {
  CacheDir cache;
  fs::path copy = cache.dir.string() + "-vmlinux";
  fs::copy_file(data("kernel-orc/vmlinux"), copy, fs::copy_options::overwrite_existing);
  CHECK_FALSE(index_from_cache(copy.string(), "task_struct"));
  CHECK(index_from_cache(copy.string(), "task_struct"));

  SECTION("a newer mtime invalidates it") {
    fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
    CHECK_FALSE(index_from_cache(copy.string(), "task_struct"));
    CHECK(index_from_cache(copy.string(), "task_struct"));  // rewritten for the new stamp
  }
  SECTION("another build-id never reads this build's cache") {
    // The FP kit's vmlinux is another build: its cache is its own file.
    CHECK_FALSE(index_from_cache(data("kernel-fp/vmlinux"), "task_struct"));
    CHECK(cache.files().size() == 2);
  }
  SECTION("a cache file with another build-id inside is refused") {
    // The ORC build's cache renamed to the FP build's name: the header's build-id differs.
    auto orc = cache.files().at(0);
    auto fp_id = *ElfFile::open(data("kernel-fp/vmlinux")).value()->build_id();
    fs::path forged = orc.parent_path() / ("names-v1-" + fp_id + ".krdbidx");
    fs::copy_file(orc, forged);
    CHECK_FALSE(index_from_cache(data("kernel-fp/vmlinux"), "task_struct"));
  }
  SECTION("a truncated or corrupt cache is ignored and rewritten") {
    auto file = cache.files().at(0);
    auto size = fs::file_size(file);
    fs::resize_file(file, size / 2);
    CHECK_FALSE(index_from_cache(copy.string(), "task_struct"));
    CHECK(fs::file_size(file) == size);
    {
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(std::streamoff(size - 4));
      f.put('X');
    }
    CHECK_FALSE(index_from_cache(copy.string(), "task_struct"));
    CHECK(index_from_cache(copy.string(), "task_struct"));
  }
  SECTION("disabled, it neither reads nor writes") {
    index_cache_settings().enabled = false;
    fs::remove_all(cache.dir);
    CHECK_FALSE(index_from_cache(copy.string(), "task_struct"));
    CHECK(cache.files().empty());
    index_cache_settings().enabled = true;
  }
  fs::remove(copy);
}
