#include "lldb_memory.h"

#include <fmt/format.h>

namespace krdb::plugin {

Expected<void> LldbMemory::read(uint64_t address, std::span<uint8_t> out) {
  lldb::SBError error;
  size_t n = 0;
  if (process_.IsValid()) {
    n = process_.ReadMemory(address, out.data(), out.size(), error);
  } else {
    lldb::SBAddress where(address, target_);
    n = target_.ReadMemory(where, out.data(), out.size(), error);
  }
  if (error.Fail() || n != out.size())
    return Error(ErrorKind::Fault,
                 fmt::format("LLDB could not read {} bytes: {}", out.size(),
                             error.GetCString() ? error.GetCString() : "short read"),
                 fmt::format("address {:#x}", address));
  return {};
}

RegisterSet frame_registers(lldb::SBFrame frame) {
  RegisterSet regs;
  for (unsigned i = 0; i < unsigned(Reg::count); ++i) {
    std::string name(reg_name(Reg(i)));
    lldb::SBValue v = frame.FindRegister(name.c_str());
    if (!v.IsValid()) continue;
    lldb::SBError error;
    uint64_t value = v.GetValueAsUnsigned(error, 0);
    if (error.Success()) regs.set(Reg(i), value);
  }
  return regs;
}

}  // namespace krdb::plugin
