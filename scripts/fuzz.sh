#!/usr/bin/env bash
# Builds the libFuzzer targets in the sanitizer tree (scripts/build-san.sh: clang-19, ASan+UBSan,
# build-san/) and runs each for SECONDS (default 60), seeded from the committed corpora.
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (KRDB_FUZZ_SEED=N: libFuzzer's -seed, for repeatable runs)
#   targets: demangle dump dwarf name_scan console_log user_core kernel_walkers module_file gdb_server location type_name module_values (default: all)
# kernel_walkers reads the unpacked ORC kit, module_values the FP kit's formatter sample (build/tests/data: run the test build first).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else targets=(demangle dump dwarf name_scan console_log user_core kernel_walkers module_file gdb_server location type_name module_values); fi
b=${KRDB_SAN_BUILD_DIR:-$top/build-san}
"$top/scripts/build-san.sh" $(printf -- 'fuzz_%s ' "${targets[@]}")
mkdir -p "$b/artifacts"

seed_demangle() {  # one seed file per line of the golden corpus' edge cases and a sample of real names
  local i=0
  { cat "$top/tests/data/demangle/edge-cases.txt"; xz -dc "$top/tests/data/demangle/golden.tsv.xz" | cut -f1 | awk 'NR % 500 == 0'; } |
    while IFS= read -r s; do printf '%s' "$s" > "$1/s$((i++))"; done
}
seed_dump() {  # the headers of the fixture dumps: kdump headers, bitmaps and notes; ELF headers and notes
  for k in "$top"/tests/data/kernel-*/*.kdump; do
    head -c 65536 "$k" > "$1/$(basename "$(dirname "$k")")-$(basename "$k").head"
  done
  for e in "$top"/tests/data/kernel-*/*.elf.xz; do
    xz -dc "$e" | head -c 16384 > "$1/$(basename "$e" .xz).head" || true
  done
}
seed_dwarf() {  # small ELF files with C and Rust DWARF: the fixture module and the mixed programs
  cp "$top/build/tests/data/kernel-fp/rust_crashme_ko.ko" "$1/" 2>/dev/null ||
    xz -dc "$top/tests/data/kernel-fp/rust_crashme_ko.ko.xz" > "$1/rust_crashme_ko.ko"
  for f in "$top"/build/tests/fixtures/mixed/libmixed-*.a; do [ -f "$f" ] && cp "$f" "$1/"; done
  true
}
seed_name_scan() {  # the first units of the ORC kit's vmlinux: .debug_info, .debug_abbrev, .debug_str_offsets, .debug_str
  local vm=$top/build/tests/data/kernel-orc/vmlinux
  python3 - "$vm" "$1/vmlinux-head" <<'PY'
import struct, subprocess, sys, tempfile, os
vm, out = sys.argv[1:3]
def section(name, limit):
    with tempfile.NamedTemporaryFile() as t:
        subprocess.run(["objcopy", "-O", "binary", "--only-section=" + name, vm, t.name], check=True)
        return open(t.name, "rb").read()[:limit]
info, abbrev, offs, strs = (section(".debug_info", 48 << 10), section(".debug_abbrev", 16 << 10),
                            section(".debug_str_offsets", 4 << 10), section(".debug_str", 64 << 10))
open(out, "wb").write(struct.pack("<3I", len(info), len(abbrev), len(offs)) + info + abbrev + offs + strs)
PY
}
seed_console_log() {  # the kits' serial logs (their crash reports) and the real-world reports
  for f in "$top"/tests/data/kernel-*/serial-*.log "$top"/tests/data/oops/*.txt; do
    [ -f "$f" ] && tail -c 60000 "$f" > "$1/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  true
}
seed_user_core() {  # the mixed fixture's cores (gcore: every mapping dumped, notes at the end)
  for f in "$top"/build/tests/fixtures/mixed/mixed-*.core; do [ -f "$f" ] && cp "$f" "$1/"; done
  true
}
seed_kernel_walkers() {  # one patch per target: a zeroed word, and an all-ones word
  local t  # (the caller's loop variable is also t)
  for t in $(seq 0 12); do
    printf "\\x$(printf %02x "$t")\\x00\\x00\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00" > "$1/zero-$t"
    printf "\\x$(printf %02x "$t")\\x08\\x00\\x08\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff" > "$1/ones-$t"
  done
}
seed_module_values() {  # one patch per target: a zeroed word, and an all-ones word
  seed_kernel_walkers "$1"
}
seed_module_file() {  # the ORC kit's module, xz- and zstd-compressed (first byte picks the format)
  local ko=$top/build/tests/data/kernel-orc/rust_crashme_ko.nodebug.ko
  { printf '\x01'; xz -c "$ko"; } > "$1/ko.xz"
  { printf '\x00'; zstd -q -c "$ko"; } > "$1/ko.zst"
}
seed_location() {  # the location kinds gcc and rustc emit: a register, fbreg, breg+deref, pieces
  printf '\xff\x00\x00\x10\x00\x00\x01\x40\x01\x00\x01\x91\x00\x00\x01\x00\x01\x55\x00' > "$1/reg"
  printf '\xff\xff\x00\x10\x00\x00\x01\x40\x01\x00\x01\x56\x00\x00\x01\x00\x01\x91\x01\xf0\x08' > "$1/fbreg"
  printf '\xff\xff\x01\x10\x00\x00\x01\x40\x01\x00\x01\x9c\x00\x00\x01\x00\x04\x55\x00\x93\x01\x08\x77\x01\x10\x93\x01\x08\x10' > "$1/pieces"
}
seed_type_name() {  # Rust type names as rustc's DWARF and LLDB spell them
  local i=0
  for n in 'kernel::alloc::kvec::Vec<rust_crashme_ko::Pair, kernel::alloc::allocator::Kmalloc>' \
           'kernel::alloc::kvec::Vec<unsigned char, kernel::alloc::allocator::Kmalloc>' \
           'kernel::sync::arc::Arc<kernel::sync::lock::Lock<kernel::alloc::kvec::Vec<rust_crashme_ko::Pair, kernel::alloc::allocator::Kmalloc>, kernel::sync::lock::mutex::MutexBackend> >' \
           'core::option::Option<&u32>' 'core::sync::atomic::Atomic<rust_crashme_ko::KoState *>' \
           'kernel::list::List<rust_crashme_ko::Pair, 0>' 'core::marker::PhantomData<fn() -> u32>' '&[u8]' 'struct task_struct'; do
    printf '%s' "$n" > "$1/n$((i++))"
  done
}
seed_gdb_server() {  # what LLDB and GDB send when they connect (shared/docs/gdb-remote.md)
  local i=0
  for p in 'qSupported:xmlRegisters=i386,arm,mips,arc;multiprocess+' 'QStartNoAckMode' 'QThreadSuffixSupported' \
           'qProcessInfo' '?' 'qXfer:features:read:target.xml:0,1ffff' 'p0;thread:0001;' 'qfThreadInfo' 'qsThreadInfo' \
           'Hg1' 'g' 'm0,200' 'mffffffff81000000,40' 'qXfer:threads:read::0,1000' 'vCont;c' 'Z0,0,1' 'k' 'qOffsets'; do
    python3 -c 'import sys; p=sys.argv[1]; print("$%s#%02x" % (p, sum(p.encode()) % 256), end="")' "$p" > "$1/s$((i++))"
  done
}
export KRDB_FUZZ_DATA_FP=${KRDB_FUZZ_DATA_FP:-$top/build/tests/data/kernel-fp}
export KRDB_FUZZ_DATA=${KRDB_FUZZ_DATA:-$top/build/tests/data/kernel-orc}
declare -A max_len=([demangle]=4096 [dump]=65536 [dwarf]=600000 [name_scan]=200000 [console_log]=65536 [user_core]=2000000 [kernel_walkers]=4096 [module_file]=200000 [gdb_server]=8192 [location]=4096 [type_name]=1024 [module_values]=4096)

for t in "${targets[@]}"; do
  seeds=$b/seeds/$t; mkdir -p "$seeds" "$b/corpus/$t"
  if [ ! -f "$seeds/.done" ]; then "seed_$t" "$seeds"; touch "$seeds/.done"; fi
  "$b/fuzz/fuzz_$t" -artifact_prefix="$b/artifacts/$t-" -max_total_time="$secs" -max_len="${max_len[$t]}" \
    ${KRDB_FUZZ_SEED:+-seed="$KRDB_FUZZ_SEED"} -print_final_stats=1 "$b/corpus/$t" "$seeds"
done
