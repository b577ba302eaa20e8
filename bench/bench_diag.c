/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Workload A (an allocate + free pair of 48 bytes on the manager, STRICT)
 * under callgrind with the diagnostics layer in each of its states, for
 * `make bench-instr` (mk/bench_diag.mk). One program, linked three times
 * (bench/bench_diag.cmake): against the bench library (tracing off), one
 * with Kconfig MEMORY_POOL_ENABLE_TRACING, one with tracing and
 * MEMORY_DIAG_OWNER_QUOTAS. The row it measures is chosen on the command
 * line; every run also measures the empty driver loop ("null") so the
 * report subtracts the same driver from each row.
 *
 *   bench_diag ROW [N]   ROW: off | stats | points | tracing | quota-none | quota
 *
 *   off         tracing off, no diagnostics object (the library alone)
 *   stats       tracing off, a diagnostics object initialised (snapshots, health: nothing on the hot path)
 *   points      tracing compiled in, no diagnostics (hook points with no hook installed)
 *   tracing     tracing on, diagnostics initialised, an owner set: side tables, owner counters, histogram
 *   quota-none  tracing + quotas compiled in, no quota set (no admission hook installed)
 *   quota       the same with a quota on the owner (admission check on every request)
 *
 * Each dump is named "DIAG <row> <N>" for bench_diag_report.py. The bench's
 * other rows stay in bench.c (workloads A-E) and bench_bus.c (F).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/memory_pool.h"

#define PAIR_SIZE 48u /* the bench's fixed size (SMALL class) */

static modesp_memory_diagnostics_t s_diag;
static uint64_t s_failures;
static uint64_t s_bad_frees;

/* The measured pair, not inlined: the same call shape as bench.c's loop_a through its function table. */
__attribute__((noinline)) static void *pair_alloc(size_t size)
{
    return modesp_pool_manager_allocate(modesp_get_pool_manager(), size);
}

__attribute__((noinline)) static int pair_free(void *p)
{
    return modesp_pool_manager_free(modesp_get_pool_manager(), p) != ESP_OK;
}

static void *s_null_block;

__attribute__((noinline)) static void *null_alloc(size_t size)
{
    (void)size;
    return &s_null_block;
}

__attribute__((noinline)) static int null_free(void *p) { return p == NULL; }

typedef struct {
    void *(*alloc)(size_t);
    int (*release)(void *);
} pair_fns_t;

static void loop(const pair_fns_t *f, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        void *p = f->alloc(PAIR_SIZE);
        if (p == NULL) {
            s_failures++;
            continue;
        }
        s_bad_frees += (uint64_t)f->release(p);
    }
}

static void measure(const char *row, const pair_fns_t *f, uint64_t n)
{
    char name[64];
    loop(f, 1000u); /* warm-up: first-use setup is not a steady-state cost */
    CALLGRIND_TOGGLE_COLLECT;
    loop(f, n);
    CALLGRIND_TOGGLE_COLLECT;
    (void)snprintf(name, sizeof name, "DIAG %s %llu", row, (unsigned long long)n);
    CALLGRIND_DUMP_STATS_AT(name);
}

/* Puts the layer in the state of `row`; false when this build cannot (wrong library for the row). */
static bool set_up(const char *row)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const bool tracing_row = strcmp(row, "points") == 0 || strcmp(row, "tracing") == 0;
    const bool quota_row = strncmp(row, "quota", 5) == 0;
    if (strcmp(row, "off") == 0 || strcmp(row, "stats") == 0) {
        if (MODESP_TRACING) {
            return false;
        }
    } else if (tracing_row) {
        if (!MODESP_TRACING || MODESP_ADMISSION) {
            return false;
        }
    } else if (quota_row) {
        if (!MODESP_ADMISSION) {
            return false;
        }
    } else {
        return false;
    }
    if (strcmp(row, "off") == 0 || strcmp(row, "points") == 0) {
        return true; /* no diagnostics object: the core alone (with its hook points in `points`) */
    }
    if (modesp_memory_diagnostics_init(&s_diag, pm) != ESP_OK) {
        return false;
    }
    (void)modesp_memory_diagnostics_set_owner("bench");
    if (strcmp(row, "quota") == 0) {
        /* a cap the loop never reaches and a floor on another owner: both checks run on every request */
        if (modesp_memory_diagnostics_set_quota("bench", 0, 1000u) != ESP_OK ||
            modesp_memory_diagnostics_set_quota("critical", 4, MODESP_DIAG_NO_CAP) != ESP_OK) {
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: bench_diag off|stats|points|tracing|quota-none|quota [N]\n", stderr);
        return 2;
    }
    const char *row = argv[1];
    const uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000u;
    if (!set_up(row)) {
        fprintf(stderr, "bench_diag: row %s needs another build of the library (tracing %d, quotas %d)\n", row,
                MODESP_TRACING, MODESP_ADMISSION);
        return 2;
    }
    const pair_fns_t manager = {pair_alloc, pair_free};
    const pair_fns_t null_fns = {null_alloc, null_free};
    measure(row, &manager, n);
    measure("null", &null_fns, n);
    modesp_pool_integrity_t r;
    int bad_class = -1;
    const esp_err_t integrity = modesp_pool_manager_check_integrity(modesp_get_pool_manager(), &bad_class, &r);
    printf("bench_diag %s: %llu pairs, %s; alloc failures %llu, rejected frees %llu, integrity %s\n", row,
           (unsigned long long)n, RUNNING_ON_VALGRIND ? "counted under valgrind" : "NOT under valgrind",
           (unsigned long long)s_failures, (unsigned long long)s_bad_frees, modesp_err_to_name(integrity));
    return (s_failures != 0u || s_bad_frees != 0u || integrity != ESP_OK) ? 1 : 0;
}
