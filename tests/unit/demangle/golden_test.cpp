// demangle/: agreement with rustfilt (rustc-demangle 0.1.21) on every gathered symbol, edge case,
// adversarial name and truncation (tests/data/demangle/golden.tsv.xz, from
// scripts/gen-demangle-golden.sh). Full form = rustfilt, Verbose form = rustfilt --hash.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "krdb/demangle/demangle.h"

using namespace krdb;

namespace {

struct GoldenStats {
  size_t cases = 0, full_mismatch = 0, verbose_mismatch = 0;
  std::string first_failures;
};

GoldenStats run_golden() {
  GoldenStats st;
  std::ifstream in(KRDB_TEST_DATA_DIR "/demangle/golden.tsv");
  REQUIRE(in.good());
  DemangleOptions full, verbose;
  full.cxx = verbose.cxx = false;  // exactly rustfilt: C++ names stay as they are
  verbose.form = DemangleForm::Verbose;
  std::string line;
  while (std::getline(in, line)) {
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    REQUIRE(t2 != std::string::npos);
    std::string mangled = line.substr(0, t1);
    std::string want_full = line.substr(t1 + 1, t2 - t1 - 1), want_verbose = line.substr(t2 + 1);
    ++st.cases;
    std::string got = demangle_in_text(mangled, full);
    if (got != want_full && ++st.full_mismatch <= 5)
      st.first_failures += mangled + "\n  want " + want_full + "\n  got  " + got + "\n";
    got = demangle_in_text(mangled, verbose);
    if (got != want_verbose && ++st.verbose_mismatch <= 5)
      st.first_failures += mangled + " (verbose)\n  want " + want_verbose + "\n  got  " + got + "\n";
  }
  return st;
}

}  // namespace

TEST_CASE("demangle: full and verbose forms equal rustfilt on the golden corpus", "[demangle]") {
  GoldenStats st = run_golden();
  INFO(st.first_failures);
  CHECK(st.cases > 200000);
  CHECK(st.full_mismatch == 0);
  CHECK(st.verbose_mismatch == 0);
}
