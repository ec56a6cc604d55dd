// Named limits on every walk over untrusted data (dumps, DWARF, kernel memory, mangled names).
// One struct holds them all; its defaults are the only place the numbers live. The CLI
// (--limit NAME=N) and the plugin (settings) override them by name through set_limit().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "krdb/base/error.h"

namespace krdb {

struct Limits {
  uint64_t max_frames = 1024;            // stack frames in one backtrace
  uint64_t max_list_steps = 100000;      // nodes of one kernel list / tree / ring walk
  uint64_t max_type_depth = 64;          // nesting of types while decoding or printing
  uint64_t max_dwarf_chain = 64;         // abstract_origin/specification hops from one DIE
  uint64_t max_dwarf_ops = 10000;        // operations in one DWARF expression or CFI program
  uint64_t max_die_depth = 256;          // nesting of DIEs walked in one compile unit
  uint64_t max_location_stack = 64;      // entries on a DWARF location expression's stack
  uint64_t max_string_bytes = 1 << 20;   // bytes read for one string from target memory
  uint64_t demangle_depth = 500;         // recursion depth of the Rust demangler (as rustc-demangle)
  uint64_t demangle_output = 1000000;    // bytes of output for one demangled symbol (rustc-demangle's MAX_SIZE)
  uint64_t max_printk_records = 1 << 20; // records of the printk ring buffer
  uint64_t max_cpus = 8192;              // CPUs (nr_cpu_ids, dump notes): x86-64's NR_CPUS maximum
  uint64_t max_module_symbols = 1 << 20; // symbols of one module's kallsyms (mod->kallsyms)
  uint64_t max_orc_entries = 1 << 22;    // entries of one module's ORC table read from memory
  uint64_t max_section_bytes = 1ull << 31; // one decompressed ELF section (SHF_COMPRESSED debug info)
  uint64_t max_log_bytes = 1ull << 28;   // bytes of one console log read by triage (256 MiB)
  uint64_t max_log_reports = 1000;       // crash reports kept from one console log
  uint64_t max_reads = 20000000;         // memory reads by one command (walks nested in walks)
  // The formatter layer (format/value.h), what one printed value may show and read:
  uint64_t format_children = 32;         // elements/entries/children shown per container
  uint64_t format_string_bytes = 256;    // bytes shown per string
  uint64_t format_depth = 8;             // nesting of values printed inside values
  uint64_t format_nodes = 10000;         // list/tree nodes visited per structure
  uint64_t format_value_bytes = 1 << 16; // bytes read for one value
};

struct LimitInfo {
  std::string_view name;
  uint64_t Limits::*field;
  std::string_view help;
};

// Every limit with its name and meaning, for `--limit` help and LLDB settings.
const std::vector<LimitInfo>& limit_table();

// Sets one limit by name ("max_frames=2048" or name + value); unknown names are a Usage error.
Expected<void> set_limit(Limits& limits, std::string_view name, uint64_t value);
Expected<void> set_limit(Limits& limits, std::string_view assignment);

// Process-wide defaults, read by code that was not handed an explicit Limits.
Limits& default_limits();

}  // namespace krdb
