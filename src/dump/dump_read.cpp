// Dump: memory reads through kdump_read, and Fault errors that say why a page is missing.
#include <libkdumpfile/kdumpfile.h>

#include <fmt/format.h>

#include "kdump_util.h"
#include "krdb/dump/dump.h"

namespace krdb {

using namespace dump_detail;

namespace {

// The lowest kernel address with 5-level paging (4-level: 0xffff800000000000; the gap between
// is non-canonical and libaddrxlat rejects it). Checked by hand because libkdumpfile also
// translates through an ELF dump's PT_LOAD virtual addresses, and QEMU's paging=false dumps
// set those equal to the physical ones: user address 0x1000 would read physical page 1
// (measured) where a kernel dump has nothing.
constexpr uint64_t kKernelHalfStart = 0xff00000000000000ull;

// Kernel virtual -> physical through the dump's libaddrxlat system; nullopt if unmapped.
std::optional<uint64_t> to_physical(kdump_ctx_t* ctx, uint64_t vaddr) {
  addrxlat_ctx_t* axctx = nullptr;
  addrxlat_sys_t* axsys = nullptr;
  if (kdump_get_addrxlat(ctx, &axctx, &axsys) != KDUMP_OK) return std::nullopt;
  addrxlat_fulladdr_t addr{vaddr, ADDRXLAT_KVADDR};
  addrxlat_status s = addrxlat_fulladdr_conv(&addr, ADDRXLAT_KPHYSADDR, axctx, axsys);
  addrxlat_ctx_decref(axctx);
  addrxlat_sys_decref(axsys);
  if (s != ADDRXLAT_OK) return std::nullopt;
  return uint64_t(addr.addr);
}

}  // namespace

Expected<void> Dump::read(uint64_t address, std::span<uint8_t> out) {
  if (address < kKernelHalfStart && !out.empty())
    return Error(ErrorKind::Fault, "not a kernel address: a kernel dump holds no user memory",
                 fmt::format("{}: address {:#x}", path_, address));
  return read_in(Space::Virtual, address, out);
}

Expected<void> Dump::read_physical(uint64_t address, std::span<uint8_t> out) {
  return read_in(Space::Physical, address, out);
}

Expected<void> Dump::read_in(Space space, uint64_t address, std::span<uint8_t> out) {
  if (out.empty()) return {};
  size_t done = out.size();
  auto as = space == Space::Virtual ? KDUMP_KVADDR : KDUMP_KPHYSADDR;
  kdump_status s = kdump_read(ctx_, as, address, out.data(), &done);
  if (s == KDUMP_OK) return {};
  // On failure `done` counts the bytes read before the first missing one.
  return read_error(space, address + done, s);
}

// One bit of libkdumpfile's page bitmaps: "file.pagemap" (page stored in the file) or
// "memory.pagemap" (page is RAM); nullopt when the dump format has no such map.
std::optional<bool> Dump::page_bit(const char* map, uint64_t paddr) {
  kdump_attr_t attr;
  attr.type = KDUMP_BITMAP;
  if (kdump_get_typed_attr(ctx_, map, &attr) != KDUMP_OK) return std::nullopt;
  uint64_t shift = number_attr(ctx_, KDUMP_ATTR_PAGE_SHIFT).value_or(12);
  uint64_t pfn = paddr >> shift;
  unsigned char bits = 0;
  if (kdump_bmp_get_bits(attr.val.bitmap, pfn, pfn, &bits) != KDUMP_OK) return std::nullopt;
  return (bits & 1) != 0;
}

Error Dump::read_error(Space space, uint64_t address, int status) {
  auto s = kdump_status(status);
  std::string detail = last_error(ctx_, s);  // first: later kdump_* calls reset it
  std::string where = fmt::format("{}: {} {:#x}", path_, space == Space::Virtual ? "address" : "physical address", address);
  if (s == KDUMP_ERR_ADDRXLAT)
    return Error(ErrorKind::Fault, "not mapped in the dump's kernel page tables (" + detail + ")", where);
  if (s != KDUMP_ERR_NODATA)
    return Error(ErrorKind::Fault, fmt::format("cannot read the dump: {} ({})", kdump_strerror(s), detail), where);
  std::optional<uint64_t> paddr = space == Space::Physical ? address : to_physical(ctx_, address);
  if (!paddr) return Error(ErrorKind::Fault, "page not in the dump (" + detail + ")", where);
  if (space == Space::Virtual) where += fmt::format(" (physical {:#x})", *paddr);
  auto ram = page_bit(KDUMP_ATTR_MEMORY_PAGEMAP, *paddr);
  auto stored = page_bit(KDUMP_ATTR_FILE_PAGEMAP, *paddr);
  if (ram.value_or(false) && !stored.value_or(true))
    return Error(ErrorKind::Fault,
                 "page not in the dump: filtered out when the dump was made (makedumpfile's dump "
                 "level excludes free, zero, page-cache and user pages)",
                 where);
  if (ram && !*ram) return Error(ErrorKind::Fault, "page not in the dump: outside every memory range it holds (not RAM, or not dumped)", where);
  return Error(ErrorKind::Fault, "page not in the dump (" + detail + ")", where);
}

}  // namespace krdb
