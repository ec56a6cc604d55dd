// Fuzz target for kernel/module_files: arbitrary bytes as a compressed module file
// (rust_crashme_ko.ko.xz or .ko.zst, by the first byte) found by name in a search directory and
// decompressed (liblzma, libzstd) into memory, then opened as ELF/DWARF and checked against a
// build-id. Must end in a DebugInfo or a warning — never crash, and never hold more than the
// decompression bound in memory.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "krdb/kernel/module_files.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("krdb-fuzz-modules-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  if (size == 0) return 0;
  bool xz = data[0] & 1;
  fs::remove(dir / "rust_crashme_ko.ko.xz");
  fs::remove(dir / "rust_crashme_ko.ko.zst");
  fs::path file = dir / (xz ? "rust_crashme_ko.ko.xz" : "rust_crashme_ko.ko.zst");
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(data + 1), std::streamsize(size - 1));
  krdb::ModuleFileOptions options;
  options.search_dirs = {dir.string()};
  options.system_dirs = false;
  krdb::ModuleFiles files(options);
  krdb::ModuleInfo module;
  module.name = "rust_crashme_ko";
  module.build_id = "f5fc3815f009627fc87e7d736ebf8d415c8d3120";
  krdb::DebugInfo* info = files.debug_info(module);
  if (!info && files.warnings().empty()) abort();  // a refusal always says why
  return 0;
}
