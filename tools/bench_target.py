#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Instructions per alloc+free on the target ISAs (make bench-target, issue 17).

Builds targets/qemu/bench_target.c for the Cortex-M4 (mps2-an386) and RV32IMAC
(virt) QEMU machines at -O2 and -Os, each image linked with a C library whose
malloc/free it measures beside the pool and the manager (newlib and newlib-nano
on the Cortex-M4, picolibc on RISC-V: Debian has no RISC-V newlib), runs each
under QEMU with -icount shift=0 (one virtual nanosecond per guest instruction),
subtracts the empty loop (the "null" allocator: the driver and the calls) and
prints instructions per operation: A, an alloc+free pair of 64 bytes; B, a
step on a random 256-slot table of 64-byte blocks; A1-512, a pair at a size
drawn from 1..512 (manager and libc only). Writes every figure to JSON (--json, default
OUT/results_target.json).

Exactness: the image first times a loop of known length (2 instructions per
iteration) at two lengths; their difference must be exactly the expected count
within one clock tick, or the run fails (on RISC-V minstret, which QEMU
derives from the same instruction count, must give it to the instruction). A measured loop is timed to one tick
(40 instructions on the M4's 25 MHz timer, 100 on virt's 10 MHz mtime) over
BT_OPS operations, so a figure per operation is exact to 40/BT_OPS (100/BT_OPS)
instructions; the loops are deterministic, so repeated runs agree to that.

Usage: bench_target.py [--out DIR] [--json FILE] [--only NAME_SUBSTRING] [--timeout S]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
Q = "targets/qemu"
ICOUNT = "shift=0,sleep=off"

M4_CC = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard"]
M4_LINK = ["-nostartfiles", "-Wl,--gc-sections", "-L" + Q + "/cortex_m", "-T", "mps2_an386.ld"]
M4_QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-semihosting-config", "enable=on,target=native"]
# gcc 12 assembles CSR accesses only with _zicsr spelled out, but links only the "rv32imac" multilib.
RV_CC = ["riscv64-unknown-elf-gcc", "-march=rv32imac_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"]
RV_LINK_CC = ["riscv64-unknown-elf-gcc", "-march=rv32imac", "-mabi=ilp32", "--specs=picolibc.specs"]
RV_LINK = ["-nostartfiles", "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments", "-T", Q + "/riscv/virt.ld"]
RV_QEMU = ["qemu-system-riscv32", "-M", "virt", "-bios", "none", "-nographic"]


def images():
    """(name, isa, opt, libc, compiler, link command prefix, link flags, arch layer, machine files, qemu)."""
    m4_files = [Q + "/cortex_m/startup.c"]
    rv_files = [Q + "/riscv/platform.c", Q + "/riscv/start.S"]
    out = []
    for opt in ("O2", "Os"):
        out.append(dict(name=f"cortex-m4-{opt}-newlib", isa="cortex-m4", opt=opt, libc="newlib", cc=M4_CC,
                        link_cc=M4_CC, link=["--specs=nosys.specs"] + M4_LINK, arch="arch-cortex_m",
                        files=m4_files, qemu=M4_QEMU))
        out.append(dict(name=f"cortex-m4-{opt}-newlib-nano", isa="cortex-m4", opt=opt, libc="newlib-nano", cc=M4_CC,
                        link_cc=M4_CC, link=["--specs=nano.specs", "--specs=nosys.specs"] + M4_LINK,
                        arch="arch-cortex_m", files=m4_files, qemu=M4_QEMU))
        out.append(dict(name=f"rv32imac-{opt}-picolibc", isa="rv32imac", opt=opt, libc="picolibc", cc=RV_CC,
                        link_cc=RV_LINK_CC, link=RV_LINK, arch="arch-riscv", files=rv_files, qemu=RV_QEMU))
    return out


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def words(*args):
    return subprocess.run(["sh", "tools/sources.sh"] + list(args), cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.split()


def system_python():
    """tools/gen_config.py needs kconfiglib, a Debian package of the system interpreter."""
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def compile_objects(img, out, cfg_dir, cache):
    """Objects of one ISA and optimisation level; the libc only enters at the link, so images that differ
    only in their libc share them (cache: (isa, opt) -> object paths)."""
    key = (img["isa"], img["opt"])
    if key in cache:
        return cache[key]
    obj_dir = os.path.join(out, "obj", f"{img['isa']}-{img['opt']}")
    os.makedirs(obj_dir, exist_ok=True)
    warn = words("--warnings", "all", "gcc")
    srcs = words("pool", "manager", "errors", "port-baremetal", img["arch"])
    srcs += [Q + "/bench_target.c", Q + "/console.c"] + img["files"]
    flags = ["-std=c11", "-" + img["opt"], "-g", "-ffunction-sections", "-fdata-sections"] + warn
    flags += ["-Iinclude", "-I" + cfg_dir, "-Isrc/core", "-Isrc/port", "-Isrc/port/baremetal"]
    objs = []
    for src in srcs:
        obj = os.path.join(obj_dir, os.path.basename(src) + ".o")
        run(img["cc"] + flags + ["-c", src, "-o", obj])
        objs.append(obj)
    cache[key] = objs
    return objs


def build(img, out, cfg_dir, cache):
    d = os.path.join(out, img["name"])
    os.makedirs(d, exist_ok=True)
    objs = compile_objects(img, out, cfg_dir, cache)
    elf = os.path.join(d, "bench_target.elf")
    run(img["link_cc"] + img["link"] + objs + ["-o", elf])
    return elf


def parse(log):
    """The image's lines as dicts: 'row' and 'calibrate' lines, 'clock', and whether it passed."""
    res = {"rows": [], "calibrate": [], "ns_per_tick": None, "passed": "RESULT: PASS" in log}
    for line in log.splitlines():
        fields = dict(re.findall(r"(\w+)=(\S+)", line))
        if line.startswith("clock: "):
            res["clock"] = line.split()[1]
            res["ns_per_tick"] = int(fields["ns_per_tick"])
        elif line.startswith("calibrate "):
            res["calibrate"].append({k: int(v) for k, v in fields.items()})
        elif line.startswith("row "):
            row = {k: (int(v) if v.isdigit() else v) for k, v in fields.items()}
            res["rows"].append(row)
    return res


def measure(img, elf, timeout):
    log_path = os.path.join(os.path.dirname(elf), "qemu.log")
    cmd = img["qemu"] + ["-icount", ICOUNT, "-kernel", elf]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - t0
    log = proc.stdout + proc.stderr  # QEMU prints semihosting output on stderr
    with open(log_path, "w") as f:
        f.write(log)
    res = parse(log)
    res["qemu_seconds"] = seconds
    if proc.returncode != 0 or not res["passed"] or res["ns_per_tick"] is None:
        sys.exit(f"bench_target: {img['name']} failed (exit {proc.returncode}); see {log_path}")
    return res


def check_calibration(img, res):
    """Known loop: (long - short) ticks x ns_per_tick must equal the expected count within one tick."""
    tick = res["ns_per_tick"]
    out = []
    for c in res["calibrate"]:
        measured = (c["ticks_long"] - c["ticks_short"]) * tick
        if abs(measured - c["expected_instructions"]) > tick:
            sys.exit(f"bench_target: {img['name']}: known loop measured {measured} instructions, "
                     f"expected {c['expected_instructions']}: virtual time is not counting instructions")
        # RISC-V: minstret around the same loops; the overheads cancel, so the difference is exact.
        if "instret_difference" in c and c["instret_difference"] != c["expected_instructions"]:
            sys.exit(f"bench_target: {img['name']}: minstret counted {c['instret_difference']} instructions, "
                     f"expected {c['expected_instructions']}")
        out.append(measured)
    return out


def per_op(res):
    """{(workload, allocator): [instructions per op, one per run]} before subtracting the empty loop."""
    tick = res["ns_per_tick"]
    table = {}
    for r in res["rows"]:
        table.setdefault((r["workload"], r["allocator"]), []).append(r["ticks"] * tick / r["ops"])
    return table


def print_markdown(lines):
    """The table as bench/README.md shows it: instructions per op minus the empty loop."""
    print("\n| image (QEMU, -icount shift=0) | A pool | A pool255 | A manager | A libc malloc+free | "
          "B pool | B pool255 | B manager | B libc | A1-512 manager | A1-512 libc | empty loop A / B / A1-512 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for img, c, _, _, _ in lines:
        def f(w, a):
            v = c.get((w, a))
            return f"{v:.1f}" if v is not None else "–"
        print(f"| {img['name']} | {f('A', 'pool')} | {f('A', 'pool255')} | {f('A', 'manager')} | "
              f"{f('A', 'libc')} ({img['libc']}) | {f('B', 'pool')} | {f('B', 'pool255')} | {f('B', 'manager')} | "
              f"{f('B', 'libc')} | {f('A1-512', 'manager')} | {f('A1-512', 'libc')} | "
              f"{f('A', 'null')} / {f('B', 'null')} / {f('A1-512', 'null')} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "target"))
    ap.add_argument("--json", help="results file (default OUT/results_target.json)")
    ap.add_argument("--only", default="", help="build and run only the images whose name contains this")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per QEMU run")
    ap.add_argument("--markdown", action="store_true", help="also print the table in Markdown (for the READMEs)")
    args = ap.parse_args()
    for tool in ("arm-none-eabi-gcc", "riscv64-unknown-elf-gcc", "qemu-system-arm", "qemu-system-riscv32"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_target: {tool} not found (sh tools/install-deps.sh cross)")
    out = os.path.abspath(args.out)
    cfg_dir = os.path.join(out, "config")
    os.makedirs(cfg_dir, exist_ok=True)
    run([system_python(), "tools/gen_config.py", "Kconfig", os.path.join(cfg_dir, "sdkconfig.h"),
         "bench/sdkconfig.bench"], stdout=subprocess.DEVNULL)

    rows = []
    lines = []
    objects = {}
    for img in images():
        if args.only not in img["name"]:
            continue
        t0 = time.monotonic()
        elf = build(img, out, cfg_dir, objects)
        build_s = time.monotonic() - t0
        res = measure(img, elf, args.timeout)
        calib = check_calibration(img, res)
        table = per_op(res)
        meta = dict(image=img["name"], isa=img["isa"], opt="-" + img["opt"], libc=img["libc"], clock=res["clock"],
                    ns_per_tick=res["ns_per_tick"], icount=ICOUNT)
        rows.append(dict(meta, workload="calibrate", allocator="known_loop", metric="instructions",
                         median=statistics.median(calib), min=min(calib), max=max(calib),
                         expected=res["calibrate"][0]["expected_instructions"]))
        cells = {}
        for (workload, alloc), v in table.items():
            null = statistics.median(table[(workload, "null")])
            name = img["libc"] if alloc == "libc" else alloc
            sub = [x - null for x in v] if alloc != "null" else v
            fails = sum(r["alloc_failures"] for r in res["rows"] if (r["workload"], r["allocator"]) == (workload, alloc))
            rows.append(dict(meta, workload=workload, allocator=name, metric="instr_per_op" if alloc == "null"
                             else "instr_per_op_minus_null", median=statistics.median(sub), min=min(sub),
                             max=max(sub), ops=res["rows"][0]["ops"], runs=len(v), alloc_failures=fails))
            cells[(workload, alloc)] = statistics.median(sub)
        lines.append((img, cells, build_s, res["qemu_seconds"], calib[0]))

    print(f"\nInstructions per operation on the target ISAs: QEMU -icount {ICOUNT}, bench/sdkconfig.bench, "
          "empty loop (null) subtracted; A = alloc+free pair of 64 bytes, B = random 256-slot table step (64 bytes), "
          "A1-512 = pair at a random size 1..512")
    head = f"{'image':28} {'A pool':>7} {'pool255':>7} {'manager':>7} {'libc':>7} {'null':>5} | " \
           f"{'B pool':>7} {'pool255':>7} {'manager':>7} {'libc':>7} {'null':>5} | " \
           f"{'A1-512 manager':>14} {'libc':>7} {'null':>5} | libc"
    print(head)
    print("-" * len(head))
    for img, c, _, _, _ in lines:
        def f(w, a, width=7):
            v = c.get((w, a))
            return f"{v:{width}.1f}" if v is not None else " " * (width - 1) + "-"
        print(f"{img['name']:28} {f('A', 'pool')} {f('A', 'pool255')} {f('A', 'manager')} {f('A', 'libc')} "
              f"{f('A', 'null', 5)} | {f('B', 'pool')} {f('B', 'pool255')} {f('B', 'manager')} {f('B', 'libc')} "
              f"{f('B', 'null', 5)} | {f('A1-512', 'manager', 14)} {f('A1-512', 'libc')} {f('A1-512', 'null', 5)} | "
              f"{img['libc']}")
    print("\nclock check (a loop of 2 instructions per iteration, difference of two lengths):")
    for img, _, build_s, qemu_s, calib in lines:
        exp = next(r["expected"] for r in rows if r["image"] == img["name"] and r["workload"] == "calibrate")
        print(f"  {img['name']:28} measured {calib} instructions, expected {exp}; build {build_s:.1f} s, "
              f"QEMU {qemu_s:.1f} s")
    failed = [(r["image"], r["workload"], r["allocator"], r["alloc_failures"]) for r in rows
              if r.get("alloc_failures")]
    for image, workload, alloc, n in failed:
        print(f"  NOTE: {image} {workload} {alloc}: {n} failed allocations in the measured loops (counted, not timed apart)")
    if args.markdown:
        print_markdown(lines)
    path = os.path.abspath(args.json) if args.json else os.path.join(out, "results_target.json")
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join("  " + json.dumps(r) for r in rows) + "\n]\n")
    print(f"{path}: {len(rows)} rows")


if __name__ == "__main__":
    main()
