/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Statistics snapshot: every pool the diagnostics cover, their allocation
 * and free rates over a sliding window, and the system-wide figures.
 *
 * Rates need no counter a caller must tick: each snapshot reads the core's
 * counters, turns their change since the last look into cumulative
 * allocations and frees (a counter reset, seen as total_allocs going down,
 * contributes the allocations made since the reset; frees follow from
 * allocations minus the change of in_use, which a reset keeps), and keeps a
 * sample at most every window / samples. The rate is the change between the
 * oldest sample inside the window (or, when none is older than now, the
 * newest before it) and now, over the time between them.
 */
#include <string.h>

#include "diag_internal.h"

#define WINDOW_US     ((uint64_t)CONFIG_MEMORY_DIAG_RATE_WINDOW_MS * 1000u)
#define SAMPLE_GAP_US (WINDOW_US / MODESP_DIAG_RATE_SAMPLES)

static void track_init(modesp_diag_pool_track_t *t, const modesp_pool_t *pool, uint64_t now)
{
    modesp_pool_stats_t st;
    memset(t, 0, sizeof *t);
    t->pool = pool;
    if (modesp_pool_get_stats(pool, &st) == ESP_OK) {
        t->last_total_allocs = st.total_allocs;
        t->last_resets = st.resets;
        t->health_resets = st.resets;
        t->last_in_use = st.in_use;
    }
    t->samples[0] = (modesp_diag_sample_t){now, 0u, 0u};
    t->sample_head = 1u;
    t->sample_count = 1u;
}

esp_err_t modesp_memory_diagnostics_init_pools(modesp_memory_diagnostics_t *diag, modesp_pool_manager_t *pm,
                                               const modesp_pool_t *const *pools, size_t count)
{
    if (diag == NULL || (pools == NULL && count > 0u)) {
        return ESP_ERR_INVALID_ARG;
    }
    if (count > MODESP_DIAG_MAX_POOLS) {
        return ESP_ERR_INVALID_SIZE;
    }
    for (size_t i = 0u; i < count; i++) {
        if (pools[i] == NULL) {
            return ESP_ERR_INVALID_ARG;
        }
    }
    memset(diag, 0, sizeof *diag);
    diag->pm = pm;
    diag->last_now_us = modesp_time_us();
    for (size_t i = 0u; i < count; i++) {
        track_init(&diag->pools[i], pools[i], diag->last_now_us);
    }
    diag->pool_count = (uint32_t)count;
    diag_health_init(diag, diag->last_now_us);
    diag_trace_attach(pools, count);
    diag->magic = DIAG_MAGIC;
    return ESP_OK;
}

/* Append `p` to list[] unless it is NULL or already there; count it as omitted when the list is full. */
static void add_pool(const modesp_pool_t **list, size_t *n, uint32_t *omitted, const modesp_pool_t *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0u; i < *n; i++) {
        if (list[i] == p) {
            return;
        }
    }
    if (*n < MODESP_DIAG_MAX_POOLS) {
        list[(*n)++] = p;
    } else {
        (*omitted)++;
    }
}

esp_err_t modesp_memory_diagnostics_init(modesp_memory_diagnostics_t *diag, modesp_pool_manager_t *pm)
{
    if (diag == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const modesp_pool_t *list[MODESP_DIAG_MAX_POOLS];
    size_t n = 0u;
    uint32_t omitted = 0u;
    for (const modesp_pool_t *p = modesp_pool_registry_next(NULL); p != NULL; p = modesp_pool_registry_next(p)) {
        add_pool(list, &n, &omitted, p);
    }
    /* The manager's pools even where nothing registered them (startup code that runs no constructors). */
    for (int c = 0; pm != NULL && c < MODESP_CLASS_COUNT; c++) {
        add_pool(list, &n, &omitted, modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c));
    }
    add_pool(list, &n, &omitted, pm != NULL ? modesp_pool_manager_get_reserve_pool(pm) : NULL);
    const esp_err_t err = modesp_memory_diagnostics_init_pools(diag, pm, list, n);
    diag->pools_omitted = omitted;
    return err;
}

/* Bring t's cumulative counts up to date from the core's counters. */
static void track_update(modesp_diag_pool_track_t *t, const modesp_pool_stats_t *st)
{
    /* The counters were reset since the last look (the core's reset count moved, or, for a count that
     * wrapped past a reset we missed, total_allocs went down): every allocation counted since is new. */
    const bool reset = st->resets != t->last_resets || st->total_allocs < t->last_total_allocs;
    const uint32_t new_allocs = reset ? st->total_allocs : st->total_allocs - t->last_total_allocs;
    const int64_t in_use_change = (int64_t)st->in_use - (int64_t)t->last_in_use;
    const int64_t new_frees = (int64_t)new_allocs - in_use_change;
    t->allocs += new_allocs;
    t->frees += new_frees > 0 ? (uint32_t)new_frees : 0u;
    t->last_total_allocs = st->total_allocs;
    t->last_resets = st->resets;
    t->last_in_use = st->in_use;
}

/* Rate per 1000 s of a cumulative count between sample `base` and now. */
static uint32_t rate_milli(uint32_t now_count, uint32_t base_count, uint64_t dt_us)
{
    if (dt_us == 0u) {
        return 0u;
    }
    const uint64_t r = (uint64_t)(now_count - base_count) * 1000000000u / dt_us;
    return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

static void track_rates(modesp_diag_pool_track_t *t, uint64_t now, modesp_diag_pool_stats_t *out)
{
    /* Samples oldest to newest: index (head - count + k) mod N. */
    const modesp_diag_sample_t *base = NULL;
    for (uint32_t k = 0u; k < t->sample_count; k++) {
        const uint32_t i = (t->sample_head + MODESP_DIAG_RATE_SAMPLES - t->sample_count + k) % MODESP_DIAG_RATE_SAMPLES;
        const modesp_diag_sample_t *s = &t->samples[i];
        if (s->t_us < now) {
            base = s; /* the newest before now so far */
            if (now - s->t_us <= WINDOW_US) {
                break; /* the oldest inside the window */
            }
        }
    }
    if (base != NULL) {
        out->alloc_rate_milli = rate_milli(t->allocs, base->allocs, now - base->t_us);
        out->free_rate_milli = rate_milli(t->frees, base->frees, now - base->t_us);
    }
    const uint32_t newest = (t->sample_head + MODESP_DIAG_RATE_SAMPLES - 1u) % MODESP_DIAG_RATE_SAMPLES;
    if (t->sample_count == 0u || now - t->samples[newest].t_us >= SAMPLE_GAP_US) {
        t->samples[t->sample_head] = (modesp_diag_sample_t){now, t->allocs, t->frees};
        t->sample_head = (uint8_t)((t->sample_head + 1u) % MODESP_DIAG_RATE_SAMPLES);
        if (t->sample_count < MODESP_DIAG_RATE_SAMPLES) {
            t->sample_count++;
        }
    }
}

static void manager_figures(modesp_pool_manager_t *pm, modesp_diag_snapshot_t *out)
{
    modesp_pool_manager_stats_t ms;
    if (pm == NULL || modesp_pool_manager_get_stats(pm, &ms) != ESP_OK) {
        return;
    }
    out->has_manager = true;
    out->pressure = ms.level;
    out->manager_utilization = ms.utilization;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        if (ms.classes[c].in_use < ms.classes[c].capacity && ms.classes[c].block_size > out->largest_allocatable) {
            out->largest_allocatable = ms.classes[c].block_size;
        }
    }
    out->heap_in_use = ms.heap_in_use;
    out->heap_allocs = ms.heap_allocs;
    out->heap_failures = ms.heap_failures;
    out->reserve_in_use = ms.reserve.in_use;
    out->reserve_capacity = ms.reserve.capacity;
    out->critical_allocs = ms.critical_allocs;
    out->critical_failures = ms.critical_failures;
}

esp_err_t modesp_memory_diagnostics_snapshot(modesp_memory_diagnostics_t *diag, modesp_diag_snapshot_t *out)
{
    if (diag == NULL || out == NULL || diag->magic != DIAG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    uint64_t now = modesp_time_us();
    if (now < diag->last_now_us) {
        now = diag->last_now_us; /* the clock went back: no time passed */
    }
    diag->last_now_us = now;

    for (uint32_t i = 0u; i < diag->pool_count; i++) {
        modesp_diag_pool_track_t *t = &diag->pools[i];
        modesp_diag_pool_stats_t *p = &out->pools[out->pool_count];
        modesp_pool_stats_t st;
        if (modesp_pool_get_stats(t->pool, &st) != ESP_OK) {
            continue;
        }
        track_update(t, &st);
        p->pool = t->pool;
        p->name = st.name != NULL ? st.name : "?";
        p->block_size = st.block_size;
        p->capacity = st.capacity;
        p->in_use = st.in_use;
        p->peak = st.peak > st.in_use ? st.peak : st.in_use;
        p->allocs = t->allocs;
        p->frees = t->frees;
        p->alloc_failures = st.alloc_failures;
        p->exhausted = st.exhausted;
        p->invalid_frees = st.invalid_frees;
        p->utilization = (uint8_t)(st.capacity != 0u ? (uint64_t)st.in_use * 100u / st.capacity : 0u);
        track_rates(t, now, p);
        uint32_t avg_ms = 0u;
        uint32_t max_ms = 0u;
        p->tracked = diag_trace_pool_hold(t->pool, &avg_ms, &max_ms);
        p->avg_hold_us = avg_ms > UINT32_MAX / 1000u ? UINT32_MAX : avg_ms * 1000u;
        p->max_hold_us = max_ms > UINT32_MAX / 1000u ? UINT32_MAX : max_ms * 1000u;

        out->capacity_bytes += (uint64_t)st.block_size * st.capacity;
        out->allocated_bytes += (uint64_t)st.block_size * st.in_use;
        out->peak_bytes += (uint64_t)st.block_size * p->peak;
        out->pool_count++;
    }
    out->pools_omitted = diag->pools_omitted;
    out->utilization = (uint8_t)(out->capacity_bytes != 0u ? out->allocated_bytes * 100u / out->capacity_bytes : 0u);
    manager_figures(diag->pm, out);
    diag_trace_live_bytes(&out->requested_bytes_live, &out->block_bytes_live);
    out->failures_recorded = diag_failures_recorded();
    (void)modesp_memory_diagnostics_quota_refusals(&out->quota_cap_refusals, &out->quota_floor_refusals);
    out->uptime_us = now;
    out->taken_at_us = now;
    return ESP_OK;
}
