// Fuzz target for process/: arbitrary bytes as a user-space ELF core. Opening, the notes
// (threads, NT_FILE, NT_PRPSINFO), reads at each thread's pc/sp and a bounded backtrace of every
// thread (CFI of whatever the core's NT_FILE names, frame pointers) must return values or
// Errors, never crash; a failed read is a Fault or an Io error.
// Seeds: the mixed fixture's cores (scripts/fuzz.sh user_core).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "memfd_file.h"
#include "krdb/process/user_backtrace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemfdFile file(data, size);
  if (!file.ok()) return 0;
  std::string path = file.path();
  auto core = krdb::UserCore::open(path);
  if (core) {
    krdb::UserBacktraceOptions options;
    options.limits.max_frames = 64;
    krdb::UserUnwinder unwinder(**core, options);
    for (const krdb::CoreThread& t : (*core)->threads()) {
      std::vector<uint8_t> buf(64);
      auto r = (*core)->read(t.registers.pc(), buf);
      if (!r && r.error().kind != krdb::ErrorKind::Fault && r.error().kind != krdb::ErrorKind::Io) abort();
      auto bt = unwinder.backtrace(t);
      if (bt.frames.size() > 65) abort();  // max_frames + the last one
    }
  } else if (core.error().context.rfind(path, 0) != 0) {
    abort();  // errors name the file
  }
  return 0;
}
