#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Print and plot the fragmentation runs written by run_frag.sh.

For each heap factor F: OUT/fF/run1.txt, run2.txt (firmware output) and
peaks.txt. Prints a summary per factor and both checkpoint series of the
first factor, and writes OUT/frag_fF.png (gnuplot) per factor plus
OUT/frag.png (the first factor).
Usage: frag_report.py OUT_DIR FACTOR...
"""
import os
import shutil
import subprocess
import sys


def parse(path):
    run = {"cp": [], "classes": []}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "RUN":
                run["header"] = dict(zip(w[2::2], map(int, w[3::2])))
            elif w[0] == "CP":
                run["cp"].append(tuple(map(int, w[2:])))  # step largest free small_f large_f large_req
            elif w[0] == "END":
                run["end"] = dict(zip(w[2::2], map(int, w[3::2])))
            elif w[0] == "CLASS":
                run["classes"].append(" ".join(w[1:]))
    if "end" not in run:
        sys.exit(f"frag_report.py: {path} has no END line: the firmware did not finish (see the file)")
    return run


def plot(out_png, data, title, fail_max):
    # $1 is gnuplot's column 1, not a Python field: the f-string leaves it alone.
    script = f"""
set terminal pngcairo size 1000,700 noenhanced
set output '{out_png}'
set multiplot layout 2,1 title '{title}'
set grid
set key outside right
set xlabel 'step (thousands)'
set ylabel 'largest free block (bytes)'
set yrange [0:*]
plot '{data}' using ($1/1000):2 with steps lw 2 title 'run 1: all on heap', \\
     '{data}' using ($1/1000):3 with steps lw 2 title 'run 2: small via manager'
set ylabel 'failed allocations (cumulative)'
# Explicit range: with no failure at all the axis would otherwise be empty.
set yrange [0:{max(1, fail_max) * 1.1:.1f}]
plot '{data}' using ($1/1000):4 with steps lw 2 title 'run 1 large', \\
     '{data}' using ($1/1000):5 with steps lw 2 title 'run 2 large', \\
     '{data}' using ($1/1000):6 with steps lw 2 dt 2 title 'run 1 small', \\
     '{data}' using ($1/1000):7 with steps lw 2 dt 2 title 'run 2 small'
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        return True
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"  (no plot: gnuplot failed: {e})")
        return False


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    factors = sys.argv[2:]
    print("Fragmentation on the Cortex-M4 (QEMU mps2-an386), newlib malloc over a fixed heap, 10^6 steps")
    for i, factor in enumerate(factors):
        d = os.path.join(out, f"f{factor}")
        peaks = dict(line.strip().split("=", 1) for line in open(os.path.join(d, "peaks.txt")) if "=" in line)
        r1 = parse(os.path.join(d, "run1.txt"))
        r2 = parse(os.path.join(d, "run2.txt"))
        print(f"\nTotal RAM N = {r1['header']['total_ram']} bytes = {factor}% of the peak live bytes "
              f"({peaks['FRAG_PEAK_LIVE_BYTES']}), rounded up to 1 KiB")
        print(f"  run 2: pools {r2['header']['pool_ram']} bytes (class counts at the peaks), "
              f"heap {r2['header']['heap']} bytes")
        print(f"  {'run':<28} {'large failed':>14} {'small failed':>16} {'largest free min':>17} "
              f"{'median':>8} {'final':>8}")
        for name, r in (("1: everything on the heap", r1), ("2: small objects in pools", r2)):
            e = r["end"]
            largest = sorted(c[1] for c in r["cp"])
            print(f"  {name:<28} {e['large_failures']:>6} / {e['large_requests']:<6}"
                  f" {e['small_failures']:>7} / {e['small_requests']:<7}"
                  f" {largest[0]:>17} {largest[len(largest) // 2]:>8} {r['cp'][-1][1]:>8}")
        for name, r in (("run 1", r1), ("run 2", r2)):
            e = r["end"]
            if "large_fail_fragmentation" in e:
                print(f"    {name} large failures: {e['large_fail_fragmentation']} with enough free bytes in total "
                      f"(fragmentation), {e['large_fail_shortage']} without (shortage)")
        for c in r2["classes"]:
            print(f"    run 2 class {c}")
        data = os.path.join(d, "series.dat")
        with open(data, "w") as f:
            f.write("# step largest1 largest2 large_fail1 large_fail2 small_fail1 small_fail2\n")
            for a, b in zip(r1["cp"], r2["cp"]):
                f.write(f"{a[0]} {a[1]} {b[1]} {a[4]} {b[4]} {a[3]} {b[3]}\n")
        if i == 0:
            print(f"\n  series (N = {r1['header']['total_ram']}): step, largest free block run1/run2, "
                  "failed large run1/run2, failed small run1/run2")
            for line in open(data):
                if not line.startswith("#"):
                    print("   " + " ".join(f"{v:>8}" for v in line.split()))
        png = os.path.join(out, f"frag_f{factor}.png")
        title = (f"N = {r1['header']['total_ram']} B ({factor}% of peak live bytes); "
                 f"run 2: pools {r2['header']['pool_ram']} B + heap {r2['header']['heap']} B")
        fail_max = max(max(c[3], c[4]) for c in r1["cp"] + r2["cp"])
        if plot(png, data, title, fail_max):
            print(f"  plot: {png}")
            if i == 0:
                shutil.copyfile(png, os.path.join(out, "frag.png"))


if __name__ == "__main__":
    main()
