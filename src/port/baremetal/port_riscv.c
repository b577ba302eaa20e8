/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port, RISC-V half (machine mode), for one hart or, built with
 * -DMODESP_PORT_RISCV_SMP=1, for several harts running the library at once.
 *
 * Critical section: clear mstatus.MIE with csrrci, which returns the old
 * value in the same instruction, and set it again only if it was set. A trap
 * handler runs with MIE clear, so this nests correctly there too. That does
 * not exclude other harts, so the SMP build also takes a spinlock shared by
 * the harts, re-entrant on the hart that holds it: what ESP-IDF's
 * portENTER_CRITICAL does on the dual-core ESP32. It is the one place where
 * the port can wait for another context, and only for the few instructions
 * another hart spends inside: the library takes the critical section off its
 * allocate/free paths only (pressure callback table, statistics reset, the
 * WAIT sequence number).
 *
 * "In ISR": RISC-V has no register that says "handling a trap", so the trap
 * entry brackets the handler with modesp_port_baremetal_isr_enter/_exit,
 * which count nesting levels: one counter, or one per hart (indexed by
 * mhartid, below MODESP_PORT_RISCV_MAX_HARTS) in the SMP build, so that one
 * hart's interrupt is not seen by the other and only a hart writes its own.
 *
 * Clock: the 64-bit CLINT mtime, at an address and rate the application gives.
 */
#include "modesp/port_baremetal.h"
#include "port.h"
#include "port_arch.h"

#if !defined(__riscv)
#error "port_riscv.c is for RISC-V targets"
#endif

#ifndef MODESP_PORT_RISCV_SMP
#define MODESP_PORT_RISCV_SMP 0
#endif
#ifndef MODESP_PORT_RISCV_MAX_HARTS
#define MODESP_PORT_RISCV_MAX_HARTS 4
#endif

#define MSTATUS_MIE 0x8u

#if MODESP_PORT_RISCV_SMP
#if !defined(__riscv_atomic)
#error "MODESP_PORT_RISCV_SMP needs the A extension (the harts' spinlock is a compare-and-swap)"
#endif
#define PORT_HARTS MODESP_PORT_RISCV_MAX_HARTS

static uint32_t s_lock_owner;             /* 0: free, else mhartid + 1 */
static uint32_t s_lock_depth[PORT_HARTS]; /* nesting on the owning hart; only it writes its entry */

/* Inlined: the ISR-path functions below are placed in IRAM (MODESP_IRAM_ATTR) and must not call out. */
static inline __attribute__((always_inline)) uint32_t hart_index(void)
{
    uint32_t id;
    __asm volatile("csrr %0, mhartid" : "=r"(id));
    return id;
}
#else
#define PORT_HARTS 1

static inline __attribute__((always_inline)) uint32_t hart_index(void) { return 0u; }
#endif

static uint32_t s_isr_nesting[PORT_HARTS]; /* only hart N writes entry N */
static volatile uint32_t *s_mtime;         /* low word; the high word follows */
static uint32_t s_mtime_hz;

MODESP_IRAM_ATTR uint32_t modesp_port_critical_enter(void)
{
    uint32_t old;
    __asm volatile("csrrci %0, mstatus, %1" : "=r"(old) : "i"(MSTATUS_MIE) : "memory");
#if MODESP_PORT_RISCV_SMP
    const uint32_t me = hart_index() + 1u;
    /* Only this hart stores its own id, so a relaxed read of it is exact. */
    if (__atomic_load_n(&s_lock_owner, __ATOMIC_RELAXED) != me) {
        uint32_t free_word = 0u;
        while (!__atomic_compare_exchange_n(&s_lock_owner, &free_word, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            free_word = 0u;
        }
    }
    s_lock_depth[me - 1u]++;
#endif
    return old & MSTATUS_MIE;
}

MODESP_IRAM_ATTR void modesp_port_critical_exit(uint32_t state)
{
#if MODESP_PORT_RISCV_SMP
    if (--s_lock_depth[hart_index()] == 0u) {
        __atomic_store_n(&s_lock_owner, 0u, __ATOMIC_RELEASE);
    }
#endif
    if ((state & MSTATUS_MIE) != 0u) {
        __asm volatile("csrsi mstatus, %0" : : "i"(MSTATUS_MIE) : "memory");
    }
}

/* Called with this hart's interrupts masked (trap entry), so plain increments are safe: other harts touch other
 * entries. */
void modesp_port_baremetal_isr_enter(void)
{
    const uint32_t hart = hart_index();
    __atomic_store_n(&s_isr_nesting[hart], s_isr_nesting[hart] + 1u, __ATOMIC_RELAXED);
}

void modesp_port_baremetal_isr_exit(void)
{
    const uint32_t hart = hart_index();
    __atomic_store_n(&s_isr_nesting[hart], s_isr_nesting[hart] - 1u, __ATOMIC_RELAXED);
}

MODESP_IRAM_ATTR bool modesp_port_in_isr(void)
{
    return __atomic_load_n(&s_isr_nesting[hart_index()], __ATOMIC_RELAXED) != 0u;
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
