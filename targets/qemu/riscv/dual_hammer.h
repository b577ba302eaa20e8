/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dual-hart self-test (private to dual_hammer.c and dual_hart.c): four
 * contexts, the main loop and the timer interrupt of hart 0 and of hart 1,
 * allocate and free from the same fixed pool and the same manager, and hand
 * blocks to each other. dual_hammer.c has the contexts and the ownership
 * table, dual_hart.c starts the harts, checks and reports.
 */
#ifndef MODESP_QEMU_DUAL_HAMMER_H
#define MODESP_QEMU_DUAL_HAMMER_H

#include <stdbool.h>
#include <stdint.h>

#include "modesp/memory_pool.h"
#include "mp_pause.h" /* private: the pause points whose hook counts CAS attempts per context */

#define DUAL_HARTS 2u
enum { CTX_MAIN0, CTX_ISR0, CTX_MAIN1, CTX_ISR1, CTX_COUNT };

#define DUAL_MAIN_SLOTS 32u /* small requests, taken and freed at random */
#define DUAL_BULK_SLOTS 24u /* main loops only: 65..512 bytes, filled and emptied in waves */
#define DUAL_ISR_SLOTS  8u

/* A block a context holds: where it came from, the pattern seed, its owner-table entry. */
typedef struct {
    uint8_t *ptr;
    uint32_t size;
    uint32_t seed; /* low two bits: the context that allocated it */
    uint16_t src;
    uint16_t block;
} dual_held_t;

/* One context's state and counters. Each is written by its own context only,
 * except at the end, when hart 0 drains the quiescent contexts. */
typedef struct {
    dual_held_t slots[DUAL_MAIN_SLOTS + DUAL_BULK_SLOTS]; /* the interrupt contexts use DUAL_ISR_SLOTS */
    uint32_t nslots;
    uint32_t rng;
    uint32_t steps;
    uint32_t pool_allocs;    /* from the shared fixed pool */
    uint32_t manager_allocs; /* STRICT, SPILL, WAIT, critical */
    uint32_t critical_allocs;
    uint32_t wait_calls;
    uint32_t empty; /* nothing free: expected under load */
    uint32_t frees; /* successful frees */
    uint32_t sent;
    uint32_t received;
    uint32_t pattern_errors;             /* a block's bytes changed while held: never expected */
    uint32_t owner_errors;               /* a block handed out while another context held it: never expected */
    uint32_t free_errors;                /* a free of a held block refused: never expected */
    uint32_t calls;                      /* allocate/free calls made */
    uint32_t overlaps;                   /* calls during which the other hart was inside one too */
    uint32_t landed;                     /* interrupt contexts: ticks that landed inside this hart's main-loop call */
    uint32_t hook[MP_PAUSE_POINT_COUNT]; /* pause points passed (CAS attempts) */
} dual_ctx_t;

extern dual_ctx_t dual_ctx[CTX_COUNT];
extern modesp_pool_t dual_shared_pool;

/* The pools whose blocks the owner table covers: the shared pool, every class, the reserve. */
uint32_t dual_setup_blocks(void);

/* One allocate-or-free step of context `c` (its own slots). */
void dual_step(uint32_t c);
/* Hand one held block (chosen by `pick`) to context `to`, if its mailbox from `c` is empty. */
void dual_post(uint32_t c, uint32_t to, uint32_t pick);
/* Free what the other contexts handed to `c`. */
void dual_collect(uint32_t c);
/* Check the pattern of every block `c` holds. */
void dual_check_held(uint32_t c);
/* Give back everything `c` holds and every block waiting for it (the contexts are quiescent). */
void dual_drain(uint32_t c);
/* Context `c` is inside an allocate/free call now. */
bool dual_inside(uint32_t c);
/* The first owner conflict seen: false when there was none. */
bool dual_first_conflict(uint32_t *block, uint32_t *holder, uint32_t *claimant, const char **pool);

/* The pause-point hook: counts each point per context. */
void dual_count_pause(mp_pause_point_t point, const void *object);

#endif /* MODESP_QEMU_DUAL_HAMMER_H */
