/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guide's C++ snippets (sections 1, 2, 3, 4, 6, 7, 8, 9) compiled as
 * written against the header-only C++ layer, and run: each test checks what
 * its snippet must do, and that it used no heap. Every test ends with the
 * C suites' teardown check (manager intact, nothing outstanding, no
 * heap-fallback block) and an empty event bus.
 */
#include <cstdio>

#include "guide_support.h"
#include "memory_diagnostics.h"
#include "test_support.h"

static char g_stdout_buffer[4096]; /* stdout's buffer, so printing never takes it from the heap */

static int setup(void **)
{
    test_log_clear();
#if MODESP_TRACING
    modesp_memory_diagnostics_reset_tracing();
#endif
    return 0;
}

static int teardown(void **)
{
    assert_manager_clean();
    const ModESP::EventPoolStats ev = ModESP::PooledEventBus::get_event_pool_stats();
    assert_int_equal(ev.allocated_count, 0);
    modesp_bus_stats_t st;
    assert_int_equal(ModESP::PooledEventBus::get_stats(st), ESP_OK);
    assert_int_equal(st.subscriptions, 0);
    return 0;
}

static void heap_counter_works(void **)
{
    assert_true(heap_counting_works()); /* the zero-heap checks can fail */
    HeapWindow w;
    int *p = new int(3);
    delete p;
    assert_int_equal(w.news(), 1);
    assert_int_equal(w.mallocs(), 1); /* operator new takes its memory from malloc */
}

#define GUIDE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    (void)setvbuf(stdout, g_stdout_buffer, _IOLBF, sizeof g_stdout_buffer);
    const struct CMUnitTest tests[] = {
        GUIDE_TEST(heap_counter_works),
        GUIDE_TEST(guide_section1_basic_usage),
        GUIDE_TEST(guide_section1_allocation_failure),
        GUIDE_TEST(guide_section2_publish),
        GUIDE_TEST(guide_section2_publish_failure),
        GUIDE_TEST(guide_section3_memory_pressure),
        GUIDE_TEST(guide_section4_data_logger),
        GUIDE_TEST(guide_section6_ring_buffer),
        GUIDE_TEST(guide_section6_command_queue),
        GUIDE_TEST(guide_section7_debugging),
        GUIDE_TEST(guide_section8_migration),
        GUIDE_TEST(guide_section9_performance_monitoring),
        GUIDE_TEST(layer_pooled_ptr_semantics),
        GUIDE_TEST(layer_pooled_ptr_errors),
        GUIDE_TEST(layer_pressure_listener),
        GUIDE_TEST(layer_static_pool),
        GUIDE_TEST(layer_event_fields),
        GUIDE_TEST(layer_health),
        GUIDE_TEST(layer_leak_list),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
