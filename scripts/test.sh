#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, runs the whole suite;
# then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/, the core,
# CLI and tests instrumented; the LLDB sessions need an uninstrumented plugin, so they run in the
# first pass only). KRDB_SKIP_SANITIZE=1 skips the second pass (a quick local run).
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
