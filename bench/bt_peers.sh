#!/usr/bin/env bash
# Cold-start cost of "open dump + debug info + first full backtrace of the panicking CPU": krdb vs
# drgn (python3-drgn 0.0.22), gdb 13, stock lldb-19 and crash 8.0.2 (Debian) on the fixture vmlinux
# and the QEMU ELF dump of the same panic. Median of RUNS (default 5) wall times and peak RSS of a
# fresh process each (warm page cache); ratios peer/krdb on the same input (>1: krdb better).
# What each peer really prints is in docs/backtrace-comparison.md; the rows are not equal work:
#  - gdb, lldb (and drgn) cannot translate kernel virtual addresses in this dump (QEMU's PT_LOADs
#    are physical only, p_vaddr 0: drgn fails on its first read, gdb/lldb stop after frame #0), so
#    they get a copy of the ELF with extra PT_LOADs at the direct-map and kernel-image addresses
#    (+ EI_OSABI Linux for lldb), made once here, untimed (its cost is printed): "elf+vaddr".
#    gdb/lldb then unwind 14 / 13 frames and stop at the exception entry (asm_exc_invalid_op).
#  - "drgn-bt" is drgn's API as documented (prog.stack_trace(task)): one bogus frame. "drgn-bt-regs"
#    is a workaround that reaches all 32 frames: unwind from the panicking CPU's NT_PRSTATUS (read
#    from the ELF notes by hand), then from exc_invalid_op's `regs` argument. It is also run on the
#    makedumpfile kdump of the same dump (drgn's usual input), next to krdb on that kdump.
#  - crash needs --kaslr=auto to load at all, then finds 1 task and no stack: bt prints no frame.
# usage: bench/bt_peers.sh [RUNS]    (KRDB: the krdb binary, default build/cli/krdb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
krdb=${KRDB:-$top/build/cli/krdb}
data=$top/build/tests/data/kernel-fp
vm=$data/vmlinux elf=$data/builtin-kaslr.elf kdump=$data/builtin-kaslr.d31.kdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Setup (untimed): the ELF with virtual PT_LOADs (gdb, lldb, drgn), the KASLR slide, the panicking CPU.
cat > "$tmp/vaddr_elf.py" <<'PY'
import re, shutil, struct, sys
src, sysmap, dst = sys.argv[1:4]
START_KERNEL_MAP = 0xffffffff80000000
with open(src, "rb") as f: head = f.read(1 << 16)
phoff, = struct.unpack_from("<Q", head, 0x20); phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
phdrs = [list(struct.unpack_from("<IIQQQQQQ", head, phoff + i * phentsize)) for i in range(phnum)]
notes = b"".join(head[p[2]:p[2] + p[5]] for p in phdrs if p[0] == 4)
vmci = dict(re.findall(rb"([A-Za-z0-9_().]+)=([0-9a-fx-]+)\n", notes[notes.find(b"OSRELEASE="):]))
phys_base, kaslr = int(vmci[b"NUMBER(phys_base)"]), int(vmci[b"KERNELOFFSET"], 16)
image_size = int(vmci[b"NUMBER(KERNEL_IMAGE_SIZE)"])
syms = {l.split()[2]: int(l.split()[0], 16) for l in open(sysmap) if len(l.split()) == 3}
loads = [p for p in phdrs if p[0] == 1]
def read_sym(name, size):  # a kernel-image variable, at its physical address
    pa = syms[name] + kaslr - START_KERNEL_MAP + phys_base
    p = next(p for p in loads if p[4] <= pa < p[4] + p[5])
    with open(src, "rb") as f: f.seek(p[2] + pa - p[4]); return int.from_bytes(f.read(size), "little", signed=True)
page_offset, panic_cpu = read_sym("page_offset_base", 8) & (2**64 - 1), read_sym("panic_cpu", 4)
new = []
for t, fl, off, va, pa, fsz, msz, al in loads:
    new.append([t, fl, off, page_offset + pa, pa, fsz, msz, al])                 # direct map
    lo, hi = max(pa, phys_base), min(pa + fsz, phys_base + image_size)         # kernel image
    if lo < hi: new.append([t, fl, off + lo - pa, START_KERNEL_MAP + lo - phys_base, lo, hi - lo, hi - lo, al])
shutil.copyfile(src, dst)
with open(dst, "r+b") as f:
    f.seek(0, 2); end = (f.tell() + 7) & ~7; f.seek(end)
    allp = [p for p in phdrs if p[0] != 1] + new
    for p in allp: f.write(struct.pack("<IIQQQQQQ", *p))
    f.seek(0x20); f.write(struct.pack("<Q", end)); f.seek(0x38); f.write(struct.pack("<H", len(allp)))
    f.seek(7); f.write(bytes([3]))                                               # ELFOSABI_LINUX
print("%#x %d" % (kaslr, panic_cpu))
PY
start=$(date +%s.%N)
info=$(python3 "$tmp/vaddr_elf.py" "$elf" "$data/System.map" "$tmp/vaddr.elf")
read -r slide panic_cpu <<< "$info"
fixup=$(echo "$(date +%s.%N) - $start" | bc)
thread=$((panic_cpu + 1))  # NT_PRSTATUS notes are in CPU order; gdb and lldb number threads from 1

cat > "$tmp/bt.py" <<'PY'
from drgn.helpers.linux.percpu import per_cpu
cpu = prog["panic_cpu"].counter.value_()
print(prog.stack_trace(per_cpu(prog["runqueues"], cpu).curr))
PY
cat > "$tmp/bt_regs.py" <<'PY'
import struct, sys
from drgn import Object
with open(sys.argv[1], "rb") as f: data = f.read(1 << 16)
phoff, = struct.unpack_from("<Q", data, 0x20); phnum, = struct.unpack_from("<H", data, 0x38)
prstatus = []
for i in range(phnum):
    p_type, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * 56)
    pos = off
    while p_type == 4 and pos < off + filesz:
        nsz, dsz, typ = struct.unpack_from("<III", data, pos); pos += 12 + ((nsz + 3) & ~3)
        if typ == 1: prstatus.append(data[pos:pos + dsz])
        pos += (dsz + 3) & ~3
cpu = prog["panic_cpu"].counter.value_()
top = prog.stack_trace(Object.from_bytes_(prog, "struct pt_regs", prstatus[cpu][112:112 + 21 * 8]))
print(top)
print(prog.stack_trace(next(f for f in top if f.name == "exc_invalid_op")["regs"]))
PY
printf 'bt\nquit\n' > "$tmp/crash.cmd"

measure() {  # label, base (the krdb row it is compared with), command...: "label base wall rss_mb failed"
  local label=$1 base=$2 failed=0; shift 2
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" > /dev/null 2>&1 || failed=$((failed + 1))
    tail -n 1 "$tmp/t" >> "$tmp/runs"   # a signal adds a "Command terminated by signal" line first
  done
  sort -n "$tmp/runs" | awk -v l="$label" -v b="$base" -v f="$failed" \
    '{w[NR]=$1; m[NR]=$2} END {print l, b, w[int((NR+1)/2)], int(m[int((NR+1)/2)]/1024), f}'
  rm -f "$tmp/runs"
}
# krdb keeps a name index per vmlinux build-id (include/krdb/dwarf/index_cache.h): the "krdb" rows
# are later runs (the cache warmed once, untimed), "krdb-first" rows start from an empty cache.
export KRDB_CACHE_DIR=$tmp/cache
"$krdb" bt -s "$vm" -c "$elf" > /dev/null 2>&1 || true
first() { echo "rm -rf $tmp/cold; KRDB_CACHE_DIR=$tmp/cold exec $*"; }
{
  measure krdb krdb "$krdb" bt -s "$vm" -c "$elf"
  measure krdb-first krdb sh -c "$(first "$krdb" bt -s "$vm" -c "$elf")"
  measure gdb krdb gdb -batch -nx -ex "symbol-file -o $slide $vm" -ex "thread $thread" -ex bt -c "$tmp/vaddr.elf"
  measure lldb krdb lldb-19 -b -o "target create $vm --core $tmp/vaddr.elf" \
    -o "target modules load --file vmlinux --slide $slide" -o "thread select $thread" -o bt
  measure drgn-bt krdb drgn -q -c "$tmp/vaddr.elf" -s "$vm" "$tmp/bt.py"
  measure drgn-bt-regs krdb drgn -q -c "$tmp/vaddr.elf" -s "$vm" "$tmp/bt_regs.py" "$elf"
  measure crash krdb crash -s --kaslr=auto "$vm" "$elf" -i "$tmp/crash.cmd"
  measure krdb/kdump krdb/kdump "$krdb" bt -s "$vm" -c "$kdump"
  measure krdb-first/kdump krdb/kdump sh -c "$(first "$krdb" bt -s "$vm" -c "$kdump")"
  measure drgn-bt-regs/kdump krdb/kdump drgn -q -c "$kdump" -s "$vm" "$tmp/bt_regs.py" "$elf"
} > "$tmp/res"
awk -v n="$runs" 'BEGIN {printf "%-19s %-10s %7s %7s %10s %10s  %s\n", "tool", "dump", "wall s", "RSS MB", "wall ratio", "RSS ratio", "failed runs"}
     {w[$1]=$3; m[$1]=$4; b[$1]=$2; f[$1]=$5; order[NR]=$1}
     END {for (i = 1; i <= NR; i++) { k = order[i]; d = "elf+vaddr";
          if (k ~ /kdump/) d = "kdump"; else if (k ~ /^krdb/ || k == "crash") d = "elf";
          printf "%-19s %-10s %7.2f %7d %10.2f %10.2f  %d/%d\n", k, d, w[k], m[k], w[k]/w[b[k]], m[k]/m[b[k]], f[k], n }}' "$tmp/res"
echo "(of the 32 frames of the panicking CPU: krdb 32; gdb 14, then the pt_regs words as bogus frames;"
echo " lldb 13; crash 0; drgn-bt 0 (one bogus frame); drgn-bt-regs 32 + 2 bogus, from hand-fed registers)"
printf '(elf+vaddr: the ELF copied with virtual PT_LOADs, once, untimed: %.2f s; ratios: against krdb on\n' "$fixup"
echo " the original ELF, or on the kdump for /kdump rows; gdb/lldb are told the KASLR slide $slide and"
echo " the thread of CPU $panic_cpu; krdb, drgn and crash find both themselves; failed runs: exit status"
echo " not 0 or killed by a signal, e.g. crash's \"malloc(): unsorted double linked list corrupted\")"
