// Walking a kernel `struct list_head` ring (tasks, threads, modules): the one bounded walk every
// list of the kernel model goes through.
// Contract: visits each entry (node address minus `link_offset`) in order until the ring comes
// back to `head`; stops at Limits::max_list_steps or a revisited node (WalkGuard), or when a
// `next` pointer cannot be read, and returns that reason (nullopt: the whole ring was walked).
// `visit` returns false to stop early (its own reason is then the caller's to record).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "krdb/kernel/program.h"

namespace krdb {

std::optional<Error> walk_list(KernelProgram& program, uint64_t head, uint64_t link_offset,
                               const std::string& what,
                               const std::function<bool(uint64_t entry)>& visit);

}  // namespace krdb
