#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Instructions per alloc+free pair on the manager with the diagnostics layer in each state (bench_diag.c).

Reads the callgrind dumps of one `bench_diag ROW` run per directory (dumps "DIAG <row> <n>" and
"DIAG null <n>"), subtracts each run's own null loop, prints the rows and writes them as bench JSON rows
(workload "DIAG", metric instr_per_op and locked_rmw_per_op, like instr_report.py).
Usage: bench_diag_report.py OUT_JSON CALLGRIND_DIR...
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from instr_report import read_dump  # noqa: E402  (same dump reader as the A/B/F rows)

LABELS = {
    "off": "diagnostics off (library alone)",
    "stats": "statistics on (diagnostics object, tracing off)",
    "points": "tracing compiled in, no hook installed",
    "tracing": "tracing on (side tables, owner set)",
    "quota-none": "tracing + quotas compiled in, none set",
    "quota": "tracing + a quota set (admission check)",
}


def run_rows(directory):
    """{row: (instr per op, locked RMW per op)} of one run, the null row included."""
    rows = {}
    for path in glob.glob(os.path.join(directory, "cg.out.*")):
        name, total, ge = read_dump(path)
        parts = (name or "").split()
        if total is None or len(parts) != 3 or parts[0] != "DIAG" or not parts[2].isdigit():
            continue
        n = int(parts[2])
        rows[parts[1]] = (total / n, None if ge is None else ge / n)
    return rows


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = []
    print("\nDIAG: manager alloc+free pair (48 B, STRICT) with the diagnostics layer; callgrind, exact")
    print(f"  {'row':<11} {'instr/pair':>10} {'minus null':>11} {'vs off':>8} {'locked RMW':>11}  what")
    base = None
    for directory in sys.argv[2:]:
        rows = run_rows(directory)
        null = rows.get("null")
        measured = [r for r in rows if r != "null"]
        if null is None or len(measured) != 1:
            sys.exit(f"bench_diag_report.py: {directory}: expected one row and the null loop, found {sorted(rows)}")
        row = measured[0]
        instr, locked = rows[row]
        minus = instr - null[0]
        if row == "off":
            base = minus
        delta = "" if base is None else f"{minus - base:+8.1f}"
        lk = "" if locked is None else f"{locked:11.2f}"
        print(f"  {row:<11} {instr:10.1f} {minus:11.1f} {delta:>8} {lk:>11}  {LABELS.get(row, '')}")
        out.append({"workload": "DIAG", "allocator": row, "metric": "instr_per_op",
                    "median": round(minus, 3), "min": round(minus, 3), "max": round(minus, 3)})
        if locked is not None:
            out.append({"workload": "DIAG", "allocator": row, "metric": "locked_rmw_per_op",
                        "median": round(locked, 3), "min": round(locked, 3), "max": round(locked, 3)})
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
