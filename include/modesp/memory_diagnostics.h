/*
 * Memory diagnostics: the guide's MemoryDiagnostics (sections 7, 9, 10).
 *
 *     static modesp_memory_diagnostics_t diag;
 *     modesp_memory_diagnostics_init(&diag, modesp_get_pool_manager());
 *     modesp_memory_diagnostics_log_stats(&diag, TAG);
 *
 *     modesp_diag_leak_t leaks[8];
 *     size_t n = modesp_memory_diagnostics_detect_potential_leaks(&diag, 30000, leaks, 8);
 *     if (n > 0) ESP_LOGW(TAG, "Potential memory leaks detected: %zu", n);
 *
 *     void process(void) {
 *         TRACK_MEMORY_USAGE("Module Processing");
 *         ...   // logged at scope exit
 *     }
 *
 * Everything lives in caller-provided or static storage: the layer never
 * uses the heap. It sits on the core's extension points (modesp/hooks.h):
 * the pool registry (every pool the library knows), the trace hooks
 * (Kconfig MEMORY_POOL_ENABLE_TRACING: owners, call sites, ages, leaks,
 * TRACK_MEMORY_USAGE) and the library clock. Without tracing the snapshot,
 * rates, report and failure ring still work; the tracing calls return
 * ESP_ERR_NOT_SUPPORTED or nothing.
 *
 * Naming: every function is modesp_memory_diagnostics_*; types and
 * constants use the shorter modesp_diag_ / MODESP_DIAG_ prefix.
 */
#ifndef MODESP_MEMORY_DIAGNOSTICS_H
#define MODESP_MEMORY_DIAGNOSTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/fixed_pool.h"
#include "modesp/mempool_config.h"
#include "modesp/mempool_err.h"
#include "modesp/pool_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Table sizes from Kconfig (menu "Diagnostics"), unsigned. */
#define MODESP_DIAG_MAX_POOLS     ((uint32_t)CONFIG_MEMORY_DIAG_MAX_POOLS)
#define MODESP_DIAG_RATE_SAMPLES  ((uint32_t)CONFIG_MEMORY_DIAG_RATE_SAMPLES)
#define MODESP_DIAG_OWNER_LEN     ((uint32_t)CONFIG_MEMORY_DIAG_OWNER_NAME_LEN + 1u) /* with the terminating NUL */
#define MODESP_DIAG_MAX_OWNERS    ((uint32_t)CONFIG_MEMORY_DIAG_MAX_OWNERS)
#define MODESP_DIAG_FAILURE_SLOTS ((uint32_t)CONFIG_MEMORY_DIAG_FAILURE_RING)

/* ------------------------------------------------------------- snapshot */

typedef struct {
    const modesp_pool_t *pool;
    const char *name;          /* "?" for an unnamed pool */
    uint32_t block_size;       /* usable bytes per block */
    uint32_t capacity;         /* blocks */
    uint32_t in_use;           /* blocks now */
    uint32_t peak;             /* core peak since its last reset (>= in_use) */
    uint32_t allocs;           /* successful allocations since diagnostics init (survives counter resets) */
    uint32_t frees;            /* frees since diagnostics init (survives counter resets) */
    uint32_t alloc_failures;   /* core: failed requests as callers saw them, since reset */
    uint32_t exhausted;        /* core: attempts that found the pool empty, since reset */
    uint32_t invalid_frees;    /* core: null, foreign, misaligned and double frees, since reset */
    uint8_t utilization;       /* percent of blocks in use, 0..100 */
    uint32_t alloc_rate_milli; /* allocations per 1000 s over the sliding window (x1000 of per second) */
    uint32_t free_rate_milli;  /* frees per 1000 s over the sliding window */
    uint32_t avg_hold_us;      /* tracing: mean time freed blocks were held (0 without tracing) */
    uint32_t max_hold_us;      /* tracing: longest hold of a freed block */
    bool tracked;              /* tracing: blocks of this pool have side-table records */
} modesp_diag_pool_stats_t;

typedef struct {
    modesp_diag_pool_stats_t pools[MODESP_DIAG_MAX_POOLS];
    uint32_t pool_count;    /* entries of pools[] filled */
    uint32_t pools_omitted; /* registered pools beyond MODESP_DIAG_MAX_POOLS */
    /* System-wide, over the pools listed. */
    uint64_t capacity_bytes;  /* sum of block_size x capacity */
    uint64_t allocated_bytes; /* sum of block_size x in_use */
    uint64_t peak_bytes;      /* sum of block_size x peak (an upper bound of the simultaneous peak) */
    uint8_t utilization;      /* allocated_bytes as a percentage of capacity_bytes */
    /* From the manager (all 0 / NORMAL when the diagnostics have none). */
    bool has_manager;
    modesp_pressure_level_t pressure;
    uint8_t manager_utilization;  /* percent of class bytes, as the manager's pressure sees it */
    uint32_t largest_allocatable; /* largest class block size with a free block; 0 when every class is empty */
    uint32_t heap_in_use;         /* heap-fallback blocks outstanding */
    uint32_t heap_allocs;         /* heap-fallback allocations since reset */
    uint32_t heap_failures;       /* since reset */
    uint32_t reserve_in_use;      /* emergency-reserve blocks in use */
    uint32_t reserve_capacity;    /* emergency-reserve blocks (0: no reserve) */
    uint32_t critical_allocs;     /* served from the reserve since reset */
    uint32_t critical_failures;   /* since reset */
    /* Tracing only (0 otherwise): bytes requested through MODESP_DIAG_ALLOC versus their blocks. */
    uint64_t requested_bytes_live; /* requested bytes of the live blocks whose request size is known */
    uint64_t block_bytes_live;     /* block bytes of those same blocks */
    uint32_t failures_recorded;    /* failed requests recorded in the failure ring since init */
    uint64_t uptime_us;            /* the library clock (modesp_time_us) */
    uint64_t taken_at_us;          /* when the snapshot was taken (clock clamped to never go back) */
} modesp_diag_snapshot_t;

/* Per pool: rate-window state. Private: use the functions. */
typedef struct {
    uint64_t t_us;
    uint32_t allocs;
    uint32_t frees;
} modesp_diag_sample_t;

typedef struct {
    const modesp_pool_t *pool;
    uint32_t last_total_allocs; /* the core counter at the last look */
    uint32_t last_in_use;
    uint32_t allocs; /* cumulative since init */
    uint32_t frees;
    uint8_t sample_head;  /* next slot */
    uint8_t sample_count; /* slots filled */
    modesp_diag_sample_t samples[MODESP_DIAG_RATE_SAMPLES];
} modesp_diag_pool_track_t;

/* The guide's MemoryDiagnostics. Caller storage (static); fields private. */
typedef struct {
    uint32_t magic;
    modesp_pool_manager_t *pm; /* NULL: no manager figures */
    uint32_t pool_count;
    uint32_t pools_omitted;
    uint64_t last_now_us; /* the clock never goes back for the diagnostics */
    modesp_diag_pool_track_t pools[MODESP_DIAG_MAX_POOLS];
} modesp_memory_diagnostics_t;

/*
 * Set up diagnostics over every pool of the registry (modesp/hooks.h) at
 * this moment, in registry order, with `pm` for the system-wide figures
 * (NULL for none). With tracing compiled in, installs the trace hooks and
 * gives every listed pool its slice of the side tables (first call only).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag NULL).
 * Complexity: O(pools).
 * ISR-safe: no (task context, at start-up).
 */
esp_err_t modesp_memory_diagnostics_init(modesp_memory_diagnostics_t *diag, modesp_pool_manager_t *pm);

/*
 * As modesp_memory_diagnostics_init over the given pools only (a module's
 * own report, or a test's): pools[0..count-1], at most MODESP_DIAG_MAX_POOLS.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag NULL, pools NULL with count > 0, a NULL
 *   entry), ESP_ERR_INVALID_SIZE (count > MODESP_DIAG_MAX_POOLS).
 * Complexity: O(count).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_memory_diagnostics_init_pools(modesp_memory_diagnostics_t *diag, modesp_pool_manager_t *pm,
                                               const modesp_pool_t *const *pools, size_t count);

/*
 * Fill *out with the statistics of every pool the diagnostics cover and the
 * system-wide figures, and take a rate sample (the sliding window of
 * Kconfig MEMORY_DIAG_RATE_WINDOW_MS). A clock that goes back counts as no
 * time passing. Counter resets (modesp_pool_reset_stats) while blocks are
 * live do not disturb allocs, frees or rates.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL, diag not initialised).
 * Complexity: O(pools x rate samples).
 * ISR-safe: no (one caller at a time per diag; task context).
 */
esp_err_t modesp_memory_diagnostics_snapshot(modesp_memory_diagnostics_t *diag, modesp_diag_snapshot_t *out);

/* Report sections (bit mask). */
#define MODESP_DIAG_REPORT_POOLS    0x01u /* one aligned row per pool */
#define MODESP_DIAG_REPORT_TOTALS   0x02u /* system totals, pressure, manager figures */
#define MODESP_DIAG_REPORT_HOLD     0x04u /* tracing: hold times per pool */
#define MODESP_DIAG_REPORT_OWNERS   0x08u /* tracing: heavy users */
#define MODESP_DIAG_REPORT_LEAKS    0x10u /* tracing: oldest live blocks above the leak threshold */
#define MODESP_DIAG_REPORT_FAILURES 0x20u /* the failure ring */
#define MODESP_DIAG_REPORT_ALL      0x3Fu

/* Receives one report line (no newline) at a time. */
typedef void (*modesp_diag_line_fn)(const char *line, void *ctx);

/*
 * Render `snap` as text lines into `sink`: the sections asked for in
 * `sections`; leaks are those older than leak_threshold_ms (up to 8 rows).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (snap or sink NULL), ESP_ERR_NOT_SUPPORTED
 *   (a freestanding build without the C library's snprintf).
 * Complexity: O(pools + owners + failure slots + tracked blocks for leaks).
 * ISR-safe: no.
 */
esp_err_t modesp_memory_diagnostics_report(const modesp_diag_snapshot_t *snap, uint32_t sections,
                                           uint32_t leak_threshold_ms, modesp_diag_line_fn sink, void *ctx);

/*
 * The guide's diag.log_stats(TAG): take a snapshot and log the whole report
 * through the port's log under `tag` (ESP_LOG style on a device, stderr on
 * the host), leaks older than 30 s included. The snapshot lives on the
 * stack (sizeof(modesp_diag_snapshot_t), ~1 KiB with 16 pools).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag NULL or not initialised; tag may be NULL),
 *   ESP_ERR_NOT_SUPPORTED (no C library snprintf).
 * Complexity: O(pools x samples + tracked blocks).
 * ISR-safe: no (logs).
 */
esp_err_t modesp_memory_diagnostics_log_stats(modesp_memory_diagnostics_t *diag, const char *tag);

/*
 * Render `snap` as JSON (schema 1, see the README) into buf[0..size-1]
 * without heap, for a web handler or MQTT: pools, totals, the manager's
 * figures (null without a manager), owners and the failure ring.
 * *needed (may be NULL) receives the length of the whole text (without the
 * terminating NUL), also when it did not fit.
 * Returns: ESP_OK (buf holds the NUL-terminated text).
 * Errors: ESP_ERR_INVALID_ARG (snap NULL, buf NULL with size > 0),
 *   ESP_ERR_INVALID_SIZE (too small: buf holds "", *needed says how much).
 * Complexity: O(pools + owners + failure slots).
 * ISR-safe: no.
 */
esp_err_t modesp_memory_diagnostics_to_json(const modesp_diag_snapshot_t *snap, char *buf, size_t size, size_t *needed);

/* ----------------------------------------------------------- owners */

/*
 * Set the owner tag (module name) of the calling task: allocations it makes
 * from now on are accounted to it (thread-local on the host and ESP-IDF).
 * NULL means no owner ("-"); a tag longer than
 * CONFIG_MEMORY_DIAG_OWNER_NAME_LEN is truncated. When the owner table is
 * full the task is accounted to "-" and owners_dropped counts it.
 * Returns: the owner's index (0 for "-").
 * Errors: none (the fallback is "-").
 * Complexity: O(owners x tag length).
 * ISR-safe: no (task context).
 */
uint8_t modesp_memory_diagnostics_set_owner(const char *tag);

/*
 * The calling task's owner tag ("-" when none). Never NULL.
 * Returns: a string valid for the life of the program.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const char *modesp_memory_diagnostics_get_owner(void);

typedef struct {
    char name[MODESP_DIAG_OWNER_LEN];
    uint32_t blocks_in_use;
    uint32_t bytes_in_use; /* block bytes */
    uint32_t peak_blocks;
    uint32_t peak_bytes;
    uint32_t allocs;
    uint32_t failures;
} modesp_diag_owner_stats_t;

/*
 * Copy the per-owner accounting (tracing builds count blocks and bytes;
 * every build counts failures) into out[0..max-1], heaviest bytes_in_use
 * first.
 * Returns: the number of owners known (may exceed max: only max are copied).
 * Errors: none (out NULL or max 0: only counts).
 * Complexity: O(owners^2).
 * ISR-safe: no.
 */
size_t modesp_memory_diagnostics_get_owners(modesp_diag_owner_stats_t *out, size_t max);

/*
 * Owner tags refused since start because the owner table was full.
 * Returns: the count.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
uint32_t modesp_memory_diagnostics_owners_dropped(void);

/* ------------------------------------------------------------- leaks */

typedef struct {
    const void *block;
    const modesp_pool_t *pool;
    const char *file;        /* NULL when the allocation gave no call site */
    uint32_t requested_size; /* 0 when unknown (not allocated through MODESP_DIAG_ALLOC) */
    uint32_t block_size;
    uint32_t age_ms;
    int line;
    char owner[MODESP_DIAG_OWNER_LEN];
} modesp_diag_leak_t;

/*
 * The guide's detect_potential_leaks(threshold_ms): the live blocks (allocated
 * since the diagnostics were initialised) older than threshold_ms, the oldest
 * first, copied into out[0..max-1].
 * Returns: how many there are, even when more than max (0 without tracing).
 * Errors: none (diag may be NULL; out NULL or max 0: only counts).
 * Complexity: O(tracked blocks x max).
 * ISR-safe: no.
 */
size_t modesp_memory_diagnostics_detect_potential_leaks(const modesp_memory_diagnostics_t *diag, uint32_t threshold_ms,
                                                        modesp_diag_leak_t *out, size_t max);

/* ---------------------------------------------- allocation and failures */

typedef struct {
    char owner[MODESP_DIAG_OWNER_LEN];
    const char *file; /* NULL when none was given */
    int line;
    uint32_t size;                    /* bytes requested */
    int8_t size_class;                /* modesp_size_class_t, or -1 (0 or too large) */
    modesp_pressure_level_t pressure; /* when it failed */
    uint64_t time_us;
} modesp_diag_failure_t;

/*
 * modesp_pool_manager_allocate_at that the diagnostics watch: a success
 * records the requested size (tracing: internal fragmentation, leak
 * reports), a failure goes into the failure ring with the caller's owner,
 * call site, size, class, pressure level and time. MODESP_DIAG_ALLOC(size)
 * passes the caller's file and line.
 * Returns: the block, or NULL as modesp_pool_manager_allocate.
 * Errors: none beyond NULL (the ring records why: size, class, pressure).
 * Complexity: O(1) (tracing: O(pools tracked) to find the block's record).
 * ISR-safe: yes (the ring is written in a short critical section).
 */
void *modesp_memory_diagnostics_allocate_at(modesp_pool_manager_t *pm, size_t size, const char *file, int line);

/*
 * modesp_memory_diagnostics_allocate_at on the process-wide manager with the
 * caller's __FILE__ and __LINE__.
 * Returns: the block, or NULL (recorded in the failure ring).
 * Errors: as modesp_memory_diagnostics_allocate_at.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
#define MODESP_DIAG_ALLOC(size)                                                                                        \
    modesp_memory_diagnostics_allocate_at(modesp_get_pool_manager(), (size), __FILE__, __LINE__)

/*
 * Copy the failure ring, newest first, into out[0..max-1]; *overwritten
 * (may be NULL) receives how many records were lost to wrap-around since
 * start: an under-reporting ring says so.
 * Returns: records copied.
 * Errors: none (out NULL or max 0: copies nothing).
 * Complexity: O(ring slots).
 * ISR-safe: yes (short critical section per record).
 */
size_t modesp_memory_diagnostics_get_failures(modesp_diag_failure_t *out, size_t max, uint32_t *overwritten);

/* --------------------------------------------------------- sizing advice */

typedef struct {
    const char *name;       /* "TINY", ... */
    uint32_t block_size;    /* now */
    uint32_t count;         /* now */
    uint32_t peak;          /* observed (core peak since its last reset) */
    uint32_t failures;      /* alloc_failures since reset */
    uint32_t max_requested; /* largest size asked of this class through MODESP_DIAG_ALLOC; 0 none */
    uint32_t recommended_count;
    uint32_t recommended_size; /* == block_size when no better size is known */
    int64_t ram_delta_bytes;   /* block storage of the advice minus today's: < 0 saves RAM */
} modesp_diag_class_advice_t;

/*
 * Sizing advice per class of the manager (rules in src/diag/advice.c):
 * count = (peak + failures) plus headroom_pct percent, rounded up; a
 * smaller block size when every request seen through MODESP_DIAG_ALLOC was
 * at most 3/4 of the class size; the RAM saved or needed.
 * Returns: MODESP_CLASS_COUNT entries written to out, or 0 (pm or out NULL,
 *   max < MODESP_CLASS_COUNT).
 * Errors: none beyond the 0 return.
 * Complexity: O(classes).
 * ISR-safe: no.
 */
size_t modesp_memory_diagnostics_advise(modesp_pool_manager_t *pm, uint32_t headroom_pct,
                                        modesp_diag_class_advice_t *out, size_t max);

/*
 * Write the advice as an sdkconfig fragment to `sink`: a comment per class,
 * CONFIG_MEMORY_POOL_<CLASS>_SIZE (when it changes) and _COUNT lines, and
 * the RAM saved or needed in total.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (advice or sink NULL), ESP_ERR_NOT_SUPPORTED
 *   (no C library snprintf).
 * Complexity: O(n).
 * ISR-safe: no.
 */
esp_err_t modesp_memory_diagnostics_advice_report(const modesp_diag_class_advice_t *advice, size_t n,
                                                  modesp_diag_line_fn sink, void *ctx);

/* --------------------------------------------------- TRACK_MEMORY_USAGE */

typedef struct {
    const char *name;
    uint64_t start_us;
    uint32_t allocs; /* the task's counters at scope entry */
    uint32_t frees;
    int64_t bytes;      /* the task's net block bytes at scope entry */
    int64_t saved_peak; /* the enclosing scope's peak, restored at exit */
} modesp_diag_track_t;

typedef struct {
    uint64_t elapsed_us;
    uint32_t allocs;
    uint32_t frees;
    int64_t net_bytes;
    int64_t peak_bytes; /* highest net bytes above the entry level reached inside the scope */
} modesp_diag_track_result_t;

/*
 * Begin a tracked scope named `name` for the calling task (TRACK_MEMORY_USAGE
 * does this); the counts come from the trace hooks, so without tracing the
 * scope records nothing.
 * Errors: none (t NULL is ignored).
 * Complexity: O(1).
 * ISR-safe: no (task context).
 */
void modesp_memory_diagnostics_track_begin(modesp_diag_track_t *t, const char *name);

/*
 * End a tracked scope: fill *result (may be NULL) with what the task did
 * inside it and, when log is true, log "name: N us, A allocs, F frees, net
 * B bytes, peak P bytes" through the port log.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (t NULL), ESP_ERR_NOT_SUPPORTED (tracing or
 *   Kconfig MEMORY_DIAG_TRACK_USAGE off; *result zeroed).
 * Complexity: O(1).
 * ISR-safe: no (task context, logs).
 */
esp_err_t modesp_memory_diagnostics_track_end(modesp_diag_track_t *t, modesp_diag_track_result_t *result, bool log);

/*
 * Cleanup-attribute handler of TRACK_MEMORY_USAGE: track_end with logging.
 * Errors: none (as track_end; the code is dropped).
 * Complexity: O(1).
 * ISR-safe: no (logs).
 */
void modesp_memory_diagnostics_track_cleanup_(modesp_diag_track_t *t);

#define MODESP_DIAG_TRACK_CAT2_(a, b) a##b
#define MODESP_DIAG_TRACK_CAT_(a, b)  MODESP_DIAG_TRACK_CAT2_(a, b)
/*
 * The guide's TRACK_MEMORY_USAGE("name"): at the top of a scope, declares a
 * tracker that logs at scope exit (GNU C cleanup attribute) the name, the
 * elapsed microseconds, the allocations and frees the task made inside the
 * scope, the net bytes and the peak. Nested scopes each report their own.
 * Without tracing, Kconfig MEMORY_DIAG_TRACK_USAGE or GNU C it is ((void)0).
 * Errors: none.
 * Complexity: O(1) at entry and exit.
 * ISR-safe: no (task context, logs).
 */
#if defined(CONFIG_MEMORY_DIAG_TRACK_USAGE) && MODESP_TRACING && defined(__GNUC__) && !defined(__cplusplus)
#define TRACK_MEMORY_USAGE(name)                                                                                       \
    modesp_diag_track_t MODESP_DIAG_TRACK_CAT_(modesp_track_, __LINE__)                                                \
        __attribute__((cleanup(modesp_memory_diagnostics_track_cleanup_)));                                            \
    modesp_memory_diagnostics_track_begin(&MODESP_DIAG_TRACK_CAT_(modesp_track_, __LINE__), (name))
#define MODESP_DIAG_TRACK_ENABLED 1
#else
#define TRACK_MEMORY_USAGE(name)  ((void)0)
#define MODESP_DIAG_TRACK_ENABLED 0
#endif

/* ------------------------------------------------------------ testing */

/*
 * Forget every tracing record, owner (but "-"), failure and scope counter
 * (tests; also after a deliberate bulk free). Blocks live now are no longer
 * reported as leaks.
 * Errors: none.
 * Complexity: O(tracked blocks + owners + failure slots).
 * ISR-safe: no (nothing may allocate meanwhile).
 */
void modesp_memory_diagnostics_reset_tracing(void);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_MEMORY_DIAGNOSTICS_H */
