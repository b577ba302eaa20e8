/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port, RISC-V half (machine mode, one hart).
 *
 * Critical section: clear mstatus.MIE with csrrci, which returns the old
 * value in the same instruction, and set it again only if it was set. A trap
 * handler runs with MIE clear, so this nests correctly there too. With
 * several harts it would not exclude the others; this port is for one hart.
 *
 * "In ISR": RISC-V has no register that says "handling a trap", so the trap
 * entry brackets the handler with modesp_port_baremetal_isr_enter/_exit,
 * which count nesting levels.
 *
 * Clock: the 64-bit CLINT mtime, at an address and rate the application gives.
 */
#include "modesp/port_baremetal.h"
#include "port.h"
#include "port_arch.h"

#if !defined(__riscv)
#error "port_riscv.c is for RISC-V targets"
#endif

#define MSTATUS_MIE 0x8u

static uint32_t s_isr_nesting;
static volatile uint32_t *s_mtime; /* low word; the high word follows */
static uint32_t s_mtime_hz;

MODESP_IRAM_ATTR uint32_t modesp_port_critical_enter(void)
{
    uint32_t old;
    __asm volatile("csrrci %0, mstatus, %1" : "=r"(old) : "i"(MSTATUS_MIE) : "memory");
    return old & MSTATUS_MIE;
}

MODESP_IRAM_ATTR void modesp_port_critical_exit(uint32_t state)
{
    if ((state & MSTATUS_MIE) != 0u) {
        __asm volatile("csrsi mstatus, %0" : : "i"(MSTATUS_MIE) : "memory");
    }
}

/* Called with interrupts masked (trap entry), so plain increments are safe on one hart. */
void modesp_port_baremetal_isr_enter(void) { __atomic_store_n(&s_isr_nesting, s_isr_nesting + 1u, __ATOMIC_RELAXED); }

void modesp_port_baremetal_isr_exit(void) { __atomic_store_n(&s_isr_nesting, s_isr_nesting - 1u, __ATOMIC_RELAXED); }

MODESP_IRAM_ATTR bool modesp_port_in_isr(void) { return __atomic_load_n(&s_isr_nesting, __ATOMIC_RELAXED) != 0u; }

void modesp_port_riscv_mtime_init(uintptr_t mtime_addr, uint32_t hz)
{
    s_mtime = (volatile uint32_t *)mtime_addr;
    s_mtime_hz = hz;
}

MODESP_IRAM_ATTR bool modesp_port_arch_time_us(uint64_t *now_us)
{
    if (s_mtime == NULL || s_mtime_hz == 0u) {
        return false;
    }
    /* RV32 reads the 64-bit counter in two halves: retry if the high half moved. */
    uint32_t hi;
    uint32_t lo;
    do {
        hi = s_mtime[1];
        lo = s_mtime[0];
    } while (hi != s_mtime[1]);
    const uint64_t ticks = ((uint64_t)hi << 32) | lo;
    *now_us = (ticks / s_mtime_hz) * 1000000u + (ticks % s_mtime_hz) * 1000000u / s_mtime_hz;
    return true;
}
