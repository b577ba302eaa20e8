/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kconfig reaches the build: the pools' sizes, counts, reserve and defaults
 * are those of the sdkconfig this variant was generated from. The expected
 * values come from tests/CMakeLists.txt as literals, independent of the
 * generated header, so a generation step that ignored the file would fail.
 */
#include "test_support.h"

static void test_class_geometry_from_kconfig(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const size_t want_size[MODESP_CLASS_COUNT] = {EXPECT_TINY_SIZE, EXPECT_SMALL_SIZE, EXPECT_MEDIUM_SIZE,
                                                  EXPECT_LARGE_SIZE, EXPECT_XLARGE_SIZE};
    const size_t want_count[MODESP_CLASS_COUNT] = {EXPECT_TINY_COUNT, EXPECT_SMALL_COUNT, EXPECT_MEDIUM_COUNT,
                                                   EXPECT_LARGE_COUNT, EXPECT_XLARGE_COUNT};
    size_t total = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        assert_int_equal(modesp_pool_block_size(pool), want_size[c]);
        assert_int_equal(modesp_pool_capacity(pool), want_count[c]);
        total += want_size[c] * want_count[c];
        /* and the manager really hands out that many */
        void *blocks[EXPECT_MAX_COUNT];
        size_t n = 0;
        void *p;
        while (modesp_pool_manager_allocate_ex(pm, want_size[c], MODESP_ALLOC_STRICT, 0, &p) == ESP_OK) {
            assert_true(n < EXPECT_MAX_COUNT);
            blocks[n++] = p;
        }
        assert_int_equal(n, want_count[c]);
        while (n > 0) {
            assert_int_equal(modesp_pool_manager_free(pm, blocks[--n]), ESP_OK);
        }
    }
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.total_bytes, total);
    assert_int_equal(modesp_pool_manager_class_for_size(EXPECT_XLARGE_SIZE + 1), -1);
    assert_int_equal(MODESP_POOL_MAX_BLOCK_SIZE, EXPECT_XLARGE_SIZE);
}

static void test_reserve_and_defaults_from_kconfig(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const modesp_pool_t *reserve = modesp_pool_manager_get_reserve_pool(pm);
#if EXPECT_RESERVE_BLOCKS > 0
    assert_non_null(reserve);
    assert_int_equal(modesp_pool_capacity(reserve), EXPECT_RESERVE_BLOCKS);
#else
    assert_null(reserve);
#endif
    assert_int_equal(modesp_pool_manager_get_default_strategy(pm), EXPECT_DEFAULT_STRATEGY);
    assert_int_equal(CONFIG_MEMORY_POOL_WARNING_THRESHOLD, EXPECT_WARNING);
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_geometry_from_kconfig),
        cmocka_unit_test(test_reserve_and_defaults_from_kconfig),
    };
    return cmocka_run_group_tests_name("kconfig", tests, NULL, NULL);
}
