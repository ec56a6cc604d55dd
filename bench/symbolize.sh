#!/usr/bin/env bash
# Symbolizer benchmark: whole-process time and peak RSS to answer N (10,000) address look-ups
# (function, inlined frames, file:line) on a vmlinux, krdb vs llvm-symbolizer-19, addr2line and
# lldb-19; wall time, CPU time (user+sys, steadier than wall on a busy machine) and peak RSS (GNU
# time) are each the median of RUNS runs, shown as ratios to krdb.
#   krdb symbolize -e F --format addr2line  |  llvm-symbolizer-19 -e F  |  addr2line -f -i -C -e F
#   (addresses on stdin)  |  lldb-19 -b -s CMDS  (target create F, then `image lookup -v -a A` each)
# The addresses are pseudo-random (fixed seed) inside the executable PROGBITS sections, the same
# list for every tool, cached per input. Inputs: the fixture vmlinux (tests/data/kernel-fp), and a
# distro-size one: the newest Debian linux-image-6.12.*-amd64-dbg, fetched on first use with
# `apt-get download` (~1 GB) and only its vmlinux kept in the cache (~350 MB).
# Also checks krdb's answers against addr2line: the whole output of the timed run, then the first
# 20 addresses one by one (a disagreement is printed with its address, and whether krdb then agrees
# with llvm-symbolizer-19). krdb prints no "(discriminator N)": the checks ignore it.
# usage: bench/symbolize.sh [--fixture-only] [N] [RUNS]
#   env: KRDB (default build/cli/krdb), KRDB_BENCH_CACHE (default ~/.cache/krdb-bench),
#        LLDB_MAX (default N; if lldb is too slow, it answers this many and its time is scaled)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
fixture_only=0
[ "${1:-}" = --fixture-only ] && { fixture_only=1; shift; }
n=${1:-10000} runs=${2:-3} lldb_max=${LLDB_MAX:-$n}
krdb=${KRDB:-$top/build/cli/krdb}
cache=${KRDB_BENCH_CACHE:-$HOME/.cache/krdb-bench}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

# Prints the path of the Debian vmlinux (fetching it if needed), or nothing with a reason on stderr.
debian_vmlinux() {
  local d=$cache/debian pkg deb v
  pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-dbg$' 2>/dev/null \
        | awk '{print $1}' | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "no linux-image-6.12.*-amd64-dbg in apt's lists (apt-get update?)" >&2; return; }
  mkdir -p "$d"
  v=$(ls "$d/${pkg}_"*_amd64/usr/lib/debug/boot/vmlinux-* 2>/dev/null | head -1 || true)
  if [ -z "$v" ]; then
    echo "fetching $pkg (~1 GB) into $d ..." >&2
    (cd "$d" && apt-get download -q "$pkg" >&2) || { echo "apt-get download $pkg failed" >&2; return; }
    deb=$(ls "$d/${pkg}_"*.deb | head -1)
    rm -rf "${deb%.deb}.tmp"; mkdir -p "${deb%.deb}.tmp"   # only the vmlinux is kept (~350 MB)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "${deb%.deb}.tmp" --wildcards './usr/lib/debug/boot/vmlinux-*' \
      && mv "${deb%.deb}.tmp" "${deb%.deb}" || echo "could not unpack $deb" >&2
    rm -f "$deb"
    v=$(ls "$d/${pkg}_"*_amd64/usr/lib/debug/boot/vmlinux-* 2>/dev/null | head -1 || true)
    [ -n "$v" ] || { echo "no vmlinux in $pkg" >&2; return; }
  fi
  echo "   package: $(basename "${v%/usr/lib/debug/boot/*}")" >&2
  echo "$v"
}

# Writes N addresses for $1 into $2 (unless cached) and prints what the file holds.
gen_addrs() {
  python3 - "$1" "$n" "$2" <<'PY'
import os, random, struct, subprocess, sys
f, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
exe, info = [], None
for line in subprocess.run(["readelf", "-SW", f], capture_output=True, text=True).stdout.splitlines():
    p = line.split("]", 1)[-1].split()
    if len(p) >= 7 and p[1] == "PROGBITS":
        if "X" in p[6]: exe.append((int(p[2], 16), int(p[4], 16)))
        if p[0] == ".debug_info": info = (int(p[3], 16), int(p[4], 16))
cus, o = 0, 0
with open(f, "rb") as fh:
    while info and o < info[1]:
        fh.seek(info[0] + o); ln = struct.unpack("<I", fh.read(4))[0]
        o += 12 + struct.unpack("<Q", fh.read(8))[0] if ln == 0xffffffff else 4 + ln; cus += 1
print(f"{os.path.getsize(f) >> 20} MB, {cus} CUs, .debug_info {info[1] >> 20 if info else 0} MB, "
      f"{sum(s for _, s in exe) >> 10} KB of executable PROGBITS in {len(exe)} sections")
if not os.path.exists(out):
    rng, total = random.Random(20240601), sum(s for _, s in exe)
    with open(out + ".tmp", "w") as w:
        for _ in range(n):
            r = rng.randrange(total)
            for a, s in exe:
                if r < s: w.write(f"0x{a + r:x}\n"); break
                r -= s
    os.replace(out + ".tmp", out)
PY
}

# Runs "$2" (stdin $3, stdout $work/$1.out) RUNS times; prints "wall-s KB user-s sys-s" per run.
measure() {
  local i
  for i in $(seq "$runs"); do
    /usr/bin/time -f '%e %M %U %S' -o "$work/t" sh -c "$2 < $3 > $work/$1.out 2>$work/$1.err" || echo $? > "$work/$1.rc"
    tail -1 "$work/t"
  done
}

bench() {  # $1 = label, $2 = vmlinux
  local f=$2 a key t tools=(krdb krdb-first llvm-symbolizer-19 addr2line lldb-19)
  key=$(basename "$f")-$(stat -c %s "$f")-$n
  a=$cache/addrs/$key.txt; mkdir -p "$cache/addrs"
  rm -f "$work"/*.rc
  echo "-- $1: $f"
  echo "   $(gen_addrs "$f" "$a")"
  head -n "$lldb_max" "$a" | sed 's/^/image lookup -v -a /' | { echo "target create $f"; cat; } > "$work/lldb.cmd"
  declare -A cmd=(
    [krdb]="$krdb symbolize -e $f --format addr2line"
    [krdb-first]="{ d=\$(mktemp -d); KRDB_CACHE_DIR=\$d $krdb symbolize -e $f --format addr2line; r=\$?; rm -rf \$d; exit \$r; }"
    [llvm-symbolizer-19]="llvm-symbolizer-19 -e $f"
    [addr2line]="addr2line -f -i -C -e $f"
    [lldb-19]="lldb-19 -b -s $work/lldb.cmd"
  )
  # "krdb": later runs (krdb's unit-table cache for this vmlinux warmed once, untimed);
  # "krdb-first": each run from an empty cache directory.
  $krdb symbolize -e "$f" --format addr2line < "$a" > /dev/null 2>&1 || true
  for t in "${tools[@]}"; do
    if [ "$t" = lldb-19 ]; then measure "$t" "${cmd[$t]}" /dev/null; else measure "$t" "${cmd[$t]}" "$a"; fi > "$work/$t.res"
  done
  local m=$(( lldb_max < n ? lldb_max : n ))
  python3 - "$work" "$n" "$m" "${tools[@]}" <<'PY'
import sys
work, n, m, names = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
med = lambda v: sorted(v)[len(v) // 2]
runs = {t: [list(map(float, l.split())) for l in open(f"{work}/{t}.res")] for t in names}
res = {t: [med([r[0] for r in v]), med([r[2] + r[3] for r in v]), med([r[1] for r in v])]
       for t, v in runs.items()}
if n != m: res["lldb-19"][:2] = [x * n / m for x in res["lldb-19"][:2]]
k = res["krdb"]
print(f"   {'tool':19} {'wall s':>7} {'wall/krdb':>9} {'cpu s':>7} {'cpu/krdb':>8} {'peak RSS MB':>11} {'RSS/krdb':>8}")
for t in names:
    w, c, r = res[t]
    note = f"  ({m} look-ups, times x{n / m:g}; RSS as measured)" if t == "lldb-19" and n != m else ""
    print(f"   {t:19} {w:7.2f} {w / k[0]:9.2f} {c:7.2f} {c / k[1]:8.2f} {r / 1024:11.1f} {r / k[2]:8.2f}{note}")
PY
  for t in "${tools[@]}"; do
    [ -s "$work/$t.rc" ] && echo "   $t exited with status $(cat "$work/$t.rc")$(head -c 200 "$work/$t.err")" \
      "$(case "$t $(cat "$work/$t.rc")" in "krdb 1"|"krdb-first 1") echo "(by design: some address resolved to nothing)";; esac)"
  done
  local nodisc='s/ (discriminator [0-9]*)$//'
  echo "   addr2line lines with a discriminator: $(grep -c ' (discriminator' "$work/addr2line.out" || true)"
  sed "$nodisc" "$work/addr2line.out" > "$work/a2l.out"
  if cmp -s "$work/krdb.out" "$work/a2l.out"; then echo "   krdb output == addr2line output on all $n"
  else echo "   krdb vs addr2line, whole output: $(diff "$work/krdb.out" "$work/a2l.out" | grep -c '^[<>]')" \
            "differing lines ($(wc -l < "$work/krdb.out") vs $(wc -l < "$work/a2l.out") lines)"; fi
  local bad=0 agree
  for t in $(head -20 "$a"); do
    if ! diff <($krdb symbolize -e "$f" --format addr2line "$t" 2>&1) <(addr2line -f -i -C -e "$f" "$t" | sed "$nodisc") > "$work/d"; then
      agree=""; llvm-symbolizer-19 -e "$f" "$t" | sed -E '/^$/d; s/:([0-9]+):[0-9]+$/:\1/; s/:0$/:?/' > "$work/l"
      cmp -s "$work/l" <($krdb symbolize -e "$f" --format addr2line "$t" 2>&1) && agree=" krdb == llvm-symbolizer-19"
      bad=$((bad + 1)); echo "   disagree at $t (< krdb, > addr2line)${agree:-}:"; sed 's/^/     /' "$work/d"
    fi
  done
  echo "   spot check, first 20 addresses one by one: $((20 - bad)) agree with addr2line"
}

echo "N=$n look-ups, median of $runs runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); numbers are noisy on a busy machine"
bench fixture "$top/build/tests/data/kernel-fp/vmlinux"
if [ "$fixture_only" = 0 ]; then
  v=$(debian_vmlinux || true)
  if [ -n "$v" ]; then bench debian "$v"
  else echo "-- debian: cannot get the Debian vmlinux (see above), benched the fixture only"; fi
fi
