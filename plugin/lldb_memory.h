// Target memory and registers through LLDB, for the core library's readers: the process's memory when there is
// one (a live kernel over QEMU's gdbstub, a dump served by `krdb core open`), else the target's
// files (`target variable` on a vmlinux without a process reads .data as linked).
#pragma once

#include <lldb/API/LLDB.h>

#include "krdb/target/memory.h"
#include "krdb/target/registers.h"

namespace krdb::plugin {

class LldbMemory : public Memory {
 public:
  explicit LldbMemory(lldb::SBTarget target) : target_(target), process_(target.GetProcess()) {}
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override;

 private:
  lldb::SBTarget target_;
  lldb::SBProcess process_;
};

// A frame's registers as LLDB has them (frame 0: the thread's; outer frames: what LLDB's
// unwinder recovered), by the names LLDB's x86-64 register sets use; unavailable ones unknown.
RegisterSet frame_registers(lldb::SBFrame frame);

}  // namespace krdb::plugin
