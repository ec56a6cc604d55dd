// Backtraces of the threads of a user-space core (UserCore): each frame's image (the executable
// or a shared object, from NT_FILE, placed at its load bias), unwound by the image's DWARF CFI
// (.eh_frame, .debug_frame) and by frame pointers where no CFI covers the pc; symbolized with the
// image's DWARF (inlined frames, file:line, C/Rust) or its ELF symbols.
// Contract: bounded by Limits::max_frames and a WalkGuard on (sp, pc); a corrupt stack ends the
// trace with `end` saying why, frames kept. An image that cannot be opened (deleted file) is
// named in its frames' symbol and in `warnings`; unwinding goes on by frame pointers.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "krdb/base/limits.h"
#include "krdb/process/user_core.h"
#include "krdb/unwind/backtrace.h"

namespace krdb {

struct UserBacktraceOptions {
  // Replacement files for mapped paths, by full path or by file name ("mixed-v0" -> ./mixed-v0):
  // the executable as built when the core's path is not where it lives now.
  std::map<std::string, std::string> files;
  Limits limits = default_limits();
};

class UserUnwinder {
 public:
  UserUnwinder(UserCore& core, UserBacktraceOptions options = {});
  ~UserUnwinder();
  Backtrace backtrace(const CoreThread& thread);
  // Images that could not be opened or read (each said once).
  const std::vector<Error>& warnings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace krdb
