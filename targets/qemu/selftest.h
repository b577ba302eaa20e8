/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware self-test run under QEMU (make qemu-test): what the portable test
 * (selftest.c) needs from each machine's startup code, and what it gives back.
 */
#ifndef MODESP_QEMU_SELFTEST_H
#define MODESP_QEMU_SELFTEST_H

#include <stdint.h>

/* Machine side (cortex_m/startup.c, riscv/platform.c). */
void plat_puts(const char *text);                     /* console: semihosting or UART */
__attribute__((noreturn)) void plat_exit(int status); /* end QEMU with this exit status */
void plat_timer_start(void);                          /* periodic timer interrupt -> selftest_timer_isr */
const char *plat_name(void);

/* Test side. */
int selftest_main(void);       /* 0 when every check passed */
void selftest_timer_isr(void); /* called from the timer interrupt handler */

#endif /* MODESP_QEMU_SELFTEST_H */
