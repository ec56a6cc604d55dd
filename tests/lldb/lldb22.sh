#!/usr/bin/env bash
# Runs LLDB 22 from the tree scripts/setup.sh unpacked (KRDB_LLDB22_DIR, default
# ~/.cache/krdb/lldb-22): its libraries, Python module and lldb-server, not the installed LLDB 19's.
R=${KRDB_LLDB22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/krdb/lldb-22}
export LD_LIBRARY_PATH=$R/usr/lib/x86_64-linux-gnu:$R/usr/lib/llvm-22/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONPATH=$R/usr/lib/llvm-22/lib/python3.11/site-packages
export LLDB_DEBUGSERVER_PATH=$R/usr/lib/llvm-22/bin/lldb-server
exec "$R/usr/lib/llvm-22/bin/lldb" "$@"
