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

template <typename T>
T read_le(std::span<const uint8_t> bytes, size_t at) {
  T v{};
  if (at + sizeof(T) <= bytes.size()) std::memcpy(&v, bytes.data() + at, sizeof(T));
  return v;
}

// The registers of user_regs_struct, by the one x86-64 pt_regs layout the unwinder knows.
RegisterSet user_registers(std::span<const uint8_t> regs) {
  static const PtRegsLayout layout = PtRegsLayout::x86_64_user_abi();
  RegisterSet out;
  for (unsigned i = 0; i < unsigned(Reg::count); ++i) {
    int32_t off = layout.offset[i];
    if (off >= 0 && size_t(off) + 8 <= regs.size()) out.set(Reg(i), read_le<uint64_t>(regs, size_t(off)));
  }
  return out;
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
  size_t at = 0;
  while (at + 12 <= notes.size()) {
    uint32_t namesz = read_le<uint32_t>(notes, at), descsz = read_le<uint32_t>(notes, at + 4),
             type = read_le<uint32_t>(notes, at + 8);
    size_t name_at = at + 12;
    size_t desc_at = name_at + ((uint64_t(namesz) + 3) & ~3ull);
    size_t next = desc_at + ((uint64_t(descsz) + 3) & ~3ull);
    if (desc_at > notes.size() || next > notes.size() || next <= at)
      return bad(path_, fmt::format("note at offset {} runs past its segment", at));
    auto desc = notes.subspan(desc_at, descsz);
    std::string_view name(reinterpret_cast<const char*>(notes.data() + name_at), namesz ? namesz - 1 : 0);
    if (name == "CORE" && type == NT_PRSTATUS) {
      if (desc.size() < kPrReg + kUserRegsSize) return bad(path_, "NT_PRSTATUS note too short");
      if (threads_.size() >= kMaxThreads) return bad(path_, fmt::format("more than {} threads", kMaxThreads));
      CoreThread t;
      t.tid = read_le<int32_t>(desc, kPrPid);
      t.signal = read_le<uint16_t>(desc, kPrCursig);
      t.registers = user_registers(desc.subspan(kPrReg, kUserRegsSize));
      threads_.push_back(t);
    } else if (name == "CORE" && type == NT_PRPSINFO) {
      if (desc.size() >= kPrFname + kPrFnameSize) {
        std::string fname(reinterpret_cast<const char*>(desc.data() + kPrFname), kPrFnameSize);
        command_ = fname.substr(0, fname.find('\0'));
      }
      if (command_.empty()) command_ = "?";
    } else if (name == "CORE" && type == NT_FILE) {
      // count, page size, count × (start, end, page offset), then count NUL-terminated names.
      uint64_t n = read_le<uint64_t>(desc, 0), page = read_le<uint64_t>(desc, 8);
      if (n > kMaxMappedFiles || 16 + n * 24 > desc.size())
        return bad(path_, fmt::format("NT_FILE claims {} mapped files in {} bytes", n, desc.size()));
      size_t names = 16 + size_t(n) * 24;
      for (uint64_t i = 0; i < n; ++i) {
        CoreMapping m;
        m.start = read_le<uint64_t>(desc, 16 + i * 24);
        m.end = read_le<uint64_t>(desc, 24 + i * 24);
        m.file_offset = read_le<uint64_t>(desc, 32 + i * 24) * page;
        const char* s = reinterpret_cast<const char*>(desc.data() + names);
        size_t len = strnlen(s, desc.size() - names);
        m.path.assign(s, len);
        names = std::min(desc.size(), names + len + 1);
        mappings_.push_back(std::move(m));
      }
    }
    at = next;
  }
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
