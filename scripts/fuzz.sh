#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-19 (ASan+UBSan) into build-fuzz/ and runs each for
# SECONDS (default 60), seeded from the committed corpora.
# usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
b=$top/build-fuzz
CC=clang-19 CXX=clang++-19 cmake -S "$top" -B "$b" -DKRDB_BUILD_FUZZERS=ON -DKRDB_BUILD_PLUGIN=OFF \
  -DKRDB_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$b.configure.log" 2>&1 || { cat "$b.configure.log"; exit 1; }
cmake --build "$b" -j"$(nproc)" --target fuzz_demangle
seeds=$b/seeds/demangle; mkdir -p "$seeds"
if [ ! -f "$seeds/.done" ]; then
  # One seed file per line of the golden corpus' edge cases and a sample of real names.
  i=0
  { cat "$top/tests/data/demangle/edge-cases.txt"; xz -dc "$top/tests/data/demangle/golden.tsv.xz" | cut -f1 | awk 'NR % 500 == 0'; } |
    while IFS= read -r s; do printf '%s' "$s" > "$seeds/s$((i++))"; done
  touch "$seeds/.done"
fi
mkdir -p "$b/corpus/demangle" "$b/artifacts"
"$b/fuzz/fuzz_demangle" -artifact_prefix="$b/artifacts/" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$b/corpus/demangle" "$seeds"
