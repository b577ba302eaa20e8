/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The contexts of the dual-hart self-test (dual_hammer.h) and the owner table.
 *
 * Why an owner table on top of the pattern: the pattern shows a block written
 * by two holders only if both write before one checks. The table makes a
 * double hand-out visible at the moment it happens: every block of every pool
 * has one word naming the context that holds it (0: nobody). A context sets
 * it with a CAS from 0 right after the library handed the block out, moves it
 * with a CAS when it hands the block to another context, and clears it with a
 * CAS before it frees the block (after the free the library may hand the
 * block to anyone at once). Each CAS compares the exact holder it expects, so
 * a block handed out twice, freed by a non-holder or lost in a hand-over fails
 * one of them, and the first failure is recorded with both contexts.
 */
#include "dual_hammer.h"

#include <stddef.h>

#include "hart.h"
#include "modesp/port_baremetal.h"
#include "port.h" /* private: modesp_port_in_isr */

#define CLASS_BLOCKS                                                                                                   \
    (CONFIG_MEMORY_POOL_TINY_COUNT + CONFIG_MEMORY_POOL_SMALL_COUNT + CONFIG_MEMORY_POOL_MEDIUM_COUNT +                \
     CONFIG_MEMORY_POOL_LARGE_COUNT + CONFIG_MEMORY_POOL_XLARGE_COUNT)
#define SHARED_BLOCKS 12u
#define MAX_BLOCKS    (CLASS_BLOCKS + SHARED_BLOCKS + 64u) /* 64: room for the reserve */
#define POOLS         (MODESP_CLASS_COUNT + 2)

MODESP_POOL_DEFINE(dual_shared_pool, 40, SHARED_BLOCKS); /* small: found empty now and then */

dual_ctx_t dual_ctx[CTX_COUNT];

enum { SRC_POOL = 0, SRC_MANAGER };

/* A one-slot hand-over from one context to another (single producer, single consumer). */
typedef struct {
    dual_held_t item;
    uint32_t full;
} mailbox_t;

static mailbox_t s_box[CTX_COUNT][CTX_COUNT]; /* [from][to] */
static uint32_t s_owner[MAX_BLOCKS];          /* context + 1 holding the block, 0: none */
static const modesp_pool_t *s_pool[POOLS];
static uint32_t s_base[POOLS + 1];
static uint32_t s_inside[CTX_COUNT]; /* the context is inside an allocate/free call */

/* The first conflict: claimed once, then written, then published. */
static uint32_t s_conflict_claimed;
static uint32_t s_conflict_ready;
static uint32_t s_conflict_block;
static uint32_t s_conflict_holder;
static uint32_t s_conflict_claimant;

uint32_t dual_setup_blocks(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    uint32_t n = 0;
    s_pool[n++] = &dual_shared_pool;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        s_pool[n++] = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
    }
    s_pool[n++] = modesp_pool_manager_get_reserve_pool(pm); /* NULL without a reserve */
    uint32_t total = 0;
    for (uint32_t i = 0; i < POOLS; i++) {
        s_base[i] = total;
        total += (s_pool[i] != NULL) ? (uint32_t)modesp_pool_capacity(s_pool[i]) : 0u;
    }
    s_base[POOLS] = total;
    for (uint32_t i = 0; i < CTX_COUNT; i++) {
        dual_ctx[i].nslots = (i % 2u == 0u) ? DUAL_MAIN_SLOTS + DUAL_BULK_SLOTS : DUAL_ISR_SLOTS;
        dual_ctx[i].rng = 0x9E3779B9u * (i + 1u);
    }
    return total <= MAX_BLOCKS ? total : 0u;
}

/* The owner-table entry of a block start, or MAX_BLOCKS for a pointer no covered pool owns. */
static uint32_t block_id(const void *ptr)
{
    for (uint32_t i = 0; i < POOLS; i++) {
        uint32_t idx = 0;
        if (s_pool[i] != NULL && modesp_pool_block_index(s_pool[i], ptr, &idx) == ESP_OK) {
            return s_base[i] + idx;
        }
    }
    return MAX_BLOCKS;
}

static void record_conflict(uint32_t block, uint32_t holder, uint32_t claimant)
{
    uint32_t unclaimed = 0;
    if (__atomic_compare_exchange_n(&s_conflict_claimed, &unclaimed, 1u, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        s_conflict_block = block;
        s_conflict_holder = holder;
        s_conflict_claimant = claimant;
        __atomic_store_n(&s_conflict_ready, 1u, __ATOMIC_RELEASE);
    }
}

bool dual_first_conflict(uint32_t *block, uint32_t *holder, uint32_t *claimant, const char **pool)
{
    if (__atomic_load_n(&s_conflict_ready, __ATOMIC_ACQUIRE) == 0u) {
        return false;
    }
    *block = s_conflict_block;
    *holder = s_conflict_holder;
    *claimant = s_conflict_claimant;
    *pool = "?";
    for (uint32_t i = 0; i < POOLS; i++) {
        if (s_pool[i] != NULL && *block >= s_base[i] && *block < s_base[i + 1]) {
            *pool = modesp_pool_name(s_pool[i]);
            *block -= s_base[i];
        }
    }
    return true;
}

/* Move the block's owner entry from `from` to `to` (context + 1, 0 = nobody). */
static bool move_owner(dual_ctx_t *c, uint32_t block, uint32_t from, uint32_t to)
{
    uint32_t seen = from;
    if (block < MAX_BLOCKS &&
        __atomic_compare_exchange_n(&s_owner[block], &seen, to, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return true;
    }
    c->owner_errors++;
    record_conflict(block, block < MAX_BLOCKS ? seen : 0xFFu, from != 0u ? from : to);
    return false;
}

static uint32_t next_rand(uint32_t *state)
{
    uint32_t x = *state; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static uint8_t pattern(uint32_t seed, uint32_t i) { return (uint8_t)(seed + i * 29u + (i >> 8)); }

static void fill(const dual_held_t *h)
{
    for (uint32_t i = 0; i < h->size; i++) {
        h->ptr[i] = pattern(h->seed, i);
    }
}

static bool intact(const dual_held_t *h)
{
    for (uint32_t i = 0; i < h->size; i++) {
        if (h->ptr[i] != pattern(h->seed, i)) {
            return false;
        }
    }
    return true;
}

/* Mark `c` inside a library call; count the calls the other hart is inside too. */
static void enter_call(uint32_t c)
{
    const uint32_t other = (c < CTX_MAIN1) ? CTX_MAIN1 : CTX_MAIN0;
    __atomic_store_n(&s_inside[c], 1u, __ATOMIC_SEQ_CST);
    if ((__atomic_load_n(&s_inside[other], __ATOMIC_RELAXED) |
         __atomic_load_n(&s_inside[other + 1u], __ATOMIC_RELAXED)) != 0u) {
        dual_ctx[c].overlaps++;
    }
    dual_ctx[c].calls++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the flag around the call, not moved across it */
}

static void leave_call(uint32_t c)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&s_inside[c], 0u, __ATOMIC_RELAXED);
}

bool dual_inside(uint32_t c) { return __atomic_load_n(&s_inside[c], __ATOMIC_RELAXED) != 0u; }

/* Check, give up ownership, then free through the API the block came from. */
static void give_back(uint32_t c, dual_held_t *h)
{
    dual_ctx_t *cx = &dual_ctx[c];
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    if (!intact(h)) {
        cx->pattern_errors++;
    }
    if (!move_owner(cx, h->block, c + 1u, 0u)) {
        h->ptr = NULL; /* not ours by the table: freeing it could free another holder's block */
        return;
    }
    esp_err_t err;
    enter_call(c);
    if (h->src == SRC_POOL) {
        err = modesp_pool_deallocate(&dual_shared_pool, h->ptr);
    } else if ((h->seed & 4u) != 0u) {
        err = modesp_pool_manager_deallocate(pm, h->ptr, h->size);
    } else {
        err = modesp_pool_manager_free(pm, h->ptr);
    }
    leave_call(c);
    if (err == ESP_OK) {
        cx->frees++;
    } else {
        cx->free_errors++;
    }
    h->ptr = NULL;
}

/* A bulk request: 65..512 bytes (MEDIUM to XLARGE), so the larger classes run
 * out, SPILL moves up, WAITs block until a free on either hart, and the
 * utilization crosses the pressure thresholds both ways. */
static void *take_bulk(uint32_t c, uint32_t r, uint32_t size)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    void *p = NULL;
    switch ((r >> 8) & 3u) {
    case 0:
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &p);
        break;
    case 1:
        dual_ctx[c].wait_calls++;
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_WAIT, 1u, &p);
        break;
    default:
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_SPILL, 0u, &p);
        break;
    }
    return p;
}

static void take(uint32_t c, dual_held_t *h, uint32_t r, bool bulk)
{
    dual_ctx_t *cx = &dual_ctx[c];
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const uint32_t kind = (r >> 8) & 15u;
    const bool task = (c % 2u) == 0u;
    /* Mostly small requests, like real traffic; now and then a large one. */
    uint32_t size = 1u + ((r >> 12) % 64u);
    if ((r >> 20) % 8u == 0u) {
        size = 1u + ((r >> 12) % CONFIG_MEMORY_POOL_XLARGE_SIZE);
    }
    void *p = NULL;
    uint16_t src = SRC_MANAGER;
    enter_call(c);
    if (bulk) {
        size = 65u + ((r >> 12) % (CONFIG_MEMORY_POOL_XLARGE_SIZE - 64u));
        p = take_bulk(c, r, size);
    } else if (kind < 6u) {
        src = SRC_POOL;
        size = (uint32_t)modesp_pool_block_size(&dual_shared_pool);
        p = modesp_pool_allocate(&dual_shared_pool);
    } else if (kind < 10u) {
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &p);
    } else if (kind < 14u) {
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_SPILL, 0u, &p);
    } else if (kind == 14u && task) {
        /* WAIT across harts: a free on either hart can end it (the SEQ_CST pairing of fixed_pool.c). */
        cx->wait_calls++;
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_WAIT, 1u, &p);
    } else {
        p = modesp_pool_manager_allocate_critical(pm, size);
        cx->critical_allocs += (p != NULL) ? 1u : 0u;
    }
    leave_call(c);
    if (p == NULL) {
        cx->empty++;
        return;
    }
    if (src == SRC_POOL) {
        cx->pool_allocs++;
    } else {
        cx->manager_allocs++;
    }
    const uint32_t block = block_id(p);
    if (!move_owner(cx, block, 0u, c + 1u)) {
        return; /* handed out while another context holds it: leave it to that holder */
    }
    h->ptr = p;
    h->size = size;
    h->seed = (next_rand(&cx->rng) & ~3u) | c;
    h->src = src;
    h->block = (uint16_t)block;
    fill(h);
}

void dual_step(uint32_t c)
{
    dual_ctx_t *cx = &dual_ctx[c];
    const uint32_t r = next_rand(&cx->rng);
    const uint32_t slot = r % cx->nslots;
    dual_held_t *h = &cx->slots[slot];
    const bool bulk = slot >= DUAL_MAIN_SLOTS;
    /* Bulk slots fill for 2048 steps, then empty for 2048: waves of large blocks. */
    const bool filling = ((cx->steps++ >> 11) & 1u) == 0u;
    if (h->ptr == NULL) {
        if (!bulk || filling) {
            take(c, h, r, bulk);
        }
    } else if (!bulk || !filling) {
        give_back(c, h);
    }
}

void dual_post(uint32_t c, uint32_t to, uint32_t pick)
{
    dual_ctx_t *cx = &dual_ctx[c];
    dual_held_t *h = &cx->slots[pick % cx->nslots];
    mailbox_t *box = &s_box[c][to];
    if (h->ptr == NULL || to == c || __atomic_load_n(&box->full, __ATOMIC_ACQUIRE) != 0u) {
        return;
    }
    if (!move_owner(cx, h->block, c + 1u, to + 1u)) {
        h->ptr = NULL;
        return;
    }
    box->item = *h;
    h->ptr = NULL;
    __atomic_store_n(&box->full, 1u, __ATOMIC_RELEASE);
    cx->sent++;
}

void dual_collect(uint32_t c)
{
    for (uint32_t from = 0; from < CTX_COUNT; from++) {
        mailbox_t *box = &s_box[from][c];
        if (from == c || __atomic_load_n(&box->full, __ATOMIC_ACQUIRE) == 0u) {
            continue;
        }
        dual_held_t h = box->item;
        __atomic_store_n(&box->full, 0u, __ATOMIC_RELEASE);
        dual_ctx[c].received++;
        give_back(c, &h); /* checks the pattern the sender's allocation wrote, and that the table names c */
    }
}

void dual_check_held(uint32_t c)
{
    dual_ctx_t *cx = &dual_ctx[c];
    for (uint32_t i = 0; i < cx->nslots; i++) {
        if (cx->slots[i].ptr != NULL && !intact(&cx->slots[i])) {
            cx->pattern_errors++;
        }
    }
}

void dual_drain(uint32_t c)
{
    dual_collect(c);
    dual_check_held(c);
    dual_ctx_t *cx = &dual_ctx[c];
    for (uint32_t i = 0; i < cx->nslots; i++) {
        if (cx->slots[i].ptr != NULL) {
            give_back(c, &cx->slots[i]);
        }
    }
}

void dual_count_pause(mp_pause_point_t point, const void *object)
{
    (void)object;
    const uint32_t c = riscv_hart_id() * 2u + (modesp_port_in_isr() ? 1u : 0u);
    if (c < CTX_COUNT && (unsigned)point < MP_PAUSE_POINT_COUNT) {
        dual_ctx[c].hook[point]++; /* only context c runs on this hart at this level */
    }
}
