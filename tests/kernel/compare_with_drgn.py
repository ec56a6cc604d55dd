#!/usr/bin/env python3
"""Compares `krdb ps` and `krdb modules` with drgn (python3-drgn) on the same dump and vmlinux.

ps: every task drgn's for_each_task() lists (pid, tgid, parent pid, CPU, state letter, comm)
must be in krdb's list with the same values, and krdb may list only drgn's tasks plus the idle
tasks (pid 0, one per CPU: on the runqueues, not on the task list drgn walks).
modules: the same module names, in the same order, with the same struct module addresses.
Exit 1 on any difference (printed).
"""
import argparse
import json
import subprocess
import sys

DRGN_SCRIPT = r'''
import json
from drgn import cast
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_cpu, task_state_to_char
from drgn.helpers.linux.list import list_for_each_entry
out = {}
try:
    out["tasks"] = [dict(pid=t.pid.value_(), tgid=t.tgid.value_(), ppid=t.real_parent.pid.value_(),
                         cpu=task_cpu(t), state=task_state_to_char(t), comm=t.comm.string_().decode())
                    for t in for_each_task(prog)]
except Exception as e:
    out["tasks_error"] = str(e)
try:
    out["modules"] = [dict(name=m.name.string_().decode(), module=hex(m.value_()))
                      for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list")]
except Exception as e:
    out["modules_error"] = str(e)
print(json.dumps(out))
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--krdb", required=True)
    ap.add_argument("--vmlinux", required=True)
    ap.add_argument("--core", required=True)
    args = ap.parse_args()
    with open("/tmp/krdb-drgn-compare.py", "w") as f:
        f.write(DRGN_SCRIPT)
    r = subprocess.run(["drgn", "-q", "-c", args.core, "-s", args.vmlinux, "/tmp/krdb-drgn-compare.py"],
                       capture_output=True, text=True)
    try:
        d = json.loads(r.stdout)
    except ValueError:
        d = {"tasks_error": r.stderr.strip().splitlines()[-1] if r.stderr else "no output",
             "modules_error": "(drgn failed)"}
    kps = json.loads(subprocess.run([args.krdb, "ps", "-s", args.vmlinux, "-c", args.core, "--format", "json"],
                                    capture_output=True, text=True).stdout)
    kmod = json.loads(subprocess.run([args.krdb, "modules", "-s", args.vmlinux, "-c", args.core, "--format", "json"],
                                     capture_output=True, text=True).stdout)
    fail = []
    ktasks = {(t["pid"], t["comm"]): t for t in kps.get("tasks", [])}
    if "tasks_error" in d:
        print(f"  drgn could not list tasks: {d['tasks_error']}")
        print(f"  krdb listed {len(ktasks)} tasks; incomplete: {kps.get('truncated', 'no')}")
        d["tasks"] = []
        ktasks = {}
    for t in d["tasks"]:
        k = ktasks.pop((t["pid"], t["comm"]), None)
        if k is None:
            fail.append(f"task {t['pid']} {t['comm']}: missing in krdb")
            continue
        for key in ("tgid", "ppid", "cpu", "state"):
            if k[key] != t[key]:
                fail.append(f"task {t['pid']} {t['comm']}: {key} krdb={k[key]} drgn={t[key]}")
    extra = [k for k in ktasks.values() if k["pid"] != 0]
    for k in extra:
        fail.append(f"task {k['pid']} {k['comm']}: only in krdb")
    idle = [k for k in ktasks.values() if k["pid"] == 0]
    kmods = [(m["name"], m["module"]) for m in kmod["modules"]]
    dmods = [(m["name"], m["module"]) for m in d.get("modules", [])]
    if "modules_error" in d:
        print(f"  drgn could not list modules: {d['modules_error']}")
    elif kmods != dmods:
        fail.append(f"modules: krdb={kmods} drgn={dmods}")
    print(f"{args.core}: {len(d['tasks'])} tasks agree with drgn (+{len(idle)} idle tasks only krdb lists); "
          f"modules {kmods}")
    for f in fail:
        print("  DIFF", f)
    if "tasks_error" in d and "modules_error" in d:
        print("  drgn read nothing from this dump: nothing compared")
        return 1
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
