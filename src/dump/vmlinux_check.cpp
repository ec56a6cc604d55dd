// Dump::check_vmlinux: is this vmlinux the kernel that crashed? Build-ids when both sides have
// one; otherwise linux_banner ("Linux version 6.12.117 (root@vm) (gcc …) #1 SMP <build date>"),
// which differs between any two builds, read from the file and from the dump's memory.
#include <fmt/format.h>

#include "krdb/dump/dump.h"

#include <elf.h>
#include "krdb/elf/elf_file.h"

namespace krdb {

namespace {

constexpr uint64_t kMaxBannerBytes = 1024;  // linux_banner is one line of ~200 bytes
// x86-64 KASLR (arch/x86/boot/compressed/kaslr.c, find_random_virt_addr) places the kernel at a
// multiple of CONFIG_PHYSICAL_ALIGN (2 MiB by default, and any allowed value is a multiple of
// it) inside KERNEL_IMAGE_SIZE (1 GiB): at most 512 candidates.
constexpr uint64_t kKaslrAlign = 2ull << 20;
constexpr uint64_t kKernelImageSize = 1ull << 30;

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
  return vmlinux.symbol_string("linux_banner", kMaxBannerBytes);
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

Expected<uint64_t> Dump::find_kaslr_offset(const ElfFile& vmlinux) {
  if (auto offset = kaslr_offset()) return *offset;
  auto file_banner = banner_in_file(vmlinux);
  if (!file_banner) return file_banner.error().within("cannot find the KASLR offset");
  uint64_t banner = vmlinux.symbol_named("linux_banner")->address;
  // The link address is the lowest the kernel can run at; a slide only moves it up.
  for (uint64_t offset = 0; offset < kKernelImageSize && banner + offset >= banner; offset += kKaslrAlign) {
    auto text = read_cstring(banner + offset, file_banner->size() + 1);
    if (text && *text == *file_banner) return offset;
  }
  return Error(ErrorKind::NotFound,
               fmt::format("the vmlinux's linux_banner is at none of the {} offsets KASLR can choose: "
                           "a different kernel, or the banner's page is not in the dump",
                           kKernelImageSize / kKaslrAlign),
               path_);
}

// Without build-ids: the banner in memory at linux_banner + KASLR offset must equal the file's;
// if that memory cannot be read, OSRELEASE must at least appear in the file's banner.
Expected<void> Dump::check_banner(const ElfFile& vmlinux) {
  auto file_banner = banner_in_file(vmlinux);
  if (!file_banner) return file_banner.error().within("cannot check the vmlinux against the dump");
  auto offset = find_kaslr_offset(vmlinux);
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
