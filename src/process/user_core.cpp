#include "krdb/process/user_core.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "krdb/base/cursor.h"
#include "krdb/unwind/frame_step.h"

namespace krdb {

namespace {

// Bounds on what a core file may claim (a real process has a few hundred mappings).
constexpr size_t kMaxSegments = 1 << 16;
constexpr size_t kMaxThreads = 1 << 16;
constexpr uint64_t kMaxNotesBytes = 64ull << 20;
constexpr uint64_t kMaxMappedFiles = 1 << 16;

// struct elf_prstatus (x86-64): pr_cursig at 12, pr_pid at 32, pr_reg (user_regs_struct) at 112.
constexpr size_t kPrCursig = 12, kPrPid = 32, kPrReg = 112, kUserRegsSize = 27 * 8;
// struct elf_prpsinfo (x86-64): pr_fname[16] at 40.
constexpr size_t kPrFname = 40, kPrFnameSize = 16;

struct ElfHandle {
  Elf* elf = nullptr;
  ~ElfHandle() { if (elf) elf_end(elf); }
};

// The registers of user_regs_struct, by the one x86-64 pt_regs layout the unwinder knows.
RegisterSet user_registers(std::span<const uint8_t> regs) {
  static const PtRegsLayout layout = PtRegsLayout::x86_64_user_abi();
  RegisterSet out;
  for (unsigned i = 0; i < unsigned(Reg::count); ++i) {
    int32_t off = layout.offset[i];
    if (off >= 0 && size_t(off) + 8 <= regs.size()) out.set(Reg(i), Cursor(regs.subspan(size_t(off), 8), "user_regs_struct").u64());
  }
  return out;
}

// A Cursor's error with what was being read in front; its context (path + offset) kept first,
// so every error of UserCore::open starts by naming the file.
Error cursor_error(const Cursor& c, const std::string& what) {
  Error e = c.error();
  e.message = what + ": " + e.message;
  return e;
}

Error bad(const std::string& path, const std::string& what) {
  return Error(ErrorKind::BadData, what, path);
}

}  // namespace

UserCore::~UserCore() {
  if (fd_ >= 0) ::close(fd_);
}

bool UserCore::is_user_core(const std::string& path) {
  auto core = open(path);
  return core && (*core)->has_process_notes();
}

Expected<std::unique_ptr<UserCore>> UserCore::open(const std::string& path) {
  std::unique_ptr<UserCore> core(new UserCore());
  core->path_ = path;
  core->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (core->fd_ < 0) return Error(ErrorKind::Io, fmt::format("cannot open: {}", std::strerror(errno)), path);
  struct stat st {};
  if (fstat(core->fd_, &st) != 0) return Error(ErrorKind::Io, "cannot stat", path);
  core->file_size_ = uint64_t(st.st_size);
  KRDB_CHECK(core->load(core->fd_));
  return core;
}

Expected<void> UserCore::load(int fd) {
  elf_version(EV_CURRENT);
  ElfHandle h;
  h.elf = elf_begin(fd, ELF_C_READ, nullptr);
  GElf_Ehdr ehdr;
  if (!h.elf || elf_kind(h.elf) != ELF_K_ELF || !gelf_getehdr(h.elf, &ehdr))
    return bad(path_, "not an ELF file");
  if (ehdr.e_type != ET_CORE) return bad(path_, "not a core file (ELF type is not ET_CORE)");
  if (ehdr.e_machine != EM_X86_64) return bad(path_, "not an x86-64 core (only x86-64 is supported)");
  size_t count = 0;
  if (elf_getphdrnum(h.elf, &count) != 0) return bad(path_, "unreadable program headers");
  if (count > kMaxSegments) return bad(path_, fmt::format("{} program headers: more than {}", count, kMaxSegments));
  std::vector<uint8_t> notes;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(h.elf, int(i), &ph)) return bad(path_, fmt::format("unreadable program header #{}", i));
    if (ph.p_type == PT_LOAD) {
      segments_.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz});
    } else if (ph.p_type == PT_NOTE) {
      if (ph.p_filesz > kMaxNotesBytes || ph.p_offset > file_size_ || ph.p_filesz > file_size_ - ph.p_offset)
        return bad(path_, fmt::format("note segment #{} lies outside the file (truncated core?)", i));
      std::vector<uint8_t> bytes(ph.p_filesz);
      if (pread(fd, bytes.data(), bytes.size(), off_t(ph.p_offset)) != ssize_t(bytes.size()))
        return bad(path_, fmt::format("cannot read note segment #{}", i));
      KRDB_CHECK(parse_notes(bytes));
    }
  }
  std::sort(segments_.begin(), segments_.end(), [](const Segment& a, const Segment& b) { return a.vaddr < b.vaddr; });
  return {};
}

Expected<void> UserCore::parse_notes(std::span<const uint8_t> notes) {
  Cursor c(notes, path_ + ": PT_NOTE");
  while (c.remaining() >= 12) {
    uint32_t namesz = c.u32(), descsz = c.u32(), type = c.u32();
    std::string_view name = c.fixed_string(namesz);
    c.align(4);
    auto desc = c.bytes(descsz);
    c.align(4);
    if (!c.ok()) return cursor_error(c, "a note runs past its segment");
    if (name.substr(0, name.find('\0')) != "CORE") continue;
    if (type == NT_PRSTATUS) KRDB_CHECK(add_thread(desc));
    else if (type == NT_PRPSINFO) read_command(desc);
    else if (type == NT_FILE) KRDB_CHECK(add_mapped_files(desc));
  }
  return {};
}

Expected<void> UserCore::add_thread(std::span<const uint8_t> desc) {
  if (desc.size() < kPrReg + kUserRegsSize) return bad(path_, "NT_PRSTATUS note too short");
  if (threads_.size() >= kMaxThreads) return bad(path_, fmt::format("more than {} threads", kMaxThreads));
  Cursor c(desc, path_ + ": NT_PRSTATUS");
  CoreThread t;
  c.seek(kPrCursig);
  t.signal = c.u16();
  c.seek(kPrPid);
  t.tid = int32_t(c.u32());
  t.registers = user_registers(desc.subspan(kPrReg, kUserRegsSize));
  threads_.push_back(t);
  return {};
}

void UserCore::read_command(std::span<const uint8_t> desc) {
  Cursor c(desc, path_ + ": NT_PRPSINFO");
  c.seek(kPrFname);
  std::string_view fname = c.fixed_string(kPrFnameSize);
  std::string_view name = c.ok() ? fname.substr(0, fname.find('\0')) : std::string_view();
  command_ = std::string(name.empty() ? std::string_view("?") : name);
}

// count, page size, count × (start, end, page offset), then count NUL-terminated names.
Expected<void> UserCore::add_mapped_files(std::span<const uint8_t> desc) {
  Cursor c(desc, path_ + ": NT_FILE");
  uint64_t n = c.u64(), page = c.u64();
  if (n > kMaxMappedFiles || n * 24 > c.remaining())
    return bad(path_, fmt::format("NT_FILE claims {} mapped files in {} bytes", n, desc.size()));
  size_t first = mappings_.size();
  for (uint64_t i = 0; i < n; ++i) {
    CoreMapping m;
    m.start = c.u64();
    m.end = c.u64();
    m.file_offset = c.u64() * page;
    mappings_.push_back(std::move(m));
  }
  for (size_t i = first; i < mappings_.size(); ++i) mappings_[i].path = std::string(c.cstring());
  if (!c.ok()) return cursor_error(c, "the names of NT_FILE's mapped files");
  return {};
}

const CoreMapping* UserCore::mapping_of(uint64_t address) const {
  for (const auto& m : mappings_)
    if (address >= m.start && address < m.end) return &m;
  return nullptr;
}

Expected<void> UserCore::read(uint64_t address, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    uint64_t a = address + done;
    auto it = std::upper_bound(segments_.begin(), segments_.end(), a,
                               [](uint64_t v, const Segment& s) { return v < s.vaddr; });
    if (it == segments_.begin() || a - std::prev(it)->vaddr >= std::prev(it)->memsz)
      return Error(ErrorKind::Fault, "address not mapped in the process", fmt::format("address {:#x} in {}", a, path_));
    const Segment& seg = *std::prev(it);
    uint64_t in_seg = a - seg.vaddr;
    size_t chunk = size_t(std::min<uint64_t>(out.size() - done, seg.memsz - in_seg));
    auto part = out.subspan(done, chunk);
    if (in_seg + chunk <= seg.filesz) {
      if (seg.offset + in_seg + chunk > file_size_)
        return Error(ErrorKind::Fault, "the core file is truncated: this part of the segment is missing",
                     fmt::format("address {:#x} in {}", a, path_));
      if (pread(fd_, part.data(), part.size(), off_t(seg.offset + in_seg)) != ssize_t(part.size()))
        return Error(ErrorKind::Io, "cannot read the core file", fmt::format("address {:#x} in {}", a, path_));
    } else {
      KRDB_CHECK(read_from_mapped_file(a, part, seg));
    }
    done += chunk;
  }
  return {};
}

Expected<void> UserCore::read_from_mapped_file(uint64_t address, std::span<uint8_t> out, const Segment& seg) {
  auto where = fmt::format("address {:#x} in {}", address, path_);
  const CoreMapping* m = mapping_of(address);
  if (!m || address + out.size() > m->end)
    return Error(ErrorKind::Fault,
                 fmt::format("not dumped: the segment at {:#x} keeps {} of {} bytes, and no mapped file covers it",
                             seg.vaddr, seg.filesz, seg.memsz), where);
  int fd = ::open(m->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error(ErrorKind::Fault, fmt::format("not dumped, and its file {} cannot be opened: {}", m->path, std::strerror(errno)), where);
  ssize_t n = pread(fd, out.data(), out.size(), off_t(m->file_offset + (address - m->start)));
  ::close(fd);
  if (n != ssize_t(out.size()))
    return Error(ErrorKind::Fault, fmt::format("not dumped, and {} is shorter than the mapping (changed since?)", m->path), where);
  return {};
}

}  // namespace krdb
