/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzer (libFuzzer) of the diagnostics layer (include/modesp/memory_diagnostics.h).
 *
 * Two halves, driven by the same input bytes:
 *  - Leak detection against a model. Two pools (one with a power-of-two
 *    stride, one divided) are allocated from and freed with owners, call
 *    sites, lines out of range and "ISR" context, while a fake clock moves
 *    forward and back. detect_potential_leaks(threshold, max) must count
 *    exactly the live blocks at least threshold old (a block from "the
 *    future" after the clock went back is 0 ms old), return the oldest first,
 *    and describe each one as the model knows it (block, pool, age, owner,
 *    file, line). A snapshot must show the model's in_use, capacity and the
 *    allocations and frees since init. Without tracing nothing is reported.
 *  - Rendering. The real snapshot and arbitrary ones built from the bytes
 *    (names with quotes, backslashes, control and high bytes, any counter
 *    value, any pool count up to MODESP_DIAG_MAX_POOLS) go through the JSON
 *    writer and the text report: the JSON needs the same length whatever the
 *    buffer, fills exactly needed + 1 bytes, leaves "" when it does not fit
 *    (the buffers are heap blocks of the exact size, so ASan sees any byte
 *    written past them), parses back with cJSON with the same pool names and
 *    counters; each report line is shorter than the report's line buffer and
 *    the pools section has one row per pool.
 * Any difference aborts with a message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "modesp/fixed_pool.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

MODESP_POOL_DEFINE_STATIC(fd_pow2, 16, 12);
MODESP_POOL_DEFINE_STATIC(fd_odd, MODESP_POOL_ALIGN * 3u - 1u, 7);
static modesp_pool_t *const g_pools[2] = {&fd_pow2, &fd_odd};
#define NPOOLS     2
#define MAX_LIVE   (12 + 7)
#define REPORT_MAX 160u /* report_text.c's line buffer, terminating NUL included */

#define FUZZ_HARNESS_NAME "fuzz_diag"
#include "fuzz_check.h"

/* ----------------------------------------------------------- input reader */

typedef struct {
    const uint8_t *p;
    size_t n, i;
} rd_t;

static uint8_t u8(rd_t *r) { return r->i < r->n ? r->p[r->i++] : 0u; }
static uint16_t u16(rd_t *r) { return (uint16_t)(u8(r) | (u8(r) << 8)); }
static uint32_t u32(rd_t *r) { return (uint32_t)u16(r) | ((uint32_t)u16(r) << 16); }

/* ------------------------------------------------------------------ model */

static const char *const OWNERS[4] = {NULL, "sensor", "net", "an-owner-tag-longer-than-the-kept-length-of-tags"};
static const char *const FILES[3] = {"app/sensor.c", "net.c", NULL};

typedef struct {
    uint8_t *ptr;
    int pool;
    uint32_t t_ms;
    int owner; /* index in OWNERS, -1: allocated in an ISR ("-") */
    int file;
    int line; /* as recorded: 0..65535 */
} live_t;

static struct {
    live_t live[MAX_LIVE];
    size_t nlive;
    uint32_t allocs[NPOOLS], frees[NPOOLS];
    int owner;
    bool isr;
} M;

static uint64_t g_now_us;
static uint64_t fake_clock(void) { return g_now_us; }
static uint32_t now_ms(void) { return (uint32_t)(g_now_us / 1000u); }
static modesp_memory_diagnostics_t g_diag;
static unsigned long long g_ops;

static uint32_t age_of(const live_t *l) { return now_ms() >= l->t_ms ? now_ms() - l->t_ms : 0u; }

/* The owner name a record of owner o shows: "-" for none, else the tag cut to the kept length. */
static void owner_name(int o, char *out)
{
    const char *tag = (o < 0 || OWNERS[o] == NULL) ? "-" : OWNERS[o];
    snprintf(out, MODESP_DIAG_OWNER_LEN, "%s", tag);
}

/* ------------------------------------------------------------- operations */

static void op_alloc(rd_t *r)
{
    const int p = u8(r) % NPOOLS;
    const int file = u8(r) % 3;
    const int line = (int)u32(r) % 200000 - 50000; /* below 0 and above 65535 too */
    uint8_t *b = modesp_pool_allocate_at(g_pools[p], FILES[file], line);
    const bool room = M.allocs[p] - M.frees[p] < modesp_pool_capacity(g_pools[p]);
    EXPECT_EQ("allocation succeeds exactly when the pool has a free block", room, b != NULL);
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < M.nlive; i++) {
        if (M.live[i].ptr == b) {
            fail("block handed out twice", 0, 1);
        }
    }
    M.allocs[p]++;
    M.live[M.nlive++] =
        (live_t){b, p, now_ms(), M.isr ? -1 : M.owner, file, line < 0 ? 0 : line > 65535 ? 65535 : line};
}

static void op_free(rd_t *r)
{
    if (M.nlive == 0u) {
        return;
    }
    const size_t i = u8(r) % M.nlive;
    live_t *l = &M.live[i];
    EXPECT_EQ("free of a live block", ESP_OK, modesp_pool_deallocate(g_pools[l->pool], l->ptr));
    M.frees[l->pool]++;
    M.live[i] = M.live[--M.nlive];
}

static void op_clock(rd_t *r, bool back)
{
    /* up to ~4 min a step: an input cannot move the clock 2^31 ms, where the records' 32-bit ages wrap */
    const uint64_t step_us = (uint64_t)u16(r) * 1000u * (1u + u8(r) % 4u);
    g_now_us = back ? (g_now_us > step_us ? g_now_us - step_us : 0u) : g_now_us + step_us;
}

static int cmp_age_desc(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void op_leaks(rd_t *r)
{
    const uint32_t threshold = (uint32_t)u16(r) * (1u + u8(r) % 32u);
    const size_t max = u8(r) % (MAX_LIVE + 4);
    modesp_diag_leak_t *out = max > 0u ? malloc(max * sizeof *out) : NULL; /* exact size: ASan sees overruns */
    const size_t n = modesp_memory_diagnostics_detect_potential_leaks(&g_diag, threshold, out, max);
    uint32_t ages[MAX_LIVE];
    size_t want = 0;
    for (size_t i = 0; i < M.nlive; i++) {
        if (age_of(&M.live[i]) >= threshold) {
            ages[want++] = age_of(&M.live[i]);
        }
    }
    if (!MODESP_TRACING) {
        want = 0; /* nothing is recorded without tracing */
    }
    EXPECT_EQ("number of leak suspects", want, n);
    qsort(ages, want, sizeof ages[0], cmp_age_desc);
    const size_t k = n < max ? n : max;
    for (size_t j = 0; j < k; j++) {
        const modesp_diag_leak_t *lk = &out[j];
        EXPECT_EQ("leak ages, oldest first", ages[j], lk->age_ms);
        const live_t *l = NULL;
        for (size_t i = 0; i < M.nlive && l == NULL; i++) {
            l = M.live[i].ptr == lk->block ? &M.live[i] : NULL;
        }
        if (l == NULL) {
            fail("leak names a block that is not live", 0, (long)j);
        }
        for (size_t i = 0; i < j; i++) {
            EXPECT_EQ("the same block listed twice", 0, out[i].block == lk->block);
        }
        char name[MODESP_DIAG_OWNER_LEN];
        owner_name(l->owner, name);
        EXPECT_EQ("leak pool", 0, lk->pool != g_pools[l->pool]);
        EXPECT_EQ("leak age", age_of(l), lk->age_ms);
        EXPECT_EQ("leak owner", 0, strcmp(name, lk->owner));
        EXPECT_EQ("leak file", 0, lk->file != FILES[l->file]);
        EXPECT_EQ("leak line", l->line, lk->line);
        EXPECT_EQ("leak block size", modesp_pool_block_size(g_pools[l->pool]), lk->block_size);
        EXPECT_EQ("leak requested size (pool API: unknown)", 0, lk->requested_size);
    }
    free(out);
}

/* -------------------------------------------------------------- rendering */

typedef struct {
    unsigned lines;
    bool pools_only;
} sink_t;

static void sink(const char *line, void *ctx)
{
    sink_t *s = ctx;
    const size_t len = strlen(line);
    if (len >= REPORT_MAX) {
        fail("report line longer than its buffer", (long)REPORT_MAX - 1, (long)len);
    }
    s->lines++;
}

static void check_json_doc(const char *text, const modesp_diag_snapshot_t *snap)
{
    cJSON *root = cJSON_Parse(text);
    if (root == NULL) {
        fprintf(stderr, "fuzz_diag: JSON does not parse:\n%s\n", text);
        abort();
    }
    EXPECT_EQ("schema", 1, cJSON_GetObjectItemCaseSensitive(root, "schema")->valueint);
    const cJSON *pools = cJSON_GetObjectItemCaseSensitive(root, "pools");
    EXPECT_EQ("pools in the JSON", snap->pool_count, cJSON_GetArraySize(pools));
    for (uint32_t i = 0; i < snap->pool_count; i++) {
        const cJSON *p = cJSON_GetArrayItem(pools, (int)i);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (snap->pools[i].name == NULL) {
            EXPECT_EQ("a NULL name is null", 1, cJSON_IsNull(name));
        } else if (!cJSON_IsString(name) || strcmp(name->valuestring, snap->pools[i].name) != 0) {
            fprintf(stderr, "fuzz_diag: pool %u name does not round-trip\n", (unsigned)i);
            abort();
        }
        EXPECT_EQ("in_use round-trips", snap->pools[i].in_use,
                  (uint32_t)cJSON_GetObjectItemCaseSensitive(p, "in_use")->valuedouble);
        EXPECT_EQ("capacity round-trips", snap->pools[i].capacity,
                  (uint32_t)cJSON_GetObjectItemCaseSensitive(p, "capacity")->valuedouble);
    }
    const cJSON *mgr = cJSON_GetObjectItemCaseSensitive(root, "manager");
    EXPECT_EQ("manager is null exactly without one", !snap->has_manager, cJSON_IsNull(mgr));
    cJSON_Delete(root);
}

static void render(rd_t *r, const modesp_diag_snapshot_t *snap, bool text)
{
    size_t needed = 0;
    EXPECT_EQ("JSON into no buffer", ESP_ERR_INVALID_SIZE, modesp_memory_diagnostics_to_json(snap, NULL, 0, &needed));
    if (needed == 0u) {
        fail("JSON needs no bytes", 1, 0);
    }
    char *full = malloc(needed + 1u);
    size_t again = 0;
    EXPECT_EQ("JSON into needed + 1 bytes", ESP_OK, modesp_memory_diagnostics_to_json(snap, full, needed + 1u, &again));
    EXPECT_EQ("needed does not depend on the buffer", needed, again);
    EXPECT_EQ("JSON length", needed, strlen(full));
    check_json_doc(full, snap);
    const size_t short_size = 1u + (size_t)u16(r) % needed; /* 1..needed: one byte short at most */
    char *cut = malloc(short_size);
    memset(cut, 'x', short_size);
    EXPECT_EQ("JSON into a short buffer", ESP_ERR_INVALID_SIZE,
              modesp_memory_diagnostics_to_json(snap, cut, short_size, &again));
    EXPECT_EQ("short buffer holds \"\"", 0, cut[0]);
    EXPECT_EQ("needed from a short buffer", needed, again);
    free(cut);
    free(full);
    if (text) {
        const uint32_t sections = u8(r) & MODESP_DIAG_REPORT_ALL;
        sink_t s = {0u, false};
        EXPECT_EQ("report", ESP_OK, modesp_memory_diagnostics_report(snap, sections, u16(r), sink, &s));
        if (sections == MODESP_DIAG_REPORT_POOLS) {
            EXPECT_EQ("pools section: a header and a row per pool", 1u + snap->pool_count, s.lines);
        }
    }
}

static void op_snapshot(rd_t *r)
{
    static modesp_diag_snapshot_t snap;
    EXPECT_EQ("snapshot", ESP_OK, modesp_memory_diagnostics_snapshot(&g_diag, &snap));
    EXPECT_EQ("pools in the snapshot", NPOOLS, snap.pool_count);
    for (int p = 0; p < NPOOLS; p++) {
        const modesp_diag_pool_stats_t *s = &snap.pools[p];
        const uint32_t cap = (uint32_t)modesp_pool_capacity(g_pools[p]);
        EXPECT_EQ("snapshot pool", 0, s->pool != g_pools[p]);
        EXPECT_EQ("snapshot in_use", M.allocs[p] - M.frees[p], s->in_use);
        EXPECT_EQ("snapshot capacity", cap, s->capacity);
        EXPECT_EQ("snapshot allocs since init", M.allocs[p], s->allocs);
        EXPECT_EQ("snapshot frees since init", M.frees[p], s->frees);
        EXPECT_EQ("snapshot utilization", (M.allocs[p] - M.frees[p]) * 100u / cap, s->utilization);
    }
    render(r, &snap, true);
}

/* A snapshot made of input bytes: any counters, names from the input. */
static void op_arbitrary(rd_t *r)
{
    static modesp_diag_snapshot_t snap;
    static char names[MODESP_DIAG_MAX_POOLS][48];
    memset(&snap, 0, sizeof snap);
    /* At most MODESP_DIAG_MAX_POOLS: both renderers read pools[0..pool_count-1] without a bound today
     * (report_json.c pools_json, report_text.c pools_section): a larger count reads past the array. */
    snap.pool_count = u8(r) % (MODESP_DIAG_MAX_POOLS + 1u);
    bool null_name = false;
    for (uint32_t i = 0; i < snap.pool_count; i++) {
        modesp_diag_pool_stats_t *p = &snap.pools[i];
        const size_t len = u8(r) % sizeof names[i];
        for (size_t c = 0; c < len; c++) {
            const uint8_t ch = u8(r);
            names[i][c] = (char)(ch != 0u ? ch : '"');
        }
        names[i][len] = '\0';
        const bool is_null = (len == 1u && names[i][0] == '0');
        null_name = null_name || is_null;
        p->name = is_null ? NULL : names[i];
        p->pool = g_pools[i % NPOOLS];
        p->block_size = u32(r);
        p->capacity = u32(r);
        p->in_use = u32(r);
        p->peak = u32(r);
        p->allocs = u32(r);
        p->frees = u32(r);
        p->alloc_failures = u32(r);
        p->exhausted = u32(r);
        p->invalid_frees = u32(r);
        p->utilization = u8(r);
        p->alloc_rate_milli = u32(r);
        p->free_rate_milli = u32(r);
        p->avg_hold_us = u32(r);
        p->max_hold_us = u32(r);
        p->tracked = (u8(r) & 1u) != 0u;
    }
    snap.pools_omitted = u32(r);
    snap.capacity_bytes = ((uint64_t)u32(r) << 32) | u32(r);
    snap.allocated_bytes = ((uint64_t)u32(r) << 32) | u32(r);
    snap.peak_bytes = ((uint64_t)u32(r) << 32) | u32(r);
    snap.utilization = u8(r);
    snap.has_manager = (u8(r) & 1u) != 0u;
    snap.pressure = (modesp_pressure_level_t)(u8(r) % 4u);
    snap.manager_utilization = u8(r);
    snap.largest_allocatable = u32(r);
    snap.heap_in_use = u32(r);
    snap.heap_allocs = u32(r);
    snap.heap_failures = u32(r);
    snap.reserve_in_use = u32(r);
    snap.reserve_capacity = u32(r);
    snap.critical_allocs = u32(r);
    snap.critical_failures = u32(r);
    snap.requested_bytes_live = ((uint64_t)u32(r) << 32) | u32(r);
    snap.block_bytes_live = ((uint64_t)u32(r) << 32) | u32(r);
    snap.failures_recorded = u32(r);
    snap.uptime_us = ((uint64_t)u32(r) << 32) | u32(r);
    snap.taken_at_us = ((uint64_t)u32(r) << 32) | u32(r);
    /* The text report prints names with %s: a NULL name is for the JSON writer only (it writes null). */
    render(r, &snap, !null_name);
}

/* ------------------------------------------------------------- one input */

static void start_input(void)
{
    g_now_us = 1000000000ull; /* 1000 s: room for the clock to go back */
    modesp_port_posix_set_isr_context(false);
    modesp_memory_diagnostics_reset_tracing();
    const modesp_pool_t *pools[NPOOLS] = {g_pools[0], g_pools[1]};
    EXPECT_EQ("init_pools", ESP_OK, modesp_memory_diagnostics_init_pools(&g_diag, NULL, pools, NPOOLS));
    memset(&M, 0, sizeof M);
    (void)modesp_memory_diagnostics_set_owner(NULL);
}

static void end_input(void)
{
    modesp_port_posix_set_isr_context(false);
    while (M.nlive > 0u) {
        live_t *l = &M.live[--M.nlive];
        EXPECT_EQ("final free", ESP_OK, modesp_pool_deallocate(g_pools[l->pool], l->ptr));
    }
    EXPECT_EQ("no leak left", 0, modesp_memory_diagnostics_detect_potential_leaks(&g_diag, 0, NULL, 0));
    for (int p = 0; p < NPOOLS; p++) {
        EXPECT_EQ("pool intact", ESP_OK, modesp_pool_check_integrity(g_pools[p], NULL));
    }
    (void)modesp_memory_diagnostics_set_owner(NULL);
}

static void print_ops(void) { fprintf(stderr, "fuzz_diag: %llu operations\n", g_ops); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    modesp_port_posix_set_clock(fake_clock);
    atexit(print_ops);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = {data, size, 0};
    start_input();
    while (r.i < r.n) {
        g_ops++;
        const uint8_t op = u8(&r);
        switch (op % 12u) {
        case 0:
        case 1:
        case 2:
            op_alloc(&r);
            break;
        case 3:
        case 4:
            op_free(&r);
            break;
        case 5:
            op_clock(&r, false);
            break;
        case 6:
            op_clock(&r, (op & 0x10u) != 0u);
            break;
        case 7:
            op_leaks(&r);
            break;
        case 8:
            op_snapshot(&r);
            break;
        case 9:
            op_arbitrary(&r);
            break;
        case 10: {
            const int owner = u8(&r) % 4;
            if (!M.isr) { /* task context only */
                M.owner = owner;
                (void)modesp_memory_diagnostics_set_owner(OWNERS[owner]);
            }
            break;
        }
        default:
            M.isr = !M.isr; /* allocations in an ISR are owned by "-" */
            modesp_port_posix_set_isr_context(M.isr);
            break;
        }
    }
    end_input();
    return 0;
}
