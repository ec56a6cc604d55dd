// ORC tables: decoding the 6.12 entry layout, loading vmlinux and module sections, lookup.
#include "krdb/unwind/orc.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "krdb/base/cursor.h"
#include "krdb/elf/elf_file.h"

namespace krdb {

namespace {

constexpr size_t kIpSize = 4;      // one int32 per entry in .orc_unwind_ip
constexpr size_t kRelaSize = 24;   // Elf64_Rela
constexpr size_t kSymSize = 24;    // Elf64_Sym
constexpr uint32_t kR_X86_64_PC32 = 2;
constexpr uint64_t kShfExecInstr = 0x4;
constexpr uint16_t kShnLoReserve = 0xff00;
constexpr uint16_t kShnAbs = 0xfff1;

// ORC_HASH of arch/x86/include/asm/orc_types.h since v6.4 (scripts/orc_hash.sh), the layout
// this file decodes; 6.12's .orc_header holds exactly these bytes.
constexpr std::array<uint8_t, 20> kOrcHashV64 = {0xfe, 0x5d, 0x32, 0xbf, 0x58, 0x1b, 0xd6,
                                                 0x3b, 0x2c, 0xa9, 0xa5, 0xc6, 0x5b, 0xa5,
                                                 0xa6, 0x25, 0xea, 0xb3, 0xfe, 0x24};

Error section_error(const std::string& file, const char* section, std::string message) {
  return Error(ErrorKind::BadData, std::move(message), file + ": " + section);
}

Expected<void> check_sizes(size_t ip_size, size_t orc_size, const std::string& source) {
  if (ip_size % kIpSize != 0)
    return section_error(source, ".orc_unwind_ip",
                         fmt::format("size {:#x} is not a multiple of {}", ip_size, kIpSize));
  if (orc_size % OrcEntry::kSize != 0)
    return section_error(source, ".orc_unwind",
                         fmt::format("size {:#x} is not a multiple of {} (struct orc_entry)",
                                     orc_size, OrcEntry::kSize));
  if (ip_size / kIpSize != orc_size / OrcEntry::kSize)
    return section_error(source, ".orc_unwind",
                         fmt::format("{} entries but .orc_unwind_ip has {}",
                                     orc_size / OrcEntry::kSize, ip_size / kIpSize));
  if (ip_size == 0) return section_error(source, ".orc_unwind_ip", "no ORC entries");
  return {};
}

// The format a .orc_header names: only the 6.4+ hash is known (older kernels have no header).
Expected<std::optional<OrcFormat>> header_format(const ElfFile& file) {
  if (!file.section(".orc_header")) return std::optional<OrcFormat>();
  auto header = file.section_data(".orc_header");
  if (header.size() == kOrcHashV64.size() && std::equal(header.begin(), header.end(), kOrcHashV64.begin()))
    return std::optional<OrcFormat>(OrcFormat::V3);
  std::string hex;
  for (uint8_t b : header.first(std::min<size_t>(header.size(), 20))) hex += fmt::format("{:02x}", b);
  return Error(ErrorKind::Unsupported,
               fmt::format("unknown ORC format: .orc_header hash {} is not the one of Linux 6.4+ "
                           "(orc_types.h changed; krdb cannot decode this table)", hex),
               file.path() + ": .orc_header");
}

Expected<void> need_orc_sections(const ElfFile& file) {
  if (!file.section(".orc_unwind_ip") || !file.section(".orc_unwind"))
    return Error(ErrorKind::NotFound,
                 "no .orc_unwind/.orc_unwind_ip sections (kernel built without "
                 "CONFIG_UNWINDER_ORC?)",
                 file.path());
  return {};
}

bool is_terminator(const OrcEntry& e) { return e.type == uint8_t(OrcType::Undefined); }

const char* type_name(uint8_t type) {
  switch (OrcType(type)) {
    case OrcType::Undefined: return "(und)";
    case OrcType::EndOfStack: return "end";
    case OrcType::Call: return "call";
    case OrcType::Regs: return "regs";
    case OrcType::RegsPartial: return "regs (partial)";
  }
  return "?";
}

const char* reg_name(uint8_t reg) {
  switch (OrcReg(reg)) {
    case OrcReg::PrevSp: return "prevsp";
    case OrcReg::Dx: return "dx";
    case OrcReg::Di: return "di";
    case OrcReg::Bp: return "bp";
    case OrcReg::Sp: return "sp";
    case OrcReg::R10: return "r10";
    case OrcReg::R13: return "r13";
    case OrcReg::BpIndirect: return "bp(ind)";
    case OrcReg::SpIndirect: return "sp(ind)";
    case OrcReg::Undefined: break;
  }
  return "?";
}

// objtool's print_reg().
std::string format_reg(uint8_t reg, int offset) {
  switch (OrcReg(reg)) {
    case OrcReg::BpIndirect: return fmt::format("(bp{:+d})", offset);
    case OrcReg::SpIndirect: return fmt::format("(sp){:+d}", offset);
    case OrcReg::Undefined: return "(und)";
    default: return fmt::format("{}{:+d}", reg_name(reg), offset);
  }
}

struct Rela {
  uint64_t offset;
  uint32_t type;
  uint32_t sym;
  int64_t addend;
};

struct Sym {
  uint16_t shndx;
  uint64_t value;
};

Expected<std::vector<Rela>> read_relas(const ElfFile& file) {
  auto data = file.section_data(".rela.orc_unwind_ip");
  if (!file.section(".rela.orc_unwind_ip"))
    return Error(ErrorKind::NotFound, "relocatable ORC without .rela.orc_unwind_ip", file.path());
  if (data.size() % kRelaSize != 0)
    return section_error(file.path(), ".rela.orc_unwind_ip",
                         fmt::format("size {:#x} is not a multiple of {}", data.size(), kRelaSize));
  Cursor c(data, file.path() + ": .rela.orc_unwind_ip");
  std::vector<Rela> out;
  while (c.ok() && !c.at_end()) {
    Rela r{};
    r.offset = c.u64();
    uint64_t info = c.u64();
    r.type = uint32_t(info);
    r.sym = uint32_t(info >> 32);
    r.addend = int64_t(c.u64());
    out.push_back(r);
  }
  if (!c.ok()) return c.error();
  return out;
}

Expected<Sym> read_sym(const ElfFile& file, uint32_t index) {
  auto data = file.section_data(".symtab");
  if (uint64_t(index) * kSymSize + kSymSize > data.size())
    return section_error(file.path(), ".symtab",
                         fmt::format("relocation names symbol {} beyond the table", index));
  Cursor c(data, file.path() + ": .symtab");
  c.seek(uint64_t(index) * kSymSize + 6);  // st_name u32, st_info u8, st_other u8
  Sym s{};
  s.shndx = c.u16();
  s.value = c.u64();
  if (!c.ok()) return c.error();
  return s;
}

// The load address of the symbol's section; nullopt = not loaded (entry dropped).
Expected<std::optional<uint64_t>> symbol_base(const ElfFile& file, const Sym& sym,
                                              const OrcTable::SectionAddress& where) {
  if (sym.shndx == kShnAbs) return std::optional<uint64_t>(0);
  if (sym.shndx == 0 || sym.shndx >= kShnLoReserve || sym.shndx > file.sections().size())
    return section_error(file.path(), ".rela.orc_unwind_ip",
                         fmt::format("relocation against symbol in section {}", sym.shndx));
  // ElfFile::sections() starts at ELF section 1 (libelf's elf_nextscn skips the null one).
  return where(file.sections()[sym.shndx - 1].name);
}

// ip of entry `slot` for one relocation; nullopt when its section was not loaded.
Expected<std::optional<uint64_t>> relocated_ip(const ElfFile& file, const Rela& r,
                                               const OrcTable::SectionAddress& where) {
  if (r.type != kR_X86_64_PC32)
    return Error(ErrorKind::Unsupported,
                 fmt::format("relocation type {} in .rela.orc_unwind_ip (only R_X86_64_PC32)",
                             r.type),
                 file.path() + ": .rela.orc_unwind_ip");
  KRDB_TRY(sym, read_sym(file, r.sym));
  KRDB_TRY(base, symbol_base(file, sym, where));
  if (!base) return std::optional<uint64_t>();
  // The field becomes S + A - P and the kernel reads it as P + field, so the ip is S + A.
  return std::optional<uint64_t>(*base + sym.value + uint64_t(r.addend));
}

}  // namespace

OrcEntry OrcEntry::decode(std::span<const uint8_t> b, OrcFormat format) {
  OrcEntry e;
  std::memcpy(&e.sp_offset, b.data(), 2);
  std::memcpy(&e.bp_offset, b.data() + 2, 2);
  // Little-endian bitfields after the offsets: sp_reg:4 bp_reg:4 in byte 4, then the type bits.
  e.sp_reg = b[4] & 0xf;
  e.bp_reg = b[4] >> 4;
  if (format == OrcFormat::V3) {  // type:3 signal:1
    e.type = b[5] & 0x7;
    e.signal = (b[5] >> 3) & 1;
    return e;
  }
  // V1: type:2 end:1; V2: type:2 signal:1 end:1. Their CALL/REGS/REGS_PARTIAL (0..2) are V3's
  // 2..4; "no entry" and "end of stack" were sp_reg UNDEFINED without / with `end`.
  bool end = format == OrcFormat::V1 ? (b[5] >> 2) & 1 : (b[5] >> 3) & 1;
  e.signal = format == OrcFormat::V2 && ((b[5] >> 2) & 1);
  if (e.sp_reg == uint8_t(OrcReg::Undefined))
    e.type = uint8_t(end ? OrcType::EndOfStack : OrcType::Undefined);
  else
    e.type = uint8_t((b[5] & 0x3) + uint8_t(OrcType::Call));
  return e;
}

const char* to_string(OrcFormat format) {
  switch (format) {
    case OrcFormat::V1: return "ORC v1 (Linux up to 6.2)";
    case OrcFormat::V2: return "ORC v2 (Linux 6.3)";
    case OrcFormat::V3: return "ORC v3 (Linux 6.4+)";
  }
  return "?";
}

Expected<OrcFormat> orc_format_for_release(std::string_view release) {
  unsigned major = 0, minor = 0;
  size_t i = 0;
  auto number = [&](unsigned& out) {
    size_t start = i;
    while (i < release.size() && i - start < 4 && release[i] >= '0' && release[i] <= '9') out = out * 10 + unsigned(release[i++] - '0');
    return i > start;
  };
  if (!number(major) || i >= release.size() || release[i++] != '.' || !number(minor))
    return Error(ErrorKind::BadData, fmt::format("not a kernel release: '{}'", release));
  if (major < 6 || (major == 6 && minor <= 2)) return OrcFormat::V1;
  if (major == 6 && minor == 3) return OrcFormat::V2;
  return OrcFormat::V3;
}

Expected<OrcFormat> orc_format_of(const ElfFile& file, std::optional<OrcFormat> kernel) {
  KRDB_TRY(header, header_format(file));
  if (header) return *header;
  // "Linux version 6.1.119 (…" in the vmlinux.
  if (auto banner = file.symbol_string("linux_banner", 256); banner && banner->starts_with("Linux version ")) {
    auto format = orc_format_for_release(std::string_view(*banner).substr(14));
    if (!format) return format.error().within(file.path() + ": linux_banner");
    return *format;
  }
  if (kernel) return *kernel;
  return Error(ErrorKind::NotFound,
               "cannot tell the ORC format: no .orc_header and no linux_banner (give the module's vmlinux)",
               file.path());
}

std::string format_orc_entry(const OrcEntry& e) {
  return fmt::format("type:{} sp:{} bp:{} signal:{}", type_name(e.type),
                     format_reg(e.sp_reg, e.sp_offset), format_reg(e.bp_reg, e.bp_offset),
                     e.signal ? 1 : 0);
}

Expected<OrcTable> OrcTable::from_sections(std::span<const uint8_t> ip_bytes, uint64_t ip_base,
                                           std::span<const uint8_t> orc_bytes,
                                           const std::string& source, OrcFormat format) {
  auto ok = check_sizes(ip_bytes.size(), orc_bytes.size(), source);
  if (!ok) return ok.error();
  OrcTable t;
  t.format_ = format;
  size_t n = ip_bytes.size() / kIpSize;
  t.rows_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    int32_t rel;
    std::memcpy(&rel, ip_bytes.data() + i * kIpSize, kIpSize);
    uint64_t ip = ip_base + i * kIpSize + uint64_t(int64_t(rel));
    t.rows_.push_back({ip, OrcEntry::decode(orc_bytes.subspan(i * OrcEntry::kSize), format)});
  }
  t.normalise();
  return t;
}

Expected<OrcTable> OrcTable::from_vmlinux(const ElfFile& file) {
  auto present = need_orc_sections(file);
  if (!present) return present.error();
  KRDB_TRY(format, orc_format_of(file));
  const ElfSection* ip = file.section(".orc_unwind_ip");
  KRDB_TRY(table, from_sections(file.section_data(*ip), ip->address,
                                file.section_data(".orc_unwind"), file.path(), format));
  // Answer only for code, as the kernel's orc_find() does for vmlinux text.
  uint64_t begin = UINT64_MAX, end = 0;
  for (const auto& s : file.sections()) {
    if (!(s.flags & kShfExecInstr) || s.size == 0) continue;
    begin = std::min(begin, s.address);
    end = std::max(end, s.address + s.size);
  }
  if (begin < end) table.text_begin_ = begin, table.text_end_ = end;
  return std::move(table);
}

Expected<std::shared_ptr<const OrcTable>> OrcTable::shared_from_vmlinux(const ElfFile& file) {
  // A few vmlinux files per process at most (the plugin's targets); the oldest goes first.
  constexpr size_t kCached = 4;
  static std::mutex lock;
  static std::vector<std::pair<std::string, std::shared_ptr<const OrcTable>>> cache;
  std::string key = file.path() + "\n" + file.build_id().value_or("");
  {
    std::lock_guard<std::mutex> g(lock);
    for (const auto& [k, table] : cache)
      if (k == key) return table;
  }
  KRDB_TRY(table, from_vmlinux(file));
  auto shared = std::make_shared<const OrcTable>(std::move(table));
  std::lock_guard<std::mutex> g(lock);
  if (cache.size() >= kCached) cache.erase(cache.begin());
  cache.emplace_back(key, shared);
  return shared;
}

Expected<OrcTable> OrcTable::from_module(const ElfFile& file, const SectionAddress& where,
                                         std::optional<OrcFormat> kernel) {
  auto present = need_orc_sections(file);
  if (!present) return present.error();
  KRDB_TRY(format, orc_format_of(file, kernel));
  auto ip_bytes = file.section_data(".orc_unwind_ip");
  auto orc_bytes = file.section_data(".orc_unwind");
  auto ok = check_sizes(ip_bytes.size(), orc_bytes.size(), file.path());
  if (!ok) return ok.error();
  KRDB_TRY(relas, read_relas(file));
  size_t n = ip_bytes.size() / kIpSize;
  std::vector<std::optional<uint64_t>> ips(n);
  std::vector<bool> seen(n);
  for (const Rela& r : relas) {
    if (r.offset % kIpSize != 0 || r.offset / kIpSize >= n || seen[r.offset / kIpSize])
      return section_error(file.path(), ".rela.orc_unwind_ip",
                           fmt::format("relocation at offset {:#x} is misplaced or repeated",
                                       r.offset));
    seen[r.offset / kIpSize] = true;
    KRDB_TRY(ip, relocated_ip(file, r, where));
    ips[r.offset / kIpSize] = ip;
  }
  OrcTable t;
  t.format_ = format;
  for (size_t i = 0; i < n; ++i) {
    if (!seen[i])
      return section_error(file.path(), ".rela.orc_unwind_ip",
                           fmt::format("ORC entry {} has no relocation", i));
    if (!ips[i]) {
      ++t.dropped_;
      continue;
    }
    t.rows_.push_back({*ips[i], OrcEntry::decode(orc_bytes.subspan(i * OrcEntry::kSize), format)});
  }
  t.normalise();
  return t;
}

void OrcTable::normalise() {
  // As the kernel's orc_sort_cmp(): by address, a weak terminator before a real entry at the
  // same address, so that lookup()'s rightmost match is the real one.
  std::stable_sort(rows_.begin(), rows_.end(), [](const OrcRow& a, const OrcRow& b) {
    if (a.ip != b.ip) return a.ip < b.ip;
    return is_terminator(a.entry) && !is_terminator(b.entry);
  });
}

std::optional<OrcRow> OrcTable::lookup(uint64_t address) const {
  if (address < text_begin_ || address >= text_end_) return std::nullopt;
  auto it = std::upper_bound(rows_.begin(), rows_.end(), address,
                             [](uint64_t a, const OrcRow& r) { return a < r.ip; });
  if (it == rows_.begin()) return std::nullopt;
  return *std::prev(it);
}

}  // namespace krdb
