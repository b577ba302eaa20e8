/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port, Xtensa half (ESP8266's LX106; compile-tested only: there
 * is no LX106 machine in QEMU here to run it on).
 *
 * Critical section: RSIL raises PS.INTLEVEL to 15 (masks every level) and
 * returns the old PS, which exit writes back. One core only.
 *
 * "In ISR": as on RISC-V, the interrupt entry brackets the handler with
 * modesp_port_baremetal_isr_enter/_exit.
 *
 * Clock: the 32-bit CCOUNT cycle counter, widened to 64 bits by noticing
 * wraps, which needs a read at least once per 2^32 cycles (53 s at 80 MHz).
 */
#include "modesp/port_baremetal.h"
#include "port.h"
#include "port_arch.h"

#if !defined(__XTENSA__)
#error "port_xtensa.c is for Xtensa targets"
#endif

static uint32_t s_isr_nesting;
static uint32_t s_cycles_per_us;
static uint32_t s_last_ccount;
static uint64_t s_high; /* cycles counted in earlier CCOUNT wraps */

uint32_t modesp_port_critical_enter(void)
{
    uint32_t ps;
    __asm volatile("rsil %0, 15" : "=a"(ps) : : "memory");
    return ps;
}

void modesp_port_critical_exit(uint32_t state) { __asm volatile("wsr %0, ps\n\trsync" : : "a"(state) : "memory"); }

void modesp_port_baremetal_isr_enter(void) { __atomic_store_n(&s_isr_nesting, s_isr_nesting + 1u, __ATOMIC_RELAXED); }

void modesp_port_baremetal_isr_exit(void) { __atomic_store_n(&s_isr_nesting, s_isr_nesting - 1u, __ATOMIC_RELAXED); }

bool modesp_port_in_isr(void) { return __atomic_load_n(&s_isr_nesting, __ATOMIC_RELAXED) != 0u; }

static uint32_t ccount(void)
{
    uint32_t c;
    __asm volatile("rsr %0, ccount" : "=a"(c));
    return c;
}

void modesp_port_xtensa_ccount_init(uint32_t cpu_hz)
{
    const uint32_t s = modesp_port_critical_enter();
    s_cycles_per_us = cpu_hz / 1000000u;
    s_last_ccount = ccount();
    s_high = 0u;
    modesp_port_critical_exit(s);
}

bool modesp_port_arch_time_us(uint64_t *now_us)
{
    if (s_cycles_per_us == 0u) {
        return false;
    }
    const uint32_t s = modesp_port_critical_enter();
    const uint32_t c = ccount();
    if (c < s_last_ccount) {
        s_high += (uint64_t)1u << 32;
    }
    s_last_ccount = c;
    const uint64_t cycles = s_high + c;
    modesp_port_critical_exit(s);
    *now_us = cycles / s_cycles_per_us;
    return true;
}
