/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kconfig MEMORY_POOL_PRESSURE_TRACKING both ways (the minimal size profile
 * of issue 17 turns it off): the byte count and the pressure level as their
 * readers see them. Tracked, every allocation and free keeps the byte count
 * and moves the level. Untracked, allocations and frees touch only their
 * class pool: the bytes are summed from the class pools when read, and a
 * read of the level brings it up to date by the same thresholds and
 * hysteresis, so a level crossed and left again between two reads is not
 * seen at all.
 */
#include "manager_fixture.h" /* pm, setup, teardown */

#define MAX_HELD 1024
static void *held[MAX_HELD];
static size_t held_n;

/* What the classes hold, from their own counts. */
static uint32_t class_bytes(void)
{
    uint32_t bytes = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *p = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        bytes += (uint32_t)(modesp_pool_block_size(p) * modesp_pool_in_use(p));
    }
    return bytes;
}

/* Allocate, largest classes first, until utilization >= percent; reads no level. */
static void fill_to(unsigned percent)
{
    for (int c = MODESP_CLASS_COUNT - 1; c >= 0 && modesp_pool_manager_get_overall_utilization(pm) < percent; c--) {
        const size_t size = modesp_pool_block_size(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c));
        void *p;
        while (modesp_pool_manager_get_overall_utilization(pm) < percent &&
               modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0, &p) == ESP_OK) {
            assert_true(held_n < MAX_HELD);
            held[held_n++] = p;
        }
    }
    assert_true(modesp_pool_manager_get_overall_utilization(pm) >= percent);
}

static void drain_all(void)
{
    while (held_n > 0) {
        assert_int_equal(modesp_pool_manager_free(pm, held[--held_n]), ESP_OK);
    }
}

/* Level changes made so far (get_stats; untracked, this read itself may make one). */
static uint32_t changes(void)
{
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    return st.pressure_changes;
}

static void test_bytes_are_what_the_classes_hold(void **state)
{
    (void)state;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const size_t size = modesp_pool_block_size(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c));
        for (int i = 0; i <= c; i++) {
            held[held_n++] = modesp_pool_manager_allocate(pm, size - (size_t)i); /* any size of the class */
            assert_non_null(held[held_n - 1]);
        }
    }
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_true(st.bytes_in_use > 0u);
    assert_int_equal(st.bytes_in_use, class_bytes());
    assert_int_equal(st.utilization, st.bytes_in_use * 100u / st.total_bytes);
    assert_int_equal(modesp_pool_manager_get_overall_utilization(pm), st.utilization);
    int bad = 0;
    assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, NULL), ESP_OK);
    drain_all();
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.bytes_in_use, 0);
    assert_int_equal(st.utilization, 0);
}

static void test_level_seen_by_reads(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    const uint32_t start = changes();

    /* Up past CRITICAL and back down below release, with no level read in between. */
    fill_to(CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD);
    drain_all();
    /* Tracked: NORMAL -> WARNING -> CRITICAL -> WARNING -> NORMAL, each on the allocation or free that
     * crossed. Untracked: no read saw anything but NORMAL, so the level never moved. */
    assert_int_equal(changes() - start, MODESP_PRESSURE_TRACKING ? 4u : 0u);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);

    /* A level that holds at the read is seen either way, with its hysteresis. */
    const uint32_t before = changes();
    fill_to(CONFIG_MEMORY_POOL_WARNING_THRESHOLD);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
    while (modesp_pool_manager_get_overall_utilization(pm) >= CONFIG_MEMORY_POOL_WARNING_THRESHOLD) {
        assert_int_equal(modesp_pool_manager_free(pm, held[--held_n]), ESP_OK);
    }
    if (modesp_pool_manager_get_overall_utilization(pm) >= CONFIG_MEMORY_POOL_RELEASE_THRESHOLD) {
        assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING); /* hysteresis */
    }
    drain_all();
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    assert_int_equal(changes() - before, 2u);
}

/* New thresholds take effect at once in both builds (set_pressure_thresholds re-evaluates the level). */
static void test_thresholds_reevaluate(void **state)
{
    (void)state;
    fill_to(30);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 20, 90, 10), ESP_OK);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 40, 90, 35), ESP_OK);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    drain_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bytes_are_what_the_classes_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_seen_by_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thresholds_reevaluate, setup, teardown),
    };
    return cmocka_run_group_tests_name("pressure_tracking", tests, NULL, NULL);
}
