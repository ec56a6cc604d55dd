// Per-CU line tables, loaded on first use and kept as sorted sequences for O(log n) look-up.
#include <algorithm>

#include <fmt/format.h>

#include "debug_info_impl.h"

#include <elf.h>

namespace krdb {

namespace dw {

const LineRow* LineTable::find(uint64_t address) const {
  auto seq = std::upper_bound(sequences.begin(), sequences.end(), address,
                              [](uint64_t a, const LineSequence& s) { return a < s.begin; });
  // Sequences may nest (rustc: one sequence for a whole section, others for functions placed
  // inside its range): walk back while an earlier sequence may still reach the address.
  while (seq != sequences.begin()) {
    --seq;
    if (max_end[seq - sequences.begin()] <= address) break;
    if (address >= seq->end || seq->rows.empty()) continue;
    auto row = std::upper_bound(seq->rows.begin(), seq->rows.end(), address,
                                [](uint64_t a, const LineRow& r) { return a < r.address; });
    if (row == seq->rows.begin()) continue;
    return &*std::prev(row);
  }
  return nullptr;
}

namespace {

std::vector<std::string> source_files(const Die& cu, uint64_t line_version) {
  std::vector<std::string> files;
  char** list = nullptr;
  Dwarf_Signed count = 0;
  if (dwarf_srcfiles(cu.get(), &list, &count, nullptr) != DW_DLV_OK) return files;
  // DWARF 5 numbers files from 0 (file 0 = the CU's primary file); earlier versions from 1.
  if (line_version < 5) files.emplace_back();
  for (Dwarf_Signed i = 0; i < count; ++i) {
    files.emplace_back(list[i] ? list[i] : "");
    dwarf_dealloc(cu.dbg(), list[i], DW_DLA_STRING);
  }
  dwarf_dealloc(cu.dbg(), list, DW_DLA_LIST);
  return files;
}

LineRow read_row(Dwarf_Line line, bool& end_sequence) {
  LineRow row;
  Dwarf_Addr addr = 0;
  Dwarf_Unsigned lineno = 0, fileno = 0;
  Dwarf_Signed column = 0;
  Dwarf_Bool end = false;
  dwarf_lineaddr(line, &addr, nullptr);
  dwarf_lineno(line, &lineno, nullptr);
  dwarf_lineoff_b(line, reinterpret_cast<Dwarf_Unsigned*>(&column), nullptr);
  dwarf_line_srcfileno(line, &fileno, nullptr);
  dwarf_lineendsequence(line, &end, nullptr);
  // libdwarf 20210528 reports end_sequence on rows that carry epilogue_begin (LLVM/rustc emits
  // DW_LNS_set_epilogue_begin; llvm-dwarfdump and addr2line read those rows as ordinary ones).
  // A real DW_LNE_end_sequence row never has epilogue_begin: the flag is reset after each row.
  Dwarf_Bool prologue_end = false, epilogue_begin = false;
  Dwarf_Unsigned isa = 0, discriminator = 0;
  if (end && dwarf_prologue_end_etc(line, &prologue_end, &epilogue_begin, &isa, &discriminator,
                                    nullptr) == DW_DLV_OK && epilogue_begin)
    end = false;
  row.address = addr;
  row.line = uint32_t(lineno);
  row.column = uint32_t(column);
  row.file = uint32_t(fileno);
  end_sequence = end;
  return row;
}

}  // namespace

}  // namespace dw

Expected<void> DebugInfo::Impl::load_lines(uint32_t unit) {
  dw::UnitData& data = unit_data[unit];
  if (data.lines_loaded) return {};
  data.lines_loaded = true;
  // The hand-run program first (fast); whatever it cannot read the same way, libdwarf reads.
  dw::LineTable table;
  auto scanned = scan_lines(unit, table);
  if (!scanned) {
    table = {};
    auto walked = walk_lines(unit, table);
    index_line_table(table);
    data.lines = std::move(table);
    return walked;
  }
  index_line_table(table);
  data.lines = std::move(table);
  return {};
}

void DebugInfo::Impl::finish_sequence(dw::LineTable& table, dw::LineSequence& seq) const {
  // Rows of one sequence ascend; a stable sort keeps the last of equal addresses last.
  std::stable_sort(seq.rows.begin(), seq.rows.end(),
                   [](const auto& a, const auto& b) { return a.address < b.address; });
  // A sequence at address 0 in a linked file is a discarded function (--gc-sections).
  if (seq.end > seq.begin && !(seq.begin == 0 && elf->type() != ET_REL))
    table.sequences.push_back(std::move(seq));
  seq = {};
}

void DebugInfo::Impl::index_line_table(dw::LineTable& table) {
  std::sort(table.sequences.begin(), table.sequences.end(),
            [](const auto& a, const auto& b) { return a.begin < b.begin; });
  table.max_end.clear();
  uint64_t reach = 0;
  for (const auto& s : table.sequences) table.max_end.push_back(reach = std::max(reach, s.end));
}

Expected<void> DebugInfo::Impl::walk_lines(uint32_t unit, dw::LineTable& out) {
  dw::LineTable& lines = out;
  auto die = dw::die_at(dbg, units[unit].die_offset);
  if (!die) return die.error();
  Dwarf_Unsigned version = 0;
  Dwarf_Small table_count = 0;
  Dwarf_Line_Context context = nullptr;
  dw::ErrorSlot err(dbg);
  int r = dwarf_srclines_b(die->get(), &version, &table_count, &context, err.out());
  if (r == DW_DLV_NO_ENTRY) return {};
  auto where = fmt::format("{}: line table of CU {} ({:#x})", debug_path, units[unit].name,
                           units[unit].offset);
  if (r == DW_DLV_ERROR) {
    Error e(ErrorKind::BadData, "cannot read line table: " + err.message(), where);
    unit_errors.push_back(e);
    return e;
  }
  // libdwarf 20210528 starts a DWARF 5 line program with the file register at 0 instead of 1
  // (DWARF 5 §6.2.2 keeps 1): rows before the first DW_LNS_set_file name file 0. GNU tools never
  // emit `set_file 0` (gcc/gas use file 1 for the primary file, file 0 only as its header copy),
  // so for their CUs libdwarf's 0 is the default 1. Where file 0 and 1 differ (gas-assembled
  // objects such as glibc's) this matters; LLVM can emit `set_file 0`, so its CUs are left alone.
  bool default_file_is_one = version >= 5 && units[unit].producer.starts_with("GNU");
  Dwarf_Line* rows = nullptr;
  Dwarf_Signed count = 0;
  if (dwarf_srclines_from_linecontext(context, &rows, &count, err.out()) == DW_DLV_OK) {
    dw::LineSequence seq;
    for (Dwarf_Signed i = 0; i < count; ++i) {
      bool end = false;
      dw::LineRow row = dw::read_row(rows[i], end);
      if (default_file_is_one && row.file == 0) row.file = 1;
      if (seq.rows.empty()) seq.begin = row.address;
      if (end) {
        seq.end = row.address;
        finish_sequence(lines, seq);
        continue;
      }
      seq.rows.push_back(row);
    }
  }
  dwarf_srclines_dealloc_b(context);
  lines.files = dw::source_files(*die, version);
  return {};
}

}  // namespace krdb
