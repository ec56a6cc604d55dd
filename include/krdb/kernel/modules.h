// Loaded modules: name, state, the memory regions of struct module's mem[] (text, data, …,
// named by the kernel's own enum mod_mem_type from DWARF), when sysfs section attributes exist
// each ELF section's load address (what placing a .ko's debug info needs), where the module's
// own ORC table and kallsyms live in memory, and its GNU build-id (read from its loaded
// .note.gnu.build-id section), so a .ko on disk can be checked against it.
// Contract: the list walk is bounded and cycle-checked; a corrupt entry ends it with
// `truncated` and keeps the modules read so far. Optional parts a kernel may lack (ORC,
// kallsyms, build-id) are left empty; the ones that exist but cannot be read go to `errors`.
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

// mod->arch.orc_unwind_ip / orc_unwind / num_orcs (CONFIG_UNWINDER_ORC): the module's ORC
// table as unwind_module_init() left it (sorted, ips relative to their own address).
struct ModuleOrc {
  uint64_t ip = 0, orc = 0, count = 0;
};

// mod->kallsyms (struct mod_kallsyms): Elf64_Sym symtab[num], strtab, typetab (nm letters).
struct ModuleKallsyms {
  uint64_t symtab = 0, strtab = 0, typetab = 0, count = 0;
};

struct ModuleInfo {
  uint64_t address = 0;  // struct module *
  std::string name;
  uint64_t state = 0;    // MODULE_STATE_LIVE = 0, COMING = 1, GOING = 2, UNFORMED = 3
  std::vector<ModuleRegion> regions;
  std::vector<ModuleSection> sections;
  std::optional<ModuleOrc> orc;
  std::optional<ModuleKallsyms> kallsyms;
  std::optional<std::string> build_id;  // lower-case hex, as ElfFile::build_id()
  std::vector<Error> errors;  // parts that could not be read
  // The region containing an address (e.g. a frame's pc).
  const ModuleRegion* region_of(uint64_t address) const;
  const ModuleSection* section(std::string_view name) const;
};

// A function symbol of a module's kallsyms: the one at or below an address.
struct ModuleSymbol {
  std::string name;
  uint64_t address = 0;
};
// The nearest text symbol ('t'/'T') at or below `address` in the module's kallsyms; NotFound
// when none is, errors when the table cannot be read. Bounded by Limits::max_module_symbols.
Expected<ModuleSymbol> module_symbol_at(KernelProgram& program, const ModuleInfo& module, uint64_t address);

struct ModuleList {
  std::vector<ModuleInfo> modules;
  std::optional<Error> truncated;
};

ModuleList list_modules(KernelProgram& program);
std::string_view module_state_name(uint64_t state);

}  // namespace krdb
