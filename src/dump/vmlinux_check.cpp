// Dump::check_vmlinux: is this vmlinux the kernel that crashed? Build-ids when both sides have
// one; otherwise linux_banner ("Linux version 6.12.117 (root@vm) (gcc …) #1 SMP <build date>"),
// which differs between any two builds, read from the file and from the dump's memory.
#include <fmt/format.h>

#include "krdb/dump/dump.h"
#include "krdb/elf/elf_file.h"

namespace krdb {

namespace {

constexpr uint64_t kMaxBannerBytes = 1024;  // linux_banner is one line of ~200 bytes
constexpr uint32_t kShtNobits = 8;

Error mismatch(const std::string& vmlinux, const std::string& what, const std::string& theirs,
               const std::string& ours, const std::string& dump) {
  return Error(ErrorKind::Usage,
               fmt::format("{} is not the kernel of this dump: its {} is {}, the dump's is {} "
                           "(use --force to analyse it anyway)",
                           vmlinux, what, theirs, ours),
               dump);
}

// linux_banner as stored in the vmlinux file.
Expected<std::string> banner_in_file(const ElfFile& vmlinux) {
  const ElfSymbol* sym = vmlinux.symbol_named("linux_banner");
  if (!sym) return Error(ErrorKind::NotFound, "vmlinux has no linux_banner symbol", vmlinux.path());
  for (const ElfSection& sec : vmlinux.sections()) {
    if (sec.type == kShtNobits || sym->address < sec.address || sym->address - sec.address >= sec.size)
      continue;
    auto data = vmlinux.section_data(sec).subspan(sym->address - sec.address);
    std::string text(reinterpret_cast<const char*>(data.data()), std::min<size_t>(data.size(), kMaxBannerBytes));
    return text.substr(0, text.find('\0'));
  }
  return Error(ErrorKind::NotFound, "linux_banner is in no section with contents", vmlinux.path());
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

Expected<void> Dump::check_vmlinux(const ElfFile& vmlinux) {
  auto ours = build_id();
  const auto& theirs = vmlinux.build_id();
  if (ours && theirs) {
    if (*ours == *theirs) return {};
    return mismatch(vmlinux.path(), "build-id", *theirs, *ours, path_);
  }
  return check_banner(vmlinux);
}

// Without build-ids: the banner in memory at linux_banner + KASLR offset must equal the file's;
// if that memory cannot be read, OSRELEASE must at least appear in the file's banner.
Expected<void> Dump::check_banner(const ElfFile& vmlinux) {
  auto file_banner = banner_in_file(vmlinux);
  if (!file_banner) return file_banner.error().within("cannot check the vmlinux against the dump");
  auto offset = kaslr_offset();
  const ElfSymbol* sym = vmlinux.symbol_named("linux_banner");
  Expected<std::string> dump_banner =
      offset ? read_cstring(sym->address + *offset, kMaxBannerBytes) : Expected<std::string>(offset.error());
  if (dump_banner) {
    if (*dump_banner == *file_banner) return {};
    return mismatch(vmlinux.path(), "linux_banner", "'" + first_line(*file_banner) + "'",
                    "'" + first_line(*dump_banner) + "'", path_);
  }
  auto release = osrelease();
  if (!release)
    return dump_banner.error().within("cannot check the vmlinux against the dump (no build-id, no OSRELEASE)");
  if (file_banner->starts_with("Linux version " + *release + " ")) return {};
  return mismatch(vmlinux.path(), "release", "'" + first_line(*file_banner) + "'", *release, path_);
}

}  // namespace krdb
