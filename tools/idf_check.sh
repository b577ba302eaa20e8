#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Compile the component against a real ESP-IDF tree (like tools/freertos_sim.sh for FreeRTOS).
#
# Usage: tools/idf_check.sh IDF_PATH [BUILD_DIR]     (default build/idf-check)
# Env:   IDF_CHECK_CHIPS  chips to build (default: esp32 esp32s3 esp32c3 esp32c6 esp32p4)
#        IDF_CHECK_MODE   full | headers | auto (default auto)
#
# full     (ESP-IDF installed: idf.py runs, Espressif's toolchains on PATH, i.e. after
#          `. $IDF_PATH/export.sh`): `idf.py set-target CHIP build` of examples/esp_idf_app
#          for each chip, the component coming in through the app's path dependency.
# headers  (only the tree, e.g. a checkout with no toolchain installed): per chip,
#          sdkconfig.h is generated from the tree's own Kconfig files plus this component's
#          (Debian's kconfiglib; ESP-IDF's dialect allows help text on a menu, which is
#          tolerated), then the library's sources for ESP-IDF (src/sources.txt) and the
#          example's main.c are compiled against the tree's headers with ESP-IDF's flags
#          (-std=gnu17, or gnu2x for 6.x's gnu23; its warning set, -Werror): RISC-V chips to objects with
#          riscv64-unknown-elf-gcc, Xtensa chips to assembly with xtensa-lx106-elf-gcc -S,
#          both on Debian's Picolibc headers with ESP-IDF's LIBC_PICOLIBC option (5.5 on;
#          Debian's newlib headers clash with Espressif's newlib fork), newlib before. Include
#          directories are found by searching the tree for each header a compile misses,
#          preferring the chip's own directories. Nothing is linked. The RISC-V objects then go
#          through tools/iram_check.py --objects: with ESP-IDF's real IRAM_ATTR, every function
#          the ISR-safe API reaches must sit in .iram1 and every constant it reads in .dram1.
# auto     full when idf.py and the chip's Espressif compiler are found, headers otherwise.
#
# Prints one line per chip and mode with the result; the README records the last run.
set -eu

[ "$#" -ge 1 ] || { echo "usage: $0 IDF_PATH [BUILD_DIR]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
idf=$(cd "$1" && pwd)
out=${2:-"$root/build/idf-check"}
mkdir -p "$out" && out=$(cd "$out" && pwd)
chips=${IDF_CHECK_CHIPS:-"esp32 esp32s3 esp32c3 esp32c6 esp32p4"}
mode=${IDF_CHECK_MODE:-auto}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
[ -f "$idf/components/esp_common/include/esp_idf_version.h" ] || { echo "$idf is not an ESP-IDF tree" >&2; exit 2; }
version=$(awk '/define ESP_IDF_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v == "" ? "" : ".") $3 } END { print v }' \
    "$idf/components/esp_common/include/esp_idf_version.h")
mkdir -p "$out"
echo "idf-check: ESP-IDF $version at $idf"

fail=0
for chip in $chips; do
    case $chip in
    esp32 | esp32s2 | esp32s3) espcc=xtensa-$chip-elf-gcc ;;
    *) espcc=riscv32-esp-elf-gcc ;;
    esac
    m=$mode
    if [ "$m" = auto ]; then
        if command -v idf.py >/dev/null 2>&1 && command -v "$espcc" >/dev/null 2>&1; then m=full; else m=headers; fi
    fi
    if [ "$m" = full ]; then
        app="$out/$chip-app"
        rm -rf "$app"
        cp -r "$root/examples/esp_idf_app" "$app"
        # the copy's path dependency must still point at this repository
        sed -i "s|path: ../../..|path: $root|" "$app/main/idf_component.yml"
        if (cd "$app" && IDF_PATH="$idf" idf.py -B "$app/build" set-target "$chip" build >"$app/build.log" 2>&1); then
            echo "idf-check: $chip full build (idf.py): OK"
        else
            echo "idf-check: $chip full build (idf.py): FAILED, see $app/build.log" >&2
            fail=1
        fi
    else
        if "$PYTHON" - "$root" "$idf" "$chip" "$out/$chip" <<'EOF' &&
import glob
import os
import re
import subprocess
import sys

root, idf, chip, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
import kconfiglib  # noqa: E402 (Debian python3-kconfiglib)

# --- sdkconfig.h from the tree's Kconfig files and this component's, as ESP-IDF's build generates it
comps = sorted(glob.glob(os.path.join(idf, "components", "*"))) + [root]
for name, fname in (("kconfigs.in", "Kconfig"), ("kconfigs_projbuild.in", "Kconfig.projbuild")):
    with open(os.path.join(out, name), "w") as f:
        for d in comps:
            if os.path.isfile(os.path.join(d, fname)):
                f.write('source "%s"\n' % os.path.join(d, fname))
os.environ.update(IDF_PATH=idf, IDF_TARGET=chip, IDF_TOOLCHAIN="gcc", IDF_ENV_FPGA="", IDF_CI_BUILD="",
                  COMPONENT_KCONFIGS_SOURCE_FILE=os.path.join(out, "kconfigs.in"),
                  COMPONENT_KCONFIGS_PROJBUILD_SOURCE_FILE=os.path.join(out, "kconfigs_projbuild.in"))
_parse_help = kconfiglib.Kconfig._parse_help


def parse_help(self, node):
    try:
        node.help
    except AttributeError:  # ESP-IDF's dialect: help text on a menu
        node.help = None
    return _parse_help(self, node)


kconfiglib.Kconfig._parse_help = parse_help
cwd = os.getcwd()
os.chdir(idf)
kc = kconfiglib.Kconfig(os.path.join(idf, "Kconfig"), warn_to_stderr=False)
os.chdir(cwd)
# C library headers: Debian's newlib differs from Espressif's fork (a const on _global_impure_ptr
# clashes with ESP-IDF's sys/reent.h), so where ESP-IDF offers Picolibc (5.5 on) it is selected and
# Debian's Picolibc headers are used; older trees get newlib's.
picolibc = "LIBC_PICOLIBC" in kc.syms
if picolibc:
    kc.syms["LIBC_PICOLIBC"].set_value(2)
cfg = os.path.join(out, "config")
os.makedirs(cfg, exist_ok=True)
kc.write_autoconf(os.path.join(cfg, "sdkconfig.h"))
with open(os.path.join(cfg, "sdkconfig.h")) as f:
    sdk = f.read()
arch = "riscv" if "CONFIG_IDF_TARGET_ARCH_RISCV 1" in sdk else "xtensa"

# --- compile with ESP-IDF's flags; find the include directories a compile misses
major = int(re.search(r"ESP_IDF_VERSION_MAJOR\s+(\d+)", open(os.path.join(
    idf, "components/esp_common/include/esp_idf_version.h")).read()).group(1))
std = "-std=gnu2x" if major >= 6 else "-std=gnu17"  # 6.x builds with -std=gnu23 (GCC 12: gnu2x)
flags = [std, "-Og", "-ffunction-sections", "-fdata-sections", "-Wall", "-Werror", "-Wextra",
         "-Wno-unused-parameter", "-Wno-sign-compare", "-Wno-enum-conversion", "-Wno-old-style-declaration",
         "-fno-jump-tables", "-fno-tree-switch-conversion", "-D_GNU_SOURCE", "-DESP_PLATFORM=1",
         "-DIDF_VER=\"v-idf-check\"", "-nostdinc"]
if arch == "riscv":
    cc = ["riscv64-unknown-elf-gcc", "-march=rv32imac_zicsr_zifencei" if "CONFIG_SOC_CPU_HAS_FPU" not in sdk
          else "-march=rv32imafc_zicsr_zifencei", "-mabi=ilp32" if "CONFIG_SOC_CPU_HAS_FPU" not in sdk
          else "-mabi=ilp32f"]
    if chip in ("esp32c2", "esp32c3"):
        cc[1] = "-march=rv32imc_zicsr_zifencei"
    kind = "-c"
else:
    cc = ["xtensa-lx106-elf-gcc", "-mlongcalls", "-fstrict-volatile-bitfields"]
    kind = "-S"
gcc_inc = subprocess.run(cc[:1] + ["-print-file-name=include"], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout.strip()
libc_inc = "/usr/lib/picolibc/riscv64-unknown-elf/include" if picolibc else "/usr/include/newlib"
sysinc = ["-isystem", gcc_inc, "-isystem", libc_inc, "-isystem", gcc_inc + "-fixed"]
if major >= 6:
    # 6.x's esp_libc stdio.h relies on Espressif's newer Picolibc declaring ssize_t in <stdio.h>;
    # Debian's older Picolibc declares it in <sys/types.h> only.
    sysinc += ["-include", "sys/types.h"]
chips = {"esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32c61", "esp32h2",
         "esp32h21", "esp32h4", "esp32p4", "linux"} - {chip}
other_arch = "xtensa" if arch == "riscv" else "riscv"
skip = re.compile(r"/(test|tests|test_apps|host_test|linux|FreeRTOS-Kernel-SMP|%s|%s)/" %
                  (other_arch, "|".join(sorted(chips))))
index = {}
for dirpath, _dirs, files in os.walk(os.path.join(idf, "components")):
    for fn in files:
        if fn.endswith(".h"):
            index.setdefault(fn, []).append(os.path.join(dirpath, fn))


notes = []


def find_dir(header):
    cands = [p for p in index.get(os.path.basename(header), []) if p.endswith("/" + header)
             and not skip.search(p[len(idf):] + "/")]
    if not cands and header == "cJSON.h":
        # cJSON is a git submodule of ESP-IDF up to 5.x and a registry component from 6.0: a bare
        # checkout lacks it. Its declarations then come from tests/port_decls, alone in a directory.
        d = os.path.join(out, "cjson-decls")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(root, "tests/port_decls/cJSON.h")) as f, open(os.path.join(d, "cJSON.h"), "w") as g:
            g.write(f.read())
        notes.append("cJSON.h not in the tree: tests/port_decls/cJSON.h used")
        return d
    if not cands:
        return None
    mine = [p for p in cands if "/%s/" % chip in p or "/%s/" % arch in p]
    best = sorted(mine or cands, key=lambda p: (p.count("/"), p))[0]
    return best[:-len(header) - 1]


srcs = []
with open(os.path.join(root, "src/sources.txt")) as f:
    for line in f:
        w = line.split()
        if w and w[0] in ("pool", "manager", "errors", "diag", "diag-json", "bus", "bus-json", "port-esp_idf"):
            srcs.append(w[1])
# The example app: every source its main/CMakeLists.txt builds, the dashboard renderer it shares with demo/.
srcs += ["examples/esp_idf_app/main/main.c", "examples/esp_idf_app/main/guide_diagnostics.c",
         "examples/esp_idf_app/main/dashboard_http.c", "demo/dashboard_render.c"]
incs = [os.path.join(root, "include"), cfg, os.path.join(root, "src/core"), os.path.join(root, "src/port"),
        os.path.join(root, "src/port/esp_idf"), os.path.join(root, "examples/esp_idf_app/main"),
        os.path.join(root, "demo")]
failed = []
for src in srcs:
    defs = [] if src.startswith(("examples/", "demo/")) else ["-DMODESP_PORT_ESP_IDF=1"]
    obj = os.path.join(out, os.path.basename(src)[:-2] + (".o" if kind == "-c" else ".s"))
    for _ in range(60):
        cmd = cc + flags + sysinc + defs + ["-I" + d for d in incs] + [kind, os.path.join(root, src), "-o", obj]
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        m = re.search(r"fatal error: ([^:]+): No such file or directory", res.stdout)
        if res.returncode == 0 and not res.stdout.strip():
            break
        d = find_dir(m.group(1)) if m else None
        if d is None or d in incs:
            failed.append(src)
            with open(obj + ".log", "w") as f:
                f.write(" ".join(cmd) + "\n" + res.stdout)
            sys.stderr.write(res.stdout[-3000:])
            break
        incs.append(d)
with open(os.path.join(out, "include_dirs.txt"), "w") as f:
    f.write("\n".join(os.path.relpath(d, idf) if d.startswith(idf) else d for d in incs) + "\n")
print("idf-check: %s headers (%s %s %s, %s, %d config symbols, %d include dirs): %d/%d files compiled%s" %
      (chip, cc[0], cc[1], std, "picolibc" if picolibc else "newlib", sdk.count("#define"), len(incs),
       len(srcs) - len(failed), len(srcs),
       "" if not failed else "; FAILED: " + ", ".join(failed)))
for n in notes:
    print("idf-check: %s: %s" % (chip, n))
sys.exit(1 if failed else 0)
EOF
            # RISC-V chips give objects: the ISR paths must be in ESP-IDF's own .iram1/.dram1 sections.
            { [ ! -f "$out/$chip/fixed_pool.o" ] || "$PYTHON" "$root/tools/iram_check.py" --objects "$out/$chip"; }; then
            :
        else
            fail=1
        fi
    fi
done
if [ "$fail" -ne 0 ]; then
    echo "idf-check: FAILED (ESP-IDF $version)" >&2
    exit 1
fi
echo "idf-check: OK (ESP-IDF $version: $chips)"
