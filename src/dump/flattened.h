// makedumpfile's "flattened" format (`makedumpfile -F`, written to a pipe for transfer over ssh):
// a 4 KiB header "makedumpfile" then records {offset, size (big-endian int64), bytes} that
// place pieces of a kdump-compressed file, ended by offset -1. libkdumpfile 0.5.1 does not read
// it, so krdb rebuilds the kdump file — as `makedumpfile -R` would — into an unlinked
// temporary file and opens that. Written by hand because no packaged library does it.
#pragma once

#include <string>

#include "krdb/base/error.h"

namespace krdb::dump {

// If `fd` holds a flattened dump, the descriptor of the rebuilt file (the caller owns it);
// -1 if it is not one. Errors name the path and the record (truncated file, absurd offsets).
Expected<int> unflatten(int fd, const std::string& path);

}  // namespace krdb::dump
