// Internal to dump/: small helpers over libkdumpfile's C API (status codes, typed attributes).
#pragma once

#include <libkdumpfile/kdumpfile.h>

#include <cstdint>
#include <optional>
#include <string>

#include "krdb/base/error.h"

namespace krdb::dump_detail {

// The ErrorKind of a libkdumpfile status outside reads (reads are always Fault).
inline ErrorKind error_kind(kdump_status s) {
  switch (s) {
    case KDUMP_ERR_SYSTEM: return ErrorKind::Io;
    case KDUMP_ERR_NOTIMPL: return ErrorKind::Unsupported;
    case KDUMP_ERR_NOKEY:
    case KDUMP_ERR_NODATA: return ErrorKind::NotFound;
    default: return ErrorKind::BadData;
  }
}

// libkdumpfile's detailed message for the last failure; its generic text if there is none.
// Call before any other kdump_* function: each of them resets the message.
inline std::string last_error(kdump_ctx_t* ctx, kdump_status s) {
  const char* detail = kdump_get_err(ctx);
  return detail ? detail : kdump_strerror(s);
}

inline std::optional<std::string> string_attr(kdump_ctx_t* ctx, const char* key) {
  const char* v = nullptr;
  if (kdump_get_string_attr(ctx, key, &v) != KDUMP_OK || !v) return std::nullopt;
  return std::string(v);  // copied now: libkdumpfile may free it on the next call
}

inline std::optional<uint64_t> number_attr(kdump_ctx_t* ctx, const char* key) {
  kdump_num_t v = 0;
  if (kdump_get_number_attr(ctx, key, &v) != KDUMP_OK) return std::nullopt;
  return uint64_t(v);
}

}  // namespace krdb::dump_detail
