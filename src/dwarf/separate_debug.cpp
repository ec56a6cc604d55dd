#include "separate_debug.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "krdb/base/cursor.h"

namespace krdb::dw {

namespace {

namespace fs = std::filesystem;

std::optional<uint32_t> file_crc32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  uLong crc = crc32(0, nullptr, 0);
  std::vector<char> buf(1 << 16);
  while (in.read(buf.data(), std::streamsize(buf.size())) || in.gcount() > 0)
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), uInt(in.gcount()));
  return uint32_t(crc);
}

bool exists(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

std::optional<std::string> find_separate_debug_file(const ElfFile& elf, const std::string& root) {
  if (const auto& id = elf.build_id(); id && id->size() > 2) {
    std::string p = root + "/.build-id/" + id->substr(0, 2) + "/" + id->substr(2) + ".debug";
    if (exists(p)) return p;
  }
  auto link = elf.section_data(".gnu_debuglink");
  if (link.empty()) return std::nullopt;
  Cursor c(link, elf.path() + ": .gnu_debuglink");
  std::string name(c.cstring());
  c.align(4);
  uint32_t crc = c.u32();
  if (!c.ok() || name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  std::string dir = fs::absolute(elf.path()).parent_path().string();
  for (const std::string& candidate :
       {dir + "/" + name, dir + "/.debug/" + name, root + dir + "/" + name}) {
    if (candidate == fs::absolute(elf.path()).string() || !exists(candidate)) continue;
    if (file_crc32(candidate) == crc) return candidate;
  }
  return std::nullopt;
}

}  // namespace krdb::dw
