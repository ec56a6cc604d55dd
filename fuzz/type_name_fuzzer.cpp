// Fuzz target for type names from outside: DebugInfo::find_type with any spelling (LLDB hands
// the formatters rebuilt Rust generic names: "Vec<unsigned char, …> >", "Atomic<T *>"), then a
// type path (dwarf/type_path.h) from what was found to the module's KVec element type. Each must
// answer or fail within its bounds (kMaxSpellingDepth, kMaxTypePathVisits).
// Data: KRDB_FUZZ_DATA (default build/tests/data/kernel-orc) holds rust_crashme_ko.ko.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/type_path.h"

namespace {

struct Module {
  std::unique_ptr<krdb::DebugInfo> info;
  krdb::TypeId pair = 0;
};

Module& module() {
  static Module m = [] {
    Module m;
    const char* env = std::getenv("KRDB_FUZZ_DATA");
    std::string path = std::string(env ? env : "build/tests/data/kernel-orc") + "/rust_crashme_ko.ko";
    auto info = krdb::DebugInfo::open(path);
    if (!info) { fprintf(stderr, "type_name_fuzzer: %s (set KRDB_FUZZ_DATA)\n", info.error().describe().c_str()); abort(); }
    m.info = std::move(*info);
    auto pair = m.info->find_type("rust_crashme_ko::Pair");
    if (pair) m.pair = *pair;
    return m;
  }();
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Module& m = module();
  std::string name(reinterpret_cast<const char*>(data), size);
  auto found = m.info->find_type(name);
  if (found && m.pair) (void)krdb::type_path(*m.info, *found, m.pair);
  return 0;
}
