// UserCore: an ELF core file of a user-space process (written by the kernel on a crash, or by
// gdb's gcore), x86-64. It is a Memory over the process's address space and lists the threads
// with their registers (NT_PRSTATUS), the command (NT_PRPSINFO) and the mapped files (NT_FILE).
// Contract:
// - open() never throws; a file that is not an x86-64 ELF core, or whose notes are malformed,
//   is an Error naming the path. The file is read with pread (no mmap): a truncated core gives
//   Faults on the missing part, never SIGBUS.
// - read() serves PT_LOAD contents; memory the core left out (a segment's memsz beyond its
//   filesz: file-backed text the kernel does not dump) is read from the mapped file named by
//   NT_FILE when it is on disk; otherwise a Fault says which segment and why.
// - Every count from the file is bounded (segments, notes, threads, mapped files, name bytes).
// - The NT_PRSTATUS register block is struct user_regs_struct, the x86-64 user ABI's pt_regs
//   layout — decoded with the unwinder's PtRegsLayout::x86_64_user_abi(), not re-spelt here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/target/memory.h"
#include "krdb/target/registers.h"

namespace krdb {

struct CoreThread {
  int64_t tid = 0;
  int signal = 0;        // pr_cursig: the signal that killed it (0 for the other threads)
  RegisterSet registers;
};

struct CoreMapping {
  uint64_t start = 0, end = 0;  // [start, end)
  uint64_t file_offset = 0;     // bytes
  std::string path;
};

class UserCore : public Memory {
 public:
  static Expected<std::unique_ptr<UserCore>> open(const std::string& path);
  // Whether `path` is a user-space core (ET_CORE with NT_PRPSINFO/NT_FILE notes) rather than a
  // kernel dump (vmcore, QEMU dump): false for anything unreadable.
  static bool is_user_core(const std::string& path);
  // The same test on an opened core: it has the process notes a kernel dump lacks.
  bool has_process_notes() const { return !command_.empty(); }
  ~UserCore() override;

  const std::string& path() const { return path_; }
  const std::vector<CoreThread>& threads() const { return threads_; }
  const std::vector<CoreMapping>& mappings() const { return mappings_; }
  const std::string& command() const { return command_; }  // pr_fname
  // The mapping holding an address, if any.
  const CoreMapping* mapping_of(uint64_t address) const;

  Expected<void> read(uint64_t address, std::span<uint8_t> out) override;

 private:
  struct Segment {
    uint64_t vaddr = 0, memsz = 0, offset = 0, filesz = 0;
  };
  UserCore() = default;
  Expected<void> load(int fd);
  Expected<void> parse_notes(std::span<const uint8_t> notes);
  Expected<void> add_thread(std::span<const uint8_t> desc);
  void read_command(std::span<const uint8_t> desc);
  Expected<void> add_mapped_files(std::span<const uint8_t> desc);
  Expected<void> read_from_mapped_file(uint64_t address, std::span<uint8_t> out, const Segment& seg);

  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::vector<Segment> segments_;  // sorted by vaddr
  std::vector<CoreThread> threads_;
  std::vector<CoreMapping> mappings_;
  std::string command_;
};

}  // namespace krdb
