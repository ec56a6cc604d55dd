#!/usr/bin/env bash
# Checks the unpacked kernel fixture against its MANIFEST: every file listed under
# "sha256 (uncompressed):" must exist in DIR with that sha256.
# usage: check-manifest.sh DIR   (DIR holds MANIFEST and the unpacked files)
set -euo pipefail
dir=$1 n=0 bad=0
while read -r sum name; do
  n=$((n + 1))
  if [ ! -f "$dir/$name" ]; then echo "missing: $dir/$name"; bad=1; continue; fi
  got=$(sha256sum "$dir/$name" | cut -d' ' -f1)
  [ "$got" = "$sum" ] || { echo "sha256 mismatch: $name: $got, MANIFEST says $sum"; bad=1; }
done < <(sed -n '/^sha256 (uncompressed):/,$p' "$dir/MANIFEST" | sed -n 's/^  \([0-9a-f]\{64\}\)  \(.*\)$/\1 \2/p')
[ $n -gt 0 ] || { echo "no sha256 lines in $dir/MANIFEST"; exit 1; }
echo "$n files checked in $dir"
exit $bad
