/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The diagnostics layer (include/modesp/memory_diagnostics.h, src/diag):
 * snapshot figures, rates over the sliding window, the text report against
 * a golden file, owners, the failure ring; with tracing (the `debug`
 * variant) leaks by age, per-owner accounting, hold times, requested sizes
 * and TRACK_MEMORY_USAGE. Every scenario runs on a fake clock driven by hand.
 *
 * MODESP_UPDATE_GOLDEN=1 rewrites tests/golden/diag_report.txt instead of
 * comparing (then read the diff before keeping it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"
#include "test_support.h"

MODESP_POOL_DEFINE_STATIC(sensor_pool, 24, 8);
MODESP_POOL_DEFINE_STATIC(frame_pool, 200, 4);
MODESP_POOL_DEFINE_STATIC(leak_pool, 40, 6);

static uint64_t s_now_us;
static uint64_t fake_clock(void) { return s_now_us; }
static void at_ms(uint64_t ms) { s_now_us = ms * 1000u; }

static int setup(void **state)
{
    (void)state;
    at_ms(1000);
    modesp_port_posix_set_clock(fake_clock);
    modesp_memory_diagnostics_reset_tracing();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_clock(NULL);
    (void)modesp_memory_diagnostics_set_owner(NULL);
    assert_manager_clean();
    assert_int_equal(modesp_pool_in_use(&sensor_pool), 0);
    assert_int_equal(modesp_pool_in_use(&frame_pool), 0);
    assert_int_equal(modesp_pool_in_use(&leak_pool), 0);
    return 0;
}

/* ------------------------------------------------------- report capture */

static void golden_path(char *out, size_t size)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');
    const int dir_len = slash != NULL ? (int)(slash - file) : 1;
    (void)snprintf(out, size, "%.*s/golden/diag_report.txt", dir_len, slash != NULL ? file : ".");
}

static void compare_with_golden(const char *text)
{
    char path[1024];
    golden_path(path, sizeof path);
    if (getenv("MODESP_UPDATE_GOLDEN") != NULL) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        print_error("golden file %s missing\n", path);
        fail();
    }
    static char want[4096];
    const size_t n = fread(want, 1, sizeof want - 1u, f);
    fclose(f);
    want[n] = '\0';
    if (strcmp(want, text) != 0) {
        print_error("report differs from %s\n--- want\n%s--- got\n%s", path, want, text);
        fail();
    }
}

/* ------------------------------------------------------------ snapshot */

static const modesp_diag_pool_stats_t *find_pool(const modesp_diag_snapshot_t *s, const modesp_pool_t *pool)
{
    for (uint32_t i = 0; i < s->pool_count; i++) {
        if (s->pools[i].pool == pool) {
            return &s->pools[i];
        }
    }
    fail_msg("pool %s not in the snapshot", modesp_pool_name(pool));
    return NULL;
}

/* The scripted scenario of the golden file: figures, rates, report. */
static void test_snapshot_rates_and_golden_report(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    const modesp_pool_t *pools[] = {&sensor_pool, &frame_pool};
    at_ms(1000);
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 2), ESP_OK);

    void *s[8];
    void *fr[8];
    for (int i = 0; i < 5; i++) {
        s[i] = modesp_pool_allocate(&sensor_pool);
        assert_non_null(s[i]);
    }
    for (int i = 0; i < 2; i++) {
        fr[i] = modesp_pool_allocate(&frame_pool);
        assert_non_null(fr[i]);
    }
    at_ms(3000);
    assert_int_equal(modesp_pool_deallocate(&sensor_pool, s[3]), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&sensor_pool, s[4]), ESP_OK);

    static modesp_diag_snapshot_t snap;
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    const modesp_diag_pool_stats_t *sp = find_pool(&snap, &sensor_pool);
    assert_int_equal(sp->allocs, 5);
    assert_int_equal(sp->frees, 2);
    assert_int_equal(sp->alloc_rate_milli, 2500); /* 5 allocations in 2 s */
    assert_int_equal(sp->free_rate_milli, 1000);

    for (int i = 2; i < 7; i++) { /* 2 more fit, 3 find the pool empty */
        fr[i] = modesp_pool_allocate(&frame_pool);
        assert_true((fr[i] != NULL) == (i < 4));
    }
    assert_int_equal(modesp_pool_deallocate(&sensor_pool, NULL), ESP_ERR_INVALID_ARG);
    at_ms(5000);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);

    assert_int_equal(snap.pool_count, 2);
    sp = find_pool(&snap, &sensor_pool);
    const modesp_diag_pool_stats_t *fp = find_pool(&snap, &frame_pool);
    assert_string_equal(sp->name, "sensor_pool");
    assert_int_equal(sp->in_use, 3);
    assert_int_equal(sp->peak, 5);
    assert_int_equal(sp->utilization, 37);
    assert_int_equal(sp->invalid_frees, 1);
    assert_int_equal(sp->alloc_rate_milli, 1250); /* window: since the sample at 1 s: 5 in 4 s */
    assert_int_equal(sp->free_rate_milli, 500);
    assert_int_equal(fp->in_use, 4);
    assert_int_equal(fp->utilization, 100);
    assert_int_equal(fp->alloc_failures, 3);
    assert_int_equal(fp->exhausted, 3);
    assert_int_equal(fp->alloc_rate_milli, 1000);
    assert_int_equal(snap.capacity_bytes, 24 * 8 + 200 * 4);
    assert_int_equal(snap.allocated_bytes, 24 * 3 + 200 * 4);
    assert_int_equal(snap.peak_bytes, 24 * 5 + 200 * 4);
    assert_int_equal(snap.utilization, 87);
    assert_false(snap.has_manager);
    assert_int_equal(snap.uptime_us, 5000000u);

    static capture_t cap;
    memset(&cap, 0, sizeof cap);
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_POOLS | MODESP_DIAG_REPORT_TOTALS, 0,
                                                      capture_line, &cap),
                     ESP_OK);
    compare_with_golden(cap.text);

    for (int i = 0; i < 3; i++) {
        assert_int_equal(modesp_pool_deallocate(&sensor_pool, s[i]), ESP_OK);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(modesp_pool_deallocate(&frame_pool, fr[i]), ESP_OK);
    }
    /* The window slides: 10 s later the samples of 1 s and 3 s are out of it. */
    at_ms(14000);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    at_ms(16000);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    sp = find_pool(&snap, &sensor_pool);
    /* oldest sample inside 10 s of 16 s is the one of 14 s (5 allocs, 5 frees): nothing since */
    assert_int_equal(sp->allocs, 5);
    assert_int_equal(sp->frees, 5);
    assert_int_equal(sp->alloc_rate_milli, 0);
    assert_int_equal(sp->free_rate_milli, 0);
}

static void test_counters_reset_while_blocks_are_live(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    const modesp_pool_t *pools[] = {&sensor_pool};
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 1), ESP_OK);
    void *b[5];
    for (int i = 0; i < 3; i++) {
        b[i] = modesp_pool_allocate(&sensor_pool);
    }
    static modesp_diag_snapshot_t snap;
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(modesp_pool_reset_stats(&sensor_pool), ESP_OK); /* total_allocs -> 0, 3 still live */
    assert_int_equal(modesp_pool_deallocate(&sensor_pool, b[0]), ESP_OK);
    b[3] = modesp_pool_allocate(&sensor_pool);
    b[4] = modesp_pool_allocate(&sensor_pool);
    at_ms(2000);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.pools[0].allocs, 5);
    assert_int_equal(snap.pools[0].frees, 1);
    assert_int_equal(snap.pools[0].in_use, 4);
    for (int i = 1; i < 5; i++) {
        assert_int_equal(modesp_pool_deallocate(&sensor_pool, b[i]), ESP_OK);
    }
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.pools[0].frees, 5);
}

/* A reset followed by at least as many allocations as were counted before it: the counter does not go
 * down, so only the core's reset count shows the reset (every allocation since is new). */
static void test_reset_then_as_many_allocations(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    const modesp_pool_t *pools[] = {&sensor_pool};
    assert_int_equal(modesp_pool_reset_stats(&sensor_pool), ESP_OK); /* from 0: the case needs 3 then 4 */
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 1), ESP_OK);
    void *b[4];
    for (int i = 0; i < 3; i++) {
        b[i] = modesp_pool_allocate(&sensor_pool);
        assert_int_equal(modesp_pool_deallocate(&sensor_pool, b[i]), ESP_OK);
    }
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.pools[0].allocs, 3);
    assert_int_equal(modesp_pool_reset_stats(&sensor_pool), ESP_OK);
    for (int i = 0; i < 4; i++) {
        b[i] = modesp_pool_allocate(&sensor_pool);
        assert_int_equal(modesp_pool_deallocate(&sensor_pool, b[i]), ESP_OK);
    }
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.pools[0].allocs, 7); /* 3 + 4, not 3 + (4 - 3) */
    assert_int_equal(snap.pools[0].frees, 7);
    assert_int_equal(snap.pools[0].in_use, 0);
}

static void test_clock_going_back_is_no_time_passing(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    const modesp_pool_t *pools[] = {&sensor_pool, &leak_pool};
    at_ms(10000);
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 2), ESP_OK);
    at_ms(12000);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    at_ms(5000); /* back 7 s */
    void *b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = modesp_pool_allocate(&sensor_pool);
    }
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.taken_at_us, 12000000u);
    assert_int_equal(snap.pools[0].alloc_rate_milli, 2000); /* 4 since the sample of 10 s, 2 s ago */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(modesp_pool_deallocate(&sensor_pool, b[i]), ESP_OK);
    }
#if MODESP_TRACING
    /* ages and hold times never go negative either */
    void *p = modesp_pool_allocate(&leak_pool);
    at_ms(4000);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 0, NULL, 0), 1);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 1, NULL, 0), 0);
    assert_int_equal(modesp_pool_deallocate(&leak_pool, p), ESP_OK);
#endif
}

static void test_empty_pool_list_and_bad_arguments(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_ERR_INVALID_ARG); /* not initialised */
    assert_int_equal(modesp_memory_diagnostics_log_stats(&diag, "t"), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_init(NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, NULL, 1), ESP_ERR_INVALID_ARG);
    const modesp_pool_t *with_null[] = {&sensor_pool, NULL};
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, with_null, 2), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, with_null, MODESP_DIAG_MAX_POOLS + 1u),
                     ESP_ERR_INVALID_SIZE);

    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, NULL, 0), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.pool_count, 0);
    assert_int_equal(snap.capacity_bytes, 0);
    assert_int_equal(snap.utilization, 0);
    static capture_t cap;
    memset(&cap, 0, sizeof cap);
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_TOTALS, 0, capture_line, &cap), ESP_OK);
    assert_string_equal(cap.text, "total: 0 pools (0 omitted), 0 B capacity, 0 B allocated (0%), peak 0 B\n"
                                  "manager: none\n");
    assert_int_equal(modesp_memory_diagnostics_report(NULL, 0, 0, capture_line, &cap), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_report(&snap, 0, 0, NULL, NULL), ESP_ERR_INVALID_ARG);
}

/* Every registered pool, the manager's figures, and every class exhausted. */
static void test_registry_manager_figures_all_exhausted(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_init(&diag, pm), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    size_t registered = 0;
    for (const modesp_pool_t *p = modesp_pool_registry_next(NULL); p != NULL; p = modesp_pool_registry_next(p)) {
        registered++;
    }
    assert_int_equal(snap.pool_count + snap.pools_omitted, registered);
    assert_true(snap.has_manager);
    assert_int_equal(snap.largest_allocatable, MODESP_POOL_MAX_BLOCK_SIZE);
    assert_int_equal(snap.pressure, MODESP_PRESSURE_NORMAL);

    static void *held[70000 / 32];
    size_t n = 0;
    (void)modesp_memory_diagnostics_set_owner("hog");
#define EXHAUST_CLASS(NAME, name, size, count)                                                                         \
    for (;;) {                                                                                                         \
        void *b_ = MODESP_DIAG_ALLOC(size);                                                                            \
        if (b_ == NULL) {                                                                                              \
            break;                                                                                                     \
        }                                                                                                              \
        assert_true(n < sizeof held / sizeof held[0]);                                                                 \
        held[n++] = b_;                                                                                                \
    }
    MODESP_SIZE_CLASSES(EXHAUST_CLASS)
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.largest_allocatable, 0);
    assert_int_equal(snap.pressure, MODESP_PRESSURE_CRITICAL);
    assert_int_equal(snap.manager_utilization, 100);
    assert_int_equal(snap.failures_recorded, MODESP_CLASS_COUNT);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_diag_pool_stats_t *p = find_pool(&snap, modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c));
        assert_int_equal(p->utilization, 100);
        assert_int_equal(p->alloc_failures, 1);
    }
    modesp_diag_failure_t f[1];
    assert_int_equal(modesp_memory_diagnostics_get_failures(f, 1, NULL), 1);
    assert_int_equal(f[0].size, MODESP_POOL_MAX_BLOCK_SIZE); /* the last: XLARGE */
    assert_int_equal(f[0].size_class, MODESP_CLASS_COUNT - 1);
    assert_int_equal(f[0].pressure, MODESP_PRESSURE_CRITICAL);
    assert_string_equal(f[0].owner, "hog");
    assert_non_null(strstr(f[0].file, "test_diagnostics.c"));
#if MODESP_TRACING
    /* every class block was requested at its full size: no internal fragmentation */
    assert_int_equal(snap.requested_bytes_live, snap.block_bytes_live);
    modesp_diag_owner_stats_t own[2];
    assert_true(modesp_memory_diagnostics_get_owners(own, 2) >= 2);
    assert_string_equal(own[0].name, "hog");
    assert_int_equal(own[0].blocks_in_use, n);
    assert_int_equal(own[0].failures, MODESP_CLASS_COUNT);
#endif
    assert_int_equal(modesp_memory_diagnostics_log_stats(&diag, "diag_test"), ESP_OK); /* to stderr */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, held[i]), ESP_OK);
    }
    (void)modesp_pool_manager_process_pressure_events(pm);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.largest_allocatable, MODESP_POOL_MAX_BLOCK_SIZE);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
}

/* ---------------------------------------------------------- owners, ring */

static void test_owner_tags_null_long_and_full_table(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_owner(NULL), 0);
    assert_string_equal(modesp_memory_diagnostics_get_owner(), "-");
    assert_int_equal(modesp_memory_diagnostics_set_owner(""), 0);
    const uint8_t a = modesp_memory_diagnostics_set_owner("sensor");
    assert_true(a > 0);
    assert_string_equal(modesp_memory_diagnostics_get_owner(), "sensor");
    assert_int_equal(modesp_memory_diagnostics_set_owner("sensor"), a);

    char longer[3 * MODESP_DIAG_OWNER_LEN];
    memset(longer, 'x', sizeof longer - 1u);
    longer[sizeof longer - 1u] = '\0';
    (void)modesp_memory_diagnostics_set_owner(longer);
    assert_int_equal(strlen(modesp_memory_diagnostics_get_owner()), CONFIG_MEMORY_DIAG_OWNER_NAME_LEN);
    assert_memory_equal(modesp_memory_diagnostics_get_owner(), longer, CONFIG_MEMORY_DIAG_OWNER_NAME_LEN);

    /* fill the table: the rest are accounted to "-" and counted */
    char name[8];
    for (uint32_t i = 0; i < MODESP_DIAG_MAX_OWNERS + 2u; i++) {
        (void)snprintf(name, sizeof name, "m%u", (unsigned)i);
        (void)modesp_memory_diagnostics_set_owner(name);
    }
    assert_int_equal(modesp_memory_diagnostics_get_owners(NULL, 0), MODESP_DIAG_MAX_OWNERS);
    assert_string_equal(modesp_memory_diagnostics_get_owner(), "-");
    /* 15 free entries after "-": "sensor", the long tag and m0..m12 took them; m13..m17 were dropped */
    assert_int_equal(modesp_memory_diagnostics_owners_dropped(),
                     (MODESP_DIAG_MAX_OWNERS + 2u) - (MODESP_DIAG_MAX_OWNERS - 3u));
}

static void test_failure_ring_wraps_and_counts_overwrites(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    (void)modesp_memory_diagnostics_set_owner("radio");
    const uint32_t extra = 3;
    for (uint32_t i = 0; i < MODESP_DIAG_FAILURE_SLOTS + extra; i++) {
        at_ms(2000 + i);
        assert_null(
            modesp_memory_diagnostics_allocate_at(pm, MODESP_POOL_MAX_BLOCK_SIZE + 1u + i, "radio.c", (int)(100 + i)));
    }
    modesp_diag_failure_t f[MODESP_DIAG_FAILURE_SLOTS + 1];
    uint32_t lost = 0;
    assert_int_equal(modesp_memory_diagnostics_get_failures(f, MODESP_DIAG_FAILURE_SLOTS + 1, &lost),
                     MODESP_DIAG_FAILURE_SLOTS);
    assert_int_equal(lost, extra);
    for (uint32_t k = 0; k < MODESP_DIAG_FAILURE_SLOTS; k++) { /* newest first */
        const uint32_t i = MODESP_DIAG_FAILURE_SLOTS + extra - 1u - k;
        assert_int_equal(f[k].size, MODESP_POOL_MAX_BLOCK_SIZE + 1u + i);
        assert_int_equal(f[k].line, 100 + (int)i);
        assert_int_equal(f[k].size_class, -1);
        assert_int_equal(f[k].time_us, (2000u + i) * 1000u);
        assert_string_equal(f[k].owner, "radio");
        assert_string_equal(f[k].file, "radio.c");
    }
    assert_int_equal(modesp_memory_diagnostics_get_failures(f, 2, NULL), 2);
    static capture_t cap;
    static modesp_diag_snapshot_t snap;
    memset(&snap, 0, sizeof snap);
    memset(&cap, 0, sizeof cap);
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_FAILURES, 0, capture_line, &cap),
                     ESP_OK);
    assert_non_null(strstr(cap.text, "recent failures: " /* count varies with Kconfig */));
    assert_non_null(strstr(cap.text, "overwritten"));
    assert_non_null(strstr(cap.text, "owner radio at radio.c:"));
}

/* ------------------------------------------------------------------ JSON */

static double json_num(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

static void test_json_round_trip(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const modesp_pool_t *pools[] = {&sensor_pool, &frame_pool};
    at_ms(1000);
    assert_int_equal(modesp_pool_reset_stats(&sensor_pool), ESP_OK); /* the core's peak: since this reset */
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, pm, pools, 2), ESP_OK);
    void *s[3];
    for (int i = 0; i < 3; i++) {
        s[i] = modesp_pool_allocate(&sensor_pool);
    }
    assert_int_equal(modesp_pool_deallocate(&sensor_pool, s[2]), ESP_OK);
    (void)modesp_memory_diagnostics_set_owner("we\"ird\n");
    assert_null(modesp_memory_diagnostics_allocate_at(pm, 0, "j.c", 7)); /* size 0: a failure, no class */
    at_ms(3000);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);

    static char buf[8192];
    size_t needed = 0;
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, buf, 10, &needed), ESP_ERR_INVALID_SIZE);
    assert_string_equal(buf, "");
    assert_true(needed > 10);
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, buf, needed, NULL),
                     ESP_ERR_INVALID_SIZE); /* no room for NUL */
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, buf, needed + 1u, NULL), ESP_OK);
    assert_int_equal(strlen(buf), needed);
    assert_int_equal(modesp_memory_diagnostics_to_json(NULL, buf, sizeof buf, NULL), ESP_ERR_INVALID_ARG);

    cJSON *root = cJSON_Parse(buf);
    if (root == NULL) {
        fail_msg("not JSON: %s", buf);
    }
    assert_int_equal(json_num(root, "schema"), 1);
    assert_int_equal(json_num(root, "taken_at_us"), 3000000);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "pools");
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    const cJSON *p0 = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(p0, "name")->valuestring, "sensor_pool");
    assert_int_equal(json_num(p0, "block_size"), 24);
    assert_int_equal(json_num(p0, "in_use"), 2);
    assert_int_equal(json_num(p0, "peak"), 3);
    assert_int_equal(json_num(p0, "allocs"), 3);
    assert_int_equal(json_num(p0, "frees"), 1);
    assert_int_equal(json_num(p0, "alloc_rate_milli"), 1500);
    assert_int_equal(json_num(p0, "free_rate_milli"), 500);
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(root, "totals");
    assert_int_equal(json_num(totals, "capacity_bytes"), 24 * 8 + 200 * 4);
    assert_int_equal(json_num(totals, "allocated_bytes"), 48);
    const cJSON *mgr = cJSON_GetObjectItemCaseSensitive(root, "manager");
    assert_true(cJSON_IsObject(mgr));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(mgr, "pressure")->valuestring, "NORMAL");
    assert_int_equal(json_num(mgr, "largest_allocatable"), MODESP_POOL_MAX_BLOCK_SIZE);
    const cJSON *fails = cJSON_GetObjectItemCaseSensitive(root, "failures");
    assert_int_equal(json_num(fails, "recorded"), 1);
    assert_int_equal(json_num(fails, "overwritten"), 0);
    const cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(fails, "recent"), 0);
    assert_int_equal(json_num(f0, "size"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(f0, "class")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(f0, "owner")->valuestring, "we\"ird\n");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(f0, "file")->valuestring, "j.c");
    assert_int_equal(json_num(f0, "line"), 7);
    const cJSON *owners = cJSON_GetObjectItemCaseSensitive(root, "owners");
    assert_true(cJSON_GetArraySize(owners) >= 2);
    cJSON_Delete(root);

    for (int i = 0; i < 2; i++) {
        assert_int_equal(modesp_pool_deallocate(&sensor_pool, s[i]), ESP_OK);
    }
}

/* ---------------------------------------------------------- sizing advice */

static void test_sizing_advice(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const modesp_alloc_strategy_t saved = modesp_pool_manager_get_default_strategy(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0), ESP_OK); /* no spill */
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    /* SMALL: requests of at most 40 B, 3 at once; TINY: never used; MEDIUM: exhausted with 2 failures */
    void *small[3];
    for (int i = 0; i < 3; i++) {
        small[i] = MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_TINY_SIZE + 1u + (uint32_t)i);
        assert_non_null(small[i]);
    }
    static void *medium[CONFIG_MEMORY_POOL_MEDIUM_COUNT];
    for (int i = 0; i < CONFIG_MEMORY_POOL_MEDIUM_COUNT; i++) {
        medium[i] = MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_MEDIUM_SIZE);
        assert_non_null(medium[i]);
    }
    assert_null(MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_MEDIUM_SIZE));
    assert_null(MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_MEDIUM_SIZE));
    void *large = MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_LARGE_SIZE - 8u); /* above 3/4 of the class: keep its size */
    assert_non_null(large);
    assert_int_equal(modesp_pool_manager_free(pm, large), ESP_OK);

    modesp_diag_class_advice_t adv[MODESP_CLASS_COUNT];
    assert_int_equal(modesp_memory_diagnostics_advise(pm, 25, adv, 1), 0);
    assert_int_equal(modesp_memory_diagnostics_advise(pm, 25, adv, MODESP_CLASS_COUNT), MODESP_CLASS_COUNT);
    assert_string_equal(adv[MODESP_CLASS_TINY].name, "TINY");
    assert_int_equal(adv[MODESP_CLASS_TINY].recommended_count, 1); /* peak 0: the minimum */
    assert_int_equal(adv[MODESP_CLASS_TINY].recommended_size, CONFIG_MEMORY_POOL_TINY_SIZE);
    assert_int_equal(adv[MODESP_CLASS_SMALL].peak, 3);
    assert_int_equal(adv[MODESP_CLASS_SMALL].recommended_count, 4); /* 3 + ceil(0.75) */
    assert_int_equal(adv[MODESP_CLASS_SMALL].max_requested, CONFIG_MEMORY_POOL_TINY_SIZE + 3u);
    const uint32_t tight = (CONFIG_MEMORY_POOL_TINY_SIZE + 3u + 7u) / 8u * 8u;
    const bool shrink = (CONFIG_MEMORY_POOL_TINY_SIZE + 3u) * 4u <= CONFIG_MEMORY_POOL_SMALL_SIZE * 3u;
    assert_int_equal(adv[MODESP_CLASS_SMALL].recommended_size, shrink ? tight : CONFIG_MEMORY_POOL_SMALL_SIZE);
    assert_int_equal(adv[MODESP_CLASS_SMALL].ram_delta_bytes,
                     (int64_t)4 * (int64_t)MODESP_POOL_STRIDE(adv[MODESP_CLASS_SMALL].recommended_size) -
                         (int64_t)CONFIG_MEMORY_POOL_SMALL_COUNT *
                             (int64_t)MODESP_POOL_STRIDE(CONFIG_MEMORY_POOL_SMALL_SIZE));
    assert_int_equal(adv[MODESP_CLASS_MEDIUM].failures, 2);
    const uint32_t demand = CONFIG_MEMORY_POOL_MEDIUM_COUNT + 2u;
    assert_int_equal(adv[MODESP_CLASS_MEDIUM].recommended_count, demand + (demand * 25u + 99u) / 100u);
    assert_int_equal(adv[MODESP_CLASS_MEDIUM].recommended_size,
                     CONFIG_MEMORY_POOL_MEDIUM_SIZE); /* full-size requests */
    assert_int_equal(adv[MODESP_CLASS_LARGE].max_requested, CONFIG_MEMORY_POOL_LARGE_SIZE - 8u);
    assert_int_equal(adv[MODESP_CLASS_LARGE].recommended_size, CONFIG_MEMORY_POOL_LARGE_SIZE);
    assert_int_equal(adv[MODESP_CLASS_LARGE].recommended_count, 2); /* peak 1 + ceil(0.25) */

    static capture_t cap;
    memset(&cap, 0, sizeof cap);
    assert_int_equal(modesp_memory_diagnostics_advice_report(adv, MODESP_CLASS_COUNT, capture_line, &cap), ESP_OK);
    char want[64];
    (void)snprintf(want, sizeof want, "\nCONFIG_MEMORY_POOL_SMALL_COUNT=4\n");
    assert_non_null(strstr(cap.text, want));
    (void)snprintf(want, sizeof want, "\nCONFIG_MEMORY_POOL_MEDIUM_COUNT=%u\n",
                   (unsigned)adv[MODESP_CLASS_MEDIUM].recommended_count);
    assert_non_null(strstr(cap.text, want));
    assert_null(strstr(cap.text, "CONFIG_MEMORY_POOL_MEDIUM_SIZE"));
    assert_non_null(strstr(cap.text, "# RAM "));
    assert_int_equal(modesp_memory_diagnostics_advice_report(NULL, 0, capture_line, &cap), ESP_ERR_INVALID_ARG);

    for (int i = 0; i < 3; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, small[i]), ESP_OK);
    }
    for (int i = 0; i < CONFIG_MEMORY_POOL_MEDIUM_COUNT; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, medium[i]), ESP_OK);
    }
    (void)modesp_pool_manager_process_pressure_events(pm);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, saved, 0), ESP_OK);
}

/* ---------------------------------------------------------------- tracing */

#if MODESP_TRACING
static void test_leaks_oldest_first_owners_and_hold_times(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    const modesp_pool_t *pools[] = {&leak_pool};
    at_ms(0);
    assert_int_equal(modesp_memory_diagnostics_init_pools(&diag, NULL, pools, 1), ESP_OK);
    (void)modesp_memory_diagnostics_set_owner("sensor");
    void *a = modesp_pool_allocate_at(&leak_pool, "a.c", 11);
    at_ms(10000);
    void *b = modesp_pool_allocate_at(&leak_pool, "b.c", 22);
    (void)modesp_memory_diagnostics_set_owner("logger");
    at_ms(20000);
    void *c = modesp_pool_allocate_at(&leak_pool, "c.c", 33);
    at_ms(45000);

    modesp_diag_leak_t leaks[1];
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 30000, leaks, 1), 2); /* a and b */
    assert_ptr_equal(leaks[0].block, a);
    assert_ptr_equal(leaks[0].pool, &leak_pool);
    assert_int_equal(leaks[0].age_ms, 45000);
    assert_string_equal(leaks[0].owner, "sensor");
    assert_string_equal(leaks[0].file, "a.c");
    assert_int_equal(leaks[0].line, 11);
    assert_int_equal(leaks[0].block_size, 40);
    modesp_diag_leak_t all[4];
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 0, all, 4), 3);
    assert_ptr_equal(all[0].block, a);
    assert_ptr_equal(all[1].block, b);
    assert_ptr_equal(all[2].block, c);
    assert_int_equal(all[2].age_ms, 25000);
    assert_string_equal(all[2].owner, "logger");

    modesp_diag_owner_stats_t own[4];
    const size_t owners = modesp_memory_diagnostics_get_owners(own, 4);
    assert_int_equal(owners, 3); /* "-", sensor, logger */
    assert_string_equal(own[0].name, "sensor");
    assert_int_equal(own[0].blocks_in_use, 2);
    assert_int_equal(own[0].bytes_in_use, 80);
    assert_string_equal(own[1].name, "logger");
    assert_int_equal(own[1].bytes_in_use, 40);

    assert_int_equal(modesp_pool_deallocate(&leak_pool, a), ESP_OK); /* held 45 s */
    at_ms(46000);
    assert_int_equal(modesp_pool_deallocate(&leak_pool, c), ESP_OK); /* held 26 s */
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_true(snap.pools[0].tracked);
    assert_int_equal(snap.pools[0].avg_hold_us, 35500u * 1000u);
    assert_int_equal(snap.pools[0].max_hold_us, 45000u * 1000u);
    assert_int_equal(modesp_memory_diagnostics_get_owners(own, 4), 3);
    assert_string_equal(own[0].name, "sensor");
    assert_int_equal(own[0].blocks_in_use, 1);
    assert_int_equal(own[0].peak_blocks, 2);
    assert_int_equal(own[0].peak_bytes, 80);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 30000, NULL, 0), 1);

    static capture_t cap;
    memset(&cap, 0, sizeof cap);
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_ALL, 30000, capture_line, &cap),
                     ESP_OK);
    assert_non_null(strstr(cap.text, "leaks older than 30000 ms: 1\n"));
    assert_non_null(strstr(cap.text, "leak_pool 0/40 B age 36000 ms owner sensor at b.c:22\n"));
    assert_non_null(strstr(cap.text, "leak_pool      35500000   45000000\n"));
    assert_int_equal(modesp_pool_deallocate(&leak_pool, b), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 0, NULL, 0), 0);
}

static void test_requested_sizes_give_internal_fragmentation(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_init(&diag, pm), ESP_OK);
    void *p = MODESP_DIAG_ALLOC(20);                /* TINY: 20 of its bytes asked for */
    void *q = modesp_pool_manager_allocate(pm, 12); /* the core's hook gives the size of any manager request */
    void *r = modesp_pool_allocate(&sensor_pool);   /* a whole block of a user pool: no requested size */
    assert_non_null(p);
    assert_non_null(q);
    assert_non_null(r);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.requested_bytes_live, 32);
    assert_int_equal(snap.block_bytes_live, 2u * CONFIG_MEMORY_POOL_TINY_SIZE);
    modesp_diag_leak_t l[3];
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 0, l, 3), 3);
    uint32_t sizes = 0;
    for (int i = 0; i < 3; i++) {
        sizes += l[i].requested_size;
    }
    assert_int_equal(sizes, 32);
    assert_int_equal(modesp_pool_deallocate(&sensor_pool, r), ESP_OK);
    assert_int_equal(modesp_pool_manager_free(pm, p), ESP_OK);
    assert_int_equal(modesp_pool_manager_free(pm, q), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_int_equal(snap.requested_bytes_live, 0);
}
#endif

/* ---------------------------------------------------- TRACK_MEMORY_USAGE */

static void tracked_function(modesp_pool_manager_t *pm)
{
    TRACK_MEMORY_USAGE("Module Processing");
    void *x = modesp_pool_manager_allocate(pm, 10);
    assert_int_equal(modesp_pool_manager_free(pm, x), ESP_OK);
}

static void test_track_memory_usage_nested(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    static modesp_memory_diagnostics_t diag;
    assert_int_equal(modesp_memory_diagnostics_init(&diag, pm), ESP_OK);
    const uint32_t tiny = CONFIG_MEMORY_POOL_TINY_SIZE;
    modesp_diag_track_t outer;
    modesp_diag_track_t inner;
    modesp_diag_track_result_t r_in;
    modesp_diag_track_result_t r_out;
    at_ms(1000);
    modesp_memory_diagnostics_track_begin(&outer, "outer");
    void *a = modesp_pool_manager_allocate(pm, 1);
    void *b = modesp_pool_manager_allocate(pm, 1);
    modesp_memory_diagnostics_track_begin(&inner, "inner");
    void *c = modesp_pool_manager_allocate(pm, 1);
    assert_int_equal(modesp_pool_manager_free(pm, c), ESP_OK);
    at_ms(1250);
    const esp_err_t in_err = modesp_memory_diagnostics_track_end(&inner, &r_in, false);
    assert_int_equal(modesp_pool_manager_free(pm, b), ESP_OK);
    at_ms(3000);
    const esp_err_t out_err = modesp_memory_diagnostics_track_end(&outer, &r_out, true);
    assert_int_equal(modesp_pool_manager_free(pm, a), ESP_OK);
    tracked_function(pm); /* the macro: logs at scope exit */
#if MODESP_DIAG_TRACK_ENABLED
    assert_int_equal(in_err, ESP_OK);
    assert_int_equal(r_in.elapsed_us, 250000);
    assert_int_equal(r_in.allocs, 1);
    assert_int_equal(r_in.frees, 1);
    assert_int_equal(r_in.net_bytes, 0);
    assert_int_equal(r_in.peak_bytes, tiny);
    assert_int_equal(out_err, ESP_OK);
    assert_int_equal(r_out.elapsed_us, 2000000);
    assert_int_equal(r_out.allocs, 3);
    assert_int_equal(r_out.frees, 2);
    assert_int_equal(r_out.net_bytes, tiny);
    assert_int_equal(r_out.peak_bytes, 3 * tiny); /* a, b and c at once, inside the inner scope */
#else
    (void)tiny;
    assert_int_equal(in_err, ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(out_err, ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(r_in.allocs, 0);
#endif
    assert_int_equal(modesp_memory_diagnostics_track_end(NULL, NULL, false), ESP_ERR_INVALID_ARG);
}

static void test_tracing_compiled_out_costs_nothing(void **state)
{
    (void)state;
#if MODESP_TRACING
    skip();
#else
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    assert_int_equal(modesp_memory_diagnostics_init(&diag, modesp_get_pool_manager()), ESP_OK);
    void *p = modesp_pool_allocate(&leak_pool);
    at_ms(100000);
    assert_int_equal(modesp_memory_diagnostics_detect_potential_leaks(&diag, 0, NULL, 0), 0);
    assert_int_equal(modesp_memory_diagnostics_snapshot(&diag, &snap), ESP_OK);
    assert_false(find_pool(&snap, &leak_pool)->tracked);
    assert_int_equal(find_pool(&snap, &leak_pool)->avg_hold_us, 0);
    assert_int_equal(modesp_pool_deallocate(&leak_pool, p), ESP_OK);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshot_rates_and_golden_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_reset_while_blocks_are_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_then_as_many_allocations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_going_back_is_no_time_passing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_pool_list_and_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry_manager_figures_all_exhausted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_tags_null_long_and_full_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_ring_wraps_and_counts_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sizing_advice, setup, teardown),
#if MODESP_TRACING
        cmocka_unit_test_setup_teardown(test_leaks_oldest_first_owners_and_hold_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requested_sizes_give_internal_fragmentation, setup, teardown),
#endif
        cmocka_unit_test_setup_teardown(test_track_memory_usage_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tracing_compiled_out_costs_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
