#!/usr/bin/env bash
# Demangler benchmark: whole-process filter throughput on the same large symbol file (the golden
# corpus' mangled names, repeated to COPIES x 252k lines), krdb vs rustfilt, c++filt and
# llvm-cxxfilt-19; wall time (hyperfine, mean of RUNS) and peak RSS (GNU time), as ratios to krdb.
# usage: bench/demangle.sh [COPIES] [RUNS]       (needs a build in build/ and the golden data)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
copies=${1:-4} runs=${2:-5}
krdb=$top/build/cli/krdb
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Real-world names only: the adversarial cases (whose expected output hits a limit) make c++filt
# and llvm-cxxfilt run for minutes; they are timed separately at the end.
xz -dc "$top/tests/data/demangle/golden.tsv.xz" | grep -v 'limit reached}' | cut -f1 > "$work/once.txt"
xz -dc "$top/tests/data/demangle/golden.tsv.xz" | grep 'limit reached}' | cut -f1 > "$work/adversarial.txt"
for _ in $(seq "$copies"); do cat "$work/once.txt"; done > "$work/input.txt"
echo "input: $(wc -l < "$work/input.txt") names, $(du -h "$work/input.txt" | cut -f1)"
declare -A cmd=(
  [krdb]="$krdb demangle --rust-only"
  [rustfilt]="rustfilt"
  [c++filt]="c++filt"
  [llvm-cxxfilt-19]="llvm-cxxfilt-19"
)
order=(krdb rustfilt c++filt llvm-cxxfilt-19)
args=()
for t in "${order[@]}"; do args+=(-n "$t" "${cmd[$t]} < $work/input.txt > /dev/null"); done
hyperfine --warmup 1 --runs "$runs" --export-json "$work/h.json" "${args[@]}" > /dev/null
for t in "${order[@]}"; do
  /usr/bin/time -f "%M" -o "$work/$t.rss" sh -c "${cmd[$t]} < $work/input.txt > /dev/null"
done
python3 - "$work" "${order[@]}" <<'PY'
import json, sys
work, names = sys.argv[1], sys.argv[2:]
res = {r["command"]: r["mean"] for r in json.load(open(f"{work}/h.json"))["results"]}
rss = {n: int(open(f"{work}/{n}.rss").read().split()[-1]) for n in names}
k = res["krdb"]
print(f"{'tool':18} {'mean s':>8} {'time/krdb':>10} {'peak RSS MB':>12} {'RSS/krdb':>9}")
for n in names:
    print(f"{n:18} {res[n]:8.3f} {res[n]/k:10.2f} {rss[n]/1024:12.1f} {rss[n]/rss['krdb']:9.2f}")
PY
echo
echo "adversarial names ($(wc -l < "$work/adversarial.txt"): recursion and backreference bombs), 60 s cap each:"
for t in "${order[@]}"; do
  /usr/bin/time -f "%e s, peak %M KB" -o "$work/adv.time" timeout 60 sh -c "${cmd[$t]} < $work/adversarial.txt > /dev/null" \
    && echo "  $t: $(cat "$work/adv.time")" || echo "  $t: did not finish in 60 s"
done
