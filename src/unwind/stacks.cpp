// Stack classification for the unwinder.
#include "krdb/unwind/stacks.h"

namespace krdb {

const char* to_string(StackKind kind) {
  switch (kind) {
    case StackKind::Task: return "task";
    case StackKind::Irq: return "IRQ";
    case StackKind::Exception: return "exception";
  }
  return "?";
}

const StackRange* StackBounds::classify(uint64_t sp) const {
  return containing(sp, 0);
}

const StackRange* StackBounds::containing(uint64_t address, uint64_t length) const {
  for (const auto& r : ranges_)
    if (r.contains(address, length)) return &r;
  return nullptr;
}

}  // namespace krdb
