// The DWARF caches (include/krdb/dwarf/index_cache.h): flat little-endian files, read through
// Cursor like any other untrusted input (a cache directory can be shared or stale). Each starts
//   "KRDBNIX\0" u32 version u32 0 u64 size u64 mtime_ns u32 n + build-id bytes
// and ends "KRDBEND\0"; between them (key and string: u32 length + bytes):
//   names-v1: u64 units
//             u64 n × (key, u32 count, count × u64 DIE)        type_index
//             u64 n × (key, u64 DIE)                           variable_index
//             u64 n × (u64 DIE, string)                        type_qualified
//   units-v1: u64 n × (u64 offset, u64 DIE, u32 version, u32 DW_LANG, name, producer, comp_dir,
//                      u64 base, u8 has_stmt_list, u64 stmt_list, u64 m × (u64 begin, u64 end))
#include "krdb/dwarf/index_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "debug_info_impl.h"
#include "krdb/base/cursor.h"

namespace krdb {

namespace {

constexpr uint32_t kFormatVersion = 1;
constexpr std::string_view kMagic("KRDBNIX\0", 8), kEndMagic("KRDBEND\0", 8);

struct FileStamp {
  uint64_t size = 0, mtime_ns = 0;
};

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileStamp{uint64_t(st.st_size),
                   uint64_t(st.st_mtim.tv_sec) * 1000000000ull + uint64_t(st.st_mtim.tv_nsec)};
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class Writer {
 public:
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void str(std::string_view s) { u32(uint32_t(s.size())); raw(s.data(), s.size()); }
  void raw(const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
  std::string out;
};

}  // namespace

IndexCacheSettings& index_cache_settings() {
  static IndexCacheSettings settings;
  return settings;
}

std::optional<std::string> index_cache_dir() {
  const IndexCacheSettings& s = index_cache_settings();
  if (!s.enabled || env("KRDB_NO_CACHE") == "1") return std::nullopt;
  if (!s.dir.empty()) return s.dir;
  if (auto d = env("KRDB_CACHE_DIR"); !d.empty()) return d;
  if (auto d = env("XDG_CACHE_HOME"); !d.empty()) return d + "/krdb";
  if (auto d = env("HOME"); !d.empty()) return d + "/.cache/krdb";
  return std::nullopt;
}

std::optional<std::string> DebugInfo::Impl::cache_path(std::string_view kind) const {
  const auto& build_id = dwarf_elf().build_id();
  auto dir = index_cache_dir();
  if (!build_id || build_id->empty() || !dir) return std::nullopt;
  return fmt::format("{}/{}-v{}-{}.krdbidx", *dir, kind, kFormatVersion, *build_id);
}

// The bytes of a cache file whose header matches this debug file (format version, size, mtime,
// build-id), with `c` past the header; nullopt for anything else.
std::optional<std::vector<uint8_t>> DebugInfo::Impl::read_cache(std::string_view kind) const {
  auto path = cache_path(kind);
  auto stamp = stamp_of(debug_path);
  if (!path || !stamp) return std::nullopt;
  std::ifstream in(*path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  auto size = uint64_t(std::max<std::streamoff>(0, in.tellg()));
  if (size > limits.max_section_bytes) return std::nullopt;
  std::vector<uint8_t> bytes(size);
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size))) return std::nullopt;
  Cursor c(bytes, *path);
  if (c.fixed_string(8) != kMagic.substr(0, 7) || c.u32() != kFormatVersion) return std::nullopt;
  c.u32();
  if (c.u64() != stamp->size || c.u64() != stamp->mtime_ns) return std::nullopt;
  auto id = c.bytes(c.u32());
  if (!c.ok() || std::string_view(reinterpret_cast<const char*>(id.data()), id.size()) != *dwarf_elf().build_id())
    return std::nullopt;
  bytes.erase(bytes.begin(), bytes.begin() + std::ptrdiff_t(c.pos()));
  return bytes;
}

// Writes header + body + end magic to a temporary file renamed into place; failures are silent.
void DebugInfo::Impl::write_cache(std::string_view kind, const std::string& body) const {
  auto path = cache_path(kind);
  auto stamp = stamp_of(debug_path);
  if (!path || !stamp) return;
  Writer w;
  w.raw(kMagic.data(), kMagic.size());
  w.u32(kFormatVersion);
  w.u32(0);
  w.u64(stamp->size);
  w.u64(stamp->mtime_ns);
  w.str(*dwarf_elf().build_id());
  w.raw(body.data(), body.size());
  w.raw(kEndMagic.data(), kEndMagic.size());

  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(*path).parent_path(), ec);
  std::string tmp = fmt::format("{}.{}.{}.tmp", *path, ::getpid(), std::random_device()());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(w.out.data(), std::streamsize(w.out.size()))) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, *path, ec);
  if (ec) fs::remove(tmp, ec);
}

namespace {
bool at_end_magic(Cursor& c) { return c.ok() && c.fixed_string(8) == kEndMagic.substr(0, 7) && c.at_end(); }
std::string key_of(Cursor& c) { auto b = c.bytes(c.u32()); return std::string(b.begin(), b.end()); }
}  // namespace

bool DebugInfo::Impl::load_cached_index() {
  auto bytes = read_cache("names");
  if (!bytes) return false;
  Cursor c(*bytes, "names cache");
  if (c.u64() != units.size()) return false;
  NameMap types;
  NameMapOf<uint64_t> variables;
  std::unordered_map<uint64_t, std::string> qualified;
  // Every count is bounded by the bytes left, so a corrupt count cannot make the loops spin.
  for (uint64_t n = c.u64(); c.ok() && n > 0 && n <= c.remaining(); --n) {
    std::string k = key_of(c);
    std::vector<TypeId> ids(std::min<uint64_t>(c.u32(), c.remaining() / 8));
    for (auto& i : ids) i = c.u64();
    types.emplace(std::move(k), std::move(ids));
  }
  for (uint64_t n = c.u64(); c.ok() && n > 0 && n <= c.remaining(); --n) {
    std::string k = key_of(c);
    variables.emplace(std::move(k), c.u64());
  }
  for (uint64_t n = c.u64(); c.ok() && n > 0 && n <= c.remaining(); --n) {
    uint64_t die = c.u64();
    qualified.emplace(die, key_of(c));
  }
  if (!at_end_magic(c)) return false;
  type_index = std::move(types);
  variable_index = std::move(variables);
  type_qualified = std::move(qualified);
  return true;
}

void DebugInfo::Impl::store_cached_index() const {
  Writer w;
  w.u64(units.size());
  w.u64(type_index.size());
  for (const auto& [k, ids] : type_index) {
    w.str(k);
    w.u32(uint32_t(ids.size()));
    for (TypeId id : ids) w.u64(id);
  }
  w.u64(variable_index.size());
  for (const auto& [k, die] : variable_index) { w.str(k); w.u64(die); }
  w.u64(type_qualified.size());
  for (const auto& [die, q] : type_qualified) { w.u64(die); w.str(q); }
  write_cache("names", w.out);
}

bool DebugInfo::Impl::load_cached_units() {
  auto bytes = read_cache("units");
  if (!bytes) return false;
  Cursor c(*bytes, "units cache");
  std::vector<CompileUnit> found;
  std::vector<dw::UnitData> found_data;
  for (uint64_t n = c.u64(); c.ok() && n > 0 && n <= c.remaining(); --n) {
    CompileUnit cu;
    cu.offset = c.u64();
    cu.die_offset = c.u64();
    cu.version = uint16_t(c.u32());
    cu.dw_lang = c.u32();
    cu.language = language_from_dwarf(cu.dw_lang);
    cu.name = key_of(c);
    cu.producer = key_of(c);
    cu.comp_dir = key_of(c);
    dw::UnitData data;
    data.base = c.u64();
    bool has_stmt_list = c.u8() != 0;
    uint64_t stmt_list = c.u64();
    if (has_stmt_list) data.stmt_list = stmt_list;
    for (uint64_t m = c.u64(); c.ok() && m > 0 && m <= c.remaining() / 16; --m) {
      uint64_t begin = c.u64(), end = c.u64();
      cu.ranges.push_back({begin, end});
    }
    found.push_back(std::move(cu));
    found_data.push_back(std::move(data));
  }
  if (!at_end_magic(c)) return false;
  units = std::move(found);
  unit_data = std::move(found_data);
  index_unit_ranges();
  return true;
}

void DebugInfo::Impl::store_cached_units() const {
  Writer w;
  w.u64(units.size());
  for (size_t u = 0; u < units.size(); ++u) {
    const CompileUnit& cu = units[u];
    w.u64(cu.offset);
    w.u64(cu.die_offset);
    w.u32(cu.version);
    w.u32(cu.dw_lang);
    w.str(cu.name);
    w.str(cu.producer);
    w.str(cu.comp_dir);
    w.u64(unit_data[u].base);
    uint8_t has_stmt_list = unit_data[u].stmt_list ? 1 : 0;
    w.raw(&has_stmt_list, 1);
    w.u64(unit_data[u].stmt_list.value_or(0));
    w.u64(cu.ranges.size());
    for (const AddressRange& r : cu.ranges) { w.u64(r.begin); w.u64(r.end); }
  }
  write_cache("units", w.out);
}

}  // namespace krdb
