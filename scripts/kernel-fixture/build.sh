#!/bin/bash
# Builds the Rust-for-Linux crash-dump fixture from a clean Debian 12 (bookworm) machine,
# using only Debian packages:
#   Linux 6.12.117 (linux-source-6.12) + rustc 1.96 (rustc-web, rust-web-src) + bindgen 0.60.1
#   (wrapped, see tools/bindgen) + GCC 12, a tiny x86_64 config with CONFIG_RUST=y and DWARF5,
#   our own Rust sample that panics in a Rust callback called from C, boot in QEMU, memory
#   dump through QMP (ELF paging on/off, kdump-zlib), KASLR on/off, and a baseline of what
#   crash / drgn / gdb make of the dumps.
#
# Usage: [KRDB_FIXTURE_UNWINDER=fp|orc] ./build.sh [STAGE...]   (no argument = all stages, in order)
#   packages source sample config kernel initramfs boot makedumpfile package [boot_values package_values]
#   (plus `analyze` and `sizes`: the peers' baseline and artefact sizes, not run by default)
# Every stage is idempotent; timings go to logs/timings.txt.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)          # the kit: scripts, sample sources, config, tools
# Everything the build writes goes to WORK (default ./kernel-fixture-work), never into the kit.
WORK=${KRDB_FIXTURE_WORK:-$PWD/kernel-fixture-work}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd); export WORK
SRC=$WORK/linux-source-6.12
# Two kernels are built from the same source: with the frame-pointer unwinder (fp) and with ORC
# (orc, what distribution kernels use). KRDB_FIXTURE_UNWINDER picks one; each has its own tree.
UNWINDER=${KRDB_FIXTURE_UNWINDER:-fp}
case "$UNWINDER" in fp|orc) ;; *) echo "KRDB_FIXTURE_UNWINDER must be fp or orc" >&2; exit 2;; esac
BUILD=$WORK/build-$UNWINDER
OUT=$WORK/out-$UNWINDER
LOGS=$WORK/logs-$UNWINDER
DUMPS=$OUT/dumps
# Where `package` writes the committed, compressed artefacts (the repository's tests/data).
REPO=$(cd "$HERE/../.." && pwd)
DATA=${KRDB_FIXTURE_DATA:-$REPO/tests/data/kernel-$UNWINDER}
mkdir -p "$OUT" "$LOGS" "$DUMPS"
export OUT BUILD

# Keep rustup's toolchains (/root/.cargo/bin, no rust-src) and pyenv's python out of the way:
# the kernel must use Debian's rustc-web (/usr/bin/rustc, std sources in /usr/lib/rustlib/src)
# and drgn is only importable from Debian's /usr/bin/python3.
export PATH=$HERE/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset RUSTUP_TOOLCHAIN CARGO_HOME RUSTUP_HOME || true

# Kernel make invocation: GCC for C, Debian rustc-web for Rust, wrapped bindgen 0.60.1.
# Build paths are remapped, so vmlinux, modules, panic messages and dumps carry /usr/src/linux-6.12
# instead of this machine's directories (as distribution kernels do).
REMAP_C="-ffile-prefix-map=$SRC=/usr/src/linux-6.12 -ffile-prefix-map=$BUILD=/usr/src/linux-6.12"
REMAP_RS="--remap-path-prefix=$SRC=/usr/src/linux-6.12 --remap-path-prefix=$BUILD=/usr/src/linux-6.12"
MAKE_ARGS=(-C "$SRC" O="$BUILD" ARCH=x86_64
  RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
  RUSTFMT=/usr/bin/rustfmt BINDGEN="$HERE/tools/bindgen"
  KCFLAGS="$REMAP_C" KAFLAGS="$REMAP_C" KRUSTFLAGS="$REMAP_RS")
kmake() { make "${MAKE_ARGS[@]}" "$@"; }

timed() { # timed NAME CMD... : run, append wall time to logs/timings.txt
  local name=$1; shift
  local t0=$(date +%s.%N)
  set +e
  ( set -e; "$@" )   # subshell: keeps `set -e` active inside the stage
  local rc=$?
  set -e
  local t1=$(date +%s.%N)
  printf '%-40s %8.1f s  rc=%d  (%s)\n' "$name" "$(echo "$t1 - $t0" | bc)" "$rc" "$(date -Is)" >> "$LOGS/timings.txt"
  return $rc
}

# ---------------------------------------------------------------------------------------------
stage_packages() {
  # One package list for the whole project: scripts/setup.sh (with what the kernel build needs).
  "$REPO/scripts/setup.sh" --kernel-fixture
}

stage_source() {
  # /usr/src/linux-source-6.12.tar.xz -> ./linux-source-6.12 (6.12.117 with Debian patches)
  if [ ! -f "$SRC/Makefile" ]; then
    tar -C "$WORK" -xf /usr/src/linux-source-6.12.tar.xz
  fi
}

# insert_before FILE FRAGMENT ANCHOR: put FRAGMENT's text right before the line starting ANCHOR.
insert_before() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, frag, anchor = sys.argv[1], open(sys.argv[2]).read(), "\n" + sys.argv[3]
s = open(path).read()
assert anchor in s, f"{path}: no line starting {sys.argv[3]!r}"
open(path, "w").write(s.replace(anchor, frag.rstrip("\n") + "\n" + anchor, 1))
PY
}

stage_sample() {
  # Our sample: samples/rust/rust_crashme{,_ko}.rs + rust_crashme_helper.c, Kconfig/Makefile hooks.
  cp -u "$HERE"/sample/rust_crashme.rs "$HERE"/sample/rust_crashme_ko.rs "$HERE"/sample/rust_crashme_warn.rs \
        "$HERE"/sample/rust_values.rs "$HERE"/sample/rust_crashme_helper.c "$SRC/samples/rust/"
  # twin/: the built-in sample built again as a module (the .ko-vs-built-in signature check).
  mkdir -p "$SRC/samples/rust/twin"
  cp -u "$HERE"/sample/rust_crashme.rs "$SRC/samples/rust/twin/"
  cp -u "$HERE"/sample/twin.Makefile "$SRC/samples/rust/twin/Makefile"
  grep -q SAMPLE_RUST_CRASHME "$SRC/samples/rust/Kconfig" ||
    insert_before "$SRC/samples/rust/Kconfig" "$HERE/sample/Kconfig.fragment" "config SAMPLE_RUST_HOSTPROGS"
  grep -q rust_crashme "$SRC/samples/rust/Makefile" ||
    insert_before "$SRC/samples/rust/Makefile" "$HERE/sample/Makefile.fragment" 'subdir-$(CONFIG_SAMPLE_RUST_HOSTPROGS)'
}

stage_config() {
  # tinyconfig + config/rust-crashdump.config, then olddefconfig; fail if a key option is lost.
  kmake rustavailable
  kmake tinyconfig > "$LOGS/config.log" 2>&1
  "$SRC"/scripts/kconfig/merge_config.sh -m -O "$BUILD" "$BUILD/.config" \
    "$HERE/config/rust-crashdump.config" "$HERE/config/unwinder-$UNWINDER.config" \
    $([ "$UNWINDER" = orc ] && echo "$HERE/config/kdump.config") >> "$LOGS/config.log" 2>&1
  kmake olddefconfig >> "$LOGS/config.log" 2>&1
  local missing=0
  for o in 64BIT RUST SAMPLES_RUST SAMPLE_RUST_MINIMAL SAMPLE_RUST_PRINT SAMPLE_RUST_CRASHME \
           DEBUG_INFO_DWARF5 KALLSYMS_ALL PRINTK SERIAL_8250_CONSOLE PROC_FS SYSFS \
           BLK_DEV_INITRD FW_CFG_SYSFS VMCORE_INFO PVPANIC_MMIO PVPANIC_PCI \
           MODULES RANDOMIZE_BASE; do
    grep -q "^CONFIG_$o=y" "$BUILD/.config" || { echo "config: CONFIG_$o is not =y" >&2; missing=1; }
  done
  grep -q '^CONFIG_SAMPLE_RUST_CRASHME_KO=m' "$BUILD/.config" || { echo "config: SAMPLE_RUST_CRASHME_KO not =m" >&2; missing=1; }
  local want=UNWINDER_FRAME_POINTER; [ "$UNWINDER" = orc ] && want="UNWINDER_ORC KEXEC_FILE CRASH_DUMP PROC_VMCORE"
  for o in $want; do
    grep -q "^CONFIG_$o=y" "$BUILD/.config" || { echo "config: CONFIG_$o is not =y" >&2; missing=1; }
  done
  return $missing
}

stage_kernel() {
  # Full build (vmlinux, bzImage, modules). ~4 min from scratch on 2 cores.
  kmake -j"$(nproc)" all > "$LOGS/kernel-build.log" 2>&1 || { tail -50 "$LOGS/kernel-build.log"; return 1; }
  cp "$BUILD/vmlinux" "$BUILD/arch/x86/boot/bzImage" "$BUILD/System.map" "$OUT/"
  cp "$BUILD/.config" "$OUT/kernel.config"
  cp "$BUILD/samples/rust/rust_crashme_ko.ko" "$BUILD/samples/rust/rust_crashme_warn.ko" \
     "$BUILD/samples/rust/rust_values.ko" "$OUT/"
  cp "$BUILD/samples/rust/twin/rust_crashme.ko" "$OUT/rust_crashme_twin.ko"
  { echo "gcc:     $(gcc --version | head -1)"
    echo "rustc:   $(/usr/bin/rustc --version)"
    echo "bindgen: $(/usr/bin/bindgen --version) (wrapped: $("$HERE/tools/bindgen" --version))"
    echo "libclang used by bindgen: $("$HERE/tools/bindgen" "$SRC/scripts/rust_is_available_bindgen_libclang.h" 2>&1 | sed -n 's/.*\(clang version [0-9.]*\).*/\1/p')"
    echo "rust-src: $(readlink -f /usr/lib/rustlib/src/rust)"
  } > "$OUT/toolchain.txt"
}

stage_initramfs() {
  # busybox-static + our init + rust_crashme_ko.ko, as a gzip'ed newc cpio.
  local root=$BUILD/initramfs-root
  rm -rf "$root"; mkdir -p "$root"/{bin,proc,sys,dev,tmp,boot,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$HERE/initramfs/init" "$root/init"; chmod +x "$root/init"
  if [ "$UNWINDER" = orc ]; then
    # kdump: the capture kernel (this bzImage) and its own small initramfs (busybox + init), and
    # a static loader for kexec_file_load(2) (tools/kdump_load.c).
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$root/boot/capture.cpio.gz"
    cp "$OUT/bzImage" "$root/boot/bzImage"
    gcc -static -O2 -o "$root/bin/kdump_load" "$HERE/tools/kdump_load.c"
  fi
  cp "$BUILD/samples/rust/rust_crashme_ko.ko" "$root/lib/modules/"
  # For stage boot_logs only (init loads them when `krdb_logs=1` is on the command line).
  cp "$OUT/rust_crashme_warn.ko" "$OUT/rust_crashme_twin.ko" "$root/lib/modules/"
  # For stage boot_values only (`krdb_values=1`).
  cp "$OUT/rust_values.ko" "$root/lib/modules/"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$OUT/initramfs.cpio.gz"
}

# boot NAME APPEND ACCEL DUMP_SPEC...: boot, wait for the panic, dump over QMP, quit.
boot() {
  local name=$1 append=$2 accel=$3; shift 3
  local sock=$BUILD/qmp-$name.sock serial=$OUT/serial-$name.log
  rm -f "$sock" "$serial"
  local cpu=max; [ "$accel" = kvm ] && cpu=host
  qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m 256M -smp 2 \
    -kernel "${BOOT_KERNEL:-$OUT/bzImage}" -initrd "$OUT/initramfs.cpio.gz" \
    -append "$append" \
    -device vmcoreinfo -device pvpanic -action panic=pause -no-reboot \
    -display none -monitor none -serial "file:$serial" \
    -qmp "unix:$sock,server=on,wait=off" > "$LOGS/qemu-$name.log" 2>&1 &
  local qpid=$!
  local rc=0
  python3 "$HERE/tools/qmp_dump.py" "$sock" "$serial" 300 "$@" > "$LOGS/qmp-$name.jsonl" || rc=$?
  # qmp_dump.py ends with a QMP "quit"; if it failed, do not leave a paused QEMU behind.
  for _ in $(seq 50); do kill -0 $qpid 2>/dev/null || break; sleep 0.2; done
  kill $qpid 2>/dev/null || true
  wait $qpid || true
  cat "$LOGS/qmp-$name.jsonl"
  return $rc
}

stage_boot() {
  # All boots use TCG: /dev/kvm exists here (nested, Firecracker host) but a KVM guest hangs
  # right after the decompressor ("KASLR disabled" then nothing, QEMU at 100% sys time).
  # 1) normal boot: built-ins run, the .ko loads without crashing, init powers off.
  local base="console=ttyS0 panic=0 oops=panic"
  rm -f "$OUT/serial-normal.log"
  timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 \
    -kernel "$OUT/bzImage" -initrd "$OUT/initramfs.cpio.gz" \
    -append "$base nokaslr" -device vmcoreinfo -device pvpanic -no-reboot \
    -display none -monitor none -serial "file:$OUT/serial-normal.log" > "$LOGS/qemu-normal.log" 2>&1 || true
  # 2) built-in Rust panic (rust_crashme=1), no KASLR, TCG: ELF paging=false/true + kdump-zlib.
  timed "boot+dump builtin nokaslr tcg" boot builtin-nokaslr "$base nokaslr rust_crashme=1" tcg \
    "elf:false:$DUMPS/builtin-nokaslr.elf" "elf:true:$DUMPS/builtin-nokaslr-paging.elf" \
    "kdump-zlib:false:$DUMPS/builtin-nokaslr.kdump"
  # 3) same with KASLR on.
  timed "boot+dump builtin kaslr tcg" boot builtin-kaslr "$base rust_crashme=1" tcg \
    "elf:false:$DUMPS/builtin-kaslr.elf" "elf:true:$DUMPS/builtin-kaslr-paging.elf" \
    "kdump-zlib:false:$DUMPS/builtin-kaslr.kdump"
  # 4) panic inside the loadable module (rust_crashme=2), no KASLR, TCG.
  timed "boot+dump module nokaslr tcg" boot module-nokaslr "$base nokaslr rust_crashme=2" tcg \
    "elf:false:$DUMPS/module-nokaslr.elf" "elf:true:$DUMPS/module-nokaslr-paging.elf" \
    "kdump-zlib:false:$DUMPS/module-nokaslr.kdump"
  # 5) same with KASLR on (the module lands at a randomised address too).
  timed "boot+dump module kaslr tcg" boot module-kaslr "$base rust_crashme=2" tcg \
    "elf:false:$DUMPS/module-kaslr.elf"
  chmod 644 "$DUMPS"/*   # QEMU creates them 0400
}

stage_boot_orc() {
  # The ORC kit: the crashes distro-like kernels have, each dumped in the formats QEMU and
  # libvirt write (`virsh dump --memory-only --format=kdump-zlib` is QEMU's dump-guest-memory;
  # QEMU 7.2 writes kdump files in makedumpfile's flattened format). Debian's QEMU 7.2 is built
  # without lzo and snappy: kdump-lzo/kdump-snappy answer "not available now" (measured), so the
  # lzo compression comes from makedumpfile -l instead (stage makedumpfile).
  local base="console=ttyS0 panic=0 oops=panic"
  # built-in Rust panic (Rust -> C -> Rust in vmlinux).
  timed "boot+dump builtin kaslr tcg" boot builtin-kaslr "$base rust_crashme=1" tcg \
    "elf:false:$DUMPS/builtin-kaslr.elf"
  # a Rust panic inside the module's sort_r() callback: module Rust -> vmlinux C -> module Rust.
  timed "boot+dump module kaslr tcg" boot module-kaslr "$base rust_crashme=2" tcg \
    "elf:false:$DUMPS/module-kaslr.elf" "kdump-zlib:false:$DUMPS/module-kaslr.qemu-zlib.kdump"
  # a C page fault (NULL dereference) in vmlinux called from the module's Rust callback.
  timed "boot+dump module cfault kaslr tcg" boot module-cfault-kaslr "$base rust_crashme=3" tcg \
    "elf:false:$DUMPS/module-cfault-kaslr.elf" "kdump-zlib:false:$DUMPS/module-cfault-kaslr.qemu-zlib.kdump"
  # kdump: the module's Rust panic again, now caught by a capture kernel whose /proc/vmcore is a
  # real kernel-written vmcore (CPU notes from crash_notes, pr_pid = the task on each CPU).
  timed "boot+kdump module kaslr tcg" boot_kdump module-kdump "$base rust_crashme=2 krdb_kdump=load crashkernel=128M"
  chmod 644 "$DUMPS"/*
}

stage_boot_logs() {
  # Console logs with several reports (ORC kit, init's krdb_logs=1): the committed bzImage (the
  # kernel of the committed vmlinux and dumps) with this build's modules, no oops=panic, no dump.
  # Writes $OUT/serial-logs-kaslr.log, and serial-no-root-kaslr.log (a bare panic: booted without
  # an initramfs); `package_logs` commits them with the modules the first one loaded.
  [ "$UNWINDER" = orc ] || { echo "boot_logs: ORC kit only" >&2; return 1; }
  local serial=$OUT/serial-logs-kaslr.log
  rm -f "$serial"
  timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 \
    -kernel "$DATA/bzImage" -initrd "$OUT/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=0 krdb_logs=1" -device vmcoreinfo -no-reboot \
    -display none -monitor none -serial "file:$serial" > "$LOGS/qemu-logs.log" 2>&1
  grep -q "init: all done" "$serial" || { tail -30 "$serial"; return 1; }
  # A bare panic, the commonest boot failure: no initramfs, no root device.
  serial=$OUT/serial-no-root-kaslr.log
  rm -f "$serial"
  timeout 120 qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 -kernel "$DATA/bzImage" \
    -append "console=ttyS0 panic=1" -no-reboot -display none -monitor none -serial "file:$serial" \
    > "$LOGS/qemu-no-root.log" 2>&1 || true
  grep -q "Kernel panic - not syncing" "$serial" || { tail -30 "$serial"; return 1; }
}

stage_package_logs() {
  # The boot_logs log and the two modules it adds, into tests/data/kernel-orc with their MANIFEST
  # lines. The log's rust_crashme_ko must be the committed one (a rebuild of the same source is
  # byte-identical here; the vmlinux is not — its build stamp differs — hence the committed bzImage).
  local committed
  committed=$(xz -dc "$DATA/rust_crashme_ko.ko.xz" | sha256sum | cut -d' ' -f1)
  [ "$(sha256sum < "$OUT/rust_crashme_ko.ko" | cut -d' ' -f1)" = "$committed" ] ||
    { echo "package_logs: this build's rust_crashme_ko.ko differs from the committed one" >&2; return 1; }
  cp "$OUT/serial-logs-kaslr.log" "$OUT/serial-no-root-kaslr.log" "$DATA/"
  for m in rust_crashme_warn rust_crashme_twin; do xz -9 -c "$OUT/$m.ko" > "$DATA/$m.ko.xz"; done
  for f in serial-logs-kaslr.log serial-no-root-kaslr.log rust_crashme_warn.ko rust_crashme_twin.ko; do
    sed -i "/^  [0-9a-f]\{64\}  $f\$/d" "$DATA/MANIFEST"
    echo "  $(sha256sum < "$OUT/$f" | cut -d' ' -f1)  $f" >> "$DATA/MANIFEST"
  done
}

stage_boot_values() {
  # The formatter sample (sample/rust_values.rs): the committed bzImage (the kernel of the
  # committed vmlinux) with this build's rust_values.ko, which builds every kernel Rust type krdb
  # formats (100k-element KVec, 10k-entry List, corrupted ones, CondVar waiters…) and panics.
  # Dumped at -d 17: the values live in slab and vmalloc pages (see kdump_d17).
  [ "$UNWINDER" = fp ] || { echo "boot_values: fp kit only" >&2; return 1; }
  local base="console=ttyS0 panic=0 oops=panic"
  BOOT_KERNEL=$DATA/bzImage timed "boot+dump values kaslr tcg" boot values-kaslr "$base krdb_values=1" tcg \
    "elf:false:$DUMPS/values-kaslr.elf"
  kdump_d17 values-kaslr
}

stage_package_values() {
  # The values dump, its module and its log into tests/data/kernel-fp, with their MANIFEST lines.
  # The module must link against the committed kernel: every symbol it imports is in the
  # committed System.map (the kernel crate's mangled names included, which carry its hash).
  local missing
  missing=$(comm -23 <(nm -u "$OUT/rust_values.ko" | awk '{print $2}' | sort -u) \
                     <(xz -dc "$DATA/System.map.xz" | awk '{print $3}' | sort -u))
  [ -z "$missing" ] || { echo "package_values: rust_values.ko imports what the committed kernel lacks: $missing" >&2; return 1; }
  grep -q "rust_values: .* values held" "$OUT/serial-values-kaslr.log" ||
    { echo "package_values: the values boot did not panic as planned" >&2; return 1; }
  xz -9 -c "$OUT/rust_values.ko" > "$DATA/rust_values.ko.xz"
  cp "$DUMPS/values-kaslr.d17.kdump" "$OUT/serial-values-kaslr.log" "$DATA/"
  # The initramfs that boot used (init + rust_values.ko): the live session's (tests/lldb/values_live.lldb).
  cp "$OUT/initramfs.cpio.gz" "$DATA/initramfs-values.cpio.gz"
  sed -i '/^cmdline values-kaslr:/d; /^dumps: values-kaslr/d' "$DATA/MANIFEST"
  sed -i "/^sha256 (uncompressed):/i cmdline values-kaslr: console=ttyS0 panic=0 oops=panic krdb_values=1 (committed bzImage, this build's rust_values.ko)\\ndumps: values-kaslr.d17.kdump = makedumpfile -c -d 17 of the values boot's ELF dump" "$DATA/MANIFEST"
  for f in rust_values.ko values-kaslr.d17.kdump serial-values-kaslr.log initramfs-values.cpio.gz; do
    local path=$OUT/$f; [ -f "$path" ] || path=$DUMPS/$f; [ -f "$path" ] || path=$DATA/$f
    sed -i "/^  [0-9a-f]\{64\}  $f\$/d" "$DATA/MANIFEST"
    echo "  $(sha256sum < "$path" | cut -d' ' -f1)  $f" >> "$DATA/MANIFEST"
  done
}

stage_boot_many() {
  # Many tasks (1000 sleeping processes) when the module panics: krdb serve's thread lists, and
  # its benchmark (bench/serve.sh --many), at a size beyond the few dozen kernel threads of the
  # other boots. Not committed (17 MB): made here, in $DUMPS.
  local base="console=ttyS0 panic=0 oops=panic"
  timed "boot+dump many tasks tcg" boot many-tasks "$base rust_crashme=2 krdb_tasks=1000" tcg \
    "elf:false:$DUMPS/many-tasks.elf"
  kdump_d17 many-tasks
}

# kdump_d17 NAME: $DUMPS/NAME.elf (QEMU, paging=false) -> $DUMPS/NAME.d17.kdump, makedumpfile -c
# -d 17 (zero and free pages), not 31: Debian's makedumpfile 1.7.2 drops 6.12's slab pages
# (task_structs, the Rust sample's values among them) at -d 15 and 31 (measured: the task list
# breaks), not at 3/5/9/17.
kdump_d17() {
  local name=$1
  chmod 644 "$DUMPS"/*
  python3 "$HERE/tools/elf_phdr_fixup.py" "$DUMPS/$name.elf" "$BUILD/$name.fixed.elf"
  rm -f "$DUMPS/$name.d17.kdump"
  makedumpfile -c -d 17 "$BUILD/$name.fixed.elf" "$DUMPS/$name.d17.kdump" > "$LOGS/makedumpfile-$name.log" 2>&1 \
    || { cat "$LOGS/makedumpfile-$name.log"; return 1; }
  rm -f "$BUILD/$name.fixed.elf"
  chmod 644 "$DUMPS"/*
}

# boot_kdump NAME APPEND: boot with a capture kernel loaded, let it send /proc/vmcore over the
# second serial port, decode it into $DUMPS/NAME.vmcore.
boot_kdump() {
  local name=$1 append=$2 serial=$OUT/serial-$1.log wire=$BUILD/$1.vmcore.b64
  rm -f "$serial" "$wire"
  timeout 900 qemu-system-x86_64 -accel tcg -cpu max -m 384M -smp 2 \
    -kernel "$OUT/bzImage" -initrd "$OUT/initramfs.cpio.gz" -append "$append" \
    -device vmcoreinfo -no-reboot -display none -monitor none \
    -serial "file:$serial" -serial "file:$wire" > "$LOGS/qemu-$name.log" 2>&1 || true
  grep -q "init: vmcore sent" "$serial" || { tail -30 "$serial"; echo "kdump: no vmcore sent" >&2; return 1; }
  # The tty turned each newline into CR LF (ONLCR): drop the CRs before decoding.
  tr -d '\r' < "$wire" | base64 -d | gunzip > "$DUMPS/$name.vmcore"
  rm -f "$wire"
  ls -la "$DUMPS/$name.vmcore"
}

stage_makedumpfile() {
  # kdump-compressed files as a kdump kernel would write them: makedumpfile -c -d 31 (zlib,
  # free/cache/user/zero pages filtered out) from the paging=false ELF dumps, after moving their
  # program headers where makedumpfile 1.7.2 looks for them (tools/elf_phdr_fixup.py).
  # The kernel's own /proc/vmcore (kdump): makedumpfile reads it as it is.
  if [ -f "$DUMPS/module-kdump.vmcore" ]; then
    rm -f "$DUMPS/module-kdump.d31.kdump"
    makedumpfile -c -d 31 "$DUMPS/module-kdump.vmcore" "$DUMPS/module-kdump.d31.kdump" > "$LOGS/makedumpfile-kdump.log" 2>&1 \
      || { cat "$LOGS/makedumpfile-kdump.log"; return 1; }
  fi
  for n in builtin-kaslr module-kaslr module-cfault-kaslr builtin-nokaslr; do
    [ -f "$DUMPS/$n.elf" ] || continue
    python3 "$HERE/tools/elf_phdr_fixup.py" "$DUMPS/$n.elf" "$BUILD/$n.fixed.elf"
    rm -f "$DUMPS/$n.d31.kdump"
    makedumpfile -c -d 31 "$BUILD/$n.fixed.elf" "$DUMPS/$n.d31.kdump" > "$LOGS/makedumpfile-$n.log" 2>&1 \
      || { cat "$LOGS/makedumpfile-$n.log"; return 1; }
    # lzo too, the other compression Debian's makedumpfile 1.7.2 has (snappy, zstd: disabled).
    if [ "$UNWINDER" = orc ] && [ "$n" = module-kaslr ]; then
      rm -f "$DUMPS/$n.d31-lzo.kdump"
      makedumpfile -l -d 31 "$BUILD/$n.fixed.elf" "$DUMPS/$n.d31-lzo.kdump" >> "$LOGS/makedumpfile-$n.log" 2>&1 \
        || { cat "$LOGS/makedumpfile-$n.log"; return 1; }
    fi
    rm -f "$BUILD/$n.fixed.elf"
  done
  chmod 644 "$DUMPS"/*
}

stage_package() {
  # Compressed copies of what the tests use, and a MANIFEST, into tests/data/kernel-$UNWINDER/.
  mkdir -p "$DATA"
  # Everything but the generators kept beside the data (gen-*.sh) is rewritten.
  find "$DATA" -maxdepth 1 -type f ! -name 'gen-*.sh' -delete
  # fp: the full kit (DWARF vmlinux, .ko, ELF + kdump dumps, what a live QEMU session needs).
  # orc: only what the ORC unwinder needs, to stay within the repository's size budget: vmlinux
  # without DWARF (symbols and .orc_* kept) and the kdump-compressed built-in panic dump.
  local files=("$OUT/vmlinux" "$OUT/rust_crashme_ko.ko" "$OUT/kernel.config" "$OUT/System.map"
               "$DUMPS/builtin-kaslr.elf")
  local copies=("$OUT/bzImage" "$OUT/initramfs.cpio.gz" "$DUMPS/builtin-kaslr.d31.kdump"
                "$DUMPS/module-kaslr.d31.kdump")
  local logs=(normal builtin-kaslr module-kaslr)
  if [ "$UNWINDER" = orc ]; then
    # orc: vmlinux and .ko with DWARF (scripts/unpack-test-data.sh derives the debug-stripped
    # copies, as distributions ship them), the module crashes in every dump format, and what a
    # live QEMU session boots (bzImage, initramfs).
    files=("$OUT/vmlinux" "$OUT/rust_crashme_ko.ko" "$OUT/kernel.config")
    copies=("$OUT/bzImage" "$OUT/initramfs.cpio.gz"
            "$DUMPS/builtin-kaslr.d31.kdump" "$DUMPS/module-kaslr.d31.kdump"
            "$DUMPS/module-kaslr.d31-lzo.kdump" "$DUMPS/module-cfault-kaslr.d31.kdump"
            "$DUMPS/module-kaslr.qemu-zlib.kdump" "$DUMPS/module-kdump.d31.kdump")
    logs=(builtin-kaslr module-kaslr module-cfault-kaslr module-kdump)
  fi
  for f in "${files[@]}"; do xz -9 -T2 -c "$f" > "$DATA/$(basename "$f").xz"; done
  cp "${copies[@]}" "$DATA/"
  for n in "${logs[@]}"; do cp "$OUT/serial-$n.log" "$DATA/"; done
  {
    echo "# krdb kernel fixture ($UNWINDER unwinder) — regenerate with:"
    echo "#   KRDB_FIXTURE_UNWINDER=$UNWINDER scripts/kernel-fixture/build.sh"
    echo "kernel: $(strings "$OUT/vmlinux" | grep -m1 '^Linux version ')"
    echo "unwinder: $UNWINDER"
    sed 's/^/toolchain: /' "$OUT/toolchain.txt"
    echo "qemu: $(qemu-system-x86_64 --version | head -1)"
    echo "makedumpfile: $(makedumpfile -v 2>&1 | head -1)"
    echo "boot: qemu-system-x86_64 -accel tcg -cpu max -m 256M -smp 2 -device vmcoreinfo -device pvpanic"
    echo "cmdline builtin-kaslr: console=ttyS0 panic=0 oops=panic rust_crashme=1"
    echo "cmdline module-kaslr: console=ttyS0 panic=0 oops=panic rust_crashme=2"
    echo "dumps: *.elf.xz = QEMU dump-guest-memory ELF, paging=false; *.d31.kdump = makedumpfile -c -d 31 of it"
    if [ "$UNWINDER" = orc ]; then
      echo "cmdline module-cfault-kaslr: console=ttyS0 panic=0 oops=panic rust_crashme=3"
      echo "not committed: many-tasks.d17.kdump (stage boot_many: rust_crashme=2 krdb_tasks=1000, 1000 sleeping tasks)"
      echo "note: makedumpfile 1.7.2 -d 31 drops some of 6.12's slab pages (task_structs): task lists in the d31 dumps end early"
      echo "cmdline module-kdump: console=ttyS0 panic=0 oops=panic rust_crashme=2 krdb_kdump=load crashkernel=128M (-m 384M)"
      echo "dumps: module-kdump.d31.kdump = makedumpfile -c -d 31 of the capture kernel's /proc/vmcore (kexec_file_load, tools/kdump_load.c)"
      echo "dumps: *.qemu-zlib.kdump = QEMU dump-guest-memory -z (flattened kdump, zlib, unfiltered), as libvirt writes"
      echo "dumps: *.d31-lzo.kdump = makedumpfile -l -d 31"
      echo "not committed (size; made by stage boot_orc): *.elf (285 MB), module-cfault-kaslr.qemu-zlib.kdump (11 MB)"
      echo "not made: QEMU kdump-lzo / kdump-snappy (Debian's QEMU 7.2 has neither: 'not available now')"
      echo "vmlinux.nodebug, rust_crashme_ko.nodebug.ko: objcopy --strip-debug (scripts/unpack-test-data.sh)"
    fi
    echo "config: $(grep -c '=' "$OUT/kernel.config") options, see kernel.config.xz"
    for n in "${logs[@]}"; do
      [ "$n" = normal ] && continue
      echo "panic $n:"
      grep -E 'rust_kernel: panicked at|^\[ *[0-9.]+\] +(kernel BUG at|Kernel panic - not syncing)' \
        "$OUT/serial-$n.log" | sed 's/\r$//; s/^/  /' || true
      grep -E 'BUG: kernel NULL pointer dereference|^\[ *[0-9.]+\] +(RIP|Oops): ' \
        "$OUT/serial-$n.log" | head -3 | sed 's/\r$//; s/^/  /' || true
      grep -A1 -E 'rust_kernel: panicked at' "$OUT/serial-$n.log" | tail -1 | sed 's/\r$//; s/^/  message: /' || true
    done
    echo "sha256 (uncompressed):"
    for f in "${files[@]}" "${copies[@]}"; do
      echo "  $(sha256sum "$f" | cut -d' ' -f1)  $(basename "$f")"
    done
  } > "$DATA/MANIFEST"
  du -sh "$DATA"; cat "$DATA/MANIFEST"
  if [ "$UNWINDER" = orc ]; then "$DATA/gen-orc-expected.sh" "$BUILD"; fi
}

stage_analyze() { "$HERE/analyze.sh"; }

stage_sizes() {
  # Raw and `xz -9` sizes of the artefacts, and the DWARF share of vmlinux.
  mkdir -p "$OUT/xz"
  for f in "$OUT/vmlinux" "$DUMPS/builtin-nokaslr.elf" "$DUMPS/builtin-nokaslr-paging.elf" \
           "$DUMPS/builtin-nokaslr.kdump" "$DUMPS/builtin-nokaslr.d31.kdump" \
           "$DUMPS/builtin-nokaslr.d31.elf" "$DUMPS/module-nokaslr-paging.elf"; do
    [ -f "$f" ] || continue
    local t0=$(date +%s.%N)
    xz -9 -T1 -c "$f" > "$OUT/xz/$(basename "$f").xz"
    printf '%-40s %8.1f s\n' "xz -9 $(basename "$f")" "$(echo "$(date +%s.%N) - $t0" | bc)" >> "$LOGS/timings.txt"
  done
  {
    echo "# sizes in bytes"
    for f in "$OUT"/vmlinux "$OUT"/bzImage "$OUT"/rust_crashme_ko.ko "$OUT"/initramfs.cpio.gz \
             "$DUMPS"/* "$OUT"/xz/*; do
      [ -f "$f" ] && printf '%12d  %s\n' "$(stat -c %s "$f")" "${f#$WORK/}"
    done
    echo "# vmlinux sections (.debug_* and .text), bytes"
    python3 - "$OUT/vmlinux" <<'PY'
import subprocess, sys
tot = 0
for line in subprocess.run(["readelf", "-SW", sys.argv[1]], capture_output=True, text=True).stdout.splitlines():
    parts = line.replace("[ ", "[").split()
    if len(parts) > 6 and parts[1].startswith((".debug_", ".text")):
        size = int(parts[5], 16)
        print(f"{parts[1]:24} {size:12d}")
        if parts[1].startswith(".debug_"):
            tot += size
print(f"{'total .debug_*':24} {tot:12d}")
PY
  } > "$OUT/sizes.txt"
  cat "$OUT/sizes.txt"
}

ALL=(packages source sample config kernel initramfs boot makedumpfile package boot_values package_values)
[ "$UNWINDER" = orc ] && ALL=(packages source sample config kernel initramfs boot_orc makedumpfile boot_many package)
STAGES=("$@"); [ ${#STAGES[@]} -eq 0 ] && STAGES=("${ALL[@]}")
for s in "${STAGES[@]}"; do
  echo "=== stage $s"
  timed "stage $s" "stage_$s"
done
