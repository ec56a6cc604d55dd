#!/usr/bin/env python3
# The formatter layer under load, in LLDB: a KVec of 100,000 elements and a List of 10,000 entries,
# each formatted the way an IDE's variable view does it — summary, then every child LLDB hands
# out — with krdb's category, with it at a 100,000-child cap, with stock LLDB and with rustc's
# own formatters. Time and peak memory of this process (liblldb + the plugin) per step.
# Two sources (bench/formatters.sh runs both):
# - live: the FP kit in QEMU (gdbstub), paused in the sample's C callback, its CrashmeState given
#   a KVVec of 100,000 u64 and a List of 10,000 entries written into the guest's RAM;
# - dump: the formatter sample's dump (values-kaslr.d17.kdump) served by `krdb core open`, whose
#   rust_values.ko really holds a KVec<u32> of 100,000 and a List of 10,000.
# usage: formatters.py LLDB_PYTHON_DIR PLUGIN VMLINUX GDB_PORT RUSTC_ETC_DIR
#        formatters.py LLDB_PYTHON_DIR PLUGIN VMLINUX DUMP RUSTC_ETC_DIR MODULE_KO
import os
import resource
import struct
import sys
import time

sys.path.insert(0, sys.argv[1])
# The plugin resolves LLDB's SB symbols from the host at load time: liblldb must be global.
sys.setdlopenflags(os.RTLD_GLOBAL | os.RTLD_NOW)
import lldb  # noqa: E402

plugin, vmlinux, where, rustc_etc = sys.argv[2:6]
module = sys.argv[6] if len(sys.argv) > 6 else None
ELEMENTS, ENTRIES = 100_000, 10_000
ELEMENTS_AT = 0xffff88800c800000  # guest RAM at 200 MiB (nokaslr direct map): 800 KB of u64
ENTRIES_AT = 0xffff88800d000000   # and 10,000 list entries after it

dbg = lldb.SBDebugger.Create()
dbg.SetAsync(False)
ci = dbg.GetCommandInterpreter()


def run(command, quiet=True):
    r = lldb.SBCommandReturnObject()
    ci.HandleCommand(command, r)
    if not r.Succeeded():
        sys.exit(f"`{command}` failed: {r.GetError()}")
    if not quiet:
        print(r.GetOutput(), end="")
    return r.GetOutput()


def field(sbtype, name):
    for i in range(sbtype.GetNumberOfFields()):
        f = sbtype.GetFieldAtIndex(i)
        if f.GetName() == name:
            return f
    sys.exit(f"no field {name} in {sbtype.GetName()}")


run(f"plugin load {plugin}")
run(f"target create {vmlinux}")


def setup_live(port):
    """The FP kit live, paused in the sample's C callback; the big values written into its RAM."""
    global target, process
    run(f"gdb-remote 127.0.0.1:{port}")
    run("breakpoint set -n rust_crashme_c_walk")
    run("continue")
    target = dbg.GetSelectedTarget()
    process = target.GetProcess()
    frame = process.GetSelectedThread().GetFrameAtIndex(2)  # <RustCrashme as Module>::init
    state = frame.FindVariable("state").GetNonSyntheticValue()
    state_at = state.GetChildMemberWithName("__0").GetChildMemberWithName("pointer").GetValueAsUnsigned()
    state_type = state.GetType().GetTemplateArgumentType(0)
    def write(address, data):
        error = lldb.SBError()
        process.WriteMemory(address, data, error)
        if error.Fail():
            sys.exit(f"cannot write {len(data)} bytes at {address:#x}: {error}")
    def read(address, n):
        error = lldb.SBError()
        data = process.ReadMemory(address, n, error)
        if error.Fail():
            sys.exit(f"cannot read {n} bytes at {address:#x}: {error}")
        return data

    # The KVVec: Vec { ptr, layout: ArrayLayout { len = capacity }, len }.
    big = field(state_type, "big")
    vec = big.GetType()
    big_at = state_at + big.GetOffsetInBytes()
    write(big_at + field(vec, "ptr").GetOffsetInBytes(), struct.pack("<Q", ELEMENTS_AT))
    write(big_at + field(vec, "layout").GetOffsetInBytes(), struct.pack("<Q", ELEMENTS))
    write(big_at + field(vec, "len").GetOffsetInBytes(), struct.pack("<Q", ELEMENTS))
    read(ELEMENTS_AT, ELEMENTS * 8)  # readable, all of it

    # The List: copies of its first real Item, each with its own value and ListLinks {next, prev}.
    items = field(state_type, "items")
    items_at = state_at + items.GetOffsetInBytes()
    item_type = items.GetType().GetTemplateArgumentType(0)
    links_off = field(item_type, "links").GetOffsetInBytes()
    value_off = field(item_type, "value").GetOffsetInBytes()
    size = item_type.GetByteSize()
    first_links = struct.unpack("<Q", read(items_at, 8))[0]
    template = bytearray(read(first_links - links_off, size))
    blob = bytearray()
    for i in range(ENTRIES):
        node = bytearray(template)
        struct.pack_into("<I", node, value_off, i)
        links = lambda k: ENTRIES_AT + (k % ENTRIES) * size + links_off  # noqa: E731
        struct.pack_into("<QQ", node, links_off, links(i + 1), links(i - 1 + ENTRIES))
        blob += node
    write(ENTRIES_AT, bytes(blob))
    write(items_at, struct.pack("<Q", ENTRIES_AT + links_off))

    return ([("KVVec 100k", big_at, big.GetType()), ("List 10k", items_at, items.GetType())],
            "krdb print rust_crashme::RUST_CRASHME_STATE->big rust_crashme::RUST_CRASHME_STATE->items")


def setup_dump(dump):
    """The formatter sample's dump served to LLDB: its real KVec of 100,000 u32 and List of
    10,000 entries, held by rust_values.ko (scripts/kernel-fixture/sample/rust_values.rs)."""
    global target, process
    run(f"krdb core open {dump} --module {module} --no-system-modules")
    target = dbg.GetSelectedTarget()
    process = target.GetProcess()
    values = target.FindFirstGlobalVariable("rust_values::VALUES")
    values_at = values.GetChildAtIndex(0).GetValueAsUnsigned() if values.GetNumChildren() else 0
    if not values_at:  # the summary hides the raw pointer: read it
        error = lldb.SBError()
        values_at = process.ReadPointerFromMemory(values.GetLoadAddress(), error)
    values_type = target.FindFirstType("rust_values::Values")
    if not values_type.IsValid() or not values_at:
        sys.exit("rust_values::Values / VALUES not found: is the module placed?")
    big, entries = field(values_type, "big"), field(values_type, "entries")
    return ([("KVec 100k", values_at + big.GetOffsetInBytes(), big.GetType()),
             ("List 10k", values_at + entries.GetOffsetInBytes(), entries.GetType())],
            "krdb print rust_values::VALUES->big rust_values::VALUES->entries")


if module:
    values, print_command = setup_dump(where)
else:
    values, print_command = setup_live(where)


def peak_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def view(name, address, sbtype, children_cap):
    """What an IDE does: a fresh value, its summary, then each child LLDB hands out."""
    v = target.CreateValueFromAddress(name, lldb.SBAddress(address, target), sbtype)
    summary = v.GetSummary() or ""
    n = v.GetNumChildren(children_cap)
    shown = 0
    for i in range(min(n, children_cap)):
        c = v.GetChildAtIndex(i)
        c.GetSummary()
        c.GetValue()
        shown += 1
    return summary, n, shown


rows = []


def measure(config, name, address, sbtype, cap=256):
    before = peak_kib()
    t0 = time.perf_counter()
    summary, n, shown = view(name, address, sbtype, cap)
    dt = time.perf_counter() - t0
    rows.append((config, name, dt, shown, n, max(0, peak_kib() - before), summary[:70]))


for what, at, t in values:
    measure("krdb (format_children=32)", what, at, t)
run("krdb limits format_children=100000 format_nodes=20000")
for what, at, t in values:
    measure("krdb (format_children=100000, all)", what, at, t, cap=ELEMENTS)
run("krdb limits format_children=32 format_nodes=10000")
run("type category disable krdb")
for what, at, t in values:
    measure("stock lldb (no formatters)", what, at, t)
run(f"command script import {rustc_etc}/lldb_lookup.py")
run(f"command source -s 1 {rustc_etc}/lldb_commands")
for what, at, t in values:
    measure("rustc 1.95 formatters", what, at, t)
run("type category disable Rust")
run("type category enable krdb")
t0 = time.perf_counter()
out = run(print_command)
rows.append(("krdb print (CLI text in LLDB)", "both", time.perf_counter() - t0, 0, 0, 0,
             out.splitlines()[0][:70] if out else ""))

print(f"{'config':36} {'value':11} {'seconds':>8} {'shown':>6} {'children':>9} {'+peak KiB':>10}  summary")
for config, name, dt, shown, n, kib, summary in rows:
    print(f"{config:36} {name:11} {dt:8.3f} {shown:6} {n:9} {kib:10}  {summary}")
process.Kill()
