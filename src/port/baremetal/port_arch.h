/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port: what each architecture file (port_cortex_m.c,
 * port_riscv.c, port_xtensa.c) gives the common part (private). The
 * architecture file also defines modesp_port_critical_enter/exit and
 * modesp_port_in_isr from src/port/port.h.
 */
#ifndef MODESP_PORT_ARCH_H
#define MODESP_PORT_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* The architecture's own clock in microseconds; false when the application has not set it up. */
bool modesp_port_arch_time_us(uint64_t *now_us);

#endif /* MODESP_PORT_ARCH_H */
