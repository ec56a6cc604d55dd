#include "krdb/kernel/cpus.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include "krdb/base/cursor.h"
#include "krdb/dump/dump.h"

namespace krdb {

namespace {

// include/uapi/linux/elfcore.h, x86-64: struct elf_prstatus is 336 bytes, pr_reg
// (struct user_regs_struct, 27 words) at 112. The crash_notes buffer starts with the ELF note
// header (12 bytes) and the name "CORE\0" padded to 8, so the descriptor is at 20. These are
// the kernel's ELF core ABI (the same bytes a kdump kernel copies into /proc/vmcore), not a
// struct layout DWARF would describe differently.
constexpr uint64_t kNoteHeader = 12;
constexpr uint64_t kCoreNameBytes = 8;
constexpr uint32_t kNtPrstatus = 1;
constexpr uint64_t kPrstatusSize = 336;
constexpr uint64_t kPrRegOffset = 112;
// user_regs_struct order: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs
// flags sp ss …; the words krdb keeps, by index.
constexpr std::array<std::pair<int, Reg>, 17> kUserRegs = {{
    {0, Reg::r15}, {1, Reg::r14}, {2, Reg::r13}, {3, Reg::r12}, {4, Reg::rbp}, {5, Reg::rbx},
    {6, Reg::r11}, {7, Reg::r10}, {8, Reg::r9}, {9, Reg::r8}, {10, Reg::rax}, {11, Reg::rcx},
    {12, Reg::rdx}, {13, Reg::rsi}, {14, Reg::rdi}, {16, Reg::rip}, {19, Reg::rsp},
}};

// What CPU `cpu`'s crash_notes buffer holds: nullopt when it is empty (the CPU never called
// crash_save_cpu()), an error when it cannot be read or is not a PRSTATUS note.
Expected<std::optional<RegisterSet>> crash_note_registers(KernelProgram& p, uint64_t notes, unsigned cpu) {
  auto offset = per_cpu_offset(p, cpu);
  if (!offset) return offset.error();
  uint64_t at = notes + *offset;
  std::vector<uint8_t> buf(kNoteHeader + kCoreNameBytes + kPrstatusSize);
  if (auto r = p.memory().read(at, buf); !r) return r.error();
  Cursor c(buf, fmt::format("crash_notes of CPU {} at {:#x}", cpu, at));
  uint32_t namesz = c.u32(), descsz = c.u32(), type = c.u32();
  if (namesz == 0 && descsz == 0 && type == 0) return std::optional<RegisterSet>();
  if (type != kNtPrstatus || namesz != 5 || descsz < kPrstatusSize)
    return Error(ErrorKind::BadData,
                 fmt::format("not an NT_PRSTATUS note (type {}, name size {}, size {})", type, namesz, descsz),
                 fmt::format("crash_notes of CPU {} at {:#x}", cpu, at));
  RegisterSet regs;
  for (auto [word, reg] : kUserRegs) {
    c.seek(kNoteHeader + kCoreNameBytes + kPrRegOffset + 8 * uint64_t(word));
    regs.set(reg, c.u64());
  }
  if (!c.ok()) return c.error();
  return std::optional<RegisterSet>(regs);
}

bool same_place(const RegisterSet& a, const RegisterSet& b) {
  return a.has(Reg::rip) && b.has(Reg::rip) && a.pc() == b.pc() && a.sp() == b.sp();
}

std::optional<bool> cpu_online(KernelProgram& p, unsigned cpu) {
  auto mask = p.symbol_address("__cpu_online_mask");
  if (!mask) return std::nullopt;
  auto word = p.memory().read_u64(*mask + 8ull * (cpu / 64));  // struct cpumask { unsigned long bits[]; }
  if (!word) return std::nullopt;
  return bool((*word >> (cpu % 64)) & 1);
}

// Numbering 1: through crash_notes. False when the kernel has none, or no CPU filled its buffer.
bool map_by_crash_notes(KernelProgram& p, std::span<const RecordedCpu> records, KernelCpus& out) {
  auto symbol = p.symbol_address("crash_notes");
  if (!symbol) return false;  // !CONFIG_CRASH_DUMP
  auto notes = p.memory().read_u64(*symbol);
  if (!notes || *notes == 0) return false;
  std::vector<std::optional<RegisterSet>> saved(out.cpus.size());
  bool any = false;
  for (KernelCpu& cpu : out.cpus) {
    auto regs = crash_note_registers(p, *notes, cpu.cpu);
    if (!regs) { out.warnings.push_back(regs.error()); continue; }
    saved[cpu.cpu] = *regs;
    any |= regs->has_value();
  }
  if (!any) return false;
  std::set<size_t> used;
  for (KernelCpu& cpu : out.cpus) {
    if (!saved[cpu.cpu]) {
      cpu.missing = cpu.online == false ? "offline: it saved no registers"
                                        : "its crash_notes buffer is empty: it never saved its registers (missed the crash NMI?)";
      continue;
    }
    for (size_t i = 0; i < records.size(); ++i)
      if (!used.count(i) && same_place(records[i].registers, *saved[cpu.cpu])) {
        cpu.registers = records[i].registers;
        cpu.origin = records[i].origin + " (matched to crash_notes)";
        used.insert(i);
        break;
      }
    if (!cpu.registers) {
      // The buffer is the kernel's own record: use it, and say that no note matched.
      cpu.registers = *saved[cpu.cpu];
      cpu.origin = "crash_notes in memory (no dump note matched it)";
    }
  }
  for (size_t i = 0; i < records.size(); ++i)
    if (!used.count(i))
      out.warnings.emplace_back(ErrorKind::BadData, "matches no CPU's crash_notes buffer: not used", records[i].origin);
  return true;
}

// Numbering 2: QEMU's pr_pid = vCPU index + 1, only when every pid is distinct and in
// 1..nr_cpu_ids (a kdump's pids are task pids: 0 for every idle CPU).
bool map_by_qemu_pid(std::span<const RecordedCpu> records, KernelCpus& out) {
  std::set<uint64_t> pids;
  for (const auto& r : records) {
    if (!r.pid || *r.pid == 0 || *r.pid > out.cpus.size() || !pids.insert(*r.pid).second) return false;
  }
  if (pids.empty()) return false;
  for (const auto& r : records) {
    uint64_t cpu = *r.pid - 1;
    out.cpus[cpu].registers = r.registers;
    out.cpus[cpu].origin = fmt::format("{} (QEMU vCPU {}, pr_pid {})", r.origin, cpu, *r.pid);
  }
  return true;
}

void map_in_order(std::span<const RecordedCpu> records, KernelCpus& out) {
  for (size_t i = 0; i < records.size() && i < out.cpus.size(); ++i) {
    out.cpus[i].registers = records[i].registers;
    out.cpus[i].origin = records[i].origin;
  }
  for (size_t i = out.cpus.size(); i < records.size(); ++i)
    out.warnings.emplace_back(ErrorKind::BadData, fmt::format("more register records than CPUs ({})", out.cpus.size()),
                              records[i].origin);
}

}  // namespace

const char* to_string(CpuNumbering numbering) {
  switch (numbering) {
    case CpuNumbering::CrashNotes: return "crash_notes";
    case CpuNumbering::QemuPid: return "QEMU vCPU (pr_pid - 1)";
    case CpuNumbering::Live: return "live vCPU order";
    case CpuNumbering::NoteOrder: return "note order (unverified)";
  }
  return "?";
}

Expected<RegisterSet> KernelCpus::registers(unsigned n) const {
  const KernelCpu* c = cpu(n);
  if (!c)
    return Error(ErrorKind::NotFound, fmt::format("no CPU {} (the kernel has {} possible CPUs)", n, cpus.size()));
  if (!c->registers)
    return Error(ErrorKind::NotFound,
                 fmt::format("CPU {} has no registers: {}", n, c->missing.value_or("no record for it")));
  return *c->registers;
}

std::vector<RecordedCpu> dump_records(const Dump& dump) {
  std::vector<RecordedCpu> out;
  for (const CpuState& cpu : dump.cpus())
    out.push_back({cpu.pid, cpu.registers, fmt::format("NT_PRSTATUS note {}", cpu.index)});
  return out;
}

KernelCpus read_cpus(KernelProgram& p, std::span<const RecordedCpu> records, bool live) {
  KernelCpus out;
  uint64_t count = records.size();
  if (auto n = possible_cpus(p)) count = *n;
  else out.warnings.push_back(n.error().within("nr_cpu_ids (CPUs taken from the register records)"));
  if (count > p.limits().max_cpus) {
    out.warnings.emplace_back(ErrorKind::BadData,
                              fmt::format("{} CPUs, more than max_cpus ({}): the rest are not read", count, p.limits().max_cpus));
    count = p.limits().max_cpus;
  }
  for (unsigned c = 0; c < count; ++c) {
    KernelCpu cpu;
    cpu.cpu = c;
    cpu.online = cpu_online(p, c);
    if (auto curr = cpu_curr(p, c)) cpu.current = *curr;
    out.cpus.push_back(std::move(cpu));
  }
  if (auto panicking = panic_cpu(p)) out.panicking = *panicking;
  else out.warnings.push_back(panicking.error().within("panic_cpu"));
  if (out.panicking && *out.panicking < out.cpus.size()) out.cpus[*out.panicking].panicking = true;

  if (live) {
    out.numbering = CpuNumbering::Live;
    map_in_order(records, out);
  } else if (map_by_crash_notes(p, records, out)) {
    out.numbering = CpuNumbering::CrashNotes;
  } else if (map_by_qemu_pid(records, out)) {
    out.numbering = CpuNumbering::QemuPid;
  } else {
    out.numbering = CpuNumbering::NoteOrder;
    if (!records.empty())
      out.warnings.emplace_back(ErrorKind::NotFound,
                                "no crash_notes and no QEMU vCPU numbers: CPU n is taken to be the n-th register note");
    map_in_order(records, out);
  }
  for (KernelCpu& cpu : out.cpus)
    if (!cpu.registers && !cpu.missing)
      cpu.missing = cpu.online == false ? "offline" : "no register record for this CPU in the dump";
  return out;
}

Expected<RegisterSet> switch_frame_registers(KernelProgram& p, uint64_t saved_sp) {
  // arch/x86/include/asm/switch_to.h: __switch_to_asm pushed these callee-saved registers and
  // its return address; rsp is past the frame once it returns into __schedule.
  static constexpr std::pair<const char*, Reg> kSaved[] = {
      {"ret_addr", Reg::rip}, {"bp", Reg::rbp}, {"bx", Reg::rbx}, {"r12", Reg::r12},
      {"r13", Reg::r13},      {"r14", Reg::r14}, {"r15", Reg::r15},
  };
  auto size = p.size_of("inactive_task_frame");
  if (!size) return size.error();
  RegisterSet regs;
  for (auto [field, reg] : kSaved) {
    auto v = p.read_field(saved_sp, "inactive_task_frame", field);
    if (v) regs.set(reg, *v);
    else if (reg == Reg::rip || reg == Reg::rbp || v.error().kind != ErrorKind::NotFound) return v.error();
  }
  regs.set(Reg::rsp, saved_sp + *size);
  return regs;
}

Expected<TaskRegisters> task_registers(KernelProgram& p, const KernelCpus& cpus, const TaskInfo& task) {
  for (const KernelCpu& cpu : cpus.cpus) {
    if (!cpu.current || *cpu.current != task.address) continue;
    auto regs = cpus.registers(cpu.cpu);
    if (!regs) return regs.error().within(fmt::format("pid {} ({}) running on CPU {}", task.pid, task.comm, cpu.cpu));
    return TaskRegisters{*regs, true, cpu.cpu};
  }
  if (!task.saved_sp)
    return Error(ErrorKind::Fault, fmt::format("thread.sp of pid {} unreadable: no switch frame to unwind from", task.pid),
                 fmt::format("task_struct at {:#x}", task.address));
  auto regs = switch_frame_registers(p, *task.saved_sp);
  if (!regs) return regs.error().within(fmt::format("switch frame of pid {} at {:#x}", task.pid, *task.saved_sp));
  return TaskRegisters{*regs, false, std::nullopt};
}

}  // namespace krdb
