#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Compile-check the FreeRTOS and ESP-IDF ports without the real SDKs.
#
# Compiles each port, and the core library against the port's port_types.h,
# with -c only (nothing is linked) against the declarations-only headers in
# tests/port_decls/, for the host compiler and for arm-none-eabi (Cortex-M4),
# with the same warnings as the core and -Werror. A typo in a port, or a call
# that does not match the documented API, fails the check. Then builds and
# runs tests/port_unit on the host: the generic FreeRTOS port against test
# doubles of the kernel calls it makes, and the POSIX port's wait queue with
# real threads.
#
# Usage: tools/port_check.sh [BUILD_DIR]    (default build/port-check)
# Env:   CC (host compiler, default cc), ARM_CC (default arm-none-eabi-gcc),
#        PYTHON (with kconfiglib, default /usr/bin/python3 then python3).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build/port-check"}
host_cc=${CC:-cc}
arm_cc=${ARM_CC:-arm-none-eabi-gcc}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

mkdir -p "$out"
# The core reads its options from sdkconfig.h: generate the defaults from Kconfig.
"$PYTHON" "$root/tools/gen_config.py" "$root/Kconfig" "$out/config/sdkconfig.h" >/dev/null
# The ESP-IDF example's own configuration (tracing on), for its second compile below.
app_defaults="$root/examples/esp_idf_app/sdkconfig.defaults"
"$PYTHON" "$root/tools/gen_config.py" "$root/Kconfig" "$out/config-app/sdkconfig.h" "$app_defaults" >/dev/null

# Warning sets and source lists from their one place (tools/warnings.txt, src/sources.txt).
warn="-std=c11 $("$root/tools/sources.sh" --warnings all core)"
core=$("$root/tools/sources.sh" pool manager errors)
common_inc="-I$root/tests/port_decls -I$root/include -I$out/config -I$root/src/core -I$root/src/port"

# The ESP-IDF example's sources, as examples/esp_idf_app/main/CMakeLists.txt lists them.
app_srcs="examples/esp_idf_app/main/main.c examples/esp_idf_app/main/guide_diagnostics.c
  examples/esp_idf_app/main/dashboard_http.c demo/dashboard_render.c"

fail=0
# compile TOOLCHAIN_NAME CC "FLAGS" PORT_DIR "DEFINES" SOURCES...
compile() {
    name=$1 cc=$2 flags=$3 portdir=$4 defs=$5
    shift 5
    dir="$out/$name"
    mkdir -p "$dir"
    for src in "$@"; do
        obj="$dir/$(basename "$src" .c).o"
        # shellcheck disable=SC2086 # flag lists are meant to split
        if ! $cc $flags $warn $defs $common_inc "-I$root/src/port/$portdir" -c "$root/$src" -o "$obj"; then
            echo "port-check: FAILED $name: $src" >&2
            fail=1
        fi
    done
    echo "port-check: $name: $# files"
}

# $core is a list of paths without spaces, split on purpose below.
# shellcheck disable=SC2086,SC2046
for tc in host arm; do
    if [ "$tc" = host ]; then
        cc=$host_cc flags="-O2"
    else
        cc=$arm_cc flags="-Os -mcpu=cortex-m4 -mthumb"
    fi
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "port-check: $cc not found (install gcc-arm-none-eabi)" >&2
        exit 1
    fi
    compile "$tc-freertos" "$cc" "$flags" freertos "" $core src/port/freertos/port_freertos.c
    # a kernel port without xPortIsInsideInterrupt (hook only), and no default log
    compile "$tc-freertos-hooks" "$cc" "$flags" freertos \
        "-DMODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT=0 -DMODESP_FREERTOS_LOG_NONE=1" src/port/freertos/port_freertos.c
    compile "$tc-esp_idf" "$cc" "$flags" esp_idf "-DESP_PLATFORM=1 -DMODESP_PORT_ESP_IDF=1" \
        $core $("$root/tools/sources.sh" port-esp_idf)
    # the ESP-IDF example (its main component: the guide sections, esp_http_server and the dashboard's
    # renderer from demo/), against the same declarations (it cannot be built here without ESP-IDF),
    # with the Kconfig defaults and with the example's sdkconfig.defaults (tracing on)
    app_inc="-DESP_PLATFORM=1 -I$root/examples/esp_idf_app/main -I$root/demo"
    compile "$tc-esp_idf_app" "$cc" "$flags" esp_idf "$app_inc" $app_srcs
    compile "$tc-esp_idf_app-tracing" "$cc" "$flags" esp_idf "$app_inc -I$out/config-app" $app_srcs
done

# Host unit test of the generic FreeRTOS port against test doubles of the kernel calls
# (tests/port_unit): the 32-bit tick wrap and the wait-queue races. Linked and run.
unit="$out/host-port-unit"
mkdir -p "$unit"
# shellcheck disable=SC2086
if $host_cc -O1 -g $warn $common_inc "-I$root/src/port/freertos" -DMODESP_FREERTOS_LOG_NONE=1 \
    "$root/tests/port_unit/test_port_freertos.c" "$root/src/port/freertos/port_freertos.c" \
    -o "$unit/test_port_freertos"; then
    if ! "$unit/test_port_freertos"; then
        fail=1
    fi
else
    echo "port-check: FAILED building tests/port_unit" >&2
    fail=1
fi

# The POSIX port's wait queue used with no init call, with real threads (tests/port_unit).
# No port_decls here: the host's own headers.
# shellcheck disable=SC2086
if $host_cc -O1 -g $warn "-I$root/include" "-I$root/src/core" "-I$root/src/port" "-I$root/src/port/posix" \
    "$root/tests/port_unit/test_port_posix.c" "$root/src/port/posix/port_posix.c" -pthread \
    -o "$unit/test_port_posix"; then
    if ! "$unit/test_port_posix"; then
        fail=1
    fi
else
    echo "port-check: FAILED building tests/port_unit/test_port_posix.c" >&2
    fail=1
fi

if [ "$fail" -ne 0 ]; then
    echo "port-check: FAILED" >&2
    exit 1
fi
echo "port-check: OK (objects in $out)"
