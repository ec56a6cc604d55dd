#include "krdb/dwarf/load_map.h"

namespace krdb {

void LoadMap::add(uint64_t file_start, uint64_t size, uint64_t runtime_start) {
  if (size) ranges_.push_back({file_start, size, runtime_start});
}

// A module has a few dozen sections: a linear search is the fastest there is.
uint64_t LoadMap::runtime(uint64_t file_address) const {
  for (const Range& r : ranges_)
    if (file_address >= r.file && file_address - r.file < r.size) return r.runtime + (file_address - r.file);
  return file_address + slide_;
}

std::optional<uint64_t> LoadMap::file_in_section(uint64_t runtime_address) const {
  for (const Range& r : ranges_)
    if (runtime_address >= r.runtime && runtime_address - r.runtime < r.size) return r.file + (runtime_address - r.runtime);
  return std::nullopt;
}

uint64_t LoadMap::file(uint64_t runtime_address) const {
  return file_in_section(runtime_address).value_or(runtime_address - slide_);
}

}  // namespace krdb
