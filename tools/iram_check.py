#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prove that everything the ISR-safe API reaches is placed in IRAM/DRAM.

On ESP-IDF an interrupt registered with ESP_INTR_FLAG_IRAM runs while the
flash cache is off; a library function or constant table it reaches that sits
in flash faults. The library marks them with MODESP_IRAM_ATTR /
MODESP_DRAM_ATTR (include/modesp/mempool_attr.h). This check compiles the
library for a target with -ffunction-sections -fdata-sections, so that every
function and every data object has a section of its own, reads each object's
sections, symbols and relocations (binutils `readelf`, any ELF machine), and
walks the graph "section S refers to section T" from the ISR-safe entry
points. It fails when a reached function is outside the IRAM sections, a
reached read-only object is outside the DRAM sections, or a reached external
symbol is not on the profile's list of externals known to be in IRAM/ROM.

Profiles (each compiled at -Os and at -Og, ESP-IDF's default "debug"
optimisation, where fewer helpers are inlined):
  rv32imac     bare-metal port, RISC-V (IRAM = .text.modesp_iram.N)
  cortex-m4    bare-metal port, Cortex-M4 (same sections)
  esp32c3      ESP-IDF port against tests/port_decls (whose esp_attr.h has
               ESP-IDF's IRAM_ATTR shape: .iram1.N / .dram1.N),
               -march=rv32imc_zicsr_zifencei

Tracing pass (issue 14): every profile is compiled a second time with Kconfig
MEMORY_POOL_ENABLE_TRACING and MEMORY_DIAG_OWNER_QUOTAS, the diagnostics layer
included, and the walk also starts from the hook tables the diagnostics install
(TRACING_TABLES): the core's hook points call through them in the ISR, so each
table must be in DRAM and every function it reaches in IRAM.

Where the walk stops (STOP): functions documented "ISR-safe: no" that the
reached code calls only on a path an ISR never takes, because the caller
refused the ISR before the call (named with that reason below). A stop that
is reached by any other function is not exempt: the list is of edges.

--strip-attr FILE:NAME compiles FILE with the attribute removed from the
definition of the function or table NAME (a copy in the build directory), to
show the check fail; --self-test does that for one function per profile (and for the quota admission
hook, src/diag/quota.c:admit, in the tracing pass) and fails unless the check catches it.

Prints per profile the reached functions and tables with their bytes, and
writes OUT/iram.json (the IRAM and DRAM bytes each profile costs).
--objects DIR checks objects compiled elsewhere (tools/idf_check.sh, against a real ESP-IDF tree,
where IRAM_ATTR is ESP-IDF's own) with one profile's list of externals.

Usage: iram_check.py [--out DIR] [--profile NAME]... [--strip-attr F:FN] [--self-test] [-v]
       iram_check.py --objects DIR [--profile esp32c3]
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# The ISR-safe API whose whole reach must be in IRAM (issue 16).
ENTRY_POINTS = [
    "modesp_pool_allocate", "modesp_pool_allocate_at", "modesp_pool_deallocate",
    "modesp_pool_manager_allocate", "modesp_pool_manager_allocate_at", "modesp_pool_manager_allocate_ex",
    "modesp_pool_manager_allocate_critical", "modesp_pool_manager_free", "modesp_pool_manager_deallocate",
    "modesp_port_critical_enter", "modesp_port_critical_exit", "modesp_port_in_isr",
    "modesp_bus_publish_from_isr_fields",
]

# Tracing pass: (object, local symbol) of the hook tables the diagnostics layer installs (modesp_trace_set_hooks,
# modesp_admission_set_hook); the core calls through them from every allocation and free, ISRs included.
TRACING_TABLES = [("trace_tables.o", "s_hooks"), ("quota.o", "s_hook")]
TRACING_SDKCONFIG = "CONFIG_MEMORY_POOL_ENABLE_TRACING=y\nCONFIG_MEMORY_DIAG_OWNER_QUOTAS=y\n"
TRACING_STRIP = ("src/diag/quota.c", "admit")  # --self-test: stripped in the tracing pass, must be caught

# (caller, callee): an edge the walk does not follow, and why an ISR never takes it.
_NOT_IN_ISR = "called only when !modesp_port_in_isr() (pressure_after, modesp_mgr_deliver_if_pending_)"
STOP_EDGES = {
    ("allocate_class", "modesp_mgr_wait_for_block_"):
        "WAIT: allocate_ex returns ESP_ERR_INVALID_STATE in an ISR before allocate_class",
    ("allocate_class", "modesp_mgr_heap_take_"):
        "HEAP_FALLBACK: allocate_class returns ESP_ERR_INVALID_STATE in an ISR before the heap step",
    ("allocate_ex", "modesp_mgr_wait_for_block_"): "allocate_class inlined into allocate_ex: as above",
    ("allocate_ex", "modesp_mgr_heap_take_"): "allocate_class inlined into allocate_ex: as above",
    # pressure_after is inlined (always_inline) into its callers except under -Os
    ("pressure_after", "modesp_mgr_deliver_"): _NOT_IN_ISR,
    ("take_class", "modesp_mgr_deliver_"): _NOT_IN_ISR,
    ("give_back", "modesp_mgr_deliver_"): _NOT_IN_ISR,
    ("modesp_mgr_deliver_if_pending_", "modesp_mgr_deliver_"): _NOT_IN_ISR,
    ("modesp_port_waitq_signal", "xQueueGenericSend"): "xSemaphoreGive: the task branch of `if (modesp_port_in_isr())`",
    ("pool_quarantine", "modesp_port_log"): "called only when !modesp_port_in_isr()",
}

# Externals (not in the library) an ISR path may call, per profile, and why they are safe.
_CRIT = ("ESP-IDF portmacro.h: always-inline, over port.c's critical-section calls, which stay in IRAM even "
         "with FREERTOS_PLACE_FUNCTIONS_INTO_FLASH")
_ROM_LIBGCC = "libgcc 64-bit division: in the ROM of every ESP32 chip (esp_rom's <chip>.rom.libgcc.ld)"
_ROM_LIBC = ("libc: ESP-IDF keeps memcpy/memset/strlen usable with the cache off: chip ROM, or IRAM "
             "(newlib libc.lf, noflash) when the ROM copies are not used")
EXTERNALS = {
    "baremetal": {
        "memset": _ROM_LIBC,
        "memcpy": _ROM_LIBC,
        "strlen": _ROM_LIBC,
        "__udivdi3": _ROM_LIBGCC,
        "__umoddi3": _ROM_LIBGCC,
        "__aeabi_uldivmod": "libgcc 64-bit division (Arm EABI name); the ESP32 chips have theirs in ROM",
    },
    "esp32c3": {
        "memset": _ROM_LIBC,
        "memcpy": _ROM_LIBC,
        "strlen": _ROM_LIBC,
        "__udivdi3": _ROM_LIBGCC,
        "__umoddi3": _ROM_LIBGCC,
        "esp_timer_get_time": "ESP-IDF esp_timer: IRAM with CONFIG_ESP_TIMER_IN_IRAM (ESP_TIMER_IRAM_ATTR)",
        "vPortEnterCriticalSafe": _CRIT,
        "vPortExitCriticalSafe": _CRIT,
        "vPortEnterCritical": _CRIT,  # what vPortEnterCriticalSafe inlines to with the real headers
        "vPortExitCritical": _CRIT,
        "xPortEnterCriticalTimeout": _CRIT,  # dual-core chips (esp32p4, esp32s3)
        "vPortExitCriticalMultiCore": _CRIT,
        "xPortInIsrContext": "ESP-IDF FreeRTOS port.c: IRAM (kept there with FREERTOS_PLACE_FUNCTIONS_INTO_FLASH)",
        "vPortYieldFromISR": "ESP-IDF FreeRTOS port.c: IRAM (kept there with FREERTOS_PLACE_FUNCTIONS_INTO_FLASH)",
        "xQueueGiveFromISR": "FreeRTOS queue.c: IRAM in ESP-IDF's freertos linker.lf unless "
                             "FREERTOS_PLACE_ISR_FUNCTIONS_INTO_FLASH",
    },
}

IRAM_PREFIXES = (".text.modesp_iram.", ".iram1.")
DRAM_PREFIXES = (".rodata.modesp_dram.", ".dram1.")

PORT_DIRS = {"baremetal": "baremetal", "esp32c3": "esp_idf"}


def read_list(path, *keys):
    words = []
    with open(os.path.join(ROOT, path)) as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith("#") and parts[0] in keys:
                words += parts[1:]
    return words


CORE = read_list("src/sources.txt", "pool", "manager", "errors", "bus")
DIAG = read_list("src/sources.txt", "diag")


def layer_of(obj_base):
    """pool, manager, errors, bus or port: the src/sources.txt layer of an object file."""
    with open(os.path.join(ROOT, "src/sources.txt")) as f:
        for line in f:
            w = line.split()
            if len(w) == 2 and not w[0].startswith("#") and os.path.basename(w[1])[:-2] == obj_base[:-2]:
                return "port" if w[0].startswith(("port-", "arch-")) else w[0]
    return "?"
WARN = ["-std=c11"] + read_list("tools/warnings.txt", "all", "core", "gcc")
# ESP-IDF builds every file with these (its memory-types guide): switch jump tables and
# switch-conversion lookup tables would land in flash, out of reach of an IRAM function.
SECTIONS = ["-ffunction-sections", "-fdata-sections", "-fno-jump-tables", "-fno-tree-switch-conversion"]

PROFILES = {
    "rv32imac": {
        "cc": "riscv64-unknown-elf-gcc",
        "flags": ["-march=rv32imac_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"],
        "port": "baremetal",
        "sources": read_list("src/sources.txt", "port-baremetal", "arch-riscv"),
        "defines": [],
        "includes": [],
        "strip": ("src/core/fixed_pool_free.c", "modesp_pool_deallocate"),
    },
    "cortex-m4": {
        "cc": "arm-none-eabi-gcc",
        "flags": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard"],
        "port": "baremetal",
        "sources": read_list("src/sources.txt", "port-baremetal", "arch-cortex_m"),
        "defines": [],
        "includes": [],
        "strip": ("src/port/baremetal/port_cortex_m.c", "modesp_port_critical_enter"),
    },
    "esp32c3": {
        "cc": "riscv64-unknown-elf-gcc",
        "flags": ["-march=rv32imc_zicsr_zifencei", "-mabi=ilp32", "--specs=picolibc.specs"],
        "port": "esp32c3",
        "sources": read_list("src/sources.txt", "port-esp_idf"),
        "defines": ["-DESP_PLATFORM=1", "-DMODESP_PORT_ESP_IDF=1"],
        "includes": ["tests/port_decls"],
        "strip": ("src/core/manager.c", "modesp_pool_manager_free"),
    },
}
OPT_LEVELS = ["-Os", "-Og"]


def run(cmd):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if res.returncode != 0:
        sys.stderr.write(" ".join(cmd) + "\n" + res.stdout + res.stderr)
        raise SystemExit("iram-check: command failed")
    return res.stdout


def strip_attr(src, func, out_dir):
    """A copy of src whose definition of func lacks MODESP_IRAM_ATTR (for the negative test)."""
    with open(os.path.join(ROOT, src)) as f:
        text = f.read()
    pattern = re.compile(r"MODESP_[ID]RAM_ATTR\s+((?:[A-Za-z_][\w ]*?\**\s*)\b" + re.escape(func) + r"\s*[\(\[])")
    new, n = pattern.subn(r"\1", text, count=1)
    if n != 1:
        raise SystemExit("iram-check: no MODESP_IRAM_ATTR/MODESP_DRAM_ATTR on the definition of %s in %s" %
                         (func, src))
    copy = os.path.join(out_dir, "stripped_" + os.path.basename(src))
    with open(copy, "w") as f:
        f.write('#line 1 "%s"\n' % src)
        f.write(new)
    return copy


def compile_profile(name, opt, out, strip=None, tracing=False):
    p = PROFILES[name]
    odir = os.path.join(out, name + opt.replace("-", "_") + ("_tracing" if tracing else ""))
    os.makedirs(odir, exist_ok=True)
    incs = ["-I" + os.path.join(ROOT, d) for d in p["includes"]]
    incs += ["-I" + os.path.join(ROOT, "include"), "-I" + os.path.join(out, "config-tracing" if tracing else "config"),
             "-I" + os.path.join(ROOT, "src/core"), "-I" + os.path.join(ROOT, "src/port"),
             "-I" + os.path.join(ROOT, "src/port", PORT_DIRS[p["port"]])]
    objs = []
    for src in CORE + p["sources"] + (DIAG if tracing else []):
        path = os.path.join(ROOT, src)
        if strip and strip[0] == src:
            path = strip_attr(src, strip[1], odir)
            incs_extra = ["-I" + os.path.dirname(os.path.join(ROOT, src))]
        else:
            incs_extra = []
        obj = os.path.join(odir, os.path.basename(src)[:-2] + ".o")
        run([p["cc"]] + p["flags"] + [opt] + SECTIONS + WARN + p["defines"] + incs_extra + incs +
            ["-c", path, "-o", obj])
        objs.append(obj)
    return objs


class Obj:
    """Sections, symbols and relocations of one relocatable ELF object, from readelf."""

    def __init__(self, path):
        self.path = path
        self.sections = {}  # index -> (name, flags, size)
        self.rel_target = {}  # relocation section name -> target section index
        for line in run(["readelf", "-W", "-S", path]).splitlines():
            m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+"
                         r"([A-Za-z]*)\s+(\d+)\s+(\d+)", line)
            if m:
                idx, name, typ, size, flags, _link, info = m.groups()
                self.sections[int(idx)] = (name, flags, int(size, 16))
                if typ in ("REL", "RELA"):
                    self.rel_target[name] = int(info)
        self.symbols = []  # index -> (name, type, bind, ndx)
        for line in run(["readelf", "-W", "-s", path]).splitlines():
            m = re.match(r"\s*(\d+):\s+[0-9a-f]+\s+\d+\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s*(\S*)", line)
            if m:
                num, typ, bind, ndx, name = m.groups()
                while len(self.symbols) < int(num):
                    self.symbols.append(None)
                self.symbols.append((name, typ, bind, int(ndx) if ndx.isdigit() else ndx))
        # section index -> symbol names defined in it (functions and objects)
        self.defined = {}
        for s in self.symbols:
            if s and isinstance(s[3], int) and s[1] in ("FUNC", "OBJECT") and s[0]:
                self.defined.setdefault(s[3], []).append(s[0])
        self.refs = {}  # section index -> set of symbol indices it refers to
        shift = 32 if "ELF64" in run(["readelf", "-h", path]) else 8
        current = None
        for line in run(["readelf", "-W", "-r", path]).splitlines():
            m = re.match(r"Relocation section '([^']+)'", line)
            if m:
                current = self.rel_target.get(m.group(1))
                continue
            m = re.match(r"\s*[0-9a-f]+\s+([0-9a-f]+)\s+\S+", line)
            if m and current is not None:
                sym = int(m.group(1), 16) >> shift
                if sym:
                    self.refs.setdefault(current, set()).add(sym)

    def label(self, sec):
        names = self.defined.get(sec)
        return "/".join(sorted(set(names))) if names else self.sections[sec][0]


def check(objs, profile, verbose, tables=()):
    """Walk from the entry points (and the (object, local symbol) tables); return (problems, reached, externals,
    bytes)."""
    parsed = [Obj(o) for o in objs]
    global_def = {}
    for o in parsed:
        for s in o.symbols:
            if s and s[2] in ("GLOBAL", "WEAK") and isinstance(s[3], int):
                global_def[s[0]] = (o, s[3])
    externals = EXTERNALS[PROFILES[profile]["port"] if PROFILES[profile]["port"] in EXTERNALS else "baremetal"]
    problems, reached, seen, ext_seen = [], [], set(), set()
    stack = []
    for e in ENTRY_POINTS:
        if e not in global_def:
            problems.append("entry point %s is not defined" % e)
        else:
            stack.append((global_def[e], "<entry>"))
    for obj_base, sym in tables:
        hits = [(o, s[3]) for o in parsed if os.path.basename(o.path) == obj_base
                for s in o.symbols if s and s[0] == sym and isinstance(s[3], int)]
        if not hits:
            problems.append("hook table %s is not defined in %s" % (sym, obj_base))
        stack += [(h, "<hook table>") for h in hits]
    while stack:
        (o, sec), via = stack.pop()
        key = (o.path, sec)
        if key in seen:
            continue
        seen.add(key)
        name, flags, size = o.sections[sec]
        lbl = o.label(sec)
        base = os.path.basename(o.path)
        if "X" in flags:
            ok = name.startswith(IRAM_PREFIXES)
            kind = "function"
        elif "W" in flags:
            if via == "<hook table>":  # a hook table in RAM: safe; the functions it points to are what runs
                for symi in sorted(o.refs.get(sec, ())):
                    sname, _typ, _bind, ndx = o.symbols[symi]
                    if isinstance(ndx, int):
                        stack.append(((o, ndx), lbl))
                    elif sname in global_def:
                        stack.append((global_def[sname], lbl))
            continue  # RAM data (.data, .bss): safe, and not followed (it holds names for task-side reports)
        else:
            ok = name.startswith(DRAM_PREFIXES)
            kind = "constant"
        reached.append((kind, lbl, name, size, base))
        if not ok:
            problems.append("%s %s (%s, section %s, reached from %s) is not in %s" %
                            (kind, lbl, base, name, via, "IRAM" if kind == "function" else "DRAM"))
        for symi in sorted(o.refs.get(sec, ())):
            sname, _typ, _bind, ndx = o.symbols[symi]
            if isinstance(ndx, int):
                target = (o, ndx)
            elif sname in global_def:
                target = global_def[sname]
            elif (lbl, sname) in STOP_EDGES:
                continue
            else:
                if sname not in externals:
                    problems.append("external %s (called from %s) is not known to be in IRAM/ROM" % (sname, lbl))
                ext_seen.add(sname)
                continue
            tlabel = target[0].label(target[1])
            if (lbl, tlabel) in STOP_EDGES:
                if verbose:
                    print("    stop %s -> %s: %s" % (lbl, tlabel, STOP_EDGES[(lbl, tlabel)]))
                continue
            if target[0] is o and target[1] == sec:
                continue
            stack.append((target, lbl))
    iram = sum(r[3] for r in reached if r[0] == "function" and r[2].startswith(IRAM_PREFIXES))
    dram = sum(r[3] for r in reached if r[0] == "constant" and r[2].startswith(DRAM_PREFIXES))
    # Everything marked, reached or not (what the attributes cost in the image).
    marked_i = sum(sz for o in parsed for (n, f, sz) in o.sections.values() if n.startswith(IRAM_PREFIXES))
    marked_d = sum(sz for o in parsed for (n, f, sz) in o.sections.values() if n.startswith(DRAM_PREFIXES))
    return problems, reached, sorted(ext_seen), (iram, dram, marked_i, marked_d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "iram-check"))
    ap.add_argument("--profile", action="append", choices=sorted(PROFILES))
    ap.add_argument("--strip-attr", help="FILE:FUNCTION compiled without its MODESP_IRAM_ATTR")
    ap.add_argument("--self-test", action="store_true", help="also show that a stripped attribute is caught")
    ap.add_argument("--objects", metavar="DIR",
                    help="check the library objects already compiled in DIR (tools/idf_check.sh: against a real "
                         "ESP-IDF tree) with the externals of the one --profile given, instead of compiling")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.objects:
        prof = (args.profile or ["esp32c3"])[0]
        objs = sorted(os.path.join(args.objects, f) for f in os.listdir(args.objects)
                      if f.endswith(".o") and f != "main.o")  # main.o: the example app, not the library
        problems, reached, ext, (iram, dram, _mi, _md) = check(objs, prof, args.verbose)
        print("iram-check %s: %d functions, %d constant tables reached; IRAM %d bytes, DRAM %d bytes; externals: %s"
              % (args.objects, sum(1 for r in reached if r[0] == "function"),
                 sum(1 for r in reached if r[0] == "constant"), iram, dram, ", ".join(ext) or "none"))
        for p in problems:
            print("  FAIL: " + p)
        return 1 if problems else 0
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    run([PYTHON, os.path.join(ROOT, "tools/gen_config.py"), os.path.join(ROOT, "Kconfig"),
         os.path.join(out, "config", "sdkconfig.h")])
    strip = tuple(args.strip_attr.split(":", 1)) if args.strip_attr else None
    failed = False
    report = {}
    frag = os.path.join(out, "config-tracing", "sdkconfig")
    os.makedirs(os.path.dirname(frag), exist_ok=True)
    with open(frag, "w") as f:
        f.write(TRACING_SDKCONFIG)
    run([PYTHON, os.path.join(ROOT, "tools/gen_config.py"), os.path.join(ROOT, "Kconfig"),
         os.path.join(out, "config-tracing", "sdkconfig.h"), frag])
    for prof in args.profile or sorted(PROFILES):
        for tracing, opt in [(t, o) for t in (False, True) for o in OPT_LEVELS]:
            objs = compile_profile(prof, opt, out, strip, tracing)
            problems, reached, ext, (iram, dram, marked_i, marked_d) = check(objs, prof, args.verbose,
                                                                            TRACING_TABLES if tracing else ())
            opt_label = opt + (" tracing+quotas" if tracing else "")
            funcs = sum(1 for r in reached if r[0] == "function")
            consts = sum(1 for r in reached if r[0] == "constant")
            layers = {}
            for kind, _lbl, sec, size, base in reached:
                if sec.startswith(IRAM_PREFIXES + DRAM_PREFIXES):
                    layers[layer_of(base)] = layers.get(layer_of(base), 0) + size
            print("iram-check %s %s: %d functions, %d constant tables reached; IRAM %d bytes, DRAM %d bytes "
                  "(marked: %d + %d); externals: %s" % (prof, opt_label, funcs, consts, iram, dram, marked_i,
                                                        marked_d, ", ".join(ext) or "none"))
            print("    by layer (IRAM + DRAM bytes): " + ", ".join("%s %d" % kv for kv in sorted(layers.items())))
            if args.verbose:
                for kind, lbl, sec, size, base in sorted(reached, key=lambda r: (r[4], r[1])):
                    print("    %-8s %-44s %5d  %s (%s)" % (kind, lbl, size, sec, base))
            for p in problems:
                print("  FAIL: " + p)
            failed |= bool(problems)
            key = "%s%s%s" % (prof, opt, "-tracing" if tracing else "")
            report[key] = {"functions": funcs, "constants": consts, "iram_bytes": iram,
                                            "dram_bytes": dram, "marked_iram_bytes": marked_i,
                                            "marked_dram_bytes": marked_d, "externals": ext, "by_layer": layers,
                                            "problems": problems}
    with open(os.path.join(out, "iram.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    if args.self_test and not strip:
        st_out = os.path.join(out, "self-test")
        run([PYTHON, os.path.join(ROOT, "tools/gen_config.py"), os.path.join(ROOT, "Kconfig"),
             os.path.join(st_out, "config", "sdkconfig.h")])
        os.makedirs(os.path.join(st_out, "config-tracing"), exist_ok=True)
        run([PYTHON, os.path.join(ROOT, "tools/gen_config.py"), os.path.join(ROOT, "Kconfig"),
             os.path.join(st_out, "config-tracing", "sdkconfig.h"), frag])
        for prof in args.profile or sorted(PROFILES):
            src, func = PROFILES[prof]["strip"]
            objs = compile_profile(prof, "-Os", st_out, (src, func))
            problems = check(objs, prof, False)[0]
            caught = [p for p in problems if p.startswith("function " + func + " ")]
            print("iram-check self-test %s: %s without MODESP_IRAM_ATTR -> %s" %
                  (prof, func, "caught: " + caught[0] if caught else "NOT CAUGHT"))
            failed |= not caught
        # the tracing pass: a diagnostics hook the core calls through a hook table
        src, func = TRACING_STRIP
        prof = (args.profile or sorted(PROFILES))[0]
        objs = compile_profile(prof, "-Os", st_out, (src, func), tracing=True)
        caught = [p for p in check(objs, prof, False, TRACING_TABLES)[0] if p.startswith("function " + func + " ")]
        print("iram-check self-test %s tracing+quotas: %s without MODESP_IRAM_ATTR -> %s" %
              (prof, func, "caught: " + caught[0] if caught else "NOT CAUGHT"))
        failed |= not caught
    if failed:
        print("iram-check: FAILED")
        return 1
    print("iram-check: OK (%s)" % os.path.join(out, "iram.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
