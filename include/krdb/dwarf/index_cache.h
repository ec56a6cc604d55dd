// The DWARF caches: DebugInfo's index of type and global-variable names (built on the first
// look-up by name, the largest part of opening a vmlinux) and its unit table (every CU's header
// and top DIE, read at open), kept on disk per debug file, so later runs on the same vmlinux load
// them instead of scanning every compile unit.
// Contract:
// - Two files per build-id: <dir>/names-v<version>-<build-id>.krdbidx and units-v<version>-….
//   <dir> is $KRDB_CACHE_DIR, else $XDG_CACHE_HOME/krdb, else $HOME/.cache/krdb.
// - A cache file is used only when its header names the same format version, build-id, file
//   size and modification time as the debug file being read; anything else (another build, a
//   rewritten file, a truncated or corrupt cache) is ignored and the index is rebuilt from the
//   DWARF and written again. Files without a GNU build-id are never cached.
// - Writes go to a temporary file renamed into place, so two processes racing on one vmlinux
//   each read either no cache or a whole one. A failed write is silent: the cache is an
//   optimisation, never a source of errors; answers are the same with and without it.
// - An index or unit table whose reading met unreadable units is not cached, so their errors
//   are reported on every run.
// - Disabled by `--no-cache` (CLI), KRDB_NO_CACHE=1, or set_index_cache() below.
#pragma once

#include <optional>
#include <string>

namespace krdb {

struct IndexCacheSettings {
  bool enabled = true;
  std::string dir;  // empty: from the environment as above
};

// Process-wide settings (the CLI and the plugin set them once at start).
IndexCacheSettings& index_cache_settings();
// The directory in use, or nullopt when caching is disabled or no directory can be named.
std::optional<std::string> index_cache_dir();

}  // namespace krdb
