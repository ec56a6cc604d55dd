#!/usr/bin/env bash
# Runs one LLDB session test: TEST.lldb holds lldb commands and FileCheck directives
# (`# CHECK: …`, which lldb skips as comments). @PLUGIN@, @DATA@ and @FIXTURES@ in the commands
# are replaced by the plugin's path, the unpacked test-data folder and the built user-space
# fixtures. `# REQUIRES: NAME` makes CTest build fixture NAME first. lldb's output must match.
# usage: run.sh TEST.lldb LLDB FILECHECK PLUGIN DATA_DIR FIXTURES_DIR
set -euo pipefail
test=$1 lldb=$2 filecheck=$3 plugin=$4 data=$5 fixtures=$6
cmds=$(mktemp); out=$(mktemp); qpid=
cleanup() { rm -f "$cmds" "$out"; if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; fi; }
expect_fail=0; grep -q "^# CHECK: error:" "$test" && expect_fail=1
trap cleanup EXIT
# `# QEMU: KERNEL-ARGS` boots the kernel fixture (tests/data/kernel-fp, or the kit `# KIT: NAME`
# names) paused, with its gdbstub on a free loopback port substituted for @GDB_PORT@; QEMU is
# killed when the test ends. `# INITRD: FILE` boots another initramfs of the kit.
port=
qemu_args=$(sed -n 's/^# QEMU: //p' "$test")
if [ -n "$qemu_args" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  kit=$(sed -n 's/^# KIT: //p' "$test"); k=$data/${kit:-kernel-fp}
  initrd=$(sed -n 's/^# INITRD: //p' "$test")
  timeout 110 qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 -kernel "$k/bzImage" \
    -initrd "$k/${initrd:-initramfs.cpio.gz}" -append "console=ttyS0 panic=0 oops=panic $qemu_args" \
    -display none -monitor none -serial null -no-reboot -gdb "tcp:127.0.0.1:$port" -S &
  qpid=$!
  for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
fi
sed -e "s|@PLUGIN@|$plugin|g" -e "s|@DATA@|$data|g" -e "s|@FIXTURES@|$fixtures|g" -e "s|@GDB_PORT@|$port|g" "$test" | grep -v '^[[:space:]]*#' > "$cmds"
# -x: no ~/.lldbinit; -b: quit after the commands (and on error in batch mode).
# A test whose checks expect an error lets lldb exit non-zero (batch mode stops at the error);
# any other non-zero exit, or a crash or time-out, fails the test.
# KRDB_LLDB_PRELOAD (sanitizer builds): the ASan runtime the instrumented plugin needs, loaded
# into lldb before anything else.
rc=0; timeout 100 env ${KRDB_LLDB_PRELOAD:+LD_PRELOAD="$KRDB_LLDB_PRELOAD"} "$lldb" -x -b -s "$cmds" > "$out" 2>&1 || rc=$?
if [ $rc -ne 0 ] && { [ $expect_fail -eq 0 ] || [ $rc -gt 1 ]; }; then echo "lldb exited $rc"; cat "$out"; exit 1; fi
"$filecheck" --dump-input=fail "$test" < "$out"
