#include "libdwarf_api.h"

namespace krdb::dw {

namespace {

// An attribute of a DIE, freed on scope exit.
class Attr {
 public:
  // Errors here go to the Dwarf_Debug's handler (set at open, it ignores them): an unreadable
  // attribute reads as absent.
  Attr(Dwarf_Die die, Dwarf_Half name) {
    if (dwarf_attr(die, name, &attr_, nullptr) != DW_DLV_OK) attr_ = nullptr;
  }
  ~Attr() {
    if (attr_) dwarf_dealloc_attribute(attr_);
  }
  Attr(const Attr&) = delete;
  Attr& operator=(const Attr&) = delete;
  Dwarf_Attribute get() const { return attr_; }
  explicit operator bool() const { return attr_ != nullptr; }
 private:
  Dwarf_Attribute attr_ = nullptr;
};

std::optional<uint64_t> attr_offset(Dwarf_Attribute a, Dwarf_Half form) {
  Dwarf_Unsigned v = 0;
  Dwarf_Off off = 0;
  if (form == DW_FORM_rnglistx || form == DW_FORM_loclistx || form == DW_FORM_data4 ||
      form == DW_FORM_data8) {
    if (dwarf_formudata(a, &v, nullptr) == DW_DLV_OK) return v;
    return std::nullopt;
  }
  if (dwarf_global_formref(a, &off, nullptr) == DW_DLV_OK) return off;
  if (dwarf_formudata(a, &v, nullptr) == DW_DLV_OK) return v;
  return std::nullopt;
}

void add_range(std::vector<AddressRange>& out, uint64_t lo, uint64_t hi) {
  if (hi > lo) out.push_back({lo, hi});
}

}  // namespace

namespace {
void ignore_dwarf_error(Dwarf_Error, Dwarf_Ptr) {}
}  // namespace

Expected<Dwarf_Debug> init_dwarf(Dwarf_Obj_Access_Interface* access, const std::string& what,
                                 const std::string& path) {
  Dwarf_Debug dbg = nullptr;
  Dwarf_Error err = nullptr;
  int r = dwarf_object_init_b(access, ignore_dwarf_error, nullptr, DW_GROUPNUMBER_ANY, &dbg, &err);
  if (r == DW_DLV_OK) return dbg;
  std::string msg = err ? dwarf_errmsg(err) : "no DWARF sections";
  if (err) dwarf_dealloc(nullptr, err, DW_DLA_ERROR);
  return Error(ErrorKind::BadData, "cannot read " + what + ": " + msg, path);
}

bool has_section(Dwarf_Debug dbg, const char* name) {
  Dwarf_Addr addr = 0;
  Dwarf_Unsigned size = 0;
  return dwarf_get_section_info_by_name(dbg, name, &addr, &size, nullptr) == DW_DLV_OK && size > 0;
}

namespace {

std::vector<AddressRange> rnglists(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form,
                                   uint64_t value) {
  std::vector<AddressRange> out;
  // libdwarf 20210528 dereferences null when a CU uses DW_FORM_rnglistx without a
  // .debug_rnglists section (found by the DWARF fuzzer): no section, no ranges.
  if (!has_section(dbg, ".debug_rnglists")) return out;
  Dwarf_Rnglists_Head head = nullptr;
  Dwarf_Unsigned count = 0, global = 0;
  if (dwarf_rnglists_get_rle_head(a, form, value, &head, &count, &global, nullptr) != DW_DLV_OK)
    return out;
  for (Dwarf_Unsigned i = 0; i < count; ++i) {
    unsigned len = 0, code = 0;
    Dwarf_Unsigned raw1 = 0, raw2 = 0, lo = 0, hi = 0;
    Dwarf_Bool no_addr = false;
    if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2, &no_addr, &lo, &hi,
                                          nullptr) != DW_DLV_OK)
      break;
    if (code == DW_RLE_end_of_list) break;
    if (code == DW_RLE_base_address || code == DW_RLE_base_addressx || no_addr) continue;
    add_range(out, lo, hi);
  }
  dwarf_dealloc_rnglists_head(head);
  return out;
}

std::vector<AddressRange> debug_ranges(Dwarf_Debug dbg, Dwarf_Die die, uint64_t offset,
                                       uint64_t base) {
  std::vector<AddressRange> out;
  Dwarf_Ranges* list = nullptr;
  Dwarf_Signed count = 0;
  Dwarf_Unsigned bytes = 0;
  Dwarf_Off real = 0;
  if (dwarf_get_ranges_b(dbg, offset, die, &real, &list, &count, &bytes, nullptr) != DW_DLV_OK)
    return out;
  for (Dwarf_Signed i = 0; i < count; ++i) {
    const Dwarf_Ranges& r = list[i];
    if (r.dwr_type == DW_RANGES_END) break;
    if (r.dwr_type == DW_RANGES_ADDRESS_SELECTION) { base = r.dwr_addr2; continue; }
    add_range(out, base + r.dwr_addr1, base + r.dwr_addr2);
  }
  dwarf_ranges_dealloc(dbg, list, count);
  return out;
}

}  // namespace

uint64_t Die::offset() const {
  Dwarf_Off off = 0;
  dwarf_dieoffset(die_, &off, nullptr);
  return off;
}

Dwarf_Half Die::tag() const {
  Dwarf_Half t = 0;
  dwarf_tag(die_, &t, nullptr);
  return t;
}

Expected<Die> Die::child() const {
  Dwarf_Die c = nullptr;
  ErrorSlot err(dbg_);
  int r = dwarf_child(die_, &c, err.out());
  if (r == DW_DLV_ERROR)
    return Error(ErrorKind::BadData, "cannot read child DIE: " + err.message(),
                 ".debug_info+" + std::to_string(offset()));
  return Die(dbg_, r == DW_DLV_OK ? c : nullptr);
}

Expected<Die> Die::sibling() const {
  Dwarf_Die s = nullptr;
  ErrorSlot err(dbg_);
  int r = dwarf_siblingof_b(dbg_, die_, true, &s, err.out());
  if (r == DW_DLV_ERROR)
    return Error(ErrorKind::BadData, "cannot read sibling DIE: " + err.message(),
                 ".debug_info+" + std::to_string(offset()));
  return Die(dbg_, r == DW_DLV_OK ? s : nullptr);
}

bool Die::has(Dwarf_Half attr) const {
  Dwarf_Bool b = false;
  return dwarf_hasattr(die_, attr, &b, nullptr) == DW_DLV_OK && b;
}

Dwarf_Half Die::form(Dwarf_Half name) const {
  Attr a(die_, name);
  Dwarf_Half f = 0;
  if (!a || dwarf_whatform(a.get(), &f, nullptr) != DW_DLV_OK) return 0;
  return f;
}

std::optional<std::string> Die::string(Dwarf_Half name) const {
  Attr a(die_, name);
  char* s = nullptr;
  if (!a || dwarf_formstring(a.get(), &s, nullptr) != DW_DLV_OK || !s) return std::nullopt;
  return std::string(s);
}

std::optional<uint64_t> Die::udata(Dwarf_Half name) const {
  Attr a(die_, name);
  if (!a) return std::nullopt;
  Dwarf_Unsigned u = 0;
  if (dwarf_formudata(a.get(), &u, nullptr) == DW_DLV_OK) return u;
  Dwarf_Signed s = 0;  // DW_FORM_sdata: keep the two's-complement bits
  if (dwarf_formsdata(a.get(), &s, nullptr) == DW_DLV_OK) return uint64_t(s);
  return std::nullopt;
}

std::optional<int64_t> Die::sdata(Dwarf_Half name) const {
  Attr a(die_, name);
  if (!a) return std::nullopt;
  Dwarf_Signed s = 0;
  if (dwarf_formsdata(a.get(), &s, nullptr) == DW_DLV_OK) return s;
  Dwarf_Unsigned u = 0;
  if (dwarf_formudata(a.get(), &u, nullptr) == DW_DLV_OK) return int64_t(u);
  return std::nullopt;
}

std::optional<bool> Die::flag(Dwarf_Half name) const {
  Attr a(die_, name);
  Dwarf_Bool b = false;
  if (!a || dwarf_formflag(a.get(), &b, nullptr) != DW_DLV_OK) return std::nullopt;
  return b != 0;
}

std::optional<uint64_t> Die::reference(Dwarf_Half name) const {
  Attr a(die_, name);
  Dwarf_Off off = 0;
  if (!a || dwarf_global_formref(a.get(), &off, nullptr) != DW_DLV_OK) return std::nullopt;
  return off;
}

std::optional<uint64_t> Die::address(Dwarf_Half name) const {
  Attr a(die_, name);
  Dwarf_Addr addr = 0;
  if (!a || dwarf_formaddr(a.get(), &addr, nullptr) != DW_DLV_OK) return std::nullopt;
  return addr;
}

std::optional<std::vector<uint8_t>> Die::block(Dwarf_Half name) const {
  Attr a(die_, name);
  if (!a) return std::nullopt;
  Dwarf_Unsigned len = 0;
  Dwarf_Ptr ptr = nullptr;
  if (dwarf_formexprloc(a.get(), &len, &ptr, nullptr) == DW_DLV_OK) {
    auto* p = static_cast<const uint8_t*>(ptr);
    return std::vector<uint8_t>(p, p + len);
  }
  Dwarf_Block* blk = nullptr;
  if (dwarf_formblock(a.get(), &blk, nullptr) != DW_DLV_OK || !blk) return std::nullopt;
  auto* p = static_cast<const uint8_t*>(blk->bl_data);
  std::vector<uint8_t> out(p, p + blk->bl_len);
  dwarf_dealloc(dbg_, blk, DW_DLA_BLOCK);
  return out;
}

std::vector<AddressRange> Die::ranges(uint64_t cu_base) const {
  std::vector<AddressRange> out;
  if (auto lo = address(DW_AT_low_pc)) {
    Dwarf_Addr hi = 0;
    Dwarf_Half form = 0;
    Dwarf_Form_Class cls{};
    if (dwarf_highpc_b(die_, &hi, &form, &cls, nullptr) == DW_DLV_OK) {
      if (cls == DW_FORM_CLASS_CONSTANT) hi += *lo;
      add_range(out, *lo, hi);
    }
    if (!out.empty() || !has(DW_AT_ranges)) return out;
  }
  Attr a(die_, DW_AT_ranges);
  if (!a) return out;
  Dwarf_Half form = 0;
  dwarf_whatform(a.get(), &form, nullptr);
  auto value = attr_offset(a.get(), form);
  if (!value) return out;
  Dwarf_Half version = 0, offset_size = 0;
  dwarf_get_version_of_die(die_, &version, &offset_size);
  if (version >= 5) return rnglists(dbg_, a.get(), form, *value);
  return debug_ranges(dbg_, die_, *value, cu_base);
}

std::optional<std::vector<LocationEntry>> Die::location(Dwarf_Half name, uint64_t max_ops) const {
  Attr a(die_, name);
  if (!a) return std::nullopt;
  Dwarf_Loc_Head_c head = nullptr;
  Dwarf_Unsigned count = 0;
  if (dwarf_get_loclist_c(a.get(), &head, &count, nullptr) != DW_DLV_OK) return std::nullopt;
  std::vector<LocationEntry> out;
  for (Dwarf_Unsigned i = 0; i < count; ++i) {
    Dwarf_Small lle = 0, source = 0;
    Dwarf_Unsigned raw_lo = 0, raw_hi = 0, ops = 0, expr_off = 0, desc_off = 0;
    Dwarf_Bool unavailable = false;
    Dwarf_Addr lo = 0, hi = 0;
    Dwarf_Locdesc_c desc = nullptr;
    if (dwarf_get_locdesc_entry_d(head, i, &lle, &raw_lo, &raw_hi, &unavailable, &lo, &hi, &ops,
                                  &desc, &source, &expr_off, &desc_off, nullptr) != DW_DLV_OK)
      break;
    if (unavailable || ops > max_ops) continue;
    LocationEntry e;
    if (source != 0) { e.begin = lo; e.end = hi; }  // 0: a single expression (exprloc)
    for (Dwarf_Unsigned j = 0; j < ops; ++j) {
      Dwarf_Small atom = 0;
      Dwarf_Unsigned op1 = 0, op2 = 0, op3 = 0, branch = 0;
      if (dwarf_get_location_op_value_c(desc, j, &atom, &op1, &op2, &op3, &branch, nullptr) !=
          DW_DLV_OK)
        break;
      // DW_OP_entry_value(block): libdwarf gives the block's length (op1) and a pointer to its
      // bytes (op2), valid only while it holds the section. The one form compilers emit for
      // kernels, a single DW_OP_regN, is decoded now: operand2 = N, operand3 = 1; any other
      // block: operand3 = 0 (not evaluated).
      if (atom == DW_OP_entry_value || atom == DW_OP_GNU_entry_value) {
        const auto* block = reinterpret_cast<const uint8_t*>(uintptr_t(op2));
        bool reg = op1 == 1 && block && block[0] >= DW_OP_reg0 && block[0] <= DW_OP_reg31;
        op2 = reg ? block[0] - DW_OP_reg0 : 0;
        op3 = reg ? 1 : 0;
      }
      // An index into .debug_addr: its address into operand2 (0 when libdwarf cannot read it).
      if (atom == DW_OP_addrx || atom == DW_OP_GNU_addr_index) {
        Dwarf_Addr address = 0;
        op2 = dwarf_debug_addr_index_to_addr(die_, op1, &address, nullptr) == DW_DLV_OK ? address : 0;
      }
      e.ops.push_back({atom, op1, op2, op3});
    }
    if (source == 0 || e.end > e.begin) out.push_back(std::move(e));
  }
  dwarf_loc_head_c_dealloc(head);
  return out;
}

Expected<Die> die_at(Dwarf_Debug dbg, uint64_t offset) {
  Dwarf_Die d = nullptr;
  ErrorSlot err(dbg);
  int r = dwarf_offdie_b(dbg, offset, true, &d, err.out());
  if (r != DW_DLV_OK)
    return Error(ErrorKind::BadData, "no DIE at this offset: " + err.message(),
                 ".debug_info+" + std::to_string(offset));
  return Die(dbg, d);
}

}  // namespace krdb::dw
