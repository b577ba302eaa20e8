/*
 * Platform port interface (private).
 *
 * Everything the library needs from the platform, kept small so a port is a
 * page of code: a microsecond clock, "am I in an ISR", a short critical
 * section (used only where the target lacks a 32-bit CAS), a wait queue with
 * timeout for the WAIT strategy, log output, and the heap for the opt-in heap
 * fallback. Each port lives in src/port/<name>/ and provides port_types.h
 * (the complete modesp_port_waitq_t type) and the functions below.
 */
#ifndef MODESP_PORT_H
#define MODESP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/mempool_err.h"
#include "port_types.h"

typedef enum {
    MODESP_LOG_ERROR = 1,
    MODESP_LOG_WARN = 2,
    MODESP_LOG_INFO = 3,
    MODESP_LOG_DEBUG = 4,
} modesp_log_level_t;

/* Monotonic time in microseconds since an arbitrary origin. ISR-safe. */
uint64_t modesp_port_time_us(void);

/* True when called from interrupt context. */
bool modesp_port_in_isr(void);

/*
 * Enter/leave a short critical section that excludes every other context
 * (other cores and ISRs). Returns state to pass to exit. ISR-safe. Never
 * nested by the library, never held while calling out.
 */
uint32_t modesp_port_critical_enter(void);
void modesp_port_critical_exit(uint32_t state);

/*
 * Wait queue: a sequence number plus a way to sleep until it changes.
 * init: once, before use, from task context.
 * seq: current sequence number (read it before re-checking the condition).
 * wait: sleep until seq differs from seen_seq or time reaches deadline_us;
 *       returns ESP_OK (changed) or ESP_ERR_TIMEOUT. Task context only.
 * signal: advance seq and wake every waiter. Task or ISR context.
 */
void modesp_port_waitq_init(modesp_port_waitq_t *q);
uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q);
esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us);
void modesp_port_waitq_signal(modesp_port_waitq_t *q);

/* printf-style log line with a tag. Task context only (the library never logs from an ISR). */
void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Heap for the opt-in heap fallback. Task context only. */
void *modesp_port_heap_alloc(size_t size);
void modesp_port_heap_free(void *ptr);

#endif /* MODESP_PORT_H */
