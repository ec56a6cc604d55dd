// Address -> frames: the CU, its outermost scope containing the address, then the chain of
// inlined scopes inside it, each with its call site; the innermost location from the line table.
#include <algorithm>

#include <fmt/format.h>

#include "debug_info_impl.h"

#include <elf.h>

namespace krdb {

namespace {

using dw::Scope;
using dw::UnitData;

// The innermost-last chain of scopes containing `address`.
std::vector<const Scope*> scope_chain(const UnitData& data, uint64_t address, uint64_t max_depth) {
  std::vector<const Scope*> chain;
  auto it = std::upper_bound(data.top.begin(), data.top.end(), address,
                             [](uint64_t a, const UnitData::TopRange& t) { return a < t.range.begin; });
  const Scope* cur = nullptr;
  for (int steps = 0; it != data.top.begin() && steps < 16 && !cur; ++steps) {
    --it;
    if (it->range.contains(address)) cur = &data.scopes[it->scope];
  }
  while (cur && chain.size() < max_depth) {
    chain.push_back(cur);
    const Scope* next = nullptr;
    for (uint32_t c : cur->children)
      if (data.scopes[c].contains(address)) { next = &data.scopes[c]; break; }
    cur = next;
  }
  return chain;
}

SourceLocation row_location(const dw::LineTable& lines, uint64_t address) {
  SourceLocation loc;
  if (const dw::LineRow* row = lines.find(address)) {
    loc.file = lines.file(row->file);
    loc.line = row->line;
    loc.column = row->column;
  }
  return loc;
}

uint64_t lowest(const Scope& s) {
  uint64_t low = UINT64_MAX;
  for (const auto& r : s.ranges) low = std::min(low, r.begin);
  return low;
}

}  // namespace

std::optional<SymbolMatch> DebugInfo::symbol_at(uint64_t address) const {
  const Impl& impl = *impl_;
  if (impl.elf->type() != ET_REL) return impl.elf->symbol_at(address);
  if (auto place = impl.access ? impl.access->section_offset(address) : std::nullopt)
    return impl.elf->symbol_in_section(place->first, place->second);
  return std::nullopt;
}

AddressInfo DebugInfo::symbolize(uint64_t address, const SymbolizeOptions& options) {
  Impl& impl = *impl_;
  AddressInfo info;
  info.address = address;
  if (auto m = symbol_at(address)) {
    info.symbol = m->symbol->name;
    info.symbol_offset = m->offset;
  }
  info.language = info.symbol ? language_from_symbol(*info.symbol) : Language::Unknown;
  int unit = impl.dbg ? impl.unit_for_address(address) : -1;
  if (unit < 0) return info;
  info.unit = &impl.units[unit];
  if (auto r = impl.load_scopes(uint32_t(unit)); !r) info.warnings.push_back(r.error());
  if (auto r = impl.load_lines(uint32_t(unit)); !r) info.warnings.push_back(r.error());
  const UnitData& data = impl.unit_data[unit];
  Language lang = info.unit->language;
  info.language = lang;

  SourceLocation here = row_location(data.lines, address);
  auto chain = scope_chain(data, address, impl.limits.max_die_depth);
  std::vector<Variable> block_variables;  // of lexical blocks inside the next frame, innermost first
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Scope& s = **it;
    if (s.tag == DW_TAG_lexical_block) {
      if (options.variables) {
        auto vars = impl.variables_of(s.die_offset);
        block_variables.insert(block_variables.begin(), vars.begin(), vars.end());
      }
      continue;
    }
    const dw::NameInfo& names = impl.names_of(s.die_offset);
    FrameInfo f;
    f.name = names.name;
    f.linkage_name = names.linkage;
    f.qualified = names.qualified;
    f.language = lang;
    f.inlined = s.tag == DW_TAG_inlined_subroutine;
    f.die_offset = s.die_offset;
    f.entry = lowest(s);
    f.location = here;
    if (options.variables) {
      f.variables = impl.variables_of(s.die_offset);
      f.variables.insert(f.variables.end(), block_variables.begin(), block_variables.end());
      block_variables.clear();
      if (s.tag == DW_TAG_subprogram) {
        std::vector<LocationEntry> base = impl.frame_base_of(s.die_offset);
        for (FrameInfo& inner : info.frames) inner.frame_base = base;  // inlined frames share it
        f.frame_base = std::move(base);
      }
    }
    info.frames.push_back(std::move(f));
    if (s.tag == DW_TAG_inlined_subroutine)
      here = {data.lines.file(s.call_file), s.call_line, s.call_column};
  }
  if (info.frames.empty() && here.known()) {
    // Covered by a line table but by no function DIE (assembly): name it by the ELF symbol.
    FrameInfo f;
    f.name = info.symbol.value_or("");
    f.linkage_name = f.name;
    f.language = lang;
    f.location = here;
    f.entry = address - info.symbol_offset;
    info.frames.push_back(std::move(f));
  }
  return info;
}

}  // namespace krdb
