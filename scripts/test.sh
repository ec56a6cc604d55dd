#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, runs the whole suite;
# then the same suite, LLDB sessions included, under AddressSanitizer + UndefinedBehaviorSanitizer
# (build-san/, clang-19: the core, CLI, tests and plugin instrumented; lldb runs with clang's ASan
# runtime preloaded); then every libFuzzer target, built in that same tree, for KRDB_FUZZ_SECONDS
# (default 10) each, seeded from the committed corpora (scripts/fuzz.sh). KRDB_SKIP_SANITIZE=1 and
# KRDB_SKIP_FUZZ=1 skip those passes (a quick local run). Each pass says how long it took.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
t0=$SECONDS
took() { echo "== $1 took $((SECONDS - t0)) s"; t0=$SECONDS; }
"$top/scripts/setup.sh"
took setup
"$top/scripts/build.sh"
took build
cd "${KRDB_BUILD_DIR:-$top/build}"
ctest --output-on-failure -j"$(nproc)" "$@"
took "the suite"
if [ "${KRDB_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== the suite under ASan+UBSan (build-san)"
  "$top/scripts/build-san.sh"
  took "the sanitizer build"
  cd "${KRDB_SAN_BUILD_DIR:-$top/build-san}"
  ctest --output-on-failure -j"$(nproc)" "$@"
  took "the suite under ASan+UBSan"
fi
if [ "${KRDB_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== every fuzz target for ${KRDB_FUZZ_SECONDS:-10} s (build-san)"
  KRDB_FUZZ_SEED=${KRDB_FUZZ_SEED:-1} "$top/scripts/fuzz.sh" "${KRDB_FUZZ_SECONDS:-10}"
  took "fuzzing"
fi
