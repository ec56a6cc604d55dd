// DebugInfo on the user-space fixture: compile units of both languages, separate debug files
// (.gnu_debuglink and build-id), variables with location descriptions, generic parameters.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "krdb/dwarf/debug_info.h"

using namespace krdb;

namespace {

std::string fixture(const std::string& name) {
  return std::string(KRDB_TEST_BUILD_DIR) + "/fixtures/mixed/" + name;
}

uint64_t symbol(DebugInfo& info, const std::string& name) {
  const ElfSymbol* s = info.elf().symbol_named(name);
  REQUIRE(s);
  return s->address;
}

}  // namespace

TEST_CASE("compile units of C and Rust, with their DWARF versions", "[dwarf][mixed]") {
  auto info = DebugInfo::open(fixture("mixed-v0"));
  REQUIRE(info);
  bool rust = false, c = false;
  for (const auto& cu : (*info)->units()) {
    if (cu.name.find("mixed.rs") != std::string::npos && cu.language == Language::Rust) { rust = true; CHECK(cu.version == 4); }
    if (cu.name.ends_with("main.c")) { c = true; CHECK(cu.language == Language::C); CHECK(cu.version == 5); }
  }
  CHECK(rust);
  CHECK(c);
}

TEST_CASE("a stripped binary finds its DWARF through .gnu_debuglink and build-id", "[dwarf][mixed]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("krdb-debuglink-" + std::to_string(getpid()));
  fs::create_directories(dir / "root");
  std::string bin = (dir / "mixed").string(), dbg = (dir / "mixed.debug").string();
  std::string cmd = "objcopy --only-keep-debug " + fixture("mixed-v0") + " " + dbg +
                    " && objcopy --strip-debug --add-gnu-debuglink=" + dbg + " " +
                    fixture("mixed-v0") + " " + bin;
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto info = DebugInfo::open(bin);
  REQUIRE(info);
  CHECK((*info)->has_dwarf());
  CHECK((*info)->debug_path() == dbg);
  AddressInfo ai = (*info)->symbolize(symbol(**info, "rust_crash") + 4);
  REQUIRE_FALSE(ai.frames.empty());
  CHECK(ai.frames.back().location.file.ends_with("mixed.rs"));

  // By build-id under a debug root, the way distributions install -dbg packages.
  auto plain = ElfFile::open(bin);
  REQUIRE(plain);
  REQUIRE((*plain)->build_id());
  std::string id = *(*plain)->build_id();
  fs::create_directories(dir / "root" / ".build-id" / id.substr(0, 2));
  fs::rename(dbg, dir / "root" / ".build-id" / id.substr(0, 2) / (id.substr(2) + ".debug"));
  setenv("KRDB_DEBUG_ROOT", (dir / "root").c_str(), 1);
  auto by_id = DebugInfo::open(bin);
  unsetenv("KRDB_DEBUG_ROOT");
  REQUIRE(by_id);
  CHECK((*by_id)->has_dwarf());
  CHECK((*by_id)->debug_path().find(".build-id") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("variables and parameters of a frame, with locations", "[dwarf][mixed]") {
  auto info = DebugInfo::open(fixture("mixed-v0"));
  REQUIRE(info);
  AddressInfo ai = (*info)->symbolize(symbol(**info, "rust_visit") + 8, {.variables = true});
  REQUIRE_FALSE(ai.frames.empty());
  const FrameInfo& outer = ai.frames.back();
  CHECK(outer.name == "rust_visit");
  bool st = false, i = false;
  for (const Variable& v : outer.variables) {
    if (v.name == "st") { st = true; CHECK(v.parameter); CHECK_FALSE(v.location.empty()); }
    if (v.name == "i") { i = true; CHECK(v.parameter); }
  }
  CHECK(st);
  CHECK(i);
}

TEST_CASE("generic parameters of Rust types", "[dwarf][mixed]") {
  auto info = DebugInfo::open(fixture("mixed-v0"));
  REQUIRE(info);
  auto state = (*info)->type(*(*info)->find_type("mixed::State"));
  REQUIRE(state);
  const Member* shared = (*state)->member("shared");
  REQUIRE(shared);
  auto arc = (*info)->type(shared->type);
  REQUIRE(arc);
  REQUIRE_FALSE((*arc)->template_params.empty());
  CHECK((*arc)->template_params[0].name == "T");
  auto t = (*info)->type((*arc)->template_params[0].type);
  REQUIRE(t);
  CHECK((*t)->name.starts_with("Vec<u32"));
}
