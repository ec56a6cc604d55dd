#include "krdb/dwarf/type.h"

#include <cstring>

#include <fmt/format.h>

namespace krdb {

std::string_view to_string(TypeKind kind) {
  switch (kind) {
    case TypeKind::Void: return "void";
    case TypeKind::Base: return "base";
    case TypeKind::Struct: return "struct";
    case TypeKind::Union: return "union";
    case TypeKind::Enum: return "enum";
    case TypeKind::Pointer: return "pointer";
    case TypeKind::Reference: return "reference";
    case TypeKind::Array: return "array";
    case TypeKind::Typedef: return "typedef";
    case TypeKind::Const: return "const";
    case TypeKind::Volatile: return "volatile";
    case TypeKind::Function: return "function";
    case TypeKind::Unknown: break;
  }
  return "unknown";
}

const Member* Type::member(std::string_view name) const {
  for (const auto& m : members)
    if (m.name == name) return &m;
  return nullptr;
}

namespace {

uint64_t mask(uint64_t v, uint64_t bytes) {
  return bytes >= 8 ? v : v & ((uint64_t(1) << (bytes * 8)) - 1);
}

}  // namespace

Expected<size_t> active_variant(const VariantPart& part, std::span<const uint8_t> value) {
  if (!part.discriminant) {
    if (part.variants.size() == 1) return size_t(0);
    return Error(ErrorKind::BadData, "enum has several variants but no discriminant");
  }
  uint64_t size = part.discriminant_size;
  uint64_t offset = part.discriminant->offset;
  if (size == 0 || size > 16)
    return Error(ErrorKind::Unsupported, fmt::format("discriminant of {} bytes", size));
  if (offset > value.size() || value.size() - offset < size)
    return Error(ErrorKind::BadData,
                 fmt::format("value of {} bytes too short for a discriminant at offset {}",
                             value.size(), offset));
  // A 128-bit discriminant: DWARF values are 64-bit, compare the low half and require the
  // high half to be zero (rustc never emits larger discriminant values in DWARF).
  uint64_t raw = 0;
  std::memcpy(&raw, value.data() + offset, size > 8 ? 8 : size);
  uint64_t tag = mask(raw, size);
  std::optional<size_t> fallback;
  for (size_t i = 0; i < part.variants.size(); ++i) {
    const auto& ranges = part.variants[i].discriminants;
    if (ranges.empty()) { fallback = i; continue; }
    for (const auto& r : ranges)
      if (tag >= mask(r.low, size) && tag <= mask(r.high, size)) return i;
  }
  if (fallback) return *fallback;
  return Error(ErrorKind::NotFound,
               fmt::format("discriminant {:#x} matches no variant (corrupt value?)", tag));
}

}  // namespace krdb
