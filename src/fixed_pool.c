/*
 * Fixed-block pool: lock-free free list over an index+tag head word.
 *
 * ============================================================================
 * THE LOCK-FREE ARGUMENT
 * ============================================================================
 *
 * State. `head` is one 32-bit word: the index of the first free block in its
 * low idx_bits bits (idx_bits = bit width of capacity, so the end marker NIL =
 * capacity fits) and an ABA tag in the remaining 32 - idx_bits bits. Each
 * block has one metadata word (src/pool_meta.h): its state and, while FREE,
 * the index of the next free block. Free-list links are never stored inside
 * the blocks.
 *
 * Invariants (checked by modesp_pool_check_integrity at quiescence):
 *  I1  Following links from head reaches NIL after exactly the number of
 *      FREE blocks; every index on the way is < capacity and in state FREE.
 *  I2  Every block is in exactly one of: on the free list (FREE), ALLOCATED
 *      (counted by in_use), QUARANTINED (counted by quarantined).
 *  I3  in_use <= peak <= capacity.
 *  I4  A block's metadata word changes only (a) by the context that owns
 *      the block (the allocator that popped it, the freer that claimed it),
 *      or (b) by a successful claim CAS ALLOCATED -> FREE. It never changes
 *      while the block is on the free list.
 *
 * allocate = pop:
 *   P1  h = load(head, SEQ_CST) (acquire is all the pop itself needs)
 *   P2  if index(h) == NIL: empty
 *   P3  w = load(meta[index(h)], ACQUIRE); if w is not FREE (or its link is
 *       out of range) the snapshot h is stale: reload head; if head still
 *       equals h the list is broken (counted in `corruptions`, the pool
 *       reports empty rather than spinning or handing out a live block).
 *       ACQUIRE keeps the re-read of head after this load: with RELAXED a
 *       multi-core reader could pair a newer w with an older head and count
 *       a corruption that is not there.
 *   P4  CAS(head, h -> next(w) | (tag(h) + 1)), success ACQUIRE, failure
 *       ACQUIRE (the reloaded h is used to read meta again, as in P1)
 *   P5  store(meta[i], ALLOCATED | generation + 1 | tag, RELAXED): the block
 *       is ours (I4a); no other context writes this word while we own it.
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
 * Without a store the C code applies P2 and P3 exactly as above (a block that
 * is not FREE at a head that an ACQUIRE re-read finds unchanged is counted in
 * `corruptions`, and the pop reports empty without spinning). L4 adds 1 to the
 * tag as P4 does, so the invariants, the counters and the integrity check are
 * the same in every build. -DMODESP_POOL_NO_LLSC selects the CAS pop instead.
 *
 * Why a successful L4 needs no tag: it succeeds only if head was not written
 * between L1 and L4. Then A = index(h) was at the top of the list during the
 * whole sequence, so it was FREE and, by I4, its metadata word did not change:
 * the w read at L3 is A's current link and L4 installs A's true successor.
 * The ABA interleaving below (A popped, B popped, A pushed back) writes head
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
 * CAS has the CAS pop's tag-wrap exposure below; on a single core it takes
 * more than four interrupts in a row landing inside a window of about
 * fifteen instructions.
 * Moving L3 before L1 (read meta, then LL head, compare, SC) would make the
 * LR/SC loop constrained, but it is then exactly the tagged CAS GCC already
 * emits for P4 (lr; bne; sc): the SC would prove only that head equals h, not
 * that it was not written, so it would remove nothing; comparing the index
 * alone would even lose the tag's protection. Hence the load stays inside and
 * the bounded retry provides progress.
 *
 * deallocate = claim + push:
 *   F1  claim: CAS(meta[i], ALLOCATED word -> FREE word, RELAXED). Exactly
 *       one of several racing frees of the same block wins; the others see
 *       FREE and return MODESP_ERR_DOUBLE_FREE without writing anything.
 *   F2  in_use -= 1 (RELAXED) before the block becomes reachable, so a
 *       concurrent allocator that pops it increments after this decrement:
 *       in_use never exceeds capacity, and peak stays exact.
 *   F3  h = load(head, RELAXED); store(meta[i].link = index(h), RELAXED)
 *   F4  CAS(head, h -> i | tag(h)), success SEQ_CST, failure SEQ_CST (GCC 12
 *       drops the release fence on RV32A with a RELAXED failure order); on
 *       failure go to F3 with the value the CAS returned.
 *
 * Memory orders, and what each pairs with:
 *  - F4's success (release part) publishes the freer's writes to the block
 *    (user data, poison pattern) and its link store F3 to whoever pops it:
 *    it pairs with P1's and P4's ACQUIRE loads of the same head value.
 *    A later pop that reads a head written by another pop still
 *    synchronises with the push, because read-modify-writes continue the
 *    release sequence headed by the push.
 *  - P4's success ACQUIRE makes the block's previous contents and metadata
 *    visible before P5 and before the caller touches the block.
 *  - The LL/SC pop keeps these orders. Cortex-M: the L3 load has an address
 *    dependency on the LDREX, which orders it after; every exit of the
 *    sequence (STREX stored, STREX failed, no STREX) ends with a DMB. That
 *    is the acquire of L1/L4, and the trailing barrier of a SEQ_CST load in
 *    the ARMv7 mapping GCC and Clang use (SEQ_CST load = ldr; dmb, where GCC
 *    also puts a dmb before): no leading DMB is needed because every SEQ_CST
 *    store or read-modify-write (the waiter's increment, F4) already ends
 *    with a DMB, so the WAIT pairing below holds. On a single core no
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
 *  - F4 and P1 are SEQ_CST (not only RELEASE/ACQUIRE) for the WAIT strategy
 *    of the manager: a freer pushes (SEQ_CST RMW) then reads the waiter count
 *    (SEQ_CST load); a waiter increments the count (SEQ_CST RMW) then pops,
 *    starting with P1 (SEQ_CST load). In the single total order of SEQ_CST
 *    operations either the waiter's P1 comes after the push and sees the
 *    block, or the freer's read comes after the increment and it signals: no
 *    lost wake-up, and no fence (which ThreadSanitizer cannot model). A
 *    SEQ_CST load costs what an ACQUIRE load does on x86; GCC adds one
 *    barrier before it on ARMv7-M (dmb) and RV32 (fence rw,rw).
 *  - Statistics counters are RELAXED: they order nothing.
 *
 * Why each CAS is ABA-safe:
 *  - P4 (pop). The danger is the classic one: a popper reads h = (A, t) and
 *    next(A) = B, sleeps, and meanwhile A is popped, B is popped (now
 *    allocated) and A is pushed back, so head is A again; a plain CAS on the
 *    index would install B, an allocated block, as head. Here every
 *    successful pop adds 1 to the tag, so head can hold (A, t) again only
 *    after exactly k * 2^(32 - idx_bits) pops. Pushes do not change the tag
 *    and need not: between a pop's P1 and P4, pushes alone only place
 *    other blocks on top of A (A cannot be pushed again while it is FREE,
 *    because its claim F1 requires ALLOCATED), so head can only come back to
 *    (A, t) through pops.
 *  - F4 (push) has no ABA hazard: it installs i with link = index(h), and
 *    when the CAS succeeds head equals h, so index(h) is the current top of
 *    the list whatever happened in between; the tag is neither needed nor
 *    changed. (Pushes stay CAS loops on every ISA.)
 *  - F1 (claim) compares the whole metadata word including the 8-bit
 *    generation; it only arbitrates between frees of one block and has no
 *    ABA hazard of its own: the winner owns the block.
 *
 * How long would a preempted popper have to sleep for the tag to wrap onto
 * the same value? 2^(32 - idx_bits) pops, each of which needs a prior push,
 * so that many alloc/free pairs on that one pool. The default classes have
 * 8..128 blocks: idx_bits 4..8, tags of 24..28 bits, 16.7 M to 268 M pairs.
 * At 0.5 us per pair (ESP32 at 240 MHz, a generous lower bound) that is 8 s
 * to 134 s of uninterrupted hammering on one pool while the popper sleeps
 * between two adjacent instructions, and even then the head must hold the
 * same block A whose link changed. The worst case allowed by the API is a
 * pool of 65535 blocks: a 16-bit tag, 65536 pairs, about 33 ms at 0.5 us per
 * pair. What guards it beyond the tag:
 *   - P3 re-validates that A is still FREE before the CAS; a stale read of
 *     an allocated A never feeds a CAS.
 *   - If a wrap ever installed an allocated block as head, P3 detects it on
 *     the next pop (head unchanged, block not FREE), counts a corruption and
 *     fails the allocation; the integrity check names the block. It never
 *     hands one block to two owners through that path.
 *   - Where the LL/SC pop is built (ARMv7-M, ARMv7E-M, ARMv8-M mainline;
 *     RV32 with A; lock-free build) a pop that completes with its own SC
 *     does not depend on the tag at all: the SC fails on any intervening
 *     write to head. Only a pop that fell back to the CAS after
 *     MODESP_POOL_LLSC_TRIES failed SCs is exposed to the wrap above.
 *     Everywhere else the pop is the tagged CAS and relies on the tag: x86
 *     (the host build), Xtensa LX6/LX7 (S32C1I is a true CAS), RV64,
 *     Cortex-M0/M0+, RV32 without A and LX106 (the critical-section build,
 *     whose CAS runs inside the port's critical section), and any build
 *     with -DMODESP_POOL_NO_LLSC.
 *   - Users who need pools above 4096 blocks on a dual-core part with long
 *     preemption should split them: idx_bits <= 12 keeps a >= 20-bit tag.
 *
 * The critical-section build (mp_atomic.h) runs the very same steps with each
 * atomic operation inside the port's critical section.
 * ============================================================================
 */
#include "modesp/fixed_pool.h"

#include <string.h>

#include "mp_atomic.h"
#include "mp_llsc.h"
#include "pool_meta.h"
#include "port.h"

#if defined(__SANITIZE_ADDRESS__)
#define MODESP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODESP_ASAN 1
#endif
#endif
#ifdef MODESP_ASAN
#include <sanitizer/asan_interface.h>
#define ASAN_POISON_BLOCK(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define ASAN_UNPOISON_BLOCK(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ASAN_POISON_BLOCK(p, n)   ((void)(p), (void)(n))
#define ASAN_UNPOISON_BLOCK(p, n) ((void)(p), (void)(n))
#endif

#ifndef CONFIG_MEMORY_POOL_POISON_PATTERN
#define CONFIG_MEMORY_POOL_POISON_PATTERN 0xDE
#endif
#define POISON_WORD ((uint32_t)(CONFIG_MEMORY_POOL_POISON_PATTERN & 0xFF) * 0x01010101u)

static const char *TAG = "mempool";

/* The hot helpers are inlined into each entry point when optimising for speed
 * (-O2: ~25 fewer instructions per alloc/free pair, measured by the bench) and
 * left to the compiler under -Os, where code size matters more. */
#if defined(__OPTIMIZE_SIZE__) || !defined(__GNUC__)
#define HOT_INLINE static inline
#else
#define HOT_INLINE static inline __attribute__((always_inline))
#endif

static inline bool pool_ok(const modesp_pool_t *p) { return p != NULL && p->magic == MODESP_POOL_MAGIC; }

static inline uint32_t idx_mask(const modesp_pool_t *p) { return p->idx_mask; }

static inline uint8_t *block_at(const modesp_pool_t *p, uint32_t idx) { return p->storage + (size_t)idx * p->stride; }

static inline void count(uint32_t *counter) { (void)mp_fetch_add(counter, 1u, MP_RELAXED); }

/* Strides are multiples of MODESP_POOL_ALIGN (>= 4): poison and check whole words. */
static void poison_fill(uint8_t *block, uint32_t stride)
{
    uint32_t w = POISON_WORD;
    for (uint32_t off = 0; off < stride; off += 4u) {
        memcpy(block + off, &w, 4u);
    }
}

static bool poison_intact(const uint8_t *block, uint32_t stride)
{
    for (uint32_t off = 0; off < stride; off += 4u) {
        uint32_t w;
        memcpy(&w, block + off, 4u);
        if (w != POISON_WORD) {
            return false;
        }
    }
    return true;
}

esp_err_t modesp_pool_init(modesp_pool_t *pool, const char *name, void *storage, size_t storage_size, uint32_t *meta,
                           size_t block_size, size_t count_)
{
    if (pool == NULL || storage == NULL || meta == NULL || ((uintptr_t)storage % MODESP_POOL_ALIGN) != 0u) {
        return ESP_ERR_INVALID_ARG;
    }
    if (block_size == 0u || block_size > 0x100000u || count_ == 0u || count_ > MODESP_POOL_MAX_BLOCKS ||
        storage_size < MODESP_POOL_STORAGE_SIZE(block_size, count_)) {
        return ESP_ERR_INVALID_SIZE;
    }
    /* The same fields MODESP_POOL_INITIALIZER derives at compile time, computed
     * with loops here (the macro's comparison chains cost ~300 bytes of code). */
    const uint32_t stride = (uint32_t)MODESP_POOL_STRIDE(block_size);
    uint8_t bits = 0;
    for (size_t v = count_; v != 0u; v >>= 1) {
        bits++;
    }
    uint8_t shift = 0xFFu;
    if ((stride & (stride - 1u)) == 0u) {
        for (shift = 0; (1u << shift) != stride; shift++) {
        }
    }
    memset(pool, 0, sizeof *pool);
    pool->magic = MODESP_POOL_MAGIC;
    pool->name = name;
    pool->storage = (uint8_t *)storage;
    pool->meta = meta;
    pool->stride = stride;
    pool->block_size = (uint32_t)block_size;
    pool->capacity = (uint16_t)count_;
    pool->idx_mask = (uint16_t)((1u << bits) - 1u);
    pool->stride_shift = shift;
    pool->poison = MODESP_POOL_POISON_DEFAULT_;
    memset(meta, 0, count_ * sizeof(uint32_t)); /* all FREE, list 0 -> 1 -> ... -> NIL */
    return ESP_OK;
}

#ifdef MODESP_POOL_LLSC_STATS
const char modesp_pool_pop_variant[] = MODESP_POOL_POP_VARIANT;
uint32_t modesp_pool_llsc_sc_failures;
uint32_t modesp_pool_llsc_fallbacks;
#define LLSC_STAT(counter) count(&(counter))
#else
#define LLSC_STAT(counter) ((void)0)
#endif

#if !MODESP_POOL_LLSC
/* Steps P1..P4 with the tagged CAS. Returns NIL (capacity) when empty. */
HOT_INLINE uint32_t pool_pop(modesp_pool_t *p, uint32_t *meta_word)
{
    const uint32_t mask = idx_mask(p);
    const uint32_t nil = p->capacity;
    uint32_t head = mp_load(&p->head, MP_SEQ_CST); /* P1: SEQ_CST for the WAIT pairing, see above */
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
        uint32_t next = meta_link_decode(idx, w);
        if ((w & META_STATE_MASK) != META_FREE || next > nil) {
            /* P3: stale snapshot, or a broken list if head has not moved. */
            uint32_t again = mp_load(&p->head, MP_ACQUIRE);
            if (again == head) {
                count(&p->corruptions);
                return nil;
            }
            head = again;
            continue;
        }
        const uint32_t new_head = ((head & ~mask) + (mask + 1u)) | next;
        if (mp_cas(&p->head, &head, new_head, MP_ACQUIRE, MP_ACQUIRE)) {
            *meta_word = w;
            return idx;
        }
        mp_backoff(&spins);
    }
}

#else
/* Steps P1..P4 as one LL/SC sequence (mp_llsc.h). Same results, same tag
 * increment and same P3 rule as the CAS pop above. After MODESP_POOL_LLSC_TRIES
 * failed store-conditionals, an attempt whose SC failed finishes with the
 * tagged CAS on what it read: h by the LL (P1) and w after it (P3). */
HOT_INLINE uint32_t pool_pop(modesp_pool_t *p, uint32_t *meta_word)
{
    const uint32_t mask = idx_mask(p);
    const uint32_t nil = p->capacity;
    uint32_t failed = 0;
    for (;;) {
        uint32_t head = 0;
        uint32_t w = META_ALLOCATED; /* what an index out of range reads as, as in the CAS pop */
        if (mp_llsc_pop(&p->head, p->meta, mask, nil, &head, &w) == 0u) {
            *meta_word = w;
            return head & mask;
        }
        const uint32_t idx = head & mask;
        if (idx == nil) {
            return nil;
        }
        const uint32_t next = meta_link_decode(idx, w);
        if ((w & META_STATE_MASK) != META_FREE || next > nil) {
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
        } else if (mp_cas(&p->head, &head, ((head & ~mask) + (mask + 1u)) | next, MP_ACQUIRE, MP_ACQUIRE)) {
            LLSC_STAT(modesp_pool_llsc_fallbacks);
            *meta_word = w;
            return idx;
        }
    }
}
#endif

/* Steps F3..F4: make a claimed block reachable. `w` is its FREE metadata word. */
HOT_INLINE void pool_push(modesp_pool_t *p, uint32_t idx, uint32_t w)
{
    const uint32_t mask = idx_mask(p);
    uint32_t head = mp_load(&p->head, MP_RELAXED);
    uint32_t spins = 1u;
    for (;;) {
        mp_store(&p->meta[idx], (w & ~META_LINK_MASK) | meta_link_encode(idx, head & mask), MP_RELAXED);
        /* Failure order SEQ_CST, not RELAXED: with a RELAXED failure order GCC 12
         * for RV32A emits `lr.w; bne; sc.w.aq` with no release fence, which would
         * let the link and block stores above pass the push on a multi-hart part.
         * With SEQ_CST it emits `fence iorw,ow; lr.w.aq; sc.w.aq`. Free elsewhere. */
        if (mp_cas(&p->head, &head, (head & ~mask) | idx, MP_SEQ_CST, MP_SEQ_CST)) {
            return;
        }
        mp_backoff(&spins);
    }
}

HOT_INLINE void *pool_take(modesp_pool_t *p, uint32_t tag)
{
    if (!pool_ok(p)) {
        return NULL;
    }
    for (;;) {
        uint32_t w = 0;
        const uint32_t idx = pool_pop(p, &w);
        if (idx == p->capacity) {
            count(&p->alloc_failures);
            return NULL;
        }
        uint8_t *block = block_at(p, idx);
        ASAN_UNPOISON_BLOCK(block, p->stride);
        if (MODESP_POISON_ENABLED && (w & META_POISONED) != 0u && !poison_intact(block, p->stride)) {
            /* Someone wrote to this block after freeing it. Withdraw it for good so
             * the stale writer cannot corrupt the next owner, and try the next one. */
            mp_store(&p->meta[idx], (w & META_GEN_MASK) | META_QUARANTINED, MP_RELAXED);
            count(&p->poison_violations);
            count(&p->quarantined);
            if (!modesp_port_in_isr()) {
                modesp_port_log(MODESP_LOG_ERROR, TAG, "pool '%s': block %u written after free; quarantined",
                                p->name != NULL ? p->name : "?", (unsigned)idx);
            }
            continue;
        }
        /* P5: the block is ours. */
        mp_store(&p->meta[idx],
                 ((w & META_GEN_MASK) + META_GEN_ONE) | META_ALLOCATED | ((tag << META_TAG_SHIFT) & META_TAG_MASK),
                 MP_RELAXED);
        const uint32_t now = mp_fetch_add(&p->in_use, 1u, MP_RELAXED) + 1u;
        mp_max(&p->peak, now);
        count(&p->total_allocs);
        return block;
    }
}

void *modesp_pool_allocate(modesp_pool_t *pool) { return pool_take(pool, 0u); }

void *modesp_pool_allocate_tagged(modesp_pool_t *pool, uint8_t tag) { return pool_take(pool, tag); }

void *modesp_pool_allocate_zeroed_(modesp_pool_t *pool, size_t size)
{
    if (!pool_ok(pool) || size > pool->block_size) {
        return NULL;
    }
    void *block = pool_take(pool, 0u);
    if (block != NULL) {
        memset(block, 0, size);
    }
    return block;
}

/* Range and boundary checks, without touching any shared state. */
HOT_INLINE esp_err_t locate(const modesp_pool_t *p, const void *ptr, uint32_t *index)
{
    if (ptr == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const uintptr_t base = (uintptr_t)p->storage;
    const uintptr_t addr = (uintptr_t)ptr;
    if (addr < base || addr - base >= (uintptr_t)p->stride * p->capacity) {
        return MODESP_ERR_FOREIGN_PTR;
    }
    const uintptr_t off = addr - base;
    uintptr_t idx;
    if (p->stride_shift != 0xFFu) {
        if ((off & ((uintptr_t)p->stride - 1u)) != 0u) {
            return MODESP_ERR_MISALIGNED_PTR;
        }
        idx = off >> p->stride_shift;
    } else {
        idx = off / p->stride;
        if (idx * p->stride != off) {
            return MODESP_ERR_MISALIGNED_PTR;
        }
    }
    *index = (uint32_t)idx;
    return ESP_OK;
}

esp_err_t modesp_pool_deallocate(modesp_pool_t *pool, void *ptr)
{
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
    uint32_t idx = 0;
    const esp_err_t where = locate(pool, ptr, &idx);
    if (where != ESP_OK) {
        count(where == ESP_ERR_INVALID_ARG      ? &pool->null_frees
              : where == MODESP_ERR_FOREIGN_PTR ? &pool->foreign_frees
                                                : &pool->misaligned_frees);
        return where;
    }
    /* F1: claim. */
    const uint32_t poisoned = (MODESP_POISON_ENABLED && pool->poison) ? META_POISONED : 0u;
    uint32_t w = mp_load(&pool->meta[idx], MP_RELAXED);
    uint32_t freed;
    do {
        if ((w & META_STATE_MASK) != META_ALLOCATED) {
            count(&pool->double_frees);
            return MODESP_ERR_DOUBLE_FREE;
        }
        /* state FREE is 0; `poisoned` is a constant 0 when poisoning is compiled out */
        // cppcheck-suppress badBitmaskCheck
        freed = (w & META_GEN_MASK) | poisoned;
    } while (!mp_cas(&pool->meta[idx], &w, freed, MP_RELAXED, MP_RELAXED));

    uint8_t *block = block_at(pool, idx);
    if (poisoned != 0u) {
        poison_fill(block, pool->stride);
    }
    ASAN_POISON_BLOCK(block, pool->stride);
    (void)mp_fetch_sub(&pool->in_use, 1u, MP_RELAXED); /* F2 */
    pool_push(pool, idx, freed);                       /* F3, F4 */
    return ESP_OK;
}

bool modesp_pool_contains(const modesp_pool_t *pool, const void *ptr)
{
    if (!pool_ok(pool) || ptr == NULL) {
        return false;
    }
    const uintptr_t base = (uintptr_t)pool->storage;
    const uintptr_t addr = (uintptr_t)ptr;
    return addr >= base && addr - base < (uintptr_t)pool->stride * pool->capacity;
}

esp_err_t modesp_pool_block_index(const modesp_pool_t *pool, const void *ptr, uint32_t *index)
{
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
    if (index == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return locate(pool, ptr, index);
}

int modesp_pool_block_tag(const modesp_pool_t *pool, const void *ptr)
{
    uint32_t idx = 0;
    if (!pool_ok(pool) || locate(pool, ptr, &idx) != ESP_OK) {
        return -1;
    }
    const uint32_t w = mp_load(&pool->meta[idx], MP_RELAXED);
    if ((w & META_STATE_MASK) != META_ALLOCATED) {
        return -1;
    }
    return (int)((w & META_TAG_MASK) >> META_TAG_SHIFT);
}

const char *modesp_pool_name(const modesp_pool_t *pool) { return pool_ok(pool) ? pool->name : NULL; }

size_t modesp_pool_block_size(const modesp_pool_t *pool) { return pool_ok(pool) ? pool->block_size : 0u; }

size_t modesp_pool_capacity(const modesp_pool_t *pool) { return pool_ok(pool) ? pool->capacity : 0u; }

size_t modesp_pool_in_use(const modesp_pool_t *pool)
{
    return pool_ok(pool) ? mp_load(&((modesp_pool_t *)pool)->in_use, MP_RELAXED) : 0u;
}

esp_err_t modesp_pool_get_stats(const modesp_pool_t *pool, modesp_pool_stats_t *stats)
{
    if (stats == NULL || pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
    modesp_pool_t *p = (modesp_pool_t *)pool; /* atomics take non-const pointers; nothing is written */
    stats->name = p->name;
    stats->block_size = p->block_size;
    stats->capacity = p->capacity;
    stats->in_use = mp_load(&p->in_use, MP_RELAXED);
    stats->peak = mp_load(&p->peak, MP_RELAXED);
    stats->total_allocs = mp_load(&p->total_allocs, MP_RELAXED);
    stats->alloc_failures = mp_load(&p->alloc_failures, MP_RELAXED);
    stats->null_frees = mp_load(&p->null_frees, MP_RELAXED);
    stats->foreign_frees = mp_load(&p->foreign_frees, MP_RELAXED);
    stats->misaligned_frees = mp_load(&p->misaligned_frees, MP_RELAXED);
    stats->double_frees = mp_load(&p->double_frees, MP_RELAXED);
    stats->invalid_frees = stats->null_frees + stats->foreign_frees + stats->misaligned_frees + stats->double_frees;
    stats->poison_violations = mp_load(&p->poison_violations, MP_RELAXED);
    stats->quarantined = mp_load(&p->quarantined, MP_RELAXED);
    stats->corruptions = mp_load(&p->corruptions, MP_RELAXED);
    return ESP_OK;
}

esp_err_t modesp_pool_reset_stats(modesp_pool_t *pool)
{
    if (pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
    uint32_t *const zeroed[] = {&pool->total_allocs,      &pool->alloc_failures,   &pool->null_frees,
                                &pool->foreign_frees,     &pool->misaligned_frees, &pool->double_frees,
                                &pool->poison_violations, &pool->corruptions};
    for (size_t i = 0; i < sizeof zeroed / sizeof zeroed[0]; i++) {
        mp_store(zeroed[i], 0u, MP_RELAXED);
    }
    /* peak restarts from now; a racing allocation can only raise it again. */
    mp_store(&pool->peak, mp_load(&pool->in_use, MP_RELAXED), MP_RELAXED);
    return ESP_OK;
}

static esp_err_t fault(modesp_pool_integrity_t *r, modesp_pool_fault_t f, uint32_t block)
{
    r->fault = f;
    r->block = block;
    return MODESP_ERR_CORRUPTED;
}

esp_err_t modesp_pool_check_integrity(const modesp_pool_t *pool, modesp_pool_integrity_t *report)
{
    modesp_pool_integrity_t local = {0};
    modesp_pool_integrity_t *r = (report != NULL) ? report : &local;
    memset(r, 0, sizeof *r);
    r->block = UINT32_MAX;
    if (!pool_ok(pool)) {
        r->fault = MODESP_POOL_BAD_MAGIC;
        return MODESP_ERR_BAD_POOL;
    }
    modesp_pool_t *p = (modesp_pool_t *)pool;
    const uint32_t cap = p->capacity;
    const uint32_t mask = idx_mask(p);

    /* I1: walk the list. A node reached twice means a cycle (links are a
     * function of the node), so "NIL within cap steps" rules out both. */
    uint32_t idx = mp_load(&p->head, MP_ACQUIRE) & mask;
    uint32_t steps = 0;
    while (idx != cap) {
        if (idx > cap) {
            return fault(r, MODESP_POOL_BAD_INDEX, idx);
        }
        if (++steps > cap) {
            return fault(r, MODESP_POOL_CYCLE, idx);
        }
        const uint32_t w = mp_load(&p->meta[idx], MP_RELAXED);
        if ((w & META_STATE_MASK) != META_FREE) {
            return fault(r, MODESP_POOL_FREE_MARKED_USED, idx);
        }
        idx = meta_link_decode(idx, w);
    }
    r->free_blocks = steps;

    /* I2: classify every block. */
    uint32_t free_count = 0;
    for (uint32_t i = 0; i < cap; i++) {
        const uint32_t w = mp_load(&p->meta[i], MP_RELAXED);
        switch (w & META_STATE_MASK) {
        case META_FREE:
            free_count++;
            if (MODESP_POISON_ENABLED && (w & META_POISONED) != 0u && p->poison) {
                uint8_t *block = block_at(p, i);
                ASAN_UNPOISON_BLOCK(block, p->stride);
                const bool intact = poison_intact(block, p->stride);
                ASAN_POISON_BLOCK(block, p->stride);
                if (!intact) {
                    (void)fault(r, MODESP_POOL_POISON_DAMAGED, i);
                    return MODESP_ERR_USE_AFTER_FREE;
                }
            }
            break;
        case META_ALLOCATED:
            r->allocated_blocks++;
            break;
        case META_QUARANTINED:
            r->quarantined_blocks++;
            break;
        default:
            return fault(r, MODESP_POOL_BAD_STATE, i);
        }
    }
    if (free_count != steps) {
        return fault(r, MODESP_POOL_LOST_BLOCK, UINT32_MAX);
    }
    const uint32_t in_use = mp_load(&p->in_use, MP_RELAXED);
    if (in_use != r->allocated_blocks || mp_load(&p->quarantined, MP_RELAXED) != r->quarantined_blocks) {
        return fault(r, MODESP_POOL_COUNT_MISMATCH, UINT32_MAX);
    }
    /* I3 */
    const uint32_t peak = mp_load(&p->peak, MP_RELAXED);
    if (peak < in_use || peak > cap) {
        return fault(r, MODESP_POOL_PEAK_INVALID, UINT32_MAX);
    }
    r->fault = MODESP_POOL_OK;
    return ESP_OK;
}

const char *modesp_pool_fault_name(modesp_pool_fault_t f)
{
    switch (f) {
    case MODESP_POOL_OK:
        return "OK";
    case MODESP_POOL_BAD_MAGIC:
        return "BAD_MAGIC";
    case MODESP_POOL_BAD_INDEX:
        return "BAD_INDEX";
    case MODESP_POOL_CYCLE:
        return "CYCLE";
    case MODESP_POOL_FREE_MARKED_USED:
        return "FREE_MARKED_USED";
    case MODESP_POOL_LOST_BLOCK:
        return "LOST_BLOCK";
    case MODESP_POOL_COUNT_MISMATCH:
        return "COUNT_MISMATCH";
    case MODESP_POOL_PEAK_INVALID:
        return "PEAK_INVALID";
    case MODESP_POOL_POISON_DAMAGED:
        return "POISON_DAMAGED";
    case MODESP_POOL_BAD_STATE:
        return "BAD_STATE";
    }
    return "UNKNOWN";
}
