#!/usr/bin/env python3
"""krdb's backtrace of a user-space core against stock LLDB's `bt` of the same core.

Both must list the same frames in the same order — inlined ones included — with the same pc,
function name, file name and line:column. The pc is compared once per physical frame: for the
callers of an inlined function LLDB shows the inlined block's address, krdb the frame's pc. Names are compared
as written by `krdb bt --full-names` and LLDB (both demangle v0 and legacy Rust), without
argument lists. A frame without debug info compares by symbol+offset.
usage: check_user_bt.py KRDB LLDB EXE CORE
"""
import json, re, subprocess, sys

krdb, lldb, exe, core = sys.argv[1:5]

def lldb_frames():
    out = subprocess.run([lldb, "-b", "-o", "bt", exe, "-c", core], capture_output=True, text=True,
                         timeout=120).stdout
    frames = []
    parent_of_inlined = False
    for line in out.splitlines():
        m = re.match(r"\s*\*?\s*frame #\d+: (0x[0-9a-f]+) ([^`]+)`(.*)$", line)
        if not m:
            continue
        pc, rest = int(m.group(1), 16), m.group(3)
        loc = re.search(r" at ([^ :]+):(\d+)(?::(\d+))?$", rest)
        if loc:
            rest = rest[:loc.start()]
        name = rest.split(" [inlined] ")[-1]
        name = re.sub(r"\(.*$", "", name).strip()     # argument list
        name = re.sub(r"::h[0-9a-f]{16}$", "", name)  # legacy Rust hash: LLDB keeps it, krdb drops it
        name = re.sub(r" \+ (\d+)$", lambda d: "+%#x" % int(d.group(1)), name)
        where = (loc.group(1), int(loc.group(2)), int(loc.group(3) or 0)) if loc else None
        frames.append((None if parent_of_inlined else pc, name, where))
        parent_of_inlined = " [inlined] " in rest
    return frames

def krdb_frames():
    out = subprocess.run([krdb, "bt", "--full-names", "--format", "json", "-s", exe, "-c", core],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit("krdb bt failed (%d): %s" % (out.returncode, out.stderr))
    frames = []
    for f in json.loads(out.stdout)[0]["frames"]:
        pc = int(f["pc"], 16)
        inner = f.get("frames") or []
        if not inner:
            frames.append((pc, "%s+%#x" % (f.get("symbol", "??"), f.get("symbol_offset", 0)), None))
        for k, fr in enumerate(inner):  # innermost first, as LLDB lists them
            loc = fr.get("location") or {}
            where = (loc["file"].rsplit("/", 1)[-1], loc["line"], loc.get("column", 0)) if loc else None
            frames.append((pc if k == 0 else None, fr["function"], where))
    return frames

theirs, ours = lldb_frames(), krdb_frames()
bad = 0
for i in range(max(len(theirs), len(ours))):
    t = theirs[i] if i < len(theirs) else None
    o = ours[i] if i < len(ours) else None
    same = t == o
    fmt = lambda f: f and ("%s %s %s" % (f[0] and hex(f[0]), f[1], f[2] and "%s:%d:%d" % f[2]))
    print("%s #%-2d lldb %-70s krdb %s" % ("  " if same else "!!", i, fmt(t), fmt(o)))
    bad += not same
print("%d frames from LLDB, %d from krdb, %d differ" % (len(theirs), len(ours), bad))
if len(theirs) < 8:
    sys.exit("LLDB gave too few frames to compare with")
sys.exit(1 if bad else 0)
