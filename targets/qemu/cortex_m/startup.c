/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cortex-M machine side of the QEMU self-test: vector table, reset, SysTick,
 * semihosting console and exit. Used for mps2-an386 (Cortex-M4F) and microbit
 * (nRF51, Cortex-M0); only the linker script and CPU_HZ differ.
 *
 * SysTick is both the stress interrupt and the port's microsecond clock, so
 * its period stays fixed (the port converts counts with the LOAD value it saw
 * at init); the landing points still vary because the main loop's work
 * between two ticks depends on its random choices.
 */
#include <stdint.h>

#include "../selftest.h"
#include "arm_semihost.h"
#include "modesp/port_baremetal.h"

#ifndef CPU_HZ
#define CPU_HZ 25000000u /* mps2-an386 SYSCLK as modelled by QEMU */
#endif
#ifndef TICK_US
#define TICK_US 50u
#endif

#define SYST_CSR  (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR  (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR  (*(volatile uint32_t *)0xE000E018u)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);

typedef struct {
    void *initial_sp;
    void (*handlers[15])(void);
} vector_table_t;

/* Exceptions 1..15; no device interrupts are enabled, so the table stops at SysTick. */
__attribute__((section(".vectors"), used)) static const vector_table_t s_vectors = {
    _estack,
    {Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0,
     Fault_Handler, Fault_Handler, 0, Fault_Handler, SysTick_Handler},
};

void plat_puts(const char *text) { arm_semihost_write0(text); }

void plat_exit(int status) { arm_semihost_exit(status); }

const char *plat_name(void)
{
#if defined(__ARM_ARCH_7EM__)
    return "Cortex-M4F (qemu-system-arm -M mps2-an386)";
#elif defined(__ARM_ARCH_6M__)
    return "Cortex-M0+ build (qemu-system-arm -M microbit, a Cortex-M0)";
#else
    return "Cortex-M";
#endif
}

void plat_timer_start(void)
{
    SYST_CSR = 0u;
    SYST_RVR = CPU_HZ / 1000000u * TICK_US - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* enable, interrupt, processor clock */
    modesp_port_cortex_m_systick_clock_init(CPU_HZ);
}

void SysTick_Handler(void)
{
    modesp_port_cortex_m_systick_tick(); /* first, as the port asks */
    selftest_timer_isr();
}

void Fault_Handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    static char msg[] = "FATAL: exception  \n";
    msg[16] = (char)('0' + (ipsr & 0x1Fu) / 10u);
    msg[17] = (char)('0' + (ipsr & 0x1Fu) % 10u);
    plat_puts(msg);
    plat_exit(3);
}

void Reset_Handler(void)
{
    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; dst < _ebss;) {
        *dst++ = 0u;
    }
#if defined(__ARM_FP)
    /* Full access to CP10/CP11: hard-float code (and newlib built for it) may use the FPU. */
    SCB_CPACR |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" : : : "memory");
#endif
    plat_exit(main());
}

int main(void) { return selftest_main() == 0 ? 0 : 1; }
