#include "krdb/kernel/list.h"

#include <fmt/format.h>

#include "krdb/base/walk_guard.h"

namespace krdb {

std::optional<Error> walk_list(KernelProgram& p, uint64_t head, uint64_t link_offset,
                               const std::string& what,
                               const std::function<bool(uint64_t entry)>& visit) {
  WalkGuard guard(what, p.limits().max_list_steps);
  uint64_t node = head;
  while (true) {
    auto next = p.memory().read_u64(node);
    if (!next) return next.error().within(fmt::format("{} at list node {:#x}", what, node));
    if (*next == head) return std::nullopt;
    if (!guard.step(*next)) return guard.reason();
    if (!visit(*next - link_offset)) return std::nullopt;
    node = *next;
  }
}

}  // namespace krdb
