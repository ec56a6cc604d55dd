// Fuzz target for the kernel walkers over corrupted memory: the ORC kit's module crash (a real
// dump) seen through an overlay that the input patches at the places the walkers read from —
// struct module, the module's kallsyms (symtab, strtab, typetab), its ORC tables in memory, its
// build-id note, the panicking CPU's stack, the task's switch frame, the built-in Rust sample's
// state and the containers it points to. Then: the module list, the CPU model, the panicking
// CPU's backtrace with module frames by ORC and kallsyms, and the formatter layer printing the
// sample's state (kernel Rust types over corrupted memory). Each must
// return values or errors within its limits — never crash, hang or allocate without bound.
// Input: a sequence of patches {target u8, offset u16 LE, length u8, bytes[length]}.
// Data: KRDB_FUZZ_DATA (default build/tests/data/kernel-orc) holds vmlinux and the dump.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "krdb/dump/dump.h"
#include "krdb/kernel/backtrace.h"
#include "krdb/kernel/cpus.h"
#include "krdb/kernel/modules.h"
#include "krdb/format/value.h"
#include "patched_memory.h"

namespace {

using namespace krdb;

using fuzz::PatchedMemory;

struct Kit {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<PatchedMemory> memory;       // the dump + this input's patches
  std::unique_ptr<KernelProgram> patched;      // over `memory`; keeps the DWARF layout cache
  std::vector<uint64_t> targets;  // addresses the walkers read from
  std::vector<RecordedCpu> records;
};

Kit& kit() {
  static Kit k = [] {
    Kit k;
    const char* env = std::getenv("KRDB_FUZZ_DATA");
    std::string dir = env ? env : "build/tests/data/kernel-orc";
    auto p = KernelProgram::open_dump(dir + "/vmlinux", dir + "/module-kaslr.d31.kdump");
    if (!p) { fprintf(stderr, "kernel_walkers_fuzzer: %s (set KRDB_FUZZ_DATA)\n", p.error().describe().c_str()); abort(); }
    k.program = std::move(*p);
    k.records = dump_records(*k.program->dump());
    ModuleList list = list_modules(*k.program);
    for (const ModuleInfo& m : list.modules) {
      k.targets.push_back(m.address);
      if (m.kallsyms) for (uint64_t a : {m.kallsyms->symtab, m.kallsyms->strtab, m.kallsyms->typetab}) k.targets.push_back(a);
      if (m.orc) { k.targets.push_back(m.orc->ip); k.targets.push_back(m.orc->orc); }
      if (const ModuleSection* n = m.section(".note.gnu.build-id")) k.targets.push_back(n->address);
    }
    for (const RecordedCpu& r : k.records) k.targets.push_back(r.registers.sp());
    if (auto head = k.program->symbol_address("modules")) k.targets.push_back(*head);
    // The formatter layer over the sample's Rust state (rust_crashme::RUST_CRASHME_STATE): the
    // state itself and what its KVec/List/RBTree/Arc/KBox members point to.
    {
      ValueFormatter f(k.program->debug_info(), *k.program->dump(), k.program->kaslr_offset());
      for (const char* e : {"*rust_crashme::RUST_CRASHME_STATE", "rust_crashme::RUST_CRASHME_STATE->tree",
                            "rust_crashme::RUST_CRASHME_STATE->items", "rust_crashme::RUST_CRASHME_STATE->big",
                            "rust_crashme::RUST_CRASHME_STATE->payload"})
        if (auto v = f.evaluate(e)) {
          k.targets.push_back(v->address);
          if (auto to = k.program->dump()->read_u64(v->address)) k.targets.push_back(*to);
        }
    }
    k.memory = std::make_unique<PatchedMemory>(*k.program->dump());
    Limits limits = k.program->limits();
    limits.max_frames = 256;
    k.patched = std::make_unique<KernelProgram>(k.program->debug_info(), *k.memory, k.program->kaslr_offset(), limits);
    return k;
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Kit& k = kit();
  PatchedMemory& memory = *k.memory;
  memory.apply(data, size, k.targets);
  KernelProgram& program = *k.patched;
  const Limits& limits = program.limits();
  ModuleList modules = list_modules(program);
  for (const ModuleInfo& m : modules.modules)
    if (!m.regions.empty()) (void)module_symbol_at(program, m, m.regions.front().base + 0x10);
  KernelCpus cpus = read_cpus(program, k.records, false);
  BacktraceOptions options;
  options.system_module_dirs = false;
  KernelUnwinder unwinder(program, options);
  for (const KernelCpu& c : cpus.cpus)
    if (c.registers) {
      Backtrace bt = unwinder.from_registers(*c.registers);
      if (bt.frames.size() > limits.max_frames + 1) abort();  // the walker's bound
    }
  FormatOptions fo;
  fo.max_nodes = 2000;
  ValueFormatter formatter(program.debug_info(), memory, program.kaslr_offset(), fo);
  if (auto v = formatter.evaluate("*rust_crashme::RUST_CRASHME_STATE")) (void)formatter.format(*v);
  return 0;
}
