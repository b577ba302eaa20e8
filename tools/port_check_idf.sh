#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Compile the library as an ESP-IDF build would: ESP-IDF's own compiler flags, per chip.
#
# `make port-check` runs it beside tools/port_check.sh (strict C11, host and
# Cortex-M4). Sources: the core, the diagnostics and event-bus layers with
# their cJSON parts, the ESP-IDF port (src/sources.txt) and the ESP-IDF
# example's main component (with the Kconfig defaults and with its own
# sdkconfig.defaults), against the declarations in tests/port_decls/ (ESP-IDF is
# not needed; tools/idf_check.sh compiles against a real tree).
#
# Flags: those ESP-IDF gives every component (tools/cmake/build.cmake and the
# top-level CMakeLists.txt of ESP-IDF 5.x): -std=gnu17, -ffunction-sections
# -fdata-sections, -Wall -Werror with its -Wno-error= relaxations, -Wextra,
# -Wno-unused-parameter -Wno-sign-compare -Wno-enum-conversion,
# -Wno-old-style-declaration, -fno-jump-tables -fno-tree-switch-conversion,
# -D_GNU_SOURCE -DESP_PLATFORM, and -Og (its default optimisation); plus
# -Wwrite-strings (ESP-IDF's COMPILER_WARN_WRITE_STRINGS option). A warning
# that ESP-IDF leaves as a warning fails here too: any diagnostic fails.
#
# Chips (Debian's compilers stand in for Espressif's):
#   esp32c3   riscv64-unknown-elf-gcc -march=rv32imc_zicsr_zifencei -mabi=ilp32, -Og and -Os
#   esp32c6   riscv64-unknown-elf-gcc -march=rv32imac_zicsr_zifencei -mabi=ilp32, -Og, and with
#             -std=gnu2x (ESP-IDF 6.x builds with -std=gnu23; GCC 12 spells it gnu2x)
#   esp32     xtensa-lx106-elf-gcc -mlongcalls -S (to assembly: the closest Xtensa compiler
#             Debian has); it has no C library: -ffreestanding -fbuiltin (GCC's own stdint.h,
#             stdarg.h) and tests/port_decls/libc for the string.h and stdio.h functions used
#
# Usage: tools/port_check_idf.sh [BUILD_DIR]    (default build/port-check-idf)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build/port-check-idf"}
rv_cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
xt_cc=${XTENSA_CC:-xtensa-lx106-elf-gcc}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

mkdir -p "$out"
"$PYTHON" "$root/tools/gen_config.py" "$root/Kconfig" "$out/config/sdkconfig.h" >/dev/null
# The example's own configuration (examples/esp_idf_app/sdkconfig.defaults: tracing on).
"$PYTHON" "$root/tools/gen_config.py" "$root/Kconfig" "$out/config-app/sdkconfig.h" \
    "$root/examples/esp_idf_app/sdkconfig.defaults" >/dev/null

idf_flags="-ffunction-sections -fdata-sections -Wall -Werror -Wno-error=unused-function
  -Wno-error=unused-variable -Wno-error=unused-but-set-variable -Wno-error=deprecated-declarations -Wextra
  -Wno-error=extra -Wno-unused-parameter -Wno-sign-compare -Wno-enum-conversion -Wno-old-style-declaration
  -fno-jump-tables -fno-tree-switch-conversion -Wwrite-strings -D_GNU_SOURCE -DESP_PLATFORM=1 -ggdb"
srcs="$("$root/tools/sources.sh" pool manager errors diag diag-json bus bus-json port-esp_idf)"
# The example's main component (examples/esp_idf_app/main/CMakeLists.txt): compiled twice, with the
# Kconfig defaults and with the example's sdkconfig.defaults (objects suffixed -tracing).
app_srcs="examples/esp_idf_app/main/main.c examples/esp_idf_app/main/guide_diagnostics.c
  examples/esp_idf_app/main/dashboard_http.c demo/dashboard_render.c"
app_inc="-I$root/examples/esp_idf_app/main -I$root/demo"
# KIND:SOURCE, KIND lib (the component), app (the example, defaults) or app-tracing (its own config)
# shellcheck disable=SC2086 # lists of paths without spaces
entries="$(for s in $srcs; do printf 'lib:%s ' "$s"; done)$(for s in $app_srcs; do printf 'app:%s app-tracing:%s ' "$s" "$s"; done)"
inc="-I$root/tests/port_decls -I$root/include -I$out/config -I$root/src/core -I$root/src/port
  -I$root/src/port/esp_idf"

fail=0
# build NAME CC "FLAGS" OUTPUT_KIND(c|S)
build() {
    name=$1 cc=$2 flags=$3 kind=$4
    dir="$out/$name"
    mkdir -p "$dir"
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "port-check-idf: $cc not found (sh tools/install-deps.sh cross)" >&2
        exit 1
    fi
    n=0
    # shellcheck disable=SC2086 # flag and source lists are meant to split
    for entry in $entries; do
        src=${entry#*:}
        case $entry in
        lib:*) defs="-DMODESP_PORT_ESP_IDF=1" suffix="" ;;
        app:*) defs="$app_inc" suffix="" ;;
        *) defs="$app_inc -I$out/config-app" suffix=-tracing ;;
        esac
        base=$(basename "$src" .c)$suffix
        if [ "$kind" = S ]; then target="$dir/$base.s"; else target="$dir/$base.o"; fi
        # shellcheck disable=SC2086
        if ! $cc $flags $idf_flags $defs $inc "-$kind" "$root/$src" -o "$target" 2>"$dir/$base.log"; then
            echo "port-check-idf: FAILED $name: $src" >&2
            cat "$dir/$base.log" >&2
            fail=1
        elif [ -s "$dir/$base.log" ]; then
            echo "port-check-idf: FAILED $name: $src (diagnostics)" >&2
            cat "$dir/$base.log" >&2
            fail=1
        fi
        n=$((n + 1))
    done
    echo "port-check-idf: $name: $n files"
}

rv="--specs=picolibc.specs -mabi=ilp32"
build esp32c3-gnu17-Og "$rv_cc" "$rv -march=rv32imc_zicsr_zifencei -std=gnu17 -Og" c
build esp32c3-gnu17-Os "$rv_cc" "$rv -march=rv32imc_zicsr_zifencei -std=gnu17 -Os" c
build esp32c6-gnu17-Og "$rv_cc" "$rv -march=rv32imac_zicsr_zifencei -std=gnu17 -Og" c
build esp32c6-gnu2x-Og "$rv_cc" "$rv -march=rv32imac_zicsr_zifencei -std=gnu2x -Og" c
build esp32-xtensa-gnu17-Og "$xt_cc" "-mlongcalls -std=gnu17 -Og -ffreestanding -fbuiltin -isystem $root/tests/port_decls/libc" S

if [ "$fail" -ne 0 ]; then
    echo "port-check-idf: FAILED" >&2
    exit 1
fi
echo "port-check-idf: OK (ESP-IDF flags; esp32c3, esp32c6, esp32/Xtensa; objects in $out)"
