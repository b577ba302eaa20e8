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

/* Write `len` bytes of a finished log line (ends in '\n'). Weak default: discard. Task context. */
void modesp_port_baremetal_console_write(const char *text, size_t len);

/* Called between polls of a WAIT. Weak default: return at once. Task context. */
void modesp_port_baremetal_idle(void);

/* Install a monotonic microsecond clock that overrides the built-in one (NULL restores it). ISR-safe reads. */
typedef uint64_t (*modesp_port_baremetal_clock_fn_t)(void);
void modesp_port_baremetal_set_clock(modesp_port_baremetal_clock_fn_t clock);

#if defined(__arm__) && defined(__ARM_ARCH_PROFILE) && (__ARM_ARCH_PROFILE == 'M')
/*
 * Use SysTick as the clock: call after SysTick runs with its final LOAD value
 * and the processor clock as source. cpu_hz must be a multiple of 1 MHz.
 */
void modesp_port_cortex_m_systick_clock_init(uint32_t cpu_hz);
/* Count one SysTick wrap: call it first in SysTick_Handler. */
void modesp_port_cortex_m_systick_tick(void);
#endif

#if defined(__riscv) || defined(__XTENSA__)
/* Bracket every interrupt/trap handler with these (trap entry code); they may nest. */
void modesp_port_baremetal_isr_enter(void);
void modesp_port_baremetal_isr_exit(void);
#endif

#if defined(__riscv)
/* Use the 64-bit machine timer at mtime_addr (CLINT mtime), counting at hz, as the clock. */
void modesp_port_riscv_mtime_init(uintptr_t mtime_addr, uint32_t hz);
#endif

#if defined(__XTENSA__)
/* Use CCOUNT as the clock; read the clock at least once per 2^32 cycles so wraps are seen. */
void modesp_port_xtensa_ccount_init(uint32_t cpu_hz);
#endif

#ifdef __cplusplus
}
#endif

#endif /* MODESP_PORT_BAREMETAL_H */
