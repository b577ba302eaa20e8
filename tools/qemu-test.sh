#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the firmware self-test (targets/qemu/) for each QEMU machine, run it,
# and fail when a run fails, hangs (timeout) or does not report a pass.
#
#   tools/qemu-test.sh [OUT_DIR]        (make qemu-test)
#
# Machines: Cortex-M4F on mps2-an386 (lock-free pools), RV32IMAC on virt
# (lock-free), the Cortex-M0+ build on microbit (critical-section atomics,
# smaller pools for its 16 KiB of RAM), and an RV32IMC build on virt (the
# RISC-V critical-section variant, mstatus.MIE); then RV32IMAC on virt with two
# harts running at once (-smp 2, riscv/dual_hart.c), LL/SC pop and CAS pop; and
# the event-bus image (bus_selftest.c: the timer ISR publishes, the main loop
# dispatches) on Cortex-M4F, RV32IMAC and RV32IMC (the bus's atomics in the
# critical-section variant).
#
# QEMU runs with -icount (QEMU_ICOUNT, default shift=3,sleep=off): virtual time
# follows the instruction count, so the number of main-loop steps between two
# timer interrupts does not depend on how fast or loaded the host is, and a
# run takes a few seconds. QEMU_ICOUNT= (empty) runs on the host clock instead.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build/qemu}
TIMEOUT=${QEMU_TIMEOUT:-60}
ICOUNT=${QEMU_ICOUNT-shift=3,sleep=off}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

# SELFTEST_CFLAGS adds flags, e.g. -DSELFTEST_INJECT_FAILURE to see that a failure is reported,
# or -DMODESP_POOL_NO_LLSC to run the CAS pop where LL/SC is the default (then
# POP_EXPECT_M4 and POP_EXPECT_RV must name the variant expected instead).
# MODESP_POOL_LLSC_STATS makes fixed_pool.o report its pop variant and LL/SC counters.
CFLAGS="-std=c11 -Os -g $("$ROOT/tools/sources.sh" --warnings all gcc) -ffunction-sections -fdata-sections -DMODESP_POOL_LLSC_STATS ${SELFTEST_CFLAGS:-}"
POP_EXPECT_M4=${POP_EXPECT_M4:-llsc-ldrex-strex}
POP_EXPECT_RV=${POP_EXPECT_RV:-llsc-lr-sc}
LIB_SRCS=$("$ROOT/tools/sources.sh" pool manager errors port-baremetal)
Q=targets/qemu

cd "$ROOT"
mkdir -p "$OUT"

# config NAME [SDKCONFIG]: generate $OUT/config/NAME/sdkconfig.h
config() {
    "$PYTHON" tools/gen_config.py Kconfig "$OUT/config/$1/sdkconfig.h" ${2:-} >/dev/null
}

# build NAME CONFIG "CC CFLAGS" "LINK FLAGS" SOURCES...: compile each source, link $OUT/NAME/selftest.elf
build() {
    name=$1 cfg=$2 cc=$3 ldflags=$4
    shift 4
    dir="$OUT/$name"
    mkdir -p "$dir/obj"
    objs=""
    for src in "$@"; do
        obj="$dir/obj/$(basename "$src").o"
        # shellcheck disable=SC2086 # word splitting of flag lists is intended
        $cc $CFLAGS -Iinclude -I"$OUT/config/$cfg" -Isrc/core -Isrc/port -Isrc/port/baremetal -c "$src" -o "$obj"
        objs="$objs $obj"
    done
    # shellcheck disable=SC2086
    $ldflags $objs -o "$dir/selftest.elf"
    echo "built $dir/selftest.elf"
}

FAILED=""

# run NAME POP QEMU-COMMAND...: run with a time limit; pass = exit 0, a PASS line
# and the line "pop: POP ..." (the pool pop variant compiled into fixed_pool.o)
run() {
    name=$1
    pop=$2
    shift 2
    log="$OUT/$name/qemu.log"
    icount=""
    [ -n "$ICOUNT" ] && icount="-icount $ICOUNT"
    echo "== $name: $* $icount"
    status=0
    # shellcheck disable=SC2086
    timeout "$TIMEOUT" "$@" $icount -kernel "$OUT/$name/selftest.elf" >"$log" 2>&1 || status=$?
    cat "$log"
    if [ "$status" -eq 124 ]; then
        echo "== $name: HANG (no exit within ${TIMEOUT}s)"
        FAILED="$FAILED $name"
    elif [ "$status" -ne 0 ] || ! grep -q "RESULT: PASS" "$log"; then
        echo "== $name: FAILED (QEMU exit status $status)"
        FAILED="$FAILED $name"
    elif ! grep -qE "^pop: $pop( |\$)" "$log"; then
        echo "== $name: FAILED (expected the pool pop variant \"$pop\")"
        FAILED="$FAILED $name"
    else
        echo "== $name: passed"
    fi
}

config default
config microbit "$Q/microbit.sdkconfig"

ARM_LINK="-nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections -L$Q/cortex_m"
M4="arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard"
M0="arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb"
# gcc 12 needs _zicsr spelled out to assemble CSR accesses, but its multilib
# table only knows "rv32imac": compile with the former, link with the latter.
RV="riscv64-unknown-elf-gcc -march=rv32imac_zicsr -mabi=ilp32 --specs=picolibc.specs"
# Debian's picolibc has no rv32imc multilib: the RV32IMC build compiles the
# library and test without the A extension and links picolibc's rv32imac
# build (virt's CPU has A, so the libc runs; the pools use no A instruction).
RVC="riscv64-unknown-elf-gcc -march=rv32imc_zicsr -mabi=ilp32 --specs=picolibc.specs"
RV_LINK="riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 --specs=picolibc.specs -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments -T $Q/riscv/virt.ld"

# shellcheck disable=SC2086
build cortex-m4-mps2-an386 default "$M4" "$M4 $ARM_LINK -T mps2_an386.ld" \
    $LIB_SRCS $(tools/sources.sh arch-cortex_m) $Q/selftest.c $Q/console.c $Q/cortex_m/startup.c
# shellcheck disable=SC2086
build rv32imac-virt default "$RV" "$RV_LINK" \
    $LIB_SRCS $(tools/sources.sh arch-riscv) $Q/selftest.c $Q/console.c $Q/riscv/platform.c $Q/riscv/start.S
# shellcheck disable=SC2086
build rv32imc-virt default "$RVC" "$RV_LINK" \
    $LIB_SRCS $(tools/sources.sh arch-riscv) $Q/selftest.c $Q/console.c $Q/riscv/platform.c $Q/riscv/start.S
# shellcheck disable=SC2086
build cortex-m0plus-microbit microbit "$M0 -DCPU_HZ=16000000u" "$M0 $ARM_LINK -T microbit.ld" \
    $LIB_SRCS $(tools/sources.sh arch-cortex_m) $Q/selftest.c $Q/console.c $Q/cortex_m/startup.c
# The dual-hart self-test (riscv/dual_hart.c): two harts, each with a main loop and its own timer
# interrupt, on the same pools; the arch-riscv half built with MODESP_PORT_RISCV_SMP=1 (per-hart "in
# ISR", a critical section that excludes the other hart). MODESP_TEST_HOOKS=1: the pause
# points count CAS attempts per hart. Once with the LL/SC pop, once with the CAS pop (as on Xtensa).
DUAL_SRCS="$Q/riscv/dual_hart.c $Q/console.c $Q/riscv/dual_hammer.c $Q/riscv/platform.c $Q/riscv/start.S $(tools/sources.sh arch-riscv)"
DUAL_CC="$RV -DMODESP_TEST_HOOKS=1 -DMODESP_PORT_RISCV_SMP=1"
# shellcheck disable=SC2086
build rv32imac-virt-dual default "$DUAL_CC" "$RV_LINK" $LIB_SRCS $DUAL_SRCS
# shellcheck disable=SC2086
build rv32imac-virt-dual-cas default "$DUAL_CC -DMODESP_POOL_NO_LLSC" "$RV_LINK" $LIB_SRCS $DUAL_SRCS
# The event-bus self-test (bus_selftest.c): its own image, the timer ISR publishes, main dispatches.
# shellcheck disable=SC2086
build cortex-m4-mps2-an386-bus default "$M4" "$M4 $ARM_LINK -T mps2_an386.ld" \
    $LIB_SRCS $(tools/sources.sh bus arch-cortex_m) $Q/bus_selftest.c $Q/console.c $Q/cortex_m/startup.c
# shellcheck disable=SC2086
build rv32imac-virt-bus default "$RV" "$RV_LINK" \
    $LIB_SRCS $(tools/sources.sh bus arch-riscv) $Q/bus_selftest.c $Q/console.c $Q/riscv/platform.c $Q/riscv/start.S
# The post-mortem demo (postmortem_demo.c): boot 1 saves a record into .noinit RAM and resets the machine,
# boot 2 reads it back; the linker script keeps .noinit out of the loaded and cleared sections.
# shellcheck disable=SC2086
build cortex-m4-mps2-an386-postmortem default "$M4" "$M4 $ARM_LINK -T mps2_an386_noinit.ld" \
    $LIB_SRCS $(tools/sources.sh diag arch-cortex_m) $Q/postmortem_demo.c $Q/console.c $Q/cortex_m/startup.c
# shellcheck disable=SC2086
build rv32imc-virt-bus default "$RVC" "$RV_LINK" \
    $LIB_SRCS $(tools/sources.sh bus arch-riscv) $Q/bus_selftest.c $Q/console.c $Q/riscv/platform.c $Q/riscv/start.S

SEMIHOST="-nographic -semihosting-config enable=on,target=native"
# shellcheck disable=SC2086
run cortex-m4-mps2-an386 "$POP_EXPECT_M4" qemu-system-arm -M mps2-an386 $SEMIHOST
run rv32imac-virt "$POP_EXPECT_RV" qemu-system-riscv32 -M virt -bios none -nographic
# shellcheck disable=SC2086
run cortex-m0plus-microbit critical-section qemu-system-arm -M microbit $SEMIHOST
run rv32imc-virt critical-section qemu-system-riscv32 -M virt -bios none -nographic
# Two harts in parallel, one host thread each (multi-threaded TCG). -icount would run them in turn,
# so these two runs follow the host clock: 100 000 interrupts per hart took 80 s to 3.5 min of a
# loaded 2-core host, about 45 s of CPU time (QEMU_DUAL_TIMEOUT, default 5 x QEMU_TIMEOUT).
run_parallel() {
    saved_icount=$ICOUNT saved_timeout=$TIMEOUT
    ICOUNT="" TIMEOUT=${QEMU_DUAL_TIMEOUT:-$((TIMEOUT * 5))}
    run "$@"
    ICOUNT=$saved_icount TIMEOUT=$saved_timeout
}
DUAL_QEMU="qemu-system-riscv32 -M virt -bios none -nographic -smp 2 -accel tcg,thread=multi"
# shellcheck disable=SC2086
run_parallel rv32imac-virt-dual "$POP_EXPECT_RV" $DUAL_QEMU
# shellcheck disable=SC2086
run_parallel rv32imac-virt-dual-cas cas-tag $DUAL_QEMU
# shellcheck disable=SC2086
run cortex-m4-mps2-an386-bus "$POP_EXPECT_M4" qemu-system-arm -M mps2-an386 $SEMIHOST
run rv32imac-virt-bus "$POP_EXPECT_RV" qemu-system-riscv32 -M virt -bios none -nographic
# shellcheck disable=SC2086
run cortex-m4-mps2-an386-postmortem "$POP_EXPECT_M4" qemu-system-arm -M mps2-an386 $SEMIHOST
run rv32imc-virt-bus critical-section qemu-system-riscv32 -M virt -bios none -nographic

if [ -n "$FAILED" ]; then
    echo "qemu-test: FAILED:$FAILED"
    exit 1
fi
echo "qemu-test: all machines passed"
