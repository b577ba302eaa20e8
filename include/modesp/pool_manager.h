/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: the guide's get_pool_manager().
 *
 * One fixed-block pool per size class (TINY..XLARGE; sizes and counts from
 * Kconfig), an optional emergency reserve, allocation strategies, overall
 * utilization and memory-pressure levels with hysteresis and callbacks.
 *
 *     modesp_pool_manager_t *pm = modesp_get_pool_manager();
 *     cmd_t *cmd = modesp_pool_manager_allocate(pm, sizeof *cmd);
 *     ...
 *     modesp_pool_manager_deallocate(pm, cmd, sizeof *cmd);   // or _free(pm, cmd)
 *
 * Blocks come from the smallest class that fits. free() finds the class from
 * the address alone; a sized free also checks the size against the class the
 * block was requested for. Pool memory is static: the manager never uses the
 * heap unless the heap-fallback strategy is enabled in Kconfig and asked for.
 */
#ifndef MODESP_POOL_MANAGER_H
#define MODESP_POOL_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/fixed_pool.h"
#include "modesp/mempool_config.h"
#include "modesp/mempool_err.h"
#include "modesp/size_classes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MODESP_CLASS_TINY .. MODESP_CLASS_XLARGE, from the table in modesp/size_classes.h. */
#define MODESP_CLASS_ENUM_(NAME, name, size, count) MODESP_CLASS_##NAME,
typedef enum { MODESP_SIZE_CLASSES(MODESP_CLASS_ENUM_) } modesp_size_class_t;

typedef enum {
    MODESP_ALLOC_STRICT = 0,    /* the fitting class or nothing (fail fast) */
    MODESP_ALLOC_SPILL,         /* the fitting class, else the next larger ones in order */
    MODESP_ALLOC_HEAP_FALLBACK, /* the fitting class, else the heap (Kconfig MEMORY_POOL_ALLOW_HEAP_FALLBACK) */
    MODESP_ALLOC_WAIT,          /* the fitting class, else block until a block of it is freed or timeout */
} modesp_alloc_strategy_t;

typedef enum {
    MODESP_PRESSURE_NORMAL = 0,
    MODESP_PRESSURE_WARNING,
    MODESP_PRESSURE_CRITICAL,
} modesp_pressure_level_t;

/* Wait without a time limit (WAIT strategy). */
#define MODESP_WAIT_FOREVER UINT32_MAX

typedef struct modesp_pool_manager modesp_pool_manager_t;

/*
 * Called once per pressure-level change, in task context (never in an ISR,
 * never while any pool lock is held), with the utilization (percent of class
 * bytes, 0..100) that caused the change. A change caused in an ISR is
 * delivered by the next allocate, allocate_ex, allocate_critical, free or
 * deallocate made from a task with the real manager handle (whatever its
 * result, except allocate_ex with a NULL `out`, which returns at once), by
 * modesp_pool_manager_set_pressure_thresholds, or by
 * modesp_pool_manager_process_pressure_events; statistics reads and getters
 * deliver nothing. Delivery never waits for another context: a change whose
 * writer was preempted before recording it is delivered by that writer.
 * The manager calls below that deliver run the callbacks in the caller's task.
 */
typedef void (*modesp_pressure_cb_t)(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level,
                                     uint8_t utilization, void *ctx);

/*
 * The process-wide manager. It needs no initialisation: every field, the
 * class pools, the thresholds and the wait queues are constant initializers
 * computed from Kconfig, so the first call from any context (an ISR too)
 * finds it ready.
 * Returns: the same pointer always, never NULL.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
modesp_pool_manager_t *modesp_get_pool_manager(void);

/*
 * Allocate `size` bytes with the manager's default strategy (Kconfig
 * MEMORY_POOL_DEFAULT_STRATEGY: STRICT or SPILL) and default WAIT timeout
 * (0), until modesp_pool_manager_set_default_strategy changes them. Contents
 * are not zeroed.
 * Returns: the block, or NULL on an error below (use _allocate_ex to learn which).
 * Errors:
 *   NULL  pm not the manager                                          (not counted)
 *   NULL  every error of modesp_pool_manager_allocate_ex for the default strategy, with
 *         its counters: size 0 or too large, no block, WAIT timeout or WAIT in an ISR,
 *         heap step failed or refused in an ISR; a failure for lack of a block counts
 *         in the requested class's alloc_failures
 * Complexity: O(1) (WAIT: until a block or the timeout; HEAP_FALLBACK: as in
 *   modesp_pool_manager_allocate_ex); from a task, plus the pressure callbacks it delivers.
 * ISR-safe: yes for STRICT and SPILL; WAIT is refused in an ISR (NULL);
 *   HEAP_FALLBACK in an ISR serves the class and refuses only the heap step.
 */
void *modesp_pool_manager_allocate(modesp_pool_manager_t *pm, size_t size);

/*
 * Allocate `size` bytes with an explicit strategy. *out receives the block,
 * or NULL on an error (it is not touched when pm or out is invalid).
 * timeout_ms is used by WAIT only (0 = don't wait, MODESP_WAIT_FOREVER = no
 * limit). Contents are not zeroed. Counted on success: spills (SPILL served
 * by a larger class), waits (WAIT had to block), wait_deadline_served,
 * heap_allocs.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG     pm not the manager, out NULL, unknown strategy  (not counted)
 *   ESP_ERR_NOT_SUPPORTED   HEAP_FALLBACK while disabled in Kconfig, or WAIT
 *                           compiled out (MEMORY_POOL_WAIT_STRATEGY n)      (not counted)
 *   MODESP_ERR_ZERO_SIZE    size 0                                          (zero_size_requests)
 *   ESP_ERR_INVALID_SIZE    size > CONFIG_MEMORY_POOL_XLARGE_SIZE           (oversize_requests)
 *   ESP_ERR_INVALID_STATE   WAIT from an ISR                                (isr_refusals)
 *   ESP_ERR_INVALID_STATE   HEAP_FALLBACK from an ISR when the class is
 *                           exhausted (the heap step)                       (isr_refusals, alloc_failures)
 *   ESP_ERR_NO_MEM          no block: class exhausted (SPILL: all larger too;
 *                           WAIT: with timeout_ms 0)                        (alloc_failures)
 *   ESP_ERR_NO_MEM          HEAP_FALLBACK: class exhausted, then the heap
 *                           empty or its slots full                         (heap_failures, alloc_failures)
 *   ESP_ERR_TIMEOUT         WAIT: no block freed in time                    (wait_timeouts, alloc_failures)
 * alloc_failures is the requested class's and counts once per call; every
 * attempt that found a class empty counts in that class's `exhausted`.
 * Complexity: O(1); SPILL tries at most the 4 larger classes; WAIT blocks
 *   until a block or the timeout; HEAP_FALLBACK adds the heap's allocation and
 *   O(CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS) for a slot; from a task,
 *   plus the pressure callbacks it delivers.
 * ISR-safe: STRICT and SPILL yes; HEAP_FALLBACK serves the class only; WAIT no (refused).
 */
esp_err_t modesp_pool_manager_allocate_ex(modesp_pool_manager_t *pm, size_t size, modesp_alloc_strategy_t strategy,
                                          uint32_t timeout_ms, void **out);

/*
 * modesp_pool_manager_allocate that hands `file` and `line` to the trace
 * hooks (modesp/hooks.h; ignored when tracing is compiled out). The public
 * allocation macros (modesp_make_pooled, MODESP_POOLED) call it with their
 * own call site.
 * Returns: the block, or NULL on an error below.
 * Errors: as modesp_pool_manager_allocate.
 * Complexity: as modesp_pool_manager_allocate.
 * ISR-safe: as modesp_pool_manager_allocate: yes for STRICT and SPILL; WAIT is refused
 *   in an ISR (NULL); HEAP_FALLBACK in an ISR serves the class and refuses only the heap step.
 */
void *modesp_pool_manager_allocate_at(modesp_pool_manager_t *pm, size_t size, const char *file, int line);

/*
 * Allocation for critical paths: the fitting class (STRICT, whatever the
 * default strategy), else a block of the emergency reserve (Kconfig
 * MEMORY_POOL_EMERGENCY_RESERVE_SIZE, blocks of
 * MEMORY_POOL_EMERGENCY_BLOCK_SIZE) if `size` fits in one. The reserve is
 * reachable only through this call; its blocks do not count in the
 * utilization. Never waits, never uses the heap. Counted on success from the
 * reserve: critical_allocs.
 * Returns: the block, or NULL on an error below.
 * Errors:
 *   NULL  pm not the manager                                    (not counted)
 *   NULL  size 0                                                (zero_size_requests)
 *   NULL  size > CONFIG_MEMORY_POOL_XLARGE_SIZE                 (oversize_requests)
 *   NULL  class exhausted, and the reserve exhausted, absent (reserve size 0)
 *         or its blocks smaller than size                       (critical_failures, the class's alloc_failures)
 * Complexity: O(1); from a task, plus the pressure callbacks it delivers.
 * ISR-safe: yes.
 */
void *modesp_pool_manager_allocate_critical(modesp_pool_manager_t *pm, size_t size);

/*
 * Return a block from any class, the reserve or the heap fallback; the class
 * is found from the address. Nothing changes on an error but the counter
 * named. Freeing a class block wakes the tasks WAITing for that class.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG        pm not the manager                        (not counted)
 *   ESP_ERR_INVALID_ARG        ptr NULL                                  (null_frees)
 *   MODESP_ERR_FOREIGN_PTR     not from this manager                     (foreign_frees)
 *   MODESP_ERR_MISALIGNED_PTR  inside a pool, not at a block start       (the pool's misaligned_frees)
 *   MODESP_ERR_DOUBLE_FREE     block already free, or a racing free of it won (the pool's double_frees)
 *   ESP_ERR_INVALID_STATE      heap-fallback block freed from an ISR     (isr_refusals)
 * Complexity: O(1) (one address range per class); a heap-fallback block, or
 *   any foreign pointer while the heap fallback is enabled, adds
 *   O(CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS) and the heap's free; from a
 *   task, plus the pressure callbacks it delivers.
 * ISR-safe: yes, except for heap-fallback blocks (refused).
 */
esp_err_t modesp_pool_manager_free(modesp_pool_manager_t *pm, void *ptr);

/*
 * The guide's deallocate(raw, sizeof(T)): as modesp_pool_manager_free, and
 * first checks that `size` maps to the class the block was requested for (a
 * spilled or reserve block counts as requested for its original class).
 * Returns: ESP_OK, or an error below.
 * Errors: those of modesp_pool_manager_free, and
 *   MODESP_ERR_ZERO_SIZE      size 0 (ptr not NULL)                         (zero_size_requests)
 *   MODESP_ERR_SIZE_MISMATCH  size maps to another class than the block's   (size_mismatch_frees)
 * Complexity: as modesp_pool_manager_free.
 * ISR-safe: as modesp_pool_manager_free: yes, except for heap-fallback blocks (refused).
 */
esp_err_t modesp_pool_manager_deallocate(modesp_pool_manager_t *pm, void *ptr, size_t size);

/*
 * Set the default strategy and WAIT timeout of modesp_pool_manager_allocate,
 * modesp_pool_manager_allocate_at and modesp_make_pooled (and the pooled
 * macros built on it). Nothing changes on an error.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG    pm not the manager, unknown strategy      (not counted)
 *   ESP_ERR_NOT_SUPPORTED  HEAP_FALLBACK while disabled in Kconfig,
 *                          or WAIT compiled out (MEMORY_POOL_WAIT_STRATEGY n)  (not counted)
 * A strategy other than STRICT set here is what links allocate_ex and the
 * strategies (WAIT: the WAIT code and the clock) into the allocate entry points;
 * an application that never calls this (with a Kconfig default of STRICT) does
 * not carry them.
 * Complexity: O(1).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_pool_manager_set_default_strategy(modesp_pool_manager_t *pm, modesp_alloc_strategy_t strategy,
                                                   uint32_t timeout_ms);

/*
 * The default strategy: Kconfig MEMORY_POOL_DEFAULT_STRATEGY (STRICT or
 * SPILL) until modesp_pool_manager_set_default_strategy changes it.
 * Returns: the strategy, or MODESP_ALLOC_STRICT on an error below.
 * Errors:
 *   MODESP_ALLOC_STRICT  pm not the manager  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
modesp_alloc_strategy_t modesp_pool_manager_get_default_strategy(const modesp_pool_manager_t *pm);

/*
 * The smallest class that holds `size`: after a range check, the class is
 * counted without branches (one compare per class).
 * Returns: the class (a modesp_size_class_t value), or -1 on an error below.
 * Errors:
 *   -1  size 0 or larger than CONFIG_MEMORY_POOL_XLARGE_SIZE  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
int modesp_pool_manager_class_for_size(size_t size);

/*
 * Name of a class as a static string: "TINY", "SMALL", "MEDIUM", "LARGE", "XLARGE".
 * Returns: the name, or "?" on an error below; never NULL.
 * Errors:
 *   "?"  cls is not a class  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const char *modesp_size_class_name(modesp_size_class_t cls);

/*
 * A class's pool, read-only, for statistics and diagnostics (the pool API
 * refuses to allocate from it or free into it).
 * Returns: the pool, or NULL on an error below.
 * Errors:
 *   NULL  pm not the manager, or cls is not a class  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const modesp_pool_t *modesp_pool_manager_get_pool(const modesp_pool_manager_t *pm, modesp_size_class_t cls);

/*
 * The emergency reserve's pool, read-only as the class pools.
 * Returns: the pool, NULL when the reserve size is 0, or NULL on an error below.
 * Errors:
 *   NULL  pm not the manager  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const modesp_pool_t *modesp_pool_manager_get_reserve_pool(const modesp_pool_manager_t *pm);

/*
 * Bytes of class blocks in use as a percentage (0..100, rounded down) of all
 * class bytes (sum of size x count). The reserve and heap are not counted.
 * With Kconfig MEMORY_POOL_PRESSURE_TRACKING off (minimal profile) the bytes
 * are summed from the class pools' counts at this call.
 * Returns: the percentage, or 0 on an error below.
 * Errors:
 *   0  pm not the manager  (not counted)
 * Complexity: O(1); O(classes) with MEMORY_POOL_PRESSURE_TRACKING off.
 * ISR-safe: yes.
 */
uint8_t modesp_pool_manager_get_overall_utilization(const modesp_pool_manager_t *pm);

/*
 * Current pressure level. With Kconfig MEMORY_POOL_PRESSURE_TRACKING off
 * (minimal profile) allocations and frees do not move the level: this call
 * brings it up to date from the class pools' counts, by the same thresholds
 * and hysteresis, so a level crossed and left between two reads is not seen.
 * Returns: the level, or MODESP_PRESSURE_NORMAL on an error below.
 * Errors:
 *   MODESP_PRESSURE_NORMAL  pm not the manager  (not counted)
 * Complexity: O(1); O(classes) with MEMORY_POOL_PRESSURE_TRACKING off.
 * ISR-safe: yes.
 */
modesp_pressure_level_t modesp_pool_manager_get_pressure_level(const modesp_pool_manager_t *pm);

/*
 * Pressure thresholds in percent: the level rises to WARNING at
 * utilization >= warning and to CRITICAL at >= critical; it falls from
 * CRITICAL to WARNING below warning, and to NORMAL below release. Defaults
 * from Kconfig (80, 95, 60). The level is re-evaluated at once; a change,
 * and any still pending, is delivered to the callbacks in this call (or by
 * the context delivering at that moment).
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG  pm not the manager, or not 0 < release <= warning <= critical <= 100  (not counted)
 * Complexity: O(1), plus the pressure callbacks it delivers.
 * ISR-safe: no (task context).
 */
esp_err_t modesp_pool_manager_set_pressure_thresholds(modesp_pool_manager_t *pm, uint8_t warning, uint8_t critical,
                                                      uint8_t release);

/*
 * Register a level-change callback (at most CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS).
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG            pm not the manager, or cb NULL                  (not counted)
 *   MODESP_ERR_ALREADY_REGISTERED  the same cb with the same ctx is registered:
 *                                  it would run twice per change                  (not counted)
 *   MODESP_ERR_FULL                every slot is taken                            (not counted)
 *   ESP_ERR_NOT_SUPPORTED          callbacks compiled out
 *                                  (MEMORY_POOL_PRESSURE_CALLBACKS n)              (not counted)
 * Complexity: O(callbacks), inside the port's critical section.
 * ISR-safe: no (task context).
 */
esp_err_t modesp_pool_manager_register_pressure_callback(modesp_pool_manager_t *pm, modesp_pressure_cb_t cb, void *ctx);

/*
 * Remove a callback registered with the same cb and ctx. A delivery already
 * running in another task may still call it for the one change it is
 * delivering at that moment, never for later ones (the callback list is read
 * anew for every change).
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG  pm not the manager, or cb NULL          (not counted)
 *   ESP_ERR_NOT_FOUND    no callback with this cb and ctx        (not counted)
 *   ESP_ERR_NOT_SUPPORTED  callbacks compiled out (MEMORY_POOL_PRESSURE_CALLBACKS n)  (not counted)
 * Complexity: O(callbacks), inside the port's critical section.
 * ISR-safe: no (task context).
 */
esp_err_t modesp_pool_manager_unregister_pressure_callback(modesp_pool_manager_t *pm, modesp_pressure_cb_t cb,
                                                           const void *ctx);

/*
 * Deliver pressure changes still pending (those caused from an ISR). While
 * another context is delivering, it returns 0 at once: that context
 * delivers them. With callbacks compiled out (MEMORY_POOL_PRESSURE_CALLBACKS
 * n) nothing is ever pending and it returns 0.
 * Returns: the number of changes delivered, or 0 on an error below.
 * Errors:
 *   0  pm not the manager, or called in an ISR  (not counted)
 * Complexity: O(pending changes x callbacks).
 * ISR-safe: yes (it does nothing in an ISR).
 */
uint32_t modesp_pool_manager_process_pressure_events(modesp_pool_manager_t *pm);

typedef struct {
    modesp_pool_stats_t classes[MODESP_CLASS_COUNT];
    modesp_pool_stats_t reserve; /* all zero when there is no reserve */
    uint32_t total_bytes;        /* sum of class size x count; constant */
    uint32_t bytes_in_use;       /* class bytes handed out now */
    uint8_t utilization;         /* percent, as get_overall_utilization */
    modesp_pressure_level_t level;
    uint32_t zero_size_requests;      /* allocate(0) and deallocate(ptr, 0); since reset */
    uint32_t oversize_requests;       /* since reset */
    uint32_t null_frees;              /* since reset */
    uint32_t foreign_frees;           /* pointer from no pool, reserve or heap slot; since reset */
    uint32_t size_mismatch_frees;     /* since reset */
    uint32_t spills;                  /* SPILL served from a larger class; since reset */
    uint32_t waits;                   /* WAIT calls that had to block; since reset */
    uint32_t wait_timeouts;           /* since reset */
    uint32_t wait_deadline_served;    /* WAITs served only at their deadline: a wake-up that never came; since reset */
    uint32_t isr_refusals;            /* WAIT/heap calls refused in an ISR; since reset */
    uint32_t heap_allocs;             /* since reset */
    uint32_t heap_frees;              /* since reset */
    uint32_t heap_in_use;             /* now */
    uint32_t heap_failures;           /* heap empty or slot table full; since reset */
    uint32_t critical_allocs;         /* served from the reserve; since reset */
    uint32_t critical_failures;       /* since reset */
    uint32_t pressure_changes;        /* level changes since start; never decreases */
    uint32_t pressure_events_dropped; /* changes not delivered (ring overflow); since start */
    uint32_t resets;                  /* modesp_pool_manager_reset_stats calls; never reset: a reader that keeps
                                         deltas tells a reset from a quiet period by this changing */
} modesp_pool_manager_stats_t;

/*
 * Snapshot of every counter (each read atomically; fields may come from
 * slightly different instants while other contexts allocate). With Kconfig
 * MEMORY_POOL_PRESSURE_TRACKING off, bytes_in_use is summed from the classes
 * and the level brought up to date (see get_pressure_level) by this call.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG  pm not the manager, or stats NULL  (not counted)
 * Complexity: O(classes).
 * ISR-safe: yes.
 */
esp_err_t modesp_pool_manager_get_stats(const modesp_pool_manager_t *pm, modesp_pool_manager_stats_t *stats);

/*
 * Reset every "since reset" counter of the manager and of its class pools
 * and reserve (as modesp_pool_reset_stats does); in-use values stay.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG  pm not the manager  (not counted)
 * Complexity: O(classes).
 * ISR-safe: yes.
 */
esp_err_t modesp_pool_manager_reset_stats(modesp_pool_manager_t *pm);

/*
 * Run modesp_pool_check_integrity on every class pool and the reserve, and
 * check that the manager's byte count matches the pools (with Kconfig
 * MEMORY_POOL_PRESSURE_TRACKING off there is no byte count: the pools
 * only); stops at the first error. *bad_class (may be NULL) receives the class index, MODESP_CLASS_COUNT
 * for the reserve or -1 for the manager's own counters, and report (may be
 * NULL) the pool's fault (COUNT_MISMATCH for the byte count). Reads metadata
 * only: safe while others allocate, exact only when nobody does.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG   pm not the manager                                      (not counted)
 *   MODESP_ERR_BAD_POOL   a pool overwritten (modesp_pool_check_integrity)        (not counted)
 *   MODESP_ERR_CORRUPTED  a pool's invariant broken (modesp_pool_check_integrity),
 *                         or the byte count does not match the pools             (not counted)
 * Complexity: O(blocks): every class pool and the reserve are walked.
 * ISR-safe: no (it runs for O(blocks)).
 */
esp_err_t modesp_pool_manager_check_integrity(const modesp_pool_manager_t *pm, int *bad_class,
                                              modesp_pool_integrity_t *report);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_POOL_MANAGER_H */
