/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed pool's hot paths (private): the steps of the lock-free argument
 * that a caller inlines, and the out-of-line slow paths they continue in.
 *
 * The argument (state, invariants I1..I4, steps P1..P5 and F1..F4, memory
 * orders, ABA and the tag) is at the top of fixed_pool.c; the LL/SC pop's
 * part (L1..L4) is here, above that pop. fixed_pool.c holds the allocation
 * API and the allocation's slow paths, fixed_pool_free.c the free's slow
 * paths and the deallocate API. manager.c includes this header to run
 * pool_take (request false) and pool_give on its class pools without a call
 * to modesp_pool_take_managed_ / modesp_pool_give_managed_.
 *
 * Under -Os (no MP_FAST_PATH) only the loops are compiled, each in one file:
 * outside fixed_pool.c pool_take is a call to modesp_pool_take_managed_, and
 * outside fixed_pool_free.c pool_give a call to modesp_pool_give_managed_, so
 * a file that includes this adds no second copy of either path.
 */
#ifndef MODESP_POOL_FAST_H
#define MODESP_POOL_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "modesp/fixed_pool.h"
#include "mp_assert.h"
#include "mp_atomic.h"
#include "mp_llsc.h"
#include "mp_pause.h"
#include "mp_trace.h"
#include "pool_internal.h"
#include "pool_meta.h"
#include "pool_private.h"

/* The out-of-line slow paths (fixed_pool.c, fixed_pool_free.c). At -O2 the
 * inlined paths below reach them from any file of the core, so they are
 * external. Under -Os the allocation's paths are compiled in fixed_pool.c
 * only and the free's in fixed_pool_free.c only (each file defines
 * MODESP_POOL_ALLOC_FILE or MODESP_POOL_FREE_FILE first); there they are
 * static (SLOW_PATH_EXTERN), so that the compiler folds a slow path into its
 * one caller as it did when all was one file, and any other file reaches the
 * pool through the managed entry points (pool_internal.h), as before.
 * Their short names stay in the code; the symbols carry the library prefix.
 * Each definition carries MODESP_IRAM_ATTR (a declaration cannot: the
 * attribute names a section of its own per use). */
#define pool_raise_peak    modesp_pool_raise_peak_
#define pool_take_empty    modesp_pool_take_empty_
#define pool_take_loop     modesp_pool_take_loop_
#define pool_take_finish   modesp_pool_take_finish_
#define pool_push_loop     modesp_pool_push_loop_
#define pool_give_refused  modesp_pool_give_refused_
#define pool_give_poisoned modesp_pool_give_poisoned_

#if MP_FAST_PATH || defined(MODESP_POOL_ALLOC_FILE)
#define POOL_ALLOC_PATHS 1
#else
#define POOL_ALLOC_PATHS 0
#endif
#if MP_FAST_PATH || defined(MODESP_POOL_FREE_FILE)
#define POOL_FREE_PATHS 1
#else
#define POOL_FREE_PATHS 0
#endif

#if POOL_ALLOC_PATHS
/* The whole allocation: pop until a block is handed out or the pool is empty. */
SLOW_PATH_EXTERN void *pool_take_loop(modesp_pool_t *p, uint32_t tag, bool request MP_SITE_PARAMS);
/* An allocation that found the pool empty: counted, NULL. */
SLOW_PATH_EXTERN void *pool_take_empty(modesp_pool_t *p, bool request MP_SITE_PARAMS);
#if MP_FULL_STATS
/* A new high-water mark (`now` blocks out) while handing out `block`; returns it. */
SLOW_PATH_EXTERN void *pool_raise_peak(modesp_pool_t *p, uint32_t now, void *block);
#endif
#if MP_FAST_PATH && !MODESP_POOL_LLSC
/* The inlined attempt's pop (head h -> nh, FREE word w) finished out of line. */
SLOW_PATH_EXTERN void *pool_take_finish(modesp_pool_t *p, uint32_t w, uint32_t h, uint32_t nh, uint32_t tag,
                                        bool request MP_SITE_PARAMS);
#endif
#endif
#if POOL_FREE_PATHS
/* F4 until it succeeds (after a lost F4 when `lost`). */
SLOW_PATH_EXTERN esp_err_t pool_push_loop(modesp_pool_t *p, uint32_t idx, uint32_t freed, uint32_t linked,
                                          uint32_t head, bool lost);
/* A rejected free, counted by its cause; returns `why`. */
SLOW_PATH_EXTERN esp_err_t pool_give_refused(modesp_pool_t *pool, esp_err_t why);
/* The free of a poisoning pool, from F1 (the ALLOCATED word w). */
SLOW_PATH_EXTERN esp_err_t pool_give_poisoned(modesp_pool_t *pool, uint32_t idx, uint32_t w);
#endif

#ifdef MODESP_POOL_LLSC_STATS
#define LLSC_STAT(counter) count(&(counter))
#else
#define LLSC_STAT(counter) ((void)0)
#endif

/* P3 in one compare: the link of a FREE word, or a value above any index
 * (>= 0x10000) when the word is not FREE. self + 1 <= 0xFFFF never reaches
 * the state bits, so they pass through the xor unchanged. */
static inline uint32_t pop_next(uint32_t self, uint32_t w)
{
    return (w ^ (self + 1u)) & (META_LINK_MASK | META_STATE_MASK);
}

/* What a successful pop of a block whose link is `next` writes to head h. */
static inline uint32_t popped_head(const modesp_pool_t *p, uint32_t h, uint32_t next)
{
    return ((h & ~(uint32_t)p->idx_mask) + p->pop_step) | next;
}

#if !MODESP_POOL_LLSC
/* Steps P1..P4 with the tagged CAS. Returns NIL (capacity) when empty;
 * otherwise the block, its FREE word in *meta_word, and the head values the
 * successful P4 replaced (*old_head) and wrote (*new_head). */
HOT_INLINE uint32_t pool_pop(modesp_pool_t *p, uint32_t *meta_word, uint32_t *old_head, uint32_t *new_head)
{
    const uint32_t mask = idx_mask(p);
    const uint32_t nil = p->capacity;
    uint32_t head = mp_load(&p->head, MP_SEQ_CST); /* P1: SEQ_CST for the WAIT pairing (fixed_pool.c) */
    uint32_t spins = 1u;
    for (;;) {
        const uint32_t idx = head & mask;
        if (idx == nil) {
            return nil;
        }
        /* ACQUIRE: the P3 re-read of head below must not be satisfied before
         * this load, or a multi-core reader could pair a newer metadata word
         * with an older head and report a corruption that is not there. */
        uint32_t w = (idx < nil) ? mp_load(&p->meta[idx], MP_ACQUIRE) : META_ALLOCATED;
        const uint32_t next = pop_next(idx, w);
        if (next > nil) {
            /* P3: stale snapshot, or a broken list if head has not moved. */
            uint32_t again = mp_load(&p->head, MP_ACQUIRE);
            if (again == head) {
                count(&p->corruptions);
                return nil;
            }
            head = again;
            continue;
        }
        const uint32_t nh = popped_head(p, head, next);
        MP_PAUSE(MP_PAUSE_POP_BEFORE_CAS, p);
        *old_head = head;
        if (mp_cas(&p->head, &head, nh, MP_ACQUIRE, MP_ACQUIRE)) {
            *meta_word = w;
            *new_head = nh;
            return idx;
        }
        mp_backoff(&spins);
    }
}

#else
/*
 * ---- Part of the lock-free argument (top of fixed_pool.c): the LL/SC pop ----
 *
 * allocate = pop with LL/SC (MODESP_POOL_LLSC, src/mp_llsc.h). In the
 * lock-free build on ARMv7-M, ARMv7E-M and ARMv8-M mainline (Cortex-M3/M4/M7/
 * M33: LDREX/STREX) and on RV32 with the A extension (LR.W/SC.W), P1..P4 are
 * one load-linked/store-conditional sequence, written as a single asm
 * statement so that no compiler-generated access falls between LL and SC:
 *   L1  h = LL(head)                                                    (P1)
 *   L2  if index(h) >= NIL: no store                                    (P2)
 *   L3  w = meta[index(h)], a plain load; if w is not FREE or its link is
 *       out of range: no store                                          (P3)
 *   L4  SC(head, next(w) | (tag(h) + 1)); success: go to P5; failure:
 *       go to L1                                                        (P4)
 * Without a store the C code applies P2 and P3 exactly as the CAS pop (a block that
 * is not FREE at a head that an ACQUIRE re-read finds unchanged is counted in
 * `corruptions`, and the pop reports empty without spinning). L4 adds 1 to the
 * tag as P4 does, so the invariants, the counters and the integrity check are
 * the same in every build. Kconfig MEMORY_POOL_LLSC_POP off (the minimal
 * profile) or -DMODESP_POOL_NO_LLSC selects the CAS pop instead.
 *
 * Why a successful L4 needs no tag: it succeeds only if head was not written
 * between L1 and L4. Then A = index(h) was at the top of the list during the
 * whole sequence, so it was FREE and, by I4, its metadata word did not change:
 * the w read at L3 is A's current link and L4 installs A's true successor.
 * The ABA interleaving of fixed_pool.c (A popped, B popped, A pushed back) writes head
 * three times and so fails L4 whatever the tag says. "Not written" holds for:
 *  - other cores: a store by another observer to the monitored head clears
 *    the exclusive monitor (ARM) or invalidates the reservation (RISC-V);
 *  - an interrupt on the same core. Cortex-M: exception entry and return
 *    clear the local monitor (ARMv7-M ARM, ExceptionTaken() pseudocode:
 *    ClearExclusiveLocal(ProcessorID()); QEMU's M-profile model clears it on
 *    entry and on return), so the STREX of the interrupted pop fails.
 *    RISC-V: a reservation belongs to the hart, not to the interrupted code,
 *    and mret need not drop it; every write to head here is itself an SC, an
 *    SC invalidates the hart's reservation whether or not it stores, and the
 *    LL/SC pop never returns holding one (its exits without a store execute
 *    a dummy SC). The trap handler must still drop the reservation before
 *    mret, as the privileged spec recommends, for code that leaves one
 *    behind (a CAS loop whose compare failed, nested handlers); GCC's
 *    lr/bne/sc CAS loops, used for F1, F4 and the counters, have always
 *    needed that. targets/qemu/riscv/start.S does it; QEMU also drops it on
 *    every trap and mret.
 * A spurious failure of L4 only costs another attempt; nothing depends on an
 * SC succeeding.
 *
 * Forward progress of the LL/SC pop. The load at L3 sits between LL and SC.
 * ARM (ARMv7 ARM A3.4.5, "Load-Exclusive and Store-Exclusive usage
 * restrictions"): "An implementation might clear an exclusive monitor
 * between the LDREX and the STREX, without any application-related cause.
 * Software written for such an implementation must, in any single thread of
 * execution, avoid having any explicit memory accesses [...] between the
 * LDREX instruction and the associated STREX instruction." (ARMv7-M has the
 * same exclusives model; the quoted text is the ARMv7-A/R manual's.) On
 * Cortex-M the local monitor is cleared by CLREX, STREX and exception entry
 * or return; whether a plain load in between may clear it too is, as far as
 * the architecture goes, up to the implementation. RISC-V (unprivileged
 * spec, Zalrsc, "Eventual Success of Store-Conditional Instructions"): only
 * constrained LR/SC loops (at most 16 base instructions, no loads or stores
 * between LR and SC) are guaranteed to succeed eventually; "Implementations
 * are permitted to unconditionally fail any unconstrained LR/SC sequence",
 * and portable software must detect repeated failure and fall back to a
 * sequence that does not rely on one. So once MODESP_POOL_LLSC_TRIES (4) SCs
 * have failed in one call, every further attempt whose SC fails tries P4 as
 * the tagged CAS on what that attempt read: h by the LL (a P1 read, with
 * P1's orders) and w after it (P3). That is the CAS pop above, so progress
 * is then that of the CAS pop (its CAS fails only when head changed), and
 * correctness never depended on an SC succeeding. A pop completed by that
 * CAS has the CAS pop's tag-wrap exposure (fixed_pool.c); on a single core it takes
 * more than four interrupts in a row landing inside a window of about
 * fifteen instructions.
 * Moving L3 before L1 (read meta, then LL head, compare, SC) would make the
 * LR/SC loop constrained, but it is then exactly the tagged CAS GCC already
 * emits for P4 (lr; bne; sc): the SC would prove only that head equals h, not
 * that it was not written, so it would remove nothing; comparing the index
 * alone would even lose the tag's protection. Hence the load stays inside and
 * the bounded retry provides progress.
 *
 *  - The LL/SC pop keeps these orders. Cortex-M: the L3 load has an address
 *    dependency on the LDREX, which orders it after; every exit of the
 *    sequence (STREX stored, STREX failed, no STREX) ends with a DMB. That
 *    is the acquire of L1/L4, and the trailing barrier of a SEQ_CST load in
 *    the ARMv7 mapping GCC and Clang use (SEQ_CST load = ldr; dmb, where GCC
 *    also puts a dmb before): no leading DMB is needed because every SEQ_CST
 *    store or read-modify-write (the waiter's increment, F4) already ends
 *    with a DMB, so the WAIT pairing (fixed_pool.c) holds. On a single core no
 *    barrier is needed between the main loop and an interrupt at all (a core
 *    observes its own accesses in program order and exceptions are precise);
 *    the DMB is for dual-core parts and other bus masters. RISC-V: `fence
 *    rw,rw; lr.w.aq` is GCC's SEQ_CST load mapping (fence; lw; fence) with
 *    the trailing fence as .aq on the LR, so L1 is SEQ_CST for WAIT and
 *    acquire for the pop; .aq and the address dependency order L3 after L1,
 *    the new head's data dependency on w orders L3 before the SC, and the SC
 *    needs no .rl (a pop publishes nothing). The exits without a store end
 *    with `fence r,rw`, so the P3 re-read of head follows the L3 load (on
 *    ARM the DMB does that).
 */
/* Steps P1..P4 as one LL/SC sequence (mp_llsc.h). Same results, same head
 * step and same P3 rule as the CAS pop above. After MODESP_POOL_LLSC_TRIES
 * failed store-conditionals, an attempt whose SC failed finishes with the
 * tagged CAS on what it read: h by the LL (P1) and w after it (P3). */
HOT_INLINE uint32_t pool_pop(modesp_pool_t *p, uint32_t *meta_word, uint32_t *old_head, uint32_t *new_head)
{
    const uint32_t mask = idx_mask(p);
    const uint32_t nil = p->capacity;
    uint32_t failed = 0;
    for (;;) {
        uint32_t head = 0;
        uint32_t w = META_ALLOCATED; /* what an index out of range reads as, as in the CAS pop */
        if (mp_llsc_pop(&p->head, p->meta, mask, nil, p->pop_step, &head, &w) == 0u) {
            *meta_word = w;
            *old_head = head;
            *new_head = popped_head(p, head, meta_link_decode(head & mask, w));
            return head & mask;
        }
        const uint32_t idx = head & mask;
        if (idx == nil) {
            return nil;
        }
        const uint32_t next = pop_next(idx, w);
        if (next > nil) {
            /* P3: head moved since the LL, or the list is broken if it has not. */
            if (mp_load(&p->head, MP_ACQUIRE) == head) {
                count(&p->corruptions);
                return nil;
            }
            continue;
        }
        /* The store-conditional failed: head was written, an interrupt cleared
         * the monitor, or the implementation failed it (allowed with a load
         * inside the sequence, see the argument). */
        LLSC_STAT(modesp_pool_llsc_sc_failures);
        if (failed != MODESP_POOL_LLSC_TRIES) {
            failed++;
            continue;
        }
        const uint32_t nh = popped_head(p, head, next);
        *old_head = head;
        if (mp_cas(&p->head, &head, nh, MP_ACQUIRE, MP_ACQUIRE)) {
            LLSC_STAT(modesp_pool_llsc_fallbacks);
            *meta_word = w;
            *new_head = nh;
            return idx;
        }
    }
}
#endif

#if POOL_ALLOC_PATHS
/* The accounting of a block handed out by a pop that wrote nh to head.
 * Statistics add no read-modify-write with a packed head: in_use and peak
 * come from its count of blocks out, total_allocs from its tag. */
HOT_INLINE void *pool_account(modesp_pool_t *p, uint32_t nh, void *block)
{
#if !MP_FULL_STATS
    (void)nh; /* no peak: only an unpacked pool's in_use, which the integrity check needs */
    if (!POOL_PACKED(p)) {
        const uint32_t before = mp_fetch_add(&p->in_use, 1u, MP_RELAXED);
        MODESP_ASSERT(before < p->capacity); /* I2: never more owners than blocks */
        (void)before;
    }
    return block;
#else
    if (POOL_PACKED(p)) {
        const uint32_t out = (nh >> p->idx_bits) & idx_mask(p);
        if (MP_UNLIKELY(out > mp_load(&p->peak, MP_RELAXED))) {
            return pool_raise_peak(p, out, block);
        }
    } else {
        const uint32_t now = mp_fetch_add(&p->in_use, 1u, MP_RELAXED) + 1u;
        MODESP_ASSERT(now <= p->capacity); /* I2, I3: never more owners than blocks */
        if (MP_UNLIKELY(now > mp_load(&p->peak, MP_RELAXED))) {
            return pool_raise_peak(p, now, block);
        }
    }
    return block;
#endif
}

#endif

/* The P5 word: the next generation, ALLOCATED, the owner's tag. One add
 * sets both the generation step and the state (ALLOCATED is 1 above the FREE
 * state's 0; a generation carry past bit 31 drops off, wrapping at 256). */
static inline uint32_t claimed_word(uint32_t w, uint32_t tag)
{
    return ((w & META_GEN_MASK) + (META_GEN_ONE + META_ALLOCATED)) | ((tag << META_TAG_SHIFT) & META_TAG_MASK);
}

/* Pop and claim one block for `tag`. The caller checked the handle. When
 * optimising for speed (MP_FAST_PATH) one attempt is inlined: P1..P5 with no
 * loop, for a head that is not empty, a FREE top block, no lost CAS and no
 * poison to verify; an empty head, a stale read or a lost P4 go to
 * pool_take_loop (fixed_pool.c), which starts over (the attempt changed
 * nothing), and the rarer cases after P4 to pool_take_finish. Under -Os only
 * the loop is compiled, in fixed_pool.c; any other file calls
 * modesp_pool_take_managed_ there (the manager's request, `request` false). */
#if POOL_ALLOC_PATHS
HOT_INLINE void *pool_take(modesp_pool_t *p, uint32_t tag, bool request MP_SITE_PARAMS)
{
    if (MP_INJECT_FAIL(p)) { /* test builds: a scheduled failure looks like an empty pool */
        return pool_take_empty(p, request MP_SITE_ARGS);
    }
#if MP_FAST_PATH && !MODESP_POOL_LLSC
    const uint32_t mask = idx_mask(p);
    const uint32_t cap = p->capacity;
    uint32_t *const meta = p->meta;
    uint32_t h = mp_load(&p->head, MP_SEQ_CST); /* P1 */
    const uint32_t idx = h & mask;
    if (MP_LIKELY(idx < cap)) {
        const uint32_t w = mp_load(&meta[idx], MP_ACQUIRE);
        const uint32_t next = pop_next(idx, w); /* P3 */
        if (MP_LIKELY(next <= cap)) {
            const uint32_t nh = h - idx + next + p->pop_step; /* popped_head: h & ~mask is h - idx */
            MP_PAUSE(MP_PAUSE_POP_BEFORE_CAS, p);
            const uint32_t old = h;
            if (MP_LIKELY(mp_cas(&p->head, &h, nh, MP_ACQUIRE, MP_ACQUIRE))) { /* P4 */
                MP_PAUSE(MP_PAUSE_POP_BEFORE_CLAIM, p);
                uint32_t expected = w; /* P5, or the rare cases out of line (a lost P5 is tried again there) */
#if MODESP_POISON_ENABLED
                const uint32_t rare = ((old ^ nh) >> 31) | (w & META_POISONED); /* tag's top bit flipped, poisoned */
#elif MP_FULL_STATS
                const uint32_t rare = (old ^ nh) >> 31; /* the tag's top bit flipped */
#else
                const uint32_t rare = 0u; /* the minimal profile keeps no pop count */
#endif
                if (MP_UNLIKELY(rare != 0u) ||
                    MP_UNLIKELY(!mp_cas(&meta[idx], &expected, claimed_word(w, tag), MP_RELAXED, MP_RELAXED))) {
                    return pool_take_finish(p, w, old, nh, tag, request MP_SITE_ARGS);
                }
                uint8_t *block = block_at(p, idx); /* P5 done: ours */
                ASAN_UNPOISON_BLOCK(block, p->stride);
                block = pool_account(p, nh, block);
                MP_TRACE_ALLOC(p, idx, block);
                return block;
            }
        }
    }
#endif
    return pool_take_loop(p, tag, request MP_SITE_ARGS);
}
#else
HOT_INLINE void *pool_take(modesp_pool_t *p, uint32_t tag, bool request MP_SITE_PARAMS)
{
    (void)request; /* false: outside fixed_pool.c only the manager takes */
#if MODESP_TRACING
    return modesp_pool_take_managed_(p, tag, site_file, site_line, site_size);
#else
    return modesp_pool_take_managed_(p, tag, (const char *)0, 0, 0u);
#endif
}
#endif

#if POOL_FREE_PATHS
/* Checks, then F1 (claim), F2, F3..F4. The caller checked the handle.
 * Without poisoning the claim CAS writes the FREE word with its link at once
 * (F1 and F3 in one step): the block is then FREE but not on the list, which
 * only a pop through a list damaged by a tag wrap could reach, exactly as
 * between F3 and F4 before; P5 still decides who owns it. */
MODESP_IRAM_ATTR HOT_INLINE esp_err_t pool_give_inline(modesp_pool_t *pool, void *ptr)
{
    uint32_t idx = 0;
    const esp_err_t where = pool_locate(pool, ptr, &idx);
    if (MP_UNLIKELY(where != ESP_OK)) {
        return pool_give_refused(pool, where);
    }
    /* F1: claim, one CAS from the exact word read. The word of an allocated
     * block changes only through a claim, so a failed CAS means another free
     * of the block won, and the block may by now be allocated again (the same
     * state, a newer generation): never retry onto it; it is a double free.
     * The state test is folded into the CAS: it expects the word read with
     * the state ALLOCATED, so a word in any other state (FREE, RELEASING,
     * QUARANTINED) fails it, writes nothing, and is the same double free. */
    uint32_t *const word = &pool->meta[idx];
    const uint32_t seen = mp_load(word, MP_RELAXED);
    uint32_t w = (seen & ~META_STATE_MASK) | META_ALLOCATED;
    MP_PAUSE(MP_PAUSE_FREE_BEFORE_CLAIM, pool);
    if (MODESP_POISON_ENABLED && pool->poison) {
        return w == seen ? pool_give_poisoned(pool, idx, w) : pool_give_refused(pool, MODESP_ERR_DOUBLE_FREE);
    }
    uint32_t head = mp_load(&pool->head, MP_RELAXED);
    const uint32_t top = head & idx_mask(pool);
    const uint32_t freed = w & META_GEN_MASK;
    /* F3's word, written by F1: meta_link_encode(idx, top) without its mask,
     * which is a no-op here (top <= capacity and idx + 1 <= capacity both fit
     * in the 16 link bits). */
    const uint32_t linked = freed | (top ^ (idx + 1u));
    if (MP_UNLIKELY(!mp_cas(word, &w, linked, MP_RELAXED, MP_RELAXED))) {
        return pool_give_refused(pool, MODESP_ERR_DOUBLE_FREE);
    }
    uint8_t *block = block_at(pool, idx);
    MP_TRACE_FREE(pool, idx, block);
    ASAN_POISON_BLOCK(block, pool->stride);
    /* Read before F2's read-modify-write, which the compiler may not move a
     * load across: 0 for an unpacked pool, whose F4 then subtracts nothing. */
    const uint32_t out_step = MODESP_POOL_PACK_MAX != 0u ? pool->out_step : 0u;
    if (out_step == 0u) {                                                    /* !POOL_PACKED */
        const uint32_t before = mp_fetch_sub(&pool->in_use, 1u, MP_RELAXED); /* F2 */
        MODESP_ASSERT(before >= 1u && before <= pool->capacity);             /* I2 */
        (void)before;
    }
#if MP_FAST_PATH
    MP_PAUSE(MP_PAUSE_FREE_BEFORE_PUSH, pool);
    /* F4 once inline; a packed head takes the block back from its count of
     * blocks out in the same CAS (F2). head - top is head & ~mask. */
    if (MP_LIKELY(mp_cas(&pool->head, &head, head - top - out_step + idx, MP_SEQ_CST, MP_SEQ_CST))) {
        return ESP_OK;
    }
    return pool_push_loop(pool, idx, freed, linked, head, true);
#else
    return pool_push_loop(pool, idx, freed, linked, head, false); /* F4 */
#endif
}
#endif

/* The free of a block of pool p, its handle already checked (the pool API's
 * magic, or one of the manager's pools). Inlined when optimising for speed;
 * under -Os one out-of-line copy (fixed_pool_free.c) serves every caller. */
#if MP_FAST_PATH
MODESP_IRAM_ATTR HOT_INLINE esp_err_t pool_give(modesp_pool_t *pool, void *ptr) { return pool_give_inline(pool, ptr); }
#else
MODESP_IRAM_ATTR HOT_INLINE esp_err_t pool_give(modesp_pool_t *pool, void *ptr)
{
    return modesp_pool_give_managed_(pool, ptr);
}
#endif

#endif /* MODESP_POOL_FAST_H */
