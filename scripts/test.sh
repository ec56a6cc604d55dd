#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, runs the whole suite;
# then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/, the core,
# CLI and tests instrumented; the LLDB sessions need an uninstrumented plugin, so they run in the
# first pass only); then every libFuzzer target for KRDB_FUZZ_SECONDS (default 10) each, seeded
# from the committed corpora (scripts/fuzz.sh, clang-19, build-fuzz/). KRDB_SKIP_SANITIZE=1 and
# KRDB_SKIP_FUZZ=1 skip those passes (a quick local run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
"$top/scripts/build.sh"
cd "${KRDB_BUILD_DIR:-$top/build}"
ctest --output-on-failure -j"$(nproc)" "$@"
if [ "${KRDB_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== the suite under ASan+UBSan (build-asan)"
  KRDB_BUILD_DIR="$top/build-asan" "$top/scripts/build.sh" -DKRDB_SANITIZE=address,undefined
  cd "$top/build-asan"
  ctest --output-on-failure -j"$(nproc)" -LE lldb "$@"
fi
if [ "${KRDB_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== every fuzz target for ${KRDB_FUZZ_SECONDS:-10} s (build-fuzz)"
  KRDB_FUZZ_SEED=${KRDB_FUZZ_SEED:-1} "$top/scripts/fuzz.sh" "${KRDB_FUZZ_SECONDS:-10}"
fi
