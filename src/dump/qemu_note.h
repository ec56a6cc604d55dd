// Internal to dump/: the x86-64 CPU state QEMU's dump-guest-memory writes as "QEMU" ELF notes
// (QEMUCPUState in QEMU's target/i386/arch_dump.c). libkdumpfile 0.5 reads the NT_PRSTATUS notes
// but skips these, and they hold what it needs when a dump has no VMCOREINFO: CR3 and CR4.
#pragma once

#include <cstdint>
#include <string>

#include "krdb/base/error.h"

namespace krdb::dump_detail {

struct QemuCpuState {
  uint64_t cr3 = 0, cr4 = 0;
};

// The first QEMU CPU-state note of the ELF64 little-endian core open as `fd`; NotFound when the
// file has none (not an ELF core, or not written by QEMU), BadData for malformed headers or notes.
Expected<QemuCpuState> read_qemu_cpu_state(int fd, const std::string& path);

}  // namespace krdb::dump_detail
