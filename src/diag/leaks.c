/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect_potential_leaks: the live tracked blocks older than a threshold,
 * the oldest first, from the tracing side tables (trace_tables.c). The
 * caller's array keeps the `max` oldest (insertion into a sorted array:
 * O(tracked blocks x max), no heap); the count returned is all of them.
 */
#include <string.h>

#include "diag_internal.h"

typedef struct {
    uint32_t now_ms;
    uint32_t threshold_ms;
    modesp_diag_leak_t *out;
    size_t max;
    size_t filled;
    size_t total;
} leak_scan_t;

static void consider(const diag_record_t *rec, void *ctx)
{
    leak_scan_t *scan = ctx;
    const int32_t signed_age = (int32_t)(scan->now_ms - rec->time_ms);
    const uint32_t age = signed_age < 0 ? 0u : (uint32_t)signed_age; /* clock went back: no time passed */
    if (age < scan->threshold_ms) {
        return;
    }
    scan->total++;
    if (scan->out == NULL || scan->max == 0u) {
        return;
    }
    size_t pos = scan->filled;
    while (pos > 0u && scan->out[pos - 1u].age_ms < age) {
        pos--;
    }
    if (pos >= scan->max) {
        return; /* younger than every entry kept */
    }
    const size_t last = scan->filled < scan->max ? scan->filled : scan->max - 1u;
    for (size_t k = last; k > pos; k--) {
        scan->out[k] = scan->out[k - 1u];
    }
    modesp_diag_leak_t *l = &scan->out[pos];
    memset(l, 0, sizeof *l);
    l->pool = rec->pool;
    l->block = rec->pool->storage + (size_t)rec->index * rec->pool->stride;
    l->requested_size = rec->requested;
    l->block_size = (uint32_t)modesp_pool_block_size(rec->pool);
    l->age_ms = age;
    diag_owner_copy_name(rec->owner, l->owner);
    l->file = rec->file;
    l->line = rec->line;
    if (scan->filled < scan->max) {
        scan->filled++;
    }
}

size_t modesp_memory_diagnostics_detect_potential_leaks(const modesp_memory_diagnostics_t *diag, uint32_t threshold_ms,
                                                        modesp_diag_leak_t *out, size_t max)
{
    (void)diag; /* the side tables are the layer's: every diagnostics object sees the same blocks */
    leak_scan_t scan = {diag_now_ms(), threshold_ms, out, max, 0u, 0u};
    diag_trace_for_each_live(consider, &scan);
    return scan.total;
}
