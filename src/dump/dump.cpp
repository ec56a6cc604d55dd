// Dump: opening a dump with libkdumpfile and reading its attributes (format, VMCOREINFO, CPUs).
// Memory reads are in dump_read.cpp, the vmlinux check in vmlinux_check.cpp.
#include "krdb/dump/dump.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "kdump_util.h"
#include "flattened.h"
#include "probe.h"
#include "qemu_note.h"

namespace krdb {

using namespace dump_detail;

namespace {

// cpu.number comes from the file (one per NT_PRSTATUS note); x86-64 NR_CPUS is at most 8192.
constexpr uint64_t kMaxCpus = 8192;
constexpr uint64_t kCr4La57 = 1u << 12;                    // 5-level paging enabled
constexpr uint64_t kCr3TableMask = 0x000ffffffffff000ull;  // drops PCID and the no-flush bit


// QEMU's dump-guest-memory -z (and libvirt's kdump formats) write a diskdump header whose
// utsname holds only `machine`; libkdumpfile 0.5.1 then leaves the architecture unset (measured
// on QEMU 7.2's files). Read the header's utsname.machine ourselves: struct disk_dump_header
// starts with signature[8], header_version (int), then struct new_utsname (six 65-byte fields:
// sysname nodename release version machine domainname), so `machine` is at 12 + 4 * 65.
std::optional<std::string> diskdump_machine(int fd) {
  constexpr off_t kMachineOffset = 12 + 4 * 65;
  char header[8] = {};
  char machine[65] = {};
  if (pread(fd, header, sizeof header, 0) != ssize_t(sizeof header) || std::memcmp(header, "KDUMP   ", 8) != 0)
    return std::nullopt;
  if (pread(fd, machine, sizeof machine - 1, kMachineOffset) <= 0) return std::nullopt;
  return std::string(machine);
}

// makedumpfile's dump level (kdump_sub_header.dump_level, one block after the header; the
// header's block_size is at 428: signature 8, header_version 4, new_utsname 390, timeval 16 at
// 408, status 4). Bit 0 excludes zero pages, bits 1-4 cache, private cache, user and free pages.
std::optional<int> diskdump_dump_level(int fd) {
  char header[8] = {};
  int32_t block_size = 0, level = 0;
  if (pread(fd, header, sizeof header, 0) != ssize_t(sizeof header) || std::memcmp(header, "KDUMP   ", 8) != 0)
    return std::nullopt;
  if (pread(fd, &block_size, 4, 428) != 4 || block_size <= 0 || block_size > (1 << 20)) return std::nullopt;
  if (pread(fd, &level, 4, off_t(block_size) + 8) != 4 || level < 0 || level > 0x7f) return std::nullopt;
  return level;
}

}  // namespace

Dump::~Dump() {
  // A context whose open failed cannot be freed safely (see probe.h): leak it. probe_in_child()
  // makes that a should-not-happen case.
  if (ctx_ && opened_) kdump_free(ctx_);
  if (fd_ >= 0) ::close(fd_);  // kdump_free leaves the descriptor open (measured)
}

Expected<std::unique_ptr<Dump>> Dump::open(const std::string& path) {
  std::unique_ptr<Dump> d(new Dump());
  d->path_ = path;
  d->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (d->fd_ < 0)
    return Error(ErrorKind::Io, fmt::format("cannot open crash dump: {}", std::strerror(errno)), path);
  struct stat st {};
  if (fstat(d->fd_, &st) != 0 || !S_ISREG(st.st_mode))
    return Error(ErrorKind::Io, "not a regular file, cannot be a crash dump", path);
  if (st.st_size == 0) return Error(ErrorKind::BadData, "empty file, not a crash dump", path);
  auto rebuilt = dump::unflatten(d->fd_, path);
  if (!rebuilt) return rebuilt.error();
  if (*rebuilt >= 0) {
    ::close(d->fd_);
    d->fd_ = *rebuilt;
  }
  auto probed = probe_in_child(d->fd_, path);
  if (!probed) return probed.error();
  d->ctx_ = kdump_new();
  if (!d->ctx_) return Error(ErrorKind::Io, "libkdumpfile: cannot allocate a dump context", path);
  // libkdumpfile mmaps the file by default and then faults (SIGBUS) on a truncated dump whose
  // headers point past the end of the file (measured with 0.5.1): read(2) turns that into errors.
  kdump_set_number_attr(d->ctx_, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
  // Before the open: libkdumpfile decodes the NT_PRSTATUS notes while opening, and only for a
  // known architecture (a QEMU kdump's notes are lost otherwise; see diskdump_machine()).
  if (auto machine = diskdump_machine(d->fd_); machine && *machine == KDUMP_ARCH_X86_64)
    kdump_set_string_attr(d->ctx_, KDUMP_ATTR_ARCH_NAME, KDUMP_ARCH_X86_64);
  kdump_status s = kdump_open_fd(d->ctx_, d->fd_);
  if (s != KDUMP_OK)
    return Error(error_kind(s), "not a crash dump libkdumpfile can read: " + last_error(d->ctx_, s), path);
  d->opened_ = true;
  // At dump level 1 libkdumpfile 0.5.1 already reads the zero pages makedumpfile left out as
  // zeros (measured: every page of a -d 1 dump of the fixture reads, equal to the ELF dump's);
  // krdb never sets file.zero_excluded, which would turn every other excluded page into zeros.
  d->dump_level_ = diskdump_dump_level(d->fd_);
  // Without an OS type libaddrxlat knows no Linux layout and VMCOREINFO stays unparsed.
  s = kdump_set_string_attr(d->ctx_, KDUMP_ATTR_OSTYPE, "linux");
  if (s != KDUMP_OK)
    return Error(error_kind(s), "cannot set up Linux address translation: " + last_error(d->ctx_, s), path);
  auto loaded = d->load_attributes();
  if (!loaded) return loaded.error();
  auto cpus = d->load_cpus();
  if (!cpus) return cpus.error();
  return d;
}

Expected<void> Dump::load_attributes() {
  auto arch = string_attr(ctx_, KDUMP_ATTR_ARCH_NAME);
  if (!arch)
    return Error(ErrorKind::BadData, "the dump does not say its architecture: " + last_error(ctx_, KDUMP_ERR_NODATA), path_);
  if (*arch != KDUMP_ARCH_X86_64)
    return Error(ErrorKind::Unsupported, fmt::format("{} dump: krdb supports x86-64 only", *arch), path_);
  format_ = string_attr(ctx_, KDUMP_ATTR_FILE_FORMAT).value_or("unknown");
  description_ = string_attr(ctx_, "file.description").value_or(format_);
  char* raw = nullptr;
  if (kdump_vmcoreinfo_raw(ctx_, &raw) == KDUMP_OK && raw) {
    vmcoreinfo_ = VmcoreInfo::parse(raw);
    std::free(raw);
  }
  if (!has_vmcoreinfo()) {
    auto qemu = use_qemu_cpu_state();
    if (!qemu && qemu.error().kind != ErrorKind::NotFound) return qemu.error();
  }
  uts_release_ = string_attr(ctx_, "linux.uts.release");
  if (auto code = number_attr(ctx_, KDUMP_ATTR_LINUX_VERSION_CODE)) version_code_ = uint32_t(*code);
  return {};
}

// libkdumpfile finds the page tables through VMCOREINFO only. A QEMU dump of a guest without
// the vmcoreinfo device has none, but QEMU's own CPU-state note carries CR3 and CR4: tell
// libaddrxlat the root page table and paging depth by hand (CPU 0's view; see dump.h).
Expected<void> Dump::use_qemu_cpu_state() {
  auto state = read_qemu_cpu_state(fd_, path_);
  if (!state) return state.error();
  uint64_t virt_bits = (state->cr4 & kCr4La57) ? 57 : 48;
  kdump_status s = kdump_set_number_attr(ctx_, "addrxlat.default.virt_bits", virt_bits);
  if (s == KDUMP_OK) s = kdump_set_number_attr(ctx_, "addrxlat.default.rootpgt.as", ADDRXLAT_KPHYSADDR);
  if (s == KDUMP_OK)
    s = kdump_set_address_attr(ctx_, "addrxlat.default.rootpgt.addr", state->cr3 & kCr3TableMask);
  if (s != KDUMP_OK)
    return Error(error_kind(s), "cannot use the QEMU CR3 for address translation: " + last_error(ctx_, s), path_);
  return {};
}

Expected<void> Dump::load_cpus() {
  auto count = number_attr(ctx_, KDUMP_ATTR_NUM_CPUS);
  if (!count) return {};  // no NT_PRSTATUS notes: a dump without registers is still a dump
  if (*count > kMaxCpus)
    return Error(ErrorKind::BadData, fmt::format("{} CPU notes, more than x86-64's {} CPUs", *count, kMaxCpus), path_);
  for (unsigned i = 0; i < *count; ++i) {
    CpuState cpu;
    cpu.index = i;
    std::string prefix = fmt::format("cpu.{}.", i);
    if (auto pid = number_attr(ctx_, (prefix + "pid").c_str())) cpu.pid = *pid;
    for (unsigned r = 0; r < unsigned(Reg::count); ++r) {
      std::string key = prefix + "reg." + std::string(reg_name(Reg(r)));
      if (auto v = number_attr(ctx_, key.c_str())) cpu.registers.set(Reg(r), *v);
    }
    cpus_.push_back(std::move(cpu));
  }
  return {};
}

Expected<uint64_t> Dump::kaslr_offset() const {
  if (!has_vmcoreinfo())
    return Error(ErrorKind::NotFound,
                 "the dump has no VMCOREINFO, so its KASLR offset is unknown (find it from the vmlinux)", path_);
  if (!vmcoreinfo_.get("KERNELOFFSET")) return uint64_t(0);
  auto offset = vmcoreinfo_.hex("KERNELOFFSET");
  if (!offset) return offset.error().within(path_);
  return *offset;
}

std::optional<std::string> Dump::osrelease() const {
  if (auto r = vmcoreinfo_.get("OSRELEASE")) return r;
  return uts_release_;
}

std::optional<std::string> Dump::build_id() const {
  auto id = vmcoreinfo_.get("BUILD-ID");
  if (!id) return std::nullopt;
  for (char& c : *id) c = char(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

}  // namespace krdb

#if defined(__SANITIZE_ADDRESS__)  // GCC
#define KRDB_DUMP_ASAN 1
#elif defined(__has_feature)      // clang (the fuzzers)
#if __has_feature(address_sanitizer)
#define KRDB_DUMP_ASAN 1
#endif
#endif
#ifdef KRDB_DUMP_ASAN
// LeakSanitizer: libkdumpfile 0.5.1's kdump_free() reads freed memory while unhooking the
// diskdump format (valgrind shows it; libkdumpfile issue #72), and under ASan's allocator it then
// misses buffers it owns (24 KiB compressed-page buffer). Those leaks are libkdumpfile's;
// krdb's own are still reported. Lives here so that every binary using Dump links it.
extern "C" const char* __lsan_default_suppressions() {
  // libdwarf 20210528: error objects handed to the error handler without a Dwarf_Debug.
  return "leak:libkdumpfile.so\nleak:_dwarf_special_no_dbg_error_malloc\nleak:libdwarf.so\n";
}
#endif
