// Fuzz target for demangle/: every form on arbitrary bytes must return without crashing, within
// the output bound, and never change a non-mangled input. Differential: where libiberty's
// cplus_demangle(DMGL_RUST) also accepts a Rust name, both must print the same path (libiberty
// drops vendor suffixes such as ".cold", so those are compared without them).
// Known libiberty bugs, where rustfilt (our golden oracle) agrees with krdb, are not compared:
//  - integer constants of more than 16 hex digits ("0x…" on either side): libiberty drops the
//    first nibble and keeps the terminating '_' (_RINvC3foo3barKj1234567890abcdef0_E ->
//    <0x234567890abcdef0_>), and counts leading zeros against the 16 digits
//    (Kan000…01088042620_ -> <-0x000…01088042620_>, rustc-demangle: <-71001450016>);
//  - backreference bombs: libiberty's output grows without bound (out of memory at 2 GiB);
//  - char and str constants: libiberty does not escape the quote (''') and escapes every
//    non-ASCII character ('\u{ced0}' where rustc-demangle prints the character itself);
//  - identifiers whose punycode does not decode: libiberty prints nothing, rustc-demangle
//    prints them raw ("punycode{ab-c}").
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "krdb/demangle/demangle.h"

extern "C" char* cplus_demangle(const char* mangled, int options);
static constexpr int kDmglRust = 1 << 17;  // DMGL_RUST from libiberty's demangle.h

static std::string without_suffix(std::string s) {
  // A vendor suffix (".cold", ".llvm.123", "...ld") starts at the first '.' outside any brackets;
  // the "..." of C varargs stands inside a fn type's parentheses.
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '<' || c == '(' || c == '[') ++depth;
    else if ((c == '>' || c == ')' || c == ']') && depth > 0) --depth;
    else if (c == '.' && depth == 0) return s.substr(0, i);
  }
  return s;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  krdb::DemangleOptions options;
  options.cxx = false;
  for (auto form : {krdb::DemangleForm::Full, krdb::DemangleForm::Verbose, krdb::DemangleForm::Short}) {
    options.form = form;
    krdb::Demangled d = krdb::demangle(input, options);
    if (d.text.size() > options.max_output + input.size() + 64) abort();
    if (!d.ok && d.text != input && input.find(".llvm.") == std::string::npos) abort();
  }
  krdb::demangle_in_text(input);
  if (input.find('\0') != std::string::npos || input.rfind("_R", 0) != 0) return 0;
  options.form = krdb::DemangleForm::Full;
  krdb::Demangled ours = krdb::demangle(input, options);
  // libiberty has no output cap: a backreference bomb exhausts its memory. Ask it only about
  // names whose demangling stays under our cap.
  // The same for names we stopped at the recursion limit (libiberty keeps expanding them), and
  // names printed with an invalid-syntax marker (no meaningful comparison).
  if (!ours.ok) return 0;  // not a name for us: libiberty may expand it without bound
  for (const char* marker : {"{size limit reached}", "{recursion limit reached}", "{invalid syntax}"})
    if (ours.text.find(marker) != std::string::npos) return 0;
  char* theirs = cplus_demangle(input.c_str(), kDmglRust);
  if (!theirs) return 0;
  std::string a = without_suffix(ours.text), b = without_suffix(theirs);
  std::free(theirs);
  bool known_oracle_bug =
      a.find("0x") != std::string::npos || b.find("0x") != std::string::npos ||
      a.find_first_of("'\"") != std::string::npos ||
      a.find("punycode{") != std::string::npos;
  if (!known_oracle_bug && a != b) {
    std::fprintf(stderr, "mismatch on %s\n  krdb:      %s\n  libiberty: %s\n", input.c_str(),
                 a.c_str(), b.c_str());
    abort();
  }
  return 0;
}
