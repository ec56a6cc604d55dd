// Fuzz target for dump/: arbitrary bytes as a crash dump file (ELF vmcore, kdump-compressed,
// anything libkdumpfile probes). Opening, VMCOREINFO lookups and reads at the addresses the
// dump itself names (VMCOREINFO symbols, each CPU's rip/rsp, low physical memory) must return
// values or Errors, never crash, and a failed read must be a Fault.
// Seeds: the headers of the fixture dumps (scripts/fuzz.sh dump).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "memfd_file.h"
#include "krdb/dump/dump.h"

namespace {

void read_and_check(krdb::Dump& dump, uint64_t address, bool physical) {
  std::vector<uint8_t> buf(64);
  auto r = physical ? dump.read_physical(address, buf) : dump.read(address, buf);
  if (!r && r.error().kind != krdb::ErrorKind::Fault) abort();  // Memory's contract
}

void exercise(krdb::Dump& dump) {
  (void)dump.kaslr_offset();
  (void)dump.osrelease();
  (void)dump.build_id();
  for (const char* symbol : {"init_uts_ns", "_stext", "swapper_pg_dir", "prb"})
    if (auto a = dump.vmcoreinfo().symbol(symbol)) read_and_check(dump, *a, false);
  (void)dump.vmcoreinfo().number("phys_base");
  for (const krdb::CpuState& cpu : dump.cpus()) {
    read_and_check(dump, cpu.registers.pc(), false);
    read_and_check(dump, cpu.registers.sp(), false);
  }
  read_and_check(dump, 0, true);
  read_and_check(dump, 0x1000000, true);
  (void)dump.read_cstring(0xffffffff81000000ull, 256);
}

}  // namespace

// libkdumpfile (C) mallocs what a header claims (a 132 GB bitmap, say) in krdb's probe child
// (dump/probe.cpp). Outside ASan that malloc fails and libkdumpfile says the file is bad; ASan
// aborts instead, in the forked child, whose report and crash artifact were noise (the parent
// went on). Return NULL as malloc does, so the child gives its verdict; krdb's own `new` of a
// huge size is still reported (ASan never returns NULL from throwing new).
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemfdFile file(data, size);
  if (!file.ok()) return 0;
  std::string path = file.path();
  auto dump = krdb::Dump::open(path);
  if (dump) exercise(**dump);
  else if (dump.error().context.rfind(path, 0) != 0) abort();  // errors name the file
  return 0;
}
