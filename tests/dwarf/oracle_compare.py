#!/usr/bin/env python3
"""Compares `krdb symbolize` with addr2line and llvm-symbolizer on the same addresses.

Addresses: every function symbol start of the file's text sections plus N pseudo-random
addresses inside them (fixed seed). For each address the frames (function name, file, line,
innermost first, inlined frames included) are compared. krdb must agree with addr2line, or,
where addr2line differs, with llvm-symbolizer; the only other differences allowed are the
explained ones below, counted and printed. Exit 1 on any unexplained difference.

Explained differences (the oracle is the one that is wrong, or both are right):
- discriminator: addr2line appends "(discriminator N)" to lines; krdb does not. Stripped.
- asm-label: outside any DWARF function (assembly), addr2line names the nearest label symbol,
  krdb the sized symbol that contains the address (what the kernel's own oops prints).
- no-dwarf-function: an address inside a CU's range and line table but in no DWARF
  function: llvm-symbolizer prints "??", krdb and addr2line the ELF symbol.
- line-0: the oracles give a file with line 0 (no line), krdb gives no location: both say
  "line unknown". Outside DWARF, addr2line/llvm-symbolizer take that file from an STT_FILE
  symbol (a Rust std codegen unit name such as "object.4f4c…-cgu.0"); krdb does not guess.
- folded-function: identical code folded two generic instances onto one address; krdb and
  llvm-symbolizer agree on every file:line but pick different instances' names
  (NonZero<u64> vs NonZero<usize>): both are right.
- ko-inline-ranges (relocatable files only): addr2line and llvm-symbolizer miss inlined
  subroutines whose DW_AT_ranges is an indexed DWARF 5 range list (rnglistx) in a .ko; they
  report the outer function with the innermost line. krdb's extra inlined frames match the
  ranges llvm-dwarfdump prints for those DIEs (e.g. Vec::reserve inlined into Vec::push at
  .text+0x284..0x316 of rust_crashme_ko.ko). Accepted only when the outermost function and the
  innermost file:line are the same as the oracle's.
- dwarf5-default-file: in a DWARF 5 line program the file register starts at 1 (DWARF 5
  §6.2.2); addr2line (binutils 2.40) — like libdwarf 20210528, which krdb corrects — starts it
  at 0, so rows before the first DW_LNS_set_file get file 0. gcc's file 0 repeats file 1, so this
  shows only where they differ (gas-assembled or header-first CUs): addr2line then names the
  CU's own .c file. Accepted when krdb has llvm-symbolizer's file:line for every frame, the
  names equal llvm's up to a GCC clone suffix (.constprop.N, .isra.N, .part.N: ELF symbol names
  llvm-symbolizer prefers), and addr2line has krdb's function names and lines.
"""
import argparse
import json
import random
import re
import subprocess
import sys


def strip_clone_suffix(name):
    return re.sub(r"(\.(constprop|isra|part|cold)\.\d+)+$", "", name)


def is_relocatable(elf):
    return "REL (Relocatable file)" in subprocess.check_output(["readelf", "-h", elf], text=True)


def text_sections(elf):
    out = subprocess.check_output(["readelf", "-SW", elf], text=True)
    rel = is_relocatable(elf)
    secs = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+PROGBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
        if m and "X" in m.group(4) and (rel or int(m.group(2), 16)) and int(m.group(3), 16):
            secs.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
    return secs


def module_addresses(elf, count, seed):
    """For a .ko: (section, offset) pairs — function symbols and random offsets per section."""
    secs = text_sections(elf)
    index = {}
    for line in subprocess.check_output(["readelf", "-SW", elf], text=True).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", line)
        if m:
            index[m.group(1)] = m.group(2)
    starts = set()
    for line in subprocess.check_output(["readelf", "-sW", elf], text=True).splitlines():
        p = line.split()
        if len(p) >= 8 and p[3] == "FUNC" and p[6] in index:
            name = index[p[6]]
            if any(name == s for s, _, _ in secs):
                starts.add((name, int(p[1], 16)))
    rng = random.Random(seed)
    rand = []
    for _ in range(count):
        s, _, n = secs[rng.randrange(len(secs))]
        rand.append((s, rng.randrange(n)))
    return sorted(starts) + rand


def addresses(elf, count, seed):
    secs = text_sections(elf)
    starts = set()
    for line in subprocess.check_output(["nm", elf], text=True).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            a = int(parts[0], 16)
            if any(b <= a < b + n for _, b, n in secs):
                starts.add(a)
    rng = random.Random(seed)
    total = sum(n for _, _, n in secs)
    rand = []
    for _ in range(count):
        off = rng.randrange(total)
        for _, b, n in secs:
            if off < n:
                rand.append(b + off)
                break
            off -= n
    return sorted(starts) + rand


def strip_generics(name):
    out, depth = "", 0
    for ch in name:
        depth += ch == "<"
        if depth == 0:
            out += ch
        depth -= ch == ">" and depth > 0
    return out


def norm_file(f):
    return f if f else "??"


def spell(a):
    return f"{a[0]}+{a[1]:#x}" if isinstance(a, tuple) else hex(a)


def run_krdb(krdb, elf, addrs):
    out = subprocess.run([krdb, "symbolize", "-e", elf, "--format", "json", "--form", "full"],
                         input="\n".join(spell(a) for a in addrs), capture_output=True, text=True, check=False)
    res = []
    for line in out.stdout.splitlines():
        j = json.loads(line)
        frames = [(f["function"] or "??", norm_file(f.get("location", {}).get("file")),
                   f.get("location", {}).get("line", 0)) for f in j["frames"]]
        if not frames:
            frames = [(j.get("function", "??"), "??", 0)]
        res.append(frames)
    return res


def run_addr2line(elf, addrs):
    if addrs and isinstance(addrs[0], tuple):
        # Relocatable file: one addr2line per address, with -j SECTION (offsets within it).
        res = []
        for s, off in addrs:
            out = subprocess.run(["addr2line", "-a", "-f", "-i", "-C", "-j", s, "-e", elf, hex(off)],
                                 capture_output=True, text=True).stdout
            res += parse_addr2line(out)
        return res
    out = subprocess.run(["addr2line", "-a", "-f", "-i", "-C", "-e", elf],
                         input="\n".join(hex(a) for a in addrs), capture_output=True, text=True).stdout
    return parse_addr2line(out)


def parse_addr2line(out):
    res, cur = [], None
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("0x") and (i + 1 >= len(lines) or not lines[i + 1].startswith("0x")) and re.fullmatch(r"0x[0-9a-f]+", lines[i]):
            cur = []
            res.append(cur)
            i += 1
            continue
        name, loc = lines[i], lines[i + 1]
        loc = re.sub(r" \(discriminator \d+\)", "", loc)
        f, _, l = loc.rpartition(":")
        cur.append((name, norm_file(f if f != "??" else ""), int(l) if l.isdigit() else 0))
        i += 2
    return res


def run_llvm(elf, addrs):
    if addrs and isinstance(addrs[0], tuple):
        return [None] * len(addrs)  # llvm-symbolizer has no per-section addressing of a .ko
    out = subprocess.run(["llvm-symbolizer-19", "--output-style=JSON", "-e", elf],
                         input="\n".join(hex(a) for a in addrs), capture_output=True, text=True).stdout
    res = []
    for line in out.splitlines():
        j = json.loads(line)
        res.append([(s["FunctionName"] or "??", norm_file(s["FileName"]), s["Line"]) for s in j["Symbol"]])
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--krdb", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--random", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-functions", type=int, default=0, help="cap function starts (0: all)")
    args = ap.parse_args()
    rel = is_relocatable(args.elf)
    addrs = (module_addresses if rel else addresses)(args.elf, args.random, args.seed)
    if args.max_functions:
        funcs = addrs[:-args.random] if args.random else addrs
        rng = random.Random(args.seed)
        funcs = sorted(rng.sample(funcs, min(args.max_functions, len(funcs))))
        addrs = funcs + (addrs[-args.random:] if args.random else [])
    k, a, l = run_krdb(args.krdb, args.elf, addrs), run_addr2line(args.elf, addrs), run_llvm(args.elf, addrs)
    assert len(k) == len(a) == len(l) == len(addrs), (len(k), len(a), len(l), len(addrs))
    stats = {"same-as-addr2line": 0, "same-as-llvm-symbolizer": 0, "asm-label": 0,
             "no-dwarf-function": 0, "line-0": 0, "folded-function": 0, "ko-inline-ranges": 0,
             "dwarf5-default-file": 0}
    failures = []
    inline_frames = 0
    for addr, kf, af, lf in zip(addrs, k, a, l):
        lf = lf if lf is not None else af
        inline_frames += len(kf) - 1
        if kf == af:
            stats["same-as-addr2line"] += 1
        elif kf == lf:
            stats["same-as-llvm-symbolizer"] += 1
        elif len(kf) == 1 and len(af) == 1 and kf[0][1:] == af[0][1:] and kf[0][1] == "??":
            stats["asm-label"] += 1
        elif len(kf) == len(lf) and all(x[1:] == y[1:] for x, y in zip(kf, lf)) and lf[0][0] == "??" and kf == af:
            stats["no-dwarf-function"] += 1
        elif len(kf) == len(lf) and all(x[1:] == y[1:] for x, y in zip(kf, lf)) and lf[0][0] == "??" and kf[0][0] == af[0][0]:
            stats["no-dwarf-function"] += 1
        elif len(kf) == 1 and len(af) == 1 and kf[0][0] == af[0][0] and af[0][2] == 0 and kf[0][2] == 0:
            stats["line-0"] += 1
        elif len(kf) == len(lf) and all(x[1:] == y[1:] for x, y in zip(kf, lf)) and \
                all(strip_generics(x[0]) == strip_generics(y[0]) for x, y in zip(kf, lf)):
            stats["folded-function"] += 1
        elif len(kf) == len(lf) == len(af) and all(x[1:] == y[1:] for x, y in zip(kf, lf)) and \
                all(x[0] == strip_clone_suffix(y[0]) for x, y in zip(kf, lf)) and \
                all(x[0] == y[0] and x[2] == y[2] for x, y in zip(kf, af)):
            stats["dwarf5-default-file"] += 1
        elif rel and len(kf) > len(af) and kf[-1][0] == af[-1][0] and kf[0][1:] == af[0][1:]:
            stats["ko-inline-ranges"] += 1
        else:
            failures.append((addr, kf, af, lf))
    print(f"{args.elf}: {len(addrs)} addresses ({len(addrs) - args.random} function starts, "
          f"{args.random} random), {inline_frames} inlined frames")
    for key, v in stats.items():
        print(f"  {key}: {v}")
    print(f"  unexplained: {len(failures)}")
    for addr, kf, af, lf in failures[:10]:
        print(f"  {spell(addr)}\n    krdb:  {kf}\n    addr2line: {af}\n    llvm:  {lf}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
