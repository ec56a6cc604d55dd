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

using Wide = unsigned __int128;

Wide mask(Wide v, uint64_t bytes) { return bytes >= 16 ? v : v & ((Wide(1) << (bytes * 8)) - 1); }
Wide wide(uint64_t low, uint64_t upper) { return Wide(upper) << 64 | low; }

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
  // Up to 128 bits, little-endian, compared unsigned at the discriminant's width.
  uint64_t low = 0, upper = 0;
  std::memcpy(&low, value.data() + offset, size > 8 ? 8 : size);
  if (size > 8) std::memcpy(&upper, value.data() + offset + 8, size - 8);
  Wide tag = mask(wide(low, upper), size);
  std::optional<size_t> fallback;
  for (size_t i = 0; i < part.variants.size(); ++i) {
    const auto& ranges = part.variants[i].discriminants;
    if (ranges.empty()) { fallback = i; continue; }
    for (const auto& r : ranges)
      if (tag >= mask(wide(r.low, r.low_upper), size) && tag <= mask(wide(r.high, r.high_upper), size)) return i;
  }
  if (fallback) return *fallback;
  return Error(ErrorKind::NotFound, upper ? fmt::format("discriminant {:#x}{:016x} matches no variant (corrupt value?)", upper, low)
                                          : fmt::format("discriminant {:#x} matches no variant (corrupt value?)", low));
}

}  // namespace krdb
