#!/usr/bin/env bash
# Runs every benchmark in bench/ (krdb side by side with its peers on the same inputs, as ratios).
# Benchmarks are measurements, not tests: run them on an otherwise idle machine.
#   bench/demangle.sh  — filter throughput and peak RSS vs rustfilt, c++filt, llvm-cxxfilt-19
#   bench/symbolize.sh — 10k address look-ups vs llvm-symbolizer-19, addr2line, lldb-19, on the
#                        fixture and a Debian vmlinux (~1 GB download on first run; --fixture-only)
#   bench/dump.sh      — open + dmesg, ps, info, and the panic backtrace, vs drgn on the fixture dump
#   bench/serve.sh     — krdb core open → LLDB's first full bt, GDB on krdb serve, memory reads
#                        through the server vs drgn reading the dump
#   bench/bt_peers.sh  — cold start to the first full trace vs drgn, gdb, lldb, crash
#   bench/triage.sh    — krdb triage per log / per dump / batch vs decode_stacktrace.sh
#   bench/formatters.sh — a 100k-element KVVec and a 10k-entry List in LLDB's variable view (live
#                        QEMU): krdb's category vs stock LLDB vs rustc's formatters
# bt_peers.sh and dump.sh print first-run (empty name-index cache) and later-run rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/*.sh; do
  [ "$(basename "$b")" = run.sh ] && continue
  echo "== $(basename "$b")"
  "$b"
done
