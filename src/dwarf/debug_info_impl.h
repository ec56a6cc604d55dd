// DebugInfo's private state, shared by the files of src/dwarf/ (one per concern: units, scopes,
// lines, names, types, variables).
#pragma once

#include <map>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "krdb/dwarf/debug_info.h"
#include "libdwarf_api.h"
#include "die_reader.h"
#include "name_scan.h"
#include "object_access.h"

namespace krdb {

namespace dw {

struct LineRow {
  uint64_t address = 0;
  uint32_t line = 0, column = 0, file = 0;
};

struct LineSequence {
  uint64_t begin = 0, end = 0;
  std::vector<LineRow> rows;  // sorted by address
};

struct LineTable {
  std::vector<std::string> files;  // indexed as DW_AT_decl_file / DW_AT_call_file / rows number them
  std::vector<LineSequence> sequences;  // sorted by begin
  std::vector<uint64_t> max_end;        // max_end[i] = max end of sequences[0..i] (they may nest)
  const LineRow* find(uint64_t address) const;
  std::string file(uint32_t index) const { return index < files.size() ? files[index] : std::string(); }
};

// A function, inlined function or lexical block of one CU, with its address ranges.
struct Scope {
  uint64_t die_offset = 0;
  Dwarf_Half tag = 0;
  std::vector<AddressRange> ranges;
  uint32_t call_file = 0, call_line = 0, call_column = 0;
  int32_t parent = -1;
  std::vector<uint32_t> children;
  bool contains(uint64_t a) const {
    for (const auto& r : ranges) if (r.contains(a)) return true;
    return false;
  }
};

struct UnitData {
  bool scopes_loaded = false, lines_loaded = false;
  uint64_t base = 0;  // the CU's DW_AT_low_pc, base of DWARF 4 range lists
  std::optional<uint64_t> stmt_list;  // DW_AT_stmt_list, when the unit table was read by hand
  // The unit's header and abbreviations for DieReader, made on first use (unit_reader()).
  std::shared_ptr<UnitHeader> header;
  std::shared_ptr<AbbrevTable> abbrevs;
  std::vector<Scope> scopes;
  struct TopRange { AddressRange range; uint32_t scope; };
  std::vector<TopRange> top;  // ranges of outermost scopes (subprograms), sorted by begin
  LineTable lines;
  std::unordered_map<uint64_t, std::string> qualified;  // DIE offset -> namespace path + name
};

struct NameInfo {
  std::string name, linkage, qualified;
};

}  // namespace dw

struct DebugInfo::Impl {
  Limits limits;
  std::unique_ptr<ElfFile> elf;        // the file asked for
  std::unique_ptr<ElfFile> debug_elf;  // separate debug file, if any
  std::unique_ptr<dw::ObjectAccess> access;
  Dwarf_Debug dbg = nullptr;
  std::string debug_path;
  std::vector<CompileUnit> units;
  std::vector<dw::UnitData> unit_data;
  std::vector<Error> unit_errors;
  struct CuRange { AddressRange range; uint32_t unit; };
  std::vector<CuRange> cu_ranges;  // sorted by begin

  std::unordered_map<uint64_t, dw::NameInfo> names;           // by DIE offset
  std::unordered_map<TypeId, std::unique_ptr<Type>> types;    // by DIE offset
  std::unordered_set<TypeId> types_loading;  // recursion guard for malformed type graphs
  bool name_index_built = false;
  // String-keyed maps searchable by string_view without a copy.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  template <typename T>
  using NameMapOf = std::unordered_map<std::string, T, NameHash, std::equal_to<>>;
  using NameMap = NameMapOf<std::vector<TypeId>>;
  NameMap type_index;                        // name and qualified name
  // Rust type names in a spelling-neutral form (see spelling_key in type_index.cpp) → the
  // type_index key: LLDB and GDB rebuild generic names with C names and spaces. Built on first use.
  NameMapOf<std::string> spelling_index;
  bool spelling_index_built = false;
  NameMapOf<uint64_t> variable_index;        // global variable DIEs
  std::unordered_map<uint64_t, std::string> type_qualified;             // from the name index walk

  ~Impl();
  const ElfFile& dwarf_elf() const { return debug_elf ? *debug_elf : *elf; }

  // units.cpp
  Expected<void> load_units();   // scan_units(), else walk_units()
  Expected<void> scan_units();   // by hand (die_reader.h)
  Expected<void> walk_units();   // through libdwarf
  void index_unit_ranges();
  int unit_for_address(uint64_t address) const;
  int unit_for_offset(uint64_t die_offset) const;
  // scopes.cpp (through libdwarf) and scope_scan.cpp (by hand, checked against it)
  Expected<void> load_scopes(uint32_t unit);
  Expected<void> walk_scopes(uint32_t unit);
  Expected<void> scan_scopes(uint32_t unit, dw::UnitData& out);
  static void sort_top(dw::UnitData& data);
  // lines.cpp (through libdwarf) and line_scan.cpp (by hand, checked against it)
  Expected<void> load_lines(uint32_t unit);
  Expected<void> walk_lines(uint32_t unit, dw::LineTable& out);
  Expected<void> scan_lines(uint32_t unit, dw::LineTable& out);
  static void index_line_table(dw::LineTable& table);  // sorts sequences, fills max_end
  // A sequence ends: its rows sorted, kept unless empty or discarded (address 0 in a linked file).
  void finish_sequence(dw::LineTable& table, dw::LineSequence& seq) const;
  // names.cpp
  const dw::NameInfo& names_of(uint64_t die_offset);
  dw::NameInfo compute_names(uint64_t die_offset, bool by_hand);  // by_hand=false: libdwarf only
  // One hop of names_of by hand: name, linkage name and the next DIE of the chain (0: none).
  Expected<void> read_names(uint32_t unit, uint64_t die_offset, dw::NameInfo& info, uint64_t& next);
  // A reader over `unit` sharing the unit's cached abbreviations (die_reader.h).
  Expected<dw::DieReader> unit_reader(uint32_t unit);
  // type_index.cpp / types.cpp
  Expected<void> build_name_index();
  // The index being built: units scanned by hand (on worker threads, no libdwarf) and merged
  // in unit order as they become ready, by one thread; a unit the scanner could not read stops
  // that merge and is walked by libdwarf on the owning thread (finish_name_index).
  struct NameIndexBuild {
    explicit NameIndexBuild(size_t units) : scanned(units), ready(new std::atomic<bool>[units]()) {}
    dw::RawSections sections;  // copied before any thread starts
    std::vector<std::optional<Expected<dw::UnitNames>>> scanned;
    std::unique_ptr<std::atomic<bool>[]> ready;  // scanned[i] is written (release/acquire)
    std::atomic<size_t> next_scan{0};            // the next unit no thread has claimed
    NameMap types;
    NameMapOf<uint64_t> variables;
    std::unordered_map<uint64_t, std::string> qualified;
    std::unordered_set<TypeId> declarations;
    size_t merged = 0;  // units merged so far, in order
  };
  bool scan_next_unit(NameIndexBuild& build);         // thread-safe: claims and scans one unit
  void scan_queued_units(NameIndexBuild& build);      // thread-safe: claims units until none is left
  void scan_and_merge_names(NameIndexBuild& build);   // workers scan; this thread merges in order
  void finish_name_index(NameIndexBuild& build);      // the rest (libdwarf), then publish
  dw::RawSections raw_sections();  // read once, before any worker thread
  dw::RawSections raw;
  bool raw_sections_read = false;
  Expected<dw::UnitNames> walk_unit_names(uint32_t unit);  // through libdwarf
  // index_cache.cpp: the index on disk (krdb/dwarf/index_cache.h)
  // index_cache.cpp: the name index and the unit table, cached per build-id.
  std::optional<std::string> cache_path(std::string_view kind) const;
  std::optional<std::vector<uint8_t>> read_cache(std::string_view kind) const;
  void write_cache(std::string_view kind, const std::string& body) const;
  bool load_cached_index();
  void store_cached_index() const;
  bool load_cached_units();
  void store_cached_units() const;
  Expected<const Type*> load_type(TypeId id);
  Expected<void> read_children(const dw::Die& die, Type& t);
  Expected<void> read_variant_part(const dw::Die& die, Type& t);
  // variables.cpp
  std::vector<Variable> variables_of(uint64_t scope_die);
  std::vector<LocationEntry> frame_base_of(uint64_t subprogram_die);

  std::thread cache_writer;  // store_cached_index() after a first build; joined by ~Impl

  // Last member, so it is destroyed (its thread joined) before anything the thread reads.
  struct BackgroundNames {
    explicit BackgroundNames(size_t units) : build(units) {}
    NameIndexBuild build;
    std::thread thread;
    ~BackgroundNames() { if (thread.joinable()) thread.join(); }
  };
  std::unique_ptr<BackgroundNames> background_names;
};

}  // namespace krdb
