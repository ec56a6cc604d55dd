#include "krdb/kernel/module_files.h"

#include <fcntl.h>
#include <lzma.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace krdb {

namespace fs = std::filesystem;

namespace {

// A decompressed module larger than this is not a module (the largest in a distro kernel are
// tens of MiB with DWARF); bounds the memory a hostile .ko.xz can make krdb allocate.
constexpr uint64_t kMaxModuleBytes = 1ull << 30;
constexpr size_t kChunk = 1 << 16;

const char* const kSuffixes[] = {".ko.debug", ".ko.xz", ".ko.zst", ".ko"};

std::string normalise(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// Writes all of `data` to fd.
Expected<void> write_all(int fd, const uint8_t* data, size_t n, const std::string& path) {
  while (n) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Error(ErrorKind::Io, fmt::format("cannot write the decompressed module: {}", strerror(errno)), path);
    data += w;
    n -= size_t(w);
  }
  return {};
}

// Decompresses `path` (xz or zstd) into a memfd; liblzma and libzstd stream it in chunks.
Expected<int> decompress(const std::string& path, bool xz) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorKind::Io, "cannot open", path);
  int fd = memfd_create("krdb-module", MFD_CLOEXEC);
  if (fd < 0) return Error(ErrorKind::Io, fmt::format("memfd_create: {}", strerror(errno)), path);
  std::vector<uint8_t> ibuf(kChunk), obuf(kChunk);
  uint64_t total = 0;
  auto fail = [&](Error e) -> Expected<int> { ::close(fd); return e; };
  auto emit = [&](size_t n) -> Expected<void> {
    total += n;
    if (total > kMaxModuleBytes)
      return Error(ErrorKind::BadData, fmt::format("decompresses to more than {} bytes: not a module", kMaxModuleBytes), path);
    return write_all(fd, obuf.data(), n, path);
  };
  if (xz) {
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
      return fail(Error(ErrorKind::Io, "liblzma: cannot start a decoder", path));
    lzma_ret r = LZMA_OK;
    while (r == LZMA_OK) {
      if (s.avail_in == 0 && in) {
        in.read(reinterpret_cast<char*>(ibuf.data()), std::streamsize(ibuf.size()));
        s.next_in = ibuf.data();
        s.avail_in = size_t(in.gcount());
      }
      s.next_out = obuf.data();
      s.avail_out = obuf.size();
      r = lzma_code(&s, in || s.avail_in ? LZMA_RUN : LZMA_FINISH);
      if (auto w = emit(obuf.size() - s.avail_out); !w) { lzma_end(&s); return fail(w.error()); }
    }
    lzma_end(&s);
    if (r != LZMA_STREAM_END) return fail(Error(ErrorKind::BadData, fmt::format("not a valid .xz file (liblzma error {})", int(r)), path));
  } else {
    ZSTD_DStream* z = ZSTD_createDStream();
    if (!z) return fail(Error(ErrorKind::Io, "libzstd: cannot start a decoder", path));
    size_t last = 1;
    while (in) {
      in.read(reinterpret_cast<char*>(ibuf.data()), std::streamsize(ibuf.size()));
      ZSTD_inBuffer input{ibuf.data(), size_t(in.gcount()), 0};
      while (input.pos < input.size) {
        ZSTD_outBuffer output{obuf.data(), obuf.size(), 0};
        last = ZSTD_decompressStream(z, &output, &input);
        if (ZSTD_isError(last)) {
          ZSTD_freeDStream(z);
          return fail(Error(ErrorKind::BadData, std::string("not a valid .zst file: ") + ZSTD_getErrorName(last), path));
        }
        if (auto w = emit(output.pos); !w) { ZSTD_freeDStream(z); return fail(w.error()); }
      }
    }
    ZSTD_freeDStream(z);
    if (last != 0) return fail(Error(ErrorKind::BadData, "truncated .zst file", path));
  }
  return fd;
}

}  // namespace

struct ModuleFiles::Opened {
  std::string path;
  int fd = -1;  // the memfd of a decompressed file
  std::unique_ptr<DebugInfo> info;
  ~Opened() { if (fd >= 0) ::close(fd); }
};

ModuleFiles::ModuleFiles(ModuleFileOptions options) : options_(std::move(options)) {
  if (options_.system_dirs && !options_.release.empty()) {
    options_.search_dirs.push_back("/lib/modules/" + options_.release);
    options_.search_dirs.push_back("/usr/lib/debug/lib/modules/" + options_.release);
  }
}
ModuleFiles::~ModuleFiles() = default;

std::string ModuleFiles::module_name_of(const std::string& file_name) {
  for (const char* suffix : kSuffixes)
    if (file_name.size() > strlen(suffix) && file_name.ends_with(suffix))
      return normalise(file_name.substr(0, file_name.size() - strlen(suffix)));
  return "";
}

void ModuleFiles::add_module_spec(std::map<std::string, std::string>& files, const std::string& spec) {
  auto eq = spec.find('=');
  std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
  std::string name = eq == std::string::npos ? module_name_of(fs::path(path).filename().string()) : spec.substr(0, eq);
  files[name.empty() ? path : name] = path;
}

void ModuleFiles::index_dirs() {
  indexed_ = true;
  uint64_t budget = options_.limits.max_list_steps;
  for (const std::string& dir : options_.search_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      // The system directories are often absent (a dump from another machine): not worth a word.
      if (!dir.starts_with("/lib/modules/") && !dir.starts_with("/usr/lib/debug/"))
        warnings_.emplace_back(ErrorKind::NotFound, "not a directory: no modules searched there", dir);
      continue;
    }
    // recursive_directory_iterator does not follow directory links by default: no loops.
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (budget-- == 0) {
        warnings_.emplace_back(ErrorKind::BadData,
                               fmt::format("more than max_list_steps ({}) entries: the rest are not searched",
                                           options_.limits.max_list_steps), dir);
        return;
      }
      std::string name = module_name_of(it->path().filename().string());
      if (!name.empty() && it->is_regular_file(ec)) candidates_[name].push_back(it->path().string());
    }
    if (ec) warnings_.emplace_back(ErrorKind::Io, "cannot read the directory: " + ec.message(), dir);
  }
  // Separate debug files first (they carry the DWARF), then by path for a stable choice.
  for (auto& [name, paths] : candidates_)
    std::stable_sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
      return a.ends_with(".ko.debug") > b.ends_with(".ko.debug");
    });
}

std::unique_ptr<ModuleFiles::Opened> ModuleFiles::open_candidate(const std::string& path, const ModuleInfo& module) {
  auto opened = std::make_unique<Opened>();
  opened->path = path;
  std::string readable = path;
  bool xz = path.ends_with(".xz"), zst = path.ends_with(".zst");
  if (xz || zst) {
    auto fd = decompress(path, xz);
    if (!fd) { warnings_.push_back(fd.error().within("module " + module.name)); return nullptr; }
    opened->fd = *fd;
    readable = fmt::format("/proc/self/fd/{}", *fd);
  }
  auto info = DebugInfo::open(readable, options_.limits);
  if (!info) { warnings_.push_back(info.error().within(fmt::format("module {} ({})", module.name, path))); return nullptr; }
  const auto& file_id = (*info)->elf().build_id();
  if (module.build_id && file_id && *module.build_id != *file_id) {
    warnings_.emplace_back(ErrorKind::Usage,
                           fmt::format("stale module file refused: its build-id is {}, the loaded {}'s is {}",
                                       *file_id, module.name, *module.build_id), path);
    return nullptr;
  }
  if (!module.build_id || !file_id)
    warnings_.emplace_back(ErrorKind::NotFound,
                           fmt::format("{} matched by name only ({} has no build-id)", module.name,
                                       !file_id ? "the file" : "the loaded module"), path);
  opened->info = std::move(*info);
  return opened;
}

DebugInfo* ModuleFiles::debug_info(const ModuleInfo& module) {
  std::string name = normalise(module.name);
  if (auto it = opened_.find(name); it != opened_.end()) return it->second ? it->second->info.get() : nullptr;
  std::vector<std::string> paths;
  if (auto it = options_.files.find(module.name); it != options_.files.end()) paths.push_back(it->second);
  else if (auto it2 = options_.files.find(name); it2 != options_.files.end()) paths.push_back(it2->second);
  if (paths.empty()) {
    if (!indexed_) index_dirs();
    if (auto it = candidates_.find(name); it != candidates_.end()) paths = it->second;
  }
  std::unique_ptr<Opened> chosen;
  for (const std::string& path : paths)
    if ((chosen = open_candidate(path, module))) break;
  auto& slot = opened_[name];
  slot = std::move(chosen);
  return slot ? slot->info.get() : nullptr;
}

std::string ModuleFiles::path_of(const std::string& module) const {
  auto it = opened_.find(normalise(module));
  return it != opened_.end() && it->second ? it->second->path : "";
}

LoadMap module_load_map(const ModuleInfo& module, DebugInfo& ko) {
  LoadMap map;
  for (const ModuleSection& s : module.sections) {
    auto file = ko.section_address(s.name);
    auto elf_section = ko.elf().section(s.name);
    if (file && elf_section) map.add(*file, elf_section->size, s.address);
  }
  return map;
}

}  // namespace krdb
