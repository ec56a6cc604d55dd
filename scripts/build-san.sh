#!/usr/bin/env bash
# Configures and builds the sanitizer tree, build-san/ (or $KRDB_SAN_BUILD_DIR): clang-19 with
# ASan+UBSan everywhere and libFuzzer's coverage instrumentation, so one build serves both the
# suite under sanitizers (tests, CLI, and the plugin, which lldb loads with clang's ASan runtime
# preloaded) and the fuzz targets. -O1 and line tables only: what ASan recommends, enough for its
# reports, and a fifth quicker to compile than -O2 -g. Extra arguments are build targets (default: all).
# usage: scripts/build-san.sh [TARGET...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
b=${KRDB_SAN_BUILD_DIR:-$top/build-san}
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
[ -f "$b/CMakeCache.txt" ] && gen=()
CC=clang-19 CXX=clang++-19 cmake -S "$top" -B "$b" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DKRDB_SANITIZE=address,undefined -DKRDB_BUILD_FUZZERS=ON > "$b.configure.log" 2>&1 ||
  { cat "$b.configure.log"; exit 1; }
cmake --build "$b" -j"$(nproc)" ${1:+$(printf -- '--target %s ' "$@")}
