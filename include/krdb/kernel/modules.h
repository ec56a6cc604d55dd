// Loaded modules: name, state, the memory regions of struct module's mem[] (text, data, …,
// named by the kernel's own enum mod_mem_type from DWARF) and, when sysfs section attributes
// exist, each ELF section's load address — what placing a .ko's debug info needs.
// Contract: the list walk is bounded and cycle-checked; a corrupt entry ends it with
// `truncated` and keeps the modules read so far.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "krdb/kernel/program.h"

namespace krdb {

struct ModuleRegion {
  std::string kind;  // "MOD_TEXT", "MOD_DATA", … (enumerator names)
  uint64_t base = 0, size = 0;
};

struct ModuleSection {
  std::string name;  // ".text", ".init.text", …
  uint64_t address = 0;
};

struct ModuleInfo {
  uint64_t address = 0;  // struct module *
  std::string name;
  uint64_t state = 0;    // MODULE_STATE_LIVE = 0, COMING = 1, GOING = 2, UNFORMED = 3
  std::vector<ModuleRegion> regions;
  std::vector<ModuleSection> sections;
  std::vector<Error> errors;  // parts that could not be read
  // The region containing an address (e.g. a frame's pc).
  const ModuleRegion* region_of(uint64_t address) const;
};

struct ModuleList {
  std::vector<ModuleInfo> modules;
  std::optional<Error> truncated;
};

ModuleList list_modules(KernelProgram& program);
std::string_view module_state_name(uint64_t state);

}  // namespace krdb
