#include "debug_info_cache.h"

#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include <elf.h>

#include "krdb/elf/elf_file.h"

namespace krdb::plugin {

Expected<DebugInfo*> debug_info_for(const std::string& path) {
  // Formatters run on whatever thread LLDB formats values on (an IDE's, through lldb-dap).
  static std::mutex lock;
  std::lock_guard<std::mutex> hold(lock);
  static std::map<std::string, std::unique_ptr<DebugInfo>> cache;
  if (auto it = cache.find(path); it != cache.end()) return it->second.get();
  auto info = DebugInfo::open(path);
  if (!info) return info.error();
  return cache.emplace(path, std::move(*info)).first->second.get();
}

std::string module_path(lldb::SBModule module) {
  lldb::SBFileSpec spec = module.GetFileSpec();
  char buf[4096];
  if (!spec.IsValid() || spec.GetPath(buf, sizeof buf) == 0) return {};
  return buf;
}

uint64_t vmlinux_slide(lldb::SBTarget target, DebugInfo& info) {
  const ElfSymbol* stext = info.elf().symbol_named("_stext");
  if (!stext) return 0;
  lldb::SBSymbolContextList list = target.FindSymbols("_stext");
  for (uint32_t i = 0; i < list.GetSize(); ++i) {
    uint64_t load = list.GetContextAtIndex(i).GetSymbol().GetStartAddress().GetLoadAddress(target);
    if (load != LLDB_INVALID_ADDRESS) return load - stext->address;
  }
  return 0;
}

LoadMap load_map(lldb::SBTarget target, DebugInfo& info) {
  if (info.elf().type() != ET_REL) return vmlinux_slide(target, info);
  LoadMap map;
  for (uint32_t i = 0; i < target.GetNumModules(); ++i) {
    lldb::SBModule module = target.GetModuleAtIndex(i);
    auto known = debug_info_for(module_path(module));
    if (!known || *known != &info) continue;
    for (uint32_t s = 0; s < module.GetNumSections(); ++s) {
      lldb::SBSection section = module.GetSectionAtIndex(s);
      const char* name = section.GetName();
      uint64_t load = section.GetLoadAddress(target);
      auto file = name ? info.section_address(name) : std::nullopt;
      if (file && load != LLDB_INVALID_ADDRESS) map.add(*file, section.GetByteSize(), load);
    }
  }
  return map;
}

Expected<ResolvedAddress> resolve_load_address(lldb::SBTarget target, uint64_t load_address) {
  if (!target.IsValid())
    return Error(ErrorKind::Usage, "no target: create one with `target create vmlinux` first");
  lldb::SBAddress addr = target.ResolveLoadAddress(load_address);
  lldb::SBModule module = addr.GetModule();
  uint64_t file_address = addr.GetFileAddress();
  if (!module.IsValid() || file_address == LLDB_INVALID_ADDRESS) {
    // Not loaded at a known place (a dump opened without `target modules load`): take the
    // address as a file address of the main executable.
    module = target.GetModuleAtIndex(0);
    file_address = load_address;
  }
  std::string path = module_path(module);
  if (path.empty())
    return Error(ErrorKind::NotFound, fmt::format("no module file for address {:#x}", load_address));
  auto info = debug_info_for(path);
  if (!info) return info.error();
  return ResolvedAddress{*info, file_address};
}

}  // namespace krdb::plugin
