/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal start-up for the fragmentation firmware: vector table, .data/.bss
 * set-up, main(), and the end of the run reported to QEMU through semihosting.
 * No interrupts are used: the workload is a plain loop.
 */
#include <stdint.h>

#include "semihost.h"

extern uint32_t _data_load[], _data_start[], _data_end[], _bss_start[], _bss_end[], _stack_top[];
extern int main(void);

void reset_handler(void);
void fault_handler(void);

void reset_handler(void)
{
    for (uint32_t *s = _data_load, *d = _data_start; d < _data_end;) {
        *d++ = *s++;
    }
    for (uint32_t *d = _bss_start; d < _bss_end;) {
        *d++ = 0u;
    }
    /* The M4's FPU stays off: everything is built soft-float. */
    semihost_exit(main());
}

/* Any fault ends the run with a distinctive status instead of hanging QEMU. */
void fault_handler(void)
{
    semihost_puts("FAULT\n");
    semihost_exit(99);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_stack_top, /* initial SP */
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
};
