/* SPDX-License-Identifier: Apache-2.0 */
#include "frag_workload.h"

#include <string.h>

#define EVENT_MAX_LIFE 16u
#define WHEEL          32u /* > EVENT_MAX_LIFE: a bucket is reused only after it was emptied */
#define BUCKET         16u /* at most one event per step, lifetimes 1..16: at most 16 per bucket */
#define LONG_SLOTS     160u

typedef struct {
    void *p;
    uint16_t size;
} obj_t;

static uint32_t rnd(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* Uniform in lo..hi. The slight modulo bias is irrelevant here and identical for every run. */
static uint32_t between(uint32_t *s, uint32_t lo, uint32_t hi) { return lo + rnd(s) % (hi - lo + 1u); }

static int class_of(uint32_t size)
{
    int c = 0;
    while (c < FRAG_CLASSES - 1 && size > frag_class_size[c]) {
        c++;
    }
    return c;
}

static void small_gone(frag_counts_t *c, uint32_t size)
{
    c->live_small_bytes -= size;
    c->class_live[class_of(size)]--;
}

static void *small_new(const frag_ops_t *ops, frag_counts_t *c, uint32_t size)
{
    c->small_requests++;
    void *p = ops->small_alloc(size);
    if (p == NULL) {
        c->small_failures++;
        return NULL;
    }
    memset(p, 0xA5, size); /* a real object is written: catches overlapping blocks */
    const int k = class_of(size);
    if (++c->class_live[k] > c->class_peak[k]) {
        c->class_peak[k] = c->class_live[k];
    }
    c->live_small_bytes += size;
    return p;
}

static void note_peak(frag_counts_t *c)
{
    const uint32_t live = c->live_small_bytes + c->live_large_bytes;
    if (live > c->peak_live_bytes) {
        c->peak_live_bytes = live;
    }
}

void frag_run(const frag_ops_t *ops, frag_counts_t *c)
{
    static obj_t wheel[WHEEL][BUCKET];
    static uint8_t wheel_n[WHEEL];
    static obj_t longs[LONG_SLOTS];
    memset(c, 0, sizeof *c);
    memset(wheel_n, 0, sizeof wheel_n);
    memset(longs, 0, sizeof longs);
    uint32_t rng = FRAG_SEED;
    void *large = NULL;
    uint32_t large_size = 0;
    uint32_t large_until = 0;
    uint32_t next_large = between(&rng, 2000u, 6000u);

    for (uint32_t step = 0; step < FRAG_STEPS; step++) {
        /* Events due now. */
        const uint32_t b = step % WHEEL;
        for (uint32_t i = 0; i < wheel_n[b]; i++) {
            ops->small_free(wheel[b][i].p, wheel[b][i].size);
            small_gone(c, wheel[b][i].size);
        }
        wheel_n[b] = 0;

        /* One random draw decides each of this step's actions, whatever happens to them. */
        const uint32_t r = rnd(&rng);
        if (r & 1u) {
            const uint32_t size = between(&rng, 40u, 120u);
            const uint32_t when = (step + between(&rng, 1u, EVENT_MAX_LIFE)) % WHEEL;
            void *p = small_new(ops, c, size);
            if (p != NULL) {
                wheel[when][wheel_n[when]++] = (obj_t){p, (uint16_t)size};
            }
        }
        if (((r >> 1) & 63u) == 0u) {
            const uint32_t slot = rnd(&rng) % LONG_SLOTS;
            const uint32_t size = between(&rng, 24u, 256u);
            if (longs[slot].p != NULL) {
                ops->small_free(longs[slot].p, longs[slot].size);
                small_gone(c, longs[slot].size);
                longs[slot].p = NULL;
            } else {
                longs[slot].p = small_new(ops, c, size);
                longs[slot].size = (uint16_t)size;
            }
        }
        if (large != NULL && step == large_until) {
            ops->large_free(large);
            c->live_large_bytes -= large_size;
            large = NULL;
        }
        if (step == next_large) {
            large_size = between(&rng, 2048u, 8192u);
            large_until = step + between(&rng, 20u, 200u);
            next_large = step + between(&rng, 2000u, 6000u);
            c->large_requests++;
            large = ops->large_alloc(large_size);
            if (large == NULL) {
                c->large_failures++;
            } else {
                memset(large, 0x5A, large_size);
                c->live_large_bytes += large_size;
            }
        }
        note_peak(c);
        if ((step + 1u) % FRAG_CHECKPOINT == 0u) {
            c->step = step + 1u;
            ops->checkpoint(c);
        }
    }
}
