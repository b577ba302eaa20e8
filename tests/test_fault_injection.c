/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection (issue 18): the test builds' fail hook (mp_pause.h) makes
 * chosen allocation attempts find a pool empty, on a schedule per class
 * (every Nth attempt, or with a seeded probability), during 10^6 mixed
 * operations on the manager and a private pool (MODESP_STRESS_ALLOCS scales
 * it down under sanitizers). Nothing may crash or leak, every failure must be
 * counted as documented (a request that fails counts once in its class's
 * alloc_failures; every attempt that found a pool empty, injected or real,
 * counts in that pool's exhausted), and the integrity checks pass at the end.
 * The clock then jumps forward and backward by large steps under the WAIT
 * strategy: a wait still ends (a backward jump is no time passing, never an
 * endless wait) and the counters still add up. The fail hook and its
 * counters are in fault_hook_fixture.h; the event bus under 10 % failures is
 * test_fault_injection_bus.c.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <time.h>

#include "fault_hook_fixture.h"

/* ------------------------------------------------------------- helpers */

typedef struct {
    void *p;
    size_t size;
    int pool; /* class served, PRIV, -1 heap, -2 reserve */
    uint8_t fill;
} held_t;

#define MAX_HELD 96
static held_t g_held[MAX_HELD];
static size_t g_nheld;
static uint64_t g_req_failures[NCLS]; /* requests for class c that failed */

static void fill_block(held_t *h) { memset(h->p, h->fill, h->size); }

static void check_block(const held_t *h)
{
    const uint8_t *b = h->p;
    for (size_t i = 0; i < h->size; i++) {
        if (b[i] != h->fill) {
            print_error("block %p byte %zu: 0x%02x, expected 0x%02x (shared block?)\n", h->p, i, b[i], h->fill);
            fail();
        }
    }
}

static int served_from(const void *p)
{
    for (int c = 0; c < NCLS; c++) {
        if (modesp_pool_contains(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c), p)) {
            return c;
        }
    }
    if (modesp_pool_contains(&fi_pool, p)) {
        return PRIV;
    }
    const modesp_pool_t *res = modesp_pool_manager_get_reserve_pool(pm);
    return (res != NULL && modesp_pool_contains(res, p)) ? -2 : -1;
}

static void release(size_t i)
{
    held_t *h = &g_held[i];
    check_block(h);
    if (h->pool == PRIV) {
        assert_int_equal(modesp_pool_deallocate(&fi_pool, h->p), ESP_OK);
    } else {
        assert_int_equal(modesp_pool_manager_deallocate(pm, h->p, h->size), ESP_OK);
    }
    g_held[i] = g_held[--g_nheld];
}

static void release_all(void)
{
    while (g_nheld > 0u) {
        release(g_nheld - 1u);
    }
}

static uint32_t class_size(int c) { return (uint32_t)modesp_pool_block_size(modesp_pool_manager_get_pool(pm, c)); }

static void reset_counters(void)
{
    reset_hook_counters();
    memset(g_req_failures, 0, sizeof g_req_failures);
}

/* Every attempt that did not hand out a block of a pool found it empty (exhausted);
 * every failed request counted once in its class. */
static void assert_failures_counted(void)
{
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    for (int c = 0; c < NCLS; c++) {
        const modesp_pool_stats_t *s = &st.classes[c];
        assert_int_equal((uint64_t)s->exhausted, g_attempts[c] - s->total_allocs);
        assert_true((uint64_t)s->exhausted >= g_injected[c]);
        assert_int_equal((uint64_t)s->alloc_failures, g_req_failures[c]);
        assert_int_equal(s->corruptions, 0);
    }
    modesp_pool_stats_t ps;
    assert_int_equal(modesp_pool_get_stats(&fi_pool, &ps), ESP_OK);
    assert_int_equal((uint64_t)ps.exhausted, g_attempts[PRIV] - ps.total_allocs);
    assert_int_equal((uint64_t)ps.alloc_failures, (uint64_t)ps.exhausted); /* the pool API: one attempt per call */
    assert_true((uint64_t)ps.exhausted >= g_injected[PRIV]);
}

/* One mixed operation: allocate with a random strategy/size, or free a random held block. */
static void one_op(uint64_t *rng)
{
    const uint64_t r = xorshift(rng);
    if (g_nheld == MAX_HELD || (g_nheld > 0u && (r & 3u) == 0u)) {
        release((size_t)((r >> 8) % g_nheld));
        return;
    }
    held_t h = {NULL, 0, 0, (uint8_t)(r >> 40)};
    const int cls = (int)((r >> 8) % NCLS);
    const uint32_t lo = cls == 0 ? 1u : class_size(cls - 1) + 1u;
    h.size = lo + (size_t)((r >> 16) % (class_size(cls) - lo + 1u));
    const unsigned kind = (unsigned)((r >> 32) % 6u);
    esp_err_t err = ESP_OK;
    switch (kind) {
    case 0:
        err = modesp_pool_manager_allocate_ex(pm, h.size, MODESP_ALLOC_STRICT, 0, &h.p);
        break;
    case 1:
        err = modesp_pool_manager_allocate_ex(pm, h.size, MODESP_ALLOC_SPILL, 0, &h.p);
        break;
    case 2:
        err = modesp_pool_manager_allocate_ex(pm, h.size, MODESP_ALLOC_WAIT, 0, &h.p);
        break;
    case 3:
        h.p = modesp_pool_manager_allocate_critical(pm, h.size);
        break;
    case 4:
        h.p = modesp_pool_manager_allocate(pm, h.size); /* the default strategy (STRICT or SPILL) */
        break;
    default:
        h.size = 48;
        h.p = modesp_pool_allocate(&fi_pool);
        if (h.p == NULL) {
            return; /* counted in the pool's alloc_failures; checked by assert_failures_counted */
        }
        h.pool = PRIV;
        fill_block(&h);
        g_held[g_nheld++] = h;
        return;
    }
    if (h.p == NULL) {
        assert_true(kind >= 3u || err == ESP_ERR_NO_MEM);
        g_req_failures[cls]++;
        return;
    }
    assert_int_equal(err, ESP_OK);
    h.pool = served_from(h.p);
    assert_true(h.pool == -2 || (h.pool >= cls && h.pool < NCLS));
    fill_block(&h);
    g_held[g_nheld++] = h;
}

static void run_mixed(uint64_t seed)
{
    uint64_t rng = seed;
    reset_counters();
    modesp_test_set_fail_hook(fail_hook);
    for (unsigned long i = 0; i < g_ops; i++) {
        one_op(&rng);
    }
    modesp_test_set_fail_hook(NULL);
    assert_failures_counted();
    release_all();
    assert_all_clean();
}

/* --------------------------------------------------------------- tests */

static void test_every_nth_per_class(void **state)
{
    (void)state;
    static const uint32_t nth[NPOOLS] = {2, 3, 5, 7, 11, 4};
    memcpy(g_nth, nth, sizeof g_nth);
    g_mode = MODE_EVERY_NTH;
    run_mixed(0x9E3779B97F4A7C15u);
    for (int i = 0; i < NPOOLS; i++) {
        assert_true(g_injected[i] > 0u); /* the schedule reached every pool */
    }
}

static void test_seeded_probability_per_class(void **state)
{
    (void)state;
    static const uint32_t permille[NPOOLS] = {100, 100, 100, 100, 100, 250};
    memcpy(g_permille, permille, sizeof g_permille);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        g_rng_hook = seed * 0x2545F4914F6CDD1Du;
        g_mode = MODE_PROBABILITY;
        run_mixed(seed);
    }
}

/* Every attempt fails: every request fails and each is counted once. */
static void test_always_failing(void **state)
{
    (void)state;
    g_mode = MODE_ALWAYS;
    reset_counters();
    modesp_test_set_fail_hook(fail_hook);
    void *p = (void *)&p;
    for (int c = 0; c < NCLS; c++) {
        assert_int_equal(modesp_pool_manager_allocate_ex(pm, class_size(c), MODESP_ALLOC_STRICT, 0, &p),
                         ESP_ERR_NO_MEM);
        assert_null(p);
        assert_int_equal(modesp_pool_manager_allocate_ex(pm, class_size(c), MODESP_ALLOC_SPILL, 0, &p), ESP_ERR_NO_MEM);
        assert_int_equal(modesp_pool_manager_allocate_ex(pm, class_size(c), MODESP_ALLOC_WAIT, 1, &p), ESP_ERR_TIMEOUT);
        g_req_failures[c] += 3;
    }
    assert_null(modesp_pool_allocate(&fi_pool));
    modesp_test_set_fail_hook(NULL);
    assert_failures_counted();
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.wait_timeouts, NCLS);
    assert_int_equal(st.spills, 0);
    for (int c = 0; c < NCLS; c++) {
        /* STRICT 1, SPILL: this class and every larger one, WAIT: at least 2 (first try and the last look) */
        assert_true(st.classes[c].exhausted >= 1u + 1u + 2u);
    }
    assert_all_clean();
}

/* ---------------------------------------------------------- clock jumps */

static uint64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The fake clock is the real one minus an offset that jumps by large steps
 * both ways: time runs forward, then leaps ahead by up to the offset, then
 * falls back by up to an hour. It never runs ahead of the real clock: the
 * POSIX port sleeps on CLOCK_MONOTONIC until a deadline taken from the fake
 * clock (see the report of issue 18 for what a clock ahead of it does). */
static uint64_t g_offset_us;
static uint64_t g_clock_rng = 7;
static uint64_t jumping_clock(void)
{
    const uint64_t now = real_us();
    const uint64_t r = xorshift(&g_clock_rng);
    const uint64_t max_offset = now / 2u < 3600000000u ? now / 2u : 3600000000u;
    switch (r % 4u) {
    case 0: /* forward: the offset shrinks */
        g_offset_us -= g_offset_us > 0u ? (r >> 8) % g_offset_us : 0u;
        break;
    case 1: /* backward: the offset grows, up to an hour */
        g_offset_us = (r >> 8) % (max_offset + 1u);
        break;
    default:
        break;
    }
    return now - g_offset_us;
}
static uint64_t g_frozen_us;
static uint64_t backward_clock(void)
{
    g_frozen_us = g_frozen_us > 1000u ? g_frozen_us - 1000u : real_us() / 2u; /* always backward */
    return g_frozen_us;
}

static uint64_t real_ms(void) { return real_us() / 1000u; }

static void test_clock_jumps_under_wait(void **state)
{
    (void)state;
    reset_counters();
    /* Fill the largest class, so WAIT on it has to wait. */
    const int top = NCLS - 1;
    const size_t cap = modesp_pool_capacity(modesp_pool_manager_get_pool(pm, top));
    void **blocks = calloc(cap, sizeof *blocks);
    assert_non_null(blocks);
    for (size_t i = 0; i < cap; i++) {
        blocks[i] = modesp_pool_manager_allocate_critical(pm, class_size(top)); /* STRICT first: the class */
        assert_non_null(blocks[i]);
    }
    uint64_t (*clocks[2])(void) = {jumping_clock, backward_clock};
    uint32_t timeouts = 0, served = 0;
    for (int k = 0; k < 2; k++) {
        modesp_port_posix_set_clock(clocks[k]);
        for (int i = 0; i < 200; i++) {
            void *p = NULL;
            const uint64_t t0 = real_ms();
            const esp_err_t err = modesp_pool_manager_allocate_ex(pm, class_size(top), MODESP_ALLOC_WAIT, 2, &p);
            /* 2 ms asked: whatever the clock does, the wait ends (bounded by the real clock too) */
            assert_true(real_ms() - t0 < 2000u);
            assert_int_equal(err, ESP_ERR_TIMEOUT);
            timeouts++;
            /* A free block is served at once, whatever the clock does. */
            assert_int_equal(modesp_pool_manager_free(pm, blocks[i % cap]), ESP_OK);
            assert_int_equal(modesp_pool_manager_allocate_ex(pm, class_size(top), MODESP_ALLOC_WAIT, 2, &p), ESP_OK);
            blocks[i % cap] = p;
            served++;
            /* Non-waiting strategies ignore the clock. */
            void *q = NULL;
            assert_int_equal(modesp_pool_manager_allocate_ex(pm, class_size(top), MODESP_ALLOC_STRICT, 0, &q),
                             ESP_ERR_NO_MEM);
        }
    }
    modesp_port_posix_set_clock(NULL);
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.wait_timeouts, timeouts);
    assert_int_equal(st.classes[top].alloc_failures, timeouts * 2u); /* each WAIT timeout and each STRICT */
    assert_int_equal(st.classes[top].total_allocs, served + cap);    /* and the blocks that filled it */
    for (size_t i = 0; i < cap; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, blocks[i]), ESP_OK);
    }
    free(blocks);
    assert_all_clean();
}

static int teardown(void **state)
{
    (void)state;
    modesp_test_set_fail_hook(NULL);
    modesp_port_posix_set_clock(NULL);
    release_all();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_nth_per_class, teardown),
        cmocka_unit_test_teardown(test_seeded_probability_per_class, teardown),
        cmocka_unit_test_teardown(test_always_failing, teardown),
        cmocka_unit_test_teardown(test_clock_jumps_under_wait, teardown),
    };
    return cmocka_run_group_tests(tests, fault_setup, NULL);
}
