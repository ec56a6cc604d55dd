// Reading one type DIE into a krdb::Type: members, Rust variant parts, template parameters,
// enumerators, array bounds. Member types are not followed here (callers ask by TypeId), so a
// cyclic type graph cannot make this recurse.
#include <cstring>

#include <fmt/format.h>

#include "debug_info_impl.h"

namespace krdb {

namespace {

TypeKind kind_of(Dwarf_Half tag) {
  switch (tag) {
    case DW_TAG_base_type: return TypeKind::Base;
    case DW_TAG_structure_type: case DW_TAG_class_type: return TypeKind::Struct;
    case DW_TAG_union_type: return TypeKind::Union;
    case DW_TAG_enumeration_type: return TypeKind::Enum;
    case DW_TAG_pointer_type: return TypeKind::Pointer;
    case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type: return TypeKind::Reference;
    case DW_TAG_array_type: return TypeKind::Array;
    case DW_TAG_typedef: return TypeKind::Typedef;
    case DW_TAG_const_type: return TypeKind::Const;
    case DW_TAG_volatile_type: case DW_TAG_restrict_type: case DW_TAG_atomic_type:
      return TypeKind::Volatile;
    case DW_TAG_subroutine_type: return TypeKind::Function;
    case DW_TAG_unspecified_type: return TypeKind::Void;
    default: return TypeKind::Unknown;
  }
}

Member read_member(const dw::Die& die) {
  Member m;
  m.name = die.string(DW_AT_name).value_or("");
  m.type = die.reference(DW_AT_type).value_or(0);
  if (auto off = die.udata(DW_AT_data_member_location)) {
    m.offset = *off;
  } else if (auto block = die.block(DW_AT_data_member_location);
             block && block->size() >= 2 && (*block)[0] == DW_OP_plus_uconst) {
    // DWARF 2 style: DW_OP_plus_uconst ULEB128.
    uint64_t v = 0;
    for (size_t i = 1, shift = 0; i < block->size() && shift < 64; ++i, shift += 7) {
      v |= uint64_t((*block)[i] & 0x7f) << shift;
      if (!((*block)[i] & 0x80)) break;
    }
    m.offset = v;
  }
  if (auto bits = die.udata(DW_AT_bit_size)) {
    m.bit_size = uint32_t(*bits);
    uint64_t bit_offset = die.udata(DW_AT_data_bit_offset).value_or(m.offset * 8);
    m.offset = bit_offset / 8;
    m.bit_offset = uint32_t(bit_offset % 8);
  }
  m.artificial = die.flag(DW_AT_artificial).value_or(false);
  return m;
}

std::vector<DiscriminantRange> read_discriminants(const dw::Die& variant) {
  std::vector<DiscriminantRange> out;
  if (auto v = variant.udata(DW_AT_discr_value)) {
    out.push_back({*v, *v});
    return out;
  }
  // A 128-bit value (repr(u128)): rustc writes it as a block of 16 little-endian bytes.
  if (auto b = variant.block(DW_AT_discr_value); b && !b->empty() && b->size() <= 16) {
    uint64_t low = 0, upper = 0;
    std::memcpy(&low, b->data(), std::min<size_t>(b->size(), 8));
    if (b->size() > 8) std::memcpy(&upper, b->data() + 8, b->size() - 8);
    out.push_back({low, low, upper, upper});
    return out;
  }
  auto block = variant.block(DW_AT_discr_list);
  if (!block || block->empty()) return out;
  Dwarf_Dsc_Head head = nullptr;
  Dwarf_Unsigned count = 0;
  if (dwarf_discr_list(variant.dbg(), block->data(), block->size(), &head, &count, nullptr) !=
      DW_DLV_OK)
    return out;
  for (Dwarf_Unsigned i = 0; i < count; ++i) {
    Dwarf_Half type = 0;
    Dwarf_Unsigned lo = 0, hi = 0;
    if (dwarf_discr_entry_u(head, i, &type, &lo, &hi, nullptr) != DW_DLV_OK) break;
    out.push_back({lo, type == DW_DSC_range ? hi : lo});
  }
  dwarf_dealloc(variant.dbg(), head, DW_DLA_DSC_HEAD);
  return out;
}

}  // namespace

Expected<const Type*> DebugInfo::Impl::load_type(TypeId id) {
  if (auto it = types.find(id); it != types.end()) return it->second.get();
  auto t = std::make_unique<Type>();
  t->id = id;
  if (id == 0) {
    t->kind = TypeKind::Void;
    t->name = "void";
    return types.emplace(id, std::move(t)).first->second.get();
  }
  if (!dbg) return Error(ErrorKind::NotFound, "no DWARF", debug_path);
  auto die = dw::die_at(dbg, id);
  if (!die) return die.error().within(debug_path);
  if (!types_loading.insert(id).second)
    return Error(ErrorKind::BadData, "type refers to itself",
                 fmt::format("{}: .debug_info+{:#x}", debug_path, id));
  struct Unmark {
    std::unordered_set<TypeId>& set;
    TypeId id;
    ~Unmark() { set.erase(id); }
  } unmark{types_loading, id};
  t->kind = kind_of(die->tag());
  if (t->kind == TypeKind::Unknown)
    return Error(ErrorKind::BadData, fmt::format("DIE is not a type (tag {:#x})", die->tag()),
                 fmt::format("{}: .debug_info+{:#x}", debug_path, id));
  t->name = die->string(DW_AT_name).value_or("");
  auto q = type_qualified.find(id);
  t->qualified = q != type_qualified.end() ? q->second : t->name;
  int unit = unit_for_offset(id);
  t->language = unit >= 0 ? units[unit].language : Language::Unknown;
  t->size = die->udata(DW_AT_byte_size);
  t->encoding = uint32_t(die->udata(DW_AT_encoding).value_or(0));
  t->target = die->reference(DW_AT_type).value_or(0);
  t->declaration = die->flag(DW_AT_declaration).value_or(false);
  if (t->kind == TypeKind::Pointer && !t->size) t->size = 8;
  KRDB_CHECK(read_children(*die, *t));
  return types.emplace(id, std::move(t)).first->second.get();
}

Expected<void> DebugInfo::Impl::read_children(const dw::Die& die, Type& t) {
  auto child = die.child();
  if (!child) return child.error();
  dw::Die cur = std::move(*child);
  for (uint64_t n = 0; cur; ++n) {
    if (n >= limits.max_list_steps)
      return Error(ErrorKind::LimitHit, "type has more children than max_list_steps",
                   fmt::format("{}: .debug_info+{:#x}", debug_path, t.id));
    switch (cur.tag()) {
      case DW_TAG_member: t.members.push_back(read_member(cur)); break;
      case DW_TAG_variant_part: KRDB_CHECK(read_variant_part(cur, t)); break;
      case DW_TAG_template_type_parameter:
        t.template_params.push_back({cur.string(DW_AT_name).value_or(""),
                                     cur.reference(DW_AT_type).value_or(0)});
        break;
      case DW_TAG_enumerator:
        t.enumerators.push_back({cur.string(DW_AT_name).value_or(""),
                                 cur.udata(DW_AT_const_value).value_or(0)});
        break;
      case DW_TAG_subrange_type:
        if (!t.count) {
          if (auto count = cur.udata(DW_AT_count)) t.count = *count;
          else if (auto upper = cur.sdata(DW_AT_upper_bound)) t.count = uint64_t(*upper + 1);
        }
        break;
      default: break;
    }
    auto next = cur.sibling();
    if (!next) return next.error();
    cur = std::move(*next);
  }
  return {};
}

// rustc's enum layout: DW_TAG_variant_part { DW_AT_discr -> the tag member; the tag member;
// DW_TAG_variant { DW_AT_discr_value; DW_TAG_member (payload) } … }.
Expected<void> DebugInfo::Impl::read_variant_part(const dw::Die& die, Type& t) {
  VariantPart part;
  auto discr = die.reference(DW_AT_discr);
  auto child = die.child();
  if (!child) return child.error();
  dw::Die cur = std::move(*child);
  for (uint64_t n = 0; cur && n < limits.max_list_steps; ++n) {
    if (cur.tag() == DW_TAG_member && discr && cur.offset() == *discr) {
      part.discriminant = read_member(cur);
    } else if (cur.tag() == DW_TAG_variant) {
      Variant v;
      v.discriminants = read_discriminants(cur);
      if (auto payload = cur.child(); payload && *payload && payload->tag() == DW_TAG_member)
        v.member = read_member(*payload);
      part.variants.push_back(std::move(v));
    }
    auto next = cur.sibling();
    if (!next) return next.error();
    cur = std::move(*next);
  }
  if (discr && !part.discriminant) {
    // The tag member may sit outside the variant part (allowed by DWARF): read it directly.
    if (auto d = dw::die_at(dbg, *discr)) part.discriminant = read_member(*d);
  }
  if (part.discriminant) {
    auto dt = load_type(part.discriminant->type);
    for (int hops = 0; dt && (*dt)->kind == TypeKind::Typedef && hops < 8; ++hops)
      dt = load_type((*dt)->target);
    if (dt && (*dt)->size) part.discriminant_size = *(*dt)->size;
  }
  t.variant_part = std::move(part);
  return {};
}

}  // namespace krdb
