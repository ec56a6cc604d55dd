// ObjectAccess: presents an ElfFile's sections to libdwarf through its object-access interface
// instead of letting libdwarf open the file itself, because krdb must (1) relocate the debug
// sections of a relocatable .ko with its own synthetic section layout — libdwarf's built-in
// relocation leaves every section at address 0, so .text and .init.text addresses collide —,
// (2) decompress SHF_COMPRESSED sections, and (3) serve sections without copying from the mmap.
#pragma once

#include <libdwarf/libdwarf.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/elf/elf_file.h"

namespace krdb::dw {

class ObjectAccess {
 public:
  explicit ObjectAccess(const ElfFile& elf);
  Dwarf_Obj_Access_Interface* interface() { return &iface_; }
  std::optional<uint64_t> section_address(const std::string& name) const;
  // The bytes of a section as libdwarf sees them (decompressed, relocated), loading it if
  // needed; empty when the file has no such section or it could not be loaded. Valid while this
  // object lives. Not thread-safe: call before sharing the bytes with worker threads.
  std::span<const uint8_t> section_data(const std::string& name);
  // Relocatable files: the allocated section holding a synthetic address, and the offset in it.
  std::optional<std::pair<uint32_t, uint64_t>> section_offset(uint64_t address) const;
  // Checks the unit headers of the DWARF 5 table sections every CU shares (.debug_addr,
  // .debug_rnglists, .debug_loclists, .debug_str_offsets) before libdwarf sees them: libdwarf
  // 20210528 crashes on some malformed ones (double free, null dereference — found by krdb's
  // corruption tests), so a file whose tables are malformed is read without DWARF.
  Expected<void> validate_tables();
  // Problems met while loading sections (bad relocation, bad compression header).
  const std::vector<Error>& warnings() const { return warnings_; }

 private:
  struct Section {
    const ElfSection* elf = nullptr;  // null for index 0
    uint64_t address = 0;             // synthetic for ET_REL alloc sections
    uint64_t size = 0;                // decompressed size
    std::span<const uint8_t> data;    // what libdwarf reads
    std::vector<uint8_t> owned;       // decompressed and/or relocated copy
    bool loaded = false;
    bool usable = false;              // loaded, and decompressed/relocated without error
  };
  static int get_section_info(void* obj, Dwarf_Half index, Dwarf_Obj_Access_Section* out, int* err);
  static Dwarf_Endianness get_byte_order(void*) { return DW_OBJECT_LSB; }
  static Dwarf_Small get_length_size(void*) { return 4; }
  static Dwarf_Small get_pointer_size(void*) { return 8; }
  static Dwarf_Unsigned get_section_count(void* obj);
  static int load_section(void* obj, Dwarf_Half index, Dwarf_Small** data, int* err);
  static int relocate_a_section(void*, Dwarf_Half, Dwarf_Debug, int*) { return DW_DLV_NO_ENTRY; }

  void layout_relocatable();
  bool load(Section& s);
  bool decompress(Section& s);
  void apply_relocations(Section& s);

  const ElfFile& elf_;
  std::vector<Section> sections_;
  std::vector<Error> warnings_;
  Dwarf_Obj_Access_Methods methods_{};
  Dwarf_Obj_Access_Interface iface_{};
};

}  // namespace krdb::dw
