// Rust enum decoding on real values: the `mixed` fixture writes the raw bytes of its `State`
// (every enum layout rustc uses) and Rust's own view of each field; krdb decodes the bytes
// with the DWARF of the same binary and must name the same variants.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "krdb/dwarf/debug_info.h"

using namespace krdb;

namespace {

std::string fixture(const std::string& name) {
  return std::string(KRDB_TEST_BUILD_DIR) + "/fixtures/mixed/" + name;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), {}};
}

std::map<std::string, std::string> read_truth(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::map<std::string, std::string> out;
  std::string field, variant;
  while (in >> field >> variant) out[field] = variant;
  return out;
}

// The active variant path of the value at `bytes` of type `id`: "Some", "Some/None", "B".
std::string decode(DebugInfo& info, TypeId id, std::span<const uint8_t> bytes, int depth = 0) {
  auto t = info.strip_typedefs(id);
  REQUIRE(t);
  const Type& type = **t;
  if (type.kind == TypeKind::Enum) {  // C-like: match the stored value against the enumerators
    uint64_t v = 0;
    std::memcpy(&v, bytes.data(), std::min<size_t>(bytes.size(), *type.size));
    for (const auto& e : type.enumerators)
      if (e.value == v) return e.name;
    return "?";
  }
  REQUIRE(type.variant_part);
  auto index = active_variant(*type.variant_part, bytes);
  REQUIRE(index);
  const Variant& v = type.variant_part->variants[*index];
  std::string name = v.member.name;
  // A variant whose payload is itself an enum (Option<Option<bool>>): decode one level deeper.
  auto payload = info.type(v.member.type);
  if (depth == 0 && payload && (*payload)->members.size() == 1) {
    auto inner = info.strip_typedefs((*payload)->members[0].type);
    if (inner && (*inner)->variant_part) {
      uint64_t off = v.member.offset + (*payload)->members[0].offset;
      return name + "/" + decode(info, (*inner)->id, bytes.subspan(off), depth + 1);
    }
  }
  return name;
}

void check_state(const std::string& variant) {
  auto info = DebugInfo::open(fixture("mixed-" + variant));
  REQUIRE(info);
  auto bytes = read_bytes(fixture("values-" + variant + "/state.bin"));
  auto truth = read_truth(fixture("values-" + variant + "/state.txt"));
  REQUIRE(truth.size() == 11);
  auto state_id = (*info)->find_type("mixed::State");
  REQUIRE(state_id);
  auto state = (*info)->type(*state_id);
  REQUIRE(state);
  REQUIRE((*state)->size == bytes.size());
  for (const auto& [field, expected] : truth) {
    INFO("field " << field);
    const Member* m = (*state)->member(field);
    REQUIRE(m);
    CHECK(decode(**info, m->type, std::span<const uint8_t>(bytes).subspan(m->offset)) == expected);
  }
}

}  // namespace

TEST_CASE("every enum layout of State decodes as Rust sees it (v0)", "[dwarf][mixed]") {
  check_state("v0");
}

TEST_CASE("every enum layout of State decodes as Rust sees it (legacy)", "[dwarf][mixed]") {
  check_state("legacy");
}

TEST_CASE("niche with a range: Shape's variants in a Vec", "[dwarf][mixed]") {
  auto info = DebugInfo::open(fixture("mixed-v0"));
  REQUIRE(info);
  auto bytes = read_bytes(fixture("values-v0/shapes.bin"));
  std::ifstream names_in(fixture("values-v0/shapes.txt"));
  std::vector<std::string> names;
  for (std::string n; names_in >> n;) names.push_back(n);
  auto id = (*info)->find_type("mixed::Shape");
  REQUIRE(id);
  auto shape = (*info)->type(*id);
  REQUIRE(shape);
  REQUIRE((*shape)->variant_part);
  // Dataful `Named(String)` holds the niche in String's capacity: three niche values + default.
  const auto& part = *(*shape)->variant_part;
  CHECK(part.variants.size() == 4);
  CHECK(part.discriminant_size == 8);
  size_t size = *(*shape)->size;
  REQUIRE(bytes.size() == names.size() * size);
  for (size_t i = 0; i < names.size(); ++i) {
    auto index = active_variant(part, std::span<const uint8_t>(bytes).subspan(i * size, size));
    REQUIRE(index);
    CHECK(part.variants[*index].member.name == names[i]);
  }
}

TEST_CASE("discriminants are read at full 64-bit width", "[dwarf][mixed]") {
  auto info = DebugInfo::open(fixture("mixed-v0"));
  REQUIRE(info);
  auto shape = (*info)->type(*(*info)->find_type("mixed::Shape"));
  REQUIRE(shape);
  bool saw_high_bit = false;
  for (const auto& v : (*shape)->variant_part->variants)
    for (const auto& r : v.discriminants) saw_high_bit |= (r.low >> 63) != 0;
  CHECK(saw_high_bit);  // 0x8000000000000000.. niche values, which LLDB shows as indices
}

TEST_CASE("a value too short for its discriminant is an error, not a guess", "[dwarf][mixed]") {
  auto info = DebugInfo::open(fixture("mixed-v0"));
  REQUIRE(info);
  auto shape = (*info)->type(*(*info)->find_type("mixed::Shape"));
  REQUIRE(shape);
  std::vector<uint8_t> short_value(4, 0);
  auto r = active_variant(*(*shape)->variant_part, short_value);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::BadData);
}
