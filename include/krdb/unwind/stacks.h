// StackBounds: which kernel stack an address lies on — a task stack, a CPU's IRQ stack or one
// of its exception (IST) stacks — from ranges the caller provides (the kernel model reads
// task->stack, per-CPU hardirq_stack_ptr and cea_exception_stacks). The unwinder uses it to tell
// a legitimate switch to another stack from a stack that goes the wrong way, and to keep its
// reads on stacks, as the kernel's get_stack_info()/on_stack() do.
// Contract: ranges are [begin, end); an sp equal to `end` (an empty stack) belongs to the range;
// overlapping ranges are the caller's error and the first added wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace krdb {

enum class StackKind : uint8_t { Task, Irq, Exception };

const char* to_string(StackKind kind);

struct StackRange {
  StackKind kind = StackKind::Task;
  uint64_t begin = 0, end = 0;
  std::string name;  // "task 1 (swapper/0)", "IRQ cpu1", "#DF cpu0": for messages

  bool contains(uint64_t address, uint64_t length) const {
    return address >= begin && address <= end && length <= end - address;
  }
};

class StackBounds {
 public:
  void add(StackRange range) { ranges_.push_back(std::move(range)); }
  // The stack `sp` is on (end inclusive), or nullptr.
  const StackRange* classify(uint64_t sp) const;
  // The stack holding all of [address, address + length), or nullptr.
  const StackRange* containing(uint64_t address, uint64_t length) const;
  bool empty() const { return ranges_.empty(); }

 private:
  std::vector<StackRange> ranges_;
};

}  // namespace krdb
