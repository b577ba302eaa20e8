/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot as JSON ("schema": 1, documented in the README) rendered into
 * a caller's buffer: no heap, no tree. The text is written straight into the
 * buffer with bounded writes; when it does not fit, writing goes on counting
 * so the caller learns the size it needs. Any JSON parser (cJSON on ESP-IDF
 * and on the host: the tests parse it back with cJSON) reads it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag_internal.h"

#define JSON_SCHEMA 1

typedef struct {
    char *buf;
    size_t size;
    size_t len; /* bytes the full text needs so far (without the NUL) */
} jw_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
jw(jw_t *w, const char *fmt, ...)
{
    char tmp[96];
    va_list ap;
    va_start(ap, fmt);
    /* va_start above initialises ap; clang-analyzer 14 misreads it (as in port_posix.c) */
    const int n = vsnprintf(tmp, sizeof tmp, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    if (n <= 0) {
        return;
    }
    const size_t add = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1u; /* callers write short pieces */
    if (w->len + add < w->size) {
        memcpy(w->buf + w->len, tmp, add);
    }
    w->len += add;
}

static void jw_char(jw_t *w, char c)
{
    if (w->len + 1u < w->size) {
        w->buf[w->len] = c;
    }
    w->len++;
}

/* A JSON string, escaped; NULL is written as null. */
static void jw_str(jw_t *w, const char *s)
{
    if (s == NULL) {
        jw(w, "null");
        return;
    }
    jw_char(w, '"');
    for (; *s != '\0'; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            jw_char(w, '\\');
            jw_char(w, (char)c);
        } else if (c < 0x20u) {
            jw(w, "\\u%04x", (unsigned)c);
        } else {
            jw_char(w, (char)c);
        }
    }
    jw_char(w, '"');
}

static void jw_key(jw_t *w, const char *key) { jw(w, "\"%s\":", key); }

static void jw_u(jw_t *w, const char *key, uint64_t v, bool comma)
{
    char digits[DIAG_U64_DIGITS]; /* not %llu: newlib-nano's printf lacks it */
    jw(w, "\"%s\":%s%s", key, diag_u64_text(v, digits), comma ? "," : "");
}

static const char *level_name(modesp_pressure_level_t l)
{
    return l == MODESP_PRESSURE_CRITICAL ? "CRITICAL" : l == MODESP_PRESSURE_WARNING ? "WARNING" : "NORMAL";
}

static void pools_json(jw_t *w, const modesp_diag_snapshot_t *s)
{
    jw(w, "\"pools\":[");
    for (uint32_t i = 0u; i < s->pool_count; i++) {
        const modesp_diag_pool_stats_t *p = &s->pools[i];
        jw(w, "%s{\"name\":", i == 0u ? "" : ",");
        jw_str(w, p->name);
        jw(w, ",");
        jw_u(w, "block_size", p->block_size, true);
        jw_u(w, "capacity", p->capacity, true);
        jw_u(w, "in_use", p->in_use, true);
        jw_u(w, "peak", p->peak, true);
        jw_u(w, "allocs", p->allocs, true);
        jw_u(w, "frees", p->frees, true);
        jw_u(w, "alloc_failures", p->alloc_failures, true);
        jw_u(w, "exhausted", p->exhausted, true);
        jw_u(w, "invalid_frees", p->invalid_frees, true);
        jw_u(w, "utilization", p->utilization, true);
        jw_u(w, "alloc_rate_milli", p->alloc_rate_milli, true);
        jw_u(w, "free_rate_milli", p->free_rate_milli, true);
        jw_u(w, "avg_hold_us", p->avg_hold_us, true);
        jw_u(w, "max_hold_us", p->max_hold_us, true);
        jw(w, "\"tracked\":%s}", p->tracked ? "true" : "false");
    }
    jw(w, "],");
}

static void manager_json(jw_t *w, const modesp_diag_snapshot_t *s)
{
    jw_key(w, "manager");
    if (!s->has_manager) {
        jw(w, "null,");
        return;
    }
    jw(w, "{\"pressure\":\"%s\",", level_name(s->pressure));
    jw_u(w, "utilization", s->manager_utilization, true);
    jw_u(w, "largest_allocatable", s->largest_allocatable, true);
    jw_u(w, "reserve_in_use", s->reserve_in_use, true);
    jw_u(w, "reserve_capacity", s->reserve_capacity, true);
    jw_u(w, "critical_allocs", s->critical_allocs, true);
    jw_u(w, "critical_failures", s->critical_failures, true);
    jw_u(w, "heap_in_use", s->heap_in_use, true);
    jw_u(w, "heap_allocs", s->heap_allocs, true);
    jw_u(w, "heap_failures", s->heap_failures, false);
    jw(w, "},");
}

static void owners_json(jw_t *w)
{
    modesp_diag_owner_stats_t own[MODESP_DIAG_MAX_OWNERS];
    const size_t n = modesp_memory_diagnostics_get_owners(own, MODESP_DIAG_MAX_OWNERS);
    jw(w, "\"owners\":[");
    for (size_t i = 0u; i < n && i < MODESP_DIAG_MAX_OWNERS; i++) {
        jw(w, "%s{\"name\":", i == 0u ? "" : ",");
        jw_str(w, own[i].name);
        jw(w, ",");
        jw_u(w, "blocks_in_use", own[i].blocks_in_use, true);
        jw_u(w, "bytes_in_use", own[i].bytes_in_use, true);
        jw_u(w, "peak_blocks", own[i].peak_blocks, true);
        jw_u(w, "peak_bytes", own[i].peak_bytes, true);
        jw_u(w, "allocs", own[i].allocs, true);
        jw_u(w, "failures", own[i].failures, true);
        jw_u(w, "quota_floor", own[i].quota_floor, true);
        jw_key(w, "quota_cap");
        if (own[i].quota_cap == MODESP_DIAG_NO_CAP) {
            jw(w, "null,");
        } else {
            jw(w, "%u,", (unsigned)own[i].quota_cap);
        }
        jw_u(w, "quota_refusals", own[i].quota_refusals, false);
        jw(w, "}");
    }
    jw(w, "],");
}

static void failures_json(jw_t *w)
{
    modesp_diag_failure_t f[MODESP_DIAG_FAILURE_SLOTS];
    uint32_t lost = 0u;
    const size_t n = modesp_memory_diagnostics_get_failures(f, MODESP_DIAG_FAILURE_SLOTS, &lost);
    jw(w, "\"failures\":{");
    jw_u(w, "recorded", diag_failures_recorded(), true);
    jw_u(w, "overwritten", lost, true);
    jw(w, "\"recent\":[");
    for (size_t i = 0u; i < n; i++) {
        jw(w, "%s{", i == 0u ? "" : ",");
        jw_u(w, "time_us", f[i].time_us, true);
        jw_u(w, "size", f[i].size, true);
        jw_key(w, "class");
        jw_str(w, f[i].size_class < 0 ? NULL : modesp_size_class_name((modesp_size_class_t)f[i].size_class));
        jw(w, ",\"pressure\":\"%s\",\"owner\":", level_name(f[i].pressure));
        jw_str(w, f[i].owner);
        jw(w, ",\"file\":");
        jw_str(w, f[i].file);
        jw(w, ",\"line\":%d}", f[i].line);
    }
    jw(w, "]}");
}

esp_err_t modesp_memory_diagnostics_to_json(const modesp_diag_snapshot_t *snap, char *buf, size_t size, size_t *needed)
{
    /* a caller's snapshot is not trusted: pools[] has MODESP_DIAG_MAX_POOLS entries */
    if (snap == NULL || (buf == NULL && size > 0u) || snap->pool_count > MODESP_DIAG_MAX_POOLS) {
        return ESP_ERR_INVALID_ARG;
    }
    jw_t w = {buf, size, 0u};
    jw(&w, "{\"schema\":%d,", JSON_SCHEMA);
    jw_u(&w, "taken_at_us", snap->taken_at_us, true);
    jw_u(&w, "uptime_us", snap->uptime_us, true);
    jw(&w, "\"tracing\":%s,", MODESP_TRACING ? "true" : "false");
    pools_json(&w, snap);
    jw_u(&w, "pools_omitted", snap->pools_omitted, true);
    jw(&w, "\"totals\":{");
    jw_u(&w, "capacity_bytes", snap->capacity_bytes, true);
    jw_u(&w, "allocated_bytes", snap->allocated_bytes, true);
    jw_u(&w, "peak_bytes", snap->peak_bytes, true);
    jw_u(&w, "utilization", snap->utilization, true);
    jw_u(&w, "requested_bytes_live", snap->requested_bytes_live, true);
    jw_u(&w, "block_bytes_live", snap->block_bytes_live, false);
    jw(&w, "},");
    manager_json(&w, snap);
    owners_json(&w);
    failures_json(&w);
    jw(&w, ",\"quotas\":{");
    jw_u(&w, "cap_refusals", snap->quota_cap_refusals, true);
    jw_u(&w, "floor_refusals", snap->quota_floor_refusals, false);
    jw(&w, "}}");
    if (needed != NULL) {
        *needed = w.len;
    }
    if (w.len >= size) {
        if (size > 0u) {
            buf[0] = '\0'; /* never half a document */
        }
        return ESP_ERR_INVALID_SIZE;
    }
    buf[w.len] = '\0';
    return ESP_OK;
}
