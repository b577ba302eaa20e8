/*
 * RV32 machine-mode startup for the QEMU `virt` self-test (-bios none: QEMU
 * jumps to 0x80000000, where the image is loaded as-is, so .data needs no copy).
 *
 * Every hart starts here at once (-smp N). Hart 0 sets up the image (.bss)
 * and runs main on _estack. Every other hart takes its own stack above
 * _estack (virt.ld reserves them) and waits in riscv_secondary_wait
 * (platform.c) until hart 0 gives it something to run (hart.h); harts from
 * RISCV_MAX_HARTS up only sleep. Before this split a single-hart image started
 * with -smp 2 ran main on both harts, on one stack.
 *
 * trap_entry is the single trap vector (mtvec direct mode), shared by all
 * harts, each on its own stack. It saves the
 * caller-saved registers, marks interrupt context for the port
 * (modesp_port_baremetal_isr_enter/_exit: RISC-V has no "in handler" state
 * the port could read) and calls riscv_trap(mcause, mepc) in C. With the A
 * extension it drops the hart's load reservation before mret (see there).
 */
#include "hart.h"

    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    csrr    a0, mhartid
    bnez    a0, secondary
    la      sp, _estack
    la      tp, __tls_base          /* picolibc keeps errno in thread-local storage */
    la      t0, trap_entry
    csrw    mtvec, t0
    la      t0, _sbss
    la      t1, _ebss
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  call    main
    call    plat_exit               /* a0 = main's result */
3:  j       3b

/* a0 = mhartid, not 0. Hart N's stack ends N stacks above _estack. */
secondary:
    li      t0, RISCV_MAX_HARTS
    bgeu    a0, t0, 5f
    li      t0, RISCV_HART_STACK_SIZE
    mul     t0, t0, a0
    la      sp, _estack
    add     sp, sp, t0
    la      t0, trap_entry
    csrw    mtvec, t0
    call    riscv_secondary_wait    /* does not return */
5:  wfi                             /* no stack for this hart: sleep (mstatus.MIE is 0) */
    j       5b

    .text
    .balign 4
    .globl trap_entry
trap_entry:
    addi    sp, sp, -64
    sw      ra, 0(sp)
    sw      t0, 4(sp)
    sw      t1, 8(sp)
    sw      t2, 12(sp)
    sw      a0, 16(sp)
    sw      a1, 20(sp)
    sw      a2, 24(sp)
    sw      a3, 28(sp)
    sw      a4, 32(sp)
    sw      a5, 36(sp)
    sw      a6, 40(sp)
    sw      a7, 44(sp)
    sw      t3, 48(sp)
    sw      t4, 52(sp)
    sw      t5, 56(sp)
    sw      t6, 60(sp)
    call    modesp_port_baremetal_isr_enter
    csrr    a0, mcause
    csrr    a1, mepc
    call    riscv_trap
    call    modesp_port_baremetal_isr_exit
    lw      ra, 0(sp)
    lw      t0, 4(sp)
    lw      t1, 8(sp)
    lw      t2, 12(sp)
    lw      a0, 16(sp)
    lw      a1, 20(sp)
    lw      a2, 24(sp)
    lw      a3, 28(sp)
    lw      a4, 32(sp)
    lw      a5, 36(sp)
    lw      a6, 40(sp)
    lw      a7, 44(sp)
    lw      t3, 48(sp)
    lw      t4, 52(sp)
    lw      t5, 56(sp)
    lw      t6, 60(sp)
#ifdef __riscv_atomic
    /* Drop any load reservation before returning (privileged spec: mret may
     * keep it; trap handlers should clear it with a dummy SC), so that an SC
     * in the interrupted code cannot pair with an LR this handler executed.
     * The slot is ours and already reloaded; whether the SC stores or not,
     * it invalidates the reservation. QEMU also clears it on trap entry and
     * mret. */
    sc.w    zero, zero, (sp)
#endif
    addi    sp, sp, 64
    mret
