// DebugInfo: the DWARF of one ELF file (vmlinux, a .ko, a user executable or library), read with
// libdwarf, for both C and Rust compile units.
// Contract:
// - open() reads only the CU headers and each CU's top DIE (name, producer, language, version,
//   address ranges). Everything else — scopes, inline trees, line tables, types — is parsed per CU
//   on first use and cached. Answers stay valid while the DebugInfo lives.
// - A relocatable file (.ko) has its debug sections relocated by krdb with every SHF_ALLOC section
//   placed at a synthetic address (section_address()); DWARF addresses are in that space.
// - Separate debug files: when the file has no .debug_info, open() follows its build-id
//   (/usr/lib/debug/.build-id/xx/yyyy.debug) and .gnu_debuglink (beside the file, .debug/, and
//   /usr/lib/debug/<dir>) as gdb does, and reads the DWARF from there.
// - Malformed DWARF never throws or crashes: a bad CU yields an Error for that CU (unit_errors()),
//   the others keep working; every chain and tree walk is bounded by Limits.
// Addresses are file addresses (for vmlinux: link-time addresses, i.e. runtime minus KASLR).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/base/limits.h"
#include "krdb/demangle/demangle.h"
#include "krdb/dwarf/language.h"
#include "krdb/dwarf/type.h"
#include "krdb/elf/elf_file.h"

namespace krdb {

struct AddressRange {
  uint64_t begin = 0, end = 0;  // [begin, end)
  bool contains(uint64_t a) const { return a >= begin && a < end; }
};

struct CompileUnit {
  uint64_t offset = 0;      // CU header offset in .debug_info
  uint64_t die_offset = 0;  // offset of its DW_TAG_compile_unit DIE
  std::string name, producer, comp_dir;
  uint16_t version = 0;     // DWARF version of the unit (rustc: 4, gcc 12: 5)
  uint32_t dw_lang = 0;     // raw DW_AT_language
  Language language = Language::Unknown;
  std::vector<AddressRange> ranges;
};

struct SourceLocation {
  std::string file;  // as DWARF names it (directory joined), empty when unknown
  uint32_t line = 0, column = 0;
  bool known() const { return line != 0; }
};

// A variable or parameter visible in a scope, with its DWARF location description.
struct LocationOp {
  uint8_t atom = 0;  // DW_OP_*
  uint64_t operand1 = 0, operand2 = 0, operand3 = 0;
};
struct LocationEntry {
  uint64_t begin = 0, end = UINT64_MAX;  // PC range where `ops` hold; everywhere for an exprloc
  std::vector<LocationOp> ops;           // the DWARF expression, decoded by libdwarf
};
struct Variable {
  std::string name;
  TypeId type = 0;
  bool parameter = false;
  std::vector<LocationEntry> location;  // empty: optimised out / no location
};

// One frame at an address: the concrete function, or one of the functions inlined into it.
struct FrameInfo {
  std::string name;          // DW_AT_name
  std::string linkage_name;  // mangled name, when DWARF has one
  std::string qualified;     // namespace path + name (Rust: "kernel::sync::arc::Arc::drop"), if known
  SourceLocation location;   // innermost: the line row of the address; outer: the inlined call site
  Language language = Language::Unknown;
  bool inlined = false;
  uint64_t die_offset = 0;   // the concrete DIE (subprogram or inlined_subroutine)
  uint64_t entry = 0;        // lowest address of that concrete instance
  // Filled only when asked (SymbolizeOptions::variables): the variables and parameters in
  // scope at the address — the function's own and those of the lexical blocks around the
  // address, outermost first — and the enclosing subprogram's DW_AT_frame_base.
  std::vector<Variable> variables;
  std::vector<LocationEntry> frame_base;

  // The name to show: the demangled linkage name in `form`, else DW_AT_name (C, and Rust
  // #[no_mangle] functions), else the qualified name.
  std::string display_name(DemangleForm form = DemangleForm::Short) const;
};

struct AddressInfo {
  uint64_t address = 0;
  std::vector<FrameInfo> frames;       // innermost first; empty when no DWARF covers the address
  const CompileUnit* unit = nullptr;   // CU covering the address
  std::optional<std::string> symbol;   // ELF symbol (fallback, and for files without DWARF)
  uint64_t symbol_offset = 0;
  Language language = Language::Unknown;  // of the innermost frame (or guessed from the symbol)
  std::vector<Error> warnings;         // parts that could not be read (bad CU, bad line table)

  // The innermost frame's display name, else the ELF symbol, else "??".
  std::string function_name(DemangleForm form = DemangleForm::Short) const;
};

struct SymbolizeOptions {
  bool variables = false;  // also collect each frame's variables and parameters
};

class DebugInfo {
 public:
  static Expected<std::unique_ptr<DebugInfo>> open(const std::string& path,
                                                   const Limits& limits = default_limits());
  ~DebugInfo();
  DebugInfo(const DebugInfo&) = delete;
  DebugInfo& operator=(const DebugInfo&) = delete;

  const ElfFile& elf() const;            // the file asked for (symbols, sections)
  const std::string& debug_path() const; // the file the DWARF came from (may be a separate one)
  bool has_dwarf() const;
  const std::vector<CompileUnit>& units() const;
  // CUs whose top DIE could not be read, or whose scopes/lines failed later.
  const std::vector<Error>& unit_errors() const;

  // For relocatable files: the synthetic address krdb gave a section; nullopt otherwise.
  std::optional<uint64_t> section_address(const std::string& section) const;

  // Everything known about one address. Never fails as a whole: missing DWARF falls back to the
  // ELF symbol; partial failures are in warnings.
  AddressInfo symbolize(uint64_t address, const SymbolizeOptions& options = {});
  // The call site (DW_TAG_call_site, or GCC's DW_TAG_GNU_call_site) inside the function whose
  // concrete DIE is at `function_die`, whose return address is `return_pc` (this file's
  // addresses): each register parameter's value at the call, as the expression DW_AT_call_value
  // gives it (to evaluate in the caller's frame). NotFound when the DWARF records no such call
  // site; the walk is bounded by max_die_depth and max_list_steps.
  struct CallSiteValue {
    unsigned dwarf_register = 0;
    std::vector<LocationEntry> value;
  };
  Expected<std::vector<CallSiteValue>> call_site_values(uint64_t function_die, uint64_t return_pc);
  // The ELF symbol at an address of this file's DWARF space (for a .ko, krdb's section layout:
  // its symbols' values are section offsets, so ElfFile::symbol_at cannot place them).
  std::optional<SymbolMatch> symbol_at(uint64_t address) const;
  // Reads ahead, on every core, what symbolize() needs for these addresses (the scope trees and
  // line tables of their units). Optional: answers are the same without it, only slower.
  void prefetch(std::span<const uint64_t> addresses);

  // Types (see type.h). find_type searches every CU by name: "task_struct", "struct list_head",
  // a Rust path "kernel::sync::arc::ArcInner<…>" or its last component — also as LLDB spells
  // a Rust generic ("Vec<unsigned char, …>" for rustc's "Vec<u8, …>", "> >").
  Expected<TypeId> find_type(const std::string& name);
  Expected<const Type*> type(TypeId id);
  // Follows typedefs and const/volatile to the underlying type.
  Expected<const Type*> strip_typedefs(TypeId id);
  // Builds the name index now (it is otherwise built by the first look-up by name): from then
  // on every Type read has its namespace path in `qualified`.
  Expected<void> index_names();
  // Starts building the name index on other threads now (hand scanning only; nothing else of
  // this DebugInfo is touched there), so it overlaps the caller's other work; the first look-up
  // by name waits for it. No effect when the index is built, cached, or already under way.
  void index_names_in_background();
  // Address of a global variable by name, from DWARF (DW_OP_addr) or the ELF symbol table.
  Expected<uint64_t> variable_address(const std::string& name);
  // A global variable's type (from DWARF), by name.
  Expected<TypeId> variable_type(const std::string& name);

  struct Impl;
  Impl& internals() { return *impl_; }  // for src/dwarf/ and its tests only

 private:
  DebugInfo() = default;
  std::unique_ptr<Impl> impl_;
};

// A type's name as C and Rust programmers write it: "struct list_head *", "const u32[4]",
// rustc's own names for Rust pointers ("&CrashmeState", "*mut T"); `qualified` gives Rust ADTs
// their path ("rust_crashme::CrashmeState"). Bounded nesting; an unreadable type reads "<error: …>".
std::string type_name(DebugInfo& info, TypeId id, bool qualified = false);

}  // namespace krdb
