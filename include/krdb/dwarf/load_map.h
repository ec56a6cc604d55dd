// Where a debug file's link-time addresses (ELF symbols, DWARF's DW_OP_addr and pc ranges) are
// at run time. A vmlinux moves as one piece: the KASLR slide. A module's .ko moves section by
// section: krdb lays a relocatable file's sections out one after the other (dwarf/object_access),
// and the module loader put each somewhere else (the kernel's sect_attrs).
// Contract:
// - runtime() and file() are inverse on the ranges added; a range is a whole section.
// - An address outside every range moves by the default slide (0 for a module map, whose
//   addresses outside its sections name nothing): never an error, so a location that points
//   outside the file's sections still yields an address the memory read will judge.
// - A LoadMap made from a slide (implicitly) is that slide everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace krdb {

class LoadMap {
 public:
  LoadMap(uint64_t slide = 0) : slide_(slide) {}  // NOLINT(google-explicit-constructor): a slide is a map
  // A section of `size` bytes at `file_start` in the file and `runtime_start` at run time.
  void add(uint64_t file_start, uint64_t size, uint64_t runtime_start);
  uint64_t runtime(uint64_t file_address) const;
  uint64_t file(uint64_t runtime_address) const;
  // The section range holding a runtime address, as its file address; nullopt outside them.
  std::optional<uint64_t> file_in_section(uint64_t runtime_address) const;
  bool sectioned() const { return !ranges_.empty(); }

 private:
  struct Range {
    uint64_t file = 0, size = 0, runtime = 0;
  };
  std::vector<Range> ranges_;
  uint64_t slide_ = 0;
};

}  // namespace krdb
