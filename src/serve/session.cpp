#include "krdb/serve/session.h"

#include <elf.h>

#include <filesystem>

#include <fmt/format.h>

#include "krdb/kernel/cpus.h"
#include "krdb/kernel/module_files.h"
#include "krdb/kernel/modules.h"
#include "krdb/triage/panic.h"
#include "krdb/kernel/threads.h"

namespace krdb::serve {

namespace {

std::string stop_description(const PanicReport& r) {
  if (r.rust_panic)
    return fmt::format("rust panic at {}:{}:{}: {}", r.rust_panic->file, r.rust_panic->line, r.rust_panic->column,
                       r.rust_panic->message.substr(0, r.rust_panic->message.find('\n')));
  if (!r.oops_lines.empty()) return r.oops_lines.front();
  if (r.panic_message) return "Kernel panic - not syncing: " + *r.panic_message;
  return "kernel crash dump";
}

// Each loaded module whose .ko was found (as a file a debugger can open itself: not a
// compressed one), with an address for every SHF_ALLOC section in file order (GDB wants them
// all; the ones the kernel did not keep, such as .modinfo, get 0).
std::vector<ServedModule> served_modules(KernelProgram& program, const BacktraceOptions& options,
                                         std::vector<Error>& warnings) {
  ModuleFiles files(module_file_options(options, program));
  std::vector<ServedModule> out;
  ModuleList list = list_modules(program);
  if (list.truncated) warnings.push_back(list.truncated->within("module list"));
  for (const ModuleInfo& m : list.modules) {
    DebugInfo* ko = files.debug_info(m);
    std::string path = files.path_of(m.name);
    if (!ko) continue;
    if (path.ends_with(".xz") || path.ends_with(".zst")) {
      warnings.emplace_back(ErrorKind::Unsupported, "a compressed .ko cannot be handed to the debugger: decompress it",
                            path);
      continue;
    }
    ServedModule sm;
    sm.path = std::filesystem::absolute(path).string();
    for (const ElfSection& s : ko->elf().sections()) {
      if (!(s.flags & SHF_ALLOC)) continue;
      const ModuleSection* at = m.section(s.name);
      sm.sections.emplace_back(s.name, at ? at->address : 0);
    }
    out.push_back(std::move(sm));
  }
  for (const Error& w : files.warnings()) warnings.push_back(w);
  return out;
}

}  // namespace

Expected<std::unique_ptr<DumpSession>> open_dump_session(const std::string& vmlinux, const std::string& core,
                                                         const OpenOptions& open, const BacktraceOptions& modules) {
  auto program = KernelProgram::open_dump(vmlinux, core, open);
  if (!program) return program.error();
  auto s = std::make_unique<DumpSession>();
  s->program = std::move(*program);
  KernelProgram& prog = *s->program;
  KernelUnwinder unwinder(prog, modules);
  auto records = dump_records(*prog.dump());
  KernelCpus cpus = read_cpus(prog, records, false);
  KernelThreads threads = build_threads(prog, cpus, unwinder);
  s->thread_count = threads.threads.size();
  s->warnings = prog.warnings();
  s->warnings.insert(s->warnings.end(), threads.warnings.begin(), threads.warnings.end());
  ServeTarget target;
  const ElfFile& elf = prog.debug_info().elf();
  target.vmlinux_path = std::filesystem::absolute(vmlinux).string();
  target.build_id = elf.build_id();
  target.kaslr_offset = prog.kaslr_offset();
  if (elf.loads().size() >= 2) {
    target.text_segment = elf.loads()[0].vaddr;
    target.data_segment = elf.loads()[1].vaddr;
  }
  target.stop_description = stop_description(analyze_panic(prog, cpus, unwinder));
  s->modules = served_modules(prog, modules, s->warnings);
  target.modules = s->modules;
  s->server = std::make_unique<GdbServer>(*prog.dump(), std::move(threads), std::move(target));
  return s;
}

}  // namespace krdb::serve
