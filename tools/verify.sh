#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make verify: model-check the Promela models in tests/model with spin.
# Each run states what it must find: "clean" (exhaustive search, no error) or
# "error" (the checker must find the violation: the check can fail). A run
# that does not find what it must fails the target.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/verify}
mkdir -p "$out"
fail=0

# run NAME MODEL EXPECT SPIN-DEFINES...
run() {
    name=$1 model=$2 expect=$3
    shift 3
    dir="$out/$name"
    rm -rf "$dir" && mkdir -p "$dir" && cp "$root/tests/model/$model" "$dir/"
    (cd "$dir" && spin "$@" -a "$model" >spin.log 2>&1 && cc -O2 -DSAFETY -DNOBOUNDCHECK -DCOLLAPSE -o pan pan.c) || {
        echo "verify: $name: could not build the verifier (see $dir/spin.log)" >&2
        fail=1
        return
    }
    (cd "$dir" && ./pan -m300000 -w24 >pan.log 2>&1) || true
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log" | tail -n 1)
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.log" | tail -n 1)
    found=$(grep -m1 -E "assertion violated|invalid end state" "$dir/pan.log" | sed 's/^pan:1: //' || true)
    if [ "$expect" = clean ] && [ "${errors:-x}" = 0 ] && ! grep -q "search depth too small" "$dir/pan.log"; then
        echo "verify: $name: clean, exhaustive ($states states)"
    elif [ "$expect" = error ] && [ "${errors:-0}" != 0 ]; then
        echo "verify: $name: found as it must: $found ($states states)"
    else
        echo "verify: $name: FAILED, expected $expect; errors=${errors:-?} $found (see $dir/pan.log)" >&2
        fail=1
    fi
}

# The pool (tests/model/pool.pml): the shipped design needs no tag to never
# hand a block out twice nor let a racing double free take a reused block;
# the design before the fix does both.
run pool-shipped-tag0        pool.pml clean -DOLD=0 -DTAGBITS=0 -DRACER=0
run pool-shipped-tag0-racer  pool.pml clean -DOLD=0 -DTAGBITS=0 -DRACER=1
run pool-shipped-tag2-racer  pool.pml clean -DOLD=0 -DTAGBITS=2 -DRACER=1
run pool-old-tag0            pool.pml error -DOLD=1 -DTAGBITS=0 -DRACER=0
run pool-old-tag2-racer      pool.pml error -DOLD=1 -DTAGBITS=2 -DRACER=1
# WAIT (tests/model/wait.pml): no lost wake-up; dropping the signal is caught.
run wait                     wait.pml clean
run wait-no-signal           wait.pml error -DNO_SIGNAL=1

[ "$fail" = 0 ] && echo "verify: all models as expected"
exit "$fail"
