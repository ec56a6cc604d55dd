#!/usr/bin/env bash
# Cold-start cost of post-mortem work on the fixture dump, krdb vs drgn (python3-drgn) on the
# same vmlinux + dump: open + dmesg, ps, info (the same facts) and the panicking CPU's full backtrace.
# crash 8.0.2 (Debian) cannot be compared: without --kaslr it exits (KASLR detection fails); with
# --kaslr=auto it loads but does not know 6.12's pcpu_hot (1 task, no panic task; see
# docs/backtrace-comparison.md). drgn 0.0.22 predates 6.12: its trace of the panicking task is one bogus frame (and
# prog.threads() fails: no task_struct.thread_group), so its bt time is a lower bound. Median of RUNS (default 5) wall times and peak RSS; ratios peer/krdb (>1: krdb better).
# usage: bench/dump.sh [RUNS]        (KRDB: the krdb binary, default build/cli/krdb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
krdb=${KRDB:-$top/build/cli/krdb}
data=$top/build/tests/data/kernel-fp
vm=$data/vmlinux core=$data/builtin-kaslr.d31.kdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/dmesg.py" <<'PY'
from drgn.helpers.linux.printk import get_printk_records
for r in get_printk_records(prog): print(r.text.decode(errors="replace"))
PY
cat > "$tmp/ps.py" <<'PY'
from drgn.helpers.linux.pid import for_each_task
for t in for_each_task(prog): print(t.pid.value_(), t.comm.string_().decode(), t.__state.value_())
PY
cat > "$tmp/info.py" <<'PY'
# what `krdb info` prints: release, version, machine, CPUs, panic CPU, taint, uptime, tasks, modules
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.list import list_for_each_entry  # drgn 0.0.22 has no module helpers
u = prog["init_uts_ns"].name
print(u.release.string_().decode(), u.version.string_().decode(), u.machine.string_().decode())
print(prog["nr_cpu_ids"].value_(), prog["panic_cpu"].counter.value_())
print(sum(1 for _ in for_each_task(prog)),
      sum(1 for _ in list_for_each_entry("struct module", prog["modules"].address_of_(), "list")))
PY
cat > "$tmp/bt.py" <<'PY'
from drgn.helpers.linux.percpu import per_cpu
cpu = prog["panic_cpu"].counter.value_()
print(prog.stack_trace(per_cpu(prog["runqueues"], cpu).curr))
PY
measure() {  # label, command...: prints "label median_wall median_rss_mb"
  local label=$1; shift
  for _ in $(seq "$runs"); do /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" > /dev/null 2>&1 || true; cat "$tmp/t"; done |
    sort -n | awk -v l="$label" '{w[NR]=$1; m[NR]=$2} END {print l, w[int((NR+1)/2)], int(m[int((NR+1)/2)]/1024)}'
}
# krdb keeps a name index per vmlinux build-id (include/krdb/dwarf/index_cache.h): "krdb-X" rows
# are later runs (cache warmed once, untimed), "first-X" rows start from an empty cache each run.
export KRDB_CACHE_DIR=$tmp/cache
"$krdb" bt -s "$vm" -c "$core" > /dev/null 2>&1 || true
first() { echo "rm -rf $tmp/cold; KRDB_CACHE_DIR=$tmp/cold exec $*"; }
{
  for job in dmesg ps info bt; do
    measure "krdb-$job" "$krdb" "$job" -s "$vm" -c "$core"
    measure "first-$job" sh -c "$(first "$krdb" "$job" -s "$vm" -c "$core")"
    measure "drgn-$job" drgn -q -c "$core" -s "$vm" "$tmp/$job.py"
  done
} > "$tmp/res"
awk 'BEGIN {printf "%-16s %8s %8s %10s %10s\n", "task", "wall s", "RSS MB", "wall ratio", "RSS ratio"}
     {w[$1]=$2; m[$1]=$3; order[NR]=$1}
     END {for (i = 1; i <= NR; i++) { k = order[i]; base = k; sub(/^(drgn|first)/, "krdb", base);
          printf "%-16s %8.2f %8d %10.2f %10.2f\n", k, w[k], m[k], w[k]/w[base], m[k]/m[base] }}' "$tmp/res"
echo "(ratios against the krdb-X row of the same job: drgn-X/krdb-X > 1 means krdb is faster; first-X/krdb-X is"
echo " what the name-index cache saves)"
