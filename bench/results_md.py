#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Format build/bench/results.json as the Markdown tables of bench/README.md.
Usage: results_md.py RESULTS_JSON
"""
import json
import sys

ORDER = ["pool", "pool255", "manager", "glibc", "jemalloc", "mimalloc", "tcmalloc", "null", "floor", "spinlock",
         "lfbare"]


def main():
    rows = json.load(open(sys.argv[1]))
    idx = {(r["workload"], r["allocator"], r["metric"]): r for r in rows}
    print("| allocator | A ns/pair | A instr | A instr − null | B ns/step | B instr | B instr − null "
          "| C ns/pair/thread | D ns/block |")
    print("|---|---|---|---|---|---|---|---|---|")
    for a in ORDER:
        cells = []
        for w in "AB":
            t = idx.get((w, a, "ns_per_op"))
            i = idx.get((w, a, "instr_per_op"))
            n = idx.get((w, "null", "instr_per_op"))
            cells.append(f"{t['median']:.1f} ({t['min']:.1f}–{t['max']:.1f})" if t else "–")
            cells.append(f"{i['median']:.1f}" if i else "–")
            cells.append(f"{i['median'] - n['median']:.1f}" if i and n and a != "null" else "")
        for w in "CD":
            t = idx.get((w, a, "ns_per_op"))
            cells.append(f"{t['median']:.1f} ({t['min']:.1f}–{t['max']:.1f})" if t else "not run")
        print(f"| {a} | " + " | ".join(cells) + " |")
    for wl in ("E64", "E1-512"):
        print(f"\n{wl} (ns, medians of 5 runs; timer window included)\n")
        print("| allocator | alloc p50 | alloc p99 | alloc p99.9 | alloc max | free p50 | free p99 | free p99.9 | free max |")
        print("|---|---|---|---|---|---|---|---|---|")
        for a in ORDER:
            cells = []
            for op in ("alloc", "free"):
                for m in ("p50_ns", "p99_ns", "p99_9_ns", "max_ns"):
                    r = idx.get((f"{wl}.{op}", a, m))
                    cells.append(f"{r['median']:.0f}" if r else "")
            if any(cells):
                print(f"| {a} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
