/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential fuzzer (libFuzzer) of one user pool and the pool manager.
 *
 * The input bytes are decoded into operations: allocations with every
 * strategy and size (0, each class boundary, too large), allocate_critical,
 * frees of live, already freed, interior, misaligned, foreign and cross-API
 * pointers, sized frees with right and wrong sizes, stats resets, threshold
 * changes, callback (un)registration and integrity checks. Each one runs on
 * the library and on a reference model written from the headers
 * (modesp/pool_manager.h, modesp/fixed_pool.h): which blocks are live, the
 * error code, every counter, bytes in use, utilization, the pressure level
 * with its hysteresis and the exact callbacks called. The first divergence
 * aborts with a message. A byte pattern written into every live block is
 * checked before its free: a block handed out twice shows there.
 *
 * Single-threaded: pressure callbacks are delivered in the calling task
 * during the call that caused the change, so the model expects them there.
 * An operation can also run as if in an ISR (the POSIX port's flag): WAIT
 * and the heap step are refused there, and the changes it causes wait for
 * the next call from a task that delivers (every allocate, free and
 * threshold change, whatever its result).
 * The manager is a process-wide singleton: every input ends by freeing what
 * it holds and restoring thresholds, strategy and callbacks.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modesp/fixed_pool.h"
#include "modesp/mempool_err.h"
#include "modesp/pool_manager.h"
#include "modesp/port_posix.h"
#include "modesp/size_classes.h"

#ifndef CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS
#define CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS 8
#endif
#ifndef CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE
#define CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE 0
#endif
#ifndef CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE
#define CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE 1
#endif
#ifdef CONFIG_MEMORY_POOL_ALLOW_HEAP_FALLBACK
#define HEAP_ON    1
#define HEAP_SLOTS CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS
#else
#define HEAP_ON    0
#define HEAP_SLOTS 1 /* never used: HEAP_FALLBACK is refused */
#endif
#ifdef CONFIG_MEMORY_POOL_DEFAULT_STRATEGY_SPILL
#define CFG_DEFAULT_STRATEGY MODESP_ALLOC_SPILL
#else
#define CFG_DEFAULT_STRATEGY MODESP_ALLOC_STRICT
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NCLS    MODESP_CLASS_COUNT
#define RESERVE NCLS       /* pool index of the reserve in the model */
#define USER    (NCLS + 1) /* pool index of the user pool */
#define NPOOLS  (NCLS + 2)

#define USER_BSIZE 40u
#define USER_COUNT 5u
MODESP_POOL_DEFINE_STATIC(user_pool, USER_BSIZE, USER_COUNT);

#define CLASS_SIZE_(NAME, name, size, count)  (size),
#define CLASS_COUNT_(NAME, name, size, count) (count),
static const uint32_t cls_size[NCLS] = {MODESP_SIZE_CLASSES(CLASS_SIZE_)};
static const uint32_t cls_count[NCLS] = {MODESP_SIZE_CLASSES(CLASS_COUNT_)};
#define RES_COUNT (CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE / CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE)

/* --------------------------------------------------------------- failure */

static unsigned long g_step;
static bool g_trace;                   /* FUZZ_TRACE=1: print each operation */
static unsigned long long g_total_ops; /* operations over every input, printed at exit */

static void diverge(const char *what, long expected, long got)
{
    fprintf(stderr, "DIVERGENCE at step %lu: %s: model %ld (0x%lx), library %ld (0x%lx)\n", g_step, what, expected,
            (unsigned long)expected, got, (unsigned long)got);
    abort();
}

#define EXPECT_EQ(what, model, lib)                                                                                    \
    do {                                                                                                               \
        long m_ = (long)(model), l_ = (long)(lib);                                                                     \
        if (m_ != l_) {                                                                                                \
            diverge((what), m_, l_);                                                                                   \
        }                                                                                                              \
    } while (0)

/* ----------------------------------------------------------------- model */

typedef struct {
    uint32_t in_use, peak, total_allocs, alloc_failures, exhausted, invalid_requests, wrong_api;
    uint32_t null_frees, foreign_frees, misaligned_frees, double_frees;
} mpool_t;

enum { K_CLASS, K_RESERVE, K_HEAP, K_USER };

typedef struct {
    uint8_t *ptr;
    int kind;
    int pool;    /* model pool index (class, RESERVE, USER), -1 for heap */
    int req_cls; /* class the block was requested for (sized free), -1 for the user pool */
    size_t len;  /* bytes filled with the pattern */
    uint8_t seed;
    uint8_t tag;
} live_t;

#define MAX_LIVE 4096
#define MAX_DEAD 32

typedef struct {
    modesp_pressure_cb_t cb;
    void *ctx;
} cbreg_t;

typedef struct {
    int from, to, util;
} change_t;

static struct {
    mpool_t pool[NPOOLS];
    live_t live[MAX_LIVE];
    size_t nlive;
    uint8_t *dead[MAX_DEAD]; /* pointers freed earlier (may be live again) */
    size_t ndead;
    uint32_t bytes;
    int level;
    uint8_t warn, crit, rel;
    modesp_alloc_strategy_t def_strategy;
    uint32_t heap_in_use;
    uint32_t zero_size, oversize, null_frees, foreign_frees, size_mismatch, spills, heap_allocs, heap_frees;
    uint32_t heap_failures, critical_allocs, critical_failures, changes;
    cbreg_t cbs[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS];
    change_t pending[64]; /* changes the current operation must deliver */
    size_t npending;
    uint8_t seq;
    bool isr;
    uint32_t isr_refusals;
    uint32_t dropped;
} M;

/* Changes the manager keeps for delivery (its ring: src/core/manager_private.h). */
#define RING 8u

/* Whether the current operation delivers pending pressure changes (from a task). */
static bool g_delivers;

static uint32_t g_changes_base; /* library's pressure_changes at input start (never reset) */
static uint32_t g_dropped_base;

/* The callbacks' log. */
typedef struct {
    modesp_pressure_cb_t cb;
    void *ctx;
    int from, to, util;
} call_t;
static call_t g_calls[512];
static size_t g_ncalls;

static void record(modesp_pressure_cb_t cb, modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    if (g_ncalls >= sizeof g_calls / sizeof g_calls[0]) {
        diverge("too many callback calls in one operation", 0, (long)g_ncalls);
    }
    g_calls[g_ncalls++] = (call_t){cb, ctx, (int)o, (int)n, (int)u};
}
static void cb_a(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx);
static void cb_b(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx);
static void cb_c(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx);
static void cb_a(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    record(cb_a, o, n, u, ctx);
}
static void cb_b(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    record(cb_b, o, n, u, ctx);
}
static void cb_c(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    record(cb_c, o, n, u, ctx);
}
static const modesp_pressure_cb_t CBS[3] = {cb_a, cb_b, cb_c};
static int g_ctx_obj[3];

static modesp_pool_manager_t *pm;
static uint32_t total_bytes;
static uint8_t g_foreign[256] __attribute__((aligned(16)));

static uint32_t stride_of(uint32_t bsize) { return (uint32_t)MODESP_POOL_STRIDE(bsize); }

static uint32_t util_of(uint32_t bytes) { return bytes >= total_bytes ? 100u : bytes * 100u / total_bytes; }

/* The level `util` calls for from `level`, as modesp_pool_manager_set_pressure_thresholds documents it. */
static int target_level(int level, uint32_t util)
{
    if (util >= M.crit) {
        return MODESP_PRESSURE_CRITICAL;
    }
    if (util < M.rel) {
        return MODESP_PRESSURE_NORMAL;
    }
    if (level == MODESP_PRESSURE_CRITICAL) {
        return util < M.warn ? MODESP_PRESSURE_WARNING : MODESP_PRESSURE_CRITICAL;
    }
    if (level == MODESP_PRESSURE_WARNING || util >= M.warn) {
        return MODESP_PRESSURE_WARNING;
    }
    return MODESP_PRESSURE_NORMAL;
}

static void reevaluate(void)
{
    const uint32_t u = util_of(M.bytes);
    const int to = target_level(M.level, u);
    if (to != M.level) {
        if (M.npending >= sizeof M.pending / sizeof M.pending[0]) {
            diverge("model: too many changes in one operation", 0, 0);
        }
        M.pending[M.npending++] = (change_t){M.level, to, (int)u};
        M.level = to;
        M.changes++;
    }
}

/* Where the library's pools keep their blocks. */
static const modesp_pool_t *lib_pool(int p)
{
    if (p < NCLS) {
        return modesp_pool_manager_get_pool(pm, (modesp_size_class_t)p);
    }
    if (p == RESERVE) {
        return modesp_pool_manager_get_reserve_pool(pm);
    }
    return &user_pool;
}
static uint32_t pool_bsize(int p)
{
    return p < NCLS ? cls_size[p] : p == RESERVE ? (uint32_t)CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE : USER_BSIZE;
}
static uint32_t pool_count(int p) { return p < NCLS ? cls_count[p] : p == RESERVE ? (uint32_t)RES_COUNT : USER_COUNT; }

/* Which model pool holds address a (-1 none); *off receives the offset in its storage. */
static int pool_of(const uint8_t *a, size_t *off)
{
    for (int p = 0; p < NPOOLS; p++) {
        const modesp_pool_t *lp = lib_pool(p);
        if (lp == NULL || pool_count(p) == 0u) {
            continue;
        }
        const uintptr_t lo = (uintptr_t)lp->storage;
        const uintptr_t len = (uintptr_t)stride_of(pool_bsize(p)) * pool_count(p);
        if ((uintptr_t)a - lo < len) {
            *off = (size_t)((uintptr_t)a - lo);
            return p;
        }
    }
    return -1;
}

static int class_for(size_t size)
{
    if (size == 0u || size > cls_size[NCLS - 1]) {
        return -1;
    }
    for (int c = 0; c < NCLS; c++) {
        if (size <= cls_size[c]) {
            return c;
        }
    }
    return -1;
}

static long find_live(const uint8_t *p)
{
    for (size_t i = 0; i < M.nlive; i++) {
        if (M.live[i].ptr == p) {
            return (long)i;
        }
    }
    return -1;
}

static void fill(live_t *l)
{
    for (size_t i = 0; i < l->len; i++) {
        l->ptr[i] = (uint8_t)(l->seed + i * 7u);
    }
}
static void check_pattern(const live_t *l)
{
    for (size_t i = 0; i < l->len; i++) {
        if (l->ptr[i] != (uint8_t)(l->seed + i * 7u)) {
            diverge("live block's pattern overwritten (block shared?)", (long)(uint8_t)(l->seed + i * 7u), l->ptr[i]);
        }
    }
}

static void add_live(uint8_t *ptr, int kind, int pool, int req_cls, size_t len, uint8_t tag)
{
    if (ptr == NULL) {
        diverge("model: success but NULL block", 1, 0);
    }
    if (find_live(ptr) >= 0) {
        diverge("block handed out while live", 0, 1);
    }
    if (pool >= 0) {
        size_t off = 0;
        const int where = pool_of(ptr, &off);
        EXPECT_EQ("pool of the block handed out", pool, where);
        EXPECT_EQ("block offset alignment", 0, off % stride_of(pool_bsize(pool)));
        mpool_t *mp = &M.pool[pool];
        mp->in_use++;
        mp->total_allocs++;
        if (mp->in_use > mp->peak) {
            mp->peak = mp->in_use;
        }
    }
    if (M.nlive >= MAX_LIVE) {
        diverge("model: live table full", 0, 0);
    }
    live_t *l = &M.live[M.nlive++];
    *l = (live_t){ptr, kind, pool, req_cls, len, M.seq++, tag};
    fill(l);
}

static void remove_live(size_t i)
{
    live_t *l = &M.live[i];
    if (l->pool >= 0) {
        M.pool[l->pool].in_use--;
    }
    if (M.ndead < MAX_DEAD) {
        M.dead[M.ndead++] = l->ptr;
    } else {
        M.dead[M.seq % MAX_DEAD] = l->ptr;
    }
    M.live[i] = M.live[--M.nlive];
}

/* ----------------------------------------------------------- comparisons */

/* The label "pool.field" is formatted only on a divergence: this runs for every pool after every operation. */
static void pool_diverge(const char *name, const char *field, long expected, long got)
{
    char what[96];
    (void)snprintf(what, sizeof what, "%s.%s", name, field);
    diverge(what, expected, got);
}

#define POOL_EQ(name, field, model, lib)                                                                               \
    do {                                                                                                               \
        long m_ = (long)(model), l_ = (long)(lib);                                                                     \
        if (m_ != l_) {                                                                                                \
            pool_diverge((name), (field), m_, l_);                                                                     \
        }                                                                                                              \
    } while (0)

static void cmp_pool(const char *name, const mpool_t *m, const modesp_pool_stats_t *s)
{
#define F(field) POOL_EQ(name, #field, m->field, s->field)
    F(in_use);
    F(peak);
    F(total_allocs);
    F(alloc_failures);
    F(exhausted);
    F(invalid_requests);
    F(wrong_api);
    F(null_frees);
    F(foreign_frees);
    F(misaligned_frees);
    F(double_frees);
#undef F
    POOL_EQ(name, "invalid_frees", m->null_frees + m->foreign_frees + m->misaligned_frees + m->double_frees,
            s->invalid_frees);
    POOL_EQ(name, "poison_violations", 0, s->poison_violations);
    POOL_EQ(name, "corruptions", 0, s->corruptions);
}

static void check_calls(void)
{
    if (!g_delivers || M.isr) {
        EXPECT_EQ("callback calls from an operation that delivers nothing", 0, g_ncalls);
        return;
    }
    if (M.npending > RING) { /* the oldest were overwritten in the ring: dropped, never delivered */
        const size_t drop = M.npending - RING;
        M.dropped += (uint32_t)drop;
        memmove(M.pending, M.pending + drop, RING * sizeof M.pending[0]);
        M.npending = RING;
    }
    size_t nreg = 0;
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
        nreg += M.cbs[i].cb != NULL;
    }
    EXPECT_EQ("callback calls in this operation", M.npending * nreg, g_ncalls);
    /* Per change, in order: every registered (cb, ctx) exactly once with the change's values. */
    for (size_t k = 0; k < M.npending; k++) {
        const change_t *c = &M.pending[k];
        for (size_t j = 0; j < nreg; j++) {
            const call_t *call = &g_calls[k * nreg + j];
            EXPECT_EQ("callback old_level", c->from, call->from);
            EXPECT_EQ("callback new_level", c->to, call->to);
            EXPECT_EQ("callback utilization", c->util, call->util);
            bool found = false;
            for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
                found |= M.cbs[i].cb == call->cb && M.cbs[i].ctx == call->ctx;
            }
            EXPECT_EQ("callback called is registered", 1, found);
            for (size_t j2 = 0; j2 < j; j2++) {
                const call_t *o = &g_calls[k * nreg + j2];
                EXPECT_EQ("callback called twice for one change", 0, o->cb == call->cb && o->ctx == call->ctx);
            }
        }
    }
    M.npending = 0;
    g_ncalls = 0;
}

static void check_all(void)
{
    check_calls();
    modesp_pool_manager_stats_t st;
    EXPECT_EQ("get_stats", ESP_OK, modesp_pool_manager_get_stats(pm, &st));
    for (int c = 0; c < NCLS; c++) {
        cmp_pool(modesp_size_class_name((modesp_size_class_t)c), &M.pool[c], &st.classes[c]);
    }
    cmp_pool("reserve", &M.pool[RESERVE], &st.reserve);
    modesp_pool_stats_t us;
    EXPECT_EQ("user get_stats", ESP_OK, modesp_pool_get_stats(&user_pool, &us));
    cmp_pool("user", &M.pool[USER], &us);
    EXPECT_EQ("total_bytes", total_bytes, st.total_bytes);
    EXPECT_EQ("bytes_in_use", M.bytes, st.bytes_in_use);
    EXPECT_EQ("utilization", util_of(M.bytes), st.utilization);
    EXPECT_EQ("get_overall_utilization", util_of(M.bytes), modesp_pool_manager_get_overall_utilization(pm));
    EXPECT_EQ("level", M.level, st.level);
    EXPECT_EQ("get_pressure_level", M.level, modesp_pool_manager_get_pressure_level(pm));
    EXPECT_EQ("zero_size_requests", M.zero_size, st.zero_size_requests);
    EXPECT_EQ("oversize_requests", M.oversize, st.oversize_requests);
    EXPECT_EQ("null_frees", M.null_frees, st.null_frees);
    EXPECT_EQ("foreign_frees", M.foreign_frees, st.foreign_frees);
    EXPECT_EQ("size_mismatch_frees", M.size_mismatch, st.size_mismatch_frees);
    EXPECT_EQ("spills", M.spills, st.spills);
    EXPECT_EQ("waits", 0, st.waits);
    EXPECT_EQ("wait_timeouts", 0, st.wait_timeouts);
    EXPECT_EQ("wait_deadline_served", 0, st.wait_deadline_served);
    EXPECT_EQ("isr_refusals", M.isr_refusals, st.isr_refusals);
    EXPECT_EQ("heap_allocs", M.heap_allocs, st.heap_allocs);
    EXPECT_EQ("heap_frees", M.heap_frees, st.heap_frees);
    EXPECT_EQ("heap_in_use", M.heap_in_use, st.heap_in_use);
    EXPECT_EQ("heap_failures", M.heap_failures, st.heap_failures);
    EXPECT_EQ("critical_allocs", M.critical_allocs, st.critical_allocs);
    EXPECT_EQ("critical_failures", M.critical_failures, st.critical_failures);
    EXPECT_EQ("pressure_changes", M.changes, st.pressure_changes - g_changes_base);
    EXPECT_EQ("pressure_events_dropped", M.dropped, st.pressure_events_dropped - g_dropped_base);
    EXPECT_EQ("get_default_strategy", M.def_strategy, modesp_pool_manager_get_default_strategy(pm));
}

static void check_integrity(void)
{
    int bad = -2;
    modesp_pool_integrity_t rep;
    EXPECT_EQ("manager check_integrity", ESP_OK, modesp_pool_manager_check_integrity(pm, &bad, &rep));
    EXPECT_EQ("user pool check_integrity", ESP_OK, modesp_pool_check_integrity(&user_pool, &rep));
    EXPECT_EQ("user pool integrity allocated_blocks", M.pool[USER].in_use, rep.allocated_blocks);
    EXPECT_EQ("user pool integrity free_blocks", USER_COUNT - M.pool[USER].in_use, rep.free_blocks);
    for (int p = 0; p <= RESERVE; p++) {
        const modesp_pool_t *lp = lib_pool(p);
        if (lp == NULL) {
            continue;
        }
        EXPECT_EQ("pool check_integrity", ESP_OK, modesp_pool_check_integrity(lp, &rep));
        EXPECT_EQ("integrity allocated_blocks", M.pool[p].in_use, rep.allocated_blocks);
        EXPECT_EQ("integrity free_blocks", pool_count(p) - M.pool[p].in_use, rep.free_blocks);
    }
}

/* --------------------------------------------------------- input decoding */

typedef struct {
    const uint8_t *d;
    size_t n, i;
} rd_t;

static uint8_t u8(rd_t *r) { return r->i < r->n ? r->d[r->i++] : 0u; }
static uint16_t u16(rd_t *r) { return (uint16_t)(u8(r) | (u8(r) << 8)); }

static size_t pick_size(rd_t *r)
{
    const uint8_t k = u8(r);
    const int c = (k >> 3) % NCLS;
    switch (k & 7u) {
    case 0:
        return 0u;
    case 1:
        return cls_size[c] > 1u ? cls_size[c] - 1u : 1u;
    case 2:
        return cls_size[c];
    case 3:
        return (size_t)cls_size[c] + 1u; /* the next class, or too large */
    case 4:
        return (size_t)cls_size[NCLS - 1] + 1u + u8(r);
    case 5:
        return SIZE_MAX - u8(r);
    default:
        return 1u + u16(r) % cls_size[NCLS - 1];
    }
}

/* ------------------------------------------------------------- operations */

static void model_class_take(int c, int req, uint8_t *p, size_t size)
{
    add_live(p, K_CLASS, c, req, size, 0);
    M.bytes += cls_size[c];
    reevaluate();
}

/* The manager allocation path for a valid strategy and a valid class. */
static esp_err_t model_alloc_class(modesp_alloc_strategy_t s, int cls, size_t size, uint8_t *p)
{
    if (M.pool[cls].in_use < cls_count[cls]) {
        model_class_take(cls, cls, p, size);
        return ESP_OK;
    }
    M.pool[cls].exhausted++;
    switch (s) {
    case MODESP_ALLOC_SPILL:
        for (int c = cls + 1; c < NCLS; c++) {
            if (M.pool[c].in_use < cls_count[c]) {
                model_class_take(c, cls, p, size);
                M.spills++;
                return ESP_OK;
            }
            M.pool[c].exhausted++;
        }
        break;
    case MODESP_ALLOC_HEAP_FALLBACK:
        if (M.isr) { /* the heap step is refused in an ISR */
            M.isr_refusals++;
            M.pool[cls].alloc_failures++;
            return ESP_ERR_INVALID_STATE;
        }
        if (M.heap_in_use < HEAP_SLOTS) {
            M.heap_in_use++;
            M.heap_allocs++;
            add_live(p, K_HEAP, -1, cls, size, 0);
            return ESP_OK;
        }
        M.heap_failures++;
        break;
    default:
        break;
    }
    M.pool[cls].alloc_failures++;
    return ESP_ERR_NO_MEM;
}

static esp_err_t model_alloc(modesp_alloc_strategy_t s, size_t size, uint8_t *p)
{
    g_delivers = true;
    if ((unsigned)s > MODESP_ALLOC_WAIT) {
        return ESP_ERR_INVALID_ARG;
    }
    if (s == MODESP_ALLOC_HEAP_FALLBACK && !HEAP_ON) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    if (size == 0u) {
        M.zero_size++;
        return MODESP_ERR_ZERO_SIZE;
    }
    const int cls = class_for(size);
    if (cls < 0) {
        M.oversize++;
        return ESP_ERR_INVALID_SIZE;
    }
    if (s == MODESP_ALLOC_WAIT && M.isr) {
        M.isr_refusals++;
        return ESP_ERR_INVALID_STATE;
    }
    return model_alloc_class(s, cls, size, p);
}

static void op_alloc_ex(rd_t *r)
{
    const uint8_t k = u8(r);
    const modesp_alloc_strategy_t s = (modesp_alloc_strategy_t)((k & 7u) < 5u ? (k & 3u) : 4u + (k & 3u));
    const size_t size = pick_size(r);
    void *p = (void *)&g_foreign; /* must be set to NULL on an error */
    const esp_err_t err = modesp_pool_manager_allocate_ex(pm, size, s, 0u, &p);
    const esp_err_t want = model_alloc(s, size, (uint8_t *)p);
    EXPECT_EQ("allocate_ex result", want, err);
    if (err != ESP_OK) {
        EXPECT_EQ("allocate_ex *out on error", 0, p != NULL);
    }
}

static void op_alloc_default(rd_t *r)
{
    const size_t size = pick_size(r);
    uint8_t *p = modesp_pool_manager_allocate(pm, size);
    const esp_err_t want = model_alloc(M.def_strategy, size, p);
    EXPECT_EQ("allocate (default strategy) success", want == ESP_OK, p != NULL);
}

static void op_alloc_critical(rd_t *r)
{
    const size_t size = pick_size(r);
    uint8_t *p = modesp_pool_manager_allocate_critical(pm, size);
    bool ok = false;
    g_delivers = true;
    if (size == 0u) {
        M.zero_size++;
    } else if (class_for(size) < 0) {
        M.oversize++;
    } else {
        const int cls = class_for(size);
        if (M.pool[cls].in_use < cls_count[cls]) {
            model_class_take(cls, cls, p, size);
            ok = true;
        } else {
            M.pool[cls].exhausted++;
            if (pool_count(RESERVE) > 0u && size <= CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE) {
                if (M.pool[RESERVE].in_use < pool_count(RESERVE)) {
                    add_live(p, K_RESERVE, RESERVE, cls, size, 0);
                    M.critical_allocs++;
                    ok = true;
                } else {
                    M.pool[RESERVE].exhausted++;
                }
            }
            if (!ok) {
                M.critical_failures++;
                M.pool[cls].alloc_failures++;
            }
        }
    }
    EXPECT_EQ("allocate_critical success", ok, p != NULL);
}

/* A pointer to free: live, dead, interior, misaligned, foreign, NULL, or a user block. */
static uint8_t *pick_ptr(rd_t *r)
{
    const uint8_t k = u8(r);
    const uint8_t j = u8(r);
    switch (k % 8u) {
    case 0:
    case 1:
    case 2:
        return M.nlive ? M.live[j % M.nlive].ptr : NULL;
    case 3:
        return M.ndead ? M.dead[j % M.ndead] : NULL;
    case 4:
        if (M.nlive) {
            const live_t *l = &M.live[j % M.nlive];
            const uint32_t st = l->pool >= 0 ? stride_of(pool_bsize(l->pool)) : 64u;
            return l->ptr + 1u + u8(r) % (st - 1u);
        }
        return NULL;
    case 5:
        if (M.nlive) {
            const live_t *l = &M.live[j % M.nlive];
            return l->ptr + (l->pool >= 0 ? stride_of(pool_bsize(l->pool)) : 0u) * (u8(r) % 3u);
        }
        return NULL;
    case 6:
        return &g_foreign[j % sizeof g_foreign];
    default:
        return NULL;
    }
}

static size_t wrong_or_right_size(rd_t *r, long li)
{
    const uint8_t k = u8(r);
    if (li >= 0 && M.live[li].req_cls >= 0 && (k & 3u) != 0u) {
        return M.live[li].len; /* the size it was asked with */
    }
    return pick_size(r);
}

/* Free through the manager (sized or not): the model's expected result. */
static esp_err_t model_mgr_free(uint8_t *p, bool sized, size_t size)
{
    g_delivers = true;
    if (p == NULL) {
        M.null_frees++;
        return ESP_ERR_INVALID_ARG;
    }
    if (sized && size == 0u) {
        M.zero_size++;
        return MODESP_ERR_ZERO_SIZE;
    }
    size_t off = 0;
    const int pool = pool_of(p, &off);
    const long li = find_live(p);
    if (pool < 0 || pool == USER) {
        if (li >= 0 && M.live[li].kind == K_HEAP) {
            if (sized && class_for(size) != M.live[li].req_cls) {
                M.size_mismatch++;
                return MODESP_ERR_SIZE_MISMATCH;
            }
            if (M.isr) {
                M.isr_refusals++;
                return ESP_ERR_INVALID_STATE;
            }
            check_pattern(&M.live[li]);
            remove_live((size_t)li);
            M.heap_in_use--;
            M.heap_frees++;
            return ESP_OK;
        }
        M.foreign_frees++;
        return MODESP_ERR_FOREIGN_PTR;
    }
    if (off % stride_of(pool_bsize(pool)) != 0u) {
        M.pool[pool].misaligned_frees++;
        return MODESP_ERR_MISALIGNED_PTR;
    }
    if (li < 0) {
        M.pool[pool].double_frees++;
        return MODESP_ERR_DOUBLE_FREE;
    }
    if (sized && class_for(size) != M.live[li].req_cls) {
        M.size_mismatch++;
        return MODESP_ERR_SIZE_MISMATCH;
    }
    check_pattern(&M.live[li]);
    remove_live((size_t)li);
    if (pool < NCLS) {
        M.bytes -= cls_size[pool];
        reevaluate();
    }
    return ESP_OK;
}

static void op_mgr_free(rd_t *r, bool sized)
{
    uint8_t *p = pick_ptr(r);
    const long li = find_live(p);
    const size_t size = sized ? wrong_or_right_size(r, li) : 0u;
    if (li >= 0) {
        check_pattern(&M.live[li]); /* before the library sees the free */
    }
    const esp_err_t want = model_mgr_free(p, sized, size);
    const esp_err_t err = sized ? modesp_pool_manager_deallocate(pm, p, size) : modesp_pool_manager_free(pm, p);
    EXPECT_EQ(sized ? "deallocate result" : "free result", want, err);
}

static void op_user_alloc(rd_t *r)
{
    const uint8_t k = u8(r);
    mpool_t *mp = &M.pool[USER];
    uint8_t *p;
    int tag = 0;
    size_t zero_len = 0;
    switch (k % 4u) {
    case 0:
        p = modesp_pool_allocate(&user_pool);
        break;
    case 1:
        tag = u8(r) % 40u;
        p = modesp_pool_allocate_tagged(&user_pool, (uint8_t)tag);
        break;
    case 2:
        zero_len = u8(r) % (USER_BSIZE + 8u);
        p = modesp_pool_allocate_zeroed_(&user_pool, zero_len, NULL, 0);
        break;
    default: { /* the pool API on a manager pool: refused */
        const int c = u8(r) % NCLS;
        p = modesp_pool_allocate((modesp_pool_t *)(uintptr_t)lib_pool(c));
        M.pool[c].wrong_api++;
        EXPECT_EQ("pool API allocate on a managed pool", 0, p != NULL);
        return;
    }
    }
    bool ok;
    if (tag > 31 || zero_len > USER_BSIZE) {
        mp->invalid_requests++;
        ok = false;
    } else if (mp->in_use < USER_COUNT) {
        ok = true;
    } else {
        mp->alloc_failures++;
        mp->exhausted++;
        ok = false;
    }
    EXPECT_EQ("user pool allocate success", ok, p != NULL);
    if (ok) {
        for (size_t i = 0; i < zero_len; i++) {
            EXPECT_EQ("zeroed byte", 0, p[i]);
        }
        add_live(p, K_USER, USER, -1, USER_BSIZE, (uint8_t)tag);
        EXPECT_EQ("block tag", tag, modesp_pool_block_tag(&user_pool, p));
    }
}

static void op_user_free(rd_t *r)
{
    uint8_t *p = pick_ptr(r);
    const uint8_t k = u8(r);
    if (k & 1u) { /* the pool API on a manager pool: refused, nothing changes */
        const int c = u8(r) % NCLS;
        M.pool[c].wrong_api++;
        EXPECT_EQ("pool API free on a managed pool", MODESP_ERR_MANAGED_POOL,
                  modesp_pool_deallocate((modesp_pool_t *)(uintptr_t)lib_pool(c), p));
        return;
    }
    mpool_t *mp = &M.pool[USER];
    esp_err_t want;
    size_t off = 0;
    const long li = find_live(p);
    if (p == NULL) {
        mp->null_frees++;
        want = ESP_ERR_INVALID_ARG;
    } else if (pool_of(p, &off) != USER) {
        mp->foreign_frees++;
        want = MODESP_ERR_FOREIGN_PTR;
    } else if (off % stride_of(USER_BSIZE) != 0u) {
        mp->misaligned_frees++;
        want = MODESP_ERR_MISALIGNED_PTR;
    } else if (li < 0) {
        mp->double_frees++;
        want = MODESP_ERR_DOUBLE_FREE;
    } else {
        EXPECT_EQ("block tag before free", M.live[li].tag, modesp_pool_block_tag(&user_pool, p));
        check_pattern(&M.live[li]);
        remove_live((size_t)li);
        want = ESP_OK;
    }
    EXPECT_EQ("user pool deallocate result", want, modesp_pool_deallocate(&user_pool, p));
}

static void model_reset_pool(mpool_t *mp)
{
    const uint32_t in_use = mp->in_use;
    memset(mp, 0, sizeof *mp);
    mp->in_use = in_use;
    mp->peak = in_use;
}

static void op_reset(rd_t *r)
{
    if (u8(r) & 1u) {
        EXPECT_EQ("pool reset_stats", ESP_OK, modesp_pool_reset_stats(&user_pool));
        model_reset_pool(&M.pool[USER]);
        return;
    }
    EXPECT_EQ("manager reset_stats", ESP_OK, modesp_pool_manager_reset_stats(pm));
    for (int p = 0; p <= RESERVE; p++) {
        model_reset_pool(&M.pool[p]);
    }
    M.zero_size = M.oversize = M.null_frees = M.foreign_frees = M.size_mismatch = M.spills = 0;
    M.heap_allocs = M.heap_frees = M.heap_failures = M.critical_allocs = M.critical_failures = 0;
    M.isr_refusals = 0;
}

static void op_thresholds(rd_t *r)
{
    uint8_t w, c, rel;
    if (u8(r) & 1u) { /* mostly valid */
        uint8_t v[3] = {(uint8_t)(1u + u8(r) % 100u), (uint8_t)(1u + u8(r) % 100u), (uint8_t)(1u + u8(r) % 100u)};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2 - i; j++) {
                if (v[j] > v[j + 1]) {
                    const uint8_t t = v[j];
                    v[j] = v[j + 1];
                    v[j + 1] = t;
                }
            }
        }
        rel = v[0];
        w = v[1];
        c = v[2];
    } else {
        w = u8(r);
        c = u8(r);
        rel = u8(r);
    }
    const bool valid = rel > 0u && rel <= w && w <= c && c <= 100u;
    g_delivers = valid;
    EXPECT_EQ("set_pressure_thresholds", valid ? ESP_OK : ESP_ERR_INVALID_ARG,
              modesp_pool_manager_set_pressure_thresholds(pm, w, c, rel));
    if (valid) {
        M.warn = w;
        M.crit = c;
        M.rel = rel;
        reevaluate();
    }
}

static void op_callback(rd_t *r)
{
    const uint8_t k = u8(r);
    const modesp_pressure_cb_t cb = (k & 0x30u) == 0x30u ? NULL : CBS[(k >> 4) % 3u];
    void *ctx = (k & 3u) == 3u ? NULL : &g_ctx_obj[k & 3u];
    size_t found = CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS, empty = CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS;
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
        if (cb != NULL && M.cbs[i].cb == cb && M.cbs[i].ctx == ctx) {
            found = i;
        }
        if (M.cbs[i].cb == NULL && empty == CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS) {
            empty = i;
        }
    }
    esp_err_t want;
    if (k & 4u) {
        want = cb == NULL                                           ? ESP_ERR_INVALID_ARG
               : found < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS  ? MODESP_ERR_ALREADY_REGISTERED
               : empty == CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS ? MODESP_ERR_FULL
                                                                    : ESP_OK;
        EXPECT_EQ("register_pressure_callback", want, modesp_pool_manager_register_pressure_callback(pm, cb, ctx));
        if (want == ESP_OK) {
            M.cbs[empty] = (cbreg_t){cb, ctx};
        }
    } else {
        want = cb == NULL                                          ? ESP_ERR_INVALID_ARG
               : found < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS ? ESP_OK
                                                                   : ESP_ERR_NOT_FOUND;
        EXPECT_EQ("unregister_pressure_callback", want, modesp_pool_manager_unregister_pressure_callback(pm, cb, ctx));
        if (want == ESP_OK) {
            M.cbs[found] = (cbreg_t){NULL, NULL};
        }
    }
}

static void op_default_strategy(rd_t *r)
{
    const uint8_t k = u8(r);
    const modesp_alloc_strategy_t s = (modesp_alloc_strategy_t)(k % 6u);
    /* WAIT keeps timeout 0: this harness never blocks */
    const esp_err_t want = (unsigned)s > MODESP_ALLOC_WAIT                 ? ESP_ERR_INVALID_ARG
                           : (s == MODESP_ALLOC_HEAP_FALLBACK && !HEAP_ON) ? ESP_ERR_NOT_SUPPORTED
                                                                           : ESP_OK;
    EXPECT_EQ("set_default_strategy", want, modesp_pool_manager_set_default_strategy(pm, s, 0u));
    if (want == ESP_OK) {
        M.def_strategy = s;
    }
}

/* ----------------------------------------------------------- input frame */

static void start_input(void)
{
    memset(&M, 0, sizeof M);
    modesp_port_posix_set_isr_context(false);
    pm = modesp_get_pool_manager();
    total_bytes = 0;
    for (int c = 0; c < NCLS; c++) {
        total_bytes += cls_size[c] * cls_count[c];
    }
    EXPECT_EQ("reset_stats at start", ESP_OK, modesp_pool_manager_reset_stats(pm));
    EXPECT_EQ("user reset_stats at start", ESP_OK, modesp_pool_reset_stats(&user_pool));
    M.warn = CONFIG_MEMORY_POOL_WARNING_THRESHOLD;
    M.crit = CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD;
    M.rel = CONFIG_MEMORY_POOL_RELEASE_THRESHOLD;
    M.def_strategy = CFG_DEFAULT_STRATEGY;
    M.level = MODESP_PRESSURE_NORMAL;
    modesp_pool_manager_stats_t st;
    EXPECT_EQ("get_stats at start", ESP_OK, modesp_pool_manager_get_stats(pm, &st));
    g_changes_base = st.pressure_changes;
    g_dropped_base = st.pressure_events_dropped;
    g_ncalls = 0;
    check_all(); /* no integrity check here: the previous input's end_input ran it on this same state */
}

static void end_input(void)
{
    M.isr = false;
    modesp_port_posix_set_isr_context(false);
    /* Give everything back (the callbacks stay: the frees' changes are checked too). */
    while (M.nlive > 0u) {
        live_t *l = &M.live[M.nlive - 1u];
        uint8_t *p = l->ptr;
        esp_err_t want;
        esp_err_t err;
        if (l->kind == K_USER) {
            g_delivers = false;
            check_pattern(l);
            remove_live(M.nlive - 1u);
            want = ESP_OK;
            err = modesp_pool_deallocate(&user_pool, p);
        } else {
            want = model_mgr_free(p, false, 0u);
            err = modesp_pool_manager_free(pm, p);
        }
        EXPECT_EQ("final free", want, err);
        check_all();
    }
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
        if (M.cbs[i].cb != NULL) {
            EXPECT_EQ("final unregister", ESP_OK,
                      modesp_pool_manager_unregister_pressure_callback(pm, M.cbs[i].cb, M.cbs[i].ctx));
            M.cbs[i].cb = NULL;
        }
    }
    g_delivers = true; /* delivers what is still pending, to no callback */
    EXPECT_EQ("restore thresholds", ESP_OK,
              modesp_pool_manager_set_pressure_thresholds(pm, CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                                                          CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                                                          CONFIG_MEMORY_POOL_RELEASE_THRESHOLD));
    EXPECT_EQ("restore strategy", ESP_OK, modesp_pool_manager_set_default_strategy(pm, CFG_DEFAULT_STRATEGY, 0u));
    M.def_strategy = CFG_DEFAULT_STRATEGY;
    EXPECT_EQ("level after the final frees", MODESP_PRESSURE_NORMAL, modesp_pool_manager_get_pressure_level(pm));
    EXPECT_EQ("bytes after the final frees", 0, M.bytes);
    check_all();
    check_integrity();
}

static void print_ops(void) { fprintf(stderr, "fuzz_manager: %llu operations\n", g_total_ops); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(print_ops);
    g_trace = getenv("FUZZ_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = {data, size, 0};
    g_step = 0;
    start_input();
    while (r.i < r.n) {
        g_step++;
        g_total_ops++;
        g_delivers = false;
        const uint8_t op = u8(&r);
        if (g_trace) {
            fprintf(stderr, "step %lu: op 0x%02x (kind %u)%s, bytes %u, level %d, pending %zu\n", g_step, op, op % 16u,
                    M.isr ? " in ISR" : "", (unsigned)M.bytes, M.level, M.npending);
        }
        switch (op % 16u) {
        case 0:
        case 1:
        case 2:
        case 3:
            op_alloc_ex(&r);
            break;
        case 4:
            op_alloc_default(&r);
            break;
        case 5:
            op_alloc_critical(&r);
            break;
        case 6:
        case 7:
        case 8:
            op_mgr_free(&r, false);
            break;
        case 9:
        case 10:
            op_mgr_free(&r, true);
            break;
        case 11:
            if (op & 0x10u) {
                op_user_alloc(&r);
            } else {
                op_user_free(&r);
            }
            break;
        case 12:
            op_reset(&r);
            break;
        case 13:
            if (M.isr) {
                break; /* task context only */
            }
            if (op & 0x10u) {
                op_thresholds(&r);
            } else {
                op_default_strategy(&r);
            }
            break;
        case 14:
            if (!M.isr) { /* task context only */
                op_callback(&r);
            }
            break;
        default:
            if (op & 0x10u) { /* the following operations run as in an ISR, or again in a task */
                M.isr = !M.isr;
                modesp_port_posix_set_isr_context(M.isr);
            } else {
                check_integrity();
            }
            break;
        }
        check_all();
    }
    end_input();
    return 0;
}
