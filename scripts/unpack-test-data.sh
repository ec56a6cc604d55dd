#!/usr/bin/env bash
# Makes the committed test data usable from the build tree: every *.xz under SRC is decompressed
# to the same path under DST (only when the .xz is newer), every other file is linked.
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
