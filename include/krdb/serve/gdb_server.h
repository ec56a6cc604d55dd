// A crash dump served over the gdb remote protocol (`krdb serve`, `krdb core open` in LLDB): the
// kernel's threads (kernel/threads.h) with their registers, and memory through the dump's
// translation, so that LLDB, GDB and IDEs debug a vmcore as they debug QEMU's gdbstub.
// The packet set and its pitfalls are the ones measured in shared/docs/gdb-remote.md:
// - target.xml is GDB's amd64 core + sse + segments layout (LLDB's fallback order kept);
//   `p` of an unknown register is E0e, never `xx` (LLDB then reads 0xcc fill); `g` keeps `xx`.
// - No OS is reported anywhere (LLDB keeps its static loader); vmlinux is placed by
//   qProcessInfo main-binary-uuid/-slide (LLDB) and qOffsets TextSeg/DataSeg (GDB).
// - Read-only: resume and step answer the stop at once ("dump: cannot resume"), breakpoints and
//   writes E01, `k` X09 — the client never loses the session.
// Contract: handle() never throws and answers every request within kMaxPacketBytes; unknown
// requests get the empty reply. Memory replies hold the readable prefix; E14 when none is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "krdb/kernel/program.h"
#include "krdb/kernel/threads.h"

namespace krdb::serve {

struct ServedModule {
  std::string path;  // the .ko on disk (GDB loads it from qXfer:libraries)
  std::vector<std::pair<std::string, uint64_t>> sections;  // SHF_ALLOC sections in file order
};

struct ServeTarget {
  std::string vmlinux_path;
  std::optional<std::string> build_id;
  uint64_t kaslr_offset = 0;
  std::optional<uint64_t> text_segment, data_segment;  // link-time PT_LOAD[0]/[1] addresses
  std::string stop_description;                        // the panic line, for the stop thread
  std::vector<ServedModule> modules;
};

class GdbServer {
 public:
  GdbServer(Memory& memory, KernelThreads threads, ServeTarget target);
  // One request (an unescaped payload) to its reply payload.
  std::string handle(std::string_view request);
  // A new connection starts in ack mode with the stop thread selected.
  void reset_connection();
  bool no_ack() const { return no_ack_; }
  bool close_requested() const { return close_; }
  const KernelThreads& threads() const { return threads_; }

 private:
  std::string stop_reply(const KernelThread& thread, bool with_lists);
  std::string read_register(const KernelThread* thread, uint64_t regnum);
  std::string read_all_registers(const KernelThread* thread);
  std::string read_memory(std::string_view args);
  std::string thread_list(bool first);
  std::string xfer(std::string_view object, std::string_view annex, std::string_view range);
  const KernelThread* selected(std::string_view request) const;
  const KernelThread* stop_thread() const;

  Memory& memory_;
  KernelThreads threads_;
  ServeTarget target_;
  uint64_t current_tid_ = 0;
  size_t list_cursor_ = 0;
  bool no_ack_ = false;
  bool close_ = false;
  std::string target_xml_, threads_xml_, libraries_xml_;
};

// The x86-64 target description served as target.xml.
const std::string& target_description();

}  // namespace krdb::serve
