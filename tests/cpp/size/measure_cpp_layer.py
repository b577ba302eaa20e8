#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Code the C++ layer adds on Cortex-M4: the same small app in C++ and in C, linked and compared.

app_cpp.cpp uses the guide's C++ API (make_pooled, PooledPtr, get_pool_manager, StaticMemoryPool,
PressureListener, EventSubscription, publish_pooled); app_c.c does the same through the C calls.
Both are linked against the library (pool, manager, errors, event bus, bare-metal Cortex-M port) with
--gc-sections, compiled -Os (C++: arm-none-eabi-g++ -std=c++17 -fno-exceptions -fno-rtti, headers
from Debian's libstdc++-arm-none-eabi-newlib). Printed: each image's .text (with .rodata) by origin
(the app's own object, the library, the C/C++ runtime), the difference, and any C++ runtime symbol
the C++ image pulls in (there should be none). Writes OUT/cpp_layer_size.json.

`make targets` runs it (tools/targets.py); alone: measure_cpp_layer.py [--out DIR]. Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "..", "tools")))
from targets import PYTHON, ROOT, kept_bytes, read_list  # noqa: E402 (tools/targets.py: the size table this complements)

PREFIX = "arm-none-eabi-"
CPU = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard"]
COMMON = ["-Os", "-ffunction-sections", "-fdata-sections"]
LINK = ["--specs=nano.specs", "--specs=nosys.specs", "-nostartfiles", "-Wl,--gc-sections", "-Wl,-e,main"]
C_ONLY_WARNINGS = {"-Wstrict-prototypes", "-Wmissing-prototypes", "-Wjump-misses-init"}


def run(cmd):
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write("$ " + " ".join(cmd) + "\n" + res.stdout + res.stderr)
        raise SystemExit("measure_cpp_layer: command failed")
    return res.stdout


def compile_one(src, out_dir, cfg_dir, cxx):
    obj = os.path.join(out_dir, os.path.basename(src).replace(".", "_") + ".o")
    warn = read_list("tools/warnings.txt", "all", "gcc")
    if cxx:
        cmd = [PREFIX + "g++", "-std=c++17", "-fno-exceptions", "-fno-rtti"]
        cmd += [w for w in warn if w not in C_ONLY_WARNINGS]
    else:
        cmd = [PREFIX + "gcc", "-std=c11"] + warn + read_list("tools/warnings.txt", "core")
    cmd += CPU + COMMON + ["-I", "include", "-I", cfg_dir, "-I", "src/core", "-I", "src/port", "-I",
                           "src/port/baremetal", "-c", src, "-o", obj]
    run(cmd)
    return obj


def kept_by_origin(mapfile, app_obj, lib_objs):
    """Bytes of .text/.rodata input sections the link kept, by origin: app, library, runtime."""
    app = os.path.normpath(app_obj)
    lib = {os.path.normpath(o) for o in lib_objs}
    kept = {"app": 0, "library": 0, "runtime": 0}
    kept.update(kept_bytes(mapfile, lambda path: "app" if path == app else "library" if path in lib else "runtime"))
    return kept


def link(app_obj, lib_objs, out_dir, name, cxx):
    elf = os.path.join(out_dir, name + ".elf")
    mapfile = os.path.join(out_dir, name + ".map")
    driver = PREFIX + ("g++" if cxx else "gcc")
    run([driver] + CPU + LINK + ["-Wl,-Map=" + mapfile, app_obj] + lib_objs + ["-o", elf])
    text, data, bss = (int(x) for x in run([PREFIX + "size", elf]).splitlines()[1].split()[:3])
    return {"text": text, "data": data, "bss": bss, "kept": kept_by_origin(mapfile, app_obj, lib_objs), "elf": elf}


def cxx_runtime_symbols(elf):
    """C++ runtime pieces in the image: exception, RTTI, guard, new/delete and atexit symbols."""
    pat = re.compile(r"(__cxa_|__gxx_|_Unwind|__aeabi_unwind|_ZTI|_ZTS|_Znw|_Zdl|_Zna|_Zda|__dso_handle|atexit)")
    return sorted({ln.split()[-1] for ln in run([PREFIX + "nm", elf]).splitlines() if pat.search(ln)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "targets", "cpp"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    cfg = os.path.join(out, "config")
    os.makedirs(cfg, exist_ok=True)
    run([PYTHON, "tools/gen_config.py", os.path.join(ROOT, "Kconfig"), os.path.join(cfg, "sdkconfig.h")])

    srcs = read_list("src/sources.txt", "pool", "manager", "errors", "bus", "port-baremetal", "arch-cortex_m")
    lib_objs = [compile_one(s, out, cfg, cxx=False) for s in srcs]
    c_img = link(compile_one(os.path.join(HERE, "app_c.c"), out, cfg, cxx=False), lib_objs, out, "app_c", False)
    cpp_img = link(compile_one(os.path.join(HERE, "app_cpp.cpp"), out, cfg, cxx=True), lib_objs, out, "app_cpp",
                   True)
    runtime = cxx_runtime_symbols(cpp_img["elf"])

    print()
    print("C++ layer (issue 20), cortex-m4f, config default: the same module app in C++ and in C,")
    print("  linked with --gc-sections (C++: %sg++ -std=c++17 -Os -fno-exceptions -fno-rtti)" % PREFIX)
    print("  %-28s %7s %7s %7s %7s %7s" % ("image", ".text", "app", "library", "runtime", ".bss"))
    for label, img in (("C calls (app_c.c)", c_img), ("C++ layer (app_cpp.cpp)", cpp_img)):
        k = img["kept"]
        print("  %-28s %7d %7d %7d %7d %7d" % (label, img["text"], k["app"], k["library"], k["runtime"], img["bss"]))
    diff = cpp_img["text"] - c_img["text"]
    print("  code the C++ layer adds: %+d bytes of .text (%+.1f%% of the C image); C++ runtime symbols: %s"
          % (diff, 100.0 * diff / c_img["text"], ", ".join(runtime) if runtime else "none"))
    records = [{"target": "cortex-m4f", "config": "default", "object": name, "text": img["text"], "data": img["data"],
                "bss": img["bss"], "kept": img["kept"]} for name, img in (("cpp app (C calls)", c_img),
                                                                         ("cpp app (C++ layer)", cpp_img))]
    records.append({"target": "cortex-m4f", "config": "default", "object": "C++ layer added", "text": diff,
                    "cxx_runtime_symbols": runtime})
    with open(os.path.join(out, "cpp_layer_size.json"), "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    print("  wrote " + os.path.relpath(os.path.join(out, "cpp_layer_size.json"), ROOT))


if __name__ == "__main__":
    main()
