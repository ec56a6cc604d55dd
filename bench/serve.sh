#!/usr/bin/env bash
# A dump in a debugger: (1) cold start to the first full backtrace of the faulting context —
# `lldb-19` + `krdb core open` + LLDB's own `bt` of the exception thread, next to `krdb bt` (CLI)
# and to gdb 13 on `krdb serve`; (2) memory read throughput through the gdb-remote server (LLDB
# `memory read` of 4 MiB of the kernel image) vs drgn 0.0.22 reading the same bytes from
# the dump itself. Median of RUNS (default 3) wall times and peak RSS; ratios against krdb's CLI.
# "-first" rows start from an empty name-index cache (a vmlinux seen for the first time); the
# drgn-bt row is drgn's own crashed-thread trace on the same dump (a lower bound: on this dump it
# picks another CPU, see docs/backtrace-comparison.md).
# Stock LLDB has no row: it cannot open a kernel dump at all (ProcessElfCore needs virtual PT_LOADs).
# (3) with --many DIR (the ORC kit's work dir holding out-orc/dumps/many-tasks.d17.kdump, made by
# its boot_many stage: 1000 sleeping tasks): `krdb core open` + `thread list` of every thread.
# usage: bench/serve.sh [RUNS] [--many KRDB_FIXTURE_WORK]     (KRDB: the build dir, default build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
many=; [ "${2:-}" = --many ] && many=${3:?--many needs the kit work dir}
b=${KRDB:-$top/build}
data=$b/tests/data/kernel-fp
vm=$data/vmlinux core=$data/builtin-kaslr.d31.kdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true' EXIT
measure() {  # label, command...: prints "label median_wall median_rss_mb"
  local label=$1; shift
  for _ in $(seq "$runs"); do /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" > "$tmp/out" 2>&1 || true; cat "$tmp/t"; done |
    sort -n | awk -v l="$label" '{w[NR]=$1; m[NR]=$2} END {print l, w[int((NR+1)/2)], int(m[int((NR+1)/2)]/1024)}'
}
# 4 MiB of the kernel image from _stext (text and rodata: in every dump, whatever its level).
kaslr=$("$b/cli/krdb" info -s "$vm" -c "$core" | awk '/^KASLR/ {print $3}')
stext=$(nm "$vm" | awk '$3 == "_stext" {print "0x" $1}')
start=$(printf '0x%x' $(( stext + kaslr )))
cat > "$tmp/core.lldb" <<L
plugin load $b/plugin/libkrdb-lldb.so
target create $vm
krdb core open $core
thread select 3
bt
L
cat > "$tmp/read.lldb" <<L
plugin load $b/plugin/libkrdb-lldb.so
target create $vm
krdb core open $core
memory read --force --binary --outfile $tmp/mem.bin --count 0x400000 $start
L
cat > "$tmp/bt.py" <<PY
print(prog.crashed_thread().stack_trace())
PY
cat > "$tmp/read.py" <<PY
data = prog.read($start, 0x400000)
open("$tmp/mem.drgn", "wb").write(data)
PY
{
  measure krdb-bt "$b/cli/krdb" bt -s "$vm" -c "$core"
  measure krdb-bt-first sh -c "rm -rf $tmp/cold; KRDB_CACHE_DIR=$tmp/cold exec $b/cli/krdb bt -s $vm -c $core"
  measure lldb-core-open+bt lldb-19 -x -b -s "$tmp/core.lldb"
  measure lldb-core-open+bt-first sh -c "rm -rf $tmp/cold; KRDB_CACHE_DIR=$tmp/cold exec lldb-19 -x -b -s $tmp/core.lldb"
  measure drgn-bt drgn -q -c "$core" -s "$vm" "$tmp/bt.py"
  "$b/cli/krdb" serve -s "$vm" -c "$core" > "$tmp/serve.out" 2>/dev/null & srv=$!
  sleep 2; port=$(sed -n 's/.* on 127.0.0.1:\([0-9]*\) .*/\1/p' "$tmp/serve.out")
  measure gdb-on-serve+bt gdb -nx -batch -ex "target remote 127.0.0.1:$port" -ex "thread 3" -ex bt
  kill $srv; wait $srv 2>/dev/null || true; srv=
  measure lldb-read-4MiB lldb-19 -x -b -s "$tmp/read.lldb"
  measure drgn-read-4MiB drgn -q -c "$core" -s "$vm" "$tmp/read.py"
  if [ -n "$many" ]; then
    mvm=$many/out-orc/vmlinux mcore=$many/out-orc/dumps/many-tasks.d17.kdump
    printf 'plugin load %s\ntarget create %s\nkrdb core open %s\nthread list\n' \
      "$b/plugin/libkrdb-lldb.so" "$mvm" "$mcore" > "$tmp/many.lldb"
    measure lldb-many-thread-list lldb-19 -x -b -s "$tmp/many.lldb"
    measure krdb-bt-many "$b/cli/krdb" bt -s "$mvm" -c "$mcore"
    lldb-19 -x -b -s "$tmp/many.lldb" 2>&1 | grep -c "tid = " > "$tmp/many.threads" || true
  fi
} > "$tmp/res"
cmp -s "$tmp/mem.bin" "$tmp/mem.drgn" && same=yes || same=NO
awk 'BEGIN {printf "%-20s %8s %8s %10s %10s\n", "task", "wall s", "RSS MB", "wall ratio", "RSS ratio"}
     {w[$1]=$2; m[$1]=$3; order[NR]=$1}
     END {for (i = 1; i <= NR; i++) { k = order[i]; base = (k ~ /many/) ? "krdb-bt-many" : (k ~ /-read-/) ? "drgn-read-4MiB" : "krdb-bt";
          printf "%-20s %8.2f %8d %10.2f %10.2f\n", k, w[k], m[k], w[k]/w[base], m[k]/m[base] }}' "$tmp/res"
echo "bytes read through krdb serve equal drgn's from the dump: $same (4 MiB from $start)"
[ -n "$many" ] && echo "threads listed by LLDB on the many-task dump: $(cat "$tmp/many.threads")"
echo "(each row is a cold start: process launch, vmlinux DWARF, dump open; lldb rows include the plugin load)"
