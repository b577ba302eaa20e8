/* SPDX-License-Identifier: Apache-2.0 */
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
    /* Per-owner quotas (0 when compiled out): requests refused with MODESP_ERR_QUOTA since start. */
    uint32_t quota_cap_refusals;   /* the owner was at its cap */
    uint32_t quota_floor_refusals; /* the class would have dipped into another owner's unmet floor */
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
    uint32_t last_resets;       /* the core's reset count at the last look: a change means every count is new */
    uint32_t last_in_use;
    uint32_t allocs; /* cumulative since init */
    uint32_t frees;
    uint32_t last_failures;   /* health: the core's alloc_failures at the last evaluation */
    uint32_t health_resets;   /* health: the core's reset count at the last evaluation */
    uint64_t last_failure_us; /* health: last evaluation that saw this pool fail a request ... */
    bool has_failed;          /* ... valid when set */
    uint8_t sample_head;      /* next slot */
    uint8_t sample_count;     /* slots filled */
    modesp_diag_sample_t samples[MODESP_DIAG_RATE_SAMPLES];
} modesp_diag_pool_track_t;

/* -------------------------------------------------- health verdict types */

typedef enum { MODESP_HEALTH_OK = 0, MODESP_HEALTH_WARNING = 1, MODESP_HEALTH_CRITICAL = 2 } modesp_health_level_t;

#define MODESP_HEALTH_R_PRESSURE  (1u << 0) /* a class or the manager over its warning/critical level */
#define MODESP_HEALTH_R_LEAK      (1u << 1) /* blocks held longer than the leak threshold */
#define MODESP_HEALTH_R_FAILURES  (1u << 2) /* allocation failures in the recent window */
#define MODESP_HEALTH_R_INTEGRITY (1u << 3) /* a pool failed its integrity check */
#define MODESP_HEALTH_R_RESERVE   (1u << 4) /* the critical reserve was used */

#define MODESP_HEALTH_SUMMARY_LEN 96u

typedef struct {
    modesp_health_level_t level;             /* debounced */
    uint32_t reasons;                        /* MODESP_HEALTH_R_* bits behind level */
    uint32_t since_ms;                       /* how long level has held */
    char summary[MODESP_HEALTH_SUMMARY_LEN]; /* one line, e.g. "WARNING: leak (3 blocks, owner logger, logger.c:88)" */
} modesp_health_t;

/*
 * Policy hook: called by every evaluation with the raw verdict (before the
 * debounce; since_ms 0), which it may change: raise or lower its level (a
 * product that treats any leak as CRITICAL, or a ring buffer's full class
 * as normal), edit reasons and summary. The debounce then runs on what it
 * leaves.
 */
typedef void (*modesp_health_policy_fn)(modesp_health_t *raw, void *ctx);

/* Called after the debounced level changed (e.g. a reboot policy on CRITICAL), with the new verdict. */
typedef void (*modesp_health_change_fn)(const modesp_health_t *verdict, modesp_health_level_t previous, void *ctx);

typedef struct {
    uint32_t debounce_evals; /* a raw level must be seen this many evaluations in a row (>= 1) ... */
    uint32_t debounce_ms;    /* ... or for this long (0: evaluations only) before the level changes to it; CRITICAL is
                                immediate */
    uint32_t leak_threshold_ms; /* tracing: a live block older than this is a leak suspect (0: no leak check) */
    uint32_t failure_window_ms; /* failures and reserve use count for this long after they were seen */
    uint8_t warning_pct;        /* a pool at or above this utilisation: WARNING (PRESSURE) */
    bool check_integrity;       /* run the pools' integrity checks (O(blocks) per evaluation) */
    modesp_health_policy_fn policy;
    void *policy_ctx;
    modesp_health_change_fn on_change;
    void *change_ctx;
} modesp_health_config_t;

/* Debounce state of one diagnostics object. Private: use the functions. */
typedef struct {
    modesp_health_config_t cfg;
    modesp_health_t verdict; /* the debounced verdict, reasons and summary from the last evaluation at its level */
    uint64_t level_since_us; /* when verdict.level was entered */
    modesp_health_level_t pending; /* raw level differing from verdict.level, waiting for the debounce */
    uint32_t pending_count;        /* evaluations in a row that saw `pending` */
    uint64_t pending_since_us;     /* first of those evaluations */
    uint64_t last_failure_us;      /* last evaluation that saw a failed request (any pool) */
    uint64_t last_reserve_us;      /* last evaluation that saw the reserve used */
    uint64_t last_reserve_fail_us; /* last evaluation that saw a failed critical allocation */
    uint32_t last_critical_allocs; /* manager counters at the last evaluation */
    uint32_t last_critical_failures;
    uint32_t last_manager_resets; /* the manager's reset count at the last evaluation */
    uint32_t last_fail_count;     /* failed requests seen by the last evaluation that saw some */
    const char *last_fail_pool;   /* the pool with most of them */
    uint32_t evaluations;
    bool seen_failure;
    bool seen_reserve;
    bool seen_reserve_fail;
} modesp_diag_health_state_t;

/* The guide's MemoryDiagnostics. Caller storage (static); fields private. */
typedef struct {
    uint32_t magic;
    modesp_pool_manager_t *pm; /* NULL: no manager figures */
    uint32_t pool_count;
    uint32_t pools_omitted;
    uint64_t last_now_us; /* the clock never goes back for the diagnostics */
    modesp_diag_pool_track_t pools[MODESP_DIAG_MAX_POOLS];
    modesp_diag_health_state_t health;
} modesp_memory_diagnostics_t;

/*
 * Set up diagnostics over every pool of the registry (modesp/hooks.h) at
 * this moment, in registry order, then pm's class pools and reserve where
 * the registry lacks them (startup code that runs no constructors, or
 * Kconfig MEMORY_POOL_REGISTRY off: then only these), with
 * `pm` for the system-wide figures (NULL for none). With tracing compiled in, installs the trace hooks and
 * gives every listed pool its slice of the side tables (first call only).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag NULL).
 * Complexity: O(pools x MODESP_DIAG_MAX_POOLS).
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
 * Errors: ESP_ERR_INVALID_ARG (snap or sink NULL, snap->pool_count over
 *   MODESP_DIAG_MAX_POOLS), ESP_ERR_NOT_SUPPORTED
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
 * Errors: ESP_ERR_INVALID_ARG (snap NULL, buf NULL with size > 0,
 *   snap->pool_count over MODESP_DIAG_MAX_POOLS),
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
    /* Per-owner quotas (Kconfig MEMORY_DIAG_OWNER_QUOTAS; 0 / MODESP_DIAG_NO_CAP / 0 otherwise). */
    uint32_t quota_floor;    /* guaranteed manager blocks (0: none) */
    uint32_t quota_cap;      /* most manager blocks (MODESP_DIAG_NO_CAP: none) */
    uint32_t quota_refusals; /* requests refused with MODESP_ERR_QUOTA (its cap, or another's floor) */
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

/* ----------------------------------------------------- per-owner quotas */

#define MODESP_DIAG_NO_CAP UINT32_MAX /* modesp_memory_diagnostics_set_quota: no cap */

/*
 * Give `owner` a quota in manager blocks (every class and the reserve
 * together; Kconfig MEMORY_DIAG_OWNER_QUOTAS): a floor, blocks the other
 * owners may not take while `owner` holds fewer than floor_blocks (another
 * owner's request for class C fails when C's free blocks would drop below
 * the sum of the unmet floors, so a critical owner can always get up to its
 * floor from any class), and a cap (a request by `owner` while it holds
 * cap_blocks fails). A refused request fails with MODESP_ERR_QUOTA
 * (allocate_ex; NULL from the other calls) without touching a pool, and is
 * counted per owner and in the snapshot (quota_cap_refusals,
 * quota_floor_refusals). ISR allocations belong to "-", which may have a
 * quota too. floor 0 and MODESP_DIAG_NO_CAP remove the quota. A tag longer
 * than CONFIG_MEMORY_DIAG_OWNER_NAME_LEN is truncated (as set_owner does).
 * Blocks are counted through the tracing records, so only blocks allocated
 * since modesp_memory_diagnostics_init (or reset_tracing) in tracked pools
 * count. The check and the allocation are not one atomic step: contexts
 * allocating at the same instant may each pass the check, so a cap or floor
 * can be overrun by at most the number of such contexts (exact for one
 * context at a time, e.g. an owner that is one task). A SPILL request is
 * checked against its requested class only.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG    owner NULL or "", floor_blocks > cap_blocks  (not counted)
 *   ESP_ERR_INVALID_STATE  no diagnostics initialised yet (no tracing records)  (not counted)
 *   MODESP_ERR_FULL        the owner table is full  (counted in owners_dropped)
 *   ESP_ERR_NOT_SUPPORTED  quotas compiled out (MEMORY_DIAG_OWNER_QUOTAS or tracing off)  (not counted)
 * Complexity: O(owners x tag length).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_memory_diagnostics_set_quota(const char *owner, uint32_t floor_blocks, uint32_t cap_blocks);

/*
 * Requests refused by the per-owner quotas since start or reset_tracing:
 * *cap_refusals (an owner at its cap) and *floor_refusals (another owner's
 * unmet floor); either pointer may be NULL.
 * Returns: the sum of both (0 when quotas are compiled out).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
uint32_t modesp_memory_diagnostics_quota_refusals(uint32_t *cap_refusals, uint32_t *floor_refusals);

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
    const modesp_pool_t *pool; /* the pool that could not serve it (for the manager: the requested class's) */
    const char *file;          /* NULL when none was given */
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

/* Buckets of the requested-size histogram per class: bucket k holds sizes in
 * (lo + k x w, lo + (k+1) x w], lo = the next smaller class's size (0 for the
 * first), w = (class size - lo) / MODESP_DIAG_HIST_BUCKETS (the last bucket
 * takes the rounding). */
#define MODESP_DIAG_HIST_BUCKETS 8u

/* How an advised count was found. */
typedef enum {
    MODESP_DIAG_DEMAND_PEAK = 0,    /* no failures: the observed peak is the demand */
    MODESP_DIAG_DEMAND_ESTIMATED,   /* failures: request rate x mean hold time (Little's law) + 3 sigma */
    MODESP_DIAG_DEMAND_UPPER_BOUND, /* failures, no hold times (no tracing or no free yet): peak + failures */
} modesp_diag_demand_basis_t;

typedef struct {
    const char *name;       /* "TINY", ... */
    uint32_t block_size;    /* now */
    uint32_t count;         /* now */
    uint32_t peak;          /* observed (core peak since its last reset) */
    uint32_t failures;      /* alloc_failures since reset */
    uint32_t max_requested; /* largest size asked of this class (tracing: every manager request; else
                               MODESP_DIAG_ALLOC); 0 none */
    uint32_t requests;      /* requests of this class's sizes seen since the histogram started, failed ones included */
    uint32_t failed_requests;
    uint32_t mean_requested;                      /* bytes; 0 when none seen */
    uint32_t histogram[MODESP_DIAG_HIST_BUCKETS]; /* requests by size, see MODESP_DIAG_HIST_BUCKETS */
    uint32_t mean_hold_ms;                        /* tracing: mean hold of this class's freed blocks; 0 unknown */
    uint32_t demand;                              /* blocks wanted at once, by `basis` */
    modesp_diag_demand_basis_t basis;
    uint32_t recommended_count;
    uint32_t recommended_size; /* == block_size when no better size is known */
    int64_t ram_delta_bytes;   /* block storage of the advice minus today's: < 0 saves RAM */
} modesp_diag_class_advice_t;

/*
 * Sizing advice per class of the manager (rules in src/diag/advice.c): the
 * demand (the observed peak; for a class that failed requests, the request
 * rate times the mean hold time plus 3 standard deviations when hold times
 * are known, else peak + failures), count = demand plus headroom_pct
 * percent, rounded up; a smaller block size when every request seen was at
 * most 3/4 of the class size; the RAM saved or needed; and the size
 * histogram behind it.
 * Returns: MODESP_CLASS_COUNT entries written to out, or 0 (pm or out NULL,
 *   max < MODESP_CLASS_COUNT).
 * Errors: none beyond the 0 return.
 * Complexity: O(classes x buckets).
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
#elif !defined(__cplusplus) /* C++: an RAII object, from modesp/diagnostics.hpp (included at the end) */
#define TRACK_MEMORY_USAGE(name)  ((void)0)
#define MODESP_DIAG_TRACK_ENABLED 0
#endif

/* ------------------------------------------------------ run-time hooks */

/*
 * Callbacks on every allocation, free and failed request of the pools the
 * library knows, registered at run time (at most CONFIG_MEMORY_DIAG_MAX_HOOKS
 * sets; tracing builds only, after modesp_memory_diagnostics_init installed
 * the core's trace hooks). They run in the context of the call (a task, an
 * ISR or another core): short, ISR-safe, no call back into the pool. `size`
 * is the number of bytes requested (0: a whole block of the pool API),
 * `file`/`line` the call site (NULL/0 when none was given). Any member may
 * be NULL.
 */
typedef struct {
    void (*on_alloc)(const modesp_pool_t *pool, const void *block, uint32_t size, const char *file, int line,
                     void *ctx);
    void (*on_free)(const modesp_pool_t *pool, const void *block, void *ctx);
    void (*on_fail)(const modesp_pool_t *pool, uint32_t size, const char *file, int line, void *ctx);
    void *ctx;
} modesp_diag_hooks_t;

/*
 * Register a hook set; the table must stay valid while registered (static
 * storage). Takes effect for the calls that start after it returns.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (hooks NULL), ESP_ERR_NOT_SUPPORTED (tracing
 *   compiled out), MODESP_ERR_ALREADY_REGISTERED (this table is registered),
 *   ESP_ERR_NO_MEM (CONFIG_MEMORY_DIAG_MAX_HOOKS sets registered).
 * Complexity: O(CONFIG_MEMORY_DIAG_MAX_HOOKS).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_memory_diagnostics_add_hooks(const modesp_diag_hooks_t *hooks);

/*
 * Unregister a hook set. A call already in flight in another context may
 * still run it once.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (hooks NULL), ESP_ERR_NOT_SUPPORTED (tracing
 *   compiled out), ESP_ERR_NOT_FOUND (not registered).
 * Complexity: O(CONFIG_MEMORY_DIAG_MAX_HOOKS).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_memory_diagnostics_remove_hooks(const modesp_diag_hooks_t *hooks);

/* ------------------------------------------------------- health verdict */

/*
 * Fill *cfg with the defaults from Kconfig (menu "Diagnostics"): debounce
 * MEMORY_DIAG_HEALTH_DEBOUNCE_EVALS evaluations or _DEBOUNCE_MS, leak
 * threshold _LEAK_MS, failure window _FAILURE_WINDOW_MS, warning level
 * MEMORY_POOL_WARNING_THRESHOLD, integrity checks on, no hooks.
 * modesp_memory_diagnostics_init applies them.
 * Errors: none (cfg NULL is ignored).
 * Complexity: O(1).
 * ISR-safe: yes.
 */
void modesp_memory_diagnostics_health_default_config(modesp_health_config_t *cfg);

/*
 * Replace the health configuration of `diag` (NULL: the Kconfig defaults).
 * The debounced level and its history are kept.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag NULL or not initialised, debounce_evals
 *   0, warning_pct over 100).
 * Complexity: O(1).
 * ISR-safe: no (not concurrently with modesp_memory_diagnostics_health).
 */
esp_err_t modesp_memory_diagnostics_health_configure(modesp_memory_diagnostics_t *diag,
                                                     const modesp_health_config_t *cfg);

/*
 * Evaluate the health of the pools `diag` covers and return the debounced
 * verdict. Raw findings, each a reason bit:
 *   PRESSURE   a pool at or above warning_pct utilisation, or the manager's
 *              pressure at WARNING: WARNING; the manager's pressure at
 *              CRITICAL, or a full pool that failed a request within the
 *              failure window (exhausting): CRITICAL
 *   LEAK       tracing: live blocks older than leak_threshold_ms: WARNING
 *   FAILURES   failed requests (the core's alloc_failures) within the
 *              failure window: WARNING
 *   INTEGRITY  a pool's integrity check failed twice in a row (one failure
 *              can be a change under the check): CRITICAL
 *   RESERVE    the emergency reserve in use or used within the window:
 *              WARNING; a failed critical allocation within it: CRITICAL
 * The raw verdict goes through the policy hook, then the debounce: a lower
 * or WARNING level replaces the current one after debounce_evals
 * evaluations in a row or debounce_ms; CRITICAL at once. On a change the
 * change hook is called (in this call's context). Counter resets are seen
 * as new counts, a clock going back as no time passing.
 * Returns: ESP_OK (*out filled).
 * Errors: ESP_ERR_INVALID_ARG (diag or out NULL, diag not initialised).
 * Complexity: O(pools + blocks) with the integrity checks, O(pools +
 *   tracked blocks) without.
 * ISR-safe: no (one caller at a time per diag; task context; the hooks run
 *   in it).
 */
esp_err_t modesp_memory_diagnostics_health(modesp_memory_diagnostics_t *diag, modesp_health_t *out);

/*
 * Name of a health level.
 * Returns: "OK", "WARNING", "CRITICAL", or "?" for another value.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const char *modesp_health_level_name(modesp_health_level_t level);

/* ------------------------------------------------------------ post-mortem */

/*
 * A record of the last figures kept in RAM that the startup code does not
 * clear, so that the boot after a watchdog or panic reset can report what
 * the previous boot saw: the health verdict, the manager's classes (in use,
 * peak, failures, and the highest peak and failures over every recorded
 * boot: the sizing data that survives a reboot), the newest failed requests
 * with their call sites. Call sites are kept as text (a pointer into a
 * previous firmware image would mean nothing after an update). A CRC-32
 * guards it: power-on garbage, a torn save or damaged RAM read as no record.
 *
 *     static MODESP_DIAG_NOINIT_ATTR modesp_diag_postmortem_t s_pm;
 *     modesp_diag_postmortem_t prev;
 *     if (modesp_memory_diagnostics_postmortem_begin(&s_pm, &prev) == ESP_OK)
 *         modesp_memory_diagnostics_postmortem_report(&prev, sink, ctx);
 *     ...   // then, periodically or from a panic / task-watchdog hook:
 *     modesp_memory_diagnostics_postmortem_save(&diag, &s_pm);
 *
 * MODESP_DIAG_NOINIT_ATTR is RTC_NOINIT_ATTR on ESP-IDF (RTC slow memory:
 * survives panic, watchdog and software resets) and a ".noinit" section
 * elsewhere: the linker script must place that section in RAM as NOLOAD and
 * the startup code must not clear it (targets/qemu/cortex_m/mps2_an386_noinit.ld).
 */
#if defined(MODESP_PORT_ESP_IDF) && MODESP_PORT_ESP_IDF
#include "esp_attr.h"
#define MODESP_DIAG_NOINIT_ATTR RTC_NOINIT_ATTR
#elif defined(__GNUC__)
#define MODESP_DIAG_NOINIT_ATTR __attribute__((section(".noinit")))
#else
#define MODESP_DIAG_NOINIT_ATTR
#endif

#define MODESP_DIAG_PM_MAGIC    0x4D504D31u /* "MPM1" */
#define MODESP_DIAG_PM_VERSION  2u          /* 2: the seq field */
#define MODESP_DIAG_PM_FAILURES 4u          /* newest failed requests kept */
#define MODESP_DIAG_PM_FILE_LEN 24u         /* call-site file base name, with its NUL */

typedef struct {
    char owner[MODESP_DIAG_OWNER_LEN];
    char file[MODESP_DIAG_PM_FILE_LEN]; /* "" when the request gave none */
    int32_t line;
    uint32_t size;
    int8_t size_class; /* modesp_size_class_t, or -1 */
    uint8_t pressure;  /* modesp_pressure_level_t when it failed */
    uint8_t reserved[2];
    uint64_t time_us;
} modesp_diag_pm_failure_t;

typedef struct {
    uint32_t block_size;
    uint32_t count;
    uint32_t in_use;             /* at the last save */
    uint32_t peak;               /* this boot, at the last save */
    uint32_t failures;           /* alloc_failures, this boot */
    uint32_t peak_all_boots;     /* highest peak of every recorded boot */
    uint32_t failures_all_boots; /* failures summed over every recorded boot */
} modesp_diag_pm_class_t;

typedef struct {
    uint32_t magic; /* MODESP_DIAG_PM_MAGIC */
    uint16_t version;
    uint16_t size;  /* sizeof(modesp_diag_postmortem_t) */
    uint32_t boot;  /* 1 for the first boot since the area was armed, then +1 per boot */
    uint32_t saves; /* saves made during that boot */
    uint64_t uptime_us;
    uint32_t class_bytes; /* the manager's class bytes */
    uint32_t class_bytes_in_use;
    uint8_t pressure;     /* modesp_pressure_level_t */
    uint8_t health_level; /* modesp_health_level_t of the last evaluation before the save */
    uint8_t reserved[2];
    uint32_t health_reasons;
    char health_summary[MODESP_HEALTH_SUMMARY_LEN]; /* "" when the health was never evaluated */
    modesp_diag_pm_class_t classes[MODESP_CLASS_COUNT];
    uint32_t failures_total; /* failed requests recorded this boot (the ring's count) */
    uint32_t failures_kept;  /* entries of failures[] filled, newest first */
    modesp_diag_pm_failure_t failures[MODESP_DIAG_PM_FAILURES];
    uint32_t seq; /* two-slot area: +1 per write, the newest valid slot is read (wraps; compared by difference) */
    uint32_t crc; /* CRC-32 (IEEE) of every byte before it */
} modesp_diag_postmortem_t;

/*
 * The torn-save-proof form: two records written in turn. A save (and the
 * arming at boot) copies the newest valid record into the other slot,
 * updates it there and seals it with the next sequence number, so a reset
 * at any byte of a save leaves the previous save whole; the reader takes the
 * valid slot with the newest sequence number. Twice the RAM of one record
 * (2 x 560 bytes on a 32-bit target with the defaults).
 *
 *     static MODESP_DIAG_NOINIT_ATTR modesp_diag_postmortem_area_t s_pm;
 *     modesp_diag_postmortem_t prev;
 *     if (modesp_memory_diagnostics_postmortem_area_begin(&s_pm, &prev) == ESP_OK)
 *         modesp_memory_diagnostics_postmortem_report(&prev, sink, ctx);
 *     ...
 *     modesp_memory_diagnostics_postmortem_area_save(&diag, &s_pm);
 */
typedef struct {
    modesp_diag_postmortem_t slot[2];
} modesp_diag_postmortem_area_t;

/*
 * At boot, before anything else uses `area`: check what it holds and arm it
 * for this boot. A valid record (magic, version, size, CRC) is copied into
 * *previous (may be NULL). Whatever was found, the area is re-armed: boot =
 * the previous boot + 1 (1 without a record), the all-boots class peaks and
 * failures carried over from a valid record, the rest zero, CRC valid.
 * Returns: ESP_OK (a record of the previous boot was found).
 * Errors: ESP_ERR_INVALID_ARG (area NULL), ESP_ERR_NOT_FOUND (no record:
 *   first boot, power-on RAM), MODESP_ERR_CORRUPTED (the magic is there but
 *   the version, size or CRC is wrong: a torn save or damaged RAM).
 * Complexity: O(sizeof record).
 * ISR-safe: no (start-up, before the diagnostics run).
 */
esp_err_t modesp_memory_diagnostics_postmortem_begin(modesp_diag_postmortem_t *area,
                                                     modesp_diag_postmortem_t *previous);

/*
 * Write the figures of now into `area` (armed by postmortem_begin): the
 * manager's classes (diag's manager; none without one), the last health
 * verdict of `diag` (call modesp_memory_diagnostics_health first for a fresh
 * one), the newest failed requests of the failure ring, uptime; the CRC last.
 * Uses no snapshot (a few hundred bytes of stack), so it also suits a panic
 * or task-watchdog hook. A reset in the middle of a save leaves a record the
 * next boot reads as MODESP_ERR_CORRUPTED (the record is lost; the two-slot
 * postmortem_area_save below keeps the previous save instead).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag not initialised, area NULL),
 *   ESP_ERR_INVALID_STATE (area not armed by postmortem_begin).
 * Complexity: O(classes + failure slots + sizeof record).
 * ISR-safe: no (task context, or a panic handler with the other contexts stopped).
 */
esp_err_t modesp_memory_diagnostics_postmortem_save(const modesp_memory_diagnostics_t *diag,
                                                    modesp_diag_postmortem_t *area);

/*
 * postmortem_begin for a two-slot area: the valid slot with the newest
 * sequence number is the previous boot's record, copied into *previous (may
 * be NULL); then this boot's armed record (boot + 1, all-boots figures
 * carried over, next sequence number) is written into the other slot, so a
 * reset while arming still leaves the previous record for the next boot.
 * Returns: ESP_OK (a record of the previous boot was found).
 * Errors: ESP_ERR_INVALID_ARG (area NULL), ESP_ERR_NOT_FOUND (neither slot
 *   has the magic: first boot, power-on RAM), MODESP_ERR_CORRUPTED (a magic
 *   but no valid slot: damaged RAM).
 * Complexity: O(sizeof area).
 * ISR-safe: no (start-up, before the diagnostics run).
 */
esp_err_t modesp_memory_diagnostics_postmortem_area_begin(modesp_diag_postmortem_area_t *area,
                                                          modesp_diag_postmortem_t *previous);

/*
 * postmortem_save for a two-slot area: the newest valid record is copied
 * into the other slot, updated there as postmortem_save does and sealed
 * with the next sequence number; the newest slot is not written, so a reset
 * at any point of the save leaves it whole (the next boot reads it, or the
 * new one if the save completed).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (diag not initialised, area NULL),
 *   ESP_ERR_INVALID_STATE (no valid slot: area not armed by postmortem_area_begin).
 * Complexity: O(classes + failure slots + sizeof record).
 * ISR-safe: no (task context, or a panic handler with the other contexts stopped).
 */
esp_err_t modesp_memory_diagnostics_postmortem_area_save(const modesp_memory_diagnostics_t *diag,
                                                         modesp_diag_postmortem_area_t *area);

/*
 * Render a record (the `previous` of postmortem_begin) as text lines:
 * boot number, uptime, health, class table with the all-boots peaks, the
 * failed requests kept.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (rec or sink NULL), ESP_ERR_NOT_SUPPORTED (no
 *   C library snprintf).
 * Complexity: O(classes + MODESP_DIAG_PM_FAILURES).
 * ISR-safe: no.
 */
esp_err_t modesp_memory_diagnostics_postmortem_report(const modesp_diag_postmortem_t *rec, modesp_diag_line_fn sink,
                                                      void *ctx);

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

#ifdef __cplusplus
#include "modesp/diagnostics.hpp" /* the guide's C++ API: MemoryDiagnostics, TRACK_MEMORY_USAGE */
#endif

#endif /* MODESP_MEMORY_DIAGNOSTICS_H */
