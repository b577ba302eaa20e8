/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Corruption sweep (issue 18): over many seeded trials, a private pool in a
 * random state (some blocks live, the free list scrambled by frees in random
 * order) gets one corruption: a metadata word (random bits or a random
 * value), the head's index bits, the head's tag bits, a counter, a pair of
 * metadata words, or with poisoning a byte of a poisoned free block. Then:
 *  - if the integrity check passes, the pool must behave exactly as an intact
 *    one: allocating until empty hands out every free block once, never a
 *    live one, and everything frees back to an intact pool (a harmful
 *    corruption the check missed fails here);
 *  - whatever the check says, allocation never hands out a block out of
 *    range, misaligned or twice, ends within capacity + 1 calls, and (for a
 *    single corrupted word) never hands out a live block.
 * An alarm ends the run if an allocation loops.
 */
#define _POSIX_C_SOURCE 200809L /* alarm */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_support.h"

#include "pool_meta.h"

/* The library marks free blocks unaddressable under ASan; the sweep's own
 * write into one (the corruption) is deliberate. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SWEEP_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define SWEEP_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#else
#define SWEEP_UNPOISON(p, n) ((void)(p), (void)(n))
#define SWEEP_POISON(p, n)   ((void)(p), (void)(n))
#endif

#define MAX_CAP 70u
#define BSIZE   24u

static _Alignas(MODESP_POOL_ALIGN) uint8_t g_storage[MODESP_POOL_STORAGE_SIZE(BSIZE, MAX_CAP)];
static uint32_t g_meta[MAX_CAP];
static modesp_pool_t g_pool;
static unsigned long g_trials = 300000u;

static uint64_t g_rng;
static uint64_t rnd(void)
{
    uint64_t x = g_rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g_rng = x;
    return x;
}

enum { K_META_BITS, K_META_VALUE, K_HEAD_INDEX, K_HEAD_TAG, K_COUNTER, K_PAIR, K_POISON, K_KINDS };
static const char *const kind_name[K_KINDS] = {"meta word bits", "meta word value", "head index",   "head tag",
                                               "counter",        "pair of words",   "poisoned byte"};

typedef struct {
    unsigned long trials, detected, undetected_harmless, live_after_detect;
} tally_t;
static tally_t g_tally[K_KINDS];

static bool g_live[MAX_CAP];
static uint32_t g_cap;

static uint32_t index_of(const void *p)
{
    const uintptr_t off = (uintptr_t)p - (uintptr_t)g_storage;
    return (uint32_t)(off / MODESP_POOL_STRIDE(BSIZE));
}

/* A block handed out after the corruption: in range and aligned, not twice. */
static uint32_t check_handed_out(const void *p, bool *seen, unsigned long trial, int kind)
{
    const uintptr_t off = (uintptr_t)p - (uintptr_t)g_storage;
    if (off >= (uintptr_t)MODESP_POOL_STRIDE(BSIZE) * g_cap || off % MODESP_POOL_STRIDE(BSIZE) != 0u) {
        print_error("trial %lu (%s): block %p out of range or misaligned\n", trial, kind_name[kind], p);
        fail();
    }
    const uint32_t i = index_of(p);
    if (seen[i]) {
        print_error("trial %lu (%s): block %u handed out twice\n", trial, kind_name[kind], (unsigned)i);
        fail();
    }
    seen[i] = true;
    return i;
}

static void corrupt(int kind)
{
    const uint32_t i = (uint32_t)(rnd() % g_cap);
    switch (kind) {
    case K_META_BITS:
        g_meta[i] ^= (uint32_t)(1u << (rnd() % 32u)) | (rnd() % 4u == 0u ? (uint32_t)(1u << (rnd() % 32u)) : 0u);
        break;
    case K_META_VALUE:
        g_meta[i] = (uint32_t)rnd();
        break;
    case K_HEAD_INDEX:
        g_pool.head = (g_pool.head & ~(uint32_t)g_pool.idx_mask) | ((uint32_t)rnd() & g_pool.idx_mask);
        break;
    case K_HEAD_TAG:
        g_pool.head ^= ((uint32_t)rnd() << 1 | 1u) << __builtin_popcount(g_pool.idx_mask);
        break;
    case K_COUNTER: {
        uint32_t *const counters[] = {&g_pool.in_use, &g_pool.peak, &g_pool.quarantined, &g_pool.total_allocs};
        uint32_t *c = counters[rnd() % 4u];
        *c = rnd() % 2u ? *c + 1u + (uint32_t)(rnd() % 3u) : *c - 1u - (uint32_t)(rnd() % 3u);
        break;
    }
    case K_PAIR: {
        const uint32_t j = (uint32_t)(rnd() % g_cap);
        if (rnd() % 2u) { /* swap two words */
            const uint32_t t = g_meta[i];
            g_meta[i] = g_meta[j];
            g_meta[j] = t;
        } else {
            g_meta[i] ^= (uint32_t)(1u << (rnd() % 32u));
            g_meta[j] ^= (uint32_t)(1u << (rnd() % 32u));
        }
        break;
    }
    default: /* K_POISON: a byte of a poisoned free block */
        for (uint32_t k = 0; k < g_cap; k++) {
            const uint32_t b = (i + k) % g_cap;
            if ((g_meta[b] & (META_STATE_MASK | META_POISONED)) == (META_FREE | META_POISONED)) {
                uint8_t *blk = g_storage + b * MODESP_POOL_STRIDE(BSIZE);
                SWEEP_UNPOISON(blk, MODESP_POOL_STRIDE(BSIZE));
                blk[rnd() % BSIZE] ^= (uint8_t)(1u + rnd() % 255u);
                SWEEP_POISON(blk, MODESP_POOL_STRIDE(BSIZE));
                break;
            }
        }
        break;
    }
}

static void one_trial(unsigned long trial, int kind)
{
    g_cap = 1u + (uint32_t)(rnd() % MAX_CAP);
    assert_int_equal(modesp_pool_init(&g_pool, "sweep", g_storage, sizeof g_storage, g_meta, BSIZE, g_cap), ESP_OK);
    memset(g_live, 0, sizeof g_live);
    /* A random state: allocate some, free some in random order (scrambles the list, poisons). */
    const uint32_t take = (uint32_t)(rnd() % (g_cap + 1u));
    for (uint32_t k = 0; k < take; k++) {
        void *p = modesp_pool_allocate(&g_pool);
        assert_non_null(p);
        g_live[index_of(p)] = true;
    }
    for (uint32_t k = 0; k < g_cap; k++) {
        const uint32_t b = (uint32_t)(rnd() % g_cap);
        if (g_live[b] && rnd() % 2u) {
            assert_int_equal(modesp_pool_deallocate(&g_pool, g_storage + b * MODESP_POOL_STRIDE(BSIZE)), ESP_OK);
            g_live[b] = false;
        }
    }
    uint32_t live = 0;
    for (uint32_t b = 0; b < g_cap; b++) {
        live += g_live[b];
    }
    assert_int_equal(modesp_pool_check_integrity_ex(&g_pool, MODESP_POOL_CHECK_POISON, NULL), ESP_OK);

    corrupt(kind);
    g_tally[kind].trials++;
    modesp_pool_integrity_t rep;
    const esp_err_t verdict = modesp_pool_check_integrity_ex(&g_pool, MODESP_POOL_CHECK_POISON, &rep);
    const bool detected = verdict != ESP_OK;
    if (detected && kind == K_COUNTER) {
        /* Reported. Test builds trap on the invariant checks (MODESP_ASSERT) that
         * allocating with a counter beyond capacity would break: stop here. */
        g_tally[kind].detected++;
        return;
    }

    /* Allocate until empty, bounded. */
    bool seen[MAX_CAP] = {false};
    uint32_t got = 0, live_handed = 0;
    uint32_t handed[MAX_CAP];
    for (uint32_t call = 0; call <= g_cap + 1u; call++) {
        void *p = modesp_pool_allocate(&g_pool);
        if (p == NULL) {
            break;
        }
        if (call == g_cap + 1u) {
            print_error("trial %lu (%s): more than capacity allocations succeeded\n", trial, kind_name[kind]);
            fail();
        }
        const uint32_t b = check_handed_out(p, seen, trial, kind);
        live_handed += g_live[b];
        handed[got++] = b;
    }
    if (live_handed != 0u && kind != K_PAIR) {
        print_error("trial %lu (%s, %s): a live block handed out\n", trial, kind_name[kind],
                    detected ? "detected" : "undetected");
        fail();
    }
    if (detected) {
        g_tally[kind].detected++;
        g_tally[kind].live_after_detect += live_handed != 0u;
        return;
    }
    /* Not reported: it must have been harmless. */
    g_tally[kind].undetected_harmless++;
    if (got != g_cap - live || live_handed != 0u) {
        print_error("trial %lu (%s): undetected corruption: %u blocks handed out, %u free expected, %u live\n", trial,
                    kind_name[kind], (unsigned)got, (unsigned)(g_cap - live), (unsigned)live_handed);
        fail();
    }
    for (uint32_t k = 0; k < got; k++) {
        g_live[handed[k]] = true;
    }
    for (uint32_t b = 0; b < g_cap; b++) {
        if (g_live[b]) {
            const esp_err_t err = modesp_pool_deallocate(&g_pool, g_storage + b * MODESP_POOL_STRIDE(BSIZE));
            if (err != ESP_OK) {
                print_error("trial %lu (%s): undetected corruption: free of block %u: %s\n", trial, kind_name[kind],
                            (unsigned)b, modesp_err_to_name(err));
                fail();
            }
        }
    }
    if (modesp_pool_check_integrity(&g_pool, &rep) != ESP_OK || modesp_pool_in_use(&g_pool) != 0u) {
        print_error("trial %lu (%s): undetected corruption: pool broken after use (%s)\n", trial, kind_name[kind],
                    modesp_pool_fault_name(rep.fault));
        fail();
    }
}

static void test_corruption_sweep(void **state)
{
    (void)state;
    g_rng = 0x853C49E6748FEA9Bu;
    alarm(600); /* an allocation that loops ends the run */
    for (unsigned long t = 0; t < g_trials; t++) {
        int kind = (int)(t % K_KINDS);
        if (kind == K_POISON && !g_pool.poison) {
            kind = K_META_BITS;
        }
        one_trial(t, kind);
    }
    alarm(0);
    for (int k = 0; k < K_KINDS; k++) {
        print_message("corruption sweep: %-16s %7lu trials, %7lu reported, %7lu harmless (not reported, pool "
                      "behaved), %lu live block handed out after a report\n",
                      kind_name[k], g_tally[k].trials, g_tally[k].detected, g_tally[k].undetected_harmless,
                      g_tally[k].live_after_detect);
    }
    /* The sweep must have found something to report in every kind it ran. */
    for (int k = 0; k < K_KINDS; k++) {
        if (g_tally[k].trials > 100u && k != K_HEAD_TAG) {
            assert_true(g_tally[k].detected > 0u);
        }
    }
}

int main(void)
{
    const char *env = getenv("MODESP_STRESS_ALLOCS");
    if (env != NULL && strtoul(env, NULL, 10) > 0) {
        g_trials = strtoul(env, NULL, 10);
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_corruption_sweep)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
