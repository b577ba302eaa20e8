/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The diagnostics layer's edge cases that the other suites leave unvisited
 * (issue 18, coverage), each checked against modesp/memory_diagnostics.h:
 *  - NULL arguments of the snapshot, the JSON writer, the advice, the
 *    failure ring and TRACK_MEMORY_USAGE;
 *  - "only counts" calls (out NULL or max 0) of the leak list and owners;
 *  - a TRACK_MEMORY_USAGE scope over which the clock went back (no time
 *    passed) and one with no name;
 *  - the largest allocatable block as classes run empty.
 */
#include <string.h>

#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"
#include "test_support.h"

MODESP_POOL_DEFINE_STATIC(dc_pool, 32, 3);

static uint64_t s_now_us;
static uint64_t fake_clock(void) { return s_now_us; }

static int setup(void **state)
{
    (void)state;
    s_now_us = 5000000u;
    modesp_port_posix_set_clock(fake_clock);
    modesp_memory_diagnostics_reset_tracing();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_clock(NULL);
    assert_int_equal(modesp_pool_in_use(&dc_pool), 0);
    assert_manager_clean();
    return 0;
}

static void no_line(const char *line, void *ctx)
{
    (void)line;
    (void)ctx;
    fail_msg("a refused call wrote a line");
}

static void test_null_arguments(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    const modesp_pool_t *pools[] = {&dc_pool};
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 1), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_snapshot(NULL, &snap), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_log_stats(NULL, "t"), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_log_stats(&diag, NULL), ESP_OK); /* tag may be NULL */
    char buf[8] = "xyz";
    size_t needed = 0;
    assert_int_equal(modesp_memory_diagnostics_to_json(NULL, buf, sizeof buf, &needed), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, NULL, 4, &needed), ESP_ERR_INVALID_ARG);
    assert_string_equal(buf, "xyz");
    /* too small: "" and the length it needs, also without *needed */
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, buf, sizeof buf, NULL), ESP_ERR_INVALID_SIZE);
    assert_string_equal(buf, "");
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, NULL, 0, &needed), ESP_ERR_INVALID_SIZE);
    assert_true(needed > sizeof buf);

    modesp_diag_class_advice_t adv[MODESP_CLASS_COUNT];
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_advise(NULL, 25, adv, MODESP_CLASS_COUNT), 0);
    assert_int_equal(modesp_memory_diagnostics_advise(pm, 25, NULL, MODESP_CLASS_COUNT), 0);
    assert_int_equal(modesp_memory_diagnostics_advise(pm, 25, adv, MODESP_CLASS_COUNT - 1), 0);
    assert_int_equal(modesp_memory_diagnostics_advise(pm, 25, adv, MODESP_CLASS_COUNT), MODESP_CLASS_COUNT);
    assert_int_equal(modesp_memory_diagnostics_advice_report(NULL, 1, no_line, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_advice_report(adv, MODESP_CLASS_COUNT, NULL, NULL), ESP_ERR_INVALID_ARG);

    uint32_t lost = 77;
    assert_int_equal(modesp_memory_diagnostics_get_failures(NULL, 4, &lost), 0);
    modesp_diag_failure_t f[2];
    assert_int_equal(modesp_memory_diagnostics_get_failures(f, 0, NULL), 0);

    assert_int_equal(modesp_memory_diagnostics_track_end(NULL, NULL, false), ESP_ERR_INVALID_ARG);
    modesp_memory_diagnostics_track_begin(NULL, "ignored"); /* does nothing */
}

/* With out NULL or max 0 the leak list and the owner list only count. */
static void test_count_only_calls(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    const modesp_pool_t *pools[] = {&dc_pool};
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 1), ESP_OK);
    void *a = modesp_pool_allocate(&dc_pool);
    void *b = modesp_pool_allocate(&dc_pool);
    assert_non_null(a);
    assert_non_null(b);
    s_now_us += 2000000u;
    const size_t want = MODESP_TRACING ? 2u : 0u;
    modesp_diag_leak_t one[1];
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 1000, NULL, 5), want);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 1000, one, 0), want);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(NULL, 1000, one, 1), want); /* diag may be NULL */
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 3000, one, 1), 0);   /* not old enough */
    const size_t owners = modesp_memory_diagnostics_get_owners(NULL, 0);
    assert_true(owners >= 1u); /* "-" at least */
    modesp_diag_owner_stats_t own[1];
    assert_int_equal(modesp_memory_diagnostics_get_owners(own, 0), owners);
    assert_int_equal(modesp_pool_deallocate(&dc_pool, a), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&dc_pool, b), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 0, NULL, 0), 0);
}

/* A scope over which the clock went back lasted 0 us; a scope without a name is logged as "?". */
static void test_track_scope_clock_back_and_no_name(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    const modesp_pool_t *pools[] = {&dc_pool};
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 1), ESP_OK);
    modesp_diag_track_t t;
    modesp_diag_track_result_t r;
    modesp_memory_diagnostics_track_begin(&t, NULL);
    void *a = modesp_pool_allocate(&dc_pool);
    assert_non_null(a);
    s_now_us -= 1000000u; /* back by 1 s */
    const esp_err_t end = modesp_memory_diagnostics_track_end(&t, &r, true);
    assert_int_equal(modesp_pool_deallocate(&dc_pool, a), ESP_OK);
    if (!MODESP_TRACING) {
        assert_int_equal(end, ESP_ERR_NOT_SUPPORTED);
        return;
    }
    assert_int_equal(end, ESP_OK);
    assert_int_equal(r.elapsed_us, 0);
    assert_int_equal(r.allocs, 1);
    assert_int_equal(r.frees, 0);
    assert_int_equal(r.net_bytes, 32);
    assert_string_equal(t.name, "?");
    modesp_diag_track_t u;
    modesp_memory_diagnostics_track_begin(&u, "inner");
    assert_int_equal(modesp_memory_diagnostics_track_end(&u, NULL, false), ESP_OK); /* result may be NULL */
}

/* largest_allocatable is the largest class with a free block, 0 when every class is empty. */
static void test_largest_allocatable_as_classes_run_empty(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    static void *held[1024];
    size_t n = 0;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_init(&diag, pm), ESP_OK);
    for (int c = MODESP_CLASS_COUNT - 1; c >= 0; c--) {
        const modesp_pool_t *p = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
        assert_true(snap.has_manager);
        assert_int_equal(snap.largest_allocatable, modesp_pool_block_size(p));
        void *b = NULL;
        while (n < 1024u &&
               modesp_pool_manager_allocate_ex(pm, modesp_pool_block_size(p), MODESP_ALLOC_STRICT, 0, &b) == ESP_OK) {
            held[n++] = b;
        }
        assert_int_equal(modesp_pool_in_use(p), modesp_pool_capacity(p));
    }
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.largest_allocatable, 0);
    while (n > 0u) {
        assert_int_equal(modesp_pool_manager_free(pm, held[--n]), ESP_OK);
    }
    (void)modesp_pool_manager_reset_stats(pm);
}

/* A caller's snapshot is not trusted: an out-of-range pool_count is refused
 * (it read past pools[] before), a NULL pool name is printed as "?". */
static size_t g_lines;
static bool g_saw_unknown;
static void count_line(const char *line, void *ctx)
{
    (void)ctx;
    g_lines++;
    g_saw_unknown = g_saw_unknown || strncmp(line, "? ", 2) == 0;
}

static void test_malformed_snapshot_refused(void **state)
{
    (void)state;
    static modesp_diag_snapshot_t snap; /* static: large */
    memset(&snap, 0, sizeof snap);
    char buf[64];
    size_t needed = 0;
    snap.pool_count = MODESP_DIAG_MAX_POOLS + 1u;
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, buf, sizeof buf, &needed), ESP_ERR_INVALID_ARG);
    g_lines = 0;
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_POOLS, 0u, count_line, NULL),
                     ESP_ERR_INVALID_ARG);
    assert_int_equal(g_lines, 0u);
    snap.pool_count = 1u;
    snap.pools[0].name = NULL;
    g_saw_unknown = false;
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_POOLS, 0u, count_line, NULL), ESP_OK);
    assert_true(g_saw_unknown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_null_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_only_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_track_scope_clock_back_and_no_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_largest_allocatable_as_classes_run_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_snapshot_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
