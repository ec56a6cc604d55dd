// WalkGuard bounds a walk over untrusted linked data (kernel lists, trees, DWARF chains):
// it counts steps against a limit and detects a revisited node, so a corrupt or cyclic
// structure ends the walk with a reason instead of a hang. Usage:
//   WalkGuard guard("task list", limits.max_list_steps);
//   for (addr = head; …; addr = next) { if (!guard.step(addr)) break; … }
//   if (guard.stopped()) result.truncated = guard.reason();
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "krdb/base/error.h"

namespace krdb {

class WalkGuard {
 public:
  WalkGuard(std::string what, uint64_t max_steps) : what_(std::move(what)), max_steps_(max_steps) {}

  // Records a visit to `node`; false when the walk must stop (limit reached or node seen before).
  bool step(uint64_t node);
  bool stopped() const { return reason_.has_value(); }
  uint64_t steps() const { return steps_; }
  // Why the walk stopped (LimitHit for the step limit, BadData for a cycle); empty if it did not.
  const std::optional<Error>& reason() const { return reason_; }

 private:
  std::string what_;
  uint64_t max_steps_;
  uint64_t steps_ = 0;
  std::unordered_set<uint64_t> seen_;
  std::optional<Error> reason_;
};

}  // namespace krdb
