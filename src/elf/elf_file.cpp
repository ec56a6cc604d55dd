// ElfFile on libelf (elfutils): libelf is fuzzed upstream and handles the ELF structures; we only
// check what we read from it (names, counts) and turn its failures into Errors.
#include "krdb/elf/elf_file.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace krdb {

namespace {

Error elf_error(const std::string& path, const std::string& what) {
  return Error(ErrorKind::BadData, what + ": " + elf_errmsg(-1), path);
}

std::optional<std::string> read_build_id(Elf_Scn* scn) {
  Elf_Data* data = elf_getdata(scn, nullptr);
  if (!data) return std::nullopt;
  GElf_Nhdr nhdr;
  size_t offset = 0, name_off = 0, desc_off = 0;
  while ((offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
    const char* base = static_cast<const char*>(data->d_buf);
    if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
        std::memcmp(base + name_off, "GNU", 4) == 0) {
      std::string hex;
      for (size_t i = 0; i < nhdr.n_descsz; ++i)
        hex += fmt::format("{:02x}", uint8_t(base[desc_off + i]));
      return hex;
    }
  }
  return std::nullopt;
}

}  // namespace

Expected<std::unique_ptr<ElfFile>> ElfFile::open(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    return Error(ErrorKind::Unsupported, "libelf is too old", path);
  std::unique_ptr<ElfFile> f(new ElfFile());
  f->path_ = path;
  f->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f->fd_ < 0)
    return Error(ErrorKind::Io, fmt::format("cannot open: {}", std::strerror(errno)), path);
  f->elf_ = elf_begin(f->fd_, ELF_C_READ_MMAP, nullptr);
  if (!f->elf_ || elf_kind(f->elf_) != ELF_K_ELF) return elf_error(path, "not an ELF file");
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(f->elf_, &ehdr)) return elf_error(path, "bad ELF header");
  f->type_ = ehdr.e_type;
  size_t image_size = 0;
  if (const char* image = elf_rawfile(f->elf_, &image_size))
    f->image_ = {reinterpret_cast<const uint8_t*>(image), image_size};
  // A file cut short (an interrupted copy, a partial download) loses its section headers first:
  // libelf then shows no sections at all, which would read as "no symbols, no DWARF". Say it.
  if (ehdr.e_shoff != 0 && ehdr.e_shnum != 0 &&
      (ehdr.e_shoff > image_size || uint64_t(ehdr.e_shnum) * ehdr.e_shentsize > image_size - ehdr.e_shoff))
    return Error(ErrorKind::BadData,
                 fmt::format("section headers at {:#x} ({} × {} bytes) run past the end of the "
                             "{}-byte file: truncated?", ehdr.e_shoff, ehdr.e_shnum, ehdr.e_shentsize,
                             image_size),
                 path);
  size_t phnum = 0;
  if (elf_getphdrnum(f->elf_, &phnum) == 0)
    for (size_t i = 0; i < phnum; ++i)
      if (GElf_Phdr ph; gelf_getphdr(f->elf_, int(i), &ph) && ph.p_type == PT_LOAD)
        f->loads_.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz});
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(f->elf_, &shstrndx) != 0) return elf_error(path, "bad section name table");

  Elf_Scn* symtab = nullptr;
  Elf_Scn* dynsym = nullptr;
  for (Elf_Scn* scn = elf_nextscn(f->elf_, nullptr); scn; scn = elf_nextscn(f->elf_, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) return elf_error(path, "bad section header");
    const char* name = elf_strptr(f->elf_, shstrndx, shdr.sh_name);
    f->sections_.push_back({name ? name : "", shdr.sh_type, shdr.sh_flags, shdr.sh_addr,
                            shdr.sh_offset, shdr.sh_size, shdr.sh_link, shdr.sh_info,
                            shdr.sh_entsize, shdr.sh_addralign, uint32_t(elf_ndxscn(scn))});
    if (shdr.sh_type == SHT_SYMTAB) symtab = scn;
    if (shdr.sh_type == SHT_DYNSYM) dynsym = scn;
    if (shdr.sh_type == SHT_NOTE && !f->build_id_) f->build_id_ = read_build_id(scn);
  }

  if (Elf_Scn* scn = symtab ? symtab : dynsym) {
    GElf_Shdr shdr;
    gelf_getshdr(scn, &shdr);
    Elf_Data* data = elf_getdata(scn, nullptr);
    size_t count = shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
    for (size_t i = 1; data && i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, int(i), &sym)) return elf_error(path, fmt::format("bad symbol #{}", i));
      uint8_t type = GELF_ST_TYPE(sym.st_info);
      if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS) continue;
      if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) continue;
      const char* name = elf_strptr(f->elf_, shdr.sh_link, sym.st_name);
      if (!name || !*name) continue;
      f->symbols_.push_back({name, sym.st_value, sym.st_size, type, uint8_t(GELF_ST_BIND(sym.st_info)),
                             sym.st_shndx});
    }
  }
  // By address; at one address prefer sized symbols, then global ones (the name users know).
  std::stable_sort(f->symbols_.begin(), f->symbols_.end(), [](const ElfSymbol& a, const ElfSymbol& b) {
    if (a.address != b.address) return a.address < b.address;
    if ((a.size > 0) != (b.size > 0)) return a.size > 0;
    return (a.bind == STB_GLOBAL) > (b.bind == STB_GLOBAL);
  });
  return f;
}

ElfFile::~ElfFile() {
  if (elf_) elf_end(elf_);
  if (fd_ >= 0) ::close(fd_);
}

const ElfSection* ElfFile::section(const std::string& name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

std::span<const uint8_t> ElfFile::section_data(const std::string& name) const {
  const ElfSection* s = section(name);
  return s ? section_data(*s) : std::span<const uint8_t>{};
}

std::span<const uint8_t> ElfFile::section_data(const ElfSection& s) const {
  // Sections past the end of a truncated file give nothing rather than bytes beyond the map.
  if (s.type == SHT_NOBITS || s.offset > image_.size() || s.size > image_.size() - s.offset)
    return {};
  return image_.subspan(s.offset, s.size);
}

std::optional<SymbolMatch> ElfFile::symbol_at(uint64_t address) const {
  // Last symbol starting at or before the address; walk back over a few aliases/nested ones.
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const ElfSymbol& s) { return a < s.address; });
  for (int steps = 0; it != symbols_.begin() && steps < 64; ++steps) {
    --it;
    if (it->size > 0 && address < it->address + it->size) {
      // Several sized symbols may start here (aliases): the first in sort order wins.
      auto first = it;
      while (first != symbols_.begin() && std::prev(first)->address == it->address &&
             std::prev(first)->size > 0)
        --first;
      return SymbolMatch{&*first, address - first->address};
    }
  }
  // In no sized symbol: an assembly label (unsized), alignment padding, or a return address just
  // after a noreturn call at a function's end: the nearest preceding symbol, as addr2line does.
  return nearest_symbol(address);
}

std::optional<SymbolMatch> ElfFile::nearest_symbol(uint64_t address) const {
  auto prev = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                               [](uint64_t a, const ElfSymbol& s) { return a < s.address; });
  if (prev != symbols_.begin()) {
    --prev;
    while (prev != symbols_.begin() && std::prev(prev)->address == prev->address) --prev;
    // Only inside the symbol's own section: an address beyond it (a module, user space) is not
    // "vmlinux's last symbol + a lot".
    uint16_t index = prev->section;
    if (index >= 1 && index <= sections_.size()) {
      const ElfSection& s = sections_[index - 1];
      if (type_ == ET_REL || (address >= s.address && address - s.address < s.size))
        return SymbolMatch{&*prev, address - prev->address};
    }
  }
  return std::nullopt;
}

std::optional<SymbolMatch> ElfFile::symbol_in_section(uint32_t section_index, uint64_t offset) const {
  const ElfSymbol* best = nullptr;
  for (const auto& s : symbols_) {
    if (s.section != section_index || s.address > offset) continue;
    if (s.size > 0 && offset < s.address + s.size) return SymbolMatch{&s, offset - s.address};
    if (!best || s.address > best->address) best = &s;
  }
  if (best) return SymbolMatch{best, offset - best->address};
  return std::nullopt;
}

Expected<std::string> ElfFile::symbol_string(const std::string& name, size_t max_bytes) const {
  const ElfSymbol* sym = symbol_named(name);
  if (!sym) return Error(ErrorKind::NotFound, "no symbol " + name, path());
  for (const ElfSection& sec : sections()) {
    if (sec.type == SHT_NOBITS || sym->address < sec.address || sym->address - sec.address >= sec.size)
      continue;
    auto data = section_data(sec).subspan(sym->address - sec.address);
    std::string text(reinterpret_cast<const char*>(data.data()), std::min<size_t>(data.size(), max_bytes));
    return text.substr(0, text.find('\0'));
  }
  return Error(ErrorKind::NotFound, name + " is in no section with contents", path());
}

const ElfSymbol* ElfFile::symbol_named(const std::string& name) const {
  for (const auto& s : symbols_)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace krdb
