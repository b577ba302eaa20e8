/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text report: one aligned row per pool, totals and the manager's
 * figures, then (tracing) hold times, heavy users and leaks, then the
 * failure ring. Lines go to a caller's sink one at a time from a buffer on
 * the stack; log_stats sends them to the port's log.
 */
#include <stdarg.h>
#include <string.h>

#include "diag_internal.h"
#include "port.h"

#if DIAG_HAVE_STDIO
#include <stdio.h>

#define LINE_MAX_   160
#define LEAK_ROWS   8u
#define OWNER_ROWS  8u
#define LOG_LEAK_MS 30000u

typedef struct {
    modesp_diag_line_fn sink;
    void *ctx;
} out_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
emit(const out_t *o, const char *fmt, ...)
{
    char line[LINE_MAX_];
    va_list ap;
    va_start(ap, fmt);
    /* va_start above initialises ap; clang-analyzer 14 misreads it (as in port_posix.c) */
    (void)vsnprintf(line, sizeof line, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    o->sink(line, o->ctx);
}

static const char *level_name(modesp_pressure_level_t l)
{
    return l == MODESP_PRESSURE_CRITICAL ? "CRITICAL" : l == MODESP_PRESSURE_WARNING ? "WARNING" : "NORMAL";
}

/* A caller's snapshot may carry a NULL name; printf's %s must not see it. */
static const char *name_or_unknown(const char *name) { return name != NULL ? name : "?"; }

static void pools_section(const out_t *o, const modesp_diag_snapshot_t *s)
{
    emit(o, "%-12s %6s %5s %5s %5s %4s %9s %9s %5s %5s %5s %8s %8s", "pool", "block", "cap", "used", "peak", "use%",
         "allocs", "frees", "fail", "exh", "bad", "alloc/s", "free/s");
    for (uint32_t i = 0u; i < s->pool_count; i++) {
        const modesp_diag_pool_stats_t *p = &s->pools[i];
        emit(o, "%-12.12s %6u %5u %5u %5u %3u%% %9u %9u %5u %5u %5u %4u.%03u %4u.%03u", name_or_unknown(p->name),
             (unsigned)p->block_size, (unsigned)p->capacity, (unsigned)p->in_use, (unsigned)p->peak,
             (unsigned)p->utilization, (unsigned)p->allocs, (unsigned)p->frees, (unsigned)p->alloc_failures,
             (unsigned)p->exhausted, (unsigned)p->invalid_frees, (unsigned)(p->alloc_rate_milli / 1000u),
             (unsigned)(p->alloc_rate_milli % 1000u), (unsigned)(p->free_rate_milli / 1000u),
             (unsigned)(p->free_rate_milli % 1000u));
    }
}

static void totals_section(const out_t *o, const modesp_diag_snapshot_t *s)
{
    /* 64-bit figures as text of their own: newlib-nano's printf has no %llu */
    char cap[DIAG_U64_DIGITS];
    char alloc[DIAG_U64_DIGITS];
    char peak[DIAG_U64_DIGITS];
    emit(o, "total: %u pools (%u omitted), %s B capacity, %s B allocated (%u%%), peak %s B", (unsigned)s->pool_count,
         (unsigned)s->pools_omitted, diag_u64_text(s->capacity_bytes, cap), diag_u64_text(s->allocated_bytes, alloc),
         (unsigned)s->utilization, diag_u64_text(s->peak_bytes, peak));
    if (!s->has_manager) {
        emit(o, "manager: none");
        return;
    }
    emit(o, "manager: pressure %s (%u%% of class bytes), largest allocatable %u B", level_name(s->pressure),
         (unsigned)s->manager_utilization, (unsigned)s->largest_allocatable);
    emit(o, "reserve: %u/%u blocks, %u allocs, %u failures; heap fallback: %u in use, %u allocs, %u failures",
         (unsigned)s->reserve_in_use, (unsigned)s->reserve_capacity, (unsigned)s->critical_allocs,
         (unsigned)s->critical_failures, (unsigned)s->heap_in_use, (unsigned)s->heap_allocs,
         (unsigned)s->heap_failures);
    if (s->block_bytes_live != 0u) {
        emit(o, "internal fragmentation: %s B requested in %s B of blocks (%u%% wasted)",
             diag_u64_text(s->requested_bytes_live, cap), diag_u64_text(s->block_bytes_live, alloc),
             (unsigned)((s->block_bytes_live - s->requested_bytes_live) * 100u / s->block_bytes_live));
    }
}

static void hold_section(const out_t *o, const modesp_diag_snapshot_t *s)
{
    emit(o, "%-12s %10s %10s", "hold", "avg_us", "max_us");
    for (uint32_t i = 0u; i < s->pool_count; i++) {
        const modesp_diag_pool_stats_t *p = &s->pools[i];
        if (p->tracked) {
            emit(o, "%-12.12s %10u %10u", name_or_unknown(p->name), (unsigned)p->avg_hold_us, (unsigned)p->max_hold_us);
        }
    }
}

/* Per-owner quotas: shown once one is set or a request was refused, so reports without quotas keep their shape. */
static void quotas_section(const out_t *o, const modesp_diag_snapshot_t *s, const modesp_diag_owner_stats_t *own,
                           size_t n)
{
    bool any = s->quota_cap_refusals != 0u || s->quota_floor_refusals != 0u;
    for (size_t i = 0u; i < n && !any; i++) {
        any = own[i].quota_floor != 0u || own[i].quota_cap != MODESP_DIAG_NO_CAP;
    }
    if (!any) {
        return;
    }
    emit(o, "quotas: %u refused at a cap, %u for another owner's floor", (unsigned)s->quota_cap_refusals,
         (unsigned)s->quota_floor_refusals);
    for (size_t i = 0u; i < n; i++) {
        if (own[i].quota_floor != 0u || own[i].quota_cap != MODESP_DIAG_NO_CAP || own[i].quota_refusals != 0u) {
            char cap[12];
            if (own[i].quota_cap == MODESP_DIAG_NO_CAP) {
                (void)snprintf(cap, sizeof cap, "none");
            } else {
                (void)snprintf(cap, sizeof cap, "%u", (unsigned)own[i].quota_cap);
            }
            emit(o, "  %-16s floor %u cap %s held %u refused %u", own[i].name, (unsigned)own[i].quota_floor, cap,
                 (unsigned)own[i].blocks_in_use, (unsigned)own[i].quota_refusals);
        }
    }
}

static void owners_section(const out_t *o, const modesp_diag_snapshot_t *s)
{
    modesp_diag_owner_stats_t own[OWNER_ROWS];
    const size_t n = modesp_memory_diagnostics_get_owners(own, OWNER_ROWS);
    emit(o, "%-16s %6s %8s %6s %8s %8s %6s", "owner", "blocks", "bytes", "peak", "peak_B", "allocs", "fail");
    for (size_t i = 0u; i < n && i < OWNER_ROWS; i++) {
        emit(o, "%-16s %6u %8u %6u %8u %8u %6u", own[i].name, (unsigned)own[i].blocks_in_use,
             (unsigned)own[i].bytes_in_use, (unsigned)own[i].peak_blocks, (unsigned)own[i].peak_bytes,
             (unsigned)own[i].allocs, (unsigned)own[i].failures);
    }
    quotas_section(o, s, own, n < OWNER_ROWS ? n : OWNER_ROWS);
}

static void leaks_section(const out_t *o, uint32_t threshold_ms)
{
    modesp_diag_leak_t leaks[LEAK_ROWS];
    const size_t n = modesp_memory_diagnostics_detect_potential_leaks(NULL, threshold_ms, leaks, LEAK_ROWS);
    emit(o, "leaks older than %u ms: %u", (unsigned)threshold_ms, (unsigned)n);
    for (size_t i = 0u; i < n && i < LEAK_ROWS; i++) {
        emit(o, "  %p %s %u/%u B age %u ms owner %s at %s:%d", leaks[i].block, modesp_pool_name(leaks[i].pool),
             (unsigned)leaks[i].requested_size, (unsigned)leaks[i].block_size, (unsigned)leaks[i].age_ms,
             leaks[i].owner, leaks[i].file != NULL ? leaks[i].file : "?", leaks[i].line);
    }
}

static void failures_section(const out_t *o)
{
    modesp_diag_failure_t f[MODESP_DIAG_FAILURE_SLOTS];
    uint32_t lost = 0u;
    const size_t n = modesp_memory_diagnostics_get_failures(f, MODESP_DIAG_FAILURE_SLOTS, &lost);
    emit(o, "recent failures: %u shown, %u overwritten", (unsigned)n, (unsigned)lost);
    for (size_t i = 0u; i < n; i++) {
        char at[DIAG_U64_DIGITS];
        emit(o, "  %s us %u B class %s pressure %s owner %s at %s:%d", diag_u64_text(f[i].time_us, at),
             (unsigned)f[i].size,
             f[i].size_class < 0 ? "-" : modesp_size_class_name((modesp_size_class_t)f[i].size_class),
             level_name(f[i].pressure), f[i].owner, f[i].file != NULL ? f[i].file : "?", f[i].line);
    }
}

esp_err_t modesp_memory_diagnostics_report(const modesp_diag_snapshot_t *snap, uint32_t sections,
                                           uint32_t leak_threshold_ms, modesp_diag_line_fn sink, void *ctx)
{
    /* a caller's snapshot is not trusted: pools[] has MODESP_DIAG_MAX_POOLS entries */
    if (snap == NULL || sink == NULL || snap->pool_count > MODESP_DIAG_MAX_POOLS) {
        return ESP_ERR_INVALID_ARG;
    }
    const out_t o = {sink, ctx};
    if ((sections & MODESP_DIAG_REPORT_POOLS) != 0u) {
        pools_section(&o, snap);
    }
    if ((sections & MODESP_DIAG_REPORT_TOTALS) != 0u) {
        totals_section(&o, snap);
    }
    if (MODESP_TRACING && (sections & MODESP_DIAG_REPORT_HOLD) != 0u) {
        hold_section(&o, snap);
    }
    if (MODESP_TRACING && (sections & MODESP_DIAG_REPORT_OWNERS) != 0u) {
        owners_section(&o, snap);
    }
    if (MODESP_TRACING && (sections & MODESP_DIAG_REPORT_LEAKS) != 0u) {
        leaks_section(&o, leak_threshold_ms);
    }
    if ((sections & MODESP_DIAG_REPORT_FAILURES) != 0u) {
        failures_section(&o);
    }
    return ESP_OK;
}

static void log_line(const char *line, void *ctx) { modesp_port_log(MODESP_LOG_INFO, (const char *)ctx, "%s", line); }

esp_err_t modesp_memory_diagnostics_log_stats(modesp_memory_diagnostics_t *diag, const char *tag)
{
    modesp_diag_snapshot_t snap;
    const esp_err_t err = modesp_memory_diagnostics_snapshot(diag, &snap);
    if (err != ESP_OK) {
        return err;
    }
    return modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_ALL, LOG_LEAK_MS, log_line,
                                            (void *)(tag != NULL ? tag : "mem_diag"));
}

#else /* no C library: no text */

esp_err_t modesp_memory_diagnostics_report(const modesp_diag_snapshot_t *snap, uint32_t sections,
                                           uint32_t leak_threshold_ms, modesp_diag_line_fn sink, void *ctx)
{
    (void)sections;
    (void)leak_threshold_ms;
    (void)ctx;
    return (snap == NULL || sink == NULL) ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

esp_err_t modesp_memory_diagnostics_log_stats(modesp_memory_diagnostics_t *diag, const char *tag)
{
    (void)tag;
    return (diag == NULL || diag->magic != DIAG_MAGIC) ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

#endif
