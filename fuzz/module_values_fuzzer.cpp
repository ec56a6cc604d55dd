// Fuzz target for module globals and the formatters over corrupted memory: the formatter
// sample's dump (FP kit, values-kaslr.d17.kdump, with rust_values.ko) seen through an overlay
// that the input patches where the code reads — the module's struct module (its section
// addresses: the load map a module global is placed by), the `Values` struct, and what its
// containers point to (the 100k KVec's buffer, list nodes, the CondVar's wait queue, the Work's
// work_struct, the &dyn's vtable, the Arc'd mutex). Then `krdb print *rust_values::VALUES` as the
// CLI and LLDB run it (kernel_global_value). It must return text or an error within its limits —
// never crash, hang or allocate without bound.
// Input: patches, as fuzz/patched_memory.h reads them.
// Data: KRDB_FUZZ_DATA_FP (default build/tests/data/kernel-fp): vmlinux, the dump, the .ko.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "krdb/format/kernel_values.h"
#include "krdb/kernel/modules.h"
#include "patched_memory.h"

namespace {

using namespace krdb;

struct Kit {
  std::string ko;
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<fuzz::PatchedMemory> memory;
  std::unique_ptr<KernelProgram> patched;  // over `memory`
  std::vector<uint64_t> targets;
};

BacktraceOptions module_options(const std::string& ko) {
  BacktraceOptions o;
  o.system_module_dirs = false;
  o.module_files["rust_values"] = ko;
  return o;
}

Kit& kit() {
  static Kit k = [] {
    Kit k;
    const char* env = std::getenv("KRDB_FUZZ_DATA_FP");
    std::string dir = env ? env : "build/tests/data/kernel-fp";
    k.ko = dir + "/rust_values.ko";
    auto p = KernelProgram::open_dump(dir + "/vmlinux", dir + "/values-kaslr.d17.kdump");
    if (!p) { fprintf(stderr, "module_values_fuzzer: %s (set KRDB_FUZZ_DATA_FP)\n", p.error().describe().c_str()); abort(); }
    k.program = std::move(*p);
    for (const ModuleInfo& m : list_modules(*k.program).modules) k.targets.push_back(m.address);
    KernelUnwinder unwinder(*k.program, module_options(k.ko));
    for (const char* e : {"*rust_values::VALUES", "rust_values::VALUES->big", "rust_values::VALUES->entries",
                          "rust_values::VALUES->cyclic", "rust_values::VALUES->wait", "rust_values::VALUES->job",
                          "rust_values::VALUES->shape", "rust_values::VALUES->locked", "rust_values::VALUES->huge"})
      if (auto v = kernel_global_value(*k.program, unwinder, e)) {
        k.targets.push_back(v->address);
        if (auto to = k.program->dump()->read_u64(v->address)) k.targets.push_back(*to);
        if (auto second = k.program->dump()->read_u64(v->address + 8)) k.targets.push_back(*second);
      }
    if (k.targets.size() < 10) { fprintf(stderr, "module_values_fuzzer: the sample's values were not found\n"); abort(); }
    k.memory = std::make_unique<fuzz::PatchedMemory>(*k.program->dump());
    k.patched = std::make_unique<KernelProgram>(k.program->debug_info(), *k.memory, k.program->kaslr_offset(),
                                                k.program->limits());
    return k;
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Kit& k = kit();
  k.memory->apply(data, size, k.targets);
  KernelUnwinder unwinder(*k.patched, module_options(k.ko));  // reads the patched module list
  FormatOptions fo;
  fo.max_nodes = 2000;  // the 10k list: every input would walk it whole otherwise
  auto v = kernel_global_value(*k.patched, unwinder, "*rust_values::VALUES", fo);
  if (v && v->text.size() > (64u << 20)) abort();  // the caps bound the text
  return 0;
}
