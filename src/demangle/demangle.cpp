// Dispatch between the schemes, the rules rustc-demangle applies around them (".llvm." suffixes,
// vendor suffixes, the output cap), C++ through __cxa_demangle, and the text filter.
#include "krdb/demangle/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "output.h"
#include "rust_legacy.h"
#include "rust_v0.h"

namespace krdb {
using namespace demangle_detail;

namespace {

// ThinLTO renames local symbols to NAME.llvm.NNNN; rustc-demangle drops that first.
std::string_view strip_llvm_suffix(std::string_view s) {
  auto i = s.find(".llvm.");
  if (i == std::string_view::npos) return s;
  for (char c : s.substr(i + 6))
    if (!((c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == '@')) return s;
  return s.substr(0, i);
}

bool is_symbol_like(std::string_view s) {
  for (char c : s)
    if (!(uint8_t(c) > 0x20 && uint8_t(c) < 0x7f)) return false;  // ASCII alnum or punctuation
  return true;
}

Demangled demangle_cxx(std::string_view s) {
  Demangled d{std::string(s), SymbolScheme::Plain, false};
  if (s.size() < 3 || s.substr(0, 2) != "_Z") return d;
  int status = 0;
  std::string z(s);
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(z.c_str(), nullptr, nullptr, &status), &std::free);
  if (status == 0 && out) d = {out.get(), SymbolScheme::Cxx, true};
  return d;
}

Demangled demangle_rust(std::string_view symbol, const DemangleOptions& options) {
  std::string_view s = strip_llvm_suffix(symbol);
  Demangled d;
  bool verbose = options.form == DemangleForm::Verbose;
  std::string_view suffix;
  LegacyResult legacy = legacy_parse(s);
  V0Result v0;
  if (legacy.valid) {
    suffix = legacy.suffix;
  } else {
    v0 = v0_parse(s, options.max_depth);
    if (v0.valid) suffix = v0.suffix;
  }
  bool valid = legacy.valid || v0.valid;
  if (valid && !suffix.empty() && !(suffix[0] == '.' && is_symbol_like(suffix))) valid = false;
  if (!valid) {
    d.text = std::string(s);
    return d;
  }
  Output out(d.text, options.max_output);
  bool printed = legacy.valid ? legacy_print(legacy, verbose, out)
                              : v0_print(v0.inner, verbose, options.max_depth, out);
  if (!printed && out.exhausted()) d.text += "{size limit reached}";
  d.text += suffix;
  d.scheme = legacy.valid ? SymbolScheme::RustLegacy : SymbolScheme::RustV0;
  d.ok = true;
  return d;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c == '.';
}

}  // namespace

Demangled demangle(std::string_view symbol, const DemangleOptions& options) {
  Demangled d = demangle_rust(symbol, options);
  if (!d.ok && options.cxx) {
    Demangled cxx = demangle_cxx(symbol);
    if (cxx.ok) return cxx;
    d.text = std::string(symbol);  // not Rust, not C++: unchanged (with any .llvm. suffix)
  }
  if (d.ok && options.form == DemangleForm::Short)
    d.text = shorten_rust_name(d.text, options.short_form);
  return d;
}

std::optional<DemangleForm> parse_demangle_form(std::string_view name) {
  if (name == "full") return DemangleForm::Full;
  if (name == "short") return DemangleForm::Short;
  if (name == "verbose") return DemangleForm::Verbose;
  return std::nullopt;
}

std::string demangle_text(std::string_view symbol, DemangleForm form) {
  DemangleOptions options;
  options.form = form;
  return demangle(symbol, options).text;
}

// Scans as rustfilt does: at each "_ZN" or "_R", take the longest run of [$._A-Za-z0-9] and
// replace it by its demangling (itself when it is not a valid name), then continue after it.
std::string demangle_in_text(std::string_view text, const DemangleOptions& options) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  size_t pos = 0, copied = 0;
  while (pos < text.size()) {
    const void* hit = std::memchr(text.data() + pos, '_', text.size() - pos);
    if (!hit) break;
    size_t i = static_cast<const char*>(hit) - text.data();
    auto rest = text.substr(i);
    bool rust = rest.substr(0, 3) == "_ZN" || rest.substr(0, 2) == "_R";
    bool cxx = !rust && options.cxx && rest.substr(0, 2) == "_Z";
    if (!rust && !cxx) {
      pos = i + 1;
      continue;
    }
    size_t end = i + 2;
    while (end < text.size() && is_name_char(text[end])) ++end;
    auto token = text.substr(i, end - i);
    Demangled d = rust ? demangle(token, options) : demangle_cxx(token);
    if (d.ok || d.text != token) {
      out.append(text.substr(copied, i - copied));
      out.append(d.text);
      copied = end;
    }
    pos = end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace krdb
