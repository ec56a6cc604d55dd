// Language: the source language of a compile unit or frame, reduced to what krdb shows
// (C, Rust, assembly, C++, other), from DW_AT_language or, without DWARF, from the symbol.
#pragma once

#include <cstdint>
#include <string_view>

namespace krdb {

enum class Language : uint8_t { Unknown, C, Rust, Asm, Cxx, Other };

std::string_view to_string(Language language);  // "C", "Rust", "asm", "C++", "other", "?"
Language language_from_dwarf(uint32_t dw_lang);
// For frames without DWARF: Rust v0/legacy mangled names are Rust, everything else unknown.
Language language_from_symbol(std::string_view symbol_name);

}  // namespace krdb
