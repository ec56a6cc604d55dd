#!/usr/bin/env bash
# Triage cost on the ORC kit's crashes: `krdb triage` per console log (text only; with the vmlinux
# and the module's .ko, later run and first run of the vmlinux), per dump, and logs per minute in
# batch mode (a directory of LOGS logs, one process, one DWARF load), beside the kernel's own
# scripts/decode_stacktrace.sh (6.12, from Debian's linux-source-6.12, fetched once into the
# bench cache: only the script is kept) symbolizing the same log with the same vmlinux and module
# directory. Median of RUNS wall times; ratios peer/krdb (>1: krdb faster).
# decode_stacktrace.sh only symbolizes frames (addr2line per frame); krdb also finds the reports,
# the guilty frame, the title and the signature — the ratios compare the symbolizing work a CI job
# would otherwise pay for.
# usage: bench/triage.sh [RUNS] [LOGS]     (KRDB: the krdb binary, default build/cli/krdb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5} logs=${2:-200}
krdb=${KRDB:-$top/build/cli/krdb}
data=$top/build/tests/data/kernel-orc
vm=$data/vmlinux ko=$data/rust_crashme_ko.ko log=$data/serial-module-kaslr.log dump=$data/module-kaslr.d31.kdump
cache=${KRDB_BENCH_CACHE:-$HOME/.cache/krdb-bench}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

dst=$cache/linux-source/linux-source-6.12/scripts/decode_stacktrace.sh
if [ ! -x "$dst" ]; then
  echo "fetching linux-source-6.12 (~150 MB) for scripts/decode_stacktrace.sh ..." >&2
  mkdir -p "$cache/linux-source"
  (cd "$cache/linux-source" && apt-get download -q linux-source-6.12 >&2 &&
   dpkg-deb --fsys-tarfile linux-source-6.12_*.deb | tar -x --wildcards './usr/src/linux-source-6.12.tar.xz' &&
   tar -xJf usr/src/linux-source-6.12.tar.xz linux-source-6.12/scripts/decode_stacktrace.sh &&
   rm -rf usr linux-source-6.12_*.deb)
fi
mkdir -p "$tmp/mods" && cp "$ko" "$tmp/mods/"

measure() {  # label, command (sh -c): "label median_wall" (microsecond clock: some runs take ms)
  local label=$1 t0 t1; shift
  for _ in $(seq "$runs"); do
    t0=$EPOCHREALTIME; sh -c "$1" > /dev/null 2>&1 || true; t1=$EPOCHREALTIME
    echo "$t1 - $t0" | bc -l
  done | sort -n | awk -v l="$label" '{w[NR]=$1} END {print l, w[int((NR+1)/2)]}'
}
export KRDB_CACHE_DIR=$tmp/cache
"$krdb" triage --log "$log" -s "$vm" > /dev/null || true   # warm the name-index cache (untimed)
for i in $(seq "$logs"); do cp "$log" "$tmp/logs-$((i % 3))-$i.log" 2>/dev/null || { mkdir -p "$tmp/logs"; }; done
mkdir -p "$tmp/batch"; mv "$tmp"/logs-*.log "$tmp/batch/"
{
  measure krdb-text "$krdb triage --log $log"
  measure krdb-symbolized "$krdb triage --log $log -s $vm --module $ko"
  measure krdb-symbolized-first "rm -rf $tmp/cold; KRDB_CACHE_DIR=$tmp/cold $krdb triage --log $log -s $vm --module $ko"
  measure decode_stacktrace.sh "$dst $vm $tmp $tmp/mods < $log"
  measure krdb-dump "$krdb triage --core $dump -s $vm --module $ko"
  measure krdb-batch "$krdb triage --log $tmp/batch -s $vm --module $ko --format json"
} > "$tmp/res"
awk -v n="$logs" 'BEGIN {printf "%-24s %8s %10s\n", "task", "wall s", "ratio"}
     {w[$1]=$2; order[NR]=$1}
     END {for (i = 1; i <= NR; i++) { k = order[i]; base = (k ~ /^decode/) ? "krdb-symbolized" : k;
          printf "%-24s %8.4f %10.2f\n", k, w[k], w[k]/w[base] }
          printf "batch: %d logs in %.2f s = %.0f logs/min (krdb, one process); decode_stacktrace.sh: %.0f logs/min\n",
                 n, w["krdb-batch"], 60*n/w["krdb-batch"], 60/w["decode_stacktrace.sh"] }' "$tmp/res"
echo "(krdb-symbolized and decode_stacktrace.sh symbolize the same 23 frames of the same log with the same"
echo " vmlinux and .ko; ratio of decode_stacktrace.sh is against krdb-symbolized)"
