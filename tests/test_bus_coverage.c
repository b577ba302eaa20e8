/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event bus's error paths that the other suites leave unvisited (issue 18,
 * coverage), each checked against modesp/pooled_event_bus.h:
 *  - every call with a NULL bus, handler, handle, key or output;
 *  - the calls refused from an ISR;
 *  - stale and out-of-range subscription handles;
 *  - every typed getter: the right type, another type, no such key, NULL output;
 *  - the accessors and the iterator on a NULL event;
 *  - bridging twice, unbridging what is not bridged, a wait that times out.
 * Nothing refused leaks a block: every test ends with the manager clean.
 */
#include <string.h>

#include "modesp/port_posix.h"
#include "modesp/pooled_event_bus.h"
#include "test_support.h"

static modesp_event_bus_t bus;

static int setup(void **state)
{
    (void)state;
    modesp_port_posix_set_isr_context(false);
    return modesp_bus_init(&bus) == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_isr_context(false);
    (void)modesp_bus_clear(&bus, NULL);
    assert_manager_clean();
    return 0;
}

static void never(const modesp_event_t *ev, void *ctx)
{
    (void)ev;
    (void)ctx;
    fail_msg("handler called");
}

static void test_null_bus_and_arguments(void **state)
{
    (void)state;
    modesp_bus_sub_t h = 0;
    modesp_bus_stats_t st;
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_init(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_subscribe(NULL, "a", never, NULL, 1, MODESP_BUS_REJECT, &h), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_subscribe(&bus, "a", NULL, NULL, 1, MODESP_BUS_REJECT, &h), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_subscribe(&bus, "a", never, NULL, 1, MODESP_BUS_REJECT, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_subscribe(&bus, "a", never, NULL, 1, (modesp_bus_policy_t)7, &h), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_subscribe(&bus, "a..b", never, NULL, 1, MODESP_BUS_REJECT, &h), MODESP_ERR_BAD_PATTERN);
    assert_int_equal(modesp_bus_unsubscribe(NULL, 1), ESP_ERR_INVALID_ARG);
    const modesp_ev_field_t f = MODESP_EV_I32("v", 1);
    assert_int_equal(modesp_bus_publish_fields(NULL, "a", MODESP_BUS_LOW, &f, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_publish_from_isr_fields(NULL, "a", MODESP_BUS_LOW, &f, 1, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_process(NULL, 1, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_wait(NULL, 0), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_pause(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_resume(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_clear(NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_set_filter(NULL, NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_get_stats(NULL, &st), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_get_stats(&bus, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_get_sub_stats(NULL, 1, &ss), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_get_sub_stats(&bus, 1, NULL), ESP_ERR_INVALID_ARG);
    const modesp_bus_event_pool_stats_t zero = modesp_bus_get_event_pool_stats(NULL);
    assert_int_equal(zero.allocated_count + zero.peak_allocated + zero.allocation_failures, 0);
    assert_int_equal(modesp_bus_bridge_pressure(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_unbridge_pressure(NULL), ESP_ERR_INVALID_ARG);
    /* nothing above reached the bus */
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.published + st.subscriptions + st.bad_topic + st.bad_field + st.bad_priority, 0);
}

static void test_task_only_calls_refused_in_an_isr(void **state)
{
    (void)state;
    modesp_bus_sub_t h = 0;
    assert_int_equal(modesp_bus_subscribe(&bus, "a", never, NULL, 1, MODESP_BUS_REJECT, &h), ESP_OK);
    modesp_port_posix_set_isr_context(true);
    modesp_bus_sub_t h2 = 0;
    assert_int_equal(modesp_bus_subscribe(&bus, "b", never, NULL, 1, MODESP_BUS_REJECT, &h2), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_process(&bus, 1, NULL), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_wait(&bus, 0), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_clear(&bus, NULL), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_publish(&bus, "a", MODESP_BUS_LOW, MODESP_EV_I32("v", 1)), ESP_ERR_INVALID_STATE);
    modesp_port_posix_set_isr_context(false);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.subscriptions, 1);
    assert_int_equal(st.published, 0);
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
}

static void test_stale_and_unknown_handles(void **state)
{
    (void)state;
    modesp_bus_sub_t h = 0;
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_subscribe(&bus, "a.*", never, NULL, 0, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);
    assert_int_not_equal(h, 0);
    assert_int_equal(modesp_bus_get_sub_stats(&bus, h, &ss), ESP_OK);
    assert_int_equal(ss.depth, CONFIG_EVENT_BUS_MAX_DEPTH); /* depth 0: the Kconfig depth */
    assert_int_equal(ss.policy, MODESP_BUS_DROP_OLDEST);
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
    /* the same handle again, and handles naming no slot */
    const modesp_bus_sub_t wrong[] = {h, 0u, (modesp_bus_sub_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS + 1u, h + 0x100u};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        assert_int_equal(modesp_bus_unsubscribe(&bus, wrong[i]), ESP_ERR_NOT_FOUND);
        assert_int_equal(modesp_bus_get_sub_stats(&bus, wrong[i], &ss), ESP_ERR_NOT_FOUND);
    }
    /* the slot is reused with a new handle; the old one stays stale */
    modesp_bus_sub_t again = 0;
    assert_int_equal(modesp_bus_subscribe(&bus, "a.*", never, NULL, 1, MODESP_BUS_REJECT, &again), ESP_OK);
    assert_int_not_equal(again, h);
    assert_int_equal(modesp_bus_get_sub_stats(&bus, h, &ss), ESP_ERR_NOT_FOUND);
    assert_int_equal(modesp_bus_unsubscribe(&bus, again), ESP_OK);
}

/* What the getters saw, checked after process (a failed assert inside a handler would skip the clean-up). */
static struct {
    int calls;
    esp_err_t right[7], other[7], missing[7], null_out[7];
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    float f32;
    double f64;
    bool b;
    const char *str;
    char str_copy[16];
    esp_err_t null_ev, null_key;
    uint32_t fields, iterated;
    bool iter_null_field;
} g;

static void getters(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    g.calls++;
    /* each getter: its own key, a key of another type ("s" is a string, "i" an int32), a missing key, NULL out */
    g.right[0] = modesp_event_get_i32(ev, "i", &g.i32);
    g.other[0] = modesp_event_get_i32(ev, "s", &g.i32);
    g.missing[0] = modesp_event_get_i32(ev, "zz", &g.i32);
    g.null_out[0] = modesp_event_get_i32(ev, "i", NULL);
    g.right[1] = modesp_event_get_u32(ev, "u", &g.u32);
    g.other[1] = modesp_event_get_u32(ev, "i", &g.u32);
    g.missing[1] = modesp_event_get_u32(ev, "zz", &g.u32);
    g.null_out[1] = modesp_event_get_u32(ev, "u", NULL);
    g.right[2] = modesp_event_get_i64(ev, "l", &g.i64);
    g.other[2] = modesp_event_get_i64(ev, "i", &g.i64);
    g.missing[2] = modesp_event_get_i64(ev, "zz", &g.i64);
    g.null_out[2] = modesp_event_get_i64(ev, "l", NULL);
    g.right[3] = modesp_event_get_f32(ev, "f", &g.f32);
    g.other[3] = modesp_event_get_f32(ev, "i", &g.f32);
    g.missing[3] = modesp_event_get_f32(ev, "zz", &g.f32);
    g.null_out[3] = modesp_event_get_f32(ev, "f", NULL);
    g.right[4] = modesp_event_get_f64(ev, "d", &g.f64);
    g.other[4] = modesp_event_get_f64(ev, "i", &g.f64);
    g.missing[4] = modesp_event_get_f64(ev, "zz", &g.f64);
    g.null_out[4] = modesp_event_get_f64(ev, "d", NULL);
    g.right[5] = modesp_event_get_bool(ev, "b", &g.b);
    g.other[5] = modesp_event_get_bool(ev, "i", &g.b);
    g.missing[5] = modesp_event_get_bool(ev, "zz", &g.b);
    g.null_out[5] = modesp_event_get_bool(ev, "b", NULL);
    g.right[6] = modesp_event_get_str(ev, "s", &g.str);
    if (g.right[6] == ESP_OK) {
        (void)snprintf(g.str_copy, sizeof g.str_copy, "%s", g.str);
    }
    g.other[6] = modesp_event_get_str(ev, "i", &g.str);
    g.missing[6] = modesp_event_get_str(ev, "zz", &g.str);
    g.null_out[6] = modesp_event_get_str(ev, "s", NULL);
    g.null_ev = modesp_event_get_i32(NULL, "i", &g.i32);
    g.null_key = modesp_event_get_i32(ev, NULL, &g.i32);
    g.fields = modesp_event_field_count(ev);
    modesp_event_iter_t it;
    modesp_event_iter_init(&it, ev);
    modesp_ev_field_t f;
    while (modesp_event_iter_next(&it, &f)) {
        g.iterated++;
    }
    g.iter_null_field = modesp_event_iter_next(&it, NULL);
}

static void test_every_getter_right_type_other_type_missing_key(void **state)
{
    (void)state;
    memset(&g, 0, sizeof g);
    modesp_bus_sub_t h = 0;
    assert_int_equal(modesp_bus_subscribe(&bus, "t", getters, NULL, 1, MODESP_BUS_REJECT, &h), ESP_OK);
    assert_int_equal(modesp_bus_publish(&bus, "t", MODESP_BUS_NORMAL, MODESP_EV_I32("i", -7), MODESP_EV_U32("u", 7u),
                                        MODESP_EV_I64("l", -70000000000LL), MODESP_EV_F32("f", 1.5f),
                                        MODESP_EV_F64("d", -2.25), MODESP_EV_BOOL("b", true),
                                        MODESP_EV_STR("s", "str")),
                     ESP_OK);
    uint32_t n = 0;
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, &n), ESP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(g.calls, 1);
    for (int t = 0; t < 7; t++) {
        assert_int_equal(g.right[t], ESP_OK);
        assert_int_equal(g.other[t], MODESP_ERR_WRONG_TYPE);
        assert_int_equal(g.missing[t], ESP_ERR_NOT_FOUND);
        assert_int_equal(g.null_out[t], ESP_ERR_INVALID_ARG);
    }
    assert_int_equal(g.i32, -7);
    assert_int_equal(g.u32, 7u);
    assert_true(g.i64 == -70000000000LL);
    assert_true(g.f32 == 1.5f);
    assert_true(g.f64 == -2.25);
    assert_true(g.b);
    assert_string_equal(g.str_copy, "str");
    assert_int_equal(g.null_ev, ESP_ERR_INVALID_ARG);
    assert_int_equal(g.null_key, ESP_ERR_INVALID_ARG);
    assert_int_equal(g.fields, 7);
    assert_int_equal(g.iterated, 7);
    assert_false(g.iter_null_field);
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
}

static void test_null_event_accessors(void **state)
{
    (void)state;
    assert_string_equal(modesp_event_topic(NULL), "");
    assert_int_equal(modesp_event_priority(NULL), MODESP_BUS_LOW);
    assert_int_equal(modesp_event_timestamp_us(NULL), 0);
    assert_int_equal(modesp_event_field_count(NULL), 0);
    assert_int_equal(modesp_event_refcount(NULL), 0);
    assert_int_equal(modesp_event_ref(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_event_unref(NULL), ESP_ERR_INVALID_ARG);
    modesp_event_iter_t it;
    modesp_ev_field_t f;
    modesp_event_iter_init(&it, NULL);
    assert_false(modesp_event_iter_next(&it, &f));
    assert_false(modesp_event_iter_next(NULL, &f));
    modesp_event_iter_init(NULL, NULL); /* does nothing */
}

static void test_bridge_twice_unbridge_unknown_wait_timeout(void **state)
{
    (void)state;
    assert_int_equal(modesp_bus_unbridge_pressure(&bus), ESP_ERR_NOT_FOUND);
    assert_int_equal(modesp_bus_bridge_pressure(&bus), ESP_OK);
    assert_int_equal(modesp_bus_bridge_pressure(&bus), MODESP_ERR_ALREADY_REGISTERED);
    assert_int_equal(modesp_bus_unbridge_pressure(&bus), ESP_OK);
    assert_int_equal(modesp_bus_unbridge_pressure(&bus), ESP_ERR_NOT_FOUND);
    /* nothing queued: a wait of 0 and of 1 ms both time out */
    assert_int_equal(modesp_bus_wait(&bus, 0), ESP_ERR_TIMEOUT);
    assert_int_equal(modesp_bus_wait(&bus, 1), ESP_ERR_TIMEOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_null_bus_and_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_only_calls_refused_in_an_isr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_and_unknown_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_getter_right_type_other_type_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_event_accessors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bridge_twice_unbridge_unknown_wait_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
