// Target memory through LLDB, for the core library's readers: the process's memory when there is
// one (a live kernel over QEMU's gdbstub, a dump served by `krdb core open`), else the target's
// files (`target variable` on a vmlinux without a process reads .data as linked).
#pragma once

#include <lldb/API/LLDB.h>

#include "krdb/target/memory.h"

namespace krdb::plugin {

class LldbMemory : public Memory {
 public:
  explicit LldbMemory(lldb::SBTarget target) : target_(target), process_(target.GetProcess()) {}
  Expected<void> read(uint64_t address, std::span<uint8_t> out) override;

 private:
  lldb::SBTarget target_;
  lldb::SBProcess process_;
};

}  // namespace krdb::plugin
