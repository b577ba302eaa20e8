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

/* A uint64_t in decimal, for printf's %s: newlib-nano's printf (Cortex-M builds with nano.specs) has no
 * %llu and prints "lu" or garbage for it, so the reports never pass a 64-bit value to printf. */
#define DIAG_U64_DIGITS 21u /* 20 digits of UINT64_MAX and the NUL */
static inline const char *diag_u64_text(uint64_t v, char out[DIAG_U64_DIGITS])
{
    char *p = &out[DIAG_U64_DIGITS - 1u];
    *p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    return p;
}

/* An int64_t in decimal (a '-' and the magnitude, INT64_MIN included). */
static inline const char *diag_i64_text(int64_t v, char out[DIAG_U64_DIGITS + 1u])
{
    const uint64_t mag = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    char *p = (char *)diag_u64_text(mag, &out[1]);
    if (v < 0) {
        *--p = '-';
    }
    return p;
}

/* Per-task storage: thread-local where the platform has it (host, ESP-IDF);
 * elsewhere (bare metal, a FreeRTOS without TLS) one value for the program. */
#if defined(MODESP_PORT_ESP_IDF) || defined(__linux__) || defined(__APPLE__)
#define DIAG_TLS _Thread_local
#else
#define DIAG_TLS
#endif

/* owners.c */
uint8_t diag_owner_current(void);                        /* the calling task's owner index (0: "-") */
bool diag_owner_intern(const char *tag, uint8_t *index); /* find or add (truncated) tag; false: table full */
const char *diag_owner_name(uint8_t owner);              /* "-" for 0 or an unknown index */
void diag_owner_copy_name(uint8_t owner, char out[MODESP_DIAG_OWNER_LEN]);
void diag_owner_on_alloc(uint8_t owner, uint32_t bytes);
void diag_owner_on_free(uint8_t owner, uint32_t bytes);
void diag_owner_on_failure(uint8_t owner);
void diag_owners_reset(void);

/* quota.c (MODESP_ADMISSION builds; no-ops otherwise): manager blocks held per owner, floors and caps */
void diag_quota_on_alloc(uint8_t owner); /* a manager block taken by owner (tracked pools only) */
void diag_quota_on_free(uint8_t owner);  /* a recorded manager block of owner given back */
void diag_quota_reset(void);
void diag_quota_of(uint8_t owner, uint32_t *floor_blocks, uint32_t *cap_blocks, uint32_t *refusals);

/* trace_tables.c (tracing builds; stubs otherwise) */
void diag_trace_attach(const modesp_pool_t *const *pools, size_t count); /* give pools their slices, install hooks */
bool diag_trace_pool_hold(const modesp_pool_t *pool, uint32_t *avg_us, uint32_t *max_us);
bool diag_trace_pool_hold_sum(const modesp_pool_t *pool, uint64_t *sum_ms, uint32_t *count); /* since reset */
void diag_trace_live_bytes(uint64_t *requested, uint64_t *blocks);
void diag_trace_reset(void);
bool diag_trace_attached(void); /* the trace hooks installed and at least one pool tracked */

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
