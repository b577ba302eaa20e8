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
 * endless wait) and the counters still add up. Last, the event bus publishes
 * from tasks and an "ISR" while 10 % of its block attempts fail.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_support.h"

#include "modesp/hooks.h"
#include "modesp/port_posix.h"
#include "modesp/pooled_event_bus.h"
#include "mp_pause.h"

#define NCLS   MODESP_CLASS_COUNT
#define PRIV   NCLS /* index of the private pool in the tables below */
#define NPOOLS (NCLS + 1)

MODESP_POOL_DEFINE_STATIC(fi_pool, 48, 7);

static modesp_pool_manager_t *pm;
static unsigned long g_ops = 1000000u;

/* ------------------------------------------------------------ fail hook */

enum { MODE_OFF, MODE_EVERY_NTH, MODE_PROBABILITY, MODE_ALWAYS };
static int g_mode;
static uint32_t g_nth[NPOOLS];      /* MODE_EVERY_NTH: fail attempt k when k % nth == 0 */
static uint32_t g_permille[NPOOLS]; /* MODE_PROBABILITY: chance of a failure per attempt */
static uint64_t g_rng_hook = 1;
static uint64_t g_attempts[NPOOLS];
static uint64_t g_injected[NPOOLS];

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static int index_of(const void *pool)
{
    for (int c = 0; c < NCLS; c++) {
        if (pool == modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c)) {
            return c;
        }
    }
    return pool == &fi_pool ? PRIV : -1; /* the reserve: never failed on purpose */
}

static _Bool fail_hook(const void *pool)
{
    const int i = index_of(pool);
    if (i < 0) {
        return 0;
    }
    g_attempts[i]++;
    bool fail = false;
    switch (g_mode) {
    case MODE_EVERY_NTH:
        fail = g_attempts[i] % g_nth[i] == 0u;
        break;
    case MODE_PROBABILITY:
        fail = xorshift(&g_rng_hook) % 1000u < g_permille[i];
        break;
    case MODE_ALWAYS:
        fail = true;
        break;
    default:
        break;
    }
    g_injected[i] += fail;
    return fail;
}

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
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    assert_int_equal(modesp_pool_reset_stats(&fi_pool), ESP_OK);
    memset(g_attempts, 0, sizeof g_attempts);
    memset(g_injected, 0, sizeof g_injected);
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

static void assert_all_clean(void)
{
    assert_manager_clean();
    assert_pool_intact(&fi_pool);
    assert_int_equal(modesp_pool_in_use(&fi_pool), 0);
    assert_int_equal(modesp_assert_failures(), 0);
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

/* ------------------------------------------ the event bus under 10 % failures */

static uint64_t g_bus_all, g_bus_x, g_bus_bad;

static void bus_count(const modesp_event_t *ev, void *ctx)
{
    uint32_t n = 0;
    const char *pad = NULL;
    g_bus_bad += modesp_event_get_u32(ev, "n", &n) != ESP_OK || modesp_event_get_str(ev, "pad", &pad) != ESP_OK;
    *(uint64_t *)ctx += 1u;
}

static uint64_t injected_total(void)
{
    uint64_t s = 0;
    for (int i = 0; i < NPOOLS; i++) {
        s += g_injected[i];
    }
    return s;
}

/* g_ops / 4 publishes (a quarter from an "ISR", two payload sizes a class apart), 10 % of the
 * class attempts failed. The bus takes its block with STRICT, so a task publish fails with
 * ESP_ERR_NO_MEM exactly when its attempt was failed, and an ISR publish then takes the ISR
 * reserve (never failed here). Every refusal is counted once, every queued event reaches each
 * matching subscriber, and no block stays behind. */
static void test_event_bus_under_injected_failures(void **state)
{
    (void)state;
    static modesp_event_bus_t bus;
    static const char pad[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
    const size_t max_pad = CONFIG_EVENT_BUS_MAX_STRING_LEN < 40 ? CONFIG_EVENT_BUS_MAX_STRING_LEN : 40;
    modesp_bus_sub_t all = 0, x = 0;
    g_bus_all = g_bus_x = g_bus_bad = 0;
    assert_int_equal(modesp_bus_init(&bus), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "s.*", bus_count, &g_bus_all, 0, MODESP_BUS_DROP_OLDEST, &all), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "s.x", bus_count, &g_bus_x, 0, MODESP_BUS_REJECT, &x), ESP_OK);
    for (int i = 0; i < NPOOLS; i++) {
        g_permille[i] = i < NCLS ? 100u : 0u;
    }
    g_mode = MODE_PROBABILITY;
    g_rng_hook = 0x5DEECE66Du;
    reset_counters();
    modesp_test_set_fail_hook(fail_hook);
    uint64_t rng = 0xB5AD4ECEDA1CE2A9u, ok = 0, ok_x = 0, no_mem = 0, isr_rescued = 0;
    for (unsigned long i = 0; i < g_ops / 4u; i++) {
        const uint64_t r = xorshift(&rng);
        const bool to_x = (r & 1u) != 0u, isr = (r & 6u) == 0u;
        char text[48];
        const size_t len = (r >> 8) % 2u == 0u ? 1u : max_pad - 1u;
        memcpy(text, pad, len);
        text[len] = '\0';
        const uint64_t before = injected_total();
        esp_err_t err;
        if (isr) {
            modesp_port_posix_set_isr_context(true);
            err = modesp_bus_publish_from_isr(&bus, to_x ? "s.x" : "s.y", MODESP_BUS_NORMAL, NULL,
                                              MODESP_EV_U32("n", (uint32_t)i), MODESP_EV_STR("pad", text));
            modesp_port_posix_set_isr_context(false);
        } else {
            err = modesp_bus_publish(&bus, to_x ? "s.x" : "s.y", MODESP_BUS_NORMAL, MODESP_EV_U32("n", (uint32_t)i),
                                     MODESP_EV_STR("pad", text));
        }
        const uint64_t failed = injected_total() - before;
        assert_true(failed <= 1u);
        if (isr || failed == 0u) {
            assert_int_equal(err, ESP_OK);
            isr_rescued += failed;
            ok++;
            ok_x += to_x;
        } else {
            assert_int_equal(err, ESP_ERR_NO_MEM);
            no_mem++;
        }
        assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    }
    modesp_test_set_fail_hook(NULL);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_true(no_mem > 0u && isr_rescued > 0u); /* the schedule reached both paths */
    assert_int_equal(st.published, ok);
    assert_int_equal(st.dropped_no_block, no_mem);
    assert_int_equal(st.pool.allocation_failures, no_mem);
    assert_int_equal(st.isr_reserve_used, isr_rescued);
    assert_int_equal(st.delivered, ok + ok_x);
    assert_int_equal(g_bus_all, ok);
    assert_int_equal(g_bus_x, ok_x);
    assert_int_equal(g_bus_bad, 0);
    assert_int_equal(st.pool.allocated_count, 0);
    assert_int_equal(modesp_bus_unsubscribe(&bus, all), ESP_OK);
    assert_int_equal(modesp_bus_unsubscribe(&bus, x), ESP_OK);
    assert_all_clean();
}

static int setup(void **state)
{
    (void)state;
    pm = modesp_get_pool_manager();
    const char *env = getenv("MODESP_STRESS_ALLOCS");
    if (env != NULL && strtoul(env, NULL, 10) > 0) {
        g_ops = strtoul(env, NULL, 10);
    }
    return 0;
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
        cmocka_unit_test_teardown(test_event_bus_under_injected_failures, teardown),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
