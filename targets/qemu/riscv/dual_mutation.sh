#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Show that the dual-hart self-test fails when the pools are wrong: copy the
# library to OUT_DIR, make its lock-free compare-and-swap (mp_cas in
# src/core/mp_atomic.h) a plain load, compare and store, build the dual-hart
# image with the CAS pop over that copy, run it on two harts, and pass only if
# the run FAILS, naming a double hand-out or a damaged free list.
#
#   targets/qemu/riscv/dual_mutation.sh [OUT_DIR]     (default build/dual-mutation)
#
# DUAL_INTERRUPTS (default 20000) interrupts per hart; the run takes about as
# long as the rv32imac-virt-dual run of tools/qemu-test.sh times that / 100 000.
set -eu

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${1:-$ROOT/build/dual-mutation}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
Q=targets/qemu

cd "$ROOT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # the build below runs inside the copy
rm -rf "$OUT/tree"
mkdir -p "$OUT/tree" "$OUT/obj" "$OUT/config"
cp -r src include targets tools Kconfig "$OUT/tree/"
cd "$OUT/tree"

# The first mp_cas body is the lock-free one (mp_atomic.h); replace it.
"$PYTHON" - <<'EOF'
path = "src/core/mp_atomic.h"
text = open(path).read()
atomic = "    return __atomic_compare_exchange_n(p, expected, desired, false, success, failure);\n"
broken = """    /* MUTATED by dual_mutation.sh: load, compare, store; another hart can store in between. */
    (void)success;
    (void)failure;
    const uint32_t seen = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    if (seen != *expected) {
        *expected = seen;
        return false;
    }
    __atomic_store_n(p, desired, __ATOMIC_RELEASE);
    return true;
"""
if atomic not in text:
    raise SystemExit("dual_mutation.sh: mp_cas not found in " + path + " (update the mutation)")
open(path, "w").write(text.replace(atomic, broken, 1))
EOF

"$PYTHON" tools/gen_config.py Kconfig "$OUT/config/sdkconfig.h" >/dev/null
CFLAGS="-std=c11 -Os -g $(tools/sources.sh --warnings all gcc) -ffunction-sections -fdata-sections"
CFLAGS="$CFLAGS -DMODESP_POOL_LLSC_STATS -DMODESP_TEST_HOOKS=1 -DMODESP_POOL_NO_LLSC -DMODESP_PORT_RISCV_SMP=1"
CFLAGS="$CFLAGS -DDUAL_INTERRUPTS=${DUAL_INTERRUPTS:-20000}u"
RV="riscv64-unknown-elf-gcc -march=rv32imac_zicsr -mabi=ilp32 --specs=picolibc.specs"
objs=""
for src in $(tools/sources.sh pool manager errors port-baremetal arch-riscv) $Q/riscv/dual_hart.c $Q/console.c \
    $Q/riscv/dual_hammer.c $Q/riscv/platform.c $Q/riscv/start.S; do
    obj="$OUT/obj/$(basename "$src").o"
    # shellcheck disable=SC2086 # word splitting of flag lists is intended
    $RV $CFLAGS -Iinclude -I"$OUT/config" -Isrc/core -Isrc/port -Isrc/port/baremetal -c "$src" -o "$obj"
    objs="$objs $obj"
done
# shellcheck disable=SC2086
riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 --specs=picolibc.specs -nostartfiles -Wl,--gc-sections \
    -Wl,--no-warn-rwx-segments -T $Q/riscv/virt.ld $objs -o "$OUT/selftest.elf"

status=0
timeout "${QEMU_TIMEOUT:-300}" qemu-system-riscv32 -M virt -bios none -nographic -smp 2 -accel tcg,thread=multi \
    -kernel "$OUT/selftest.elf" >"$OUT/qemu.log" 2>&1 || status=$?
cat "$OUT/qemu.log"
if [ "$status" -ne 0 ] && grep -q "RESULT: FAIL" "$OUT/qemu.log" &&
    grep -q "FIRST CONFLICT\|MODESP_ERR_CORRUPTED" "$OUT/qemu.log"; then
    echo "dual_mutation: the non-atomic CAS was caught (exit status $status)"
    exit 0
fi
echo "dual_mutation: NOT caught (exit status $status): the dual-hart test missed a broken CAS"
exit 1
