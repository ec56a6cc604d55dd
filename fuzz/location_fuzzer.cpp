// Fuzz target for DWARF location evaluation (src/dwarf/location.cpp): arbitrary operations
// (atoms and operands as the input gives them, so every opcode and operand value is reachable),
// a frame base, a CFA, some registers known, and target memory that is a 256-byte window at
// 0x1000 faulting elsewhere. Must return a location or an error — never crash, hang, read out
// of bounds, or allocate without bound. Seeds: scripts/fuzz.sh location.
#include <cstring>
#include <vector>

#include "krdb/dwarf/location.h"

namespace {

class WindowMemory : public krdb::Memory {
 public:
  explicit WindowMemory(const uint8_t* bytes) { std::memcpy(window_, bytes, sizeof window_); }
  krdb::Expected<void> read(uint64_t address, std::span<uint8_t> out) override {
    if (address < 0x1000 || address - 0x1000 > sizeof window_ || out.size() > sizeof window_ - (address - 0x1000))
      return krdb::Error(krdb::ErrorKind::Fault, "outside the window");
    if (!out.empty()) std::memcpy(out.data(), window_ + (address - 0x1000), out.size());
    return {};
  }

 private:
  uint8_t window_[256];
};

// Reads fixed-size fields off the input, zeros past its end.
struct Input {
  const uint8_t* data;
  size_t size, pos = 0;
  uint64_t take(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i, ++pos) v |= uint64_t(pos < size ? data[pos] : 0) << (8 * i);
    return v;
  }
};

std::vector<krdb::LocationEntry> entries(Input& in, size_t max_entries) {
  std::vector<krdb::LocationEntry> out;
  size_t n = 1 + in.take(1) % max_entries;
  for (size_t e = 0; e < n && in.pos < in.size; ++e) {
    krdb::LocationEntry entry;
    if (in.take(1) & 1) { entry.begin = in.take(2); entry.end = entry.begin + in.take(2); }
    size_t ops = in.take(1) % 24;
    for (size_t i = 0; i < ops; ++i) {
      krdb::LocationOp op;
      op.atom = uint8_t(in.take(1));
      size_t width = in.take(1) % 9;  // small or huge operands
      op.operand1 = in.take(width);
      op.operand2 = in.take(width);
      entry.ops.push_back(op);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t window[256] = {};
  if (size) std::memcpy(window, data, size < sizeof window ? size : sizeof window);
  WindowMemory memory(window);
  Input in{data, size};
  krdb::RegisterSet regs;
  uint32_t known = uint32_t(in.take(3));
  for (unsigned r = 0; r < unsigned(krdb::Reg::count); ++r)
    if (known & (1u << r)) regs.set(krdb::Reg(r), 0x1000 + in.take(1));
  krdb::FrameContext frame;
  frame.pc = in.take(2);
  frame.load = in.take(1);
  // A module's map too: a few sections, possibly overlapping or empty (untrusted sect_attrs).
  for (uint64_t sections = in.take(1) % 4; sections; --sections)
    frame.load.add(in.take(2), in.take(1), 0xffffffffc0000000ULL + in.take(2));
  frame.registers = &regs;
  frame.memory = &memory;
  if (in.take(1) & 1) frame.cfa = 0x1000 + in.take(1);
  std::vector<krdb::LocationEntry> base = entries(in, 2);
  frame.frame_base = &base;
  std::vector<krdb::LocationEntry> location = entries(in, 4);
  krdb::Limits limits;
  limits.max_location_stack = 16;
  auto result = krdb::evaluate_location(location, in.take(1) % 64, frame, limits);
  if (result && !result->in_memory() && result->bytes.size() > (1u << 16)) __builtin_trap();
  return 0;
}
