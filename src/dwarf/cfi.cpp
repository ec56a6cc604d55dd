// CallFrameInfo over libdwarf's frame interface (dwarf_get_fde_list[_eh], dwarf_get_fde_at_pc,
// dwarf_get_fde_info_for_all_regs3): libdwarf runs the CIE/FDE programs; krdb only maps its
// register table onto CfiRow. Sections reach libdwarf through krdb's ObjectAccess (so a .ko's
// .debug_frame is relocated with the same synthetic layout as its .debug_info).
#include "krdb/dwarf/cfi.h"

#include <fmt/format.h>

#include <vector>

#include "libdwarf_api.h"
#include "object_access.h"

namespace krdb {

namespace {

// Columns libdwarf tracks: x86-64's 17 integer registers + rip, and the SSE registers (17–32)
// that some CIEs mention; rules for the latter are read and dropped.
constexpr Dwarf_Half kTableColumns = 33;

// One file's CFI sections as libdwarf sees them.
struct Source {
  std::unique_ptr<dw::ObjectAccess> access;
  Dwarf_Debug dbg = nullptr;
  Dwarf_Cie* cies[2] = {nullptr, nullptr};  // [0] .eh_frame, [1] .debug_frame
  Dwarf_Fde* fdes[2] = {nullptr, nullptr};
  Dwarf_Signed cie_count[2] = {0, 0}, fde_count[2] = {0, 0};
  std::string path;

  ~Source() {
    for (int i = 0; i < 2; ++i)
      if (cies[i] || fdes[i]) dwarf_fde_cie_list_dealloc(dbg, cies[i], cie_count[i], fdes[i], fde_count[i]);
    if (dbg) dwarf_object_finish(dbg, nullptr);
  }
};

Expected<std::unique_ptr<Source>> open_source(const ElfFile& elf, bool want_eh, bool want_debug) {
  auto s = std::make_unique<Source>();
  s->path = elf.path();
  s->access = std::make_unique<dw::ObjectAccess>(elf);
  auto dbg = dw::init_dwarf(s->access->interface(), "call-frame information", elf.path());
  if (!dbg) return dbg.error();
  s->dbg = *dbg;
  dwarf_set_frame_rule_table_size(s->dbg, kTableColumns);
  // Unmentioned registers keep their value (the callee-saved convention); the unwinder forgets
  // the caller-saved ones itself.
  dwarf_set_frame_rule_initial_value(s->dbg, DW_FRAME_SAME_VAL);
  for (int i = 0; i < 2; ++i) {
    if (i == 0 ? !want_eh : !want_debug) continue;
    dw::ErrorSlot slot(s->dbg);
    int rr = i == 0 ? dwarf_get_fde_list_eh(s->dbg, &s->cies[0], &s->cie_count[0], &s->fdes[0], &s->fde_count[0], slot.out())
                    : dwarf_get_fde_list(s->dbg, &s->cies[1], &s->cie_count[1], &s->fdes[1], &s->fde_count[1], slot.out());
    if (rr == DW_DLV_ERROR)
      return Error(ErrorKind::BadData,
                   fmt::format("malformed {}: {}", i == 0 ? ".eh_frame" : ".debug_frame", slot.message()),
                   elf.path());
  }
  return s;
}

CfiRule rule_from(const Dwarf_Regtable_Entry3& e, bool is_cfa) {
  CfiRule rule;
  int64_t offset = int64_t(e.dw_offset_or_block_len);
  switch (e.dw_value_type) {
    case DW_EXPR_OFFSET:
      if (e.dw_regnum == DW_FRAME_UNDEFINED_VAL) { rule.kind = CfiRuleKind::Undefined; break; }
      if (e.dw_regnum == DW_FRAME_SAME_VAL) { rule.kind = CfiRuleKind::SameValue; break; }
      if (is_cfa) { rule.kind = CfiRuleKind::Register; rule.reg = e.dw_regnum; rule.offset = offset; break; }
      if (e.dw_offset_relevant) { rule.kind = CfiRuleKind::Offset; rule.offset = offset; break; }
      rule.kind = CfiRuleKind::Register;
      rule.reg = e.dw_regnum;
      break;
    case DW_EXPR_VAL_OFFSET:
      rule.kind = CfiRuleKind::ValOffset;
      rule.offset = offset;
      break;
    case DW_EXPR_EXPRESSION:
    case DW_EXPR_VAL_EXPRESSION:
      rule.kind = e.dw_value_type == DW_EXPR_EXPRESSION ? CfiRuleKind::Expression : CfiRuleKind::ValExpression;
      rule.expression = {static_cast<const uint8_t*>(e.dw_block_ptr), size_t(e.dw_offset_or_block_len)};
      break;
    default:
      rule.kind = CfiRuleKind::Undefined;
  }
  return rule;
}

}  // namespace

struct CallFrameInfo::Impl {
  std::vector<std::unique_ptr<Source>> sources;
};

CallFrameInfo::CallFrameInfo() : impl_(std::make_unique<Impl>()) {}
CallFrameInfo::~CallFrameInfo() = default;

Expected<std::unique_ptr<CallFrameInfo>> CallFrameInfo::open(const ElfFile& elf, const ElfFile* debug_elf) {
  std::unique_ptr<CallFrameInfo> cfi(new CallFrameInfo());
  bool eh = elf.section(".eh_frame") != nullptr;
  const ElfFile& debug_file = debug_elf && debug_elf->section(".debug_frame") ? *debug_elf : elf;
  bool debug = debug_file.section(".debug_frame") != nullptr;
  if (eh || (debug && &debug_file == &elf)) {
    auto s = open_source(elf, eh, debug && &debug_file == &elf);
    if (!s) return s.error();
    cfi->impl_->sources.push_back(std::move(*s));
  }
  if (debug && &debug_file != &elf) {
    auto s = open_source(debug_file, false, true);
    if (!s) return s.error();
    cfi->impl_->sources.push_back(std::move(*s));
  }
  return cfi;
}

bool CallFrameInfo::empty() const {
  for (const auto& s : impl_->sources)
    if (s->fde_count[0] || s->fde_count[1]) return false;
  return true;
}

Expected<std::optional<CfiRow>> CallFrameInfo::row_at(uint64_t pc) {
  for (int kind = 0; kind < 2; ++kind) {
    for (const auto& s : impl_->sources) {
      if (!s->fdes[kind]) continue;
      dw::ErrorSlot slot(s->dbg);
      Dwarf_Fde fde = nullptr;
      Dwarf_Addr low = 0, high = 0;
      int r = dwarf_get_fde_at_pc(s->fdes[kind], pc, &fde, &low, &high, slot.out());
      if (r == DW_DLV_NO_ENTRY) continue;
      auto where = fmt::format("{} of {} at pc {:#x}", kind == 0 ? ".eh_frame" : ".debug_frame", s->path, pc);
      if (r != DW_DLV_OK) return Error(ErrorKind::BadData, "cannot find the FDE: " + slot.message(), where);
      std::vector<Dwarf_Regtable_Entry3> entries(kTableColumns);
      Dwarf_Regtable3 table{};
      table.rt3_reg_table_size = kTableColumns;
      table.rt3_rules = entries.data();
      Dwarf_Addr row_pc = 0;
      if (dwarf_get_fde_info_for_all_regs3(fde, pc, &table, &row_pc, slot.out()) != DW_DLV_OK)
        return Error(ErrorKind::BadData, "cannot run the CFI program: " + slot.message(), where);
      CfiRow row;
      row.begin = row_pc;
      row.end = high;
      row.from_eh_frame = kind == 0;
      row.cfa = rule_from(table.rt3_cfa_rule, true);
      for (size_t i = 0; i < row.regs.size(); ++i) row.regs[i] = rule_from(entries[i], false);
      return std::optional<CfiRow>(row);
    }
  }
  return std::optional<CfiRow>();
}

}  // namespace krdb
