// The thin RAII layer over libdwarf 20210528 (Debian bookworm's only version). Every libdwarf call
// of krdb goes through src/dwarf/, and the calls whose signatures changed in libdwarf 0.x
// (init, CU iteration, sibling walk) only through this file and libdwarf_api.cpp, so a port
// touches these two files.
#pragma once

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "krdb/base/error.h"
#include "krdb/dwarf/debug_info.h"

namespace krdb::dw {

// A Dwarf_Error that frees itself; message() turns it into words.
class ErrorSlot {
 public:
  explicit ErrorSlot(Dwarf_Debug dbg) : dbg_(dbg) {}
  ~ErrorSlot() { clear(); }
  ErrorSlot(const ErrorSlot&) = delete;
  ErrorSlot& operator=(const ErrorSlot&) = delete;
  Dwarf_Error* out() { clear(); return &err_; }
  std::string message() const { return err_ ? dwarf_errmsg(err_) : "no entry"; }
  void clear() { if (err_) dwarf_dealloc_error(dbg_, err_); err_ = nullptr; }

 private:
  Dwarf_Debug dbg_;
  Dwarf_Error err_ = nullptr;
};

// An owned DIE.
class Die {
 public:
  Die() = default;
  Die(Dwarf_Debug dbg, Dwarf_Die die) : dbg_(dbg), die_(die) {}
  ~Die() { if (die_) dwarf_dealloc_die(die_); }
  Die(Die&& o) noexcept : dbg_(o.dbg_), die_(std::exchange(o.die_, nullptr)) {}
  Die& operator=(Die&& o) noexcept {
    if (this != &o) { if (die_) dwarf_dealloc_die(die_); dbg_ = o.dbg_; die_ = std::exchange(o.die_, nullptr); }
    return *this;
  }
  explicit operator bool() const { return die_ != nullptr; }
  Dwarf_Die get() const { return die_; }
  Dwarf_Debug dbg() const { return dbg_; }

  uint64_t offset() const;
  Dwarf_Half tag() const;
  // First child / next sibling; an empty Die at the end; Error on malformed data.
  Expected<Die> child() const;
  Expected<Die> sibling() const;

  bool has(Dwarf_Half attr) const;
  std::optional<std::string> string(Dwarf_Half attr) const;
  std::optional<uint64_t> udata(Dwarf_Half attr) const;
  std::optional<int64_t> sdata(Dwarf_Half attr) const;
  std::optional<bool> flag(Dwarf_Half attr) const;
  std::optional<uint64_t> reference(Dwarf_Half attr) const;  // global .debug_info offset
  std::optional<uint64_t> address(Dwarf_Half attr) const;
  // Raw bytes of a block or exprloc attribute (DW_AT_location, DW_AT_discr_list).
  std::optional<std::vector<uint8_t>> block(Dwarf_Half attr) const;
  Dwarf_Half form(Dwarf_Half attr) const;  // 0 if absent
  // A location description (exprloc or location list), at most `max_ops` operations per entry.
  std::optional<std::vector<LocationEntry>> location(Dwarf_Half attr, uint64_t max_ops) const;

  // DW_AT_low_pc/high_pc or DW_AT_ranges; `cu_base` is the CU's base address for DWARF 4 lists.
  std::vector<AddressRange> ranges(uint64_t cu_base) const;

 private:
  Dwarf_Debug dbg_ = nullptr;
  Dwarf_Die die_ = nullptr;
};

Expected<Die> die_at(Dwarf_Debug dbg, uint64_t offset);
// Whether the object has a non-empty section of this name.
bool has_section(Dwarf_Debug dbg, const char* name);

// A Dwarf_Debug over krdb's object-access interface (ObjectAccess::interface()), libdwarf's
// errors reported as values (its error handler is a no-op, and the Dwarf_Error of a failed
// init is freed here). `what` names the reader in the message ("DWARF", "call-frame
// information"); `path` is the file.
Expected<Dwarf_Debug> init_dwarf(Dwarf_Obj_Access_Interface* access, const std::string& what,
                                 const std::string& path);

}  // namespace krdb::dw
