#!/usr/bin/env bash
# Regenerates tests/data/demangle/golden.tsv.xz: every Rust symbol we can gather on this machine,
# with rustfilt's output (the oracle: Debian's rustfilt 0.2.1 = rustc-demangle 0.1.21) in its
# filter mode (full form) and with --hash (verbose form). One line per case:
#   MANGLED <TAB> FULL <TAB> VERBOSE
# Sources: the Rust toolchains' libraries (rustup's if present, Debian's rustc-web), the kernel
# fixture's vmlinux and .ko, the zoo program (zoo.rs, built v0 and legacy), the hand-written
# edge-cases.txt, generated adversarial names (deep nesting, backreference bombs) and every
# prefix of a sample of real symbols (truncation at every byte).
# usage: scripts/gen-demangle-golden.sh [VMLINUX KO]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/tests/data/demangle
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
syms() { nm "$@" 2>/dev/null | awk '{print $NF}' | grep -E '^(_R|_ZN)' || true; }
{
  for f in "$HOME"/.rustup/toolchains/*/lib/*.so "$HOME"/.rustup/toolchains/*/lib/rustlib/*/lib/*.{so,rlib} \
           /usr/lib/x86_64-linux-gnu/librustc_driver-*.so /usr/lib/rustlib/*/lib/*.rlib; do
    [ -f "$f" ] && syms "$f"
  done
  vmlinux=${1:-$top/build/tests/data/kernel-fp/vmlinux}; ko=${2:-$top/build/tests/data/kernel-fp/rust_crashme_ko.ko}
  for f in "$vmlinux" "$ko"; do [ -f "$f" ] && syms "$f"; done
  for rustc in "$HOME"/.rustup/toolchains/nightly-*/bin/rustc; do
    [ -x "$rustc" ] || continue
    "$rustc" -C opt-level=0 -C link-dead-code -C symbol-mangling-version=v0 -o "$tmp/zoo-v0" "$dir/zoo.rs"
    "$rustc" -C opt-level=0 -C link-dead-code -C symbol-mangling-version=legacy -Zunstable-options -o "$tmp/zoo-legacy" "$dir/zoo.rs"
    syms "$tmp/zoo-v0" "$tmp/zoo-legacy"
  done
} | sort -u > "$tmp/real.txt"
python3 - "$tmp/real.txt" "$dir/edge-cases.txt" > "$tmp/cases.txt" <<'PY'
import random, sys
real = open(sys.argv[1]).read().split()
cases = list(real) + open(sys.argv[2]).read().split()
def b62(v):  # <base-62-number> for value v
    if v == 0: return "_"
    v -= 1; d = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"; s = ""
    while True:
        s = d[v % 62] + s; v //= 62
        if v == 0: break
    return s + "_"
# Deep nesting: &&&…u8 past the depth limit, and just under it.
for n in (200, 240, 249, 250, 251, 499, 500, 501, 1000):
    cases.append("_RINvC3foo3bar" + "R" * n + "hE")
# Backreference bombs: each tuple holds two backrefs to the previous one (2^levels output).
for levels in (8, 16, 40):
    inner = "INvC1a1b"; args = ["ThhE"]; pos = [len(inner)]
    cur = len(inner) + len(args[0])
    for _ in range(levels):
        a = "T" + "B" + b62(pos[-1]) + "B" + b62(pos[-1]) + "E"
        pos.append(cur); args.append(a); cur += len(a)
    cases.append("_R" + inner + "".join(args) + "E")
# Truncation at every byte of a sample of real names (deterministic sample).
rng = random.Random(1234)
sample = rng.sample(sorted(set(real)), min(300, len(set(real))))
for s in sample:
    cases.extend(s[:i] for i in range(1, len(s)))
seen = set()
for c in cases:
    if c not in seen and "\t" not in c:
        seen.add(c); print(c)
PY
rustfilt < "$tmp/cases.txt" > "$tmp/full.txt"
rustfilt --hash < "$tmp/cases.txt" > "$tmp/verbose.txt"
paste "$tmp/cases.txt" "$tmp/full.txt" "$tmp/verbose.txt" | xz -9 -T2 > "$dir/golden.tsv.xz"
echo "golden.tsv.xz: $(wc -l < "$tmp/cases.txt") cases, $(stat -c %s "$dir/golden.tsv.xz") bytes"
