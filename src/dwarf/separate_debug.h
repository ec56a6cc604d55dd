// Finding the DWARF of a stripped file elsewhere, as gdb does: by build-id under a debug root
// (<root>/.build-id/ab/cdef….debug) and by .gnu_debuglink (beside the file, in .debug/, and
// under <root>/<dir of the file>), checking the link's CRC32.
#pragma once

#include <optional>
#include <string>

#include "krdb/elf/elf_file.h"

namespace krdb::dw {

std::optional<std::string> find_separate_debug_file(const ElfFile& elf, const std::string& root);

}  // namespace krdb::dw
