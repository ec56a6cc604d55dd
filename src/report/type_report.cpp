#include "krdb/report/type_report.h"

#include <fmt/format.h>

namespace krdb {

namespace {

std::string size_of(DebugInfo& info, TypeId id) {
  auto t = info.strip_typedefs(id);
  if (t && (*t)->size) return std::to_string(*(*t)->size);
  if (t && (*t)->kind == TypeKind::Array && (*t)->count) {
    auto e = info.strip_typedefs((*t)->target);
    if (e && (*e)->size) return std::to_string(*(*e)->size * *(*t)->count);
  }
  return "?";
}

std::string member_line(DebugInfo& info, const Member& m, const char* indent) {
  std::string bits = m.bit_size ? fmt::format(" :{} (bit {})", m.bit_size, m.bit_offset) : "";
  return fmt::format("{}+{:#06x} {}: {} (size {}){}\n", indent, m.offset,
                     m.name.empty() ? "<anonymous>" : m.name, type_name(info, m.type),
                     size_of(info, m.type), bits);
}

std::string discriminants(const Variant& v) {
  if (v.discriminants.empty()) return "otherwise (dataful variant)";
  std::string out;
  for (const auto& r : v.discriminants) {
    if (!out.empty()) out += ", ";
    auto hex = [](uint64_t low, uint64_t upper) {
      return upper ? fmt::format("{:#x}{:016x}", upper, low) : fmt::format("{:#x}", low);
    };
    out += r.low == r.high && r.low_upper == r.high_upper ? hex(r.low, r.low_upper)
                                                          : hex(r.low, r.low_upper) + "..=" + hex(r.high, r.high_upper);
  }
  return "discriminant " + out;
}

}  // namespace

std::string format_type_layout(DebugInfo& info, const Type& t) {
  std::string out = fmt::format("{} (size {}) [{}]", type_name(info, t.id),
                                t.size ? std::to_string(*t.size) : "?", to_string(t.language));
  if (t.qualified != t.name && !t.qualified.empty()) out += "\n  path: " + t.qualified;
  out += "\n";
  for (const auto& p : t.template_params)
    out += fmt::format("  generic {} = {}\n", p.name, type_name(info, p.type));
  for (const auto& m : t.members) out += member_line(info, m, "  ");
  if (t.variant_part) {
    const VariantPart& vp = *t.variant_part;
    if (vp.discriminant)
      out += fmt::format("  discriminant: {} at +{:#x} ({} bytes)\n",
                         vp.discriminant->name.empty() ? "<tag>" : vp.discriminant->name,
                         vp.discriminant->offset, vp.discriminant_size);
    for (const auto& v : vp.variants) {
      out += fmt::format("  variant {} — {}\n", v.member.name, discriminants(v));
      auto payload = info.type(v.member.type);
      if (payload)
        for (const auto& m : (*payload)->members) out += member_line(info, m, "      ");
    }
  }
  for (const auto& e : t.enumerators) out += fmt::format("  {} = {}\n", e.name, int64_t(e.value));
  return out;
}

nlohmann::json type_to_json(DebugInfo& info, const Type& t) {
  nlohmann::json j;
  j["name"] = type_name(info, t.id);
  j["qualified"] = t.qualified;
  j["kind"] = to_string(t.kind);
  j["language"] = to_string(t.language);
  if (t.size) j["size"] = *t.size;
  for (const auto& m : t.members)
    j["members"].push_back({{"name", m.name}, {"offset", m.offset}, {"type", type_name(info, m.type)}});
  if (t.variant_part) {
    auto& vj = j["variants"];
    for (const auto& v : t.variant_part->variants) {
      nlohmann::json d = nlohmann::json::array();
      for (const auto& r : v.discriminants) {
        if (!r.low_upper && !r.high_upper) { d.push_back({r.low, r.high}); continue; }
        // A 128-bit discriminant does not fit a JSON number: hex strings.
        d.push_back({fmt::format("{:#x}{:016x}", r.low_upper, r.low), fmt::format("{:#x}{:016x}", r.high_upper, r.high)});
      }
      vj.push_back({{"name", v.member.name}, {"discriminants", d},
                    {"type", type_name(info, v.member.type)}});
    }
    if (t.variant_part->discriminant)
      j["discriminant"] = {{"offset", t.variant_part->discriminant->offset},
                           {"size", t.variant_part->discriminant_size}};
  }
  for (const auto& e : t.enumerators) j["enumerators"].push_back({{"name", e.name}, {"value", e.value}});
  return j;
}

}  // namespace krdb
