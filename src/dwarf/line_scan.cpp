// The line-table reader: a unit's .debug_line program (DWARF 2-5) run by hand into the same
// LineTable that lines.cpp builds through libdwarf's dwarf_srclines_b — including the file
// names as libdwarf's dwarf_srcfiles joins them and its file-register quirk — because libdwarf
// spent 40% of a `krdb bt` there (a Dwarf_Line allocation and five calls per row). The tests
// compare the two on every unit of the kits' and Debian's vmlinuxes; anything unexpected is an
// Error and load_lines() uses libdwarf for that unit.
#include <libdwarf/dwarf.h>

#include <elf.h>

#include <algorithm>

#include <fmt/format.h>

#include "debug_info_impl.h"
#include "die_reader.h"

namespace krdb {

namespace {

struct LineHeader {
  uint16_t version = 0;
  uint8_t offset_size = 4, address_size = 8;
  uint8_t min_inst = 1, default_is_stmt = 1, line_range = 1, opcode_base = 1;
  int8_t line_base = 0;
  std::vector<uint8_t> opcode_lengths;
  std::vector<std::string_view> dirs;
  struct File { std::string_view name; uint64_t dir = 0; };
  std::vector<File> files;
  uint64_t program = 0, end = 0;
};

Error bad(const std::string& what, uint64_t at) {
  return Error(ErrorKind::BadData, what, fmt::format(".debug_line+{:#x}", at));
}

// One DWARF 5 entry-format field: the path or directory index it carries, the rest skipped.
Expected<void> read_v5_field(Cursor& c, const dw::RawSections& s, uint64_t form, uint8_t offset_size,
                             std::string_view* text, uint64_t* number) {
  auto offset = [&] { return offset_size == 8 ? c.u64() : uint64_t(c.u32()); };
  auto string_in = [&](std::span<const uint8_t> section, const char* name) -> Expected<std::string_view> {
    uint64_t at = offset();
    if (at >= section.size()) return bad(fmt::format("string offset {:#x} outside {}", at, name), c.pos());
    Cursor sc(section, name);
    sc.seek(at);
    auto v = sc.cstring();
    if (!sc.ok()) return bad(sc.error().message, c.pos());
    return v;
  };
  uint64_t n = 0;
  switch (form) {
    case DW_FORM_string: { auto v = c.cstring(); if (text) *text = v; break; }
    case DW_FORM_line_strp: case DW_FORM_strp: {
      auto v = form == DW_FORM_strp ? string_in(s.str, ".debug_str") : string_in(s.line_str, ".debug_line_str");
      if (!v) return v.error();
      if (text) *text = *v;
      break;
    }
    case DW_FORM_udata: n = c.uleb128(); break;
    case DW_FORM_data1: n = c.u8(); break;
    case DW_FORM_data2: n = c.u16(); break;
    case DW_FORM_data4: n = c.u32(); break;
    case DW_FORM_data8: n = c.u64(); break;
    case DW_FORM_data16: c.skip(16); break;
    case DW_FORM_block: c.skip(c.uleb128()); break;
    default: return Error(ErrorKind::Unsupported, fmt::format("line table entry in form {:#x}", form),
                          fmt::format(".debug_line+{:#x}", c.pos()));
  }
  if (number) *number = n;
  if (!c.ok()) return bad(c.error().message, c.pos());
  return {};
}

// A DWARF 5 directory or file list: its entry format, then the entries.
template <typename Add>
Expected<void> read_v5_list(Cursor& c, const dw::RawSections& s, uint8_t offset_size, Add add) {
  uint8_t format_count = c.u8();
  std::vector<std::pair<uint64_t, uint64_t>> format;
  for (uint8_t i = 0; i < format_count && c.ok(); ++i) {
    uint64_t type = c.uleb128();  // two statements: argument evaluation order is unspecified
    format.emplace_back(type, c.uleb128());
  }
  uint64_t count = c.uleb128();
  if (!c.ok()) return bad(c.error().message, c.pos());
  if (count > c.remaining()) return bad("more entries than bytes left", c.pos());
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view path;
    uint64_t dir = 0;
    for (auto [type, form] : format)
      KRDB_CHECK(read_v5_field(c, s, form, offset_size, type == DW_LNCT_path ? &path : nullptr,
                               type == DW_LNCT_directory_index ? &dir : nullptr));
    add(path, dir);
  }
  return {};
}

Expected<LineHeader> read_line_header(Cursor& c, const dw::RawSections& s, uint64_t offset) {
  LineHeader h;
  c.seek(offset);
  auto start = dw::read_unit_start(c, ".debug_line");
  if (!start) return start.error();
  h.end = start->end;
  h.offset_size = start->offset_size;
  h.version = start->version;
  if (h.version >= 5) {
    h.address_size = c.u8();
    if (c.u8() != 0) return Error(ErrorKind::Unsupported, "segment selectors in a line table");
  }
  uint64_t header_length = h.offset_size == 8 ? c.u64() : c.u32();
  h.program = c.pos() + header_length;
  h.min_inst = c.u8();
  if (h.version >= 4) c.u8();  // maximum_operations_per_instruction: 1 on x86-64
  h.default_is_stmt = c.u8();
  h.line_base = int8_t(c.u8());
  h.line_range = c.u8();
  h.opcode_base = c.u8();
  if (!c.ok() || h.line_range == 0 || h.opcode_base == 0 || h.program > h.end)
    return bad("bad line table header", offset);
  for (int i = 1; i < h.opcode_base; ++i) h.opcode_lengths.push_back(c.u8());
  if (h.version >= 5) {
    KRDB_CHECK(read_v5_list(c, s, h.offset_size, [&](std::string_view p, uint64_t) { h.dirs.push_back(p); }));
    KRDB_CHECK(read_v5_list(c, s, h.offset_size, [&](std::string_view p, uint64_t d) { h.files.push_back({p, d}); }));
  } else {
    for (std::string_view d; c.ok() && !(d = c.cstring()).empty();) h.dirs.push_back(d);
    for (std::string_view f; c.ok() && !(f = c.cstring()).empty();) {
      uint64_t dir = c.uleb128();
      c.uleb128();
      c.uleb128();
      h.files.push_back({f, dir});
    }
  }
  if (!c.ok()) return bad(c.error().message, offset);
  return h;
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

// A file's name as libdwarf 20210528's dwarf_srcfiles gives it: absolute names as they are;
// else joined to their directory entry (DWARF 5 numbers directories from 0, earlier versions
// from 1 with 0 meaning the compilation directory), and a relative directory joined to the
// compilation directory first.
std::string file_path(const LineHeader& h, const LineHeader::File& f, std::string_view comp_dir) {
  if (f.name.starts_with('/')) return std::string(f.name);
  std::string_view dir;
  if (h.version >= 5) {
    if (f.dir < h.dirs.size()) dir = h.dirs[f.dir];
  } else if (f.dir == 0) {
    dir = comp_dir;
  } else if (f.dir - 1 < h.dirs.size()) {
    dir = h.dirs[f.dir - 1];
  }
  if (dir.empty()) return comp_dir.empty() ? std::string(f.name) : join(comp_dir, f.name);
  if (dir.starts_with('/') || comp_dir.empty()) return join(dir, f.name);
  return join(join(comp_dir, dir), f.name);
}

}  // namespace

Expected<void> DebugInfo::Impl::scan_lines(uint32_t unit, dw::LineTable& out) {
  const dw::UnitData& data = unit_data[unit];
  if (!data.stmt_list) return Error(ErrorKind::Unsupported, "unit table not read by hand");
  dw::RawSections s = raw_sections();
  Cursor c(s.line, ".debug_line");
  auto header = read_line_header(c, s, *data.stmt_list);
  if (!header) return header.error();
  const LineHeader& h = *header;
  const CompileUnit& cu = units[unit];
  // libdwarf's file register starts at 0 in DWARF 5 (see lines.cpp), mapped to 1 for GNU units.
  bool gnu = cu.producer.starts_with("GNU");
  uint32_t initial_file = h.version >= 5 ? 0 : 1;
  if (h.version < 5) out.files.emplace_back();
  for (const auto& f : h.files) out.files.push_back(file_path(h, f, cu.comp_dir));

  c.seek(h.program);
  dw::LineSequence seq;
  dw::LineRow row;
  auto reset = [&] { row = {}; row.line = 1; row.file = initial_file; };
  reset();
  auto emit = [&](bool end) {
    dw::LineRow r = row;
    if (h.version >= 5 && gnu && r.file == 0) r.file = 1;
    if (seq.rows.empty() && !end) seq.begin = r.address;
    if (!end) { seq.rows.push_back(r); return; }
    if (seq.rows.empty()) seq.begin = r.address;
    seq.end = r.address;
    finish_sequence(out, seq);
  };
  auto addr = [&] { return h.address_size == 8 ? c.u64() : uint64_t(c.u32()); };
  // Bounded by the program's bytes: every opcode consumes at least one.
  while (c.ok() && c.pos() < h.end) {
    uint8_t op = c.u8();
    if (op >= h.opcode_base) {
      uint8_t adjusted = uint8_t(op - h.opcode_base);
      row.address += uint64_t(adjusted / h.line_range) * h.min_inst;
      row.line = uint32_t(int64_t(row.line) + h.line_base + adjusted % h.line_range);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        uint64_t len = c.uleb128();
        uint64_t start = c.pos();
        if (len == 0 || len > c.remaining()) return bad("bad extended opcode length", start);
        uint8_t sub = c.u8();
        if (sub == DW_LNE_end_sequence) { emit(true); reset(); }
        else if (sub == DW_LNE_set_address) row.address = len - 1 == 8 ? c.u64() : addr();
        else if (sub == DW_LNE_define_file) return Error(ErrorKind::Unsupported, "DW_LNE_define_file");
        c.seek(start + len);
        break;
      }
      case DW_LNS_copy: emit(false); break;
      case DW_LNS_advance_pc: row.address += c.uleb128() * h.min_inst; break;
      case DW_LNS_advance_line: row.line = uint32_t(int64_t(row.line) + c.sleb128()); break;
      case DW_LNS_set_file: row.file = uint32_t(c.uleb128()); break;
      case DW_LNS_set_column: row.column = uint32_t(c.uleb128()); break;
      case DW_LNS_const_add_pc:
        row.address += uint64_t((255 - h.opcode_base) / h.line_range) * h.min_inst;
        break;
      case DW_LNS_fixed_advance_pc: row.address += c.u16(); break;
      case DW_LNS_negate_stmt: case DW_LNS_set_basic_block: case DW_LNS_set_prologue_end:
      case DW_LNS_set_epilogue_begin: break;
      default:  // set_isa and unknown standard opcodes: skip their ULEB arguments
        for (uint8_t i = 0; i < h.opcode_lengths[op - 1]; ++i) c.uleb128();
    }
  }
  if (!c.ok()) return bad(c.error().message, c.pos());
  if (!seq.rows.empty()) return bad("line program ends inside a sequence", h.end);
  return {};
}

}  // namespace krdb
