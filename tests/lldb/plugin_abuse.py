#!/usr/bin/env python3
"""The plugin under abuse: every `krdb` command, with wrong, missing and extra arguments, run in
one LLDB (through its Python API, so one session survives every error, where `lldb -b` would stop
at the first) in each state a user can be in: no target, a target without a process, a served
dump (`krdb core open`), and after `krdb core close`. Each command must return — an error with a
message, or a result — and LLDB must stay alive and usable to the end.

usage: plugin_abuse.py LLDB PLUGIN VMLINUX DUMP
"""
import os
import subprocess
import sys

lldb_bin, plugin, vmlinux, dump = sys.argv[1:5]
sys.path.insert(0, subprocess.check_output([lldb_bin, "-P"], text=True).strip())
# liblldb (behind the lldb module) must be global: the plugin resolves its SB API symbols there,
# as it does inside the lldb executable.
sys.setdlopenflags(os.RTLD_GLOBAL | os.RTLD_NOW)
import lldb  # noqa: E402

ABUSE = [
    "krdb", "krdb nosuchcommand", "krdb version extra words",
    "krdb bt --bogus", "krdb bt --module", "krdb bt --modules", "krdb bt --module =",
    "krdb dmesg extra", "krdb info --bogus", "krdb modules --bogus", "krdb ps x y",
    "krdb print", "krdb print --frame", "krdb print --frame abc", "krdb print --frame -1",
    "krdb print --frame 99999", "krdb print --frame 1 2", "krdb print *", "krdb print ((",
    "krdb print (struct no_such_type)0x1", "krdb print no_such_global", "krdb print init_task[",
    "krdb print init_task.comm[99999999999]",
    "krdb triage --bogus", "krdb triage --module",
    "krdb symbolize", "krdb symbolize not-an-address", "krdb symbolize 0xffffffffffffffff",
    "krdb types", "krdb types no_such_type_anywhere",
    "krdb demangle", "krdb demangle _RNvBAD", "krdb demangle " + "_RNv" * 2000,
    "krdb limits bogus=1", "krdb limits max_frames=-1", "krdb limits max_frames=abc",
    "krdb limits max_frames", "krdb limits max_frames=99999999999999999999999",
    "krdb core open", "krdb core open /nonexistent/vmcore", "krdb core open /etc/passwd",
    "krdb core open a b c", "krdb core close extra",
]

failures = []
ran = 0


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


lldb.SBDebugger.Initialize()
dbg = lldb.SBDebugger.Create(False)
dbg.SetAsync(False)
ci = dbg.GetCommandInterpreter()


def run(cmd):
    r = lldb.SBCommandReturnObject()
    ci.HandleCommand(cmd, r)
    return r


def abuse(state):
    global ran
    for cmd in ABUSE:
        r = run(cmd)
        ran += 1
        text = (r.GetError() or "") + (r.GetOutput() or "")
        # Either outcome is fine; silence is not: an error says what, a success shows something.
        check(text.strip() != "", f"{state}: `{cmd[:60]}` returned nothing at all")
        if not r.Succeeded():
            check((r.GetError() or "").strip() != "", f"{state}: `{cmd[:60]}` failed without a message")
    r = run("krdb version")  # still alive, still answering
    check(r.Succeeded() and "krdb" in (r.GetOutput() or ""), f"{state}: krdb version after the abuse")


r = run(f"plugin load {plugin}")
check(r.Succeeded(), f"plugin load: {r.GetError()}")
abuse("no target")
for cmd in ("krdb bt", "krdb dmesg", "krdb print init_task.comm", "krdb triage"):
    r = run(cmd)
    check(not r.Succeeded() and "target" in (r.GetError() or "").lower(),
          f"no target: `{cmd}` says a target is missing: {r.GetError()!r}")

r = run(f"target create {vmlinux}")
check(r.Succeeded(), f"target create: {r.GetError()}")
abuse("target without a process")
r = run("krdb bt")
check(not r.Succeeded() and (r.GetError() or "").strip(), f"no process: krdb bt errors: {r.GetError()!r}")

r = run(f"krdb core open {dump}")
check(r.Succeeded(), f"krdb core open: {r.GetError()}")
abuse("served dump")
r = run("krdb print --frame 17")
check(r.Succeeded() and "param index: u32 = 2" in (r.GetOutput() or ""), "served dump: krdb print --frame 17 still works")
r = run("krdb core close")
check(r.Succeeded(), f"krdb core close: {r.GetError()}")
abuse("after core close")

lldb.SBDebugger.Destroy(dbg)
print(f"{ran} commands in 4 states, {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
