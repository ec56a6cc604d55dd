#!/usr/bin/env bash
# usage: expect-exit.sh CODE COMMAND…   runs COMMAND (stdout+stderr shown), then prints
# "exit=N" and fails unless N == CODE. Lets CTest check both output and exit code.
want=$1; shift
"$@" 2>&1
rc=$?
echo "exit=$rc"
[ "$rc" = "$want" ]
