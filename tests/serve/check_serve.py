#!/usr/bin/env python3
"""Session test of `krdb serve`: a fixture dump served over the gdb remote protocol, opened by
stock lldb-19 (`gdb-remote`) and by GDB (`target remote`) alone — no krdb code in the client.

Checks, on the dump given:
- the server prints its port and the commands to connect, and stops cleanly on SIGINT (exit 0);
- LLDB: the panicking thread is selected, with the panic line as its stop reason; the thread list
  holds at least every task krdb ps lists; the exception thread's `bt` shows the faulting frames
  with file:line down to --bottom; `frame variable` in --var-frame prints --var; `continue` does
  not lose the session ("dump: cannot resume") and `kill` ends it as exited;
- GDB: `info threads` names the tasks; the exception thread's `bt` shows --gdb-frame.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile


def start_server(args):
    cmd = [args.krdb, "serve", "-s", args.vmlinux, "-c", args.core, "--listen", "127.0.0.1:0"] + args.arg
    srv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = srv.stdout.readline()
    m = re.search(r" on 127\.0\.0\.1:(\d+) \((\d+) threads\)", first)
    if not m:
        srv.kill()
        raise SystemExit(f"krdb serve did not start: {first!r} {srv.stderr.read()}")
    rest = [srv.stdout.readline(), srv.stdout.readline()]
    return srv, int(m.group(1)), int(m.group(2)), first + "".join(rest)


def run_lldb(args, port, commands):
    with tempfile.NamedTemporaryFile("w", suffix=".lldb", delete=False) as f:
        f.write("\n".join([f"target create {args.vmlinux}", f"gdb-remote 127.0.0.1:{port}"] + commands) + "\n")
    out = subprocess.run([args.lldb, "-x", "-b", "-o", f"command source -e false {f.name}"],
                         capture_output=True, text=True, timeout=120)
    os.unlink(f.name)
    return out.stdout + out.stderr


def run_gdb(args, port, commands):
    cmd = [args.gdb, "-nx", "-batch", "-ex", "set pagination off", "-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        cmd += ["-ex", c]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    return out.stdout + out.stderr


def main():
    ap = argparse.ArgumentParser()
    for a in ("--krdb", "--lldb", "--gdb", "--vmlinux", "--core", "--stop-reason", "--gdb-frame"):
        ap.add_argument(a, required=True)
    ap.add_argument("--bottom", help="a function the exception thread's LLDB bt must reach")
    ap.add_argument("--trap", default="invalid opcode")
    ap.add_argument("--lldb-frame", required=True, help="regex a frame of the exception thread's bt must match")
    ap.add_argument("--var-frame", help="function name of the frame whose variables are checked")
    ap.add_argument("--var", action="append", default=[], help="regex `frame variable` must print")
    ap.add_argument("--arg", action="append", default=[], help="passed on to krdb serve")
    args = ap.parse_args()
    fails = []
    ps = subprocess.run([args.krdb, "ps", "-s", args.vmlinux, "-c", args.core], capture_output=True, text=True)
    tasks = sum(1 for l in ps.stdout.splitlines() if re.match(r"^[> ]\s*\d+\s", l))
    srv, port, nthreads, banner = start_server(args)
    try:
        if "lldb -o 'target create" not in banner or "gdb -ex 'target remote" not in banner:
            fails.append(f"no connect commands printed: {banner!r}")
        lldb = run_lldb(args, port, ["thread list"])
        m = re.search(r"\* thread #1, name = '([^']*)', stop reason = (.*)", lldb)
        if not m or not re.search(args.stop_reason, m.group(2)):
            fails.append(f"stop thread/reason: {m.group(0) if m else 'none'}")
        listed = len(re.findall(r"^\s*\*?\s*thread #\d+: tid = ", lldb, re.M))
        if listed < tasks or listed != nthreads:
            fails.append(f"LLDB lists {listed} threads; krdb ps has {tasks} tasks, the server {nthreads} threads")
        ex = re.search(r"thread #(\d+): tid = 0x8[0-9a-f]{5},[^\n]*name = '" + re.escape(args.trap), lldb)
        if not ex:
            fails.append(f"no '{args.trap}' exception thread in LLDB's thread list")
        else:
            lldb2 = run_lldb(args, port, [f"thread select {ex.group(1)}", "bt"])
            if not re.search(args.lldb_frame, lldb2):
                fails.append(f"exception thread's bt lacks {args.lldb_frame!r}")
            if args.bottom and not re.search(r"frame #\d+: [^\n]*" + args.bottom, lldb2):
                fails.append(f"exception thread's bt does not reach {args.bottom}")
            if args.var_frame:
                fm = re.search(r"frame #(\d+): [^\n]*" + re.escape(args.var_frame) + r"\(", lldb2)
                if not fm:
                    fails.append(f"no frame {args.var_frame} in the bt")
                else:
                    lldb3 = run_lldb(args, port, [f"thread select {ex.group(1)}", f"frame select {fm.group(1)}",
                                                   "frame variable", "continue", "thread list", "kill"])
                    for v in args.var:
                        if not re.search(v, lldb3):
                            fails.append(f"frame variable lacks {v!r}")
                    if "dump: cannot resume" not in lldb3:
                        fails.append("continue did not answer 'dump: cannot resume'")
                    if "exited with status = 9" not in lldb3:
                        fails.append("kill did not end the process as exited")
        gdb = run_gdb(args, port, ["info threads"])
        gm = re.search(r"^\s+(\d+)\s+Thread \d+ \"[^\"]*\" \(" + re.escape(args.trap), gdb, re.M)
        if not gm:
            fails.append(f"GDB: no '{args.trap}' thread in info threads")
        else:
            gdb2 = run_gdb(args, port, [f"thread {gm.group(1)}", "bt"])
            if not re.search(args.gdb_frame, gdb2):
                fails.append(f"GDB bt lacks {args.gdb_frame!r}")
    finally:
        srv.send_signal(signal.SIGINT)
        try:
            rc = srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
            rc = "hung"
        if rc != 0:
            fails.append(f"krdb serve did not stop cleanly on SIGINT: {rc}")
    print(f"{args.core}: {nthreads} threads served, {tasks} tasks; "
          f"{'all checks passed' if not fails else 'FAILED'}")
    for f in fails:
        print("  FAIL", f)
    if fails:
        print("---- last LLDB output ----")
        print(locals().get("lldb3") or locals().get("lldb2") or lldb)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
