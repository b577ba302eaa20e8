/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool's retry paths (issue 18, coverage of src/core/fixed_pool.c): an
 * "ISR" runs at a pause point (mp_pause.h) of a task's allocation or free, on
 * the same thread, exactly as an interrupt preempts a task on one core:
 *  - between P3 and P4 of a pop it takes a block (the task's head CAS fails
 *    and it pops again), or the last block (the task's request fails, counted);
 *  - between F3 and F4 of a free it allocates or frees (the task's push CAS
 *    fails and it links the block again onto the new head), once or twice.
 * Each runs on a pool whose head packs its count of blocks out (<=
 * MODESP_POOL_PACK_MAX blocks) and on one whose head does not. What must hold
 * (fixed_pool.h): no block handed out twice, the statistics exact
 * (in_use, peak, total_allocs, exhausted, failures, no corruption counted),
 * the integrity check clean, and every block can be allocated again, so
 * none was lost from the free list.
 */
#include <string.h>

#include "modesp/port_posix.h"
#include "mp_pause.h"
#include "test_support.h"

#define SMALL_BLOCKS 4u   /* packed head in every variant */
#define LARGE_BLOCKS 300u /* above the largest MEMORY_POOL_PACK_MAX_BLOCKS (255): an unpacked head */

MODESP_POOL_DEFINE_STATIC(small_pool, 24, SMALL_BLOCKS);
MODESP_POOL_DEFINE_STATIC(large_pool, 24, LARGE_BLOCKS);

/* ------------------------------------------------------ the "ISR" */

typedef enum { ISR_ALLOC, ISR_FREE } isr_action_t;

static struct {
    modesp_pool_t *pool;
    mp_pause_point_t point;
    isr_action_t action;
    unsigned shots;  /* how many more times it fires */
    void *blocks[8]; /* what it allocated / is to free */
    size_t nblocks;
    unsigned fired;
} g_isr;

static void isr_hook(mp_pause_point_t point, const void *object)
{
    if (g_isr.shots == 0u || point != g_isr.point || object != g_isr.pool) {
        return;
    }
    g_isr.shots--; /* before acting: the ISR's own calls pass the same point */
    g_isr.fired++;
    modesp_port_posix_set_isr_context(true);
    if (g_isr.action == ISR_ALLOC) {
        void *b = modesp_pool_allocate(g_isr.pool);
        if (b != NULL) {
            g_isr.blocks[g_isr.nblocks++] = b;
        }
    } else {
        assert_true(g_isr.nblocks > 0u);
        assert_int_equal(modesp_pool_deallocate(g_isr.pool, g_isr.blocks[--g_isr.nblocks]), ESP_OK);
    }
    modesp_port_posix_set_isr_context(false);
}

static void arm(modesp_pool_t *pool, mp_pause_point_t point, isr_action_t action, unsigned shots)
{
    g_isr.pool = pool;
    g_isr.point = point;
    g_isr.action = action;
    g_isr.shots = shots;
    g_isr.fired = 0u;
    modesp_test_set_pause_hook(isr_hook);
}

static void disarm(void)
{
    modesp_test_set_pause_hook(NULL);
    g_isr.shots = 0u;
}

/* ------------------------------------------------------ checks */

static modesp_pool_stats_t stats(modesp_pool_t *pool)
{
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(pool, &st), ESP_OK);
    return st;
}

/* Every block is allocatable once more and exactly capacity of them, all different: none lost, none twice. */
static void assert_all_blocks_come_back(modesp_pool_t *pool)
{
    static void *got[LARGE_BLOCKS + 1u];
    const size_t cap = modesp_pool_capacity(pool);
    assert_int_equal(modesp_pool_in_use(pool), 0);
    for (size_t i = 0; i < cap; i++) {
        got[i] = modesp_pool_allocate(pool);
        assert_non_null(got[i]);
        for (size_t j = 0; j < i; j++) {
            assert_ptr_not_equal(got[i], got[j]);
        }
    }
    assert_null(modesp_pool_allocate(pool));
    for (size_t i = 0; i < cap; i++) {
        assert_int_equal(modesp_pool_deallocate(pool, got[i]), ESP_OK);
    }
    assert_pool_intact(pool);
    assert_int_equal(modesp_pool_in_use(pool), 0);
}

static modesp_pool_t *const g_pools[] = {&small_pool, &large_pool};

/* ------------------------------------------------------ pops */

/* The ISR pops a block between the task's P3 and P4: the task's head CAS fails, it pops again and gets
 * another block. Two allocations, two distinct blocks, exact counts. */
static void test_pop_loses_its_head_cas_to_an_isr_pop(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        modesp_pool_t *pool = g_pools[k];
        assert_int_equal(modesp_pool_reset_stats(pool), ESP_OK);
        g_isr.nblocks = 0;
        arm(pool, MP_PAUSE_POP_BEFORE_CAS, ISR_ALLOC, 1u);
        void *task = modesp_pool_allocate(pool);
        disarm();
        assert_int_equal(g_isr.fired, 1u);
        assert_int_equal(g_isr.nblocks, 1u);
        assert_non_null(task);
        assert_ptr_not_equal(task, g_isr.blocks[0]);
        assert_true(modesp_pool_contains(pool, task));
        const modesp_pool_stats_t st = stats(pool);
        assert_int_equal(st.in_use, 2);
        assert_peak(st, 2);
        assert_stat(st.total_allocs, 2);
        assert_stat(st.alloc_failures, 0);
        assert_int_equal(st.corruptions, 0);
        assert_pool_intact(pool);
        assert_int_equal(modesp_pool_deallocate(pool, task), ESP_OK);
        assert_int_equal(modesp_pool_deallocate(pool, g_isr.blocks[0]), ESP_OK);
        assert_all_blocks_come_back(pool);
    }
}

/* The ISR takes the last free block between the task's P3 and P4: the task's request fails with NULL,
 * counted once as a failure and once as exhausted; the ISR's block is the only one out. */
static void test_isr_takes_the_last_block_between_p3_and_p4(void **state)
{
    (void)state;
    static void *held[LARGE_BLOCKS];
    for (size_t k = 0; k < 2; k++) {
        modesp_pool_t *pool = g_pools[k];
        const size_t cap = modesp_pool_capacity(pool);
        for (size_t i = 0; i + 1u < cap; i++) {
            held[i] = modesp_pool_allocate(pool);
            assert_non_null(held[i]);
        }
        assert_int_equal(modesp_pool_reset_stats(pool), ESP_OK);
        g_isr.nblocks = 0;
        arm(pool, MP_PAUSE_POP_BEFORE_CAS, ISR_ALLOC, 1u);
        void *task = modesp_pool_allocate(pool);
        disarm();
        assert_null(task);
        assert_int_equal(g_isr.nblocks, 1u);
        const modesp_pool_stats_t st = stats(pool);
        assert_int_equal(st.in_use, cap);
        assert_stat(st.total_allocs, 1);
        assert_stat(st.alloc_failures, 1);
        assert_stat(st.exhausted, 1);
        assert_int_equal(st.corruptions, 0);
        assert_pool_intact(pool);
        assert_int_equal(modesp_pool_deallocate(pool, g_isr.blocks[0]), ESP_OK);
        for (size_t i = 0; i + 1u < cap; i++) {
            assert_int_equal(modesp_pool_deallocate(pool, held[i]), ESP_OK);
        }
        assert_all_blocks_come_back(pool);
    }
}

/* ------------------------------------------------------ pushes */

/* Between the task's F3 and F4 the ISR allocates (`shots` times, each time the task retries): the task's
 * push CAS fails, it re-links its block to the new head and pushes again. The ISR never gets the block
 * being freed (it is not on the list yet), and the task's block is free afterwards. */
static void push_race(modesp_pool_t *pool, isr_action_t action, unsigned shots)
{
    assert_int_equal(modesp_pool_reset_stats(pool), ESP_OK);
    void *mine = modesp_pool_allocate(pool);
    assert_non_null(mine);
    g_isr.nblocks = 0;
    if (action == ISR_FREE) { /* the ISR has blocks of its own to free */
        for (unsigned i = 0; i < shots; i++) {
            g_isr.blocks[g_isr.nblocks] = modesp_pool_allocate(pool);
            assert_non_null(g_isr.blocks[g_isr.nblocks]);
            g_isr.nblocks++;
        }
    }
    const uint32_t out_before = (uint32_t)modesp_pool_in_use(pool);
    arm(pool, MP_PAUSE_FREE_BEFORE_PUSH, action, shots);
    assert_int_equal(modesp_pool_deallocate(pool, mine), ESP_OK);
    disarm();
    assert_int_equal(g_isr.fired, shots);
    for (size_t i = 0; i < g_isr.nblocks; i++) {
        assert_ptr_not_equal(g_isr.blocks[i], mine);
    }
    const modesp_pool_stats_t st = stats(pool);
    const uint32_t expect = action == ISR_ALLOC ? out_before - 1u + shots : out_before - 1u - shots;
    assert_int_equal(st.in_use, expect);
    assert_int_equal(st.corruptions, 0);
    assert_stat(st.double_frees, 0);
    assert_pool_intact(pool);
    /* the task's block is free: the next allocation (LIFO) may return it, and freeing it works */
    while (g_isr.nblocks > 0u) {
        assert_int_equal(modesp_pool_deallocate(pool, g_isr.blocks[--g_isr.nblocks]), ESP_OK);
    }
    assert_all_blocks_come_back(pool);
}

static void test_push_loses_its_head_cas_to_an_isr_pop(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        push_race(g_pools[k], ISR_ALLOC, 1u);
        push_race(g_pools[k], ISR_ALLOC, 2u); /* the retry's own F4 lost too */
    }
}

static void test_push_loses_its_head_cas_to_an_isr_free(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        push_race(g_pools[k], ISR_FREE, 1u);
        push_race(g_pools[k], ISR_FREE, 3u);
    }
}

/* A free and a pop interleaved both ways, many times over, on the small pool: a long run of lost
 * CASes must leave the counters exact (the packed head counts blocks out in the CAS itself). */
static void test_many_lost_cases_keep_counts_exact(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        modesp_pool_t *pool = g_pools[k];
        assert_int_equal(modesp_pool_reset_stats(pool), ESP_OK);
        for (unsigned round = 0; round < 50u; round++) {
            g_isr.nblocks = 0;
            arm(pool, MP_PAUSE_POP_BEFORE_CAS, ISR_ALLOC, 1u);
            void *a = modesp_pool_allocate(pool);
            disarm();
            assert_non_null(a);
            assert_int_equal(g_isr.nblocks, 1u);
            arm(pool, MP_PAUSE_FREE_BEFORE_PUSH, ISR_FREE, 1u);
            assert_int_equal(modesp_pool_deallocate(pool, a), ESP_OK);
            disarm();
            assert_int_equal(g_isr.nblocks, 0u);
        }
        const modesp_pool_stats_t st = stats(pool);
        assert_int_equal(st.in_use, 0);
        assert_stat(st.total_allocs, 100);
        assert_peak(st, 2);
        assert_int_equal(st.corruptions, 0);
        assert_all_blocks_come_back(pool);
    }
}

static int teardown(void **state)
{
    (void)state;
    disarm();
    modesp_port_posix_set_isr_context(false);
    assert_pool_intact(&small_pool);
    assert_pool_intact(&large_pool);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pop_loses_its_head_cas_to_an_isr_pop, teardown),
        cmocka_unit_test_teardown(test_isr_takes_the_last_block_between_p3_and_p4, teardown),
        cmocka_unit_test_teardown(test_push_loses_its_head_cas_to_an_isr_pop, teardown),
        cmocka_unit_test_teardown(test_push_loses_its_head_cas_to_an_isr_free, teardown),
        cmocka_unit_test_teardown(test_many_lost_cases_keep_counts_exact, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
