/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TRACK_MEMORY_USAGE: per-task counters the trace hooks keep (allocations,
 * frees, net block bytes and their high-water mark), read at the entry and
 * exit of a tracked scope. A scope saves the enclosing scope's peak and
 * restarts the peak from the current level, and gives it back at exit
 * (the higher of the two), so nested scopes each see their own peak.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

#if MODESP_TRACING && defined(CONFIG_MEMORY_DIAG_TRACK_USAGE)

static DIAG_TLS uint32_t t_allocs;
static DIAG_TLS uint32_t t_frees;
static DIAG_TLS int64_t t_bytes;
static DIAG_TLS int64_t t_peak;

MODESP_IRAM_ATTR void diag_track_on_alloc(uint32_t bytes)
{
    t_allocs++;
    t_bytes += bytes;
    if (t_bytes > t_peak) {
        t_peak = t_bytes;
    }
}

MODESP_IRAM_ATTR void diag_track_on_free(uint32_t bytes)
{
    t_frees++;
    t_bytes -= bytes;
}

void diag_track_reset(void)
{
    t_allocs = 0u;
    t_frees = 0u;
    t_bytes = 0;
    t_peak = 0;
}

void modesp_memory_diagnostics_track_begin(modesp_diag_track_t *t, const char *name)
{
    if (t == NULL) {
        return;
    }
    t->name = name != NULL ? name : "?";
    t->allocs = t_allocs;
    t->frees = t_frees;
    t->bytes = t_bytes;
    t->saved_peak = t_peak;
    t_peak = t_bytes;
    t->start_us = modesp_time_us();
}

esp_err_t modesp_memory_diagnostics_track_end(modesp_diag_track_t *t, modesp_diag_track_result_t *result, bool log)
{
    if (t == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const uint64_t now = modesp_time_us();
    modesp_diag_track_result_t r;
    r.elapsed_us = now > t->start_us ? now - t->start_us : 0u; /* clock went back: no time passed */
    r.allocs = t_allocs - t->allocs;
    r.frees = t_frees - t->frees;
    r.net_bytes = t_bytes - t->bytes;
    r.peak_bytes = t_peak - t->bytes;
    if (t->saved_peak > t_peak) {
        t_peak = t->saved_peak;
    }
    if (result != NULL) {
        *result = r;
    }
    if (log) {
        /* 64-bit figures as text: newlib-nano's printf has no %llu / %lld */
        char us[DIAG_U64_DIGITS];
        char net[DIAG_U64_DIGITS + 1u];
        char peak[DIAG_U64_DIGITS + 1u];
        modesp_port_log(MODESP_LOG_INFO, "mem_track", "%s: %s us, %u allocs, %u frees, net %s bytes, peak %s bytes",
                        t->name, diag_u64_text(r.elapsed_us, us), (unsigned)r.allocs, (unsigned)r.frees,
                        diag_i64_text((int64_t)r.net_bytes, net), diag_i64_text((int64_t)r.peak_bytes, peak));
    }
    return ESP_OK;
}

#else

MODESP_IRAM_ATTR void diag_track_on_alloc(uint32_t bytes) { (void)bytes; }

MODESP_IRAM_ATTR void diag_track_on_free(uint32_t bytes) { (void)bytes; }

void diag_track_reset(void) {}

void modesp_memory_diagnostics_track_begin(modesp_diag_track_t *t, const char *name)
{
    if (t != NULL) {
        memset(t, 0, sizeof *t);
        t->name = name;
    }
}

// cppcheck-suppress constParameter ; the tracing build writes through t (same prototype)
esp_err_t modesp_memory_diagnostics_track_end(modesp_diag_track_t *t, modesp_diag_track_result_t *result, bool log)
{
    (void)log;
    if (result != NULL) {
        memset(result, 0, sizeof *result);
    }
    return t == NULL ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

#endif

void modesp_memory_diagnostics_track_cleanup_(modesp_diag_track_t *t)
{
    (void)modesp_memory_diagnostics_track_end(t, NULL, true);
}

void modesp_memory_diagnostics_reset_tracing(void)
{
    diag_trace_reset();
    diag_owners_reset();
    diag_failures_reset();
    diag_track_reset();
    diag_advice_reset();
}
