#include "krdb/base/error.h"

namespace krdb {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Fault: return "fault";
    case ErrorKind::BadData: return "bad data";
    case ErrorKind::LimitHit: return "limit hit";
    case ErrorKind::NotFound: return "not found";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::Io: return "i/o error";
    case ErrorKind::Usage: return "usage";
  }
  return "error";
}

std::string Error::describe() const {
  if (context.empty()) return message;
  return message + " (" + context + ")";
}

Error Error::within(const std::string& outer) const {
  Error e = *this;
  e.context = context.empty() ? outer : outer + ": " + context;
  return e;
}

}  // namespace krdb
