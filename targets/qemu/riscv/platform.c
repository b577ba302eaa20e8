/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RV32 `virt` machine side of the QEMU self-test: 16550 UART console, the
 * test device to end QEMU with a status, and the CLINT machine timer as the
 * stress interrupt (it also serves as the port's clock via mtime).
 *
 * The next timer compare is set after the handler's work and with a random
 * part, so the main loop always gets time between two interrupts and the
 * interrupts land at varying points of its pool operations.
 *
 * Several harts (hart.h): each hart has its own timer compare register in the
 * CLINT, so plat_timer_start and the handler work on the calling hart's; the
 * other harts are woken from wfi by their CLINT software interrupt (msip).
 */
#include <stdint.h>
#include <string.h>

#include "../selftest.h"
#include "hart.h"
#include "modesp/port_baremetal.h"

#define UART_THR      (*(volatile uint8_t *)0x10000000u)
#define TEST_DEVICE   (*(volatile uint32_t *)0x00100000u)
#define CLINT_MSIP    ((volatile uint32_t *)0x02000000u) /* one word per hart */
#define CLINT_CMP     0x02004000u                        /* 8 bytes per hart: low word then high word */
#define CLINT_MTIME   0x0200BFF8u
#define MTIME_HZ      10000000u
#define MCAUSE_MTIMER 0x80000007u
#define MIE_MSIE      0x8u
#define MIE_MTIE      0x80u
#define MSTATUS_MIE   0x8u

#ifndef TICK_US
#define TICK_US 50u
#endif
#define TICK_MTIME (MTIME_HZ / 1000000u * TICK_US)

void riscv_trap(uint32_t mcause, uint32_t mepc);
int main(void);

/* One generator per hart: each hart's handler re-arms its own timer. */
static uint32_t s_jitter[RISCV_MAX_HARTS] = {0x1234567u, 0x2545F491u, 0x9E3779B9u, 0x6A09E667u};

/* Set by riscv_start_hart, read by the sleeping hart (riscv_secondary_wait).
 * In .data, not .bss: hart 1 reads it while hart 0 may still be clearing .bss. */
__attribute__((section(".data.harts"))) static riscv_hart_entry_t s_entry[RISCV_MAX_HARTS] = {0};

/* virt.ld: the hart stacks above _estack and the thread-local image. */
extern uint8_t _estack[];
extern uint8_t __tls_base[];
extern uint8_t __tdata_end[];
extern uint8_t __tls_end[];

uint32_t riscv_hart_id(void)
{
    uint32_t id;
    __asm volatile("csrr %0, mhartid" : "=r"(id));
    return id;
}

void plat_puts(const char *text)
{
    while (*text != '\0') {
        UART_THR = (uint8_t)*text++;
    }
}

void plat_exit(int status)
{
    TEST_DEVICE = (status == 0) ? 0x5555u : (((uint32_t)status << 16) | 0x3333u);
    for (;;) {
    }
}

const char *plat_name(void)
{
#if defined(__riscv_atomic)
    return "RV32IMAC (qemu-system-riscv32 -M virt -bios none)";
#else
    return "RV32IMC build, no A extension (qemu-system-riscv32 -M virt -bios none)";
#endif
}

static uint64_t mtime_now(void)
{
    const volatile uint32_t *mtime = (const volatile uint32_t *)CLINT_MTIME;
    uint32_t hi;
    uint32_t lo;
    do {
        hi = mtime[1];
        lo = mtime[0];
    } while (hi != mtime[1]);
    return ((uint64_t)hi << 32) | lo;
}

/* This hart's next interrupt: half to one and a half periods from now. */
static void arm_next(uint32_t hart)
{
    uint32_t x = s_jitter[hart];
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s_jitter[hart] = x;
    const uint64_t when = mtime_now() + TICK_MTIME / 2u + x % TICK_MTIME;
    volatile uint32_t *cmp = (volatile uint32_t *)(CLINT_CMP + 8u * hart); /* NOLINT(performance-no-int-to-ptr): MMIO */
    /* Write high = max first so no transient compare value fires early. */
    cmp[1] = 0xFFFFFFFFu;
    cmp[0] = (uint32_t)when;
    cmp[1] = (uint32_t)(when >> 32);
}

/* On the calling hart. Hart 0 also gives the port its clock (before starting other harts). */
void plat_timer_start(void)
{
    const uint32_t hart = riscv_hart_id();
    if (hart == 0u) {
        modesp_port_riscv_mtime_init(CLINT_MTIME, MTIME_HZ);
    }
    arm_next(hart);
    __asm volatile("csrs mie, %0" : : "r"(MIE_MTIE) : "memory");
    __asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE) : "memory");
}

void riscv_timer_stop(void) { __asm volatile("csrc mie, %0" : : "r"(MIE_MTIE) : "memory"); }

void riscv_start_hart(uint32_t hart, riscv_hart_entry_t entry)
{
    if (hart == 0u || hart >= RISCV_MAX_HARTS) {
        return;
    }
    __atomic_store_n(&s_entry[hart], entry, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entry before the wake-up */
    CLINT_MSIP[hart] = 1u;
}

/* Hart `hart` (not 0) on its own stack, interrupts off: sleep until riscv_start_hart
 * names an entry, give the hart its own thread-local block, run the entry. */
void riscv_secondary_wait(uint32_t hart)
{
    __asm volatile("csrs mie, %0" : : "r"(MIE_MSIE) : "memory"); /* msip ends wfi; mstatus.MIE stays 0 */
    riscv_hart_entry_t entry;
    while ((entry = __atomic_load_n(&s_entry[hart], __ATOMIC_ACQUIRE)) == NULL) {
        __asm volatile("wfi" ::: "memory");
        CLINT_MSIP[hart] = 0u;
    }
    CLINT_MSIP[hart] = 0u;
    __asm volatile("csrc mie, %0" : : "r"(MIE_MSIE) : "memory");
    uint8_t *tls = _estack + (hart - 1u) * RISCV_HART_STACK_SIZE;
    /* Linker symbols of one image, compared as addresses (not pointers into one C object).
     * Without thread-local variables the linker drops .tbss and its address can
     * even fall below __tls_base: then there is nothing to zero. */
    const uintptr_t base = (uintptr_t)__tls_base;
    const uintptr_t tdata_end = (uintptr_t)__tdata_end;
    const uintptr_t tls_end = (uintptr_t)__tls_end;
    const size_t tdata = (size_t)(tdata_end - base);
    const size_t tbss = (tls_end > tdata_end) ? (size_t)(tls_end - tdata_end) : 0u;
    memcpy(tls, __tls_base, tdata);
    memset(tls + tdata, 0, tbss);
    __asm volatile("mv tp, %0" : : "r"(tls) : "memory");
    entry(hart);
    for (;;) {
        __asm volatile("wfi");
    }
}

static void put_hex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) {
        const uint32_t d = (v >> (28 - 4 * i)) & 0xFu;
        buf[2 + i] = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
    }
    buf[10] = '\0';
    plat_puts(buf);
}

void riscv_trap(uint32_t mcause, uint32_t mepc)
{
    if (mcause == MCAUSE_MTIMER) {
        selftest_timer_isr();
        arm_next(riscv_hart_id());
        return;
    }
    plat_puts("FATAL: unexpected trap mcause=");
    put_hex(mcause);
    plat_puts(" mepc=");
    put_hex(mepc);
    plat_puts("\n");
    plat_exit(3);
}

int main(void) { return selftest_main() == 0 ? 0 : 1; }
