#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Merge the partial result files of `make bench` (timings) and `make bench-instr`
(instruction counts) into one results.json, so each target can run alone
without erasing the other's figures. Missing inputs are skipped.
Usage: merge_results.py OUT_JSON IN_JSON...
"""
import json
import os
import sys

rows = []
for path in sys.argv[2:]:
    if os.path.exists(path):
        with open(path) as f:
            rows.extend(json.load(f))
with open(sys.argv[1], "w") as f:
    f.write("[\n")
    f.write(",\n".join("  " + json.dumps(r) for r in rows))
    f.write("\n]\n")
print(f"{sys.argv[1]}: {len(rows)} rows")
