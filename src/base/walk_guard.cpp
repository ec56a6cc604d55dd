#include "krdb/base/walk_guard.h"

#include <fmt/format.h>

namespace krdb {

bool WalkGuard::step(uint64_t node) {
  if (reason_) return false;
  if (steps_ >= max_steps_) {
    reason_ = Error(ErrorKind::LimitHit,
                    fmt::format("{}: stopped after {} steps", what_, steps_),
                    "raise the limit if the structure is really this long");
    return false;
  }
  if (!seen_.insert(node).second) {
    reason_ = Error(ErrorKind::BadData,
                    fmt::format("{}: node 0x{:x} visited twice (cycle) after {} steps", what_,
                                node, steps_),
                    "the structure is corrupt");
    return false;
  }
  ++steps_;
  return true;
}

}  // namespace krdb
