/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load-linked/store-conditional pop attempt for the fixed pools (private).
 *
 * Used by pool_pop in pool_fast.h when the lock-free build runs on
 *  - ARMv7-M, ARMv7E-M, ARMv8-M mainline (Cortex-M3/M4/M7/M33): LDREX/STREX;
 *  - RV32 with the A extension: LR.W/SC.W.
 * Everywhere else (x86 host, Xtensa S32C1I, RV64, Cortex-M0/M0+, the
 * critical-section build) MODESP_POOL_LLSC is 0 and the pop is the tagged CAS.
 * Kconfig MEMORY_POOL_LLSC_POP off (the minimal size profile: one pop instead
 * of the LL/SC sequence plus its CAS fallback) or -DMODESP_POOL_NO_LLSC (for
 * comparison) selects the CAS pop on the ISAs above too. Why the sequence is
 * correct, its memory orders and its forward-progress fallback are in the
 * lock-free argument (the LL/SC part sits above the LL/SC pool_pop in
 * pool_fast.h; the rest at the top of fixed_pool.c).
 *
 * mp_llsc_pop runs steps P1..P4 as ONE asm statement, from the load-linked
 * read of head to the store-conditional, so the compiler cannot put a spill, a
 * reload or any other memory access between the two. Between them there is
 * exactly one load, the metadata word of the block at head.
 *
 *   mp_llsc_pop(head_word, meta, mask, nil, &h, &w)
 *     h = LL(*head_word)                         P1
 *     i = h & mask; if i >= nil: no SC           P2 (and an index out of range)
 *     w = meta[i]                                P3 (only when i < nil)
 *     if w is not FREE or its link > nil: no SC  P3
 *     SC(*head_word, ((h & ~mask) + step) | link(w))       P4: tag + 1 (and "out" + 1 when packed)
 *   returns 0 when the SC stored the new head, nonzero otherwise: the SC
 *   failed, or no SC was attempted (the caller tells these apart by looking
 *   at h and w again, with the same tests). *w is written only when loaded.
 *   On every exit h is a P1 read (acquire, and the barriers of a SEQ_CST
 *   load) and w, when loaded, was read after it.
 *
 * Every exit without a successful store leaves no reservation behind: ARM
 * clears the monitor with CLREX; RISC-V executes a dummy SC to a stack word
 * (an SC invalidates the hart's reservation whether or not it succeeds), so
 * an interrupt handler that returns after finding the pool empty cannot
 * leave a reservation on head for the code it interrupted.
 */
#ifndef MODESP_MP_LLSC_H
#define MODESP_MP_LLSC_H

#include <stdint.h>

#include "mp_atomic.h"
#include "pool_meta.h"

#if !defined(MODESP_POOL_NO_LLSC) && defined(CONFIG_MEMORY_POOL_LLSC_POP)
#define MP_LLSC_WANTED 1
#else
#define MP_LLSC_WANTED 0
#endif

#if MODESP_ATOMICS_LOCKFREE && MP_LLSC_WANTED && defined(__thumb2__) &&                                                \
    (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__))
#define MODESP_POOL_LLSC        1
#define MODESP_POOL_POP_VARIANT "llsc-ldrex-strex"
#elif MODESP_ATOMICS_LOCKFREE && MP_LLSC_WANTED && defined(__riscv) && defined(__riscv_atomic) &&                      \
    defined(__riscv_xlen) && __riscv_xlen == 32
#define MODESP_POOL_LLSC        1
#define MODESP_POOL_POP_VARIANT "llsc-lr-sc"
#elif MODESP_ATOMICS_LOCKFREE
#define MODESP_POOL_LLSC        0
#define MODESP_POOL_POP_VARIANT "cas-tag"
#else
#define MODESP_POOL_LLSC        0
#define MODESP_POOL_POP_VARIANT "critical-section"
#endif

/* Failed store-conditionals in one pop before its attempts also try the tagged
 * CAS (tests may override it: with 0 every failed SC is followed by the CAS). */
#ifndef MODESP_POOL_LLSC_TRIES
#define MODESP_POOL_LLSC_TRIES 4u
#endif

/*
 * Test hooks, compiled only with -DMODESP_POOL_LLSC_STATS (the QEMU self-test):
 * the pop variant fixed_pool.o was built with, failed store-conditionals and
 * pops that fell back to the CAS. Relaxed counters; not part of the pool stats.
 */
#ifdef MODESP_POOL_LLSC_STATS
extern const char modesp_pool_pop_variant[];
extern uint32_t modesp_pool_llsc_sc_failures;
extern uint32_t modesp_pool_llsc_fallbacks;
#endif

#if MODESP_POOL_LLSC && defined(__thumb2__)

MODESP_IRAM_ATTR static inline uint32_t mp_llsc_pop(uint32_t *head_word, const uint32_t *meta, uint32_t mask,
                                                    uint32_t nil, uint32_t step, uint32_t *h_out, uint32_t *w_io)
{
    uint32_t h;
    uint32_t w = *w_io;
    uint32_t st; /* the link first, then the STREX status */
    uint32_t t;  /* the index first, then the new head */
    /* DMB on every exit: acquire, and the trailing barrier of a SEQ_CST load
     * (P1), whether the STREX stored, failed or was not reached (then CLREX
     * drops the monitor).
     * The flag-setting forms (adds, eors, orrs, movs) only allow 16-bit
     * encodings: no flag they set is read. */
    __asm__ volatile("ldrex   %[h], [%[hp]]\n\t"
                     "and     %[t], %[h], %[mask]\n\t"
                     "cmp     %[t], %[nil]\n\t"
                     "bhs     1f\n\t"
                     "ldr     %[w], [%[meta], %[t], lsl #2]\n\t"
                     "tst     %[w], %[state]\n\t"
                     "bne     1f\n\t"
                     "adds    %[st], %[t], #1\n\t"
                     "eors    %[st], %[st], %[w]\n\t"
                     "uxth    %[st], %[st]\n\t"
                     "cmp     %[st], %[nil]\n\t"
                     "bhi     1f\n\t"
                     "bic     %[t], %[h], %[mask]\n\t"
                     "add     %[t], %[t], %[step]\n\t"
                     "orrs    %[t], %[t], %[st]\n\t"
                     "strex   %[st], %[t], [%[hp]]\n\t"
                     "b       2f\n"
                     "1:\n\t"
                     "clrex\n\t"
                     "movs    %[st], #1\n"
                     "2:\n\t"
                     "dmb     ish"
                     : [h] "=&r"(h), [w] "+&r"(w), [st] "=&r"(st), [t] "=&r"(t)
                     : [hp] "r"(head_word), [meta] "r"(meta), [mask] "r"(mask), [nil] "r"(nil), [step] "r"(step),
                       [state] "I"(META_STATE_MASK)
                     : "cc", "memory");
    *h_out = h;
    *w_io = w;
    return st;
}

#elif MODESP_POOL_LLSC && defined(__riscv)

MODESP_IRAM_ATTR static inline uint32_t mp_llsc_pop(uint32_t *head_word, const uint32_t *meta, uint32_t mask,
                                                    uint32_t nil, uint32_t step, uint32_t *h_out, uint32_t *w_io)
{
    uint32_t h;
    uint32_t w = *w_io;
    uint32_t st;          /* address, state, link, then the SC status */
    uint32_t t;           /* the index first, then the new head */
    uint32_t scratch = 0; /* target of the dummy SC that drops the reservation */
    /* fence rw,rw + lr.w.aq: P1 as a SEQ_CST load (GCC's mapping is
     * fence; lw; fence), acquire for the pop. The lw is ordered after the LR
     * by .aq and by its address dependency, and before the SC by the data
     * dependency of the new head on it. Exits without an SC: dummy SC, then
     * fence r,rw so that the caller's re-read of head follows the meta load. */
    __asm__ volatile("fence   rw, rw\n\t"
                     "lr.w.aq %[h], (%[hp])\n\t"
                     "and     %[t], %[h], %[mask]\n\t"
                     "bgeu    %[t], %[nil], 1f\n\t"
                     "slli    %[st], %[t], 2\n\t"
                     "add     %[st], %[st], %[meta]\n\t"
                     "lw      %[w], 0(%[st])\n\t"
                     "and     %[st], %[w], %[state]\n\t"
                     "bnez    %[st], 1f\n\t"
                     "addi    %[st], %[t], 1\n\t"
                     "xor     %[st], %[st], %[w]\n\t"
                     "and     %[st], %[st], %[link]\n\t"
                     "bltu    %[nil], %[st], 1f\n\t"
                     "xor     %[t], %[t], %[h]\n\t"
                     "add     %[t], %[t], %[inc]\n\t"
                     "or      %[t], %[t], %[st]\n\t"
                     "sc.w    %[st], %[t], (%[hp])\n\t"
                     "j       2f\n"
                     "1:\n\t"
                     "sc.w    %[st], zero, (%[scr])\n\t"
                     "li      %[st], 1\n\t"
                     "fence   r, rw\n"
                     "2:"
                     : [h] "=&r"(h), [w] "+&r"(w), [st] "=&r"(st), [t] "=&r"(t)
                     : [hp] "r"(head_word), [meta] "r"(meta), [mask] "r"(mask), [nil] "r"(nil), [inc] "r"(step),
                       [state] "r"(META_STATE_MASK), [link] "r"(META_LINK_MASK), [scr] "r"(&scratch)
                     : "memory");
    *h_out = h;
    *w_io = w;
    return st;
}

#endif

#endif /* MODESP_MP_LLSC_H */
