#!/usr/bin/env python3
"""krdb triage on the kits' real crashes: console logs and the dumps of the same crashes give the
same kind, title and signature; the JSON validates against docs/triage.schema.json; exit codes;
batch mode; mangled and demangled logs; broken input. Usage: check_triage.py KRDB DATA SCHEMA"""
import json
import os
import subprocess
import sys
import tempfile

krdb, data, schema_path = sys.argv[1:4]
data = os.path.abspath(data)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def triage(*args, stdin=None):
    p = subprocess.run([krdb, "triage", "--format", "json", *args], capture_output=True, input=stdin)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    return p.returncode, lines, p.stderr.decode()


try:
    import jsonschema
    schema = json.load(open(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
except ImportError:  # scripts/setup.sh installs python3-jsonschema; say so rather than pass silently
    print("FAIL: python3 has no jsonschema module (scripts/setup.sh installs python3-jsonschema)")
    sys.exit(1)


def valid(obj, what):
    errors = sorted(validator.iter_errors(obj), key=lambda e: e.path)
    for e in errors[:3]:
        print(f"  schema: {what}: {list(e.path)}: {e.message[:200]}")
    check(not errors, f"{what} validates against the schema")


fp, orc = os.path.join(data, "kernel-fp"), os.path.join(data, "kernel-orc")

# The same crash seen three ways: (title, kind, signature) must agree.
cases = {
    "builtin (fp kit)": [["--log", f"{fp}/serial-builtin-kaslr.log"],
                         ["--core", f"{fp}/builtin-kaslr.elf", "-s", f"{fp}/vmlinux"],
                         ["--core", f"{fp}/builtin-kaslr.d31.kdump", "-s", f"{fp}/vmlinux"],
                         ["--log", f"{orc}/serial-builtin-kaslr.log"],
                         ["--core", f"{orc}/builtin-kaslr.d31.kdump", "-s", f"{orc}/vmlinux"]],
    "module (orc kit)": [["--log", f"{orc}/serial-module-kaslr.log"],
                         ["--log", f"{orc}/serial-module-kaslr.log", "-s", f"{orc}/vmlinux",
                          "--module", f"{orc}/rust_crashme_ko.ko"],
                         ["--core", f"{orc}/module-kaslr.d31.kdump", "-s", f"{orc}/vmlinux"],
                         ["--core", f"{orc}/module-kaslr.d31-lzo.kdump", "-s", f"{orc}/vmlinux"],
                         ["--core", f"{orc}/module-kaslr.qemu-zlib.kdump", "-s", f"{orc}/vmlinux"],
                         ["--core", f"{orc}/module-kdump.d31.kdump", "-s", f"{orc}/vmlinux"],
                         ["--log", f"{orc}/serial-module-kdump.log"],
                         ["--log", f"{fp}/serial-module-kaslr.log"]],
    "C fault (orc kit)": [["--log", f"{orc}/serial-module-cfault-kaslr.log"],
                          ["--core", f"{orc}/module-cfault-kaslr.d31.kdump", "-s", f"{orc}/vmlinux"]],
}
expected = {
    "builtin (fp kit)": ("rust-panic", "<rust_crashme::CrashmeState>::check"),
    "module (orc kit)": ("rust-panic",
                         "called `Result::unwrap()` on an `Err` value: Error(12) in <rust_crashme_ko::KoState>::record"),
    "C fault (orc kit)": ("null-pointer-dereference",
                          "BUG: unable to handle kernel NULL pointer dereference in rust_crashme_c_poke"),
}
for name, runs in cases.items():
    seen = set()
    for args in runs:
        rc, out, err = triage(*args)
        what = f"{name}: {' '.join(os.path.basename(a) for a in args)}"
        check(rc == 1 and len(out) == 1 and out[0]["crashed"], f"{what}: exit 1 with one crashed result (rc {rc}, {err.strip()[:200]})")
        if not out or not out[0]["reports"]:
            continue
        valid(out[0], what)
        r = out[0]["reports"][0]
        kind, title_part = expected[name]
        check(r["kind"] == kind, f"{what}: kind {r['kind']} == {kind}")
        check(title_part in r["title"], f"{what}: title {r['title']!r} holds {title_part!r}")
        seen.add((r["kind"], r["title"], r["signature"]["hash"], r["signature"]["text"]))
    check(len(seen) == 1, f"{name}: one title and signature across logs and dumps, got {seen}")

# With debug info, the guilty Rust frame's own line is the panic site, and the stack is symbolized.
rc, out, _ = triage("--log", f"{orc}/serial-module-kaslr.log", "-s", f"{orc}/vmlinux", "--module", f"{orc}/rust_crashme_ko.ko")
r = out[0]["reports"][0]
g = r["frames"][r["guilty_frame"]]
check(g["language"] == "Rust" and g["source"] and g["source"][-1]["file"].endswith("rust_crashme_ko.rs")
      and g["source"][-1]["line"] == r["rust_panic"]["line"], f"guilty frame at the panic site: {g['source'][-1:]}")
check(any(s["inlined"] for f in r["frames"] for s in f["source"]), "inlined frames are reported")
check({"C", "Rust", "asm"} <= {f["language"] for f in r["frames"]}, "C, Rust and asm frames are told apart")
check(all(not f["unreliable"] or f["function"] for f in r["frames"]), "unreliable frames keep their names")

# From a dump, the Rust frame's locals come with the report (the panic message says index 2,
# value 0x33, shared len 7); a console log has none to give.
for kit in (fp, orc):
    rc, dump_out, _ = triage("--core", f"{kit}/builtin-kaslr.d31.kdump", "-s", f"{kit}/vmlinux")
    v = dump_out[0]["reports"][0]["rust_variables"] if dump_out and dump_out[0]["reports"] else None
    check(v and v["function"] == "<rust_crashme::CrashmeState>::check", f"{kit}: locals of the panicking Rust frame: {v and v['function']}")
    if v:
        vals = {x["name"]: x["value"] for x in v["variables"]}
        check(vals.get("index") == "2" and vals.get("shared_len") == "7", f"{kit}: locals agree with the panic message: {vals}")
rc, mod_out, _ = triage("--core", f"{orc}/module-kaslr.d31.kdump", "-s", f"{orc}/vmlinux",
                        "--module", f"{orc}/rust_crashme_ko.ko", "--no-system-modules")
mv = mod_out[0]["reports"][0]["rust_variables"] if mod_out and mod_out[0]["reports"] else None
check(mv and mv["function"] == "<rust_crashme_ko::KoState>::record"
      and [x["name"] for x in mv["variables"]] == ["self", "a", "b"],
      f"a module's Rust frame: its parameters through the .ko: {mv}")
rc, log_out, _ = triage("--log", f"{fp}/serial-builtin-kaslr.log")
check(log_out[0]["reports"][0]["rust_variables"] is None, "a console log has no locals")

# The krdb_logs=1 boot: three reports in one log (WARN from Rust, C oops in a module, the
# built-in sample's Rust panic from its module build), symbolized with the three modules; the
# .ko build of the built-in code has the built-in dump's signature, the C oops the cfault dump's.
logs = f"{orc}/serial-logs-kaslr.log"
mods = ["--module", f"{orc}/rust_crashme_warn.ko", "--module", f"{orc}/rust_crashme_ko.ko",
        "--module", f"rust_crashme={orc}/rust_crashme_twin.ko"]
rc, lo, _ = triage("--log", logs, "-s", f"{orc}/vmlinux", *mods)
reports = lo[0]["reports"] if lo else []
check(rc == 1 and [r["kind"] for r in reports] == ["refcount", "null-pointer-dereference", "rust-panic"],
      f"three reports in the kit's log: {[r['kind'] for r in reports]}")
if len(reports) == 3:
    valid(lo[0], "three-report log")
    check(reports[0]["title"] == "WARNING: refcount bug in <rust_crashme_warn::RustCrashmeWarn as Module>::init",
          f"WARN title: {reports[0]['title']}")
    g = reports[2]["frames"][reports[2]["guilty_frame"]]
    check(g["module"] == "rust_crashme" and g["source"] and g["source"][-1]["line"] == 129,
          f"the .ko's guilty frame is symbolized at the panic line: {g['module']} {g['source'][-1:]}")
    _, bd, _ = triage("--core", f"{orc}/builtin-kaslr.d31.kdump", "-s", f"{orc}/vmlinux")
    _, cd, _ = triage("--core", f"{orc}/module-cfault-kaslr.d31.kdump", "-s", f"{orc}/vmlinux")
    check(reports[2]["signature"] == bd[0]["reports"][0]["signature"],
          f".ko build and built-in dump: one signature ({reports[2]['signature']['hash']} vs {bd[0]['reports'][0]['signature']['hash']})")
    check(reports[1]["signature"] == cd[0]["reports"][0]["signature"], "the C oops has the cfault dump's signature")
    demangled_logs = subprocess.run([krdb, "demangle"], input=open(logs, "rb").read(), capture_output=True).stdout
    _, dl, _ = triage("--log", "/dev/stdin", stdin=demangled_logs)
    check(dl and [r["signature"] for r in dl[0]["reports"]] == [r["signature"] for r in reports],
          "the demangled three-report log has the same three signatures")

# A demangled log (as `krdb demangle` or a farm's filter writes it) gives the same signature.
demangled = subprocess.run([krdb, "demangle"], input=open(f"{orc}/serial-module-kaslr.log", "rb").read(),
                           capture_output=True).stdout
rc, out2, _ = triage("--log", "/dev/stdin", stdin=demangled)
check(out2 and out2[0]["reports"] and out2[0]["reports"][0]["signature"] == out[0]["reports"][0]["signature"],
      "the demangled log has the mangled log's signature")

# No crash: exit 0. Missing file: exit 3. Bad usage: exit 2.
rc, out, _ = triage("--log", f"{fp}/serial-normal.log")
check(rc == 0 and out and not out[0]["crashed"] and out[0]["reports"] == [], f"a clean boot log: exit 0, no report (rc {rc})")
valid(out[0], "clean log")
rc, out, _ = triage("--log", "/nonexistent/console.log")
check(rc == 3 and out and "error" in out[0], f"a missing log: exit 3 and an error object (rc {rc})")
valid(out[0], "missing log")
rc = subprocess.run([krdb, "triage"], capture_output=True).returncode
check(rc == 2, f"no input: exit 2 (rc {rc})")
rc = subprocess.run([krdb, "triage", "--log", "x", "--core", "y"], capture_output=True).returncode
check(rc == 2, f"--log and --core together: exit 2 (rc {rc})")

with tempfile.TemporaryDirectory() as d:
    # Batch: a directory of logs, one JSON line each, in name order; crash found -> exit 1.
    for i, f in enumerate(["serial-normal.log", "serial-builtin-kaslr.log"]):
        os.symlink(f"{fp}/{f}", f"{d}/{i}-{f}")
    rc, out, _ = triage("--log", d)
    check(rc == 1 and [o["crashed"] for o in out] == [False, True], f"batch: one line per log, exit 1 (rc {rc})")
    # Broken input: invalid UTF-8, NULs, a log cut inside the report -> valid JSON, report marked.
    log = open(f"{orc}/serial-module-kaslr.log", "rb").read()
    cut = log[:log.index(b"sort_r+0xd2")]
    bad = cut.replace(b"insmod", b"ins\xff\xfemod").replace(b"Call Trace", b"Call\x00 Trace", 0)
    open(f"{d}/cut.log", "wb").write(bad)
    rc, out, _ = triage("--log", f"{d}/cut.log")
    check(rc == 1 and out and out[0]["reports"], f"a cut log with bad bytes still gives its report (rc {rc})")
    if out and out[0]["reports"]:
        valid(out[0], "cut log")
        check(out[0]["reports"][0]["truncated"], "the cut report is marked truncated")
        check("\ufffd" in out[0]["reports"][0]["comm"], "invalid UTF-8 becomes U+FFFD in JSON")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
