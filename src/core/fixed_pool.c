/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-block pool: lock-free free list over an index+tag head word.
 *
 * ============================================================================
 * THE LOCK-FREE ARGUMENT
 * ============================================================================
 *
 * State. `head` is one 32-bit word: the index of the first free block in its
 * low idx_bits bits (idx_bits = bit width of capacity, so the end marker NIL =
 * capacity fits) and an ABA tag above. A pool of up to 255 blocks ("packed")
 * also keeps in head, in the idx_bits bits above the index, OUT = the number
 * of blocks off the list; its tag has the remaining 32 - 2 * idx_bits >= 16
 * bits. Larger pools have a 32 - idx_bits bit tag and an in_use counter.
 * Each block has one metadata word (src/pool_meta.h): its state and, while
 * FREE, the index of the next free block. Free-list links are never stored
 * inside the blocks.
 *
 * Invariants (I1-I3 checked by modesp_pool_check_integrity at quiescence):
 *  I1  Following links from head reaches NIL after exactly the number of
 *      FREE blocks; every index on the way is < capacity and in state FREE.
 *  I2  Every block is in exactly one of: on the free list (FREE), ALLOCATED
 *      (counted by in_use), QUARANTINED (counted by quarantined), or for the
 *      few instructions of a free, RELEASING or FREE-but-not-yet-pushed (still
 *      counted by in_use). Packed: in_use = OUT - quarantined + the in_use
 *      field (a correction, 0 unless a damaged list led two pops to one block).
 *  I3  peak <= capacity (and readers report max(peak, in_use)).
 *  I4  Ownership. A block has at most one owner at any time: the pop that
 *      moved its word FREE -> ALLOCATED with a CAS (P5) owns it until the
 *      free whose CAS moved it away from ALLOCATED (F1: to FREE with its link
 *      at once, or with poisoning to RELEASING, the free then owning it until
 *      its store RELEASING -> FREE, F3). Only those two CASes change a
 *      block's state between FREE and owned; an owner alone writes its
 *      block's word with plain stores (F3 from RELEASING, QUARANTINED after
 *      P5), and a FREE word is otherwise changed only by CAS. Each CAS
 *      compares the exact word read (generation included), so a context
 *      acting on a stale read fails instead of acting on a newer period of
 *      the block.
 *
 * The safety property, "no block is handed out twice", rests on I4 alone:
 * a block is handed out only by a successful P5 CAS from a FREE word, the
 * CAS leaves it ALLOCATED, and it becomes FREE again only after its owner's
 * F1 and F3. So two successful P5s on one block always have a free between
 * them, whatever head, the links or the tag say. The free list and its ABA
 * tag decide which block a pop tries and whether the list stays whole
 * (liveness and accounting), not who owns a block.
 *
 * allocate = pop + claim:
 *   P1  h = load(head, SEQ_CST) (acquire is all the pop itself needs)
 *   P2  if index(h) == NIL: empty (counted in `exhausted`)
 *   P3  w = load(meta[index(h)], ACQUIRE); if w is not FREE (or its link is
 *       out of range) the snapshot h is stale: reload head; if head still
 *       equals h the list is broken (counted in `corruptions`, the pool
 *       reports empty rather than spinning or handing out a live block).
 *       ACQUIRE keeps the re-read of head after this load: with RELAXED a
 *       multi-core reader could pair a newer w with an older head and count
 *       a corruption that is not there.
 *   P4  CAS(head, h -> next(w) | (tag(h) + 1) [| OUT(h) + 1 when packed]),
 *       success ACQUIRE, failure ACQUIRE (the reloaded h is used to read meta
 *       again, as in P1). One add of the pool's pop_step does both.
 *   P5  CAS(meta[i], w -> ALLOCATED | generation(w) + 1 | tag, RELAXED), from
 *       the exact FREE word read at P3. It fails only if another context
 *       claimed this FREE period of the block first, which a whole list never
 *       allows (a block on the list is reachable from head once); only a
 *       list damaged by a tag wrap (below) can lead two pops to one block.
 *       The loser counts a corruption and pops again.
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
 *   F1  claim: w = load(meta[i]); if w is not ALLOCATED: a double free,
 *       nothing written. Else h = load(head, RELAXED) and one CAS(meta[i],
 *       w -> FREE | generation(w) | link = index(h), RELAXED) from that exact
 *       word: F1 writes F3's word (below). With poisoning the CAS writes
 *       RELEASING | generation(w) | poisoned instead, the pattern is written
 *       while the block is RELEASING, then F2 and F3. The word of an allocated
 *       block changes only through a claim, so the CAS fails only when a
 *       racing free of the same block won; by then the block may have been
 *       freed and allocated again (ALLOCATED once more, with a newer
 *       generation). The loser therefore never retries onto the new word: it
 *       reports MODESP_ERR_DOUBLE_FREE without writing anything.
 *   F2  unpacked: in_use -= 1 (RELAXED) before the block becomes reachable,
 *       so a concurrent allocator that pops it increments after this
 *       decrement: in_use never exceeds capacity. Packed: F4 itself takes one
 *       from OUT, in the same CAS that makes the block reachable.
 *   F3  (poisoning free) h = load(head, RELAXED); store(meta[i], FREE |
 *       generation | poisoned | link = index(h), RELAXED): a plain store, the
 *       word is RELEASING and ours (I4). Without poisoning F1 wrote this word:
 *       the block is then FREE but not on the list, which only a pop through
 *       a list damaged by a tag wrap can reach (P5 then decides the owner, as
 *       for a block between F3 and F4). On a retry after a failed F4 the
 *       block is FREE, so the new
 *       link goes in with a CAS from the word we stored; if that CAS fails a
 *       pop claimed the block through a damaged list, the block is its owner's
 *       now, and we stop without pushing it (counted in `corruptions`).
 *   F4  CAS(head, h -> i | tag(h) [| OUT(h) - 1 when packed]), success
 *       SEQ_CST, failure SEQ_CST (GCC 12 drops the release fence on RV32A
 *       with a RELAXED failure order); on failure go to F3 (the CAS form)
 *       with the value the CAS returned.
 *
 * Statistics without read-modify-writes of their own (packed pools):
 *  - OUT changes only inside P4 and F4, which replace the exact head read,
 *    so OUT = successful pops - successful pushes, whatever interleaves.
 *  - Pops: every P4 adds one to the tag, so the tag counts pops mod its
 *    period; the pop whose P4 flips head bit 31 (the tag's top bit) then adds
 *    one to tag_laps, the one RMW statistics ever take on this path, once per
 *    2^(tag bits - 1) pops. total_allocs = pops - (pops that handed nothing
 *    out: P5 lost, quarantined; the total_allocs field counts those).
 *  - peak: P5 compares OUT with peak (a load) and raises it out of line only
 *    when passed. Larger pools keep in_use as a RELAXED counter (F2 and after
 *    P5), so they take two RMWs per pair more than packed ones.
 *  - The minimal profile (Kconfig MEMORY_POOL_MINIMAL_STATS) keeps only the
 *    counts I2 needs (in_use or OUT, quarantined) and corruptions/poison
 *    violations: no peak test after P5, no tag_laps (the tag still counts
 *    pops for the ABA argument; nothing reads it as a statistic).
 * The fast path (-O2 and up) is one inlined attempt of P1..P5 or F1..F4 with
 * no loop; anything else (empty, lost CAS, poisoning, a misuse) continues in
 * the out-of-line loop, which starts over or picks up from the state reached.
 * A failed request is counted there too, so a success tests nothing after
 * P5 but the peak. Under -Os only the loops are compiled: one pop loop, one
 * push loop (F4 and its retries), one copy of the pointer check.
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
 *  - P5 and F1 are RELAXED: ownership is settled by the single modification
 *    order of the block's own word, which every CAS on it reads at its
 *    latest value; the hand-over of the block's contents is still the
 *    push/pop pair above. A pop that reaches a block only through a list
 *    damaged by a tag wrap may not synchronise with its freer's poison
 *    writes and then quarantine a block that was not written: a false alarm
 *    that only follows a corruption already counted.
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
 *  - Statistics counters are RELAXED: they order nothing. Readers take OUT
 *    and the tag from one RELAXED/ACQUIRE load of head.
 *
 * Why each CAS is ABA-safe, and what the tag is for:
 *  - P5 and F1 (the claims) decide ownership (I4). Each compares the whole
 *    word including the 8-bit generation, which every P5 advances, so a
 *    context whose read is stale fails. The one residual case is a context
 *    holding a read across exactly a multiple of 256 allocations of that
 *    one block: a racing double free (a misuse) delayed that long could then
 *    free the block's current owner's allocation, as any allocator without
 *    handles would. A pop's P5 is never exposed to it: a FREE word that
 *    matches is a FREE block, which has no owner to take it from.
 *  - P4 (pop). The danger is the classic one: a popper reads h = (A, t) and
 *    next(A) = B, sleeps, and meanwhile A is popped, B is popped and A is
 *    pushed back, so head is A again; a plain CAS on the index would install
 *    B as head although B is taken. Every successful pop adds 1 to the tag,
 *    so head can hold (A, t) again only after exactly k * 2^(32 - idx_bits)
 *    pops. Pushes do not change the tag and need not: between a pop's P1 and
 *    P4, pushes alone only place other blocks on top of A (A cannot be pushed
 *    again while it is FREE, because its claim F1 requires ALLOCATED), so
 *    head can only come back to (A, t) through pops.
 *  - F4 (push) has no ABA hazard: it installs i with link = index(h), and
 *    when the CAS succeeds head equals h, so index(h) is the current top of
 *    the list whatever happened in between; the tag is neither needed nor
 *    changed (a packed head's OUT goes down by one in the same CAS).
 *    (Pushes stay CAS loops on every ISA.)
 *
 * If the tag wraps (a popper preempted between P3 and P4 while the pool runs
 * 2^(32 - idx_bits) alloc/free pairs), its stale P4 installs the B it read,
 * whatever B is by then:
 *   - B allocated: the next pop finds it not FREE at an unchanged head (P3),
 *     counts a corruption and reports empty; the integrity check names it.
 *   - B popped by a context Z that has not run P5 yet (its word still FREE
 *     with a valid link): the next pop reaches B too, and both run P5 from
 *     the same FREE word; one CAS wins, the other counts a corruption and
 *     pops again. (Before P5 was a CAS both owned B: the wrap was a double
 *     hand-out. tests/test_interleavings.c forces exactly this.)
 *   - B being freed (FREE after F1, or after F3 when poisoning, and before
 *     F4): a pop may claim it; the freer's F3 CAS then fails and it does not
 *     push B (or its F4 pushes the now ALLOCATED B, which the next pop finds
 *     not FREE at an unchanged head: counted, reported empty).
 * In every case blocks can be lost from the list (the integrity check
 * reports LOST_BLOCK or FREE_MARKED_USED) and allocations can fail, but no
 * block gets two owners: with the tag at zero bits the pool still never
 * hands a block out twice, and the tag only makes such damage improbable.
 * How improbable: 2^(tag bits) pairs on one pool while the popper sleeps
 * between two adjacent instructions. Tag bits are 32 - idx_bits, or
 * 32 - 2 * idx_bits for a packed pool (<= MODESP_POOL_PACK_MAX blocks,
 * default 255). The default classes (8..128 blocks, packed) have tags of
 * 24..16 bits: 16.7 M to 65536 pairs, 8 s to 33 ms of uninterrupted
 * hammering of that one pool at 0.5 us per pair (ESP32 at 240 MHz); unpacked
 * they would have 28..24 bits. The worst case the API allows, 65535 blocks,
 * leaves a 16-bit tag too. Where that exposure matters more than the two
 * statistics RMWs per pair, set CONFIG_MEMORY_POOL_PACK_MAX_BLOCKS lower
 * (15 keeps every tag at >= 24 bits; 0 packs nothing).
 * Where the LL/SC pop is built (ARMv7-M, ARMv7E-M, ARMv8-M mainline; RV32
 * with A; lock-free build) a pop that completes with its own SC does not
 * depend on the tag at all: the SC fails on any intervening write to head.
 * Only a pop that fell back to the CAS after MODESP_POOL_LLSC_TRIES failed
 * SCs is exposed to the wrap. Everywhere else the pop is the tagged CAS: x86
 * (the host build), Xtensa LX6/LX7 (S32C1I is a true CAS), RV64,
 * Cortex-M0/M0+, RV32 without A and LX106 (the critical-section build, whose
 * CAS runs inside the port's critical section), and any build with
 * -DMODESP_POOL_NO_LLSC.
 *
 * The critical-section build (mp_atomic.h) runs the very same steps with each
 * atomic operation inside the port's critical section.
 * ============================================================================
 */
#include "modesp/fixed_pool.h"

#include "mp_assert.h"
#include "mp_atomic.h"
#include "mp_llsc.h"
#include "mp_pause.h"
#include "mp_trace.h"
#include "pool_internal.h"
#include "pool_meta.h"
#include "pool_private.h"
#include "port.h"

static const char *TAG = "mempool";

#ifdef MODESP_POOL_LLSC_STATS
const char modesp_pool_pop_variant[] = MODESP_POOL_POP_VARIANT;
uint32_t modesp_pool_llsc_sc_failures;
uint32_t modesp_pool_llsc_fallbacks;
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

/* A pop that was not an allocation (P5 lost, or the block quarantined): keep
 * total_allocs exact, and with a packed head the blocks-out count too when
 * nobody holds the block through this pop. */
SLOW_PATH MODESP_IRAM_ATTR void pool_pop_not_taken(modesp_pool_t *p, bool block_held)
{
    count_stat(&p->total_allocs); /* subtracted from the pop count (pool_info.c: get_stats) */
    if (POOL_PACKED(p) && !block_held) {
        (void)mp_fetch_sub(&p->in_use, 1u, MP_RELAXED); /* correction to the head's count */
    }
}

#if MP_FULL_STATS
/* A new high-water mark (rare: peak is read, and written only when passed).
 * With a packed head `now` is the head's count of blocks out. Returns the
 * block being handed out, so the fast path calls it as its last step and
 * needs no stack frame to keep the block across the call. */
SLOW_PATH MODESP_IRAM_ATTR void *pool_raise_peak(modesp_pool_t *p, uint32_t now, void *block)
{
    if (POOL_PACKED(p)) {
        now = now - mp_load(&p->quarantined, MP_RELAXED) + mp_load(&p->in_use, MP_RELAXED);
    }
    if (now <= p->capacity) { /* beyond it only after a corruption, which is counted */
        mp_max(&p->peak, now);
    }
    return block;
}
#endif

/* The block was written after its free: withdraw it for good so the stale
 * writer cannot corrupt the next owner. It is ours since P5: a plain store. */
SLOW_PATH MODESP_IRAM_ATTR void pool_quarantine(modesp_pool_t *p, uint32_t idx, uint32_t mine)
{
    MODESP_ASSERT(mp_load(&p->meta[idx], MP_RELAXED) == mine); /* I4: only the owner writes it */
    mp_store(&p->meta[idx], (mine & META_GEN_MASK) | META_QUARANTINED, MP_RELAXED);
    count(&p->poison_violations);
    count(&p->quarantined); /* a packed head still counts the block out: in_use subtracts these */
    pool_pop_not_taken(p, true);
    if (!modesp_port_in_isr()) {
        modesp_port_log(MODESP_LOG_ERROR, TAG, "pool '%s': block %u written after free; quarantined",
                        p->name != NULL ? p->name : "?", (unsigned)idx);
    }
}

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

/* The P5 word: the next generation, ALLOCATED, the owner's tag. One add
 * sets both the generation step and the state (ALLOCATED is 1 above the FREE
 * state's 0; a generation carry past bit 31 drops off, wrapping at 256). */
static inline uint32_t claimed_word(uint32_t w, uint32_t tag)
{
    return ((w & META_GEN_MASK) + (META_GEN_ONE + META_ALLOCATED)) | ((tag << META_TAG_SHIFT) & META_TAG_MASK);
}

/* After a pop of block idx (FREE word w) that moved head from h to nh: P5 and
 * the accounting. Returns the block, or NULL when it is not handed out
 * (another pop claimed it through a damaged list, or it was quarantined):
 * the caller pops again. */
HOT_INLINE void *pool_claim(modesp_pool_t *p, uint32_t idx, uint32_t w, uint32_t h, uint32_t nh, bool paused,
                            uint32_t tag MP_SITE_PARAMS)
{
    if (MP_FULL_STATS && MP_UNLIKELY(((h ^ nh) >> 31) != 0u)) { /* the tag's top bit flipped: one more half-turn */
        count_stat(&p->tag_laps);
    }
    if (!paused) {
        MP_PAUSE(MP_PAUSE_POP_BEFORE_CLAIM, p);
    }
    /* P5: claim the exact FREE word read at P3. Only a list damaged by a
     * tag wrap can give one block to two pops; this CAS lets one of them
     * have it, and the other looks again. */
    uint32_t expected = w;
    const uint32_t mine = claimed_word(w, tag);
    if (MP_UNLIKELY(!mp_cas(&p->meta[idx], &expected, mine, MP_RELAXED, MP_RELAXED))) {
        count(&p->corruptions);
        pool_pop_not_taken(p, false);
        return NULL;
    }
    uint8_t *block = block_at(p, idx);
    ASAN_UNPOISON_BLOCK(block, p->stride);
    if (MODESP_POISON_ENABLED && (w & META_POISONED) != 0u && !poison_intact(block, p->stride)) {
        pool_quarantine(p, idx, mine);
        return NULL;
    }
    block = pool_account(p, nh, block);
    MP_TRACE_ALLOC(p, idx, block);
    return block;
}

/* An allocation that found the pool empty. `request` (the pool API) also
 * counts it as a failed request and reports it to the trace hook; the manager
 * counts its failed requests itself (one per request, not per class tried).
 * Here and not after the fast path, so that a success pays no NULL test. */
SLOW_PATH MODESP_IRAM_ATTR void *pool_take_empty(modesp_pool_t *p, bool request MP_SITE_PARAMS)
{
    count_stat(&p->exhausted);
    if (request) {
        count_stat(&p->alloc_failures);
        MP_TRACE_FAIL(p);
    }
    return NULL;
}

/* The whole allocation: pop until a block is handed out or the pool is empty. */
SLOW_PATH MODESP_IRAM_ATTR void *pool_take_loop(modesp_pool_t *p, uint32_t tag, bool request MP_SITE_PARAMS)
{
    for (;;) {
        uint32_t w = 0;
        uint32_t h = 0;
        uint32_t nh = 0;
        const uint32_t idx = pool_pop(p, &w, &h, &nh);
        if (idx == p->capacity) {
            return pool_take_empty(p, request MP_SITE_ARGS);
        }
        void *block = pool_claim(p, idx, w, h, nh, false, tag MP_SITE_ARGS);
        if (block != NULL) {
            return block;
        }
    }
}

#if MP_FAST_PATH && !MODESP_POOL_LLSC
/* The fast path popped block idx (head h -> nh) but it cannot finish inline:
 * the tag's top bit flipped, P5 was lost, or the block was poisoned. Finish
 * this pop as the loop does, and pop again if it handed nothing out. */
SLOW_PATH MODESP_IRAM_ATTR void *pool_take_finish(modesp_pool_t *p, uint32_t w, uint32_t h, uint32_t nh, uint32_t tag,
                                                  bool request MP_SITE_PARAMS)
{
    /* The block is index(h): six arguments pass in registers on the ISAs we
     * build for, so the fast path reaches here by a plain tail jump. */
    void *block = pool_claim(p, h & idx_mask(p), w, h, nh, true, tag MP_SITE_ARGS);
    return block != NULL ? block : pool_take_loop(p, tag, request MP_SITE_ARGS);
}
#endif

/* Pop and claim one block for `tag`. The caller checked the handle. When
 * optimising for speed (MP_FAST_PATH) one attempt is inlined: P1..P5 with no
 * loop, for a head that is not empty, a FREE top block, no lost CAS and no
 * poison to verify; an empty head, a stale read or a lost P4 go to the loop
 * above, which starts over (the attempt changed nothing), and the rarer
 * cases after P4 to pool_take_finish. Under -Os only the loop is compiled. */
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

/* A handle the pool API refuses: count the calls on one of the manager's
 * pools. Out of line, so the gate below is one compare on the hot path. */
SLOW_PATH MODESP_IRAM_ATTR bool api_refused(modesp_pool_t *p)
{
    if (p != NULL && p->magic == MODESP_POOL_MAGIC_MANAGED) {
        count_stat(&p->wrong_api);
    }
    return false;
}

/* The pool API's gate: a usable handle, and not one of the manager's pools. */
MODESP_IRAM_ATTR HOT_INLINE bool api_ok(modesp_pool_t *p)
{
    if (MP_LIKELY(p != NULL && p->magic == MODESP_POOL_MAGIC)) {
        return true;
    }
    return api_refused(p);
}

/* A request of the pool API: an empty pool is also a failed request (counted in the slow path). */
MODESP_IRAM_ATTR HOT_INLINE void *api_take(modesp_pool_t *p, uint32_t tag MP_SITE_PARAMS)
{
    return pool_take(p, tag, true MP_SITE_ARGS);
}

MODESP_IRAM_ATTR void *modesp_pool_allocate(modesp_pool_t *pool)
{
#if MP_FAST_PATH
    return api_ok(pool) ? api_take(pool, 0u MP_NO_SITE) : NULL;
#else
    /* The same call without a call site: one copy of the path under -Os. */
    return modesp_pool_allocate_at(pool, NULL, 0);
#endif
}

MODESP_IRAM_ATTR void *modesp_pool_allocate_at(modesp_pool_t *pool, const char *file, int line)
{
    (void)file;
    (void)line;
    return api_ok(pool) ? api_take(pool, 0u MP_SITE(file, line)) : NULL;
}

void *modesp_pool_allocate_tagged(modesp_pool_t *pool, uint8_t tag)
{
    if (!api_ok(pool)) {
        return NULL;
    }
    if (tag > (META_TAG_MASK >> META_TAG_SHIFT)) {
        count_stat(&pool->invalid_requests);
        return NULL;
    }
    return api_take(pool, tag MP_NO_SITE);
}

void *modesp_pool_allocate_zeroed_(modesp_pool_t *pool, size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    if (!api_ok(pool)) {
        return NULL;
    }
    if (size > pool->block_size) {
        count_stat(&pool->invalid_requests);
        return NULL;
    }
    void *block = api_take(pool, 0u MP_SITE_SIZED(file, line, size));
    if (block != NULL) {
        memset(block, 0, size);
    }
    return block;
}

MODESP_IRAM_ATTR void *modesp_pool_take_managed_(modesp_pool_t *pool, uint32_t tag, const char *file, int line,
                                                 uint32_t size)
{
    (void)file;
    (void)line;
    (void)size;
    return pool_take(pool, tag, false MP_SITE_SIZED(file, line, size));
}

MODESP_IRAM_ATTR void modesp_pool_count_failure_(modesp_pool_t *pool) { count_stat(&pool->alloc_failures); }

/* F4 until it succeeds: push block idx, whose FREE word `linked` (`freed`
 * plus its link) was written from `head`. With `lost` the caller's own F4
 * already failed and `head` is what it read. After a lost F4, F3 again, now
 * as a CAS from the word we wrote, then F4 again. The block is FREE, and only
 * a list damaged by a tag wrap could let a pop reach it before the push. If a
 * pop claimed it (P5), it is that pop's block now and must not be pushed.
 * Under -Os this loop is the only copy of F4 (the free calls it with lost
 * false); at -O2 the free inlines one F4 and calls it only when that failed. */
SLOW_PATH MODESP_IRAM_ATTR esp_err_t pool_push_loop(modesp_pool_t *p, uint32_t idx, uint32_t freed, uint32_t linked,
                                                    uint32_t head, bool lost)
{
    const uint32_t mask = idx_mask(p);
    uint32_t spins = 1u;
    for (;;) {
        if (!lost) {
            MP_PAUSE(MP_PAUSE_FREE_BEFORE_PUSH, p);
            /* F4. Failure order SEQ_CST, not RELAXED: with a RELAXED failure
             * order GCC 12 for RV32A emits `lr.w; bne; sc.w.aq` with no release
             * fence, which would let the link and block stores above pass the
             * push on a multi-hart part. With SEQ_CST it emits `fence iorw,ow;
             * lr.w.aq; sc.w.aq`. Free elsewhere. A packed head takes the block
             * back from its count of blocks out in the same CAS (F2). */
            if (mp_cas(&p->head, &head, ((head & ~mask) - p->out_step) | idx, MP_SEQ_CST, MP_SEQ_CST)) {
                return ESP_OK;
            }
        }
        lost = false;
        mp_backoff(&spins);
        const uint32_t relinked = freed | meta_link_encode(idx, head & mask);
        uint32_t expected = linked;
        if (!mp_cas(&p->meta[idx], &expected, relinked, MP_RELAXED, MP_RELAXED)) {
            count(&p->corruptions);
            if (POOL_PACKED(p)) { /* the claimer's pop counted the block out a second time */
                (void)mp_fetch_sub(&p->in_use, 1u, MP_RELAXED);
            }
            return ESP_OK; /* the caller's free itself succeeded */
        }
        linked = relinked;
    }
}

/* F3 (a plain store: the word is RELEASING and ours, I4) and F4 for a block
 * claimed by the poisoning free below; `freed` is its FREE word without the link. */
HOT_INLINE void pool_push(modesp_pool_t *p, uint32_t idx, uint32_t freed)
{
    const uint32_t mask = idx_mask(p);
    uint32_t head = mp_load(&p->head, MP_RELAXED);
    const uint32_t linked = freed | meta_link_encode(idx, head & mask);
    MODESP_ASSERT((mp_load(&p->meta[idx], MP_RELAXED) & META_STATE_MASK) == META_RELEASING); /* I4 */
    MODESP_ASSERT((head & mask) <= p->capacity);                                             /* I1 */
    mp_store(&p->meta[idx], linked, MP_RELAXED);
    (void)pool_push_loop(p, idx, freed, linked, head, false); /* F4 */
}

#if !MP_FAST_PATH
/* The one copy of the pointer check under -Os (pool_private.h: pool_locate). */
MODESP_IRAM_ATTR esp_err_t modesp_pool_locate_(const modesp_pool_t *p, const void *ptr, uint32_t *index)
{
    return pool_locate_inline(p, ptr, index);
}
#endif

/* A rejected free: count it by its cause. */
SLOW_PATH MODESP_IRAM_ATTR esp_err_t pool_give_refused(modesp_pool_t *pool, esp_err_t why)
{
    count_stat(why == ESP_ERR_INVALID_ARG      ? &pool->null_frees
               : why == MODESP_ERR_FOREIGN_PTR ? &pool->foreign_frees
               : why == MODESP_ERR_DOUBLE_FREE ? &pool->double_frees
                                               : &pool->misaligned_frees);
    return why;
}

/* The free of a poisoning pool: F1 to RELEASING, so that the pattern is
 * written while the block is ours and reachable by nobody, then F2..F4. */
SLOW_PATH MODESP_IRAM_ATTR esp_err_t pool_give_poisoned(modesp_pool_t *pool, uint32_t idx, uint32_t w)
{
    const uint32_t freed = (w & META_GEN_MASK) | META_POISONED;
    if (!mp_cas(&pool->meta[idx], &w, freed | META_RELEASING, MP_RELAXED, MP_RELAXED)) {
        return pool_give_refused(pool, MODESP_ERR_DOUBLE_FREE);
    }
    uint8_t *block = block_at(pool, idx);
    MP_TRACE_FREE(pool, idx, block); /* the block is still the caller's bytes here */
    poison_fill(block, pool->stride);
    ASAN_POISON_BLOCK(block, pool->stride);
    if (!POOL_PACKED(pool)) {
        const uint32_t before = mp_fetch_sub(&pool->in_use, 1u, MP_RELAXED); /* F2 */
        MODESP_ASSERT(before >= 1u && before <= pool->capacity);             /* I2 */
        (void)before;
    }
    pool_push(pool, idx, freed); /* F3, F4 */
    return ESP_OK;
}

/* Checks, then F1 (claim), F2, F3..F4. The caller checked the handle.
 * Without poisoning the claim CAS writes the FREE word with its link at once
 * (F1 and F3 in one step): the block is then FREE but not on the list, which
 * only a pop through a list damaged by a tag wrap could reach, exactly as
 * between F3 and F4 before; P5 still decides who owns it. */
MODESP_IRAM_ATTR HOT_INLINE esp_err_t pool_give(modesp_pool_t *pool, void *ptr)
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
    if (!POOL_PACKED(pool)) {
        const uint32_t before = mp_fetch_sub(&pool->in_use, 1u, MP_RELAXED); /* F2 */
        MODESP_ASSERT(before >= 1u && before <= pool->capacity);             /* I2 */
        (void)before;
    }
#if MP_FAST_PATH
    MP_PAUSE(MP_PAUSE_FREE_BEFORE_PUSH, pool);
    /* F4 once inline; a packed head takes the block back from its count of
     * blocks out in the same CAS (F2). head - top is head & ~mask. */
    if (MP_LIKELY(mp_cas(&pool->head, &head, head - top - pool->out_step + idx, MP_SEQ_CST, MP_SEQ_CST))) {
        return ESP_OK;
    }
    return pool_push_loop(pool, idx, freed, linked, head, true);
#else
    return pool_push_loop(pool, idx, freed, linked, head, false); /* F4 */
#endif
}

/* A free refused for its handle: NULL, one of the manager's pools (counted),
 * or no pool at all. Out of line, so that the free's success path returns
 * ESP_OK directly. */
SLOW_PATH MODESP_IRAM_ATTR esp_err_t pool_give_bad_handle(modesp_pool_t *pool)
{
    if (pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (pool->magic == MODESP_POOL_MAGIC_MANAGED) {
        count_stat(&pool->wrong_api);
        return MODESP_ERR_MANAGED_POOL;
    }
    return MODESP_ERR_BAD_POOL;
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_deallocate(modesp_pool_t *pool, void *ptr)
{
    if (MP_LIKELY(pool != NULL && pool->magic == MODESP_POOL_MAGIC)) {
        return pool_give(pool, ptr);
    }
    return pool_give_bad_handle(pool);
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_give_managed_(modesp_pool_t *pool, void *ptr) { return pool_give(pool, ptr); }
