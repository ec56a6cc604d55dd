#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, runs the whole suite.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
"$top/scripts/build.sh"
cd "${KRDB_BUILD_DIR:-$top/build}"
ctest --output-on-failure -j"$(nproc)" "$@"
