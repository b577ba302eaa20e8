/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_mempool error codes.
 *
 * Every fallible call returns an esp_err_t. On ESP-IDF the type and the
 * generic ESP_ERR_* values come from esp_err.h; on other platforms this
 * header defines the same names with the same values, so code reads the
 * same everywhere. Library-specific codes live in their own range
 * (MODESP_ERR_MEMPOOL_BASE), chosen away from the ESP-IDF component bases.
 */
#ifndef MODESP_MEMPOOL_ERR_H
#define MODESP_MEMPOOL_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ESP_PLATFORM)
#include "esp_err.h"
#elif !defined(ESP_OK)
typedef int esp_err_t;
#define ESP_OK                0
#define ESP_FAIL              (-1)
#define ESP_ERR_NO_MEM        0x101
#define ESP_ERR_INVALID_ARG   0x102
#define ESP_ERR_INVALID_STATE 0x103
#define ESP_ERR_INVALID_SIZE  0x104
#define ESP_ERR_NOT_FOUND     0x105
#define ESP_ERR_NOT_SUPPORTED 0x106
#define ESP_ERR_TIMEOUT       0x107
#endif

/*
 * The closed set of codes this library returns:
 *
 *   ESP_OK                      success
 *   ESP_ERR_NO_MEM              the pool/class is exhausted (no wait asked), or the
 *                               heap fallback found the heap empty or its slots full
 *   ESP_ERR_TIMEOUT             a WAIT allocation's timeout passed
 *   ESP_ERR_INVALID_ARG         a NULL pointer where an object was needed, a
 *                               handle that is not the manager, or an argument
 *                               out of its range (strategy, flags, thresholds,
 *                               misaligned storage)
 *   ESP_ERR_INVALID_SIZE        size larger than the largest class/block; for
 *                               modesp_pool_init also a block size or count out
 *                               of range or too little storage
 *   ESP_ERR_INVALID_STATE       a blocking call (WAIT, heap) from an ISR
 *   ESP_ERR_NOT_SUPPORTED       strategy disabled in Kconfig (heap fallback),
 *                               tracing compiled out
 *   ESP_ERR_NOT_FOUND           nothing matches: a pressure callback to unregister
 *                               (event bus: an unknown handle or field key)
 *   MODESP_ERR_ZERO_SIZE        size 0 requested
 *   MODESP_ERR_FOREIGN_PTR      pointer outside every pool
 *   MODESP_ERR_MISALIGNED_PTR   pointer inside a pool but not at a block start
 *   MODESP_ERR_DOUBLE_FREE      block is already free
 *   MODESP_ERR_SIZE_MISMATCH    sized free with a size of another class
 *   MODESP_ERR_BAD_POOL         pool handle not initialised or overwritten
 *   MODESP_ERR_CORRUPTED        the integrity check found a broken invariant
 *   MODESP_ERR_USE_AFTER_FREE   poison pattern of a free block was overwritten
 *   MODESP_ERR_FULL             a fixed-size table full (pressure callbacks, bus
 *                               subscribers); full heap slots give ESP_ERR_NO_MEM
 *   MODESP_ERR_MANAGED_POOL     pool-API call on a pool the manager owns
 *   MODESP_ERR_ALREADY_REGISTERED  the same callback and context registered twice
 *   MODESP_ERR_QUOTA            a per-owner quota refused the request (its cap, or
 *                               another owner's unmet floor; modesp/memory_diagnostics.h)
 *   MODESP_ERR_BAD_TOPIC .. MODESP_ERR_WRONG_TYPE  event bus (modesp/pooled_event_bus.h)
 */
#define MODESP_ERR_MEMPOOL_BASE       0x9A00
#define MODESP_ERR_ZERO_SIZE          (MODESP_ERR_MEMPOOL_BASE + 1)
#define MODESP_ERR_FOREIGN_PTR        (MODESP_ERR_MEMPOOL_BASE + 2)
#define MODESP_ERR_MISALIGNED_PTR     (MODESP_ERR_MEMPOOL_BASE + 3)
#define MODESP_ERR_DOUBLE_FREE        (MODESP_ERR_MEMPOOL_BASE + 4)
#define MODESP_ERR_SIZE_MISMATCH      (MODESP_ERR_MEMPOOL_BASE + 5)
#define MODESP_ERR_BAD_POOL           (MODESP_ERR_MEMPOOL_BASE + 6)
#define MODESP_ERR_CORRUPTED          (MODESP_ERR_MEMPOOL_BASE + 7)
#define MODESP_ERR_USE_AFTER_FREE     (MODESP_ERR_MEMPOOL_BASE + 8)
#define MODESP_ERR_FULL               (MODESP_ERR_MEMPOOL_BASE + 9)
#define MODESP_ERR_MANAGED_POOL       (MODESP_ERR_MEMPOOL_BASE + 10)
#define MODESP_ERR_ALREADY_REGISTERED (MODESP_ERR_MEMPOOL_BASE + 11)
#define MODESP_ERR_QUOTA              (MODESP_ERR_MEMPOOL_BASE + 12)

/* Event bus (src/bus, modesp/pooled_event_bus.h): codes from BASE + 0x20. */
#define MODESP_ERR_BAD_TOPIC       (MODESP_ERR_MEMPOOL_BASE + 0x20) /* malformed or over-long topic */
#define MODESP_ERR_BAD_PATTERN     (MODESP_ERR_MEMPOOL_BASE + 0x21) /* malformed or over-long pattern */
#define MODESP_ERR_TOO_MANY_FIELDS (MODESP_ERR_MEMPOOL_BASE + 0x22) /* more than EVENT_BUS_MAX_FIELDS */
#define MODESP_ERR_BAD_FIELD       (MODESP_ERR_MEMPOOL_BASE + 0x23) /* bad key, type or string value */
#define MODESP_ERR_EVENT_TOO_LARGE (MODESP_ERR_MEMPOOL_BASE + 0x24) /* encoded event exceeds every block */
#define MODESP_ERR_QUEUE_FULL      (MODESP_ERR_MEMPOOL_BASE + 0x25) /* the priority's queue is full */
#define MODESP_ERR_SUBSCRIBER_FULL (MODESP_ERR_MEMPOOL_BASE + 0x26) /* a REJECT subscriber is full */
#define MODESP_ERR_FILTERED        (MODESP_ERR_MEMPOOL_BASE + 0x27) /* the bus filter refused the event */
#define MODESP_ERR_WRONG_TYPE      (MODESP_ERR_MEMPOOL_BASE + 0x28) /* field exists with another type */

/*
 * Name of a code as a static string ("ESP_ERR_NO_MEM", "MODESP_ERR_DOUBLE_FREE").
 * Returns: the name, or "UNKNOWN_ERROR" for anything else; never NULL.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const char *modesp_err_to_name(esp_err_t err);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_MEMPOOL_ERR_H */
