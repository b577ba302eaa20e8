/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection on the event bus (issue 18): tasks and an "ISR" publish
 * while the test builds' fail hook (fault_hook_fixture.h) makes 10 % of the
 * manager's class attempts fail. Nothing may crash or leak, every refusal is
 * counted once, and the ISR reserve rescues the ISR publishes.
 */
#include "fault_hook_fixture.h"

#include "modesp/pooled_event_bus.h"

static uint64_t g_bus_all, g_bus_x, g_bus_bad;

static void bus_count(const modesp_event_t *ev, void *ctx)
{
    uint32_t n = 0;
    const char *pad = NULL;
    g_bus_bad += modesp_event_get_u32(ev, "n", &n) != ESP_OK || modesp_event_get_str(ev, "pad", &pad) != ESP_OK;
    *(uint64_t *)ctx += 1u;
}

/* g_ops / 4 publishes (a quarter from an "ISR", two payload sizes a class apart), 10 % of the
 * class attempts failed. The bus takes its block with STRICT, so a task publish fails with
 * ESP_ERR_NO_MEM exactly when its attempt was failed, and an ISR publish then takes the ISR
 * reserve (never failed here). Every refusal is counted once, every queued event reaches each
 * matching subscriber, and no block stays behind. */
static void test_event_bus_under_injected_failures(void **state)
{
    (void)state;
    static modesp_event_bus_t bus;
    static const char pad[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
    const size_t max_pad = CONFIG_EVENT_BUS_MAX_STRING_LEN < 40 ? CONFIG_EVENT_BUS_MAX_STRING_LEN : 40;
    modesp_bus_sub_t all = 0, x = 0;
    g_bus_all = g_bus_x = g_bus_bad = 0;
    assert_int_equal(modesp_bus_init(&bus), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "s.*", bus_count, &g_bus_all, 0, MODESP_BUS_DROP_OLDEST, &all), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "s.x", bus_count, &g_bus_x, 0, MODESP_BUS_REJECT, &x), ESP_OK);
    for (int i = 0; i < NPOOLS; i++) {
        g_permille[i] = i < NCLS ? 100u : 0u;
    }
    g_mode = MODE_PROBABILITY;
    g_rng_hook = 0x5DEECE66Du;
    reset_hook_counters();
    modesp_test_set_fail_hook(fail_hook);
    uint64_t rng = 0xB5AD4ECEDA1CE2A9u, ok = 0, ok_x = 0, no_mem = 0, isr_rescued = 0;
    for (unsigned long i = 0; i < g_ops / 4u; i++) {
        const uint64_t r = xorshift(&rng);
        const bool to_x = (r & 1u) != 0u, isr = (r & 6u) == 0u;
        char text[48];
        const size_t len = (r >> 8) % 2u == 0u ? 1u : max_pad - 1u;
        memcpy(text, pad, len);
        text[len] = '\0';
        const uint64_t before = injected_total();
        esp_err_t err;
        if (isr) {
            modesp_port_posix_set_isr_context(true);
            err = modesp_bus_publish_from_isr(&bus, to_x ? "s.x" : "s.y", MODESP_BUS_NORMAL, NULL,
                                              MODESP_EV_U32("n", (uint32_t)i), MODESP_EV_STR("pad", text));
            modesp_port_posix_set_isr_context(false);
        } else {
            err = modesp_bus_publish(&bus, to_x ? "s.x" : "s.y", MODESP_BUS_NORMAL, MODESP_EV_U32("n", (uint32_t)i),
                                     MODESP_EV_STR("pad", text));
        }
        const uint64_t failed = injected_total() - before;
        assert_true(failed <= 1u);
        if (isr || failed == 0u) {
            assert_int_equal(err, ESP_OK);
            isr_rescued += failed;
            ok++;
            ok_x += to_x;
        } else {
            assert_int_equal(err, ESP_ERR_NO_MEM);
            no_mem++;
        }
        assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    }
    modesp_test_set_fail_hook(NULL);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_true(no_mem > 0u && isr_rescued > 0u); /* the schedule reached both paths */
    assert_int_equal(st.published, ok);
    assert_int_equal(st.dropped_no_block, no_mem);
    assert_int_equal(st.pool.allocation_failures, no_mem);
    assert_int_equal(st.isr_reserve_used, isr_rescued);
    assert_int_equal(st.delivered, ok + ok_x);
    assert_int_equal(g_bus_all, ok);
    assert_int_equal(g_bus_x, ok_x);
    assert_int_equal(g_bus_bad, 0);
    assert_int_equal(st.pool.allocated_count, 0);
    assert_int_equal(modesp_bus_unsubscribe(&bus, all), ESP_OK);
    assert_int_equal(modesp_bus_unsubscribe(&bus, x), ESP_OK);
    assert_all_clean();
}

static int teardown(void **state)
{
    (void)state;
    modesp_test_set_fail_hook(NULL);
    modesp_port_posix_set_isr_context(false);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_event_bus_under_injected_failures, teardown),
    };
    return cmocka_run_group_tests(tests, fault_setup, NULL);
}
