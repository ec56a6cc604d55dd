#!/usr/bin/env bash
# The main job on the bundled fixture: installs, builds, then analyses the committed kernel crash
# dump (a Rust panic that crosses C↔Rust, KASLR on) with `krdb panic`, and shows the same kernel
# in LLDB with the krdb plugin loaded.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KRDB_BUILD_DIR:-$top/build}
"$top/scripts/setup.sh"
"$top/scripts/build.sh"
data=$build/tests/data/kernel-fp
echo "== krdb panic on $data/builtin-kaslr.d31.kdump"
# Exit code 1 means "the dump holds a panic" (a finding), not a failure of krdb.
"$build/cli/krdb" panic --vmlinux "$data/vmlinux" --core "$data/builtin-kaslr.d31.kdump" || [ $? -eq 1 ]
echo "== krdb triage on the console log of the same crash (what a CI job runs)"
"$build/cli/krdb" triage --log "$data/serial-builtin-kaslr.log" --vmlinux "$data/vmlinux" --no-stack || [ $? -eq 1 ]
echo "== lldb-19 with the krdb plugin on $data/vmlinux"
lldb-19 -x -b -o "plugin load $build/plugin/libkrdb-lldb.so" -o "target create $data/vmlinux" \
  -o "krdb symbolize 0xffffffff812da620"
