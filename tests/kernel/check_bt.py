#!/usr/bin/env python3
"""Acceptance test of `krdb bt` on a fixture dump against the kernel's own oops (serial log).

Checks, for the panicking CPU's trace:
- the oops' RIP function and every reliable entry (no "?") of the kernel's printed call trace
  appear in krdb's trace, in the same order (matched by ELF symbol);
- an exception frame is crossed and named (invalid opcode from BUG());
- language markers: the Rust frames behind the exception are tagged Rust, the C helper
  rust_crashme_c_walk C, and the trace changes language C→Rust and Rust→C;
- krdb shows what the kernel's trace omits: the frames above the exception (panic, die, …)
  and inlined frames (with --inlined-required);
- module frames (the oops' `[module]` entries): with --module-dwarf NAME every frame of NAME has
  a source line from the .ko's DWARF; with --module-kallsyms NAME every frame of NAME is named
  from the dump's kallsyms alone (a symbol, no source line).
"""
import argparse
import json
import re
import subprocess
import sys


def kernel_trace(log):
    lines = open(log, errors="replace").read().splitlines()
    rip = next(i for i, l in enumerate(lines) if "RIP: 0010:" in l)
    func = re.search(r"RIP: 0010:([^+\s]+)", lines[rip]).group(1)
    start = next(i for i in range(rip, len(lines)) if "Call Trace:" in lines[i])
    trace = []
    for l in lines[start + 1:]:
        if "</TASK>" in l:
            break
        m = re.match(r"\[[\s\d.]+\]\s+(\?\s+)?([^+\s<]+)\+0x", l)
        if m and not m.group(1):
            trace.append(m.group(2))
    return func, trace


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--krdb", required=True)
    ap.add_argument("--vmlinux", required=True)
    ap.add_argument("--core", required=True)
    ap.add_argument("--serial", required=True)
    ap.add_argument("--inlined-required", action="store_true")
    ap.add_argument("--no-cfi", action="store_true", help="pass --no-cfi: frame pointers only")
    ap.add_argument("--methods", help="comma-separated unwind methods that must each find a frame "
                    "(fp, cfi, orc, pt_regs); any other step method is a failure")
    ap.add_argument("--trap", default="invalid opcode", help="the exception the oops reports")
    ap.add_argument("--arg", action="append", default=[], help="passed on to krdb bt (repeatable)")
    ap.add_argument("--module-dwarf", help="module whose frames must have DWARF source lines")
    ap.add_argument("--module-kallsyms", help="module whose frames must be named from kallsyms alone")
    ap.add_argument("--oops-regs", action="store_true",
                    help="the CPU's registers are the oops' own (a kdump vmcore: oops_end() ran crash_kexec "
                         "with them): the trace starts at the RIP function, no exception frame to cross")
    args = ap.parse_args()
    rip, trace = kernel_trace(args.serial)
    out = subprocess.run([args.krdb, "bt", "-s", args.vmlinux, "-c", args.core, "--format", "json"]
                         + (["--no-cfi"] if args.no_cfi else []) + args.arg,
                         capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        print(f"krdb bt failed (exit {out.returncode}):\n{out.stderr}")
        return 1
    bt = json.loads(out.stdout)[0]
    frames = bt["frames"]
    method_fails = []
    if args.methods:
        allowed = set(args.methods.split(",")) | {"cpu"}
        used = {f.get("method") for f in frames}
        method_fails += [f"no frame was found by {m}" for m in allowed - used - {"cpu"}]
        method_fails += [f"a frame was found by {m}, not one of {args.methods}" for m in used - allowed]
    symbols = [f.get("symbol", "?") for f in frames]
    fails = method_fails
    want = [rip] + trace
    pos = 0
    for name in want:
        try:
            pos = symbols.index(name, pos) + 1
        except ValueError:
            fails.append(f"kernel frame {name} missing (or out of order) in krdb's trace")
    traps = [f.get("trap", "") for f in frames if f.get("trap")]
    if args.oops_regs:
        if symbols[0] != rip or frames[0].get("method") != "cpu":
            fails.append(f"frame #0 is {symbols[0]}, not the oops' RIP function {rip} from the CPU's registers")
    elif not any(args.trap in t for t in traps):
        fails.append(f"no {args.trap} exception frame crossed (traps: {traps})")
    for name, want_lines in ((args.module_dwarf, True), (args.module_kallsyms, False)):
        if not name:
            continue
        mod = [f for f in frames if f.get("module") == name]
        if not mod:
            fails.append(f"no frame of module {name}")
        for f in mod:
            has_line = any("location" in fi for fi in f["frames"])
            if has_line != want_lines or not f.get("symbol", "").strip() or f["symbol"].startswith("["):
                fails.append(f"module frame {f.get('symbol')} at {f['pc']}: "
                             f"{'no source line' if want_lines else 'a source line or no kallsyms name'}")
    crossed = next((i for i, f in enumerate(frames) if "pt_regs" in f), None)
    if not args.oops_regs and (crossed is None or symbols[crossed] != rip):
        fails.append("the frame after the exception is not the oops' RIP function")
    langs = {f.get("symbol"): f["language"] for f in frames}
    for name, lang in langs.items():
        if name and name.startswith("_R") and lang != "Rust":
            fails.append(f"{name} tagged {lang}, expected Rust")
    if langs.get("rust_crashme_c_walk") not in (None, "C"):
        fails.append("rust_crashme_c_walk not tagged C")
    seq = [f["language"] for f in frames]
    changes = {(a, b) for a, b in zip(seq, seq[1:]) if a != b}
    for need in (("C", "Rust"), ("Rust", "C")):
        if need not in changes:
            fails.append(f"no {need[0]}→{need[1]} transition")
    above = crossed or 0
    inlined = sum(len(f["frames"]) - 1 for f in frames if len(f["frames"]) > 1)
    if args.inlined_required and inlined == 0:
        fails.append("no inlined frames shown")
    print(f"{args.core}: kernel trace {len(want)} functions, all in krdb's {len(frames)} frames in order: "
          f"{'yes' if not fails else 'NO'}; {above} frames above the exception the oops omits; "
          f"{inlined} inlined frames; end: {bt['end']}")
    for f in fails:
        print("  FAIL", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
