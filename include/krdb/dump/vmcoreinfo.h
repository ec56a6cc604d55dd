// VmcoreInfo: the kernel's VMCOREINFO text ("KEY=VALUE" lines written by crash_save_vmcoreinfo,
// e.g. OSRELEASE, BUILD-ID, KERNELOFFSET, SYMBOL(_stext), NUMBER(phys_base)), as a lookup table.
// Contract: parse() accepts any text and never fails: lines without '=' are ignored, the first
// line of a key wins. The typed getters interpret values the way the kernel prints them
// (SYMBOL and KERNELOFFSET in hex without "0x"; NUMBER in decimal or "0x" hex, maybe negative)
// and return NotFound for a missing key, BadData (naming the key and value) for a malformed one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "krdb/base/error.h"

namespace krdb {

class VmcoreInfo {
 public:
  static VmcoreInfo parse(std::string raw);

  const std::string& raw() const { return raw_; }
  bool empty() const { return values_.empty(); }
  const std::map<std::string, std::string>& values() const { return values_; }
  // The text after the first '=' of line "key=…" ("OSRELEASE", "SYMBOL(_stext)").
  std::optional<std::string> get(const std::string& key) const;

  Expected<uint64_t> hex(const std::string& key) const;            // KERNELOFFSET, SYMBOL(…)
  Expected<uint64_t> symbol(const std::string& name) const { return hex("SYMBOL(" + name + ")"); }
  Expected<int64_t> number(const std::string& name) const;         // NUMBER(name)

 private:
  std::string raw_;
  std::map<std::string, std::string> values_;
};

}  // namespace krdb
