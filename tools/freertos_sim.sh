#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build and run tests/freertos/freertos_sim_test.c on the real FreeRTOS kernel,
# POSIX simulator port (portable/ThirdParty/GCC/Posix), with the library's
# FreeRTOS port. Not part of CI: the kernel is not in this repository.
#
# Usage: tools/freertos_sim.sh KERNEL_DIR [BUILD_DIR]
#   KERNEL_DIR  a FreeRTOS-Kernel source tree kept OUTSIDE this repository
#               (also taken from $FREERTOS_KERNEL_PATH), e.g.
#                 git clone --depth 1 https://github.com/FreeRTOS/FreeRTOS-Kernel /tmp/FreeRTOS-Kernel
#   BUILD_DIR   default build/freertos-sim (ignored by git)
# Env: CC (default cc), HAMMER_ITERATIONS (operations per hammer task),
#      SIM_TIMEOUT (seconds before the run counts as hung, default 300),
#      SIM_SDKCONFIG (an sdkconfig file for the library options, e.g.
#      tests/freertos/sdkconfig.critical for the critical-section atomics),
#      PYTHON (with kconfiglib).
#
# The kernel is compiled with its own flags (its warnings are not ours); the
# library, the port and the test with -std=c11 -Wall -Wextra -Werror.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:-${FREERTOS_KERNEL_PATH:-}}
out=${2:-"$root/build/freertos-sim"}
cc=${CC:-cc}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

if [ -z "$kernel" ] || [ ! -f "$kernel/tasks.c" ] || [ ! -d "$kernel/portable/ThirdParty/GCC/Posix" ]; then
    echo "usage: $0 KERNEL_DIR [BUILD_DIR]  (KERNEL_DIR: a FreeRTOS-Kernel tree with portable/ThirdParty/GCC/Posix)" >&2
    exit 2
fi
kernel=$(cd "$kernel" && pwd)
case "$kernel/" in
"$root"/*)
    echo "$0: keep the kernel outside the repository ($kernel)" >&2
    exit 2
    ;;
esac

posix="$kernel/portable/ThirdParty/GCC/Posix"
mkdir -p "$out/kernel" "$out/lib" "$out/config"
"$PYTHON" "$root/tools/gen_config.py" "$root/Kconfig" "$out/config/sdkconfig.h" ${SIM_SDKCONFIG:+"$SIM_SDKCONFIG"} >/dev/null

kinc="-I$root/tests/freertos -I$kernel/include -I$posix -I$posix/utils"
# The kernel headers come in as system headers so our -Werror judges only our code.
ksys="-I$root/tests/freertos -isystem $kernel/include -isystem $posix -isystem $posix/utils"
iters=""
if [ -n "${HAMMER_ITERATIONS:-}" ]; then iters="-DHAMMER_ITERATIONS=$HAMMER_ITERATIONS"; fi

echo "freertos-sim: kernel $kernel"
objs=""
for src in tasks.c queue.c list.c; do
    # shellcheck disable=SC2086
    $cc -O2 -g -pthread $kinc -c "$kernel/$src" -o "$out/kernel/${src%.c}.o"
    objs="$objs $out/kernel/${src%.c}.o"
done
for src in "$posix/port.c" "$posix/utils/wait_for_event.c"; do
    o="$out/kernel/$(basename "$src" .c).o"
    # shellcheck disable=SC2086
    $cc -O2 -g -pthread $kinc -c "$src" -o "$o"
    objs="$objs $o"
done

warn="-std=c11 $("$root/tools/sources.sh" --warnings all)"
# The POSIX simulator has no xPortIsInsideInterrupt: the test installs an in_isr hook.
# The test frees from vApplicationTickHook, inside the kernel's tick handler, which
# switches tasks by itself: the port must not yield there.
defs="-D_POSIX_C_SOURCE=200809L -DMODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT=0 -DMODESP_FREERTOS_YIELD_FROM_ISR(w)=((void)(w))"
for src in $("$root/tools/sources.sh" pool manager errors port-freertos) tests/freertos/freertos_sim_test.c; do
    o="$out/lib/$(basename "$src" .c).o"
    # shellcheck disable=SC2086
    $cc -O2 -g -pthread $warn $defs $iters $ksys -I"$root/include" -I"$out/config" -I"$root/src/core" -I"$root/src/port" \
        -I"$root/src/port/freertos" -c "$root/$src" -o "$o"
    objs="$objs $o"
done
# shellcheck disable=SC2086
$cc -pthread -o "$out/freertos_sim_test" $objs

echo "freertos-sim: running $out/freertos_sim_test"
timeout "${SIM_TIMEOUT:-300}" "$out/freertos_sim_test"
