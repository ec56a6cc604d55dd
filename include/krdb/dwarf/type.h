// Type: a C or Rust type as its DWARF describes it, read once and cached by DebugInfo.
// Contract: TypeId is the global .debug_info offset of the type's DIE (0 = void / none). Members
// carry byte offsets within their parent; a Rust enum is a struct whose `variant_part` lists its
// variants with their DW_AT_discr_value / DW_AT_discr_list at full width (128 bits: rustc writes
// a u128 discriminant's value as a 16-byte block); the variant
// without one is the default (the dataful variant of a niche layout). active_variant() decides
// which variant a value holds exactly as rustc's layout does — the discriminant member is read at
// its own offset and size, and compared unsigned — so niche encodings decode correctly.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/dwarf/language.h"

namespace krdb {

using TypeId = uint64_t;

enum class TypeKind : uint8_t {
  Void, Base, Struct, Union, Enum, Pointer, Reference, Array, Typedef, Const, Volatile,
  Function, Unknown,
};
std::string_view to_string(TypeKind kind);

struct Member {
  std::string name;     // "__0" for tuple fields, empty for anonymous C members
  TypeId type = 0;
  uint64_t offset = 0;  // bytes from the start of the parent
  uint32_t bit_size = 0, bit_offset = 0;  // bitfields (DW_AT_data_bit_offset); 0 = not a bitfield
  bool artificial = false;
};

struct DiscriminantRange {
  uint64_t low = 0, high = 0;  // inclusive, unsigned at the discriminant's width: low 64 bits…
  uint64_t low_upper = 0, high_upper = 0;  // …and the upper 64 of a 128-bit one (repr(u128))
};

struct Variant {
  std::vector<DiscriminantRange> discriminants;  // empty: the default variant
  Member member;  // the variant's payload: a member whose type is the variant struct
};

struct VariantPart {
  std::optional<Member> discriminant;  // absent: a single-variant enum
  uint64_t discriminant_size = 0;      // bytes of the discriminant's type (1, 2, 4, 8 or 16)
  std::vector<Variant> variants;
};

struct TemplateParam {
  std::string name;  // "T"
  TypeId type = 0;
};

struct Enumerator {
  std::string name;
  uint64_t value = 0;  // as stored (signed enumerators keep their two's-complement bits)
};

struct Type {
  TypeId id = 0;
  TypeKind kind = TypeKind::Unknown;
  std::string name;       // DW_AT_name: "task_struct", "Arc<rust_crashme::Shared>"
  std::string qualified;  // with namespaces for Rust: "alloc::sync::Arc<…>"; else = name
  Language language = Language::Unknown;
  std::optional<uint64_t> size;  // DW_AT_byte_size
  uint32_t encoding = 0;         // base types: DW_ATE_*
  TypeId target = 0;             // pointee, element, typedef target, qualified type, return type
  std::optional<uint64_t> count; // arrays: element count of the first dimension
  bool declaration = false;      // incomplete (DW_AT_declaration)
  std::vector<Member> members;
  std::optional<VariantPart> variant_part;
  std::vector<TemplateParam> template_params;
  std::vector<Enumerator> enumerators;

  bool is_rust_enum() const { return variant_part.has_value(); }
  const Member* member(std::string_view name) const;
};

// Which variant of `part` the bytes of a whole enum value hold (index into part.variants).
// NotFound if no variant matches and there is no default; BadData if the bytes are too short.
Expected<size_t> active_variant(const VariantPart& part, std::span<const uint8_t> value);

}  // namespace krdb
