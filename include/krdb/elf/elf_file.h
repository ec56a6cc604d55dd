// ElfFile: an ELF object (vmlinux, a .ko, a user executable or library) opened read-only through
// libelf (mmap). It answers what does not need DWARF: the file type, sections, the GNU build-id,
// and address -> ELF symbol (the fallback when an address has no debug info, and the only names
// a vmlinux without DWARF has).
// Contract: open() never throws; a malformed file is an Error naming the file and what is wrong.
// Symbols are the defined FUNC/OBJECT/NOTYPE symbols of .symtab (or .dynsym when stripped),
// sorted by address; lookups are O(log n).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "krdb/base/error.h"

struct Elf;  // libelf's handle (typedef struct Elf Elf in libelf.h)

namespace krdb {

struct ElfSection {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0, address = 0, offset = 0, size = 0;
  uint32_t link = 0, info = 0;         // sh_link, sh_info (relocation target for SHT_RELA)
  uint64_t entsize = 0, addralign = 0;
  uint32_t index = 0;                  // ELF section index (sections()[i].index == i + 1)
};

struct ElfSymbol {
  std::string_view name;  // into the file's string table: valid while its ElfFile lives
  uint64_t address = 0, size = 0;
  uint8_t type = 0, bind = 0;  // STT_*, STB_*
  uint16_t section = 0;        // section index (for .ko: relative to that section)
};

struct ElfLoad {  // a PT_LOAD program header
  uint64_t vaddr = 0, memsz = 0, offset = 0, filesz = 0;
};

struct SymbolMatch {
  const ElfSymbol* symbol = nullptr;
  uint64_t offset = 0;  // address - symbol->address
};

class ElfFile {
 public:
  static Expected<std::unique_ptr<ElfFile>> open(const std::string& path);
  ~ElfFile();
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  const std::string& path() const { return path_; }
  uint16_t type() const { return type_; }  // ET_EXEC, ET_DYN, ET_REL
  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfLoad>& loads() const { return loads_; }  // PT_LOADs in header order
  const ElfSection* section(const std::string& name) const;
  // The raw bytes of a section as stored in the file (no relocations applied); empty for
  // SHT_NOBITS or a missing section. Valid while the ElfFile lives.
  std::span<const uint8_t> section_data(const std::string& name) const;
  std::span<const uint8_t> section_data(const ElfSection& section) const;
  const std::vector<ElfSymbol>& symbols() const { return symbols_; }
  // Lower-case hex of NT_GNU_BUILD_ID, if the file has one.
  const std::optional<std::string>& build_id() const { return build_id_; }

  // The sized symbol containing `address`, else the nearest preceding symbol (a label, or
  // padding after a function) when the address is inside that symbol's section; nullopt
  // otherwise.
  std::optional<SymbolMatch> symbol_at(uint64_t address) const;
  // The highest symbol at or below `address` in the same section, sized or not: what the
  // kernel's kallsyms names an address by (an assembly label inside a function wins, e.g.
  // entry_SYSCALL_64_after_hwframe inside entry_SYSCALL_64).
  std::optional<SymbolMatch> nearest_symbol(uint64_t address) const;
  // For relocatable files, whose symbol values are section offsets: the symbol of section
  // `section_index` that contains `offset` (else the nearest preceding one in that section).
  std::optional<SymbolMatch> symbol_in_section(uint32_t section_index, uint64_t offset) const;
  // First symbol with this exact name.
  const ElfSymbol* symbol_named(const std::string& name) const;
  // The NUL-terminated text a data symbol points at in the file (linux_banner), at most
  // max_bytes; NotFound when there is no such symbol or its section has no contents.
  Expected<std::string> symbol_string(const std::string& name, size_t max_bytes) const;

 private:
  ElfFile() = default;
  std::string path_;
  int fd_ = -1;
  ::Elf* elf_ = nullptr;
  uint16_t type_ = 0;
  std::span<const uint8_t> image_;  // the whole file, mapped by libelf
  std::vector<ElfSection> sections_;
  std::vector<ElfLoad> loads_;
  std::vector<ElfSymbol> symbols_;
  std::optional<std::string> build_id_;
};

}  // namespace krdb
