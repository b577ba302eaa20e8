#!/usr/bin/env python3
"""Read the callgrind dumps of `bench --instr` and report instructions per operation.

Each dump was taken right after one measured loop and is named by the bench
"<workload> <allocator> <iterations>" (callgrind writes it on the `desc:`
line). Instructions are the Ir event total of the dump; the null allocator's
figure is the driver loop plus the indirect call, so "minus null" is what the
allocator itself executes per operation.
Usage: instr_report.py CALLGRIND_DIR OUT_JSON
"""
import glob
import json
import os
import sys


def read_dump(path):
    name = None
    total = None
    with open(path) as f:
        for line in f:
            if line.startswith("desc: Trigger: Client Request: "):
                name = line[len("desc: Trigger: Client Request: "):].strip()
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return name, total


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = {}
    order = []
    # Dumps are numbered in the order the bench took them: keep that order.
    paths = glob.glob(os.path.join(sys.argv[1], "cg.out.*"))
    for path in sorted(paths, key=lambda p: int(p.rsplit(".", 1)[1]) if p.rsplit(".", 1)[1].isdigit() else 0):
        name, total = read_dump(path)
        if name is None or total is None:
            continue
        parts = name.split()
        if len(parts) != 3 or not parts[2].isdigit():
            continue  # not one of the bench's dumps (e.g. the final one at exit)
        workload, alloc, n = parts
        rows[(workload, alloc)] = total / int(n)
        if alloc not in order:
            order.append(alloc)
    if not rows:
        sys.exit("instr_report.py: no callgrind dumps found (did the bench run under valgrind?)")
    out = []
    for workload in ("A", "B"):
        null = rows.get((workload, "null"))
        print(f"\n{workload}: instructions per {'alloc+free pair' if workload == 'A' else 'step'} (callgrind, exact)")
        print(f"  {'allocator':<10} {'instr/op':>10} {'minus null':>11}")
        for alloc in order:
            v = rows.get((workload, alloc))
            if v is None:
                continue
            minus = "" if alloc == "null" or null is None else f"{v - null:11.1f}"
            print(f"  {alloc:<10} {v:10.1f} {minus:>11}")
            out.append({"workload": workload, "allocator": alloc, "metric": "instr_per_op",
                        "median": round(v, 3), "min": round(v, 3), "max": round(v, 3)})
    with open(sys.argv[2], "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
