#!/usr/bin/env bash
# Makes the committed test data usable from the build tree: every *.xz under SRC is decompressed
# to the same path under DST (only when the .xz is newer), every other file is linked. Where a
# kit ships an ELF with DWARF only, the debug-stripped copy (NAME.nodebug[.ko], what distributions
# ship) is derived with objcopy --strip-debug (kernel-orc).
# usage: scripts/unpack-test-data.sh SRC DST
set -euo pipefail
src=$1 dst=$2
cd "$src"
find . -type f | while read -r f; do
  f=${f#./}
  mkdir -p "$dst/$(dirname "$f")"
  case "$f" in
    *.xz) out=$dst/${f%.xz}
          if [ ! -f "$out" ] || [ "$f" -nt "$out" ]; then xz -dc "$f" > "$out.tmp" && mv "$out.tmp" "$out"; fi;;
    *)    ln -sf "$src/$f" "$dst/$f";;
  esac
done

# Stripped copies of the ORC kit's vmlinux and module (tests of the symbols-only path).
for f in kernel-orc/vmlinux kernel-orc/rust_crashme_ko.ko; do
  [ -f "$dst/$f" ] || continue
  case "$f" in *.ko) out=$dst/${f%.ko}.nodebug.ko;; *) out=$dst/$f.nodebug;; esac
  if [ ! -f "$out" ] || [ "$dst/$f" -nt "$out" ]; then
    objcopy --strip-debug "$dst/$f" "$out.tmp" && mv "$out.tmp" "$out"
  fi
done
