/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's port for the fragmentation firmware: one core, no RTOS, no
 * interrupts in use. Just enough for the manager's STRICT path; WAIT has
 * nothing to wait on and times out at once.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "port.h"
#include "semihost.h"

uint64_t modesp_port_time_us(void) { return 0u; }

bool modesp_port_in_isr(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    return ipsr != 0u;
}

uint32_t modesp_port_critical_enter(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    return primask;
}

void modesp_port_critical_exit(uint32_t state) { __asm__ volatile("msr primask, %0" ::"r"(state) : "memory"); }

uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q) { return q->seq; }

esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us)
{
    (void)deadline_us;
    return q->seq != seen_seq ? ESP_OK : ESP_ERR_TIMEOUT;
}

void modesp_port_waitq_signal(modesp_port_waitq_t *q) { q->seq++; }

void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
{
    (void)level;
    out_str(tag);
    out_str(": ");
    out_str(fmt); /* the format unexpanded: enough to see that something was logged */
    out_str("\n");
}

void *modesp_port_heap_alloc(size_t size) { return malloc(size); }

void modesp_port_heap_free(void *ptr) { free(ptr); }
