// Fuzz target for dwarf/ (and elf/ under it): arbitrary bytes as an ELF file with DWARF.
// Opening, the CU index, symbolizing addresses the file itself names (its function symbols and
// CU ranges), type look-ups and variables must return values or Errors — never crash or hang.
// Seeds: the user-space fixture and the kernel module (scripts/fuzz.sh dwarf).
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "krdb/dwarf/debug_info.h"

namespace {

void exercise(krdb::DebugInfo& info) {
  int n = 0;
  for (const auto& s : info.elf().symbols()) {
    if (++n > 64) break;
    (void)info.symbolize(s.address + 1, {.variables = true});
  }
  for (const auto& cu : info.units())
    for (const auto& r : cu.ranges) (void)info.symbolize(r.begin);
  for (const char* name : {"State", "mixed::Shape", "task_struct", "Option<u32>"})
    if (auto id = info.find_type(name)) {
      if (auto t = info.type(*id)) {
        for (const auto& m : (*t)->members) (void)info.strip_typedefs(m.type);
      }
    }
  (void)info.unit_errors();
}

}  // namespace

// libdwarf 20210528 leaks the error objects it hands to an error handler when it has no
// Dwarf_Debug to own them (see src/dwarf/debug_info.cpp); krdb's own leaks are still reported.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:_dwarf_special_no_dbg_error_malloc\nleak:libdwarf.so\n";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = memfd_create("krdb-dwarf-fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  for (size_t done = 0; done < size;) {
    ssize_t w = write(fd, data + done, size - done);
    if (w <= 0) break;
    done += size_t(w);
  }
  auto info = krdb::DebugInfo::open("/proc/self/fd/" + std::to_string(fd));
  if (info) exercise(**info);
  close(fd);
  return 0;
}
