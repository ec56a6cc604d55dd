#include "qemu_note.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "krdb/base/cursor.h"

namespace krdb::dump_detail {

namespace {

// Note segments larger than this are not QEMU's (a few KiB per CPU); bounds the allocation.
constexpr uint64_t kMaxNoteSegmentBytes = 16 << 20;
// QEMUCPUState: version, size, 18 general registers, 10 segment descriptors of 24 bytes, then
// cr[0..4]. Layout unchanged since QEMU 1.7 (version 1).
constexpr uint64_t kCrOffset = 8 + 18 * 8 + 10 * 24;
constexpr uint64_t kMinStateSize = kCrOffset + 5 * 8;
constexpr uint32_t kPtNote = 4;

Expected<std::vector<uint8_t>> read_at(int fd, uint64_t offset, uint64_t size,
                                       const std::string& path, const char* what) {
  std::vector<uint8_t> buf(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, buf.data() + done, size - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(ErrorKind::Io, fmt::format("cannot read {}: {}", what, strerror(errno)), path);
    if (n == 0)
      return Error(ErrorKind::BadData, fmt::format("file truncated inside the {}", what),
                   fmt::format("{}+0x{:x}", path, offset + done));
    done += uint64_t(n);
  }
  return buf;
}

// Walks the notes of one PT_NOTE segment; true with `state` filled at the first QEMU note.
Expected<bool> find_in_notes(std::span<const uint8_t> notes, uint64_t file_offset,
                             const std::string& path, QemuCpuState& state) {
  Cursor c(notes, path + ": PT_NOTE", file_offset);
  while (c.ok() && !c.at_end()) {
    uint32_t namesz = c.u32(), descsz = c.u32();
    c.u32();  // type: QEMU uses 0
    std::string_view name = c.fixed_string(namesz);
    c.align(4);
    auto desc = c.bytes(descsz);
    c.align(4);
    if (!c.ok()) return c.error();
    if (name != "QEMU" || desc.size() < kMinStateSize) continue;
    Cursor d(desc, path + ": QEMU note", 0);
    d.seek(kCrOffset + 3 * 8);
    state.cr3 = d.u64();
    state.cr4 = d.u64();
    return true;
  }
  if (!c.ok()) return c.error();
  return false;
}

}  // namespace

Expected<QemuCpuState> read_qemu_cpu_state(int fd, const std::string& path) {
  auto header = read_at(fd, 0, 64, path, "ELF header");
  if (!header) return Error(ErrorKind::NotFound, "not an ELF core", path);
  Cursor h(*header, path + ": ELF header");
  bool elf64le = std::memcmp(header->data(), "\x7f" "ELF\x02\x01", 6) == 0;
  if (!elf64le) return Error(ErrorKind::NotFound, "not an ELF64 little-endian core", path);
  h.seek(0x20);
  uint64_t phoff = h.u64();
  h.seek(0x36);
  uint16_t phentsize = h.u16(), phnum = h.u16();
  if (phentsize != 56) return Error(ErrorKind::BadData, fmt::format("e_phentsize {} is not 56", phentsize), path);
  auto phdrs = read_at(fd, phoff, uint64_t(phnum) * phentsize, path, "program headers");
  if (!phdrs) return phdrs.error();
  Cursor p(*phdrs, path + ": program headers", phoff);
  for (unsigned i = 0; i < phnum; ++i) {
    p.seek(uint64_t(i) * phentsize);
    uint32_t type = p.u32();
    p.skip(4);
    uint64_t offset = p.u64();
    p.skip(16);
    uint64_t filesz = p.u64();
    if (!p.ok()) return p.error();
    if (type != kPtNote) continue;
    if (filesz > kMaxNoteSegmentBytes)
      return Error(ErrorKind::BadData, fmt::format("PT_NOTE of 0x{:x} bytes is implausibly large", filesz), path);
    auto notes = read_at(fd, offset, filesz, path, "PT_NOTE segment");
    if (!notes) return notes.error();
    QemuCpuState state;
    auto found = find_in_notes(*notes, offset, path, state);
    if (!found) return found.error();
    if (*found) return state;
  }
  return Error(ErrorKind::NotFound, "no QEMU CPU-state note", path);
}

}  // namespace krdb::dump_detail
