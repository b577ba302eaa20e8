/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-block pool: lock-free free list over an index+tag head word.
 *
 * This file: the lock-free argument (below), the allocation API and the
 * allocation's slow paths. The hot paths the argument describes (the pops,
 * one inlined attempt of P1..P5 and of F1..F4) are in pool_fast.h, with the
 * LL/SC pop's part of the argument (L1..L4); the free's slow paths and the
 * deallocate API are in fixed_pool_free.c.
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
 * lock-free build on ARMv7-M, ARMv7E-M and ARMv8-M mainline and on RV32 with
 * the A extension, P1..P4 are one load-linked/store-conditional sequence,
 * steps L1..L4. Why a successful SC needs no tag, its forward progress and
 * its memory orders are argued in pool_fast.h, above that pop.
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
 * no loop (pool_fast.h: pool_take, pool_give); anything else (empty, lost
 * CAS, poisoning, a misuse) continues in the out-of-line loop, which starts
 * over or picks up from the state reached (here: pool_take_loop and
 * pool_take_finish; fixed_pool_free.c: pool_push_loop). A failed request
 * is counted there too, so a success tests nothing after P5 but the peak.
 * Under -Os only the loops are compiled: one pop loop, one push loop (F4
 * and its retries), one copy of the pointer check, one copy of the free.
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
 *  - The LL/SC pop keeps these orders (pool_fast.h, above the LL/SC pop).
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
/* Under -Os the allocation's slow paths are compiled here only (pool_fast.h). */
#define MODESP_POOL_ALLOC_FILE 1

#include "modesp/fixed_pool.h"

#include "mp_assert.h"
#include "mp_atomic.h"
#include "mp_llsc.h"
#include "mp_pause.h"
#include "mp_trace.h"
#include "pool_fast.h"
#include "pool_internal.h"
#include "pool_meta.h"
#include "pool_private.h"
#include "port.h"

static const char *TAG = "mempool";

#if !MP_FAST_PATH
MODESP_IRAM_ATTR void modesp_pool_count_(uint32_t *counter) { (void)mp_fetch_add(counter, 1u, MP_RELAXED); }
#endif

#if !MODESP_ATOMICS_LOCKFREE && MP_CS_SHARED
/* The critical-section build's CAS and add, one copy for both files of the
 * pool's paths under -Os (mp_atomic.h). */
MODESP_IRAM_ATTR bool modesp_pool_cs_cas_(uint32_t *p, uint32_t *expected, uint32_t desired)
{
    return mp_cs_cas(p, expected, desired);
}

MODESP_IRAM_ATTR uint32_t modesp_pool_cs_add_(uint32_t *p, uint32_t v) { return mp_cs_add(p, v); }
#endif

#ifdef MODESP_POOL_LLSC_STATS
const char modesp_pool_pop_variant[] = MODESP_POOL_POP_VARIANT;
uint32_t modesp_pool_llsc_sc_failures;
uint32_t modesp_pool_llsc_fallbacks;
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
SLOW_PATH_EXTERN MODESP_IRAM_ATTR void *pool_raise_peak(modesp_pool_t *p, uint32_t now, void *block)
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
SLOW_PATH_EXTERN MODESP_IRAM_ATTR void *pool_take_empty(modesp_pool_t *p, bool request MP_SITE_PARAMS)
{
    count_stat(&p->exhausted);
    if (request) {
        count_stat(&p->alloc_failures);
        MP_TRACE_FAIL(p);
    }
    return NULL;
}

/* The whole allocation: pop until a block is handed out or the pool is empty. */
SLOW_PATH_EXTERN MODESP_IRAM_ATTR void *pool_take_loop(modesp_pool_t *p, uint32_t tag, bool request MP_SITE_PARAMS)
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
SLOW_PATH_EXTERN MODESP_IRAM_ATTR void *pool_take_finish(modesp_pool_t *p, uint32_t w, uint32_t h, uint32_t nh,
                                                         uint32_t tag, bool request MP_SITE_PARAMS)
{
    /* The block is index(h): six arguments pass in registers on the ISAs we
     * build for, so the fast path reaches here by a plain tail jump. */
    void *block = pool_claim(p, h & idx_mask(p), w, h, nh, true, tag MP_SITE_ARGS);
    return block != NULL ? block : pool_take_loop(p, tag, request MP_SITE_ARGS);
}
#endif

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
