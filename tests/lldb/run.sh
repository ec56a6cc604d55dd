#!/usr/bin/env bash
# Runs one LLDB session test: TEST.lldb holds lldb commands and FileCheck directives
# (`# CHECK: …`, which lldb skips as comments). @PLUGIN@ and @DATA@ in the commands are replaced
# by the plugin's path and the unpacked test-data folder. lldb's output must match the CHECKs.
# usage: run.sh TEST.lldb LLDB FILECHECK PLUGIN DATA_DIR
set -euo pipefail
test=$1 lldb=$2 filecheck=$3 plugin=$4 data=$5
cmds=$(mktemp); out=$(mktemp)
trap 'rm -f "$cmds" "$out"' EXIT
sed -e "s|@PLUGIN@|$plugin|g" -e "s|@DATA@|$data|g" "$test" | grep -v '^[[:space:]]*#' > "$cmds"
# -x: no ~/.lldbinit; -b: quit after the commands (and on error in batch mode).
timeout 100 "$lldb" -x -b -s "$cmds" > "$out" 2>&1 || { echo "lldb exited $?"; cat "$out"; exit 1; }
"$filecheck" --dump-input=fail "$test" < "$out"
