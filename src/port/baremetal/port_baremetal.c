/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port, the architecture-independent half: clock selection, the
 * polled wait queue, log formatting and the heap. The other half (critical
 * section, "in ISR", the architecture's clock) is port_cortex_m.c,
 * port_riscv.c or port_xtensa.c; build exactly one of them with this file.
 */
#include <stdarg.h>
#include <stddef.h>

#include "modesp/port_baremetal.h"
#include "port.h"
#include "port_arch.h"

/*
 * A libc is optional: newlib (arm-none-eabi) and picolibc (RISC-V with
 * --specs=picolibc.specs) provide malloc and vsnprintf; a toolchain without
 * one (Xtensa LX106 here) still builds the port, with no heap and unformatted
 * log lines. MODESP_BAREMETAL_NO_LIBC forces the libc-free variant.
 * MODESP_BAREMETAL_LOG_UNFORMATTED keeps malloc but logs the format string
 * as is: vsnprintf costs about 0.8 KiB of flash on Cortex-M (newlib-nano),
 * more than the library's allocation path, for a line that only the
 * use-after-free quarantine ever prints.
 */
#if !defined(MODESP_BAREMETAL_NO_LIBC) && defined(__has_include)
#if __has_include(<stdio.h>) && __has_include(<stdlib.h>)
#define HAVE_LIBC 1
#endif
#endif
#ifndef HAVE_LIBC
#define HAVE_LIBC 0
#endif

#if HAVE_LIBC && !defined(MODESP_BAREMETAL_LOG_UNFORMATTED)
#define FORMAT_LOG 1
#else
#define FORMAT_LOG 0
#endif

#if HAVE_LIBC
#include <stdlib.h>
#endif
#if FORMAT_LOG
#include <stdio.h>
#endif

#define LOG_LINE_MAX 128

static modesp_port_baremetal_clock_fn_t s_clock;
static uint32_t s_fallback_us;

__attribute__((weak)) void modesp_port_baremetal_console_write(const char *text, size_t len)
{
    (void)text;
    (void)len;
}

__attribute__((weak)) void modesp_port_baremetal_idle(void) {}

void modesp_port_baremetal_set_clock(modesp_port_baremetal_clock_fn_t clock)
{
    __atomic_store_n(&s_clock, clock, __ATOMIC_RELEASE);
}

MODESP_IRAM_ATTR uint64_t modesp_port_time_us(void)
{
    const modesp_port_baremetal_clock_fn_t clock = __atomic_load_n(&s_clock, __ATOMIC_ACQUIRE);
    if (clock != NULL) {
        return clock();
    }
    uint64_t now = 0;
    if (modesp_port_arch_time_us(&now)) {
        return now;
    }
    /* No clock set up: a call counter, so that a timed WAIT still ends. */
    const uint32_t s = modesp_port_critical_enter();
    now = ++s_fallback_us;
    modesp_port_critical_exit(s);
    return now;
}

/* ---------------------------------------------------------------- wait queue
 * No scheduler: the waiter spins on the sequence number. The free that makes a
 * block available signals after its push (pool_manager.c), so a waiter that
 * sees the sequence move finds the block when it retries; the manager keeps
 * the waiter-count pairing that prevents a lost wake-up, this only has to
 * notice the change. Nothing to create, so a zero-filled queue is ready.
 */

uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q) { return __atomic_load_n(&q->seq, __ATOMIC_ACQUIRE); }

esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us)
{
    for (;;) {
        if (__atomic_load_n(&q->seq, __ATOMIC_ACQUIRE) != seen_seq) {
            return ESP_OK;
        }
        if (modesp_port_time_us() >= deadline_us) {
            return (__atomic_load_n(&q->seq, __ATOMIC_ACQUIRE) != seen_seq) ? ESP_OK : ESP_ERR_TIMEOUT;
        }
        modesp_port_baremetal_idle();
    }
}

MODESP_IRAM_ATTR void modesp_port_waitq_signal(modesp_port_waitq_t *q)
{
    /* A critical section, not an atomic add: the targets without a CAS have no atomic add either. */
    const uint32_t s = modesp_port_critical_enter();
    const uint32_t seq = __atomic_load_n(&q->seq, __ATOMIC_RELAXED);
    __atomic_store_n(&q->seq, seq + 1u, __ATOMIC_RELEASE);
    modesp_port_critical_exit(s);
}

/* ---------------------------------------------------------------- log */

/* Leaves room for the final newline. */
static size_t append(char *buf, size_t at, const char *text)
{
    while (at < LOG_LINE_MAX - 2u && *text != '\0') {
        buf[at++] = *text++;
    }
    return at;
}

void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
{
    static const char letters[] = "?EWID";
    char line[LOG_LINE_MAX];
    size_t n = 0;
    line[n++] = ((unsigned)level < sizeof letters - 1u) ? letters[level] : '?';
    n = append(line, n, " (");
    n = append(line, n, tag != NULL ? tag : "?");
    n = append(line, n, ") ");
#if FORMAT_LOG
    va_list ap;
    va_start(ap, fmt);
    const int written = vsnprintf(line + n, LOG_LINE_MAX - 1u - n, fmt, ap);
    va_end(ap);
    if (written > 0) {
        n += ((size_t)written < LOG_LINE_MAX - 1u - n) ? (size_t)written : LOG_LINE_MAX - 2u - n;
    }
#else
    /* No formatter: the format string itself still says what happened. */
    n = append(line, n, fmt);
#endif
    line[n++] = '\n';
    modesp_port_baremetal_console_write(line, n);
}

/* ---------------------------------------------------------------- heap */

void *modesp_port_heap_alloc(size_t size)
{
#if HAVE_LIBC
    return malloc(size);
#else
    (void)size;
    return NULL; /* no heap: the heap fallback reports ESP_ERR_NO_MEM */
#endif
}

void modesp_port_heap_free(void *ptr)
{
#if HAVE_LIBC
    free(ptr);
#else
    (void)ptr;
#endif
}
