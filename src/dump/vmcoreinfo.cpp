#include "krdb/dump/vmcoreinfo.h"

#include "krdb/base/number.h"

#include <string_view>

#include <fmt/format.h>

namespace krdb {

namespace {

Error malformed(const std::string& key, const std::string& value, const char* want) {
  return Error(ErrorKind::BadData, fmt::format("VMCOREINFO {} is not {}: '{}'", key, want, value),
               "VMCOREINFO");
}

}  // namespace

VmcoreInfo VmcoreInfo::parse(std::string raw) {
  VmcoreInfo info;
  info.raw_ = std::move(raw);
  std::string_view rest = info.raw_;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    info.values_.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return info;
}

std::optional<std::string> VmcoreInfo::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Expected<uint64_t> VmcoreInfo::hex(const std::string& key) const {
  auto value = get(key);
  if (!value) return Error(ErrorKind::NotFound, "VMCOREINFO has no " + key, "VMCOREINFO");
  std::string_view s = *value;
  if (s.starts_with("0x")) s.remove_prefix(2);  // the kernel prints none, but tolerate it
  auto v = parse_unsigned(s, 16);
  if (!v) return malformed(key, *value, "hexadecimal");
  return *v;
}

Expected<int64_t> VmcoreInfo::number(const std::string& name) const {
  std::string key = "NUMBER(" + name + ")";
  auto value = get(key);
  if (!value) return Error(ErrorKind::NotFound, "VMCOREINFO has no " + key, "VMCOREINFO");
  std::string_view s = *value;
  // The kernel prints most NUMBERs with %ld, but some (VMALLOC_START) as 0x%lx: a 64-bit pattern.
  if (s.starts_with("0x")) {
    auto v = parse_unsigned(s.substr(2), 16);
    if (!v) return malformed(key, *value, "a number");
    return int64_t(*v);
  }
  bool negative = s.starts_with('-');
  auto v = parse_unsigned(negative ? s.substr(1) : s, 10);
  if (!v || *v > uint64_t(INT64_MAX)) return malformed(key, *value, "a number");
  return negative ? -int64_t(*v) : int64_t(*v);
}

}  // namespace krdb
