#!/usr/bin/env bash
# Runs every benchmark in bench/ (krdb side by side with its peers on the same inputs, as ratios).
# Benchmarks are measurements, not tests: run them on an otherwise idle machine.
#   bench/demangle.sh  — filter throughput and peak RSS vs rustfilt, c++filt, llvm-cxxfilt-19
# (the symbolizer, dump and backtrace benchmarks join here with their issues)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/*.sh; do
  [ "$(basename "$b")" = run.sh ] && continue
  echo "== $(basename "$b")"
  "$b"
done
