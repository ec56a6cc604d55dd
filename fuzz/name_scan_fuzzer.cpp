// Fuzz target for the hand-written name scanner (src/dwarf/name_scan.cpp), straight over raw
// section bytes so that mutations hit DIEs and abbreviations rather than ELF headers:
//   u32 size of .debug_info, u32 size of .debug_abbrev, u32 size of .debug_str_offsets,
//   then those sections, then .debug_str (also serving as .debug_line_str).
// Every unit the bytes chain to is scanned; it must return entries or an Error, never crash or
// hang. Seeds: the first units of the kit module (scripts/fuzz.sh name_scan).
#include <cstring>

#include "../src/dwarf/name_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 12) return 0;
  uint32_t n[3];
  std::memcpy(n, data, 12);
  std::span<const uint8_t> rest(data + 12, size - 12);
  krdb::dw::RawSections s;
  std::span<const uint8_t>* parts[3] = {&s.info, &s.abbrev, &s.str_offsets};
  for (int i = 0; i < 3; ++i) {
    size_t take = std::min<size_t>(n[i], rest.size());
    *parts[i] = rest.first(take);
    rest = rest.subspan(take);
  }
  s.str = s.line_str = rest;
  krdb::Limits limits;
  limits.max_die_depth = 64;
  for (uint64_t offset = 0, units = 0; offset + 4 <= s.info.size() && units < 64; ++units) {
    auto names = krdb::dw::scan_unit_names(s, offset, limits);
    if (names) for (const auto& e : names->entries) (void)e.name.size();
    uint32_t length = 0;
    std::memcpy(&length, s.info.data() + offset, 4);
    if (length == 0 || length >= 0xfffffff0) break;
    offset += 4 + uint64_t(length);
  }
  return 0;
}
