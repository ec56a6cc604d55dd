#include "krdb/report/backtrace_report.h"

#include <fmt/format.h>

#include "krdb/report/address_report.h"

namespace krdb {

namespace {

// One displayed row: a function frame (a physical frame or one of its inlined callers).
struct Row {
  std::string name, location, module;
  Language language = Language::Unknown;
  bool inlined = false;
  const Frame* frame = nullptr;  // set on the first row of a physical frame
};

std::vector<Row> rows_of(const Frame& f, DemangleForm form) {
  std::vector<Row> rows;
  if (f.where.frames.empty()) {
    Row r;
    r.name = f.where.symbol ? fmt::format("{}+{:#x}", f.where.function_name(form), f.where.symbol_offset)
                            : "??";
    r.location = "??";
    r.language = f.where.language;
    rows.push_back(r);
  } else {
    for (const FrameInfo& fi : f.where.frames) {
      Row r;
      r.name = fi.display_name(form);
      r.location = format_location(fi.location);
      r.language = fi.language;
      r.inlined = fi.inlined;
      rows.push_back(r);
    }
  }
  for (auto& r : rows) r.module = f.module;
  rows.front().frame = &f;
  return rows;
}

bool known(Language l) { return l == Language::C || l == Language::Rust || l == Language::Asm; }

}  // namespace

std::string format_backtrace(const Backtrace& bt, const BacktraceStyle& style) {
  std::string out;
  Language previous = Language::Unknown;
  unsigned index = 0;
  for (const Frame& f : bt.frames) {
    if (f.pt_regs)
      out += fmt::format("    ── exception frame: {} · pt_regs at {:#x} · interrupted context below ──\n",
                         bt.frames[&f - &bt.frames[0] - 1].trap, *f.pt_regs);
    for (const Row& r : rows_of(f, style.form)) {
      if (known(previous) && known(r.language) && r.language != previous)
        out += fmt::format("    ── {} → {} ──\n", to_string(previous), to_string(r.language));
      if (known(r.language)) previous = r.language;
      std::string pc = r.frame ? fmt::format("{:#018x}", r.frame->pc) : std::string(18, ' ');
      std::string mod = r.module.empty() ? "" : fmt::format(" [{}]", r.module);
      out += fmt::format("#{:<3} {} {:<4} {}{}{} at {}\n", index++, pc, to_string(r.language),
                         r.inlined ? "(inlined) " : "", r.name, mod, r.location);
      if (r.frame && style.registers) {
        std::string regs = "     ";
        for (unsigned i = 0; i < unsigned(Reg::count); ++i)
          if (auto v = r.frame->regs.get(Reg(i)))
            regs += fmt::format(" {}={:#x}", reg_name(Reg(i)), *v);
        out += regs + fmt::format("  (via {})\n", r.frame->method);
      }
    }
  }
  out += fmt::format("    ── {}: {} ──\n", bt.complete ? "end of stack" : "trace stopped", bt.end);
  return out;
}

nlohmann::json backtrace_to_json(const Backtrace& bt, const BacktraceStyle& style) {
  nlohmann::json j;
  j["frames"] = nlohmann::json::array();
  for (const Frame& f : bt.frames) {
    nlohmann::json fj = address_to_json(f.where, style.form);
    fj["pc"] = fmt::format("{:#x}", f.pc);
    fj["sp"] = fmt::format("{:#x}", f.sp);
    fj["method"] = f.method;
    if (!f.module.empty()) fj["module"] = f.module;
    if (f.pt_regs) fj["pt_regs"] = fmt::format("{:#x}", *f.pt_regs);
    if (!f.trap.empty()) fj["trap"] = f.trap;
    j["frames"].push_back(fj);
  }
  j["end"] = bt.end;
  j["complete"] = bt.complete;
  return j;
}

}  // namespace krdb
