// One DebugInfo per debug file, shared by the plugin's commands for the life of the lldb
// process (opening a vmlinux's DWARF index costs a fraction of a second; doing it per command
// would be felt).
#pragma once

#include <lldb/API/LLDB.h>

#include <string>

#include "krdb/base/error.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/load_map.h"

namespace krdb::plugin {

Expected<DebugInfo*> debug_info_for(const std::string& path);
// The on-disk path of an LLDB module's file.
std::string module_path(lldb::SBModule module);

// The slide LLDB applied to a vmlinux (KASLR), from where its _stext is loaded; 0 for a file
// without _stext (a .ko: its addresses are krdb's synthetic section addresses, not slid ones).
uint64_t vmlinux_slide(lldb::SBTarget target, DebugInfo& info);

// Where LLDB placed a debug file's addresses: the vmlinux's slide, or for a .ko each section at
// the load address LLDB has for it (`krdb core open` loads them per section).
LoadMap load_map(lldb::SBTarget target, DebugInfo& info);

// A load address of the target resolved to its module's DebugInfo and file address (KASLR and
// module slides undone by LLDB's own section load list).
struct ResolvedAddress {
  DebugInfo* info = nullptr;
  uint64_t file_address = 0;
};
Expected<ResolvedAddress> resolve_load_address(lldb::SBTarget target, uint64_t load_address);

}  // namespace krdb::plugin
