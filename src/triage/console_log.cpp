// Console-log parsing (include/krdb/triage/console_log.h). Hand-written line matching instead of
// std::regex: the input is untrusted and large (a farm's log can be hundreds of MB), std::regex
// can throw or recurse deeply, and every pattern here is a fixed prefix or a short token scan.
#include "krdb/triage/console_log.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <cctype>

#include <fmt/format.h>

namespace krdb {

const char* to_string(CrashKind kind) {
  switch (kind) {
    case CrashKind::RustPanic: return "rust-panic";
    case CrashKind::KernelBug: return "kernel-bug";
    case CrashKind::NullPointer: return "null-pointer-dereference";
    case CrashKind::PagingRequest: return "paging-request";
    case CrashKind::GeneralProtection: return "general-protection-fault";
    case CrashKind::InvalidOpcode: return "invalid-opcode";
    case CrashKind::Kasan: return "kasan";
    case CrashKind::Kmsan: return "kmsan";
    case CrashKind::Kcsan: return "kcsan";
    case CrashKind::Kfence: return "kfence";
    case CrashKind::Ubsan: return "ubsan";
    case CrashKind::Warning: return "warning";
    case CrashKind::Refcount: return "refcount";
    case CrashKind::Lockdep: return "lockdep";
    case CrashKind::SuspiciousRcu: return "suspicious-rcu-usage";
    case CrashKind::HungTask: return "hung-task";
    case CrashKind::RcuStall: return "rcu-stall";
    case CrashKind::SoftLockup: return "soft-lockup";
    case CrashKind::HardLockup: return "hard-lockup";
    case CrashKind::SchedulingWhileAtomic: return "scheduling-while-atomic";
    case CrashKind::SleepInAtomic: return "sleep-in-atomic";
    case CrashKind::DoubleFault: return "double-fault";
    case CrashKind::StackOverflow: return "stack-overflow";
    case CrashKind::Panic: return "panic";
    case CrashKind::Oops: return "oops";
  }
  return "oops";
}

namespace {

using sv = std::string_view;

// Caller ids ([ T123] / [ C1]) tracked as separate streams; past this, lines share one stream.
constexpr size_t kMaxCallers = 4096;

bool has(sv text, sv key) { return text.find(key) != sv::npos; }

sv trim(sv s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> parse_number(sv s, int base) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A "[ ... ]" prefix at the start of `s`: its content, and `s` advanced past it.
std::optional<sv> bracket(sv& s) {
  if (!s.starts_with('[')) return std::nullopt;
  size_t close = s.find(']');
  if (close == sv::npos || close > 48) return std::nullopt;
  sv inner = s.substr(1, close - 1);
  s.remove_prefix(close + 1);
  return inner;
}

// Strips `<N>`, `[ 12.345678]`, `[ T123]`/`[ C1]` and `dmesg -T` dates from a raw line.
LogLine strip_prefix(sv raw, size_t number) {
  LogLine line;
  line.number = number;
  sv s = raw;
  if (s.size() >= 3 && s[0] == '<' && std::isdigit(static_cast<unsigned char>(s[1]))) {
    size_t close = s.find('>');
    if (close != sv::npos && close <= 4) s.remove_prefix(close + 1);
  }
  for (int round = 0; round < 3; ++round) {
    sv rest = s;
    auto inner = bracket(rest);
    if (!inner) break;
    sv t = trim(*inner);
    if (!t.empty() && (t[0] == 'T' || t[0] == 'C') && t.size() > 1 && parse_number(t.substr(1), 10)) {
      line.caller = std::string(t);
    } else if (size_t dot = t.find('.'); dot != sv::npos && parse_number(t.substr(0, dot), 10) &&
                                          parse_number(t.substr(dot + 1), 10)) {
      double seconds = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
      if (ec == std::errc() && end == t.data() + t.size()) line.time = seconds;
    } else if (t.size() >= 20 && has(t, ":") && std::isalpha(static_cast<unsigned char>(t[0]))) {
      // `dmesg -T`: [Wed Dec  2 03:42:28 2026]
    } else {
      break;
    }
    s = rest;
  }
  if (s.starts_with(' ')) s.remove_prefix(1);
  std::string text;
  text.reserve(s.size());
  for (char c : s)
    if (c != '\r' && c != '\0') text.push_back(c);
  line.text = std::move(text);
  return line;
}

bool is_register_line(sv t) {
  t = trim(t);
  for (sv key : {"RIP:", "RSP:", "RAX:", "RDX:", "RBP:", "R10:", "R13:", "FS:", "CS:", "CR2:",
                 "DR0:", "DR3:", "Code:", "PKRU:", "EIP:", "EAX:", "ESI:", "DS:", "CR0:"})
    if (t.starts_with(key)) return true;
  return false;
}

// The function named by "… func+0x12/0x34 [mod]" at the end of a header line.
std::string function_in(sv text) {
  size_t plus = text.rfind("+0x");
  if (plus == sv::npos) return {};
  size_t start = text.rfind(' ', plus);
  start = start == sv::npos ? 0 : start + 1;
  return std::string(text.substr(start, plus - start));
}

struct Start {
  CrashKind kind;
  bool cause_of_next = false;  // a header the next header continues (refcount, Rust panic…)
};

// Whether `t` opens a report, and which kind.
std::optional<Start> report_start(sv t) {
  if (parse_rust_panic_line(t)) return Start{CrashKind::RustPanic, true};
  if (t.starts_with("kernel BUG at ")) return Start{CrashKind::KernelBug};
  if (t.starts_with("BUG: kernel NULL pointer dereference") ||
      t.starts_with("BUG: unable to handle kernel NULL pointer dereference"))
    return Start{CrashKind::NullPointer};
  if (t.starts_with("BUG: unable to handle page fault") ||
      t.starts_with("BUG: unable to handle kernel paging request") ||
      t.starts_with("Unable to handle kernel paging request"))  // arm64
    return Start{CrashKind::PagingRequest};
  if (t.starts_with("Unable to handle kernel NULL pointer dereference")) return Start{CrashKind::NullPointer};
  if (t.starts_with("BUG: KASAN: ")) return Start{CrashKind::Kasan};
  if (t.starts_with("BUG: KMSAN: ")) return Start{CrashKind::Kmsan};
  if (t.starts_with("BUG: KCSAN: ")) return Start{CrashKind::Kcsan};
  if (t.starts_with("BUG: KFENCE: ")) return Start{CrashKind::Kfence};
  if (t.starts_with("UBSAN: ")) return Start{CrashKind::Ubsan};
  if (t.starts_with("BUG: scheduling while atomic")) return Start{CrashKind::SchedulingWhileAtomic};
  if (t.starts_with("BUG: sleeping function called from invalid context"))
    return Start{CrashKind::SleepInAtomic};
  if ((t.starts_with("BUG: ") && has(t, "stack guard page was hit")) ||
      has(t, "Kernel stack overflow") || has(t, "kernel stack overflow"))
    return Start{CrashKind::StackOverflow};
  if (has(t, "watchdog: BUG: soft lockup")) return Start{CrashKind::SoftLockup};
  if (has(t, "Watchdog detected hard LOCKUP")) return Start{CrashKind::HardLockup};
  if (t.starts_with("refcount_t: ")) return Start{CrashKind::Refcount, true};
  if (t.starts_with("WARNING: possible circular locking dependency") ||
      t.starts_with("WARNING: possible recursive locking") ||
      t.starts_with("WARNING: inconsistent lock state") ||
      t.starts_with("WARNING: bad unlock balance") ||
      t.starts_with("WARNING: held lock freed") ||
      t.starts_with("WARNING: possible irq lock inversion"))
    return Start{CrashKind::Lockdep};
  if (t.starts_with("WARNING: suspicious RCU usage")) return Start{CrashKind::SuspiciousRcu};
  if (t.starts_with("WARNING: CPU: ") || t.starts_with("WARNING: at ") ||
      (t.starts_with("WARNING: ") && has(t, ", CPU#")))  // 6.18+: "WARNING: file.c:12 at f+0x…, CPU#0: comm/pid"
    return Start{CrashKind::Warning};
  if (t.starts_with("INFO: task ") && has(t, " blocked for more than ")) return Start{CrashKind::HungTask};
  if (has(t, "rcu: INFO: ") && has(t, "stall")) return Start{CrashKind::RcuStall};
  if (t.starts_with("INFO: rcu_") && has(t, "stall")) return Start{CrashKind::RcuStall};
  if (has(t, "PANIC: double fault")) return Start{CrashKind::DoubleFault};
  if (t.starts_with("Oops: general protection fault") || t.starts_with("general protection fault"))
    return Start{CrashKind::GeneralProtection};
  if (t.starts_with("Oops: invalid opcode") || t.starts_with("invalid opcode: "))
    return Start{CrashKind::InvalidOpcode};
  if (t.starts_with("Oops: ") || t.starts_with("Internal error: Oops")) return Start{CrashKind::Oops};
  if (t.starts_with("BUG: ")) return Start{CrashKind::Oops};
  if (t.starts_with("Kernel panic - not syncing: ")) return Start{CrashKind::Panic};
  return std::nullopt;
}

// The kinds a following header refines: "kernel BUG at" after a Rust panic stays a Rust panic,
// an "Oops: …" line after "BUG: kernel NULL pointer dereference" is the same report.
bool continues(const LogReport& r, CrashKind next, sv text) {
  if (next == CrashKind::Panic) return true;  // "Kernel panic - not syncing" ends the report it follows
  if (!r.frames.empty() || r.rip) return false;
  switch (r.kind) {
    case CrashKind::RustPanic:
      return next == CrashKind::KernelBug || next == CrashKind::InvalidOpcode ||
             next == CrashKind::Oops || next == CrashKind::Warning;
    case CrashKind::KernelBug:
      return next == CrashKind::InvalidOpcode || next == CrashKind::Oops;
    case CrashKind::NullPointer: case CrashKind::PagingRequest: case CrashKind::DoubleFault:
    case CrashKind::StackOverflow:
      return next == CrashKind::Oops || next == CrashKind::GeneralProtection ||
             next == CrashKind::InvalidOpcode || next == CrashKind::StackOverflow ||
             next == CrashKind::DoubleFault;
    case CrashKind::Refcount: return next == CrashKind::Warning;
    case CrashKind::Kasan: case CrashKind::Kfence: case CrashKind::Kmsan: case CrashKind::Kcsan:
      return next == CrashKind::Oops && !has(text, "Oops: ");
    default: return false;
  }
}

// "CPU: 0 UID: 0 PID: 47 Comm: insmod Not tainted 6.12.117 #2" (and the older form without UID).
void parse_cpu_line(sv t, LogReport& r) {
  auto value_after = [&](sv key) -> sv {
    size_t at = t.find(key);
    if (at == sv::npos) return {};
    sv rest = t.substr(at + key.size());
    return rest.substr(0, rest.find(' '));
  };
  if (auto v = parse_number(value_after("CPU: "), 10)) r.cpu = *v;
  if (auto v = parse_number(value_after("PID: "), 10)) r.pid = *v;
  r.comm = std::string(value_after("Comm: "));
  size_t taint = t.find("Not tainted");
  size_t rest = sv::npos;
  if (taint != sv::npos) {
    r.taint = "Not tainted";
    rest = taint + 11;
  } else if ((taint = t.find("Tainted: ")) != sv::npos) {
    // "Tainted: G        W  O      6.1.0 #1": flags are single capitals and spaces
    size_t p = taint + 9;
    while (p < t.size() && (t[p] == ' ' || (std::isupper(static_cast<unsigned char>(t[p])) &&
                                            (p + 1 >= t.size() || t[p + 1] == ' '))))
      ++p;
    r.taint = std::string(trim(t.substr(taint, p - taint)));
    rest = p;
  }
  if (rest != sv::npos && rest < t.size()) {
    sv release = trim(t.substr(rest));
    if (size_t paren = release.find(" ("); paren != sv::npos) release = release.substr(0, paren);
    r.release = std::string(release);
  }
}

void parse_header_details(sv t, LogReport& r) {
  switch (r.kind) {
    case CrashKind::KernelBug: {  // kernel BUG at file.c:123!
      sv loc = t.substr(14);
      if (loc.ends_with('!')) loc.remove_suffix(1);
      r.location = std::string(loc);
      break;
    }
    case CrashKind::Kasan: case CrashKind::Kmsan: case CrashKind::Kcsan: case CrashKind::Kfence: {
      sv rest = t.substr(t.find(": ", 4) + 2);  // "use-after-free in func+0x…" / "data-race in a / b"
      size_t in = rest.find(" in ");
      sv detail = rest.substr(0, in);
      // KFENCE: "use-after-free read in …", KASAN: the access is on the next line.
      for (sv access : {" read", " write"})
        if (detail.ends_with(access)) {
          r.access = access == " read" ? "Read" : "Write";
          detail.remove_suffix(access.size());
        }
      r.detail = std::string(detail);
      if (in != sv::npos) {
        sv fn = rest.substr(in + 4);
        if (r.kind == CrashKind::Kcsan) r.header_function = std::string(trim(fn));
        else r.header_function = std::string(fn.substr(0, fn.find('+')));
      }
      break;
    }
    case CrashKind::Ubsan: {  // UBSAN: shift-out-of-bounds in lib/file.c:12:3
      sv rest = t.substr(7);
      size_t in = rest.find(" in ");
      r.detail = std::string(rest.substr(0, in));
      if (in != sv::npos) r.location = std::string(trim(rest.substr(in + 4)));
      break;
    }
    case CrashKind::Warning: {  // WARNING: CPU: 0 PID: 1 at file.c:123 func+0x…/0x… [mod]
      if (has(t, ", CPU#")) {    // WARNING: file.c:123 at func+0x…, CPU#0: comm/pid
        sv rest = t.substr(9);
        r.location = std::string(rest.substr(0, rest.find(' ')));
        if (size_t at = rest.find(" at "); at != sv::npos) {
          sv fn = rest.substr(at + 4);
          fn = fn.substr(0, fn.find(','));
          if (!fn.starts_with("0x")) r.header_function = std::string(fn.substr(0, fn.find('+')));
        }
        break;
      }
      if (size_t at = t.find(" at "); at != sv::npos) {
        sv rest = t.substr(at + 4);
        r.location = std::string(rest.substr(0, rest.find(' ')));
        r.header_function = function_in(rest);
      }
      parse_cpu_line(t, r);
      break;
    }
    case CrashKind::HungTask: {  // INFO: task kworker/0:1:12 blocked for more than 143 seconds.
      sv rest = t.substr(11);
      r.detail = std::string(rest.substr(0, rest.find(" blocked")));
      break;
    }
    case CrashKind::SchedulingWhileAtomic: case CrashKind::SleepInAtomic: case CrashKind::Refcount:
    case CrashKind::Lockdep: case CrashKind::Oops: case CrashKind::Panic: {
      size_t colon = t.find(": ");
      r.detail = std::string(colon == sv::npos ? t : t.substr(colon + 2));
      if (r.kind == CrashKind::SleepInAtomic)
        if (size_t at = t.rfind(" at "); at != sv::npos) r.location = std::string(t.substr(at + 4));
      break;
    }
    default: break;
  }
}

// Shared by the parsers of one log: the report budget and where problems go.
struct Budget {
  size_t reports = 0;
  bool said = false;
};

// One stream of lines: all of them in a log without caller ids, else one caller's (a task or a
// CPU printing concurrently with others: their reports interleave line by line).
class Parser {
 public:
  Parser(const Limits& limits, ConsoleLog& out, Budget& budget)
      : limits_(limits), out_(out), budget_(budget) {}
  std::vector<LogReport>& reports() { return reports_; }

  void line(const LogLine& l) {
    sv t = l.text;
    sv tt = trim(t);
    if (tt.starts_with("Linux version ")) {  // a new boot: whatever was open ended with the old one
      close(true);
      return;
    }
    if (auto start = report_start(tt)) {
      if (open_ && continues(cur_, start->kind, tt)) {
        absorb(*start, tt, l);
        return;
      }
      if (start->kind == CrashKind::Panic && !reports_.empty() && l.number - reports_.back().last_line <= 40) {
        reports_.back().panic_message = std::string(tt.substr(28));
        reports_.back().last_line = l.number;
        return;
      }
      close(false);
      begin(*start, tt, l);
      return;
    }
    if (!open_) return;
    body(tt, l);
  }

  void finish() { close(true); }

 private:
  void begin(const Start& s, sv t, const LogLine& l) {
    if (budget_.reports >= limits_.max_log_reports) {
      if (!budget_.said)
        out_.problems.push_back(fmt::format("more than max_log_reports={} reports: the rest are not read",
                                            limits_.max_log_reports));
      budget_.said = true;
      return;
    }
    cur_ = {};
    cur_.kind = s.kind;
    cur_.header = std::string(t);
    cur_.first_line = cur_.last_line = l.number;
    cur_caller_ = l.caller;
    open_ = true;
    in_trace_ = false;
    context_.clear();
    ended_ = false;
    trace_done_ = false;
    want_panic_message_ = false;
    rip_inlined_.clear();
    if (s.kind == CrashKind::RustPanic) {
      cur_.rust_panic = parse_rust_panic_line(t);
      want_panic_message_ = cur_.rust_panic && cur_.rust_panic->message.empty();
    } else if (s.kind == CrashKind::Panic) {
      cur_.panic_message = std::string(t.substr(28));
    } else {
      parse_header_details(t, cur_);
    }
  }

  // A header continuing the open report: the report keeps its kind when that is more specific.
  void absorb(const Start& s, sv t, const LogLine& l) {
    cur_.last_line = l.number;
    if (s.kind == CrashKind::Panic) {
      cur_.panic_message = std::string(t.substr(28));
      return;
    }
    LogReport refined = cur_;
    bool keep_kind = cur_.kind == CrashKind::RustPanic || cur_.kind == CrashKind::Refcount ||
                     s.kind == CrashKind::Oops || s.kind == CrashKind::InvalidOpcode ||
                     s.kind == CrashKind::GeneralProtection;
    refined.kind = s.kind;
    parse_header_details(t, refined);
    if (refined.location.size() && cur_.location.empty()) cur_.location = refined.location;
    if (refined.header_function.size() && cur_.header_function.empty())
      cur_.header_function = refined.header_function;
    if (cur_.cpu == std::nullopt && refined.cpu) { cur_.cpu = refined.cpu; cur_.pid = refined.pid; cur_.comm = refined.comm; }
    if (cur_.taint.empty()) cur_.taint = refined.taint;
    if (cur_.release.empty()) cur_.release = refined.release;
    if (!keep_kind) {
      cur_.kind = s.kind;
      cur_.header = std::string(t);
      if (cur_.detail.empty()) cur_.detail = refined.detail;
    }
  }

  void body(sv t, const LogLine& l) {
    cur_.last_line = l.number;
    if (want_panic_message_) {
      want_panic_message_ = false;
      if (cur_.rust_panic && !t.empty() && !report_start(t)) {
        cur_.rust_panic->message = std::string(t);
        return;
      }
    }
    if (t.starts_with("---[ end trace") || t.starts_with("---[ end Kernel panic")) {
      ended_ = true;
      close(false);
      return;
    }
    if (t.starts_with("CPU: ") && has(t, "PID: ")) { parse_cpu_line(t, cur_); return; }
    if (t.starts_with("Read of size") || t.starts_with("Write of size")) {
      if (cur_.access.empty()) cur_.access = t.starts_with("Read") ? "Read" : "Write";
      return;
    }
    if (t.starts_with("Modules linked in:")) {
      in_trace_ = false;
      trace_done_ = true;
      sv rest = t.substr(18);
      while (!rest.empty()) {
        rest = trim(rest);
        sv word = rest.substr(0, rest.find(' '));
        rest.remove_prefix(word.size());
        if (size_t paren = word.find('('); paren != sv::npos) word = word.substr(0, paren);
        if (!word.empty() && word != "[last" && word != "unloaded:") cur_.modules.emplace_back(word);
      }
      return;
    }
    if (t.starts_with("RIP: ") || t.starts_with("EIP: ") || t.starts_with("pc : ")) {
      // Kernel RIP only (CS 0010); "RIP: 0033:" is the user context under the syscall frame.
      // arm64 prints "pc : func+0x…/0x… file:line" (and inlined callees first, "[inline]").
      sv rest = t.substr(5);
      if (rest.starts_with("0010:")) rest.remove_prefix(5);
      else if (rest.size() > 5 && rest[4] == ':' && !t.starts_with("pc")) return;
      if (cur_.frames.empty())
        if (auto f = parse_frame_text(rest)) {
          f->line = l.number;
          if (!cur_.rip) cur_.rip = *f;
          else if (cur_.rip->inlined) { rip_inlined_.push_back(*cur_.rip); cur_.rip = *f; }
        }
      return;
    }
    if (t.starts_with("Call Trace:") || t.starts_with("Call trace:") || t.starts_with("Backtrace:")) {
      in_trace_ = true;
      return;
    }
    // Sections of sanitizer reports that hold other stacks (allocation, free, origin) or memory
    // dumps: the report's own stack ends there.
    for (sv end : {"Allocated by task", "Freed by task", "Uninit was created at", "Uninit was stored",
                   "The buggy address", "Memory state around", "Local variable", "Last potentially related",
                   "Second to last potentially", "allocated by task", "freed by task", "Exception stack(",
                   "other info that might help", "irq event stamp", "Showing all locks held"})
      if (t.starts_with(end)) {
        if (!cur_.frames.empty()) { in_trace_ = false; trace_done_ = true; }
        return;
      }
    if (t.starts_with('<') && t.find('>') != sv::npos && t.find('>') < 12) {  // <TASK> </TASK> <IRQ> …
      size_t close = t.find('>');
      sv marker = t.substr(1, close - 1);
      if (marker.starts_with('/')) {
        context_.clear();
        if (marker == "/TASK") { in_trace_ = false; trace_done_ = true; }
      } else {
        context_ = std::string(marker);
        in_trace_ = true;
      }
      t = trim(t.substr(close + 1));  // older kernels: "<IRQ>  [<ffffffff8111527a>] f+0x2da/0x4a0"
      if (t.empty()) return;
    }
    // Sanitizer reports (KMSAN, KCSAN, KFENCE) print their stack right under the header.
    bool headed_stack = cur_.frames.empty() && !trace_done_ &&
                        (cur_.kind == CrashKind::Kmsan || cur_.kind == CrashKind::Kcsan ||
                         cur_.kind == CrashKind::Kfence || cur_.kind == CrashKind::Kasan);
    if (!in_trace_ && !headed_stack) return;
    if (add_arm32_frames(t, l)) return;
    if (auto f = parse_frame_text(t)) {
      in_trace_ = true;
      if (cur_.frames.size() >= limits_.max_frames) return;
      f->context = context_;
      f->line = l.number;
      cur_.frames.push_back(std::move(*f));
      return;
    }
    if (t.empty() && !cur_.frames.empty()) {  // a blank line ends a sanitizer's stack
      in_trace_ = false;
      trace_done_ = cur_.kind == CrashKind::Kmsan || cur_.kind == CrashKind::Kcsan ||
                    cur_.kind == CrashKind::Kfence || cur_.kind == CrashKind::Kasan || trace_done_;
      return;
    }
    if (!is_register_line(t) && !t.empty()) in_trace_ = false;
  }

  // 32-bit ARM: "[<80c1e5e8>] (__schedule) from [<80c1eb20>] (schedule+0x60/0xdc)": the callee,
  // then its caller with the return offset.
  bool add_arm32_frames(sv t, const LogLine& l) {
    if (!t.starts_with("[<") || !has(t, ") from [<")) return false;
    auto name_in = [](sv part) -> sv {
      size_t open = part.find('('), close = part.rfind(')');
      return open == sv::npos || close == sv::npos || close < open ? sv() : part.substr(open + 1, close - open - 1);
    };
    size_t from = t.find(" from ");
    sv callee = name_in(t.substr(0, from)), caller = name_in(t.substr(from + 6));
    if (cur_.frames.empty() && !callee.empty()) {
      LogFrame f;
      if (auto parsed = parse_frame_text(callee)) f = *parsed;
      else f.symbol = std::string(callee);
      f.line = l.number;
      f.context = context_;
      cur_.frames.push_back(std::move(f));
    }
    if (auto parsed = parse_frame_text(caller); parsed && cur_.frames.size() < limits_.max_frames) {
      parsed->line = l.number;
      parsed->context = context_;
      cur_.frames.push_back(std::move(*parsed));
    }
    return true;
  }

  void close(bool at_end) {
    if (!open_) return;
    open_ = false;
    // Reports that normally end with "---[ end trace" and did not: the log was cut.
    bool expects_end = cur_.kind != CrashKind::HungTask && cur_.kind != CrashKind::RcuStall &&
                       cur_.kind != CrashKind::Lockdep && cur_.kind != CrashKind::SuspiciousRcu &&
                       cur_.kind != CrashKind::Panic && cur_.kind != CrashKind::SoftLockup &&
                       cur_.kind != CrashKind::SchedulingWhileAtomic &&
                       cur_.kind != CrashKind::SleepInAtomic && cur_.kind != CrashKind::Ubsan;
    // A kdump kernel takes over in oops_end(), before "---[ end trace": a trace that was
    // printed to its end (</TASK>, the module list) is whole.
    if (at_end && !ended_ && expects_end && !cur_.panic_message && !trace_done_) cur_.truncated = true;
    cur_.rip_inlined = rip_inlined_;
    reports_.push_back(std::move(cur_));
    ++budget_.reports;
  }

  const Limits& limits_;
  ConsoleLog& out_;
  LogReport cur_;
  std::string cur_caller_, context_;
  std::vector<LogFrame> rip_inlined_;
  bool open_ = false, in_trace_ = false, ended_ = false, trace_done_ = false, want_panic_message_ = false;
  Budget& budget_;
  std::vector<LogReport> reports_;
};

}  // namespace

std::optional<LogFrame> parse_frame_text(std::string_view text) {
  sv t = trim(text);
  LogFrame f;
  if (t.starts_with("? ")) { f.unreliable = true; t = trim(t.substr(2)); }
  if (t.starts_with("[<")) {  // [<ffffffff81234567>] func+…  (older kernels)
    size_t close = t.find(">]");
    if (close == sv::npos) return std::nullopt;
    f.address = parse_number(t.substr(2, close - 2), 16);
    t = trim(t.substr(close + 2));
    if (t.starts_with("? ")) { f.unreliable = true; t = trim(t.substr(2)); }
  }
  if (t.starts_with("0x") && t.find(' ') == sv::npos) {  // a bare address: no symbol known
    f.address = parse_number(t, 16);
    if (!f.address) return std::nullopt;
    return f;
  }
  // A symbolized log's inlined entry: "f path/file.c:12 [inline]".
  if (t.ends_with(" [inline]")) {
    sv body = t.substr(0, t.size() - 9);
    size_t space = body.rfind(' ');
    if (space == sv::npos || space == 0) return std::nullopt;
    sv symbol = trim(body.substr(0, space)), source = body.substr(space + 1);
    if (symbol.empty() || symbol.find(": ") != sv::npos || source.find(':') == sv::npos) return std::nullopt;
    f.symbol = std::string(symbol);
    f.source = std::string(source);
    f.inlined = true;
    return f;
  }
  size_t plus = t.find("+0x");
  if (plus == 0 || plus == sv::npos) return std::nullopt;
  // Mangled names have neither spaces nor colons; demangled Rust names ("<Task as
  // AlwaysRefCounted>::inc_ref", a log passed through a demangling filter) have both, but never
  // ": " — which register and header lines ("RIP: 0010:f+0x…") do.
  sv symbol = t.substr(0, plus);
  if (symbol.find(": ") != sv::npos || symbol.ends_with(':') || symbol.starts_with(' ')) return std::nullopt;
  if (symbol.find(' ') != sv::npos && symbol.find("::") == sv::npos && !symbol.starts_with('<'))
    return std::nullopt;
  sv rest = t.substr(plus + 1);
  size_t slash = rest.find('/');
  if (slash == sv::npos) return std::nullopt;
  auto offset = parse_number(rest.substr(0, slash), 16);
  sv size_text = rest.substr(slash + 1);
  sv after = {};
  if (size_t space = size_text.find(' '); space != sv::npos) {
    after = trim(size_text.substr(space));
    size_text = size_text.substr(0, space);
  }
  auto size = parse_number(size_text, 16);
  if (!offset || !size) return std::nullopt;
  f.symbol = std::string(symbol);
  f.offset = *offset;
  f.size = *size;
  // What may follow: "[module]", a symbolized log's "path/file.c:12", or both.
  if (!after.empty() && !after.starts_with('[')) {
    sv source = after.substr(0, after.find(' '));
    if (source.find(':') == sv::npos) return std::nullopt;
    f.source = std::string(source);
    after = trim(after.substr(source.size()));
  }
  if (after.starts_with('[') && after.ends_with(']')) f.module = std::string(after.substr(1, after.size() - 2));
  else if (!after.empty()) return std::nullopt;
  return f;
}

ConsoleLog parse_console_log(std::string_view text, const Limits& limits) {
  ConsoleLog out;
  if (text.size() > limits.max_log_bytes) {
    out.problems.push_back(fmt::format("log of {} bytes cut at max_log_bytes={}", text.size(),
                                       limits.max_log_bytes));
    text = text.substr(0, limits.max_log_bytes);
  }
  Budget budget;
  std::map<std::string, Parser> parsers;  // by caller id ("" without)
  size_t number = 0, binary = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    sv raw = text.substr(pos, eol == sv::npos ? sv::npos : eol - pos);
    pos = eol == sv::npos ? text.size() : eol + 1;
    ++number;
    for (char c : raw)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r') { ++binary; break; }
    out.lines.push_back(strip_prefix(raw, number));
    const LogLine& line = out.lines.back();
    auto it = parsers.find(line.caller);
    if (it == parsers.end()) {
      if (parsers.size() >= kMaxCallers) it = parsers.find("");  // a flood of ids: one stream
      if (it == parsers.end()) it = parsers.try_emplace(line.caller, limits, out, budget).first;
    }
    it->second.line(line);
  }
  for (auto& [caller, parser] : parsers) {
    parser.finish();
    for (auto& r : parser.reports()) out.reports.push_back(std::move(r));
  }
  std::stable_sort(out.reports.begin(), out.reports.end(),
                   [](const LogReport& a, const LogReport& b) { return a.first_line < b.first_line; });
  if (binary > 0)
    out.problems.push_back(fmt::format("{} line(s) hold control bytes (serial noise or a binary file)", binary));
  return out;
}

}  // namespace krdb
