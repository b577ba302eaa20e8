/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several harts on the QEMU `virt` machine (qemu-system-riscv32 -smp N): what
 * start.S and platform.c give a test that runs code on more than hart 0.
 *
 * With -bios none every hart starts at _start at the same moment. Hart 0
 * clears .bss and runs main; every other hart below RISCV_MAX_HARTS takes its
 * own stack, sleeps (wfi) until riscv_start_hart names its entry, then runs it
 * with its own thread-local block; harts from RISCV_MAX_HARTS up sleep for
 * good. So an image that never starts another hart runs as on one hart,
 * whatever -smp says.
 */
#ifndef MODESP_QEMU_RISCV_HART_H
#define MODESP_QEMU_RISCV_HART_H

/* Plain numbers: start.S includes this file too. virt.ld reserves
 * (RISCV_MAX_HARTS - 1) stacks of RISCV_HART_STACK_SIZE above _estack. */
#define RISCV_MAX_HARTS       4
#define RISCV_HART_STACK_SIZE 16384

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef void (*riscv_hart_entry_t)(uint32_t hart);

/* This hart's number (mhartid). */
uint32_t riscv_hart_id(void);

/* Make the sleeping hart `hart` (1 .. RISCV_MAX_HARTS - 1) run entry(hart);
 * it parks again if entry returns. From hart 0, after .bss is set up. */
void riscv_start_hart(uint32_t hart, riscv_hart_entry_t entry);

/* Stop this hart's timer interrupt (plat_timer_start starts it, per hart). */
void riscv_timer_stop(void);

/* Called by start.S on every hart except 0 (private to start.S and platform.c). */
void riscv_secondary_wait(uint32_t hart);
#endif

#endif /* MODESP_QEMU_RISCV_HART_H */
