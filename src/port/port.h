/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Platform port interface (private).
 *
 * Everything the library needs from the platform, kept small so a port is a
 * page of code: a microsecond clock, "am I in an ISR", a short critical
 * section (used only where the target lacks a 32-bit CAS), a wait queue with
 * timeout for the WAIT strategy, log output, and the heap for the opt-in heap
 * fallback. Each port lives in src/port/<name>/ and provides port_types.h
 * (the complete modesp_port_waitq_t type and MODESP_PORT_WAITQ_INITIALIZER)
 * and the functions below.
 */
#ifndef MODESP_PORT_H
#define MODESP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/mempool_attr.h" /* MODESP_IRAM_ATTR on the calls an ISR makes */
#include "modesp/mempool_err.h"
#include "port_types.h"

typedef enum {
    MODESP_LOG_ERROR = 1,
    MODESP_LOG_WARN = 2,
    MODESP_LOG_INFO = 3,
    MODESP_LOG_DEBUG = 4,
} modesp_log_level_t;

/*
 * Monotonic time in microseconds since an arbitrary origin.
 * Returns: the time.
 * Errors: none (never fails).
 * Complexity: O(1).
 * ISR-safe: yes.
 */
uint64_t modesp_port_time_us(void);

/*
 * Whether the caller runs in interrupt context.
 * Returns: true when called from interrupt context, false from a task.
 * Errors: none (never fails).
 * Complexity: O(1).
 * ISR-safe: yes.
 */
bool modesp_port_in_isr(void);

/*
 * Enter a short critical section that excludes every other context (other
 * cores and ISRs); leave it with modesp_port_critical_exit from the same
 * context. Never nested by the library, never held while calling out (no OS
 * call, no wait-queue call inside).
 * Returns: the state to pass to modesp_port_critical_exit.
 * Errors: none (never fails).
 * Complexity: O(1), plus the wait for another core's section where there is one.
 * ISR-safe: yes.
 */
uint32_t modesp_port_critical_enter(void);

/*
 * Leave the critical section entered by modesp_port_critical_enter, with the
 * state it returned, from the same context.
 * Errors: none (never fails).
 * Complexity: O(1).
 * ISR-safe: yes.
 */
void modesp_port_critical_exit(uint32_t state);

/*
 * Wait queue: a sequence number plus a way to sleep until it changes.
 *
 * No initialisation call: every port's port_types.h defines
 * MODESP_PORT_WAITQ_INITIALIZER, a constant initializer
 *     static modesp_port_waitq_t q = MODESP_PORT_WAITQ_INITIALIZER;
 * and an all-zero object (static storage without initializer, .bss) is the
 * same queue, so a queue is ready from program start and a structure that
 * embeds one can be initialised at compile time. Whatever the OS needs (a
 * condition variable, a semaphore) is created by the first wait that needs
 * it. A queue is never destroyed (the library's are static) and must not be
 * copied once used. seq starts at 0.
 */

/*
 * Current sequence number. Read it before re-checking the condition, then
 * pass it to wait.
 * Returns: the sequence number.
 * Errors: none (never fails).
 * Complexity: O(1).
 * ISR-safe: yes (task or ISR context).
 */
uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q);

/*
 * Sleep until seq differs from seen_seq or the monotonic clock
 * (modesp_port_time_us) reaches deadline_us; UINT64_MAX waits without limit.
 * The first wait on a queue creates what the port needs to sleep on.
 * Returns ESP_ERR_TIMEOUT when the deadline passed with seq unchanged, and
 * ESP_OK otherwise: seq changed, or an early return with seq unchanged
 * (FreeRTOS: after one tick, while another task is still creating the
 * queue's semaphore; any port: when the OS refused to create its object).
 * So ESP_OK means only "look again": the caller re-reads seq, re-checks its
 * condition and its deadline, and waits again.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_TIMEOUT  the deadline passed with seq unchanged (never another code)  (not counted)
 * Complexity: blocks until a signal, the deadline, or an early return (above).
 * ISR-safe: no (task context only: it blocks).
 */
esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us);

/*
 * Advance seq and wake every task sleeping in wait on q. Never blocks
 * (beyond the port's short lock).
 * Errors: none (never fails).
 * Complexity: O(1); on FreeRTOS O(tasks asleep on q), one semaphore give each.
 * ISR-safe: yes (task or ISR context).
 */
void modesp_port_waitq_signal(modesp_port_waitq_t *q);

/*
 * printf-style log line with a tag (a port may cut a long line).
 * Errors: none (never fails).
 * Complexity: O(length of the line), plus the output's own cost.
 * ISR-safe: no (task context only).
 */
void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * Heap for the opt-in heap fallback: `size` bytes from the platform heap.
 * Returns: the block, or NULL on an error below.
 * Errors:
 *   NULL  the heap is exhausted, or the port has none  (not counted here)
 * Complexity: the platform heap's (not bounded by the library).
 * ISR-safe: no (task context only).
 */
void *modesp_port_heap_alloc(size_t size);

/*
 * Give back a block that modesp_port_heap_alloc returned.
 * Errors: none.
 * Complexity: the platform heap's (not bounded by the library).
 * ISR-safe: no (task context only).
 */
void modesp_port_heap_free(void *ptr);

#endif /* MODESP_PORT_H */
