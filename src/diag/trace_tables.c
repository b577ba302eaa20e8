/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tracing side tables: one record per block of every tracked pool, kept
 * outside the blocks (the pool's metadata word is full) and indexed by the
 * block index the core's trace hooks give (modesp/hooks.h).
 *
 * Structure of arrays, CONFIG_MEMORY_DIAG_MAX_TRACKED_BLOCKS entries each:
 *   s_file   call site file (a pointer to the string __FILE__ put in flash)
 *   s_time   allocation time, ms of the library clock (32 bits)
 *   s_line   call site line (saturates at 65535)
 *   s_req    requested size when known (MODESP_DIAG_ALLOC; saturates at 65535), 0 unknown
 *   s_owner  0: no record (free, or allocated before the diagnostics); else owner index + 1
 * = 4 + 4 + 2 + 2 + 1 = 13 bytes per block on a 32-bit target (17 on a 64-bit host).
 *
 * A record is written only by the context that holds the block (between its
 * allocation and its free the block is that context's; the free hook runs
 * before the block goes back to its pool), so records need no lock. Pools
 * get their slice once and keep it: a hook reads a slice only after the
 * release store of the slice count that published it.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

MODESP_IRAM_ATTR uint32_t diag_now_ms(void) { return (uint32_t)(modesp_time_us() / 1000u); }

#if MODESP_TRACING

#define TRACKED CONFIG_MEMORY_DIAG_MAX_TRACKED_BLOCKS

static const char *s_file[TRACKED];
static uint32_t s_time[TRACKED];
static uint16_t s_line[TRACKED];
static uint16_t s_req[TRACKED];
static uint8_t s_owner[TRACKED];

typedef struct {
    const modesp_pool_t *pool;
    uint32_t base;
    uint32_t capacity;
    uint32_t block_size;
    uint64_t hold_sum_ms; /* freed blocks with a record */
    uint32_t hold_count;
    uint32_t hold_max_ms;
} slice_t;

static slice_t s_slices[MODESP_DIAG_MAX_POOLS];
static uint32_t s_slice_count;
static uint32_t s_used; /* side-table entries given out */

MODESP_IRAM_ATTR static const slice_t *slice_of(const modesp_pool_t *pool)
{
    const uint32_t n = __atomic_load_n(&s_slice_count, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0u; i < n; i++) {
        if (s_slices[i].pool == pool) {
            return &s_slices[i];
        }
    }
    return NULL;
}

/* A manager pool (class or reserve): its requests feed the size histogram of the advice. */
MODESP_IRAM_ATTR static bool managed(const modesp_pool_t *pool) { return pool->magic == MODESP_POOL_MAGIC_MANAGED; }

MODESP_IRAM_ATTR static void on_alloc(const modesp_pool_t *pool, uint32_t index, const void *block, uint32_t size,
                                      const char *file, int line, void *ctx)
{
    (void)block;
    (void)ctx;
    if (size != 0u && managed(pool)) {
        diag_advice_note_request(size, false);
    }
    diag_user_on_alloc(pool, block, size, file, line);
    const slice_t *sl = slice_of(pool);
    if (sl == NULL || index >= sl->capacity) {
        return;
    }
    const bool isr = modesp_port_in_isr();
    const uint8_t owner = isr ? 0u : diag_owner_current();
    const uint32_t i = sl->base + index;
    /* relaxed atomic stores (plain word stores on the targets): a leak scan in another task may read the record
     * while its block is freed and allocated again; it then sees a mix of two records, never a torn field */
    __atomic_store_n(&s_file[i], file, __ATOMIC_RELAXED);
    __atomic_store_n(&s_line[i], (uint16_t)(line < 0 ? 0 : (line > 0xFFFF ? 0xFFFF : line)), __ATOMIC_RELAXED);
    __atomic_store_n(&s_time[i], diag_now_ms(), __ATOMIC_RELAXED);
    __atomic_store_n(&s_req[i], (uint16_t)(size > 0xFFFFu ? 0xFFFFu : size), __ATOMIC_RELAXED);
    __atomic_store_n(&s_owner[i], (uint8_t)(owner + 1u), __ATOMIC_RELEASE);
    diag_owner_on_alloc(owner, sl->block_size);
    if (managed(pool)) {
        diag_quota_on_alloc(owner);
    }
    if (!isr) {
        diag_track_on_alloc(sl->block_size);
    }
}

MODESP_IRAM_ATTR static void on_free(const modesp_pool_t *pool, uint32_t index, const void *block, void *ctx)
{
    (void)block;
    (void)ctx;
    diag_user_on_free(pool, block);
    const slice_t *sl = slice_of(pool);
    if (sl == NULL || index >= sl->capacity) {
        return;
    }
    const uint32_t i = sl->base + index;
    /* only the context freeing the block touches its record: a load and a store (no exchange, which
     * targets without CAS would take from libatomic) */
    const uint8_t rec = __atomic_load_n(&s_owner[i], __ATOMIC_ACQUIRE);
    __atomic_store_n(&s_owner[i], (uint8_t)0u, __ATOMIC_RELEASE);
    if (!modesp_port_in_isr()) {
        diag_track_on_free(sl->block_size);
    }
    if (rec == 0u) {
        return; /* allocated before the diagnostics, or records reset meanwhile */
    }
    const int32_t held = (int32_t)(diag_now_ms() - __atomic_load_n(&s_time[i], __ATOMIC_RELAXED));
    const uint32_t hold = held < 0 ? 0u : (uint32_t)held; /* a clock that went back: no time passed */
    slice_t *w = (slice_t *)sl;
    const uint32_t s = modesp_port_critical_enter();
    w->hold_sum_ms += hold;
    w->hold_count++;
    if (hold > w->hold_max_ms) {
        w->hold_max_ms = hold;
    }
    modesp_port_critical_exit(s);
    diag_owner_on_free((uint8_t)(rec - 1u), sl->block_size);
    if (managed(pool)) {
        diag_quota_on_free((uint8_t)(rec - 1u));
    }
}

/* Every failed request: the failure ring, the owner's failures, the advice's histogram. */
MODESP_IRAM_ATTR static void on_fail(const modesp_pool_t *pool, uint32_t size, const char *file, int line, void *ctx)
{
    (void)ctx;
    if (size != 0u && managed(pool)) {
        diag_advice_note_request(size, true);
    }
    diag_failure_record(pool, size, file, line);
    diag_user_on_fail(pool, size, file, line);
}

/* Read by the core's hook points, in ISRs too: kept in RAM (not const, which could put it in flash on ESP-IDF,
 * where an ISR may run with the flash cache off). */
static modesp_trace_hooks_t s_hooks = {on_alloc, on_free, NULL, on_fail};

void diag_trace_attach(const modesp_pool_t *const *pools, size_t count)
{
    const uint32_t s = modesp_port_critical_enter();
    uint32_t n = s_slice_count;
    for (size_t k = 0u; k < count; k++) {
        const modesp_pool_t *p = pools[k];
        bool known = false;
        for (uint32_t i = 0u; i < n; i++) {
            known = known || s_slices[i].pool == p;
        }
        const uint32_t cap = (uint32_t)modesp_pool_capacity(p);
        if (known || n >= MODESP_DIAG_MAX_POOLS || cap > TRACKED - s_used) {
            continue; /* already tracked, or untracked: no room */
        }
        s_slices[n] = (slice_t){p, s_used, cap, (uint32_t)modesp_pool_block_size(p), 0u, 0u, 0u};
        s_used += cap;
        n++;
    }
    __atomic_store_n(&s_slice_count, n, __ATOMIC_RELEASE);
    modesp_port_critical_exit(s);
    (void)modesp_trace_set_hooks(&s_hooks);
}

bool diag_trace_pool_hold(const modesp_pool_t *pool, uint32_t *avg_ms, uint32_t *max_ms)
{
    const slice_t *sl = slice_of(pool);
    *avg_ms = 0u;
    *max_ms = 0u;
    if (sl == NULL) {
        return false;
    }
    const uint32_t s = modesp_port_critical_enter();
    const uint64_t sum = sl->hold_sum_ms;
    const uint32_t cnt = sl->hold_count;
    *max_ms = sl->hold_max_ms;
    modesp_port_critical_exit(s);
    *avg_ms = cnt != 0u ? (uint32_t)(sum / cnt) : 0u;
    return true;
}

bool diag_trace_pool_hold_sum(const modesp_pool_t *pool, uint64_t *sum_ms, uint32_t *count)
{
    const slice_t *sl = slice_of(pool);
    *sum_ms = 0u;
    *count = 0u;
    if (sl == NULL) {
        return false;
    }
    const uint32_t s = modesp_port_critical_enter();
    *sum_ms = sl->hold_sum_ms;
    *count = sl->hold_count;
    modesp_port_critical_exit(s);
    return true;
}

void diag_trace_for_each_live(void (*fn)(const diag_record_t *rec, void *ctx), void *ctx)
{
    const uint32_t n = __atomic_load_n(&s_slice_count, __ATOMIC_ACQUIRE);
    for (uint32_t k = 0u; k < n; k++) {
        const slice_t *sl = &s_slices[k];
        for (uint32_t b = 0u; b < sl->capacity; b++) {
            const uint32_t i = sl->base + b;
            const uint8_t o = __atomic_load_n(&s_owner[i], __ATOMIC_ACQUIRE);
            if (o == 0u) {
                continue;
            }
            const diag_record_t rec = {sl->pool,
                                       b,
                                       __atomic_load_n(&s_time[i], __ATOMIC_RELAXED),
                                       __atomic_load_n(&s_req[i], __ATOMIC_RELAXED),
                                       (uint8_t)(o - 1u),
                                       __atomic_load_n(&s_file[i], __ATOMIC_RELAXED),
                                       __atomic_load_n(&s_line[i], __ATOMIC_RELAXED)};
            fn(&rec, ctx);
        }
    }
}

typedef struct {
    uint64_t req;
    uint64_t blocks;
} live_bytes_t;

static void add_live(const diag_record_t *rec, void *ctx)
{
    live_bytes_t *lb = ctx;
    if (rec->requested != 0u) {
        lb->req += rec->requested;
        lb->blocks += modesp_pool_block_size(rec->pool);
    }
}

void diag_trace_live_bytes(uint64_t *requested, uint64_t *blocks)
{
    live_bytes_t lb = {0u, 0u};
    diag_trace_for_each_live(add_live, &lb);
    *requested = lb.req;
    *blocks = lb.blocks;
}

bool diag_trace_attached(void) { return __atomic_load_n(&s_slice_count, __ATOMIC_ACQUIRE) != 0u; }

void diag_trace_reset(void)
{
    for (uint32_t i = 0u; i < TRACKED; i++) {
        __atomic_store_n(&s_owner[i], (uint8_t)0u, __ATOMIC_RELAXED);
    }
    const uint32_t n = __atomic_load_n(&s_slice_count, __ATOMIC_ACQUIRE);
    const uint32_t s = modesp_port_critical_enter();
    for (uint32_t k = 0u; k < n; k++) {
        s_slices[k].hold_sum_ms = 0u;
        s_slices[k].hold_count = 0u;
        s_slices[k].hold_max_ms = 0u;
    }
    modesp_port_critical_exit(s);
}

#else /* tracing compiled out: no side tables at all */

void diag_trace_attach(const modesp_pool_t *const *pools, size_t count)
{
    (void)pools;
    (void)count;
}

bool diag_trace_pool_hold(const modesp_pool_t *pool, uint32_t *avg_ms, uint32_t *max_ms)
{
    (void)pool;
    *avg_ms = 0u;
    *max_ms = 0u;
    return false;
}

bool diag_trace_pool_hold_sum(const modesp_pool_t *pool, uint64_t *sum_ms, uint32_t *count)
{
    (void)pool;
    *sum_ms = 0u;
    *count = 0u;
    return false;
}

void diag_trace_for_each_live(void (*fn)(const diag_record_t *rec, void *ctx), void *ctx)
{
    (void)fn;
    (void)ctx;
}

void diag_trace_live_bytes(uint64_t *requested, uint64_t *blocks)
{
    *requested = 0u;
    *blocks = 0u;
}

void diag_trace_reset(void) {}

bool diag_trace_attached(void) { return false; }

#endif
