#include "krdb/dwarf/language.h"

#include <libdwarf/dwarf.h>

namespace krdb {

std::string_view to_string(Language language) {
  switch (language) {
    case Language::C: return "C";
    case Language::Rust: return "Rust";
    case Language::Asm: return "asm";
    case Language::Cxx: return "C++";
    case Language::Other: return "other";
    case Language::Unknown: break;
  }
  return "?";
}

Language language_from_dwarf(uint32_t dw_lang) {
  switch (dw_lang) {
    case DW_LANG_C89: case DW_LANG_C: case DW_LANG_C99: case DW_LANG_C11:
    case 0x2c:  // DW_LANG_C17 (DWARF 6 draft; gcc 12 emits it with -std=gnu17 in v5 mode)
      return Language::C;
    case DW_LANG_Rust: return Language::Rust;
    case DW_LANG_Mips_Assembler: return Language::Asm;
    case DW_LANG_C_plus_plus: case DW_LANG_C_plus_plus_03: case DW_LANG_C_plus_plus_11:
    case DW_LANG_C_plus_plus_14: return Language::Cxx;
    case 0: return Language::Unknown;
    default: return Language::Other;
  }
}

Language language_from_symbol(std::string_view name) {
  if (name.starts_with("_R")) return Language::Rust;
  // Legacy Rust mangling: _ZN…17h<16 hex>E.
  if (name.starts_with("_ZN") && name.size() > 20 && name.back() == 'E' &&
      name.substr(name.size() - 20, 3) == "17h")
    return Language::Rust;
  return Language::Unknown;
}

}  // namespace krdb
