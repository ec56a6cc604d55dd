#include "krdb/kernel/backtrace.h"

#include <fmt/format.h>

#include "krdb/base/walk_guard.h"
#include "krdb/kernel/modules.h"
#include "krdb/dwarf/cfi.h"
#include "krdb/unwind/cfi_step.h"
#include "krdb/unwind/orc.h"

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

struct KernelUnwinder::State {
  KernelProgram& program;
  BacktraceOptions options;
  std::optional<OrcTable> orc;
  std::unique_ptr<CallFrameInfo> cfi;  // the vmlinux's .debug_frame, used when it has no ORC
  Expected<PtRegsLayout> pt_regs = Error(ErrorKind::NotFound, "pt_regs not read yet");
  std::optional<ModuleList> modules;
  std::map<std::string, std::unique_ptr<DebugInfo>> module_info;

  explicit State(KernelProgram& p, BacktraceOptions o) : program(p), options(std::move(o)) {
    if (auto t = OrcTable::from_vmlinux(p.debug_info().elf())) orc = std::move(*t);
    if (!orc && options.use_cfi)
      if (auto c = CallFrameInfo::open(p.debug_info().elf(), nullptr); c && !(*c)->empty()) cfi = std::move(*c);
    pt_regs = read_pt_regs_layout();
    if (!pt_regs && pt_regs.error().kind == ErrorKind::NotFound) {
      layout_note = "struct pt_regs not in the DWARF (" + pt_regs.error().message +
                    "): using the x86-64 user ABI layout (asm/ptrace.h)";
      pt_regs = PtRegsLayout::x86_64_user_abi();
    }
  }
  std::string layout_note;

  // A step by the vmlinux's CFI where it covers the pc; entry code has no CFI (only ORC hints)
  // and goes to the frame-pointer rules.
  std::optional<Expected<StepResult>> cfi_step(const UnwindFrame& frame) {
    if (!cfi) return std::nullopt;
    return try_step_cfi(frame, *cfi, program.kaslr_offset(), program.memory());
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
    if (!modules) modules = list_modules(program);
    for (const auto& m : modules->modules)
      if (m.region_of(pc)) return &m;
    return nullptr;
  }

  AddressInfo symbolize(KernelFrame& f) {
    uint64_t lookup = lookup_address(f);
    const ElfFile& elf = program.debug_info().elf();
    uint64_t file = lookup - program.kaslr_offset();
    if (elf.symbol_at(file) || program.debug_info().units().empty()) {
      AddressInfo ai = program.debug_info().symbolize(file);
      if (ai.frames.empty() && ai.symbol && ai.language == Language::Unknown)
        ai.language = guess_kernel_language(*ai.symbol);
      if (ai.symbol || !ai.frames.empty()) { ai.address = f.pc; return ai; }
    }
    AddressInfo ai;
    ai.address = f.pc;
    if (const ModuleInfo* m = module_of(lookup)) {
      f.module = m->name;
      if (auto ko = module_debug_info(*m)) {
        if (auto placed = place_in_module(*m, **ko, lookup)) {
          ai = (*ko)->symbolize(*placed);
          ai.address = f.pc;
          return ai;
        }
      }
      const ModuleRegion* r = m->region_of(lookup);
      ai.symbol = fmt::format("[{}] {}", m->name, r->kind);
      ai.symbol_offset = lookup - r->base;
    }
    return ai;
  }

  std::optional<DebugInfo*> module_debug_info(const ModuleInfo& m) {
    auto it = options.module_files.find(m.name);
    if (it == options.module_files.end()) return std::nullopt;
    auto& slot = module_info[m.name];
    if (!slot) {
      auto info = DebugInfo::open(it->second, program.limits());
      if (!info) return std::nullopt;
      slot = std::move(*info);
    }
    return slot.get();
  }

  // Runtime address in a module -> krdb's synthetic address in its .ko, through the section
  // load addresses the kernel keeps (sect_attrs).
  std::optional<uint64_t> place_in_module(const ModuleInfo& m, DebugInfo& ko, uint64_t address) {
    const ModuleSection* best = nullptr;
    for (const auto& s : m.sections)
      if (s.address <= address && (!best || s.address > best->address)) {
        auto elf_section = ko.elf().section(s.name);
        if (elf_section && (elf_section->flags & 0x4 /*SHF_EXECINSTR*/) &&
            address - s.address < elf_section->size)
          best = &s;
      }
    if (!best) return std::nullopt;
    auto base = ko.section_address(best->name);
    if (!base) return std::nullopt;
    return *base + (address - best->address);
  }
};

KernelUnwinder::KernelUnwinder(KernelProgram& program, BacktraceOptions options)
    : state_(std::make_unique<State>(program, std::move(options))) {}
KernelUnwinder::~KernelUnwinder() = default;

const char* KernelUnwinder::method_name() const {
  return state_->orc ? "ORC" : state_->cfi ? "DWARF CFI + frame pointers" : "frame pointers";
}

KernelBacktrace KernelUnwinder::from_registers(const RegisterSet& regs, bool exact) {
  KernelBacktrace bt;
  State& s = *state_;
  if (!s.pt_regs) {
    bt.end = s.pt_regs.error().describe();
    return bt;
  }
  StepContext ctx{s.program.memory(), *s.pt_regs, nullptr};
  uint64_t kaslr = s.program.kaslr_offset();
  OrcLookup lookup = [&](uint64_t address) -> std::optional<OrcRow> {
    if (!s.orc) return std::nullopt;
    auto row = s.orc->lookup(address - kaslr);
    if (row) row->ip += kaslr;
    return row;
  };
  UnwindFrame frame{regs, exact};
  std::optional<uint64_t> crossed;
  std::string method = "cpu";
  WalkGuard guard("stack frames", s.program.limits().max_frames);
  while (true) {
    Frame f = frame_of(frame, method);
    f.pt_regs = crossed;
    f.where = s.symbolize(f);
    fix_symbol_offset(f);
    bt.frames.push_back(std::move(f));
    if (!guard.step(frame.regs.sp() * 31 + frame.regs.pc())) {
      bt.end = guard.reason()->describe();
      return bt;
    }
    Expected<StepResult> step = Error(ErrorKind::BadData, "no step");
    if (auto by_cfi = s.cfi_step(frame)) {
      step = std::move(*by_cfi);
    } else if (!s.orc && frame.signal && at_function_entry(bt.frames.back())) {
      // Stopped on a function's first instruction (a breakpoint, an interrupted call): its frame
      // pointer is not pushed yet, rbp is still the caller's. The return address is at [rsp].
      step = step_at_function_entry(frame, ctx);
    } else {
      step = s.orc ? step_orc(frame, lookup, ctx) : step_frame_pointer(frame, ctx);
    }
    if (!step) {
      bt.end = step.error().describe();
      return bt;
    }
    if (step->end != StackEnd::None) {
      bt.end = to_string(step->end);
      bt.complete = true;
      return bt;
    }
    crossed = step->pt_regs;
    if (crossed) {
      // The frame just walked is the entry code that saved the pt_regs: it names the trap.
      const KernelFrame& entry = bt.frames.back();
      std::string fn = entry.where.symbol.value_or("");
      bt.frames.back().trap = trap_name(fn);
    }
    method = crossed ? "pt_regs"
           : step->method == StepMethod::FramePointer ? "fp"
           : step->method == StepMethod::Cfi ? "cfi" : "orc";
    frame = step->frame;
  }
}

Expected<RegisterSet> KernelUnwinder::pt_regs_registers(uint64_t address) {
  State& s = *state_;
  if (!s.pt_regs) return s.pt_regs.error();
  StepContext ctx{s.program.memory(), *s.pt_regs, nullptr};
  auto saved = read_pt_regs(address, false, ctx);
  if (!saved) return saved.error();
  return saved->frame.regs;
}

Expected<KernelBacktrace> KernelUnwinder::from_task(const TaskInfo& task) {
  KernelProgram& p = state_->program;
  // __switch_to_asm pushed struct inactive_task_frame at thread.sp; its ret_addr is where the
  // task resumes (in __schedule), its bp the frame pointer chain (arch/x86/kernel/process.h).
  auto frame_size = p.size_of("inactive_task_frame");
  auto ret = p.read_field(task.saved_sp, "inactive_task_frame", "ret_addr");
  auto bp = p.read_field(task.saved_sp, "inactive_task_frame", "bp");
  if (!frame_size || !ret || !bp) {
    Error e = !frame_size ? frame_size.error() : !ret ? ret.error() : bp.error();
    return e.within(fmt::format("switch frame of pid {} at {:#x}", task.pid, task.saved_sp));
  }
  RegisterSet regs;
  regs.set(Reg::rip, *ret);
  regs.set(Reg::rsp, task.saved_sp + *frame_size);
  regs.set(Reg::rbp, *bp);
  KernelBacktrace bt = from_registers(regs, false);
  if (!bt.frames.empty()) bt.frames.front().method = "switch frame";
  return bt;
}

}  // namespace krdb
