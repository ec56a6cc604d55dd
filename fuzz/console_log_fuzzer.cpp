// Fuzz target for the console-log parser and the triage layer (src/triage/): arbitrary bytes as a
// kernel console log, parsed and triaged (titles, guilty frames, signatures) without debug info.
// Must return reports or nothing — never crash, hang or grow without bound. Seeds: the kits'
// serial logs and tests/data/oops (scripts/fuzz.sh console_log).
#include <string_view>

#include "krdb/triage/triage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  krdb::Limits limits;
  limits.max_log_reports = 64;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  krdb::TriageResult r = krdb::triage_text(text, "fuzz", nullptr, limits);
  for (const auto& report : r.reports) (void)report.signature.hash.size();
  return 0;
}
