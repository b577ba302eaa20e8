#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Diagnostics size check for every cross target (`make targets`, after tools/targets.py).

Three configurations from Kconfig defaults: diag-off (tracing off: the trace hook
points, the call-site strings and the tracing side tables compiled out), tracing
(MEMORY_POOL_ENABLE_TRACING) and quotas (tracing + MEMORY_DIAG_OWNER_QUOTAS). For
each target and configuration it compiles the core and the diagnostics layer
(tools/targets.py's targets, flags and warning sets) and reports:
  - core .text (pool + manager + errors): what the hook points cost the core;
  - the diagnostics objects' .text/.data/.bss, and the side tables in them (nm:
    the per-block arrays of trace_tables.c) with their bytes per tracked block;
  - linked with --gc-sections: targets/size/min_app.c (alloc/free only) and
    targets/size/min_diag_app.c (init, snapshot, JSON, health, leaks): the bytes
    of each layer the application keeps.
It FAILS (exit 1) when diag-off still has side tables, when the side tables of
the tracing build are not MAX_TRACKED_BLOCKS x the per-block record, or when
an application that never calls the diagnostics links any of their bytes.
Writes OUT/size_diag.json. Usage: targets_diag.py [--out DIR]
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets as T  # noqa: E402  (targets, flags, compile, size and map readers of make targets)

SIDE_TABLES = ("s_file", "s_time", "s_line", "s_req", "s_owner")  # src/diag/trace_tables.c, one entry per block
CONFIGS = {
    "diag-off": [],
    "tracing": ["CONFIG_MEMORY_POOL_ENABLE_TRACING=y"],
    "quotas": ["CONFIG_MEMORY_POOL_ENABLE_TRACING=y", "CONFIG_MEMORY_DIAG_OWNER_QUOTAS=y"],
}


def write_configs(out):
    dirs = {}
    for name, lines in CONFIGS.items():
        d = os.path.join(out, "config", name)
        os.makedirs(d, exist_ok=True)
        frag = os.path.join(d, "sdkconfig")
        with open(frag, "w") as f:
            f.write("# tools/targets_diag.py: Kconfig defaults plus\n")
            f.write("".join(line + "\n" for line in lines))
        T.run([T.PYTHON, "tools/gen_config.py", os.path.join(T.ROOT, "Kconfig"), os.path.join(d, "sdkconfig.h"), frag])
        dirs[name] = d
    return dirs


def tracked_blocks(cfg_dir):
    text = open(os.path.join(cfg_dir, "sdkconfig.h")).read()
    m = re.search(r"#define\s+CONFIG_MEMORY_DIAG_MAX_TRACKED_BLOCKS\s+(\d+)", text)
    return int(m.group(1)) if m else 0


def side_tables(prefix, obj):
    """{symbol: bytes} of the tracing side tables in trace_tables.o."""
    found = {}
    for line in T.run([prefix + "nm", "-S", obj]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "bBdD" and parts[3] in SIDE_TABLES:
            found[parts[3]] = int(parts[1], 16)
    return found


def for_diag_app(target):
    """The target with room for the diagnostics app: picolibc's default linker script gives 32 KiB of RAM, less than
    the default pools plus 13 KiB of side tables (only the link's memory map changes, not the code measured)."""
    if "picolibc" in " ".join(target["flags"]):
        return dict(target, link=target["link"] + ["-Wl,--defsym=__ram_size=0x40000",
                                                   "-Wl,--defsym=__flash_size=0x40000"])
    return target


def build(target, cfg_name, cfg_dir, out):
    obj_dir = os.path.join(out, target["name"], cfg_name)
    os.makedirs(obj_dir, exist_ok=True)
    diag_srcs = T.read_list("src/sources.txt", "diag")
    if "link" in target:  # the JSON writer needs the C library's vsnprintf
        diag_srcs += T.read_list("src/sources.txt", "diag-json")
    layers = []
    for layer, srcs in (("core", T.read_list("src/sources.txt", "pool", "manager", "errors")),
                        ("port", target["port"]), ("diagnostics", diag_srcs)):
        objs = [T.compile_one(target, cfg_dir, obj_dir, s) for s in srcs]
        layers.append((layer, srcs, objs))
    return layers


def sizes(prefix, objs):
    text = data = bss = 0
    for o in objs:
        a, b, c = T.berkeley(prefix, o)
        text, data, bss = text + a, data + b, bss + c
    return text, data, bss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(T.ROOT, "build", "targets", "diag"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    cfgs = write_configs(out)
    records, failures = [], []
    for t in T.TARGETS:
        print()
        print("%s: diagnostics size check (%s-gcc %s -Os)" % (t["name"], t["prefix"][:-1], T.display_flags(t["flags"])))
        print("  %-9s %10s %24s %12s %12s %14s %14s" % ("config", "core .text", "diag .text/.data/.bss",
                                                         "side tables", "B per block", "min_app diag",
                                                         "diag app diag"))
        for cname, cdir in cfgs.items():
            layers = build(t, cname, cdir, out)
            objs = {name: o for name, _, o in layers}
            core_text = sizes(t["prefix"], objs["core"])[0]
            dtext, ddata, dbss = sizes(t["prefix"], objs["diagnostics"])
            trace_obj = [o for o in objs["diagnostics"] if os.path.basename(o) == "trace_tables.o"][0]
            tables = side_tables(t["prefix"], trace_obj)
            table_bytes = sum(tables.values())
            tracked = tracked_blocks(cdir)
            per_block = table_bytes / tracked if tracked and tables else 0.0
            kept = T.min_app(for_diag_app(t), cdir, os.path.join(out, t["name"], cname), layers)
            kept_diag = T.min_app(for_diag_app(t), cdir, os.path.join(out, t["name"], cname), layers,
                                  "targets/size/min_diag_app.c")
            app_diag = "-" if kept is None else str(kept.get("diagnostics", 0))
            diag_app = "-" if kept_diag is None else str(kept_diag.get("diagnostics", 0))
            print("  %-9s %10d %24s %12d %12s %14s %14s" % (cname, core_text, "%d/%d/%d" % (dtext, ddata, dbss),
                                                           table_bytes, "%.0f" % per_block if tables else "-",
                                                           app_diag, diag_app))
            records.append({"target": t["name"], "config": cname, "core_text": core_text, "diag_text": dtext,
                            "diag_data": ddata, "diag_bss": dbss, "side_table_bytes": table_bytes,
                            "tracked_blocks": tracked, "side_table_bytes_per_block": per_block,
                            "min_app_diag_text": None if kept is None else kept.get("diagnostics", 0),
                            "min_diag_app_diag_text": None if kept_diag is None else kept_diag.get("diagnostics", 0),
                            "min_diag_app_core_text": None if kept_diag is None else kept_diag.get("core", 0)})
            if cname == "diag-off" and tables:
                failures.append("%s diag-off: side tables present: %s" % (t["name"], ", ".join(sorted(tables))))
            if cname != "diag-off" and (len(tables) != len(SIDE_TABLES) or table_bytes % tracked != 0):
                failures.append("%s %s: side tables %s are not %d x a per-block record" % (t["name"], cname, tables,
                                                                                          tracked))
            if kept is not None and kept.get("diagnostics", 0) != 0:
                failures.append("%s %s: min_app (no diagnostics calls) links %d bytes of the diagnostics"
                                % (t["name"], cname, kept["diagnostics"]))
        off = [r for r in records if r["target"] == t["name"] and r["config"] == "diag-off"][0]
        on = [r for r in records if r["target"] == t["name"] and r["config"] == "tracing"][0]
        print("  tracing costs the core %+d bytes of .text (hook points, call-site arguments) and the diagnostics"
              " %+d .bss (side tables %d = %d blocks x %.0f B)" % (on["core_text"] - off["core_text"],
                                                                 on["diag_bss"] - off["diag_bss"],
                                                                 on["side_table_bytes"], on["tracked_blocks"],
                                                                 on["side_table_bytes_per_block"]))
    with open(os.path.join(out, "size_diag.json"), "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    print()
    for msg in failures:
        print("FAIL: " + msg)
    print("diagnostics size check: %s; wrote %s" % ("FAILED" if failures else "passed",
                                                     os.path.relpath(os.path.join(out, "size_diag.json"), T.ROOT)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
