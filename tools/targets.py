#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-build the library for the embedded targets and report code size.

`make targets` runs this. For every target and configuration it compiles the
library sources (no tests) with -Os and the project's warning sets
(tools/warnings.txt), measures each
object with the toolchain's `size` (Berkeley format: .rodata counts as text),
prints one table per target and configuration, and writes build/targets/size.json.

Configurations: default (Kconfig defaults, which have tracing off) and minimal
(tests/configs/minimal.sdkconfig: no WAIT, no pressure callbacks, no heap
fallback, reduced counters, no byte counter or level test in allocate/free, no
pool registry, the CAS pop alone, no packed heads); the diagnostics
configurations (off, tracing, quotas) are tools/targets_diag.py's. It fails when
libgcc's 64-bit division (__aeabi_uldivmod, __udivdi3, __umoddi3, ...) is linked
into the alloc/free-only app (targets/size/min_app.c) of any target and
configuration (an application that never waits must not carry it), and when a
size goal that is met (GOALS_MET) is exceeded again.

Layers come from src/sources.txt: pool, manager, errors, the bare-metal port
of each target; diagnostics (diag) and the event bus (bus) are listed as not
built yet until the list has sources for them.

Standard library only (kconfiglib is used through tools/gen_config.py).
Usage: targets.py [--out DIR]
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def read_list(path, *keys):
    """Words after the key of every line of a LAYER/SET list whose key is in keys (src/sources.txt, tools/warnings.txt)."""
    words = []
    with open(os.path.join(ROOT, path)) as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith("#") and parts[0] in keys:
                words += parts[1:]
    return words


# The warning sets of every build (tools/warnings.txt); the cross compilers are GCC.
WARN = ["-std=c11", "-Os", "-ffunction-sections", "-fdata-sections"] + read_list("tools/warnings.txt", "all", "core", "gcc")
CORE_GOAL_TEXT = 2048  # pool + manager .text on Cortex-M4 -Os, minimal profile
APP_GOAL_TEXT = 1024  # core .text linked into min_app on Cortex-M4 -Os, minimal profile
# The goals above that are met: exceeding one again fails the run (a regression), the others are reported.
GOALS_MET = ("core in min_app",)
DEFAULT_CORE_BEFORE = 6472  # Cortex-M4 -Os default profile core .text at the last stop (f4d996e): must not grow
# libgcc's 64-bit division helpers (~700 bytes on Cortex-M): never in min_app.
LIBGCC_DIV64 = ("__aeabi_uldivmod", "__aeabi_ldivmod", "__udivdi3", "__divdi3", "__umoddi3", "__moddi3",
                "__udivmoddi4", "__divmoddi4")

PORT_BAREMETAL = read_list("src/sources.txt", "port-baremetal")
TARGETS = [
    {
        "name": "cortex-m4f",
        "prefix": "arm-none-eabi-",
        "flags": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard"],
        "port": PORT_BAREMETAL + read_list("src/sources.txt", "arch-cortex_m"),
        "link": ["--specs=nano.specs", "--specs=nosys.specs"],
    },
    {
        "name": "cortex-m0plus",
        "prefix": "arm-none-eabi-",
        "flags": ["-mcpu=cortex-m0plus", "-mthumb"],
        "port": PORT_BAREMETAL + read_list("src/sources.txt", "arch-cortex_m"),
        "link": ["--specs=nano.specs", "--specs=nosys.specs"],
    },
    {
        "name": "rv32imac",
        "prefix": "riscv64-unknown-elf-",
        "flags": ["-march=rv32imac_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"],
        "port": PORT_BAREMETAL + read_list("src/sources.txt", "arch-riscv"),
        # gcc 12's multilib table knows "rv32imac", not "rv32imac_zicsr": link with that name.
        "link": ["-march=rv32imac", "-mabi=ilp32"],
    },
    {
        "name": "rv32imc",
        "prefix": "riscv64-unknown-elf-",
        "flags": ["-march=rv32imc_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"],
        "port": PORT_BAREMETAL + read_list("src/sources.txt", "arch-riscv"),
        # No rv32imc multilib in Debian's picolibc: its rv32imac build stands in for the libc.
        "link": ["-march=rv32imac", "-mabi=ilp32"],
    },
    {
        "name": "xtensa-lx106",
        "prefix": "xtensa-lx106-elf-",
        # No libc in Debian's LX106 toolchain: freestanding <stdint.h> (builtins kept so
        # memcpy/memset still inline as on the other targets) and a declarations-only <string.h>.
        "flags": ["-mlongcalls", "-ffreestanding", "-fbuiltin", "-isystem", os.path.join(ROOT, "targets/libc-shim")],
        "port": PORT_BAREMETAL + read_list("src/sources.txt", "arch-xtensa"),
    },
]

LAYERS = [
    ("pool", read_list("src/sources.txt", "pool")),
    ("manager", read_list("src/sources.txt", "manager")),
    ("port", None),  # per target
    ("errors", read_list("src/sources.txt", "errors")),
    ("diagnostics", read_list("src/sources.txt", "diag")),
    ("event bus", read_list("src/sources.txt", "bus")),
]


def display_flags(flags):
    """Compiler flags as shown in the tables: without the -isystem shim path."""
    shown, skip = [], False
    for f in flags:
        if skip:
            skip = False
        elif f == "-isystem":
            skip = True
        else:
            shown.append(f)
    return " ".join(shown)


def run(cmd, **kw):
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        sys.stderr.write("$ " + " ".join(cmd) + "\n" + res.stdout + res.stderr)
        raise SystemExit("targets: command failed")
    return res.stdout


def write_configs(out):
    """default = Kconfig defaults; minimal = the minimal size profile, tests/configs/minimal.sdkconfig."""
    configs = {}
    kconfig = os.path.join(ROOT, "Kconfig")
    for name in ("default", "minimal"):
        d = os.path.join(out, "config", name)
        os.makedirs(d, exist_ok=True)
        cmd = [PYTHON, "tools/gen_config.py", kconfig, os.path.join(d, "sdkconfig.h")]
        if name == "minimal":
            cmd.append(os.path.join(ROOT, "tests", "configs", "minimal.sdkconfig"))
        run(cmd)
        configs[name] = d
    return configs


def lockfree(target):
    macros = run([target["prefix"] + "gcc"] + target["flags"] + ["-dM", "-E", "-x", "c", "/dev/null"])
    return "__GCC_HAVE_SYNC_COMPARE_AND_SWAP_4" in macros


def compile_one(target, cfg_dir, obj_dir, src):
    obj = os.path.join(obj_dir, os.path.basename(src)[:-2] + ".o")
    cmd = [target["prefix"] + "gcc"] + target["flags"] + WARN
    cmd += ["-I", "include", "-I", cfg_dir, "-I", "src/core", "-I", "src/port", "-I", "src/port/baremetal"]
    cmd += ["-c", src, "-o", obj]
    run(cmd)
    return obj


def berkeley(prefix, obj):
    lines = run([prefix + "size", obj]).splitlines()
    text, data, bss = (int(x) for x in lines[1].split()[:3])
    return text, data, bss


def pools_ram(prefix, manager_obj):
    """Bytes of the default pools in pool_manager.o: block storage, metadata words, control blocks."""
    storage = meta = control = 0
    for line in run([prefix + "nm", "-S", manager_obj]).splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[2] not in "dDbB":  # data objects only, not functions like *_get_pool
            continue
        size, sym = int(parts[1], 16), parts[3]
        if sym.endswith("_storage_"):
            storage += size
        elif sym.endswith("_meta_"):
            meta += size
        elif sym.endswith("_pool"):
            control += size
    return storage, meta, control


def biggest_functions(prefix, objs, n=10):
    rows = []
    for obj in objs:
        for line in run([prefix + "nm", "-S", "--size-sort", obj]).splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[2] in "tT":
                rows.append((int(parts[1], 16), parts[3], os.path.basename(obj)))
    return sorted(rows, reverse=True)[:n]


def app_functions(prefix, elf, objs):
    """Functions of the core's objects that the linked app keeps, biggest first."""
    defined = set()
    for obj in objs:
        for line in run([prefix + "nm", obj]).splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tT":
                defined.add(parts[2])
    rows = []
    for line in run([prefix + "nm", "-S", "--size-sort", elf]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT" and parts[3] in defined:
            rows.append((int(parts[1], 16), parts[3]))
    return sorted(rows, reverse=True)


def min_app(target, cfg_dir, obj_dir, layers, source="targets/size/min_app.c"):
    """Link `source` (targets/size/min_app.c: alloc/free only; min_bus_app.c: the event bus) with --gc-sections;
    bytes of .text/.rodata each layer keeps, from the map."""
    if "link" not in target:
        return None  # no libc to link against
    app = compile_one(target, cfg_dir, obj_dir, source)
    objs = [o for _, _, os_ in layers for o in os_]
    stem = os.path.basename(source)[:-2]
    elf = os.path.join(obj_dir, stem + ".elf")
    mapfile = os.path.join(obj_dir, stem + ".map")
    # The compile flags pick the multilib; "link" adds the libc and may override -march.
    run([target["prefix"] + "gcc"] + target["flags"] + target["link"] + ["-nostartfiles", "-Wl,--gc-sections", "-Wl,-e,main",
        "-Wl,-Map=" + mapfile, app] + objs + ["-o", elf])
    owner = {o: layer for layer, _, os_ in layers for o in os_}
    kept = kept_bytes(mapfile, owner.get)
    syms = set(line.split()[-1] for line in run([target["prefix"] + "nm", elf]).splitlines() if line.strip())
    kept["libgcc div64"] = sorted(syms.intersection(LIBGCC_DIV64))
    kept["elf"] = elf
    return kept


def kept_bytes(mapfile, owner_of):
    """Bytes of .text/.rodata input sections a link kept (GNU ld map file), summed by owner_of(object
    path), a name or None (not counted). Also used by tests/cpp/size/measure_cpp_layer.py."""
    kept = {}
    # Map lines: " .text.pool_take  0x00000010  0x164 path/fixed_pool.o" (name and numbers may wrap).
    pending = None
    in_memory_map = False  # the map first lists the discarded sections: skip those
    for line in open(mapfile):
        if not in_memory_map:
            in_memory_map = line.startswith("Linker script and memory map")
            continue
        parts = line.split()
        if pending is not None and len(parts) == 3 and parts[0].startswith("0x"):
            parts = [pending] + parts
        pending = None
        if len(parts) == 1 and re.match(r"\.(text|rodata)", parts[0]):
            pending = parts[0]
            continue
        if len(parts) == 4 and re.match(r"\.(text|rodata)", parts[0]) and parts[1].startswith("0x"):
            name = owner_of(os.path.normpath(os.path.join(ROOT, parts[3])))
            if name is not None:
                kept[name] = kept.get(name, 0) + int(parts[2], 16)
    return kept


def build(target, cfg_name, cfg_dir, out):
    obj_dir = os.path.join(out, target["name"], cfg_name)
    os.makedirs(obj_dir, exist_ok=True)
    layers = []
    for layer, srcs in LAYERS:
        srcs = target["port"] if srcs is None else srcs
        present = [s for s in srcs if os.path.exists(os.path.join(ROOT, s))]
        objs = [compile_one(target, cfg_dir, obj_dir, s) for s in present]
        layers.append((layer, srcs, objs))
    kept = min_app(target, cfg_dir, obj_dir, layers)
    if kept is not None and any(name == "event bus" and objs for name, _, objs in layers):
        kept["bus app"] = min_app(target, cfg_dir, obj_dir, layers, "targets/size/min_bus_app.c")
    return layers, kept


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "targets"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    configs = write_configs(out)

    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for t in TARGETS:
            for cname, cdir in configs.items():
                jobs[(t["name"], cname)] = ex.submit(build, t, cname, cdir, out)
    records = []
    core_m4 = {}
    profiles = {}  # (target, config) -> (core .text, core in min_app or None)
    div64 = []  # (target, config, symbols) where min_app links libgcc's 64-bit division
    for t in TARGETS:
        mode = "lock-free (32-bit CAS)" if lockfree(t) else "critical-section fallback (no 32-bit CAS)"
        for cname in configs:
            layers, kept = jobs[(t["name"], cname)].result()
            print()
            print("%s, config %s: %s-gcc %s -Os; atomics: %s"
                  % (t["name"], cname, t["prefix"][:-1], display_flags(t["flags"]), mode))
            print("  %-12s %-36s %7s %7s %7s" % ("layer", "objects", ".text", ".data", ".bss"))
            core_text = 0
            manager_objs = []
            for layer, srcs, objs in layers:
                names = " ".join(os.path.basename(s)[:-2] + ".o" for s in srcs)
                if not objs:
                    print("  %-12s %-36s %7s %7s %7s" % (layer, "(not built yet)", "-", "-", "-"))
                    records.append({"target": t["name"], "config": cname, "object": layer,
                                    "text": None, "data": None, "bss": None})
                    continue
                text = data = bss = 0
                for o in objs:
                    a, b, c = berkeley(t["prefix"], o)
                    text, data, bss = text + a, data + b, bss + c
                print("  %-12s %-36s %7d %7d %7d" % (layer, names, text, data, bss))
                records.append({"target": t["name"], "config": cname, "object": layer,
                                "text": text, "data": data, "bss": bss})
                if layer in ("pool", "manager"):
                    core_text += text
                    manager_objs += objs
            storage, meta, control = pools_ram(t["prefix"], layers[1][2][0])
            total = storage + meta + control
            print("  core (pool + manager) .text: %d bytes (goal < %d)" % (core_text, CORE_GOAL_TEXT))
            print("  default pools RAM: %d bytes = %d block storage + %d metadata + %d control blocks"
                  " (inside the manager's .data/.bss above)" % (total, storage, meta, control))
            records.append({"target": t["name"], "config": cname, "object": "default pools RAM",
                            "text": 0, "data": control, "bss": storage + meta})
            if kept is not None:
                core_kept = kept.get("pool", 0) + kept.get("manager", 0)
                print("  linked into targets/size/min_app.c (alloc/free only, --gc-sections): core .text %d"
                      " (pool %d, manager %d), port %d" % (core_kept, kept.get("pool", 0), kept.get("manager", 0),
                                                          kept.get("port", 0)))
                records.append({"target": t["name"], "config": cname, "object": "core linked in min_app",
                                "text": core_kept, "data": None, "bss": None})
                if kept["libgcc div64"]:
                    div64.append((t["name"], cname, kept["libgcc div64"]))
                print("  libgcc 64-bit division in min_app: %s" % (" ".join(kept["libgcc div64"]) or "none"))
                bus_app = kept.get("bus app")
                if bus_app is not None:
                    print("  linked into targets/size/min_bus_app.c (subscribe, publish, ISR publish, process):"
                          " event bus .text %d, core %d, port %d" % (bus_app.get("event bus", 0),
                                                                    bus_app.get("pool", 0) + bus_app.get("manager", 0),
                                                                    bus_app.get("port", 0)))
                    records.append({"target": t["name"], "config": cname, "object": "event bus linked in min_bus_app",
                                    "text": bus_app.get("event bus", 0), "data": None, "bss": None})
            profiles[(t["name"], cname)] = (core_text, None if kept is None else
                                             kept.get("pool", 0) + kept.get("manager", 0))
            if t["name"] == "cortex-m4f":
                core_m4[cname] = (core_text, manager_objs, t["prefix"], kept)
    with open(os.path.join(out, "size.json"), "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    # Both size profiles side by side on every target (issue 17).
    print()
    print("Size profiles, -Os, bytes of .text (core = pool + manager objects; app = core linked into min_app.c):")
    print("  %-14s %12s %12s %12s %12s" % ("target", "default core", "default app", "minimal core", "minimal app"))
    for t in TARGETS:
        row = []
        for cname in ("default", "minimal"):
            core, app = profiles[(t["name"], cname)]
            row += [str(core), "-" if app is None else str(app)]
        print("  %-14s %12s %12s %12s %12s" % tuple([t["name"]] + row))
    regressed = []  # goals of GOALS_MET exceeded
    if "minimal" in core_m4:
        text, objs, prefix, kept = core_m4["minimal"]
        app = kept.get("pool", 0) + kept.get("manager", 0)
        print()
        for what, value, goal in (("core .text", text, CORE_GOAL_TEXT), ("core in min_app", app, APP_GOAL_TEXT)):
            print("Cortex-M4 -Os minimal profile, %s: %d bytes, %s the %d-byte goal by %d bytes"
                  % (what, value, "within" if value <= goal else "OVER", goal, abs(goal - value)))
            if what in GOALS_MET and value > goal:
                regressed.append("Cortex-M4 -Os minimal profile, %s: %d bytes, over the %d-byte goal it met"
                                 % (what, value, goal))
        if text > CORE_GOAL_TEXT:
            print("Biggest core functions, minimal profile (nm --size-sort):")
            for size, sym, obj in biggest_functions(prefix, objs):
                print("  %6d  %-44s %s" % (size, sym, obj))
        if app > APP_GOAL_TEXT:
            print("Core functions linked into min_app, minimal profile (nm --size-sort):")
            for size, sym in app_functions(prefix, kept["elf"], objs):
                print("  %6d  %s" % (size, sym))
    if "default" in core_m4:
        grown = core_m4["default"][0] - DEFAULT_CORE_BEFORE
        print("Cortex-M4 -Os default profile, core .text: %d bytes (%+d against %d at the last stop)"
              % (core_m4["default"][0], grown, DEFAULT_CORE_BEFORE))
    # The C++ layer (issue 20): the same module app in C++ and in C, linked and compared.
    print(run([PYTHON, "tests/cpp/size/measure_cpp_layer.py", "--out", os.path.join(out, "cpp")]).rstrip("\n"))
    print()
    print("wrote " + os.path.relpath(os.path.join(out, "size.json"), ROOT))
    for line in regressed:
        print("FAIL: " + line)
    for name, cname, syms in div64:
        print("FAIL: %s, config %s: targets/size/min_app.c links libgcc's 64-bit division (%s)"
              % (name, cname, " ".join(syms)))
    if div64 or regressed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
