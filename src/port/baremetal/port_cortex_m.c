/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port, Cortex-M half (ARMv6-M, ARMv7-M, ARMv8-M).
 *
 * Critical section: PRIMASK, saved and restored so it nests and is safe from
 * handlers. It masks every configurable interrupt on this core; there is no
 * other core to exclude. Only the critical-section atomics (Cortex-M0/M0+)
 * and a few bookkeeping paths use it; M3/M4/M7/M33 pools are lock-free.
 *
 * "In ISR": IPSR holds the active exception number, 0 in Thread mode.
 *
 * Clock: SysTick. The port counts wraps (the application's SysTick_Handler
 * calls modesp_port_cortex_m_systick_tick) and adds the cycles elapsed in the
 * current period. DWT CYCCNT is absent on M0/M0+ and not modelled by QEMU, so
 * it is left to modesp_port_baremetal_set_clock.
 */
#include "modesp/port_baremetal.h"
#include "port.h"
#include "port_arch.h"

#if !defined(__ARM_ARCH_PROFILE) || (__ARM_ARCH_PROFILE != 'M')
#error "port_cortex_m.c is for Cortex-M (M-profile) targets"
#endif

#define SYST_LOAD      (*(volatile uint32_t *)0xE000E014u)
#define SYST_VAL       (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR       (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)

static uint32_t s_period_cycles; /* LOAD + 1, 0 = SysTick clock not in use */
static uint32_t s_cycles_per_us;
static uint64_t s_wraps;       /* written by the SysTick handler only */
static uint64_t s_last_cycles; /* last value used, keeps the clock monotonic */

MODESP_IRAM_ATTR uint32_t modesp_port_critical_enter(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
    return primask;
}

MODESP_IRAM_ATTR void modesp_port_critical_exit(uint32_t state)
{
    __asm volatile("msr primask, %0" : : "r"(state) : "memory");
}

MODESP_IRAM_ATTR bool modesp_port_in_isr(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    return (ipsr & 0x1FFu) != 0u;
}

void modesp_port_cortex_m_systick_clock_init(uint32_t cpu_hz)
{
    const uint32_t s = modesp_port_critical_enter();
    s_period_cycles = SYST_LOAD + 1u;
    s_cycles_per_us = cpu_hz / 1000000u;
    s_wraps = 0u;
    s_last_cycles = 0u;
    modesp_port_critical_exit(s);
}

void modesp_port_cortex_m_systick_tick(void) { s_wraps++; }

MODESP_IRAM_ATTR bool modesp_port_arch_time_us(uint64_t *now_us)
{
    if (s_period_cycles == 0u || s_cycles_per_us == 0u) {
        return false;
    }
    const uint32_t s = modesp_port_critical_enter();
    uint64_t wraps = s_wraps;
    uint32_t val = SYST_VAL;
    /* Wrapped but the handler has not counted it yet (we masked it, or we
     * run in a handler above it): count it here and re-read the counter,
     * which may have been read on either side of the wrap. */
    if ((SCB_ICSR & ICSR_PENDSTSET) != 0u) {
        wraps++;
        val = SYST_VAL;
    }
    uint64_t cycles = wraps * s_period_cycles + (s_period_cycles - 1u - val);
    /* A handler that preempts SysTick_Handler between its entry and its tick
     * call would see one period less: never go back in time. */
    if (cycles < s_last_cycles) {
        cycles = s_last_cycles;
    }
    s_last_cycles = cycles;
    modesp_port_critical_exit(s);
    /* The 64-bit division is a library call on ARMv6/7-M: keep it out of the masked section. */
    *now_us = cycles / s_cycles_per_us;
    return true;
}
