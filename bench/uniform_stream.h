/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The uniform 1..512-byte request stream of the host fragmentation study, one
 * definition for both programs that must replay exactly the same requests:
 * frag_host.c (failures per class with the default classes, and the demand)
 * and frag_advice.c (the sizing advice before and after it is applied).
 *
 * 256 slots; each step picks one at random from a fixed seed, frees it when
 * full, else requests 1..512 bytes: about 128 objects alive at any time,
 * spread evenly over sizes. bench.c draws its random slots and sizes from
 * the same generator (uniform_xorshift32).
 */
#ifndef BENCH_UNIFORM_STREAM_H
#define BENCH_UNIFORM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define UNIFORM_SLOTS   256u
#define UNIFORM_MAXSIZE 512u
#define UNIFORM_SEED    0x9E3779B9u

static inline uint32_t uniform_xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* The slot a step works on. */
static inline uint32_t uniform_next_slot(uint32_t *rng)
{
    return (uniform_xorshift32(rng) >> 8) & (UNIFORM_SLOTS - 1u);
}

/* The size requested when that slot is empty (drawn only then: the stream never depends on a result). */
static inline size_t uniform_next_size(uint32_t *rng) { return 1u + uniform_xorshift32(rng) % UNIFORM_MAXSIZE; }

#endif
