/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named pause points (private): where a test can stop one context between two
 * steps of a lock-free sequence and run others, to force an interleaving
 * deterministically instead of hoping a scheduler produces it.
 *
 * In a normal build MP_PAUSE() is nothing at all. A build with
 * -DMODESP_TEST_HOOKS=1 (the host test libraries) calls the hook a test
 * installed with modesp_test_set_pause_hook(); with no hook installed it costs
 * one atomic load. The points are named after the steps of the argument in
 * fixed_pool.c and pressure.c, so the reliability work (model checks, fuzzing)
 * can reuse the same names.
 */
#ifndef MODESP_MP_PAUSE_H
#define MODESP_MP_PAUSE_H

typedef enum {
    MP_PAUSE_POP_BEFORE_CAS = 0,  /* pop: P3 read the block's FREE word, P4 (head CAS) not yet run */
    MP_PAUSE_POP_BEFORE_CLAIM,    /* pop: P4 unlinked the block, P5 (mark ALLOCATED) not yet run */
    MP_PAUSE_FREE_BEFORE_CLAIM,   /* free: F1 read the ALLOCATED word, its claim CAS not yet run */
    MP_PAUSE_FREE_BEFORE_PUSH,    /* free: F3 wrote the link, F4 (head CAS) not yet run */
    MP_PAUSE_RESET_BEFORE_PEAK,   /* reset_stats: in_use read, peak not yet written */
    MP_PAUSE_CHECK_BLOCK,         /* check_integrity: a block's word read, the block not yet examined */
    MP_PAUSE_LEVEL_BEFORE_RING,   /* pressure: level CAS done, its ring entry not yet stored */
    MP_PAUSE_DELIVER_BEFORE_CALL, /* pressure: delivery holds the lock, about to call the callbacks */
    MP_PAUSE_POINT_COUNT
} mp_pause_point_t;

/* What a test installs: called at `point` with the object (pool or manager) concerned. */
typedef void (*mp_pause_hook_t)(mp_pause_point_t point, const void *object);

/* Fault injection: return true to make this allocation attempt find `pool` empty. */
typedef _Bool (*mp_fail_hook_t)(const void *pool);

#if defined(MODESP_TEST_HOOKS) && MODESP_TEST_HOOKS
/* Install (or with NULL remove) the hook. Test builds only. */
void modesp_test_set_pause_hook(mp_pause_hook_t hook);
void modesp_test_pause_(mp_pause_point_t point, const void *object);
#define MP_PAUSE(point, object) modesp_test_pause_((point), (object))

/* Install (or with NULL remove) the fault-injection hook consulted by every
 * allocation attempt of every pool (manager's included). Test builds only. */
void modesp_test_set_fail_hook(mp_fail_hook_t hook);
_Bool modesp_test_inject_fail_(const void *pool);
#define MP_INJECT_FAIL(pool) modesp_test_inject_fail_(pool)
#else
#define MP_PAUSE(point, object) ((void)0)
#define MP_INJECT_FAIL(pool)    0
#endif

#endif /* MODESP_MP_PAUSE_H */
