#!/usr/bin/env bash
# Configures and builds krdb into build/ (or $KRDB_BUILD_DIR). Extra arguments go to cmake,
# e.g. scripts/build.sh -DKRDB_SANITIZE=address,undefined
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KRDB_BUILD_DIR:-$top/build}
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
[ -f "$build/CMakeCache.txt" ] && gen=()
cmake -S "$top" -B "$build" "${gen[@]}" ${KRDB_CMAKE_ARGS:-} "$@" > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)"
