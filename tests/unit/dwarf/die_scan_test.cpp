// The hand-written DIE scanners (src/dwarf/die_reader.h) against their libdwarf twins on every
// compile unit of the kits' vmlinuxes and modules — the name index and the scope trees — and the
// name index's on-disk cache: used only for the same build-id, size and mtime, rebuilt when any
// differs or the file is corrupt.
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
void compare_every_unit(const std::string& path, bool has_rust = true) {
  auto info = DebugInfo::open(path);
  REQUIRE(info);
  DebugInfo::Impl& impl = (*info)->internals();
  auto sections = impl.raw_sections();
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
  if (has_rust) CHECK(namespaced > 0);
}

// Each unit's scope tree, scanned and walked, must be identical.
void compare_every_scope_tree(const std::string& path, bool has_rust = true) {
  auto info = DebugInfo::open(path);
  REQUIRE(info);
  DebugInfo::Impl& impl = (*info)->internals();
  size_t scopes = 0, inlined = 0, qualified = 0;
  for (uint32_t u = 0; u < impl.units.size(); ++u) {
    INFO(path << " unit " << impl.units[u].name);
    dw::UnitData scanned;
    scanned.base = impl.unit_data[u].base;
    auto ok = impl.scan_scopes(u, scanned);
    if (!ok) FAIL(ok.error().describe());
    DebugInfo::Impl::sort_top(scanned);
    REQUIRE(impl.walk_scopes(u));
    const dw::UnitData& walked = impl.unit_data[u];
    REQUIRE(scanned.scopes.size() == walked.scopes.size());
    for (size_t i = 0; i < scanned.scopes.size(); ++i) {
      const auto& a = scanned.scopes[i];
      const auto& b = walked.scopes[i];
      INFO("scope " << i << " at " << a.die_offset);
      CHECK(a.die_offset == b.die_offset);
      CHECK(a.tag == b.tag);
      CHECK(a.parent == b.parent);
      CHECK(a.children == b.children);
      CHECK((a.call_file == b.call_file && a.call_line == b.call_line && a.call_column == b.call_column));
      REQUIRE(a.ranges.size() == b.ranges.size());
      for (size_t k = 0; k < a.ranges.size(); ++k)
        CHECK((a.ranges[k].begin == b.ranges[k].begin && a.ranges[k].end == b.ranges[k].end));
      inlined += a.tag == DW_TAG_inlined_subroutine;
    }
    REQUIRE(scanned.top.size() == walked.top.size());
    for (size_t i = 0; i < scanned.top.size(); ++i) {
      CHECK(scanned.top[i].scope == walked.top[i].scope);
      CHECK(scanned.top[i].range.begin == walked.top[i].range.begin);
    }
    CHECK(scanned.qualified == walked.qualified);
    // Frame names: by hand and through libdwarf, for every scope of the unit.
    for (const auto& scope : scanned.scopes) {
      auto a = impl.compute_names(scope.die_offset, true);
      auto b = impl.compute_names(scope.die_offset, false);
      if (a.name != b.name || a.linkage != b.linkage || a.qualified != b.qualified)
        FAIL("names of DIE " << scope.die_offset << ": " << a.name << "/" << a.linkage << " vs "
                             << b.name << "/" << b.linkage);
    }
    scopes += scanned.scopes.size();
    qualified += scanned.qualified.size();
  }
  CHECK(scopes > 0);
  CHECK(inlined > 0);
  if (has_rust) CHECK(qualified > 0);  // Rust subprograms inside namespaces
}

// The unit table, scanned (what open() used) and walked, must be identical.
void compare_unit_tables(const std::string& path) {
  auto info = DebugInfo::open(path);
  REQUIRE(info);
  DebugInfo::Impl& impl = (*info)->internals();
  REQUIRE(impl.scan_units());
  auto scanned = impl.units;
  auto scanned_data = impl.unit_data;
  impl.units.clear();
  impl.unit_data.clear();
  REQUIRE(impl.walk_units());
  REQUIRE(scanned.size() == impl.units.size());
  for (size_t i = 0; i < scanned.size(); ++i) {
    const auto& a = scanned[i];
    const auto& b = impl.units[i];
    INFO(path << " unit " << b.name);
    CHECK(a.offset == b.offset);
    CHECK(a.die_offset == b.die_offset);
    CHECK(a.name == b.name);
    CHECK(a.producer == b.producer);
    CHECK(a.comp_dir == b.comp_dir);
    CHECK(a.version == b.version);
    CHECK(a.dw_lang == b.dw_lang);
    CHECK(scanned_data[i].base == impl.unit_data[i].base);
    REQUIRE(a.ranges.size() == b.ranges.size());
    for (size_t k = 0; k < a.ranges.size(); ++k)
      CHECK((a.ranges[k].begin == b.ranges[k].begin && a.ranges[k].end == b.ranges[k].end));
  }
  CHECK(scanned.size() > 0);
}

// Each unit's line table, run by hand and read through libdwarf, must be identical.
void compare_line_tables(const std::string& path) {
  auto info = DebugInfo::open(path);
  REQUIRE(info);
  DebugInfo::Impl& impl = (*info)->internals();
  size_t rows = 0;
  for (uint32_t u = 0; u < impl.units.size(); ++u) {
    INFO(path << " unit " << impl.units[u].name);
    dw::LineTable scanned, walked;
    auto ok = impl.scan_lines(u, scanned);
    if (!ok) FAIL(ok.error().describe());
    REQUIRE(impl.walk_lines(u, walked));
    CHECK(scanned.files == walked.files);
    REQUIRE(scanned.sequences.size() == walked.sequences.size());
    for (size_t i = 0; i < scanned.sequences.size(); ++i) {
      const auto& a = scanned.sequences[i];
      const auto& b = walked.sequences[i];
      INFO("sequence " << i << " at " << a.begin);
      CHECK((a.begin == b.begin && a.end == b.end));
      REQUIRE(a.rows.size() == b.rows.size());
      for (size_t k = 0; k < a.rows.size(); ++k) {
        const auto& x = a.rows[k];
        const auto& y = b.rows[k];
        if (x.address != y.address || x.line != y.line || x.column != y.column || x.file != y.file)
          FAIL("row " << k << ": " << x.address << " " << x.line << ":" << x.column << " f" << x.file
                      << " vs " << y.address << " " << y.line << ":" << y.column << " f" << y.file);
      }
      rows += a.rows.size();
    }
  }
  CHECK(rows > 0);
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
  // The cache files of one kind ("names", "units"), in no particular order.
  std::vector<fs::path> files(const std::string& kind = "names") const {
    std::vector<fs::path> out;
    if (fs::exists(dir))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().starts_with(kind + "-")) out.push_back(e.path());
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

TEST_CASE("the unit table read by hand equals libdwarf's on both kits and their modules", "[dwarf]") {
  for (const char* f : {"kernel-orc/vmlinux", "kernel-fp/vmlinux", "kernel-orc/rust_crashme_ko.ko",
                        "kernel-fp/rust_crashme_ko.ko"})
    compare_unit_tables(data(f));
}

TEST_CASE("line tables run by hand equal libdwarf's on both kits and their modules", "[dwarf]") {
  for (const char* f : {"kernel-orc/vmlinux", "kernel-fp/vmlinux", "kernel-orc/rust_crashme_ko.ko",
                        "kernel-fp/rust_crashme_ko.ko"})
    compare_line_tables(data(f));
}

TEST_CASE("the scope scanner agrees with libdwarf on every unit of both kits' vmlinuxes", "[dwarf]") {
  compare_every_scope_tree(data("kernel-orc/vmlinux"));
  compare_every_scope_tree(data("kernel-fp/vmlinux"));
}

TEST_CASE("the scope scanner agrees with libdwarf on relocated modules", "[dwarf]") {
  compare_every_scope_tree(data("kernel-orc/rust_crashme_ko.ko"));
  compare_every_scope_tree(data("kernel-fp/rust_crashme_ko.ko"));
}

// Distro-size check, run by hand or by bench/symbolize.sh: KRDB_DISTRO_VMLINUX=path.
TEST_CASE("both scanners agree with libdwarf on a distribution vmlinux", "[dwarf][distro]") {
  const char* path = std::getenv("KRDB_DISTRO_VMLINUX");
  if (!path || !*path) { WARN("KRDB_DISTRO_VMLINUX not set: skipped"); return; }
  compare_unit_tables(path);
  compare_every_unit(path, false);  // Debian's kernels are built without Rust
  compare_every_scope_tree(path, false);
  compare_line_tables(path);
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
    CHECK(cache.files("units").empty());
    index_cache_settings().enabled = true;
  }
  fs::remove(copy);
}

// The unit table is cached too (units-v1-<build-id>): a later open reads it instead of every
// CU's top DIE, and gets the very table a scan gives.
TEST_CASE("the unit-table cache gives the scanned table, and only for the same file", "[dwarf]") {
  CacheDir cache;
  fs::path copy = cache.dir.string() + "-vmlinux-units";
  fs::copy_file(data("kernel-fp/vmlinux"), copy, fs::copy_options::overwrite_existing);
  auto scanned = DebugInfo::open(copy.string());  // scans, and writes the cache
  REQUIRE(scanned);
  REQUIRE(cache.files("units").size() == 1);
  auto cached = DebugInfo::open(copy.string());
  REQUIRE(cached);
  CHECK((*cached)->internals().load_cached_units());
  const auto& a = (*scanned)->units();
  const auto& b = (*cached)->units();
  REQUIRE(a.size() == b.size());
  for (size_t u = 0; u < a.size(); ++u) {
    INFO("unit " << u);
    CHECK(a[u].offset == b[u].offset);
    CHECK(a[u].die_offset == b[u].die_offset);
    CHECK(a[u].name == b[u].name);
    CHECK(a[u].producer == b[u].producer);
    CHECK(a[u].comp_dir == b[u].comp_dir);
    CHECK(a[u].version == b[u].version);
    CHECK(a[u].language == b[u].language);
    REQUIRE(a[u].ranges.size() == b[u].ranges.size());
    for (size_t r = 0; r < a[u].ranges.size(); ++r) {
      CHECK(a[u].ranges[r].begin == b[u].ranges[r].begin);
      CHECK(a[u].ranges[r].end == b[u].ranges[r].end);
    }
    CHECK((*scanned)->internals().unit_data[u].stmt_list == (*cached)->internals().unit_data[u].stmt_list);
    CHECK((*scanned)->internals().unit_data[u].base == (*cached)->internals().unit_data[u].base);
  }
  // The same look-ups through either.
  for (uint64_t pc : {uint64_t(0xffffffff81000000), uint64_t(0xffffffff81200123)}) {
    auto x = (*scanned)->symbolize(pc), y = (*cached)->symbolize(pc);
    CHECK(x.function_name() == y.function_name());
  }
  SECTION("a changed file or a corrupt cache is not used") {
    auto file = cache.files("units").at(0);
    fs::resize_file(file, fs::file_size(file) - 3);
    auto reopened = DebugInfo::open(copy.string());
    REQUIRE(reopened);
    CHECK(reopened.value()->units().size() == a.size());  // scanned again, cache rewritten
    CHECK((*reopened)->internals().load_cached_units());
    fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
    CHECK_FALSE((*cached)->internals().load_cached_units());  // the cache names the old mtime
    auto touched = DebugInfo::open(copy.string());               // scans, rewrites it
    REQUIRE(touched);
    CHECK((*touched)->internals().load_cached_units());
  }
  fs::remove(copy);
}
