#!/bin/bash
# Baseline: what do existing Debian tools (crash 8.0.2, drgn 0.0.22, gdb 13.1, makedumpfile
# 1.7.2) make of the dumps produced by build.sh? Outputs go to out/baseline/ (one file per
# tool x dump) and out/dumps/*.d31.* (makedumpfile -d 31 results). Called by `build.sh analyze`.
set -uo pipefail   # no -e: failing tools are the point of this script

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-${KRDB_FIXTURE_WORK:-$PWD/kernel-fixture-work}}
OUT=${OUT:-$WORK/out-fp}
BUILD=${BUILD:-$WORK/build-fp}
D=$OUT/dumps
B=$OUT/baseline
mkdir -p "$B"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VMLINUX=$OUT/vmlinux
KO=$OUT/rust_crashme_ko.ko

# Mangled v0 names of a few Rust symbols (the crate hash changes with the build: look them up).
sym() { nm "$VMLINUX" | awk -v p="$1" '$3 ~ p {print $3; exit}'; }
VISIT=$(sym 'rust_crashme18rust_crashme_visit$')
CHECK=$(sym 'CrashmeState5check$')
STATE=$(sym 'rust_crashme18RUST_CRASHME_STATE$')
UNWIND=$(sym 'rust_begin_unwind$')

# ------------------------------------------------------------------ makedumpfile -d 31
# QEMU 7.2 puts the section headers before the program headers; makedumpfile 1.7.2 assumes
# program headers at offset 64 and fails with "Can't get the number of PT_LOAD." unless we
# move them (tools/elf_phdr_fixup.py).
{
  for n in builtin-nokaslr builtin-nokaslr-paging module-nokaslr; do
    echo "=== makedumpfile -c -d 31 $n.elf (as written by QEMU)"
    rm -f "$D/$n.d31.kdump" "$D/$n.d31.elf"
    makedumpfile -c -d 31 "$D/$n.elf" "$D/$n.d31.kdump" 2>&1 | tr '\r' '\n' | grep -v '^Copying\|^Checking\|^Excluding' ; echo "rc=${PIPESTATUS[0]}"
    python3 "$HERE/tools/elf_phdr_fixup.py" "$D/$n.elf" "$D/$n.fixed.elf"
    echo "=== makedumpfile -c -d 31 $n.fixed.elf (program headers moved to offset 64)"
    /usr/bin/time -f "%e s" makedumpfile -c -d 31 "$D/$n.fixed.elf" "$D/$n.d31.kdump" 2>&1 | tr '\r' '\n' | grep -v '^Copying\|^Checking\|^Excluding'
    echo "=== makedumpfile -E -d 31 $n.fixed.elf (ELF output)"
    /usr/bin/time -f "%e s" makedumpfile -E -d 31 "$D/$n.fixed.elf" "$D/$n.d31.elf" 2>&1 | tr '\r' '\n' | grep -v '^Copying\|^Checking\|^Excluding'
    rm -f "$D/$n.fixed.elf"
    ls -la "$D/$n".d31.* 2>/dev/null
  done
  chmod 644 "$D"/* 2>/dev/null
} > "$B/makedumpfile.txt" 2>&1

# ------------------------------------------------------------------ crash 8.0.2
crash_run() { # crash_run OUTFILE DUMP [crash options...] -- each command runs in its own crash
  local out=$1 dump=$2; shift 2
  : > "$out"
  local cmds=("sys" "bt" "bt -l" "bt -a" "ps" "log | tail -60" "sym $VISIT" "sym $CHECK"
              "sym rust_crashme_c_walk" "sym $UNWIND" "dis -l $VISIT 6" "whatis rust_crashme_c_walk"
              "p $STATE" "rd $STATE" "struct task_struct.comm" "mod")
  for c in "${cmds[@]}"; do
    echo "================ crash> $c" >> "$out"
    printf '%s\nquit\n' "$c" > "$B/.crash.cmd"
    timeout 120 crash -s "$@" "$VMLINUX" "$dump" -i "$B/.crash.cmd" >> "$out" 2>&1
    echo "[crash exit status $?]" >> "$out"
  done
  rm -f "$B/.crash.cmd"
}
crash_run "$B/crash-builtin-nokaslr.elf.txt"        "$D/builtin-nokaslr.elf"
crash_run "$B/crash-builtin-nokaslr-paging.elf.txt" "$D/builtin-nokaslr-paging.elf"
crash_run "$B/crash-builtin-nokaslr.kdump.txt"      "$D/builtin-nokaslr.kdump"
crash_run "$B/crash-builtin-kaslr.kdump.txt"        "$D/builtin-kaslr.kdump" --kaslr auto
crash_run "$B/crash-module-nokaslr.kdump.txt"       "$D/module-nokaslr.kdump"
{ printf 'log | tail -40\nsym rust_crashme_c_walk\nquit\n' > "$B/.c"
  echo "================ crash --minimal (log, sym only)"
  timeout 120 crash -s --minimal "$VMLINUX" "$D/module-nokaslr.kdump" -i "$B/.c" 2>&1; rm -f "$B/.c"
} > "$B/crash-module-nokaslr.kdump-minimal.txt"

# ------------------------------------------------------------------ drgn 0.0.22
for d in builtin-nokaslr-paging.elf builtin-kaslr-paging.elf builtin-nokaslr.elf builtin-nokaslr.kdump; do
  /usr/bin/python3 "$HERE/analysis/drgn_baseline.py" "$VMLINUX" "$D/$d" > "$B/drgn-$d.txt" 2>&1
done
/usr/bin/python3 "$HERE/analysis/drgn_baseline.py" "$VMLINUX" "$D/module-nokaslr-paging.elf" "$KO" \
  > "$B/drgn-module-nokaslr-paging.elf.txt" 2>&1

# ------------------------------------------------------------------ gdb 13.1
# build/vmlinux so that build/vmlinux-gdb.py (the kernel's lx-* helpers) can be auto-loaded.
GDB=(gdb -q -batch -iex "add-auto-load-safe-path $WORK" -iex "set pagination off")
SEL=$HERE/analysis/gdb_select_panic_cpu.gdb
TRAP=$HERE/analysis/gdb_select_trap_frame.gdb
hexaddr() { nm "$VMLINUX" | awk -v s="$1" '$3==s{print "0x"$1}'; }
cat > "$B/.gdb-builtin" <<EOF
info threads
source $SEL
echo \n==== bt of the panicking vCPU\n
bt
echo \n==== exc_invalid_op frame / pt_regs of the BUG() trap\n
source $TRAP
frame
p/x *regs
echo \n==== try to restart the unwind from pt_regs (core files have read-only registers)\n
set \$r_ip = regs->ip
frame 0
set \$rip = \$r_ip
EOF
# (gdb stops reading a -x file at the first error, so the rest goes in a second file)
cat > "$B/.gdb-builtin2" <<EOF
echo \n==== Rust symbols and globals\n
info symbol $(hexaddr "$VISIT")
info symbol $(hexaddr "$CHECK")
info line *$(hexaddr "$VISIT")
p rust_crashme::RUST_CRASHME_STATE
p *rust_crashme::RUST_CRASHME_STATE.v.value.__0
ptype rust_crashme::CrashmeState
set language rust
p *rust_crashme::RUST_CRASHME_STATE.v.value.__0
set language auto
echo \n==== lx-dmesg (last lines)\n
pipe lx-dmesg | tail -45
EOF
"${GDB[@]}" -x "$B/.gdb-builtin" -x "$B/.gdb-builtin2" "$BUILD/vmlinux" "$D/builtin-nokaslr-paging.elf" > "$B/gdb-builtin-nokaslr-paging.elf.txt" 2>&1
printf 'info threads\nsource %s\nbt\nthread apply all bt\n' "$SEL" > "$B/.gdb-simple"
"${GDB[@]}" -x "$B/.gdb-simple" "$BUILD/vmlinux" "$D/builtin-nokaslr.elf" > "$B/gdb-builtin-nokaslr.elf.txt" 2>&1
"${GDB[@]}" -x "$B/.gdb-simple" "$BUILD/vmlinux" "$D/builtin-kaslr-paging.elf" > "$B/gdb-builtin-kaslr-paging.elf.txt" 2>&1
cat > "$B/.gdb-module" <<EOF
info threads
lx-lsmod
lx-symbols $BUILD/samples/rust
source $SEL
bt
echo \n==== module frames that drgn could only print as raw addresses, symbolized by gdb\n
$(grep -oE '^#[0-9]+ +0xffffffffc[0-9a-f]+$' "$B/drgn-module-nokaslr-paging.elf.txt" | awk '{print "info symbol " $2}')
p rust_crashme_ko::KO_STATE
EOF
"${GDB[@]}" -x "$B/.gdb-module" "$BUILD/vmlinux" "$D/module-nokaslr-paging.elf" > "$B/gdb-module-nokaslr-paging.elf.txt" 2>&1
rm -f "$B"/.gdb-*
echo "baseline outputs:"; ls -la "$B"

# ------------------------------------------------------------------ compiled Rust type layouts
# gdb `ptype /o` of kernel Rust types as instantiated in vmlinux (names must be quoted in C mode:
# `kernel::str::CString` unquoted fails with 'No type "str" within class or namespace "kernel"').
python3 - "$HERE/analysis/gdb_rust_layouts.gdb" "$VMLINUX" "$B/gdb-rust-type-layouts.txt" <<'PY'
import subprocess, sys
cmds = [l for l in open(sys.argv[1]).read().splitlines() if l and not l.startswith("#")]
args = ["timeout", "300", "gdb", "-q", "-batch"]
for c in cmds:
    args += ["-ex", "echo \\n=== " + c + "\\n", "-ex", c]
r = subprocess.run(args + [sys.argv[2]], capture_output=True, text=True)
open(sys.argv[3], "w").write(r.stdout + r.stderr)
PY
