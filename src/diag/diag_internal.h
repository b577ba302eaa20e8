/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics layer internals shared by the src/diag sources (private).
 *
 * Global state of the layer: the owner table (owners.c), the per-block
 * tracing side tables and per-pool hold times (trace_tables.c), the failure
 * ring (failures.c) and the per-task scope counters (track.c). Everything is
 * static storage sized from Kconfig.
 */
#ifndef MODESP_DIAG_INTERNAL_H
#define MODESP_DIAG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"

#define DIAG_MAGIC 0x44494147u /* "DIAG" */

/* The text reports need the C library's snprintf; a freestanding build without one (the LX106 toolchain
 * of `make targets`) compiles them as stubs returning ESP_ERR_NOT_SUPPORTED. */
#if defined(__has_include)
#if __has_include(<stdio.h>)
#define DIAG_HAVE_STDIO 1
#endif
#endif
#ifndef DIAG_HAVE_STDIO
#define DIAG_HAVE_STDIO 0
#endif

/* size_t to uint32_t, saturating (no always-false comparison on 32-bit targets). */
static inline uint32_t diag_u32(size_t v)
{
#if SIZE_MAX > UINT32_MAX
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
#else
    return (uint32_t)v;
#endif
}

/* Per-task storage: thread-local where the platform has it (host, ESP-IDF);
 * elsewhere (bare metal, a FreeRTOS without TLS) one value for the program. */
#if defined(MODESP_PORT_ESP_IDF) || defined(__linux__) || defined(__APPLE__)
#define DIAG_TLS _Thread_local
#else
#define DIAG_TLS
#endif

/* owners.c */
uint8_t diag_owner_current(void);           /* the calling task's owner index (0: "-") */
const char *diag_owner_name(uint8_t owner); /* "-" for 0 or an unknown index */
void diag_owner_copy_name(uint8_t owner, char out[MODESP_DIAG_OWNER_LEN]);
void diag_owner_on_alloc(uint8_t owner, uint32_t bytes);
void diag_owner_on_free(uint8_t owner, uint32_t bytes);
void diag_owner_on_failure(uint8_t owner);
void diag_owners_reset(void);

/* trace_tables.c (tracing builds; stubs otherwise) */
void diag_trace_attach(const modesp_pool_t *const *pools, size_t count); /* give pools their slices, install hooks */
bool diag_trace_pool_hold(const modesp_pool_t *pool, uint32_t *avg_us, uint32_t *max_us);
bool diag_trace_pool_hold_sum(const modesp_pool_t *pool, uint64_t *sum_ms, uint32_t *count); /* since reset */
void diag_trace_live_bytes(uint64_t *requested, uint64_t *blocks);
void diag_trace_reset(void);

/* One live record, for leaks.c. */
typedef struct {
    const modesp_pool_t *pool;
    uint32_t index;
    uint32_t time_ms; /* allocation time, ms of the library clock (wraps after 49 days) */
    uint32_t requested;
    uint8_t owner;
    const char *file;
    int line;
} diag_record_t;

/* Calls fn for every live tracked block. */
void diag_trace_for_each_live(void (*fn)(const diag_record_t *rec, void *ctx), void *ctx);

/* The library clock in ms, truncated to 32 bits. */
uint32_t diag_now_ms(void);

/* health.c: the health state of a diagnostics object being initialised (pools and pm already set) */
void diag_health_init(modesp_memory_diagnostics_t *diag, uint64_t now);

/* user_hooks.c (tracing builds): the registered run-time hooks, from the trace hooks */
void diag_user_on_alloc(const modesp_pool_t *pool, const void *block, uint32_t size, const char *file, int line);
void diag_user_on_free(const modesp_pool_t *pool, const void *block);
void diag_user_on_fail(const modesp_pool_t *pool, uint32_t size, const char *file, int line);

/* failures.c */
void diag_failure_record(const modesp_pool_t *pool, uint32_t size, const char *file, int line); /* any context */
uint32_t diag_failures_recorded(void);
void diag_failures_reset(void);

/* advice.c */
void diag_advice_note_request(size_t size, bool failed); /* any context */
void diag_advice_reset(void);

/* track.c */
void diag_track_on_alloc(uint32_t bytes);
void diag_track_on_free(uint32_t bytes);
void diag_track_reset(void);

#endif /* MODESP_DIAG_INTERNAL_H */
