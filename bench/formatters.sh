#!/usr/bin/env bash
# The formatter layer on a KVec of 100,000 elements and a List of 10,000 entries (time and peak
# memory), with and without the formatters, and against rustc's own LLDB formatters:
# 1. LLDB on the formatter sample's dump (`krdb core open` of values-kaslr.d17.kdump, whose
#    rust_values.ko really holds them) — bench/formatters.py dump mode;
# 2. LLDB on the live FP kit kernel (QEMU, paused at the sample's C callback, the values written
#    into its RAM) — bench/formatters.py live mode;
# 3. the CLI, `krdb print` of the same two values on the dump (default caps, and every element),
#    median of RUNS wall times and peak RSS.
# usage: bench/formatters.sh [RUNS]      (KRDB_BUILD_DIR: the build dir, default build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-3}
build=${KRDB_BUILD_DIR:-$here/../build}
k=$build/tests/data/kernel-fp
rustc_etc=$(rustc --print sysroot 2>/dev/null)/lib/rustlib/etc
echo "rustc formatters: $(rustc --version) ($rustc_etc)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null || true' EXIT

echo "== LLDB, formatter sample's dump (real values)"
/usr/bin/python3 "$here/formatters.py" "$(lldb-19 -P)" "$build/plugin/libkrdb-lldb.so" "$k/vmlinux" \
  "$k/values-kaslr.d17.kdump" "$rustc_etc" "$k/rust_values.ko"

echo "== LLDB, live kernel (values written into the paused guest)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 -kernel "$k/bzImage" \
  -initrd "$k/initramfs.cpio.gz" -append "console=ttyS0 panic=0 oops=panic nokaslr rust_crashme=1" \
  -display none -monitor none -serial null -no-reboot -gdb "tcp:127.0.0.1:$port" -S &
qpid=$!
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
/usr/bin/python3 "$here/formatters.py" "$(lldb-19 -P)" "$build/plugin/libkrdb-lldb.so" "$k/vmlinux" "$port" "$rustc_etc"

echo "== CLI, krdb print on the dump (median of $runs; the name index cached)"
measure() {  # label, command...: prints "label median_wall median_rss_mb"
  local label=$1; shift
  for _ in $(seq "$runs"); do /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" > "$tmp/out" 2>&1 || true; cat "$tmp/t"; done |
    sort -n | awk -v l="$label" '{w[NR]=$1; m[NR]=$2} END {printf "%-44s %6.2f s %6d MB\n", l, w[int((NR+1)/2)], int(m[int((NR+1)/2)]/1024)}'
}
print=("$build/cli/krdb" print --vmlinux "$k/vmlinux" --core "$k/values-kaslr.d17.kdump" --module "$k/rust_values.ko" --no-system-modules)
"${print[@]}" 'rust_values::VALUES' > /dev/null  # warm the caches
measure "krdb print KVec 100k (32 shown)" "${print[@]}" 'rust_values::VALUES->big'
measure "krdb print KVec 100k (all 100,000)" "${print[@]}" --max-children 100000 'rust_values::VALUES->big'
measure "krdb print List 10k (32 shown)" "${print[@]}" 'rust_values::VALUES->entries'
measure "krdb print List 10k (all 10,000)" "${print[@]}" --max-children 10000 'rust_values::VALUES->entries'
measure "krdb print a global (open + one value)" "${print[@]}" 'rust_values::VALUES->name'
