#!/usr/bin/env bash
# Regenerates the ORC oracle files beside this script from the kernel build tree's objtool:
#   orc-expected.txt                  sampled `objtool --dump vmlinux.nodebug`: for each sampled
#                                     address the entry the kernel's __orc_find() returns there
#                                     (the last of duplicates) and the next distinct address;
#                                     the first entry of every distinct kind, every address
#                                     with duplicate entries, and every 200th entry.
#   rust_crashme_ko.orc-expected.txt  `objtool --dump` of it (section+offset: entry), complete
# usage: gen-orc-expected.sh [KERNEL_BUILD_DIR]   (default /work/kfx/build-orc, the tree that
#        KRDB_FIXTURE_UNWINDER=orc scripts/kernel-fixture/build.sh leaves)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-/work/kfx/build-orc}
objtool=$build/tools/objtool/objtool
want=$(sed -n 's/^  \([0-9a-f]\{64\}\)  vmlinux$/\1/p' "$here/MANIFEST")
[ "$(sha256sum "$build/vmlinux" | cut -d' ' -f1)" = "$want" ] || { echo "$build/vmlinux is not the MANIFEST's" >&2; exit 1; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The same stripped copy scripts/unpack-test-data.sh makes for the tests.
vmlinux=$tmp/vmlinux.nodebug
objcopy --strip-debug "$build/vmlinux" "$vmlinux"
"$objtool" --dump "$vmlinux" > "$tmp/dump"
{
  echo "# objtool --dump $(basename "$vmlinux") sampled by gen-orc-expected.sh: ip next_ip entry"
  echo "# entries $(wc -l < "$tmp/dump")"
  awk -F: '
    { ip = $1; entry = substr($0, length(ip) + 2)
      if (n == 0 || ip != ips[n]) { n++; ips[n] = ip } else pick[n] = 1   # duplicates: all
      last[n] = entry                       # rightmost duplicate wins, as in __orc_find()
      if (!(entry in seen)) { seen[entry] = 1; pick[n] = 1 }
      if (NR % 200 == 1) pick[n] = 1 }
    END { for (i = 1; i <= n; i++) if (pick[i])
            printf "%s %s %s\n", ips[i], (i < n ? ips[i+1] : "-"), last[i] }' "$tmp/dump"
} > "$here/orc-expected.txt"

objcopy --strip-debug "$build/samples/rust/rust_crashme_ko.ko" "$tmp/ko"
{
  echo "# objtool --dump rust_crashme_ko.nodebug.ko (ORC build), by gen-orc-expected.sh"
  "$objtool" --dump "$tmp/ko"
} > "$here/rust_crashme_ko.orc-expected.txt"
wc -c "$here/orc-expected.txt" "$here/rust_crashme_ko.orc-expected.txt"
