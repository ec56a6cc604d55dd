#include "krdb/triage/panic.h"

#include <charconv>
#include <cctype>

#include <fmt/format.h>

#include "krdb/triage/triage.h"

namespace krdb {

namespace {

// The panic's facts from the kernel log, as `krdb triage` parsed it (one parser for both): the
// panic() message, the Rust panic site, each report's oops lines, the taint.
void take_log_facts(const ConsoleLog& log, const std::vector<TriageReport>& reports, PanicReport& r) {
  for (const LogReport& lr : log.reports) {
    if (!r.panic_message && lr.panic_message) r.panic_message = lr.panic_message;
    if (!r.rust_panic && lr.rust_panic) r.rust_panic = lr.rust_panic;
    if (!r.taint && !lr.taint.empty()) r.taint = lr.taint;
    for (const LogLine& line : log.lines) {  // the report's oops lines, as the console printed them
      if (line.number < lr.first_line || line.number > lr.last_line || r.oops_lines.size() >= 8) continue;
      for (std::string_view key : {"kernel BUG at ", "Oops: ", "BUG: ", "general protection fault", "WARNING: "})
        if (line.text.starts_with(key)) {
          r.oops_lines.push_back(line.text);
          break;
        }
    }
  }
  if (!reports.empty()) {  // title and signature exactly as `krdb triage` gives them
    r.title = reports.front().title;
    r.signature = reports.front().signature.hash + " " + reports.front().signature.text;
  }
}

// A decimal u32 at `pos` followed by ':'; advances past the ':'.
std::optional<uint32_t> number_then_colon(std::string_view t, size_t& pos) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(t.data() + pos, t.data() + t.size(), v);
  if (ec != std::errc() || end == t.data() + pos || end == t.data() + t.size() || *end != ':') return std::nullopt;
  pos = size_t(end - t.data()) + 1;
  return v;
}

}  // namespace

std::optional<size_t> faulting_frame(const Backtrace& backtrace) {
  for (size_t i = 0; i < backtrace.frames.size(); ++i)
    if (backtrace.frames[i].pt_regs) return i;
  return std::nullopt;
}

std::optional<FrameNumber> find_rust_frame(const Backtrace& backtrace, std::optional<size_t> faulting,
                                           const RustPanicSite* site) {
  std::optional<FrameNumber> first;
  for (size_t i = faulting.value_or(0); i < backtrace.frames.size(); ++i) {
    const auto& frames = backtrace.frames[i].where.frames;
    for (size_t k = 0; k < frames.size(); ++k) {
      const FrameInfo& fi = frames[k];
      if (fi.language != Language::Rust) continue;
      std::string_view file = fi.location.file;
      std::string_view base = file.substr(file.rfind('/') + 1);
      if (site && fi.location.line == site->line && !base.empty() && site->file.ends_with(base))
        return FrameNumber{i, k};
      if (!first && file.find("/rustlib/") == std::string_view::npos) first = FrameNumber{i, k};
    }
  }
  return first;
}

// "panicked at FILE:LINE:COL:" + message. Hand-parsed rather than with std::regex: a log line is
// untrusted and std::regex can throw (error_complexity, error_stack) or recurse deeply on long
// input; this is linear and never throws.
std::optional<RustPanicSite> parse_rust_panic_line(std::string_view t) {
  constexpr std::string_view kKey = "panicked at ";
  for (size_t at = t.find(kKey); at != std::string_view::npos; at = t.find(kKey, at + 1)) {
    size_t pos = at + kKey.size(), file_end = pos;
    while (file_end < t.size() && t[file_end] != ':' && !std::isspace(static_cast<unsigned char>(t[file_end]))) ++file_end;
    if (file_end == pos || file_end >= t.size() || t[file_end] != ':') continue;
    size_t p = file_end + 1;
    auto line = number_then_colon(t, p);
    if (!line) continue;
    auto column = number_then_colon(t, p);
    if (!column) continue;
    while (p < t.size() && std::isspace(static_cast<unsigned char>(t[p]))) ++p;
    size_t eol = t.find('\n', p);
    return RustPanicSite{std::string(t.substr(pos, file_end - pos)), *line, *column,
                         std::string(t.substr(p, eol == std::string_view::npos ? std::string_view::npos : eol - p))};
  }
  return std::nullopt;
}

PanicReport analyze_panic(KernelProgram& program, const KernelCpus& cpus, KernelUnwinder& unwinder) {
  PanicReport r;
  auto log = read_printk(program);
  if (log) {
    ConsoleLog console = parse_console_log(format_dmesg(*log), program.limits());
    take_log_facts(console, triage_log(console), r);
  } else {
    r.problems.push_back("kernel log: " + log.error().describe());
  }
  r.cpu = cpus.panicking;
  if (!r.cpu) r.problems.push_back("panic_cpu is not set: no panic() was in progress when the dump was taken");
  unsigned c = r.cpu.value_or(0);
  if (const KernelCpu* cpu = cpus.cpu(c); cpu && cpu->current) {
    if (auto t = read_task(program, *cpu->current)) r.task = *t;
    else r.problems.push_back("current task: " + t.error().describe());
  }
  if (auto regs = cpus.registers(c)) {
    r.backtrace = unwinder.from_registers(*regs);
    r.faulting_frame = faulting_frame(*r.backtrace);
    r.rust_frame = find_rust_frame(*r.backtrace, r.faulting_frame, r.rust_panic ? &*r.rust_panic : nullptr);
    if (r.rust_frame) {
      if (auto vars = kernel_frame_variables(program, unwinder, *r.backtrace, *r.rust_frame)) r.rust_variables = std::move(*vars);
      else r.problems.push_back("variables of the Rust frame: " + vars.error().describe());
    }
  } else {
    r.problems.push_back(regs.error().describe());
  }
  for (const Error& w : cpus.warnings) r.problems.push_back(w.describe());
  for (const Error& w : unwinder.warnings()) r.problems.push_back(w.describe());
  if (r.signature.empty()) r.problems.push_back("no crash report in the kernel log: no title or signature");
  return r;
}

}  // namespace krdb
