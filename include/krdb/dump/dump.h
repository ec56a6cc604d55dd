// Dump: a Linux kernel crash dump opened read-only through libkdumpfile — ELF vmcores (QEMU
// dump-guest-memory with or without paging, kdump /proc/vmcore copies) and makedumpfile
// kdump-compressed ("diskdump") files; whatever libkdumpfile 0.5 opens. x86-64 only.
// Contract:
// - open() never throws or aborts; an unreadable, empty, truncated or foreign file is an Error
//   whose context is the path. It first lets libkdumpfile probe the file in a forked child
//   (libkdumpfile 0.5.1 crashes freeing a context that failed to open; see src/dump/probe.h).
// - read() takes kernel virtual addresses (text, direct map, vmalloc/vmap stacks, modules,
//   per-cpu; a lower-half address is a Fault), translated by libaddrxlat through the page tables found from VMCOREINFO. A page
//   missing from the dump is a Fault naming the address and why (filtered out by makedumpfile,
//   not RAM, unmapped) — never zeros, except at dump level 1 where only zero pages were left out. Not thread-safe (libkdumpfile contexts are not).
// - Without VMCOREINFO (QEMU ELF dump of a guest without `-device vmcoreinfo`), libkdumpfile
//   cannot translate at all; Dump then takes the page-table root (CR3) and paging depth
//   (CR4.LA57) from CPU 0's QEMU CPU-state note. Limits in that case: kaslr_offset() is NotFound
//   (find_kaslr_offset() finds it from the vmlinux's banner), osrelease()/build_id() are empty, check_vmlinux() returns an
//   Error saying it cannot check, and a dump taken while CPU 0 ran on a user page table (PTI) translates
//   kernel addresses only as far as that table maps them.
// - cpus() are the NT_PRSTATUS notes: registers at the crash (kdump) or at dump time (QEMU).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/dump/vmcoreinfo.h"
#include "krdb/target/memory.h"
#include "krdb/target/registers.h"

struct _kdump_ctx;  // libkdumpfile's kdump_ctx_t

namespace krdb {

class ElfFile;

struct CpuState {
  unsigned index = 0;
  // pr_pid of the NT_PRSTATUS note: the task on that CPU for a kdump (0 = idle); QEMU writes
  // the CPU index + 1 instead.
  std::optional<uint64_t> pid;
  RegisterSet registers;
};

class Dump : public Memory {
 public:
  static Expected<std::unique_ptr<Dump>> open(const std::string& path);
  ~Dump() override;
  Dump(const Dump&) = delete;
  Dump& operator=(const Dump&) = delete;

  const std::string& path() const { return path_; }
  // libkdumpfile's names: format "elf" / "diskdump", description "ELF64 dump" / "Compressed KDUMP".
  const std::string& format() const { return format_; }
  const std::string& description() const { return description_; }

  bool has_vmcoreinfo() const { return !vmcoreinfo_.empty(); }
  const VmcoreInfo& vmcoreinfo() const { return vmcoreinfo_; }
  // KERNELOFFSET (0 if VMCOREINFO has none); NotFound when the dump has no VMCOREINFO at all.
  Expected<uint64_t> kaslr_offset() const;
  // OSRELEASE of VMCOREINFO ("6.12.117"), else libkdumpfile's linux.uts.release.
  std::optional<std::string> osrelease() const;
  // BUILD-ID of VMCOREINFO (lower-case hex, as ElfFile::build_id()).
  std::optional<std::string> build_id() const;
  // makedumpfile's dump level of a kdump-compressed file (31 = zero, cache, user and free pages
  // excluded); nullopt for ELF dumps. At level 1 the left-out (zero) pages read as zeros.
  std::optional<int> dump_level() const { return dump_level_; }
  // LINUX_VERSION_CODE (KERNEL_VERSION(6, 12, 117) = 0x60c75) when libkdumpfile knows it.
  std::optional<uint32_t> version_code() const { return version_code_; }

  const std::vector<CpuState>& cpus() const { return cpus_; }

  Expected<void> read(uint64_t address, std::span<uint8_t> out) override;
  Expected<void> read_physical(uint64_t address, std::span<uint8_t> out);

  // Whether `vmlinux` is the kernel that crashed: VMCOREINFO BUILD-ID against the ELF build-id;
  // without a build-id on either side, the linux_banner text in the dump against the vmlinux's.
  // A mismatch is a Usage error naming both sides and suggesting --force.
  Expected<void> check_vmlinux(const ElfFile& vmlinux);

  // The KASLR offset of `vmlinux` in this dump: KERNELOFFSET when VMCOREINFO has it; otherwise
  // found by looking for the file's linux_banner at every offset x86-64 KASLR can choose
  // (multiples of 2 MiB within the 1 GiB kernel image area). NotFound when no offset matches
  // (not this kernel, or its banner page is not in the dump).
  Expected<uint64_t> find_kaslr_offset(const ElfFile& vmlinux);

 private:
  enum class Space { Virtual, Physical };
  Dump() = default;
  Expected<void> load_attributes();
  Expected<void> load_cpus();
  Expected<void> use_qemu_cpu_state();
  Expected<void> read_in(Space space, uint64_t address, std::span<uint8_t> out);
  Error read_error(Space space, uint64_t address, int status);
  std::optional<bool> page_bit(const char* map, uint64_t paddr);
  Expected<void> check_banner(const ElfFile& vmlinux);

  std::string path_;
  int fd_ = -1;
  _kdump_ctx* ctx_ = nullptr;
  bool opened_ = false;  // kdump_open_fd succeeded: only then may ctx_ be freed
  std::string format_, description_;
  VmcoreInfo vmcoreinfo_;
  std::optional<std::string> uts_release_;
  std::optional<uint32_t> version_code_;
  std::optional<int> dump_level_;
  std::vector<CpuState> cpus_;
};

}  // namespace krdb
