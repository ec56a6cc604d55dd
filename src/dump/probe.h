// Internal to dump/: opening a dump file with libkdumpfile in a throw-away child process first.
// libkdumpfile 0.5.1 cannot free a context whose open failed: the diskdump reader's error path
// frees its private data but leaves the format hooks armed, so kdump_free() runs them again on
// freed memory (use-after-free then SIGSEGV; measured on kdump files cut at 8..400 bytes; the
// same family as libkdumpfile issue #72). It can also fault on malformed headers. The child's
// verdict decides whether this process opens the file at all, so a failed context never exists
// here and a crash while probing is an Error, not the end of krdb.
#pragma once

#include <string>

#include "krdb/base/error.h"

namespace krdb::dump_detail {

// Ok when libkdumpfile opens the file and accepts the Linux OS type; otherwise the Error it
// gave (BadData for a crash while probing), with `path` as context.
Expected<void> probe_in_child(int fd, const std::string& path);

}  // namespace krdb::dump_detail
