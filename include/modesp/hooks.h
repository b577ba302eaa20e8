/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extension points of the core for the layers above it (diagnostics, event
 * bus, the application): trace hooks on every pool allocation and free, the
 * call site of the public allocation macros, a registry of pools, the
 * library's clock, and the count of broken invariants.
 *
 * Nothing here allocates, and everything costs nothing when unused: the trace
 * hook points compile to nothing unless Kconfig MEMORY_POOL_ENABLE_TRACING is
 * set, and the registry is filled at program start (GNU C constructors) or by
 * modesp_pool_register().
 */
#ifndef MODESP_HOOKS_H
#define MODESP_HOOKS_H

#include <stdint.h>

#include "modesp/fixed_pool.h"
#include "modesp/mempool_config.h"
#include "modesp/mempool_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ trace hooks */

/* MODESP_TRACING and MODESP_CALL_SITE: see modesp/mempool_config.h. */

/*
 * Called on every successful allocation and free of every pool (the
 * manager's included), and on every request counted as failed (a pool's or
 * a manager class's alloc_failures), in the context that made it: a task,
 * an ISR or another core. A hook must be short, ISR-safe, and must not call
 * back into the pool it is told about. `file`/`line` are the call site given
 * to an ..._at entry point (the public allocation macros give theirs), else
 * NULL/0. `size` is the number of bytes requested from the manager (or from
 * modesp_pool_new), 0 when the request was for a whole block (the pool
 * API). `index` is the block's index in its pool: a side table of capacity
 * entries per pool is the way to keep per-block data (the metadata word is
 * full); modesp_pool_block_at turns it back into the block's address.
 * on_fail gets the pool that could not serve the request (for the manager:
 * the requested class's pool). Any member may be NULL.
 */
typedef struct {
    void (*on_alloc)(const modesp_pool_t *pool, uint32_t index, const void *block, uint32_t size, const char *file,
                     int line, void *ctx);
    void (*on_free)(const modesp_pool_t *pool, uint32_t index, const void *block, void *ctx);
    void *ctx;
    void (*on_fail)(const modesp_pool_t *pool, uint32_t size, const char *file, int line, void *ctx);
} modesp_trace_hooks_t;

/*
 * Install the trace hooks (NULL removes them). The table is read at each
 * hook point, so it must stay valid while installed (static storage).
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_NOT_SUPPORTED  tracing is compiled out (Kconfig MEMORY_POOL_ENABLE_TRACING off)  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes (one atomic store).
 */
esp_err_t modesp_trace_set_hooks(const modesp_trace_hooks_t *hooks);

/*
 * The address of block `index` of `pool` (the inverse of
 * modesp_pool_block_index), for side tables indexed by block index.
 * Returns: the block's address, or NULL on an error below.
 * Errors:
 *   NULL  pool NULL or not an initialised pool, or index >= capacity  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
void *modesp_pool_block_at(const modesp_pool_t *pool, uint32_t index);

/* --------------------------------------------------------- admission hook */

/*
 * MODESP_ADMISSION: 1 when the manager consults an admission hook before
 * each request (Kconfig MEMORY_DIAG_OWNER_QUOTAS, which needs tracing); 0:
 * the check is compiled out of the allocation path.
 */
#if defined(CONFIG_MEMORY_DIAG_OWNER_QUOTAS) && MODESP_TRACING
#define MODESP_ADMISSION 1
#else
#define MODESP_ADMISSION 0
#endif

/*
 * Asked once per manager request (allocate, allocate_at, allocate_ex,
 * allocate_critical) after the size check and before any pool is touched,
 * in the requesting context (a task, an ISR or another core), with the pool
 * of the requested class and the requested size. ESP_OK admits the request;
 * any other code refuses it and the manager returns that code (NULL from the
 * pointer-returning calls) without touching a pool or counting a pool
 * failure. A SPILL request is asked about its requested class only. Must be
 * short, ISR-safe and wait for nothing. The diagnostics layer's per-owner
 * quotas install one.
 */
typedef struct {
    esp_err_t (*admit)(const modesp_pool_t *class_pool, uint32_t size, void *ctx);
    void *ctx;
} modesp_admission_hook_t;

/*
 * Install the admission hook (NULL removes it). The table must stay valid
 * while installed (static storage).
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_NOT_SUPPORTED  admission compiled out (MODESP_ADMISSION 0)  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes (one atomic store).
 */
esp_err_t modesp_admission_set_hook(const modesp_admission_hook_t *hook);

/* ---------------------------------------------------------- pool registry */

/* modesp_pool_register() is declared in modesp/fixed_pool.h (the DEFINE macros call it). */

/*
 * Walk the registry: modesp_pool_registry_next(NULL) gives the first pool,
 * then pass the previous one (a pool the walk returned); NULL at the end.
 * Pools registered during a walk may or may not be seen. Takes no lock.
 * With Kconfig MEMORY_POOL_REGISTRY off (minimal profile) the registry is
 * empty: always NULL.
 * Returns: the next registered pool (newest first), or NULL at the end.
 * Errors: none.
 * Complexity: O(1) per step.
 * ISR-safe: yes.
 */
const modesp_pool_t *modesp_pool_registry_next(const modesp_pool_t *previous);

/* ---------------------------------------------------------------- clock */

/*
 * The library's monotonic clock in microseconds (the port's modesp_port_time_us).
 * Returns: the time in microseconds since an arbitrary origin.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
uint64_t modesp_time_us(void);

/* ------------------------------------------------------------ invariants */

/*
 * Invariant checks that failed since start (Kconfig MEMORY_POOL_DEBUG_ASSERTS;
 * always 0 when the checks are compiled out).
 * Returns: the count.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
uint32_t modesp_assert_failures(void);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_HOOKS_H */
