/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's owner lookup (manager.c owner_of, the owner table of
 * manager_private.h): a freed pointer goes to the class pool whose storage
 * holds it. Every block of every class is allocated, then every byte offset
 * of the class arena is freed through modesp_pool_manager_free:
 *  - a block start is accepted (ESP_OK) by the pool it came from;
 *  - any other offset inside a block is MODESP_ERR_MISALIGNED_PTR, counted by
 *    that block's pool: a pointer sent to another class's pool would be
 *    FOREIGN there and counted in the wrong pool.
 * Run in every variant; the `owner` variant (tests/configs/owner.sdkconfig)
 * has class storages whose ends fall inside the table's granules, so the
 * compare after the table load decides there; with the default classes the
 * table alone decides, and where the table would be too long (custom, tiny)
 * the compare chain does.
 */
#include <stdint.h>

#include "test_support.h"

#define MAX_BLOCKS 4096

static void *blocks[MAX_BLOCKS];

static void sweep_class(modesp_pool_manager_t *pm, int cls)
{
    const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)cls);
    assert_non_null(pool);
    const size_t count = modesp_pool_capacity(pool);
    const size_t stride = pool->stride;
    assert_true(count <= MAX_BLOCKS);
    for (size_t i = 0; i < count; i++) {
        blocks[i] = modesp_pool_manager_allocate(pm, modesp_pool_block_size(pool));
        assert_non_null(blocks[i]);
        assert_true(modesp_pool_contains(pool, blocks[i]));
    }
    assert_int_equal(modesp_pool_in_use(pool), count);
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 1; k < stride; k++) {
            void *inside = (void *)((uintptr_t)blocks[i] + k);
            esp_err_t err = modesp_pool_manager_free(pm, inside);
            if (err != MODESP_ERR_MISALIGNED_PTR) {
                print_error("class %d block %zu offset %zu: %s, expected MODESP_ERR_MISALIGNED_PTR\n", cls, i, k,
                            modesp_err_to_name(err));
                fail();
            }
        }
        assert_int_equal(modesp_pool_manager_free(pm, blocks[i]), ESP_OK);
    }
    assert_int_equal(modesp_pool_in_use(pool), 0);
    assert_int_equal(modesp_pool_check_integrity(pool, NULL), ESP_OK);
}

static void test_every_arena_offset_reaches_its_own_pool(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_pool_stats_t before[MODESP_CLASS_COUNT];
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        assert_int_equal(modesp_pool_get_stats(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c), &before[c]),
                         ESP_OK);
    }
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        sweep_class(pm, c);
    }
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        modesp_pool_stats_t after;
        assert_int_equal(modesp_pool_get_stats(pool, &after), ESP_OK);
        /* each pool counted exactly its own blocks' interior pointers, and nothing foreign */
        const uint32_t interior = (uint32_t)(modesp_pool_capacity(pool) * (pool->stride - 1u));
        assert_stat(after.misaligned_frees - before[c].misaligned_frees, interior);
        assert_stat(after.foreign_frees - before[c].foreign_frees, 0u);
    }
    assert_int_equal(modesp_pool_manager_check_integrity(pm, NULL, NULL), ESP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_arena_offset_reaches_its_own_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
