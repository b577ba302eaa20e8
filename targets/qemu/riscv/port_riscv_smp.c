/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port, RISC-V half for several harts (the dual-hart self-test).
 *
 * The library's src/port/baremetal/port_riscv.c is written for one hart: its
 * critical section only clears this hart's mstatus.MIE, and its "in ISR"
 * nesting counter is one word for the whole machine, so with two harts one
 * hart's interrupt makes the other's modesp_port_in_isr() true, and two
 * unsynchronised increments can leave it wrong for good. This file replaces
 * it, with the same functions, for images that run the library on several
 * harts at once:
 *
 *  - Critical section: mstatus.MIE off on this hart, then a spinlock shared
 *    by all harts, re-entrant on the hart that holds it (what ESP-IDF's
 *    portENTER_CRITICAL does on the dual-core ESP32). The library takes it
 *    only off its allocate/free paths (pressure callback table, statistics
 *    reset, the WAIT sequence number) and holds it for a few instructions.
 *  - "In ISR": one nesting counter per hart, indexed by mhartid.
 *  - Clock: the CLINT mtime, as in port_riscv.c.
 */
#include "hart.h" /* RISCV_MAX_HARTS */
#include "modesp/port_baremetal.h"
#include "port.h"
#include "port_arch.h"

#if !defined(__riscv) || !defined(__riscv_atomic)
#error "port_riscv_smp.c is for RISC-V harts with the A extension"
#endif

#define MSTATUS_MIE 0x8u

static uint32_t s_lock_owner;                   /* 0: free, else mhartid + 1 */
static uint32_t s_lock_depth[RISCV_MAX_HARTS];  /* nesting on the owning hart; only it writes its entry */
static uint32_t s_isr_nesting[RISCV_MAX_HARTS]; /* only hart N writes entry N */
static volatile uint32_t *s_mtime;              /* low word; the high word follows */
static uint32_t s_mtime_hz;

/* Inlined: the ISR-path functions below are placed like the library's (MODESP_IRAM_ATTR). */
static inline __attribute__((always_inline)) uint32_t hart_id(void)
{
    uint32_t id;
    __asm volatile("csrr %0, mhartid" : "=r"(id));
    return id;
}

MODESP_IRAM_ATTR uint32_t modesp_port_critical_enter(void)
{
    uint32_t old;
    __asm volatile("csrrci %0, mstatus, %1" : "=r"(old) : "i"(MSTATUS_MIE) : "memory");
    const uint32_t me = hart_id() + 1u;
    /* Only this hart stores its own id, so a relaxed read of it is exact. */
    if (__atomic_load_n(&s_lock_owner, __ATOMIC_RELAXED) != me) {
        uint32_t free_word = 0u;
        while (!__atomic_compare_exchange_n(&s_lock_owner, &free_word, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            free_word = 0u;
        }
    }
    s_lock_depth[me - 1u]++;
    return old & MSTATUS_MIE;
}

MODESP_IRAM_ATTR void modesp_port_critical_exit(uint32_t state)
{
    const uint32_t hart = hart_id();
    if (--s_lock_depth[hart] == 0u) {
        __atomic_store_n(&s_lock_owner, 0u, __ATOMIC_RELEASE);
    }
    if ((state & MSTATUS_MIE) != 0u) {
        __asm volatile("csrsi mstatus, %0" : : "i"(MSTATUS_MIE) : "memory");
    }
}

/* Called with this hart's interrupts masked (trap entry); other harts touch other entries. */
void modesp_port_baremetal_isr_enter(void)
{
    const uint32_t hart = hart_id();
    __atomic_store_n(&s_isr_nesting[hart], s_isr_nesting[hart] + 1u, __ATOMIC_RELAXED);
}

void modesp_port_baremetal_isr_exit(void)
{
    const uint32_t hart = hart_id();
    __atomic_store_n(&s_isr_nesting[hart], s_isr_nesting[hart] - 1u, __ATOMIC_RELAXED);
}

MODESP_IRAM_ATTR bool modesp_port_in_isr(void)
{
    return __atomic_load_n(&s_isr_nesting[hart_id()], __ATOMIC_RELAXED) != 0u;
}

void modesp_port_riscv_mtime_init(uintptr_t mtime_addr, uint32_t hz)
{
    s_mtime = (volatile uint32_t *)mtime_addr; /* NOLINT(performance-no-int-to-ptr): MMIO */
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
