// kernel/module_files: module debug info found without paths — by name in a directory tree, in
// every shipped form (.ko, .ko.xz, .ko.zst, .ko.debug), accepted only when its build-id is the
// loaded module's (read from the dump), a stale file refused with both ids.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "../support/test_data.h"
#include "krdb/elf/elf_file.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"

using namespace krdb;
using krdb::test::kData;
using krdb::test::kOrc;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("krdb-modules-" + std::to_string(::getpid()));
  Scratch() { fs::remove_all(dir); fs::create_directories(dir / "kernel" / "samples"); }
  ~Scratch() { fs::remove_all(dir); }
  void run(const std::string& cmd) { INFO(cmd); REQUIRE(std::system(cmd.c_str()) == 0); }
};

ModuleInfo loaded_module() {
  auto p = KernelProgram::open_dump(kOrc + "vmlinux", kOrc + "module-kaslr.d31.kdump");
  REQUIRE(p);
  ModuleList list = list_modules(**p);
  REQUIRE(list.modules.size() == 1);
  return list.modules[0];
}

ModuleFiles in_dir(const fs::path& dir) {
  ModuleFileOptions o;
  o.search_dirs = {dir.string()};
  o.system_dirs = false;
  return ModuleFiles(o);
}

}  // namespace

TEST_CASE("module files: the loaded module's build-id is the .ko's", "[kernel][dump][modules]") {
  ModuleInfo m = loaded_module();
  REQUIRE(m.build_id);
  auto ko = ElfFile::open(kOrc + "rust_crashme_ko.ko");
  REQUIRE(ko);
  REQUIRE((*ko)->build_id());
  CHECK(*m.build_id == *(*ko)->build_id());
  CHECK(m.orc);       // ORC kernel: the module's own table is in memory
  CHECK(m.kallsyms);  // and its symbols
  CHECK(ModuleFiles::module_name_of("rust-crashme_ko.ko.zst") == "rust_crashme_ko");
  CHECK(ModuleFiles::module_name_of("rust_crashme_ko.ko.debug") == "rust_crashme_ko");
  CHECK(ModuleFiles::module_name_of("vmlinux").empty());
}

TEST_CASE("module files: found by name in .ko, .ko.xz, .ko.zst and .ko.debug form", "[kernel][dump][modules]") {
  ModuleInfo m = loaded_module();
  const std::string ko = kOrc + "rust_crashme_ko.ko";
  for (const std::string form : {".ko", ".ko.xz", ".ko.zst", ".ko.debug"}) {
    INFO(form);
    Scratch s;
    fs::path target = s.dir / "kernel" / "samples" / ("rust_crashme_ko" + form);
    if (form == ".ko") s.run("cp '" + ko + "' '" + target.string() + "'");
    if (form == ".ko.xz") s.run("xz -c '" + ko + "' > '" + target.string() + "'");
    if (form == ".ko.zst") s.run("zstd -q -c '" + ko + "' > '" + target.string() + "'");
    if (form == ".ko.debug") s.run("objcopy --only-keep-debug '" + ko + "' '" + target.string() + "'");
    ModuleFiles files = in_dir(s.dir);
    DebugInfo* info = files.debug_info(m);
    REQUIRE(info);
    CHECK(info->has_dwarf());
    CHECK(files.path_of("rust_crashme_ko") == target.string());
    CHECK(files.warnings().empty());
  }
}

TEST_CASE("module files: a stale .ko is refused with both build-ids", "[kernel][dump][modules]") {
  ModuleInfo m = loaded_module();
  Scratch s;
  // The frame-pointer kit's build of the same module: same name, another build.
  s.run("cp '" + kData + "/kernel-fp/rust_crashme_ko.ko' '" + (s.dir / "rust_crashme_ko.ko").string() + "'");
  ModuleFiles files = in_dir(s.dir);
  CHECK(files.debug_info(m) == nullptr);
  REQUIRE(files.warnings().size() == 1);
  std::string why = files.warnings()[0].describe();
  CHECK_THAT(why, Catch::Contains("stale") && Catch::Contains(*m.build_id));
  CHECK(files.path_of("rust_crashme_ko").empty());
  // A corrupt .ko.xz beside it is a warning too, never a crash.
  s.run("head -c 300 '" + kOrc + "rust_crashme_ko.ko' | xz -c | head -c 100 > '" +
        (s.dir / "kernel" / "rust_crashme_ko.ko.xz").string() + "'");
  ModuleFiles again = in_dir(s.dir);
  CHECK(again.debug_info(m) == nullptr);
  CHECK(again.warnings().size() == 2);
}
