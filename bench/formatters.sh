#!/usr/bin/env bash
# The formatter layer on a KVVec of 100,000 elements and a List of 10,000 entries, in LLDB on the
# live FP kit kernel (QEMU, paused at the sample's C callback): krdb's category vs stock LLDB vs
# rustc 1.95's formatters, time and peak memory per value (bench/formatters.py does the work).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${KRDB_BUILD_DIR:-$here/../build}
k=$build/tests/data/kernel-fp
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 -kernel "$k/bzImage" \
  -initrd "$k/initramfs.cpio.gz" -append "console=ttyS0 panic=0 oops=panic nokaslr rust_crashme=1" \
  -display none -monitor none -serial null -no-reboot -gdb "tcp:127.0.0.1:$port" -S &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
rustc_etc=$(rustc --print sysroot 2>/dev/null)/lib/rustlib/etc
/usr/bin/python3 "$here/formatters.py" "$(lldb-19 -P)" "$build/plugin/libkrdb-lldb.so" "$k/vmlinux" "$port" "$rustc_etc"
