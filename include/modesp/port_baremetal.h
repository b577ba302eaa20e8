/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal port extras (Cortex-M, RISC-V, Xtensa LX106 without an RTOS).
 *
 * The library needs a clock, an "in ISR" test, a critical section, a way to
 * wait, a log sink and (optionally) a heap. On bare metal the application owns
 * the vector table, the timers and the console, so this header lists what it
 * has to (or may) hand to the port:
 *
 *  - Console: define modesp_port_baremetal_console_write() to see log lines
 *    (the default, weak one drops them). Lines are formatted with the libc's
 *    vsnprintf; build the port with -DMODESP_BAREMETAL_LOG_UNFORMATTED to
 *    print the format string instead and save the formatter's flash, or with
 *    -DMODESP_BAREMETAL_NO_LIBC for no libc at all (no heap either).
 *  - Clock: on Cortex-M call modesp_port_cortex_m_systick_clock_init() after
 *    starting SysTick and modesp_port_cortex_m_systick_tick() first thing in
 *    SysTick_Handler; on RISC-V call modesp_port_riscv_mtime_init(); on
 *    Xtensa modesp_port_xtensa_ccount_init(). Or install any microsecond
 *    source with modesp_port_baremetal_set_clock() (DWT CYCCNT, a hardware
 *    timer). Without any of these the clock is a counter that advances by one
 *    per call: timeouts still expire (after that many polls), nothing hangs.
 *  - Interrupt context: Cortex-M reads IPSR, nothing to do. RISC-V and Xtensa
 *    have no such register, so the trap entry must bracket the handler with
 *    modesp_port_baremetal_isr_enter() / _exit().
 *  - Several RISC-V harts running the library: build port_riscv.c with
 *    -DMODESP_PORT_RISCV_SMP=1 (A extension; harts 0 ..
 *    MODESP_PORT_RISCV_MAX_HARTS - 1, default 4): "in ISR" per hart, and a
 *    critical section that also excludes the other harts (src/port/README.md).
 *  - WAIT strategy: there is no scheduler, so a waiting caller polls the
 *    class's wait-queue sequence number until an ISR frees a block (the
 *    free advances it) or the deadline passes, calling
 *    modesp_port_baremetal_idle() between polls (weak, does nothing; an
 *    application whose timer interrupts are guaranteed may define it to
 *    execute WFI). Only an ISR can free a block while the single main loop
 *    waits, so WAIT from the main loop is useful only with ISR producers.
 */
#ifndef MODESP_PORT_BAREMETAL_H
#define MODESP_PORT_BAREMETAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Defined by the application: write `len` bytes of a finished log line (ends
 * in '\n', not NUL-terminated, at most 127 bytes). Weak default: discard.
 * Errors: none (the library ignores what happens to the line).
 * Complexity: the application's; the library calls it once per log line.
 * ISR-safe: not needed: the library calls it from task context only (modesp_port_log).
 */
void modesp_port_baremetal_console_write(const char *text, size_t len);

/*
 * Defined by the application (optional): called between polls of a WAIT.
 * Weak default: return at once. Define it to execute WFI only where a timer
 * interrupt is guaranteed to wake the core.
 * Errors: none.
 * Complexity: the application's; called once per poll until a block or the deadline.
 * ISR-safe: not needed: the library calls it from task context only (WAIT is refused in ISRs).
 */
void modesp_port_baremetal_idle(void);

/* A monotonic microsecond clock: the library reads it from any context, ISRs included. */
typedef uint64_t (*modesp_port_baremetal_clock_fn_t)(void);

/*
 * Install a monotonic microsecond clock that overrides the built-in one (NULL
 * restores it). `clock` must be safe to call from ISRs: the library reads it there.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (one atomic store).
 */
void modesp_port_baremetal_set_clock(modesp_port_baremetal_clock_fn_t clock);

#if defined(__arm__) && defined(__ARM_ARCH_PROFILE) && (__ARM_ARCH_PROFILE == 'M')
/*
 * Use SysTick as the clock: call after SysTick runs with its final LOAD value
 * and the processor clock as source. cpu_hz must be a multiple of 1 MHz
 * (below 1 MHz the clock stays unused). The clock restarts from 0: call it
 * once, at start-up.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: no (start-up code; it masks interrupts while it reads LOAD).
 */
void modesp_port_cortex_m_systick_clock_init(uint32_t cpu_hz);

/*
 * Count one SysTick wrap: call it first in SysTick_Handler (the only writer
 * of the wrap count).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes: it is meant for SysTick_Handler, and only there.
 */
void modesp_port_cortex_m_systick_tick(void);
#endif

#if defined(__riscv) || defined(__XTENSA__)
/*
 * Call at the entry of every interrupt/trap handler (trap entry code), paired
 * with modesp_port_baremetal_isr_exit; pairs may nest. Until the matching
 * exit, modesp_port_in_isr() is true.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes: it is meant for trap entry, and only there.
 */
void modesp_port_baremetal_isr_enter(void);

/*
 * Call at the end of every interrupt/trap handler, paired with
 * modesp_port_baremetal_isr_enter; pairs may nest.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes: it is meant for trap exit, and only there.
 */
void modesp_port_baremetal_isr_exit(void);
#endif

#if defined(__riscv)
/*
 * Use the 64-bit machine timer at mtime_addr (CLINT mtime), counting at hz,
 * as the clock. Call it once, at start-up.
 * Errors: none (hz 0 or mtime_addr 0 leaves the clock unused).
 * Complexity: O(1).
 * ISR-safe: no (start-up code: two plain stores).
 */
void modesp_port_riscv_mtime_init(uintptr_t mtime_addr, uint32_t hz);
#endif

#if defined(__XTENSA__)
/*
 * Use CCOUNT as the clock; read the clock at least once per 2^32 cycles so
 * wraps are seen. cpu_hz must be a multiple of 1 MHz (below 1 MHz the clock
 * stays unused). The clock restarts from CCOUNT: call it once, at start-up.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: no (start-up code; it masks interrupts while it sets the clock up).
 */
void modesp_port_xtensa_ccount_init(uint32_t cpu_hz);
#endif

#ifdef __cplusplus
}
#endif

#endif /* MODESP_PORT_BAREMETAL_H */
