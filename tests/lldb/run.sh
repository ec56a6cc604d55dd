#!/usr/bin/env bash
# Runs one LLDB session test: TEST.lldb holds lldb commands and FileCheck directives
# (`# CHECK: …`, which lldb skips as comments). @PLUGIN@, @DATA@ and @FIXTURES@ in the commands
# are replaced by the plugin's path, the unpacked test-data folder and the built user-space
# fixtures. `# REQUIRES: NAME` makes CTest build fixture NAME first. lldb's output must match.
# usage: run.sh TEST.lldb LLDB FILECHECK PLUGIN DATA_DIR FIXTURES_DIR
set -euo pipefail
test=$1 lldb=$2 filecheck=$3 plugin=$4 data=$5 fixtures=$6
cmds=$(mktemp); out=$(mktemp)
expect_fail=0; grep -q "^# CHECK: error:" "$test" && expect_fail=1
trap 'rm -f "$cmds" "$out"' EXIT
sed -e "s|@PLUGIN@|$plugin|g" -e "s|@DATA@|$data|g" -e "s|@FIXTURES@|$fixtures|g" "$test" | grep -v '^[[:space:]]*#' > "$cmds"
# -x: no ~/.lldbinit; -b: quit after the commands (and on error in batch mode).
# A test whose checks expect an error lets lldb exit non-zero (batch mode stops at the error);
# any other non-zero exit, or a crash or time-out, fails the test.
rc=0; timeout 100 "$lldb" -x -b -s "$cmds" > "$out" 2>&1 || rc=$?
if [ $rc -ne 0 ] && { [ $expect_fail -eq 0 ] || [ $rc -gt 1 ]; }; then echo "lldb exited $rc"; cat "$out"; exit 1; fi
"$filecheck" --dump-input=fail "$test" < "$out"
