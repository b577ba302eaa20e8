/*
 * RV32 `virt` machine side of the QEMU self-test: 16550 UART console, the
 * test device to end QEMU with a status, and the CLINT machine timer as the
 * stress interrupt (it also serves as the port's clock via mtime).
 *
 * The next timer compare is set after the handler's work and with a random
 * part, so the main loop always gets time between two interrupts and the
 * interrupts land at varying points of its pool operations.
 */
#include <stdint.h>

#include "../selftest.h"
#include "modesp/port_baremetal.h"

#define UART_THR       (*(volatile uint8_t *)0x10000000u)
#define TEST_DEVICE    (*(volatile uint32_t *)0x00100000u)
#define CLINT_MTIMECMP ((volatile uint32_t *)0x02004000u) /* hart 0, low word then high word */
#define CLINT_MTIME    0x0200BFF8u
#define MTIME_HZ       10000000u
#define MCAUSE_MTIMER  0x80000007u
#define MIE_MTIE       0x80u
#define MSTATUS_MIE    0x8u

#ifndef TICK_US
#define TICK_US 50u
#endif
#define TICK_MTIME (MTIME_HZ / 1000000u * TICK_US)

void riscv_trap(uint32_t mcause, uint32_t mepc);
int main(void);

static uint32_t s_jitter = 0x1234567u;

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

/* Half to one and a half periods from now. */
static void arm_next(void)
{
    s_jitter ^= s_jitter << 13;
    s_jitter ^= s_jitter >> 17;
    s_jitter ^= s_jitter << 5;
    const uint64_t when = mtime_now() + TICK_MTIME / 2u + s_jitter % TICK_MTIME;
    /* Write high = max first so no transient compare value fires early. */
    CLINT_MTIMECMP[1] = 0xFFFFFFFFu;
    CLINT_MTIMECMP[0] = (uint32_t)when;
    CLINT_MTIMECMP[1] = (uint32_t)(when >> 32);
}

void plat_timer_start(void)
{
    modesp_port_riscv_mtime_init(CLINT_MTIME, MTIME_HZ);
    arm_next();
    __asm volatile("csrs mie, %0" : : "r"(MIE_MTIE) : "memory");
    __asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE) : "memory");
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
        arm_next();
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
