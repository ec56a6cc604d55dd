// KernelProgram: one kernel — crashed (a dump) or live (LLDB's memory) — seen through its
// memory and its vmlinux's debug info. It is the only place the kernel model gets addresses,
// struct layouts and values from, so the same code serves the CLI, the plugin and the tests.
// Contract:
// - Every struct offset and size comes from DWARF (field()/size_of()); a missing type or field is
//   a NotFound error that names it. Layouts are cached per "type.field.path".
// - Addresses returned are runtime addresses (vmlinux link address + KASLR offset).
// - Reads go through Memory: a missing page is a Fault naming the address, never zeros.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <unordered_map>

#include "krdb/base/error.h"
#include "krdb/base/limits.h"
#include "krdb/dump/dump.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/target/memory.h"

namespace krdb {

struct Field {
  uint64_t offset = 0;  // bytes from the start of the outer struct
  TypeId type = 0;
  uint64_t size = 0;    // of the field's type (0 if unsized)
  // A bitfield (printk_info.level:3) holds bits [bit_offset, bit_offset + bit_size) counted from
  // the least significant bit of the byte at `offset` (x86-64 is little-endian); 0 = not one.
  uint32_t bit_offset = 0, bit_size = 0;

  // The field's value (scalar or bitfield, up to 8 bytes) inside the bytes of its outer struct;
  // 0 when it does not lie inside them or is not a scalar — callers check the layout first.
  uint64_t extract(std::span<const uint8_t> outer) const;
};

struct OpenOptions {
  bool force = false;  // open even if the vmlinux does not match the dump
  Limits limits = default_limits();
};

class KernelProgram {
 public:
  // A dump and its vmlinux; checks that they match (build-id or banner) unless options.force.
  static Expected<std::unique_ptr<KernelProgram>> open_dump(const std::string& vmlinux,
                                                            const std::string& core,
                                                            const OpenOptions& options = {});
  // A live kernel: `memory` reads runtime addresses (e.g. through LLDB); `debug_info` is the
  // vmlinux; `kaslr_offset` the slide LLDB applied (0 with nokaslr).
  KernelProgram(DebugInfo& debug_info, Memory& memory, uint64_t kaslr_offset, Limits limits);
  ~KernelProgram();

  // The kernel's memory, bounded by limits().max_reads for the life of this program (one
  // command: the CLI runs one, the plugin makes a program per command).
  Memory& memory() { return *memory_; }
  DebugInfo& debug_info() { return *debug_info_; }
  Dump* dump() { return dump_.get(); }  // null for a live kernel
  const Limits& limits() const { return limits_; }
  uint64_t kaslr_offset() const { return kaslr_offset_; }
  // What opening had to assume (e.g. no KASLR offset found: 0 assumed); every front end says them.
  const std::vector<Error>& warnings() const { return warnings_; }

  // Runtime address of a vmlinux symbol (function or variable).
  Expected<uint64_t> symbol_address(const std::string& name);
  // The field at a dotted path inside a struct type: field("task_struct", "thread.sp").
  // Anonymous C struct/union members are searched through, as C does.
  Expected<Field> field(const std::string& type, const std::string& path);
  Expected<uint64_t> size_of(const std::string& type);
  // Element size of an array field (module.mem[], __per_cpu_offset[]).
  Expected<uint64_t> element_size(TypeId array_type);
  // The type and size of a global variable from DWARF (the per-cpu offset array, runqueues).
  Expected<TypeId> variable_type(const std::string& name) { return debug_info_->variable_type(name); }

  // Reads of one scalar or bitfield field of the struct at `address` (size from DWARF: 1, 2, 4
  // or 8 bytes; a bitfield's bits shifted down and masked).
  Expected<uint64_t> read_field(uint64_t address, const std::string& type, const std::string& path);
  Expected<uint64_t> read_pointer(uint64_t address) { return memory_->read_u64(address); }
  // A char array field (comm, name) as text, up to its size or the first NUL.
  Expected<std::string> read_char_array(uint64_t address, const std::string& type, const std::string& path);

 private:
  KernelProgram() = default;
  Expected<Field> find_field(TypeId type, const std::string& path, uint64_t depth);

  std::unique_ptr<DebugInfo> owned_debug_info_;
  std::unique_ptr<Dump> dump_;
  DebugInfo* debug_info_ = nullptr;
  std::unique_ptr<BudgetedMemory> budgeted_;  // the dump's or the caller's memory, max_reads bound
  Memory* memory_ = nullptr;
  uint64_t kaslr_offset_ = 0;
  std::vector<Error> warnings_;
  Limits limits_;
  std::unordered_map<std::string, Field> fields_;
  std::unordered_map<std::string, uint64_t> sizes_;
};

}  // namespace krdb
