// The debug info of loaded modules, found without typing paths: a file given for a module by
// name (`--module NAME=PATH`), else a search of directories (`--modules DIR`, then
// /lib/modules/<release> and /usr/lib/debug/lib/modules/<release>, recursively) by module name
// (`-` and `_` alike) in every form distributions ship: `.ko`, `.ko.xz`, `.ko.zst` and separate
// `.ko.debug` files. Compressed files are decompressed into memory (a memfd), never to disk.
// Contract:
// - A file is used only when its GNU build-id equals the loaded module's (read from the module's
//   .note.gnu.build-id in memory); a stale file is refused with both ids in `warnings`, and the
//   search goes on. When either side has no build-id, a name match is used and said.
// - Directory walks are bounded (Limits::max_list_steps entries) and never follow links out of
//   a loop; unreadable directories are warnings. Each module is looked up once.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/base/limits.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/dwarf/load_map.h"
#include "krdb/kernel/modules.h"

namespace krdb {

struct ModuleFileOptions {
  std::map<std::string, std::string> files;  // module name -> path (--module)
  std::vector<std::string> search_dirs;      // --modules DIR…, searched in order
  // Also search /lib/modules/<release> and /usr/lib/debug/lib/modules/<release>.
  bool system_dirs = true;
  std::string release;                       // the dump's kernel release ("6.12.117")
  Limits limits = default_limits();
};

// Where the loader put each section of `module` whose .ko is `ko`: ko's synthetic section
// addresses (dwarf/debug_info.h) to the runtime ones the kernel keeps (sect_attrs). Sections the
// kernel lists but the file lacks are left out.
LoadMap module_load_map(const ModuleInfo& module, DebugInfo& ko);

class ModuleFiles {
 public:
  explicit ModuleFiles(ModuleFileOptions options);
  ~ModuleFiles();
  // The DWARF (or symbols) of a loaded module, or nullptr when no acceptable file was found
  // (why: in warnings()).
  DebugInfo* debug_info(const ModuleInfo& module);
  // The file used for a module ("" when none).
  std::string path_of(const std::string& module) const;
  const std::vector<Error>& warnings() const { return warnings_; }

  // "rust_crashme_ko" for "…/rust-crashme_ko.ko.zst", "" when the name is not a module file.
  static std::string module_name_of(const std::string& file_name);
  // A --module value, "PATH" (named after its file) or "NAME=PATH", added to `files`.
  static void add_module_spec(std::map<std::string, std::string>& files, const std::string& spec);

 private:
  struct Opened;
  void index_dirs();
  std::unique_ptr<Opened> open_candidate(const std::string& path, const ModuleInfo& module);

  ModuleFileOptions options_;
  bool indexed_ = false;
  std::map<std::string, std::vector<std::string>> candidates_;  // module name -> files
  std::map<std::string, std::unique_ptr<Opened>> opened_;       // module name -> file (null: none)
  std::vector<Error> warnings_;
};

}  // namespace krdb
