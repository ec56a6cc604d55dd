#include "krdb/kernel/modules.h"

#include <fmt/format.h>

#include "krdb/kernel/list.h"

namespace krdb {

const ModuleRegion* ModuleInfo::region_of(uint64_t address) const {
  for (const auto& r : regions)
    if (address >= r.base && address - r.base < r.size) return &r;
  return nullptr;
}

std::string_view module_state_name(uint64_t state) {
  switch (state) {  // enum module_state, include/linux/module.h
    case 0: return "live";
    case 1: return "coming";
    case 2: return "going";
    case 3: return "unformed";
    default: return "?";
  }
}

namespace {

void read_regions(KernelProgram& p, ModuleInfo& m) {
  auto mem = p.field("module", "mem");
  if (!mem) { m.errors.push_back(mem.error()); return; }
  auto elem = p.element_size(mem->type);
  auto array = p.debug_info().strip_typedefs(mem->type);
  if (!elem || !array || !(*array)->count) return;
  auto kinds_id = p.debug_info().find_type("mod_mem_type");
  std::vector<Enumerator> kinds;
  if (kinds_id)
    if (auto k = p.debug_info().type(*kinds_id)) kinds = (*k)->enumerators;
  auto base = p.field("module_memory", "base");
  auto size = p.field("module_memory", "size");
  if (!base || !size) { m.errors.push_back(!base ? base.error() : size.error()); return; }
  for (uint64_t i = 0; i < *(*array)->count && i < 64; ++i) {
    uint64_t at = m.address + mem->offset + i * *elem;
    auto b = p.read_field(at, "module_memory", "base");
    auto s = p.read_field(at, "module_memory", "size");
    if (!b || !s) { m.errors.push_back(!b ? b.error() : s.error()); continue; }
    if (*s == 0) continue;
    std::string kind = fmt::format("mem[{}]", i);
    for (const auto& e : kinds)
      if (e.value == i) kind = e.name;
    m.regions.push_back({kind, *b, *s});
  }
}

void read_sections(KernelProgram& p, ModuleInfo& m) {
  auto attrs_ptr = p.read_field(m.address, "module", "sect_attrs");
  if (!attrs_ptr || !*attrs_ptr) return;  // no sysfs section attributes (!CONFIG_KALLSYMS)
  auto n = p.read_field(*attrs_ptr, "module_sect_attrs", "nsections");
  auto attrs = p.field("module_sect_attrs", "attrs");
  auto elem = p.size_of("module_sect_attr");
  if (!n || !attrs || !elem) return;
  if (*n > 4096) { m.errors.emplace_back(ErrorKind::BadData, fmt::format("{} sections", *n)); return; }
  for (uint64_t i = 0; i < *n; ++i) {
    uint64_t at = *attrs_ptr + attrs->offset + i * *elem;
    auto name_ptr = p.read_field(at, "module_sect_attr", "battr.attr.name");
    auto address = p.read_field(at, "module_sect_attr", "address");
    if (!name_ptr || !address) continue;
    auto name = p.memory().read_cstring(*name_ptr, 256);
    if (name) m.sections.push_back({*name, *address});
  }
}

}  // namespace

ModuleList list_modules(KernelProgram& p) {
  ModuleList out;
  auto head = p.symbol_address("modules");
  auto link = p.field("module", "list");
  if (!head || !link) {
    out.truncated = !head ? head.error() : link.error();
    return out;
  }
  auto reason = walk_list(p, *head, link->offset, "module list", [&](uint64_t module) {
    ModuleInfo m;
    m.address = module;
    auto name = p.read_char_array(m.address, "module", "name");
    if (!name) {
      out.truncated = name.error();
      return false;
    }
    m.name = *name;
    m.state = p.read_field(m.address, "module", "state").value_or(99);
    read_regions(p, m);
    read_sections(p, m);
    out.modules.push_back(std::move(m));
    return true;
  });
  if (reason) out.truncated = std::move(reason);
  return out;
}

}  // namespace krdb
