// A dump made ready to serve — what `krdb serve` (CLI) and `krdb core open` (LLDB) share: the
// kernel opened with its vmlinux, the CPU and thread models built once, the panic line for the
// stop reason, the modules whose .ko was found (by name and build-id) with their section
// addresses, and the GdbServer answering for all of it.
// Contract: fails only when the dump or vmlinux cannot be opened; everything else that cannot
// be read becomes a warning and the session serves what there is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/program.h"
#include "krdb/serve/gdb_server.h"

namespace krdb::serve {

struct DumpSession {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<GdbServer> server;
  std::vector<ServedModule> modules;  // also in the server's qXfer:libraries
  size_t thread_count = 0;
  std::vector<Error> warnings;
};

Expected<std::unique_ptr<DumpSession>> open_dump_session(const std::string& vmlinux, const std::string& core,
                                                         const OpenOptions& open, const BacktraceOptions& modules);

}  // namespace krdb::serve
