/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Soak (issue 18): 4 threads mix every manager and pool operation for
 * SOAK_SECONDS (argv[1], default 600). Every 200 ms the main thread stops
 * them at a barrier and checks, with nobody running: the ownership table
 * (each block claimed by exactly one thread, its pattern intact), every
 * counter against what the threads did, bytes in use against the blocks
 * held, the pressure level against the utilization and the hysteresis, the
 * callbacks against the level changes, and the integrity of every pool.
 * It prints operations per second; at the end every block is freed and
 * nothing may be in use, with zero integrity errors.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modesp/fixed_pool.h"
#include "modesp/mempool_err.h"
#include "modesp/pool_manager.h"

#define NTHREADS 4
#define NCLS     MODESP_CLASS_COUNT
#define NPOOLS   (NCLS + 2) /* classes, reserve, user pool */
#define RES      NCLS
#define USR      (NCLS + 1)
#define MAX_HELD 80
#define MAX_BLK  65536

MODESP_POOL_DEFINE_STATIC(soak_pool, 40, 32);

static modesp_pool_manager_t *pm;
static const modesp_pool_t *g_pools[NPOOLS];
static _Atomic uint8_t g_owner[NPOOLS][MAX_BLK]; /* 0 free, else thread id + 1 */
static atomic_bool g_pause, g_stop;
static pthread_barrier_t g_b1, g_b2;
static atomic_ulong g_callbacks;
static unsigned long g_checkpoints, g_errors;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "soak: FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond);                                    \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

typedef struct {
    uint8_t *p;
    size_t size;
    int pool; /* NPOOLS index, -1 heap */
    uint32_t idx;
    uint8_t fill;
} held_t;

typedef struct {
    int id;
    uint64_t rng;
    held_t held[MAX_HELD];
    size_t nheld;
    unsigned long ops;
    /* what this thread did, since the last reset */
    unsigned long allocs[NPOOLS], req_fail[NPOOLS], null_frees, foreign_frees, mismatch, misaligned[NPOOLS];
    unsigned long wrong_api[NPOOLS], spills, critical_allocs, critical_failures, zero, oversize;
} worker_t;

static worker_t g_w[NTHREADS];

static uint64_t rnd(worker_t *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

static void on_pressure(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    (void)ctx;
    CHECK(o != n && u <= 100u, "callback %d -> %d at %u", (int)o, (int)n, (unsigned)u);
    atomic_fetch_add(&g_callbacks, 1u);
}

static int pool_index_of(const void *p, uint32_t *idx)
{
    for (int i = 0; i < NPOOLS; i++) {
        if (g_pools[i] != NULL && modesp_pool_block_index(g_pools[i], p, idx) == ESP_OK) {
            return i;
        }
    }
    return -1;
}

static void take(worker_t *w, void *p, size_t size)
{
    held_t h = {p, size, -1, 0, (uint8_t)rnd(w)};
    h.pool = pool_index_of(p, &h.idx);
    if (h.pool >= 0) {
        uint8_t expect = 0;
        CHECK(atomic_compare_exchange_strong(&g_owner[h.pool][h.idx], &expect, (uint8_t)(w->id + 1)),
              "block %u of pool %d handed to thread %d while owned by %d", (unsigned)h.idx, h.pool, w->id,
              (int)expect - 1);
        w->allocs[h.pool]++;
    }
    memset(p, h.fill, size);
    w->held[w->nheld++] = h;
}

static void check_fill(const held_t *h)
{
    for (size_t i = 0; i < h->size; i++) {
        CHECK(h->p[i] == h->fill, "block %p byte %zu overwritten", (void *)h->p, i);
    }
}

static void give(worker_t *w, size_t i)
{
    held_t h = w->held[i];
    check_fill(&h);
    if (h.pool >= 0) {
        CHECK(atomic_load(&g_owner[h.pool][h.idx]) == w->id + 1, "freeing a block it does not own");
        atomic_store(&g_owner[h.pool][h.idx], 0);
    }
    esp_err_t err;
    if (h.pool == USR) {
        err = modesp_pool_deallocate(&soak_pool, h.p);
    } else if (rnd(w) & 1u) {
        err = modesp_pool_manager_free(pm, h.p);
    } else {
        err = modesp_pool_manager_deallocate(pm, h.p, h.size);
    }
    CHECK(err == ESP_OK, "free: %s", modesp_err_to_name(err));
    w->held[i] = w->held[--w->nheld];
}

static size_t class_size(int c) { return modesp_pool_block_size(g_pools[c]); }

static void one_op(worker_t *w)
{
    const uint64_t r = rnd(w);
    w->ops++;
    if (w->nheld == MAX_HELD || (w->nheld > 0u && r % 8u < 3u)) {
        give(w, (size_t)((r >> 8) % w->nheld));
        return;
    }
    const int cls = (int)((r >> 8) % NCLS);
    const size_t lo = cls == 0 ? 1u : class_size(cls - 1) + 1u;
    const size_t size = lo + (size_t)((r >> 16) % (class_size(cls) - lo + 1u));
    void *p = NULL;
    esp_err_t err;
    switch ((r >> 32) % 12u) {
    case 0:
    case 1:
        err = modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0, &p);
        break;
    case 2:
    case 3: {
        err = modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_SPILL, 0, &p);
        uint32_t idx;
        if (err == ESP_OK && pool_index_of(p, &idx) != cls) {
            w->spills++;
        }
        break;
    }
    case 4:
        err = modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_WAIT, 1 + (uint32_t)(r % 2u), &p);
        break;
    case 5: {
        p = modesp_pool_manager_allocate_critical(pm, size);
        uint32_t idx;
        if (p != NULL && pool_index_of(p, &idx) == RES) {
            w->critical_allocs++;
        } else if (p == NULL) {
            w->critical_failures++;
        }
        err = p != NULL ? ESP_OK : ESP_ERR_NO_MEM;
        break;
    }
    case 6:
        p = modesp_pool_allocate(&soak_pool);
        if (p == NULL) {
            w->req_fail[USR]++;
            return;
        }
        take(w, p, 40);
        return;
    case 7: /* invalid frees that are safe while others run */
        switch ((r >> 40) % 5u) {
        case 0:
            CHECK(modesp_pool_manager_free(pm, NULL) == ESP_ERR_INVALID_ARG, "null free");
            w->null_frees++;
            break;
        case 1:
            CHECK(modesp_pool_manager_free(pm, &w->rng) == MODESP_ERR_FOREIGN_PTR, "foreign free");
            w->foreign_frees++;
            break;
        case 2:
            if (w->nheld > 0u && w->held[0].pool >= 0 && w->held[0].pool < USR) {
                CHECK(modesp_pool_manager_free(pm, w->held[0].p + 1) == MODESP_ERR_MISALIGNED_PTR, "misaligned");
                w->misaligned[w->held[0].pool]++;
            }
            break;
        case 3:
            if (w->nheld > 0u && w->held[0].pool >= 0 && w->held[0].pool < USR) {
                const int held_cls = modesp_pool_manager_class_for_size(w->held[0].size);
                const size_t wrong = held_cls == 0 ? class_size(NCLS - 1) : 1u;
                CHECK(modesp_pool_manager_deallocate(pm, w->held[0].p, wrong) == MODESP_ERR_SIZE_MISMATCH,
                      "sized free with a wrong size");
                w->mismatch++;
            }
            break;
        default:
            CHECK(modesp_pool_allocate((modesp_pool_t *)(uintptr_t)g_pools[cls]) == NULL, "pool API on a class");
            w->wrong_api[cls]++;
            break;
        }
        return;
    case 8:
        CHECK(modesp_pool_manager_allocate_ex(pm, 0, MODESP_ALLOC_STRICT, 0, &p) == MODESP_ERR_ZERO_SIZE, "size 0");
        w->zero++;
        return;
    case 9:
        CHECK(modesp_pool_manager_allocate_ex(pm, class_size(NCLS - 1) + 1u, MODESP_ALLOC_SPILL, 0, &p) ==
                  ESP_ERR_INVALID_SIZE,
              "too large");
        w->oversize++;
        return;
    default:
        p = modesp_pool_manager_allocate(pm, size);
        err = p != NULL ? ESP_OK : ESP_ERR_NO_MEM;
        break;
    }
    if (err != ESP_OK) {
        CHECK(p == NULL && (err == ESP_ERR_NO_MEM || err == ESP_ERR_TIMEOUT), "allocation: %s",
              modesp_err_to_name(err));
        w->req_fail[cls]++;
        return;
    }
    take(w, p, size);
}

static void *worker(void *arg)
{
    worker_t *w = arg;
    while (!atomic_load(&g_stop)) {
        if (atomic_load(&g_pause)) {
            pthread_barrier_wait(&g_b1);
            pthread_barrier_wait(&g_b2);
            continue;
        }
        one_op(w);
    }
    while (w->nheld > 0u) {
        give(w, w->nheld - 1u);
    }
    return NULL;
}

static uint32_t g_changes_base, g_dropped_base;

static void checkpoint(void)
{
    modesp_pool_manager_stats_t st;
    CHECK(modesp_pool_manager_get_stats(pm, &st) == ESP_OK, "stats");
    modesp_pool_stats_t us;
    CHECK(modesp_pool_get_stats(&soak_pool, &us) == ESP_OK, "user stats");
    unsigned long held[NPOOLS] = {0}, allocs[NPOOLS] = {0}, fails[NPOOLS] = {0}, misaligned[NPOOLS] = {0};
    unsigned long wrong_api[NPOOLS] = {0};
    unsigned long nulls = 0, foreign = 0, mismatch = 0, spills = 0, crit_a = 0, crit_f = 0, zero = 0, over = 0;
    uint32_t bytes = 0;
    for (int t = 0; t < NTHREADS; t++) {
        const worker_t *w = &g_w[t];
        for (size_t i = 0; i < w->nheld; i++) {
            const held_t *h = &w->held[i];
            check_fill(h);
            if (h->pool >= 0) {
                CHECK(atomic_load(&g_owner[h->pool][h->idx]) == t + 1, "ownership table");
                held[h->pool]++;
                if (h->pool < NCLS) {
                    bytes += (uint32_t)class_size(h->pool);
                }
            }
        }
        for (int p = 0; p < NPOOLS; p++) {
            allocs[p] += w->allocs[p];
            fails[p] += w->req_fail[p];
            misaligned[p] += w->misaligned[p];
            wrong_api[p] += w->wrong_api[p];
        }
        nulls += w->null_frees;
        foreign += w->foreign_frees;
        mismatch += w->mismatch;
        spills += w->spills;
        crit_a += w->critical_allocs;
        crit_f += w->critical_failures;
        zero += w->zero;
        over += w->oversize;
    }
    for (int c = 0; c < NCLS; c++) {
        const modesp_pool_stats_t *s = &st.classes[c];
        CHECK(s->in_use == held[c], "class %d in_use %u, held %lu", c, (unsigned)s->in_use, held[c]);
        CHECK(s->total_allocs == (uint32_t)allocs[c], "class %d total_allocs", c);
        CHECK(s->alloc_failures == (uint32_t)(fails[c] + 0u), "class %d alloc_failures %u, counted %lu", c,
              (unsigned)s->alloc_failures, fails[c]);
        CHECK(s->misaligned_frees == (uint32_t)misaligned[c], "class %d misaligned_frees", c);
        CHECK(s->wrong_api == (uint32_t)wrong_api[c], "class %d wrong_api", c);
        CHECK(s->double_frees == 0u && s->corruptions == 0u && s->poison_violations == 0u, "class %d errors", c);
    }
    CHECK(st.reserve.in_use == held[RES] && st.reserve.total_allocs == (uint32_t)allocs[RES], "reserve");
    CHECK(us.in_use == held[USR] && us.total_allocs == (uint32_t)allocs[USR] && us.alloc_failures == fails[USR],
          "user pool");
    CHECK(st.bytes_in_use == bytes, "bytes_in_use %u, held %u", (unsigned)st.bytes_in_use, (unsigned)bytes);
    CHECK(st.null_frees == nulls && st.foreign_frees == foreign && st.size_mismatch_frees == mismatch, "free errors");
    CHECK(st.spills == spills && st.critical_allocs == crit_a && st.critical_failures == crit_f, "strategies");
    CHECK(st.zero_size_requests == zero && st.oversize_requests == over, "size errors");
    /* the level a quiescent manager may be at for this utilization (thresholds 80/95/60) */
    const unsigned u = st.utilization;
    const int lv = (int)st.level;
    const bool ok = u >= CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD  ? lv == MODESP_PRESSURE_CRITICAL
                    : u < CONFIG_MEMORY_POOL_RELEASE_THRESHOLD  ? lv == MODESP_PRESSURE_NORMAL
                    : u >= CONFIG_MEMORY_POOL_WARNING_THRESHOLD ? lv != MODESP_PRESSURE_NORMAL
                                                                : lv != MODESP_PRESSURE_CRITICAL;
    CHECK(ok, "level %d at utilization %u%%", lv, u);
    CHECK(atomic_load(&g_callbacks) + (st.pressure_events_dropped - g_dropped_base) ==
              st.pressure_changes - g_changes_base,
          "callbacks %lu, changes %u", atomic_load(&g_callbacks), (unsigned)(st.pressure_changes - g_changes_base));
    int bad = -2;
    modesp_pool_integrity_t rep;
    if (modesp_pool_manager_check_integrity(pm, &bad, &rep) != ESP_OK ||
        modesp_pool_check_integrity(&soak_pool, &rep) != ESP_OK) {
        g_errors++;
        CHECK(0, "integrity: class %d %s", bad, modesp_pool_fault_name(rep.fault));
    }
    g_checkpoints++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 600.0;
    pm = modesp_get_pool_manager();
    for (int c = 0; c < NCLS; c++) {
        g_pools[c] = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
    }
    g_pools[RES] = modesp_pool_manager_get_reserve_pool(pm);
    g_pools[USR] = &soak_pool;
    CHECK(modesp_pool_manager_register_pressure_callback(pm, on_pressure, NULL) == ESP_OK, "register");
    CHECK(modesp_pool_manager_reset_stats(pm) == ESP_OK && modesp_pool_reset_stats(&soak_pool) == ESP_OK, "reset");
    modesp_pool_manager_stats_t st;
    CHECK(modesp_pool_manager_get_stats(pm, &st) == ESP_OK, "stats");
    g_changes_base = st.pressure_changes;
    g_dropped_base = st.pressure_events_dropped;
    pthread_barrier_init(&g_b1, NULL, NTHREADS + 1);
    pthread_barrier_init(&g_b2, NULL, NTHREADS + 1);
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        g_w[t].id = t;
        g_w[t].rng = 0x9E3779B97F4A7C15u * (uint64_t)(t + 1);
        pthread_create(&th[t], NULL, worker, &g_w[t]);
    }
    const double t0 = now_s();
    double next_report = t0 + 10.0;
    while (now_s() - t0 < seconds) {
        const struct timespec nap = {0, 200 * 1000 * 1000};
        nanosleep(&nap, NULL);
        atomic_store(&g_pause, true);
        pthread_barrier_wait(&g_b1);
        checkpoint();
        atomic_store(&g_pause, false);
        pthread_barrier_wait(&g_b2);
        if (now_s() >= next_report) {
            unsigned long ops = 0;
            for (int t = 0; t < NTHREADS; t++) {
                ops += g_w[t].ops; /* read after the barrier: exact */
            }
            printf("soak: %.0f s, %lu operations, %.0f ops/s, %lu checkpoints\n", now_s() - t0, ops,
                   (double)ops / (now_s() - t0), g_checkpoints);
            fflush(stdout);
            next_report += 10.0;
        }
    }
    atomic_store(&g_stop, true);
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
    }
    const double elapsed = now_s() - t0;
    unsigned long ops = 0;
    for (int t = 0; t < NTHREADS; t++) {
        ops += g_w[t].ops;
    }
    CHECK(modesp_pool_manager_get_stats(pm, &st) == ESP_OK, "stats");
    int bad = -2;
    modesp_pool_integrity_t rep;
    const bool intact = modesp_pool_manager_check_integrity(pm, &bad, &rep) == ESP_OK &&
                        modesp_pool_check_integrity(&soak_pool, &rep) == ESP_OK;
    unsigned long in_use = st.reserve.in_use + st.heap_in_use + modesp_pool_in_use(&soak_pool);
    for (int c = 0; c < NCLS; c++) {
        in_use += st.classes[c].in_use;
    }
    printf("soak: %.1f s, 4 threads, %lu operations (%.0f ops/s), %lu quiescent checkpoints, %u pressure changes, "
           "blocks in use at the end %lu, bytes %u, integrity errors %lu\n",
           elapsed, ops, (double)ops / elapsed, g_checkpoints, (unsigned)(st.pressure_changes - g_changes_base), in_use,
           (unsigned)st.bytes_in_use, g_errors + !intact);
    return (in_use == 0u && st.bytes_in_use == 0u && intact && g_errors == 0u) ? 0 : 1;
}
