#include "krdb/triage/triage.h"

#include "krdb/triage/panic.h"

#include <algorithm>

#include <fmt/format.h>

#include "krdb/demangle/demangle.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"
#include "krdb/kernel/printk.h"

namespace krdb {

namespace {

using sv = std::string_view;

// Reporting machinery: never the guilty frame. Prefixes of normalized names; "=" entries are
// exact names. (syzbot keeps a longer list per report type; these are the ones a Rust-for-Linux
// kernel's reports go through.)
constexpr sv kMachinery[] = {
    // panic, oops, BUG and WARN paths
    "=panic", "nmi_panic", "do_trap", "do_error_trap", "handle_bug", "exc_", "asm_exc_",
    "do_int3", "=die", "__die", "oops_", "do_invalid_op", "invalid_op", "math_error", "fixup_bug",
    "__dump_stack", "dump_backtrace", "=show_regs", "__switch_to", "context_switch", "cpu_switch_to",
    "hlist_", "__hlist_", "__warn", "warn_slowpath", "report_bug", "dump_stack",
    "show_stack", "show_trace", "__show_", "print_", "__print_", "fortify_panic", "__fortify",
    "rust_helper_BUG", "=BUG", "bug_handler",
    // sanitizers and their reports
    "kasan_", "__kasan", "check_memory_region", "__asan_", "kmsan_", "__msan_", "kcsan_",
    "__tsan_", "kfence_", "__kfence", "ubsan_", "__ubsan_", "report_", "__report_",
    // refcount, lockdep, RCU and sleep checks
    "refcount_warn_saturate", "refcount_", "__refcount_", "lockdep_", "lock_acquire",
    "lock_release", "__lock_acquire", "lock_acquired", "check_", "validate_chain",
    "debug_check_", "rcu_lockdep", "lockdep_rcu_", "__might_sleep", "___might_sleep",
    "__might_resched", "__might_fault", "__schedule_bug", "might_sleep",
    // scheduler and lock internals (hung tasks, lockups, deadlocks)
    "__schedule", "=schedule", "schedule_", "io_schedule", "preempt_schedule", "__wait_for_common",
    "wait_for_common", "wait_for_completion", "__mutex_lock", "mutex_lock", "mutex_unlock",
    "rwsem_down", "down_read", "down_write", "=down", "__down", "_raw_spin_", "_raw_read_",
    "_raw_write_", "queued_spin_", "native_queued_", "do_raw_spin_", "__raw_spin_",
    "rt_mutex", "rt_spin_", "folio_wait", "__folio_lock", "bit_wait", "out_of_line_wait_on_bit",
    // the watchdogs and stall reporters
    "watchdog_", "softlockup_", "hrtimer_", "__hrtimer_", "tick_", "update_process_times",
    "rcu_sched_clock_irq", "rcu_pending", "print_cpu_stall", "rcu_dump_", "sched_show_task",
    "nmi_", "=default_do_nmi", "arch_trigger_", "trigger_",
    // interrupt, softirq and timer entry (RCU stalls and lockups are reported from there)
    "smp_apic_timer_interrupt", "smp_trace_apic_timer_interrupt", "apic_timer_interrupt",
    "sysvec_", "asm_sysvec_", "__sysvec_", "irq_exit", "__irq_exit_rcu", "do_softirq",
    "__do_softirq", "handle_softirqs", "run_timer_softirq", "__run_timers", "run_timers",
    "expire_timers", "call_timer_fn", "rcu_core", "rcu_check_callbacks", "dump_cpu_task",
    "__run_hrtimer", "hrtimer_interrupt", "tick_sched_", "el1_", "el0_", "gic_handle_irq",
    "handle_domain_irq", "generic_handle_", "__handle_domain_irq", "call_on_irq_stack",
    "do_interrupt_handler", "arch_local_irq_", "dump_backtrace", "irqentry_", "instrument_",
    // memory, list and string helpers that report on behalf of their caller
    "kfree_skb", "__kfree_skb", "consume_skb", "skb_release_", "kfree", "kmem_cache_",
    "__kmem_cache_", "kmalloc", "__kmalloc", "krealloc", "vfree", "kvfree", "memcpy", "memmove",
    "memset", "__memcpy", "__memset", "strlen", "strcmp", "strncmp", "strcpy", "strscpy",
    "__list_add", "__list_del", "list_add", "list_del", "__list_add_valid", "__list_del_entry_valid",
    "copy_to_user", "copy_from_user", "_copy_to_user", "_copy_from_user", "__copy_", "csum_partial",
    "__sanitizer_", "kcov_", "__pfx_", "drop_nlink", "clear_nlink", "inc_nlink", "set_nlink",
    "spin_lock", "spin_unlock", "spin_trylock", "raw_spin_", "read_lock", "read_unlock",
    "write_lock", "write_unlock", "__lock_", "lock_is_held", "rcu_read_lock", "rcu_read_unlock",
    "up_read", "up_write", "=up", "percpu_down", "percpu_up", "inode_lock", "inode_unlock",
    "vprintk", "printk", "_printk", "bust_spinlocks", "__arch_copy_", "raw_copy_",
    "copy_page_from_iter", "copy_page_to_iter", "_copy_from_iter", "_copy_to_iter",
    "kvmalloc", "kvzalloc", "kzalloc", "kcalloc", "kmemdup", "kstrdup", "krealloc",
    "kobject_get", "kobject_put", "kref_get", "kref_put",
    "rwsem_", "__rwsem_", "__down_", "=down_write", "=down_read", "__up_", "folio_lock",
    "=lock_page", "__lock_page", "wait_on_page_", "__wait_on_", "io_schedule_timeout",
    "=schedule_timeout", "schedule_preempt_disabled", "mutex_lock_nested", "__mutex_",
    // Rust's panic path
    "rust_begin_unwind", "__rustc::rust_begin_unwind", "core::panicking::", "panic_fmt",
    "panic_const_", "panic_bounds_check", "core::result::unwrap_failed", "unwrap_failed",
    "core::option::expect_failed", "expect_failed", "core::option::unwrap_failed",
    "kernel::print::", "core::fmt::",
};

bool is_machinery(sv name) {
  // Rust: "<kernel::… as …>::" and "core::panicking::" style names are matched on the path.
  for (sv m : kMachinery) {
    if (m.starts_with('=')) {
      if (name == m.substr(1)) return true;
    } else if (name.starts_with(m)) {
      return true;
    }
  }
  // Rust short/full names keep the panic helpers after a path: "core::panicking::panic_fmt".
  return name.find("::panicking::") != sv::npos || name.ends_with("::panic_fmt") ||
         name.ends_with("::rust_begin_unwind");
}

std::string strip_clone_suffix(sv s) {
  for (sv suffix : {".cold", ".isra.", ".constprop.", ".part.", ".llvm.", ".lto_priv.", ".localalias"})
    if (size_t at = s.find(suffix); at != sv::npos && at > 0) s = s.substr(0, at);
  return std::string(s);
}

// Removes generic argument lists: `::<…>` and `Name<…>`, keeping a leading `<Type as Trait>`.
std::string strip_generics(sv s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool generic_open = c == '<' && !out.empty() &&
                        (std::isalnum(static_cast<unsigned char>(out.back())) || out.back() == '_' ||
                         out.back() == ':' || out.back() == '>');
    if (!generic_open) { out.push_back(c); continue; }
    int depth = 0;
    size_t j = i;
    for (; j < s.size(); ++j) {
      if (s[j] == '<') ++depth;
      else if (s[j] == '>' && s[j - 1] != '-' && --depth == 0) break;
    }
    if (j >= s.size()) { out.append(s.substr(i)); break; }  // unbalanced: keep as is
    if (out.ends_with("::")) out.resize(out.size() - 2);
    i = j;
  }
  return out;
}

std::string display_name(sv symbol) {
  std::string base = strip_clone_suffix(symbol);
  DemangleOptions options;
  options.form = DemangleForm::Short;
  Demangled d = demangle(base, options);
  std::string name = d.ok ? d.text : base;
  if (base.size() < symbol.size()) name += std::string(symbol.substr(base.size()));
  return name;
}

Language guess_language(sv symbol) {
  if (symbol.starts_with("_R") || symbol.starts_with("_ZN")) return Language::Rust;
  return Language::Unknown;
}

std::string fnv_hex(sv text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) { h ^= c; h *= 0x100000001b3ull; }
  return fmt::format("{:016x}", h);
}

// Resolves a printed frame to a file address in its object and symbolizes it.
void symbolize(TriageFrame& f, const TriageSymbols& symbols, std::vector<std::string>& problems) {
  if (f.symbol.empty()) return;
  DebugInfo* info = f.module.empty() ? symbols.vmlinux : (symbols.module ? symbols.module(f.module) : nullptr);
  if (!info) {
    if (!f.module.empty())
      problems.push_back(fmt::format("no debug info for module {} (give --module or --modules)", f.module));
    return;
  }
  const ElfSymbol* s = info->elf().symbol_named(f.symbol);
  if (!s) {
    problems.push_back(fmt::format("symbol {} not in {}", f.symbol, info->elf().path()));
    return;
  }
  uint64_t base = s->address;
  if (info->elf().type() == 1 /* ET_REL */) {
    const auto& sections = info->elf().sections();
    if (s->section == 0 || s->section > sections.size()) return;
    auto at = info->section_address(sections[s->section - 1].name);
    if (!at) return;
    base += *at;
  }
  // A return address points after the call: its line is the call's, at address - 1.
  bool return_address = !f.is_rip && f.offset > 0;
  AddressInfo where = info->symbolize(base + f.offset - (return_address ? 1 : 0));
  for (auto it = where.frames.begin(); it != where.frames.end(); ++it) {
    TriageSource src;
    src.function = it->display_name();
    src.file = it->location.file;
    src.line = it->location.line;
    src.column = it->location.column;
    src.inlined = it->inlined;
    src.language = it->language;
    f.source.push_back(std::move(src));
  }
  if (!where.frames.empty()) f.language = where.frames.back().language;
}

TriageFrame make_frame(const LogFrame& lf, bool is_rip) {
  TriageFrame f;
  f.symbol = lf.symbol;
  f.offset = lf.offset;
  f.size = lf.size;
  f.module = lf.module;
  f.unreliable = lf.unreliable;
  f.is_rip = is_rip;
  f.context = lf.context;
  if (lf.symbol.empty()) {
    f.function = lf.address ? fmt::format("{:#x}", *lf.address) : "??";
  } else {
    f.function = display_name(lf.symbol);
    f.normalized = normalize_function(lf.symbol);
  }
  f.language = guess_language(lf.symbol);
  return f;
}

// Hangs and lock reports stop inside lock helpers of every subsystem ("__super_lock",
// "rtnl_lock"): for them, names ending in _lock/_unlock are machinery too.
bool is_lock_helper(const TriageReport& r, std::string_view name) {
  bool lockish = r.kind == CrashKind::HungTask || r.kind == CrashKind::Lockdep ||
                 r.kind == CrashKind::SoftLockup || r.kind == CrashKind::HardLockup;
  return lockish && (name.ends_with("_lock") || name.ends_with("_unlock") ||
                     name.ends_with("_lock_nested") || name.ends_with("_lock_killable"));
}

std::optional<size_t> find_guilty(const TriageReport& r, const LogReport& lr) {
  // WARNING and sanitizer headers name the function: start the search there.
  size_t from = 0;
  if (!lr.header_function.empty() && r.kind != CrashKind::Kcsan) {
    std::string wanted = normalize_function(lr.header_function);
    for (size_t i = 0; i < r.frames.size(); ++i)
      if (r.frames[i].normalized == wanted && !is_machinery(wanted)) return i;
    (void)from;
  }
  for (size_t i = from; i < r.frames.size(); ++i) {
    const TriageFrame& f = r.frames[i];
    if (f.unreliable || f.normalized.empty() || is_machinery(f.normalized) ||
        is_lock_helper(r, f.normalized))
      continue;
    return i;
  }
  return std::nullopt;
}

std::string first_line(sv text, size_t max) {
  text = text.substr(0, text.find('\n'));
  if (text.size() > max) return std::string(text.substr(0, max)) + "…";
  return std::string(text);
}

std::string title_of(const TriageReport& r, const LogReport& lr) {
  // Titles name the function without compiler clone suffixes (".cold", ".isra.0"), as syzbot.
  auto guilty_name = [&] {
    const TriageFrame& g = r.frames[*r.guilty];
    return g.symbol.empty() ? g.function : display_name(strip_clone_suffix(g.symbol));
  };
  std::string in = r.guilty ? " in " + guilty_name() : "";
  if (r.kind == CrashKind::Kcsan && !lr.header_function.empty()) {
    // "data-race in a / b": both functions, normalized.
    std::string both;
    for (size_t start = 0; start <= lr.header_function.size();) {
      size_t sep = lr.header_function.find(" / ", start);
      std::string part = lr.header_function.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
      both += (both.empty() ? "" : " / ") + display_name(part.substr(0, part.find('+')));
      if (sep == std::string::npos) break;
      start = sep + 3;
    }
    in = " in " + both;
  }
  auto with_access = [&](const char* tool) {
    std::string t = fmt::format("{}: {}", tool, r.detail.empty() ? "bug" : r.detail);
    if (!r.access.empty()) t += " " + r.access;
    return t + in;
  };
  switch (r.kind) {
    case CrashKind::RustPanic: {
      std::string message = r.rust_panic ? first_line(r.rust_panic->message, 120) : "";
      return (message.empty() ? "Rust panic" : message) + in;
    }
    case CrashKind::KernelBug: return "kernel BUG" + in;
    case CrashKind::NullPointer: return "BUG: unable to handle kernel NULL pointer dereference" + in;
    case CrashKind::PagingRequest: return "BUG: unable to handle kernel paging request" + in;
    case CrashKind::GeneralProtection: return "general protection fault" + in;
    case CrashKind::InvalidOpcode: return "invalid opcode" + in;
    case CrashKind::Kasan: return with_access("KASAN");
    case CrashKind::Kmsan: return with_access("KMSAN");
    case CrashKind::Kcsan: return with_access("KCSAN");
    case CrashKind::Kfence:  // syzbot: no access word for KFENCE ("KFENCE: use-after-free in f")
      return fmt::format("KFENCE: {}{}", r.detail.empty() ? "bug" : r.detail, in);
    case CrashKind::Ubsan: return fmt::format("UBSAN: {}{}", r.detail.empty() ? "undefined behaviour" : r.detail, in);
    case CrashKind::Warning: return "WARNING" + in;
    case CrashKind::Refcount: return "WARNING: refcount bug" + in;
    case CrashKind::Lockdep: {
      sv h = r.header;
      if (h.find("circular") != sv::npos || h.find("recursive") != sv::npos) return "possible deadlock" + in;
      if (h.find("inconsistent lock state") != sv::npos) return "inconsistent lock state" + in;
      if (h.find("bad unlock balance") != sv::npos) return "WARNING: bad unlock balance" + in;
      if (h.find("held lock freed") != sv::npos) return "WARNING: held lock freed" + in;
      return "possible deadlock" + in;
    }
    case CrashKind::SuspiciousRcu: return "WARNING: suspicious RCU usage" + in;
    case CrashKind::HungTask: return "INFO: task hung" + in;
    case CrashKind::RcuStall: return "INFO: rcu detected stall" + in;
    case CrashKind::SoftLockup: return "BUG: soft lockup" + in;
    case CrashKind::HardLockup: return "BUG: hard lockup" + in;
    case CrashKind::SchedulingWhileAtomic: return "BUG: scheduling while atomic" + in;
    case CrashKind::SleepInAtomic: return "BUG: sleeping function called from invalid context" + in;
    case CrashKind::DoubleFault: return "PANIC: double fault" + in;
    case CrashKind::StackOverflow: return "BUG: stack guard page was hit" + in;
    case CrashKind::Panic:
      return "kernel panic: " + first_line(r.panic_message.value_or(r.detail), 120);
    case CrashKind::Oops: {
      std::string what = first_line(r.detail.empty() ? r.header : r.detail, 80);
      if (size_t bracket = what.find(" [#"); bracket != std::string::npos) what.resize(bracket);
      if (size_t code = what.find(": 0000"); code != std::string::npos) what.resize(code);
      return (r.header.starts_with("BUG: ") ? "BUG: " : "Oops: ") + what + in;
    }
  }
  return r.header;
}

CrashSignature signature_of(const TriageReport& r) {
  std::string text = to_string(r.kind);
  text += ":";
  size_t n = 0;
  if (r.guilty)
    for (size_t i = *r.guilty; i < r.frames.size() && n < 3; ++i) {
      const TriageFrame& f = r.frames[i];
      if (f.unreliable || f.normalized.empty() || (i != *r.guilty && is_machinery(f.normalized))) continue;
      text += (n++ ? " < " : " ") + f.normalized;
    }
  if (n == 0) text += " " + first_line(r.title, 80);
  return {text, fnv_hex(text)};
}

}  // namespace

std::string normalize_function(std::string_view symbol) {
  std::string base = strip_clone_suffix(symbol);
  DemangleOptions options;
  options.form = DemangleForm::Full;
  Demangled d = demangle(base, options);
  return strip_generics(d.ok ? d.text : base);
}

TriageReport triage_report(const LogReport& lr, const ConsoleLog& log, const TriageSymbols* symbols) {
  TriageReport r;
  r.kind = lr.kind;
  r.header = lr.header;
  r.detail = lr.detail;
  r.access = lr.access;
  r.location = lr.location;
  r.rust_panic = lr.rust_panic;
  r.panic_message = lr.panic_message;
  r.taint = lr.taint;
  r.release = lr.release;
  r.comm = lr.comm;
  r.pid = lr.pid;
  r.cpu = lr.cpu;
  r.modules = lr.modules;
  r.first_line = lr.first_line;
  r.last_line = lr.last_line;
  r.truncated = lr.truncated;
  for (const LogFrame& f : lr.rip_inlined) r.frames.push_back(make_frame(f, true));
  if (lr.rip) r.frames.push_back(make_frame(*lr.rip, true));
  for (const LogFrame& f : lr.frames) r.frames.push_back(make_frame(f, false));
  if (symbols) {
    for (TriageFrame& f : r.frames) symbolize(f, *symbols, r.problems);
    std::sort(r.problems.begin(), r.problems.end());  // each problem once
    r.problems.erase(std::unique(r.problems.begin(), r.problems.end()), r.problems.end());
  }
  r.guilty = find_guilty(r, lr);
  r.title = title_of(r, lr);
  r.signature = signature_of(r);
  if (r.truncated) r.problems.push_back("the log ends inside this report: frames may be missing");
  // The excerpt: a few lines before the report (what led to it) and the report itself.
  size_t from = lr.first_line > 5 ? lr.first_line - 5 : 1;
  for (size_t n = from; n <= lr.last_line && n <= log.lines.size() && r.excerpt.size() < 200; ++n)
    r.excerpt.push_back(log.lines[n - 1].text);
  return r;
}

TriageResult triage_text(std::string_view text, std::string path, const TriageSymbols* symbols,
                         const Limits& limits) {
  TriageResult result;
  result.path = std::move(path);
  ConsoleLog log = parse_console_log(text, limits);
  result.problems = log.problems;
  result.reports = triage_log(log, symbols);
  return result;
}

TriageResult triage_dump(KernelProgram& program, std::string path, const TriageSymbols* symbols) {
  TriageResult result;
  result.source = "dump";
  result.path = std::move(path);
  auto log = read_printk(program);
  if (!log) {
    result.error = log.error().within("kernel log of the dump");
    return result;
  }
  if (log->truncated) result.problems.push_back("kernel log: " + log->truncated->describe());
  if (!log->skipped.empty())
    result.problems.push_back(fmt::format("kernel log: {} record(s) could not be read", log->skipped.size()));
  std::string text = format_dmesg(*log);
  TriageResult from_text = triage_text(text, result.path, symbols, program.limits());
  result.reports = std::move(from_text.reports);
  result.problems.insert(result.problems.end(), from_text.problems.begin(), from_text.problems.end());
  return result;
}

namespace {

// The variables of the Rust frame the last report is about, from the panicking CPU's stack.
void add_rust_variables(KernelProgram& program, const BacktraceOptions& modules, const KernelCpus& cpus,
                        TriageResult& r) {
  if (!cpus.panicking || r.reports.empty()) return;
  auto regs = cpus.registers(*cpus.panicking);
  if (!regs) return;
  KernelUnwinder unwinder(program, modules);
  KernelBacktrace bt = unwinder.from_registers(*regs);
  TriageReport& crash = r.reports.back();
  auto frame = find_rust_frame(bt, faulting_frame(bt), crash.rust_panic ? &*crash.rust_panic : nullptr);
  if (!frame) return;
  auto values = kernel_frame_variables(program, unwinder, bt, *frame);
  if (!values) {
    crash.problems.push_back("variables of the Rust frame: " + values.error().describe());
    return;
  }
  const FrameInfo& fi = bt.frames[frame->physical].where.frames[frame->inlined];
  crash.rust_variables = TriageReport::Variables{fi.display_name(), bt.number_of(frame->physical) + frame->inlined,
                                                 std::move(*values)};
}

}  // namespace

TriageResult triage_kernel(KernelProgram& program, std::string path, const BacktraceOptions& modules,
                           const KernelCpus* cpus) {
  ModuleList list = list_modules(program);
  ModuleFiles files(module_file_options(modules, program));
  TriageSymbols symbols{&program.debug_info(), [&](const std::string& name) -> DebugInfo* {
                          for (const ModuleInfo& m : list.modules)
                            if (m.name == name) return files.debug_info(m);
                          return nullptr;
                        }};
  TriageResult r = triage_dump(program, std::move(path), &symbols);
  if (cpus) add_rust_variables(program, modules, *cpus, r);
  for (const Error& w : files.warnings()) r.problems.push_back(w.describe());
  return r;
}

std::vector<TriageReport> triage_log(const ConsoleLog& log, const TriageSymbols* symbols) {
  std::vector<TriageReport> out;
  for (const LogReport& lr : log.reports) out.push_back(triage_report(lr, log, symbols));
  return out;
}

}  // namespace krdb
