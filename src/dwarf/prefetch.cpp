// DebugInfo::prefetch: the scope trees and line tables of many units read at once, on every core
// — a batch of look-ups (a log, a symbolizer's input) is bound by reading units. Only the
// hand-written readers run on worker threads: they touch nothing shared but the section bytes
// (read before the threads start) and their own unit's UnitData. A unit they cannot read is left
// to the first look-up, which reads it through libdwarf on the calling thread as before, so the
// answers are the same with and without prefetching.
#include <atomic>
#include <thread>

#include "debug_info_impl.h"

namespace krdb {

namespace {
constexpr size_t kMinUnitsForThreads = 8;
}

void DebugInfo::prefetch(std::span<const uint64_t> addresses) {
  Impl& impl = *impl_;
  if (!impl.dbg) return;
  std::vector<uint32_t> wanted;
  std::vector<bool> seen(impl.units.size());
  for (uint64_t a : addresses) {
    int u = impl.unit_for_address(a);
    if (u < 0 || seen[size_t(u)]) continue;
    seen[size_t(u)] = true;
    const dw::UnitData& d = impl.unit_data[size_t(u)];
    if (!d.scopes_loaded || !d.lines_loaded) wanted.push_back(uint32_t(u));
  }
  if (wanted.size() < kMinUnitsForThreads) return;  // the look-ups read them as they go
  impl.raw_sections();
  struct Loaded {
    bool scopes_ok = false, lines_ok = false;
    dw::UnitData scopes;
    dw::LineTable lines;
  };
  std::vector<Loaded> loaded(wanted.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < wanted.size();) {
      uint32_t u = wanted[i];
      const dw::UnitData& d = impl.unit_data[u];
      if (!d.scopes_loaded) {
        loaded[i].scopes.base = d.base;
        loaded[i].scopes_ok = bool(impl.scan_scopes(u, loaded[i].scopes));
      }
      if (!d.lines_loaded) loaded[i].lines_ok = bool(impl.scan_lines(u, loaded[i].lines));
    }
  };
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), wanted.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (size_t i = 0; i < wanted.size(); ++i) {
    dw::UnitData& d = impl.unit_data[wanted[i]];
    if (loaded[i].scopes_ok) {
      d.scopes = std::move(loaded[i].scopes.scopes);
      d.top = std::move(loaded[i].scopes.top);
      d.qualified = std::move(loaded[i].scopes.qualified);
      Impl::sort_top(d);
      d.scopes_loaded = true;
    }
    if (loaded[i].lines_ok) {
      Impl::index_line_table(loaded[i].lines);
      d.lines = std::move(loaded[i].lines);
      d.lines_loaded = true;
    }
  }
}

}  // namespace krdb
