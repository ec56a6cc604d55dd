#include "krdb/kernel/backtrace.h"

#include <fmt/format.h>

#include <elf.h>

#include <set>

#include "krdb/dwarf/cfi.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"
#include "krdb/kernel/summary.h"
#include "krdb/unwind/cfi_step.h"
#include "krdb/unwind/orc.h"
#include "krdb/unwind/walker.h"

namespace krdb {

namespace {

// Entry points whose pt_regs say what interrupted the code below them (arch/x86/entry).
struct TrapName { const char* prefix; const char* name; };
constexpr TrapName kTraps[] = {
    {"asm_exc_invalid_op", "invalid opcode (#UD: BUG() / ud2)"},
    {"asm_exc_page_fault", "page fault (#PF)"},
    {"asm_exc_general_protection", "general protection fault (#GP)"},
    {"asm_exc_int3", "breakpoint (#BP)"},
    {"asm_exc_double_fault", "double fault (#DF)"},
    {"asm_exc_divide_error", "divide error (#DE)"},
    {"asm_exc_nmi", "NMI"},
    {"asm_exc_", "exception"},
    {"asm_sysvec_", "interrupt (system vector)"},
    {"asm_common_interrupt", "device interrupt"},
    {"entry_SYSCALL_64", "system call"},
    {"ret_from_fork", "kernel thread start"},
};

std::string trap_name(const std::string& function) {
  for (const auto& t : kTraps)
    if (function.starts_with(t.prefix)) return t.name;
  return "exception frame";
}

// Without DWARF (a stripped vmlinux): Rust symbols are v0-mangled; the entry code's symbols are
// assembly; everything else in vmlinux is C.
Language guess_kernel_language(const std::string& symbol) {
  Language l = language_from_symbol(symbol);
  if (l != Language::Unknown) return l;
  if (symbol.starts_with("asm_") || symbol.starts_with("entry_") || symbol.ends_with("_asm"))
    return Language::Asm;
  return Language::C;
}

bool at_function_entry(const KernelFrame& f) {
  return f.where.symbol && f.where.symbol_offset == 0;
}

// Flattens struct pt_regs' members (anonymous unions included) into name -> offset.
void flatten(DebugInfo& info, TypeId type, uint64_t base, int depth,
             std::vector<std::pair<std::string, uint64_t>>& out) {
  auto t = info.strip_typedefs(type);
  if (!t || depth > 4) return;
  for (const Member& m : (*t)->members) {
    if (m.name.empty()) flatten(info, m.type, base + m.offset, depth + 1, out);
    else out.emplace_back(m.name, base + m.offset);
  }
}

}  // namespace

struct KernelUnwinder::State final : StackSource {
  KernelProgram& program;
  BacktraceOptions options;
  std::shared_ptr<const OrcTable> orc;
  // The vmlinux's .debug_frame: the steps when it has no ORC; with ORC, where the callee-saved
  // registers were saved (ORC knows only sp, bp and ip), for the frames' variables.
  std::unique_ptr<CallFrameInfo> cfi;
  Expected<PtRegsLayout> pt_regs = Error(ErrorKind::NotFound, "pt_regs not read yet");
  std::string layout_note;
  std::optional<ModuleList> modules;
  std::optional<ModuleFiles> files;
  std::map<uint64_t, std::optional<OrcTable>> module_orc;  // by struct module *; nullopt: none
  std::map<uint64_t, LoadMap> module_maps;                 // by struct module *
  std::vector<Error> warnings;
  std::set<std::string> warned;
  StepContext ctx;

  State(KernelProgram& p, BacktraceOptions o)
      : program(p), options(std::move(o)), ctx{p.memory(), pt_regs_storage, nullptr} {
    if (auto t = OrcTable::shared_from_vmlinux(p.debug_info().elf())) orc = std::move(*t);
    else if (t.error().kind != ErrorKind::NotFound)  // a table krdb cannot use: say so, never quietly
      warn(t.error().within("the vmlinux's ORC table is not used: frames are found by CFI or frame pointers"));
    if (options.use_cfi)
      if (auto c = CallFrameInfo::open(p.debug_info().elf(), nullptr); c && !(*c)->empty()) cfi = std::move(*c);
    pt_regs = read_pt_regs_layout();
    if (!pt_regs && pt_regs.error().kind == ErrorKind::NotFound) {
      layout_note = "struct pt_regs not in the DWARF (" + pt_regs.error().message +
                    "): using the x86-64 user ABI layout (asm/ptrace.h)";
      pt_regs = PtRegsLayout::x86_64_user_abi();
    }
    if (pt_regs) pt_regs_storage = *pt_regs;
  }
  PtRegsLayout pt_regs_storage;

  void warn(Error e) {
    std::string key = e.describe();
    if (warned.insert(key).second) warnings.push_back(std::move(e));
  }

  Expected<PtRegsLayout> read_pt_regs_layout() {
    auto id = program.debug_info().find_type("pt_regs");
    if (!id) return id.error();
    auto t = program.debug_info().strip_typedefs(*id);
    if (!t) return t.error();
    std::vector<std::pair<std::string, uint64_t>> names;
    flatten(program.debug_info(), (*t)->id, 0, 0, names);
    std::vector<std::pair<std::string_view, uint64_t>> views(names.begin(), names.end());
    return PtRegsLayout::from_members(views, (*t)->size.value_or(0));
  }

  const ModuleInfo* module_of(uint64_t pc) {
    if (!modules) {
      modules = list_modules(program);
      if (modules->truncated) warn(modules->truncated->within("module list"));
    }
    for (const auto& m : modules->modules)
      if (m.region_of(pc)) return &m;
    return nullptr;
  }

  ModuleFiles& module_files() {
    if (!files) files.emplace(module_file_options(options, program));
    return *files;
  }

  DebugInfo* module_debug_info(const ModuleInfo& m) {
    ModuleFiles& f = module_files();
    DebugInfo* info = f.debug_info(m);
    for (const Error& e : f.warnings()) warn(e);
    return info;
  }

  // The module's ORC table: from memory (what the kernel itself unwinds with), else from its
  // .ko placed at the section addresses the kernel recorded.
  const OrcTable* module_orc_table(const ModuleInfo& m) {
    auto [it, fresh] = module_orc.try_emplace(m.address);
    if (!fresh) return it->second ? &*it->second : nullptr;
    std::string source = fmt::format("ORC table of module {} (struct module at {:#x})", m.name, m.address);
    if (m.orc) {
      auto table = read_module_orc(*m.orc, source);
      if (table) { it->second = std::move(*table); return &*it->second; }
      warn(table.error());
    }
    if (DebugInfo* ko = module_debug_info(m)) {
      auto table = OrcTable::from_module(ko->elf(), [&](std::string_view name) -> std::optional<uint64_t> {
        const ModuleSection* s = m.section(name);
        return s ? std::optional<uint64_t>(s->address) : std::nullopt;
      }, orc->format());
      if (table) { it->second = std::move(*table); return &*it->second; }
      warn(table.error().within("module " + m.name));
    }
    warn(Error(ErrorKind::NotFound, "no ORC table for its frames: they are found by the kernel's frame-pointer guess",
               "module " + m.name));
    return nullptr;
  }

  Expected<OrcTable> read_module_orc(const ModuleOrc& o, const std::string& source) {
    if (o.count > program.limits().max_orc_entries)
      return Error(ErrorKind::BadData, fmt::format("{} entries, more than max_orc_entries ({})", o.count,
                                                   program.limits().max_orc_entries), source);
    std::vector<uint8_t> ips(o.count * 4), entries(o.count * OrcEntry::kSize);
    if (auto r = program.memory().read(o.ip, ips); !r) return r.error().within(source);
    if (auto r = program.memory().read(o.orc, entries); !r) return r.error().within(source);
    // A module's table has the format of its kernel's (the same orc_types.h).
    return OrcTable::from_sections(ips, o.ip, entries, source, orc->format());
  }

  std::optional<OrcRow> orc_lookup(uint64_t address) {
    uint64_t kaslr = program.kaslr_offset();
    uint64_t link = address - kaslr;
    if (link >= orc->text_begin() && link < orc->text_end()) {
      auto row = orc->lookup(link);
      if (row) row->ip += kaslr;
      return row;
    }
    if (const ModuleInfo* m = module_of(address))
      if (const OrcTable* table = module_orc_table(*m)) return table->lookup(address);
    return std::nullopt;
  }

  // A step by the vmlinux's CFI where it covers the pc; entry code has no CFI (only ORC hints)
  // and goes to the frame-pointer rules.
  Expected<StepResult> step(const UnwindFrame& frame, const Frame& shown) override {
    if (cfi && !orc)
      if (auto by_cfi = try_step_cfi(frame, *cfi, program.kaslr_offset(), program.memory())) return std::move(*by_cfi);
    if (orc) {
      OrcLookup lookup = [this](uint64_t address) { return orc_lookup(address); };
      auto by_orc = step_orc(frame, lookup, ctx);
      if (by_orc && cfi) add_saved_registers(frame, *by_orc);
      return by_orc;
    }
    // Stopped on a function's first instruction (a breakpoint, an interrupted call): its frame
    // pointer is not pushed yet, rbp is still the caller's. The return address is at [rsp].
    if (frame.signal && at_function_entry(shown)) return step_at_function_entry(frame, ctx);
    return step_frame_pointer(frame, ctx);
  }

  // ORC steps the frame; the CFI row at the same pc says where its callee-saved registers were
  // saved. Taken only when both agree on the caller (same pc and sp) and only for registers the
  // ORC step left unknown: a pt_regs crossing has them all already.
  void add_saved_registers(const UnwindFrame& frame, StepResult& by_orc) {
    if (by_orc.end != StackEnd::None || by_orc.pt_regs) return;
    auto by_cfi = try_step_cfi(frame, *cfi, program.kaslr_offset(), program.memory());
    if (!by_cfi || !*by_cfi || (*by_cfi)->end != StackEnd::None) return;
    const RegisterSet& from = (*by_cfi)->frame.regs;
    RegisterSet& to = by_orc.frame.regs;
    if (from.pc() != to.pc() || from.sp() != to.sp()) return;
    for (Reg r : {Reg::rbx, Reg::rbp, Reg::r12, Reg::r13, Reg::r14, Reg::r15})
      if (!to.has(r) && from.has(r)) to.set(r, *from.get(r));
  }

  void crossed_exception(Frame& entry) override {
    // The frame just walked is the entry code that saved the pt_regs: it names the trap.
    entry.trap = trap_name(entry.where.symbol.value_or(""));
  }

  void symbolize(Frame& f) override {
    uint64_t lookup = lookup_address(f);
    const ElfFile& elf = program.debug_info().elf();
    uint64_t file = lookup - program.kaslr_offset();
    if (elf.symbol_at(file) || program.debug_info().units().empty()) {
      AddressInfo ai = program.debug_info().symbolize(file);
      if (ai.frames.empty() && ai.symbol && ai.language == Language::Unknown)
        ai.language = guess_kernel_language(*ai.symbol);
      // Named as the oops names it (kallsyms): a label inside the function wins
      // (entry_SYSCALL_64_after_hwframe+0x4b, not entry_SYSCALL_64+0xac).
      if (auto label = elf.nearest_symbol(file); label && ai.symbol && label->offset < ai.symbol_offset) {
        ai.symbol = label->symbol->name;
        ai.symbol_offset = label->offset;
      }
      if (ai.symbol || !ai.frames.empty()) { ai.address = f.pc; f.where = std::move(ai); return; }
    }
    f.where = AddressInfo{};
    f.where.address = f.pc;
    const ModuleInfo* m = module_of(lookup);
    if (!m) {
      f.module = "?";
      f.where.symbol = "[unknown module]";
      f.where.symbol_offset = 0;
      return;
    }
    f.module = m->name;
    if (DebugInfo* ko = module_debug_info(*m)) {
      if (auto placed = place_in_module(*m, *ko, lookup)) {
        f.where = ko->symbolize(*placed);
        f.where.address = f.pc;
        return;
      }
    }
    if (auto sym = module_symbol_at(program, *m, lookup); sym && m->region_of(sym->address)) {
      f.where.symbol = sym->name;
      f.where.symbol_offset = lookup - sym->address;
      f.where.language = guess_kernel_language(sym->name);
      return;
    } else if (!sym && sym.error().kind != ErrorKind::NotFound) {
      warn(sym.error());
    }
    const ModuleRegion* r = m->region_of(lookup);
    f.where.symbol = fmt::format("[{}] {}", m->name, r->kind);
    f.where.symbol_offset = lookup - r->base;
  }

  // A module's sections, runtime <-> krdb's synthetic addresses in its .ko (sect_attrs), once
  // per module.
  const LoadMap& module_load(const ModuleInfo& m, DebugInfo& ko) {
    auto [it, fresh] = module_maps.try_emplace(m.address);
    if (fresh) it->second = module_load_map(m, ko);
    return it->second;
  }

  // A runtime pc in a module -> its synthetic address in the module's .ko: code sections only.
  std::optional<uint64_t> place_in_module(const ModuleInfo& m, DebugInfo& ko, uint64_t address) {
    auto file = module_load(m, ko).file_in_section(address);
    if (!file) return std::nullopt;
    for (const ModuleSection& s : m.sections) {
      auto base = ko.section_address(s.name);
      auto section = ko.elf().section(s.name);
      if (base && section && *file >= *base && *file - *base < section->size)
        return (section->flags & SHF_EXECINSTR) ? file : std::nullopt;
    }
    return std::nullopt;
  }
};

ModuleFileOptions module_file_options(const BacktraceOptions& options, KernelProgram& program) {
  ModuleFileOptions o;
  o.files = options.module_files;
  o.search_dirs = options.module_dirs;
  o.system_dirs = options.system_module_dirs;
  o.limits = program.limits();
  if (Dump* d = program.dump()) o.release = d->osrelease().value_or("");
  if (o.release.empty()) o.release = read_kernel_release(program).value_or("");
  return o;
}

KernelUnwinder::KernelUnwinder(KernelProgram& program, BacktraceOptions options)
    : state_(std::make_unique<State>(program, std::move(options))) {}
KernelUnwinder::~KernelUnwinder() = default;

const char* KernelUnwinder::method_name() const {
  return state_->orc ? "ORC" : state_->cfi ? "DWARF CFI + frame pointers" : "frame pointers";
}

std::vector<Error> KernelUnwinder::warnings() const { return state_->warnings; }

std::optional<KernelUnwinder::DebugPlace> KernelUnwinder::debug_place(uint64_t pc) {
  State& s = *state_;
  uint64_t file = pc - s.program.kaslr_offset();
  if (s.program.debug_info().elf().symbol_at(file)) return DebugPlace{&s.program.debug_info(), file, s.program.kaslr_offset()};
  const ModuleInfo* m = s.module_of(pc);
  if (!m) return std::nullopt;
  DebugInfo* ko = s.module_debug_info(*m);
  if (!ko) return std::nullopt;
  auto placed = s.place_in_module(*m, *ko, pc);
  if (!placed) return std::nullopt;
  return DebugPlace{ko, *placed, s.module_load(*m, *ko)};
}

std::vector<KernelUnwinder::ModuleDebug> KernelUnwinder::module_debug_files() {
  State& s = *state_;
  s.module_of(0);  // reads the module list once
  std::vector<ModuleDebug> out;
  if (!s.modules) return out;
  for (const ModuleInfo& m : s.modules->modules) {
    DebugInfo* ko = s.module_debug_info(m);
    out.push_back({m.name, ko, ko ? s.module_load(m, *ko) : LoadMap()});
  }
  return out;
}

KernelBacktrace KernelUnwinder::from_registers(const RegisterSet& regs, bool exact) {
  State& s = *state_;
  if (!s.pt_regs) {
    KernelBacktrace bt;
    bt.end = s.pt_regs.error().describe();
    return bt;
  }
  return walk_stack(s, UnwindFrame{regs, exact}, "cpu", "stack frames", s.program.limits().max_frames);
}

Expected<RegisterSet> KernelUnwinder::pt_regs_registers(uint64_t address) {
  State& s = *state_;
  if (!s.pt_regs) return s.pt_regs.error();
  auto saved = read_pt_regs(address, false, s.ctx);
  if (!saved) return saved.error();
  return saved->frame.regs;
}

Expected<KernelBacktrace> KernelUnwinder::from_task(const TaskInfo& task) {
  if (!task.saved_sp)
    return Error(ErrorKind::Fault, fmt::format("thread.sp of pid {} unreadable: no switch frame to unwind from", task.pid),
                 fmt::format("task_struct at {:#x}", task.address));
  auto regs = switch_frame_registers(state_->program, *task.saved_sp);
  if (!regs) return regs.error().within(fmt::format("switch frame of pid {} at {:#x}", task.pid, *task.saved_sp));
  KernelBacktrace bt = from_registers(*regs, false);
  if (!bt.frames.empty()) bt.frames.front().method = "switch frame";
  return bt;
}

}  // namespace krdb
