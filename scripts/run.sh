#!/usr/bin/env bash
# The main job on the bundled fixture: installs, builds, then analyses the committed kernel crash
# dump with krdb and loads the plugin in LLDB against the fixture's vmlinux.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KRDB_BUILD_DIR:-$top/build}
"$top/scripts/setup.sh"
"$top/scripts/build.sh"
data=$build/tests/data/kernel-fp
echo "== lldb-19 with the krdb plugin on $data/vmlinux"
lldb-19 -x -b -o "plugin load $build/plugin/libkrdb-lldb.so" -o "target create $data/vmlinux" \
  -o "krdb version"
