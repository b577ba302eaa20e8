#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read the callgrind dumps of `bench --instr` and report instructions per operation.

Each dump was taken right after one measured loop and is named by the bench
"<workload> <allocator> <iterations>" (callgrind writes it on the `desc:`
line). Instructions are the Ir event total of the dump; the null allocator's
figure is the driver loop plus the indirect call, so "minus null" is what the
allocator itself executes per operation.
Locked read-modify-writes come from callgrind's --collect-bus=yes: its Ge
event ("global bus events") counts every x86 instruction that locks the bus
(LOCK-prefixed, and XCHG with memory) as executed; per dump, divided likewise.
Usage: instr_report.py CALLGRIND_DIR OUT_JSON
"""
import glob
import json
import os
import sys


def read_dump(path):
    """(name, instructions, locked RMWs or None) of one callgrind dump."""
    name = None
    events = ["Ir"]
    totals = None
    with open(path) as f:
        for line in f:
            if line.startswith("desc: Trigger: Client Request: "):
                name = line[len("desc: Trigger: Client Request: "):].strip()
            elif line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:") or line.startswith("totals:"):
                totals = [int(v) for v in line.split()[1:]]
    if totals is None:
        return name, None, None
    values = dict(zip(events, totals + [0] * (len(events) - len(totals))))
    return name, values.get("Ir"), values.get("Ge")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = {}
    locked = {}
    order = []
    # Dumps are numbered in the order the bench took them: keep that order.
    paths = glob.glob(os.path.join(sys.argv[1], "cg.out.*"))
    for path in sorted(paths, key=lambda p: int(p.rsplit(".", 1)[1]) if p.rsplit(".", 1)[1].isdigit() else 0):
        name, total, ge = read_dump(path)
        if name is None or total is None:
            continue
        parts = name.split()
        if len(parts) != 3 or not parts[2].isdigit():
            continue  # not one of the bench's dumps (e.g. the final one at exit)
        workload, alloc, n = parts
        rows[(workload, alloc)] = total / int(n)
        if ge is not None:
            locked[(workload, alloc)] = ge / int(n)
        if alloc not in order:
            order.append(alloc)
    if not rows:
        sys.exit("instr_report.py: no callgrind dumps found (did the bench run under valgrind?)")
    out = []
    # A and B (bench --instr), F1 and F8 (bench_bus --instr: the event bus): whichever the dumps hold, in order.
    units = {"A": "alloc+free pair", "B": "step", "F1": "event, 1 subscriber", "F8": "event, 8 subscribers"}
    for workload in dict.fromkeys(w for w, _ in rows):
        null = rows.get((workload, "null"))
        unit = units.get(workload, "operation")
        print(f"\n{workload}: instructions and locked read-modify-writes per {unit} (callgrind, exact)")
        print(f"  {'allocator':<10} {'instr/op':>10} {'minus null':>11} {'locked RMW/op':>14}")
        for alloc in order:
            v = rows.get((workload, alloc))
            if v is None:
                continue
            minus = "" if alloc == "null" or null is None else f"{v - null:11.1f}"
            lk = locked.get((workload, alloc))
            lks = "" if lk is None else f"{lk:14.2f}"
            print(f"  {alloc:<10} {v:10.1f} {minus:>11} {lks:>14}")
            out.append({"workload": workload, "allocator": alloc, "metric": "instr_per_op",
                        "median": round(v, 3), "min": round(v, 3), "max": round(v, 3)})
            if lk is not None:
                out.append({"workload": workload, "allocator": alloc, "metric": "locked_rmw_per_op",
                            "median": round(lk, 3), "min": round(lk, 3), "max": round(lk, 3)})
    with open(sys.argv[2], "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
