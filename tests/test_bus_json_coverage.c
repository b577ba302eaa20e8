/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_event_to_json when cJSON's heap runs out (issue 18, coverage of
 * src/bus/bus_json.c): cJSON_InitHooks installs an allocator that fails the
 * Nth request, for every N until the rendering needs no more. Each failing
 * N must give ESP_ERR_NO_MEM (the header's contract), free every byte cJSON
 * took on the way (no leak on any path) and leave the caller's buffer as it
 * was; the first N that succeeds gives exactly the text of an unhooked run.
 * Every field type is in the event, so the allocation of each kind of item
 * fails once. Two bugs this test found are guarded: a field's item leaked
 * when its key could not be copied, and integers past 2^52 were not printed
 * exactly (now their decimal digits).
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modesp/pooled_event_bus.h"
#include "test_support.h"

/* ------------------------------------------------ failing allocator */

static long g_fail_at = -1; /* the request (0-based) that fails; -1: none */
static long g_requests;
static void *g_live[256]; /* the blocks cJSON holds now, to find (and reclaim) what a failure leaks */
static long g_nlive;

static void *failing_malloc(size_t size)
{
    if (g_requests++ == g_fail_at || g_nlive == 256) {
        return NULL;
    }
    void *p = malloc(size);
    if (p != NULL) {
        g_live[g_nlive++] = p;
    }
    return p;
}

static void counting_free(void *p)
{
    for (long i = 0; i < g_nlive; i++) {
        if (g_live[i] == p) {
            g_live[i] = g_live[--g_nlive];
            break;
        }
    }
    free(p);
}

/* Blocks still held after a call are leaked: free them (so LeakSanitizer stays quiet) and say how many. */
static long reclaim_leaks(void)
{
    const long n = g_nlive;
    while (g_nlive > 0) {
        free(g_live[--g_nlive]);
    }
    return n;
}

static void hooks_on(long fail_at)
{
    static cJSON_Hooks hooks = {failing_malloc, counting_free};
    g_fail_at = fail_at;
    g_requests = 0;
    cJSON_InitHooks(&hooks);
}

static void hooks_off(void) { cJSON_InitHooks(NULL); }

/* ------------------------------------------------------------- event */

static modesp_event_bus_t bus;
static const modesp_event_t *g_held;

static void hold(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    assert_int_equal(modesp_event_ref(ev), ESP_OK);
    g_held = ev;
}

static const modesp_event_t *publish_every_type(modesp_bus_sub_t *h)
{
    assert_int_equal(modesp_bus_init(&bus), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "t.*", hold, NULL, 0, MODESP_BUS_REJECT, h), ESP_OK);
    assert_int_equal(modesp_bus_publish(&bus, "t.all", MODESP_BUS_LOW, MODESP_EV_I32("i32", -7),
                                        MODESP_EV_U32("u32", 7u), MODESP_EV_I64("i64", -1234567890123LL),
                                        MODESP_EV_F32("f32", 0.5f), MODESP_EV_F64("f64", -2.25),
                                        MODESP_EV_BOOL("b", false), MODESP_EV_STR("s", "text")),
                     ESP_OK);
    g_held = NULL;
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_non_null(g_held);
    return g_held;
}

static void release_event(const modesp_event_t *ev, modesp_bus_sub_t h)
{
    assert_int_equal(modesp_event_unref(ev), ESP_OK);
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
    assert_manager_clean();
}

/* ------------------------------------------------------------- tests */

static void test_every_allocation_failure_is_no_mem_and_leaks_nothing(void **state)
{
    (void)state;
    modesp_bus_sub_t h = 0;
    const modesp_event_t *ev = publish_every_type(&h);

    static char expected[512];
    size_t expected_len = 0;
    assert_int_equal(modesp_event_to_json(ev, expected, sizeof expected, &expected_len), ESP_OK);
    assert_non_null(strstr(expected, "\"priority\":\"LOW\""));
    assert_non_null(strstr(expected, "\"fields\":{\"i32\":-7,\"u32\":7,\"i64\":-1234567890123,"
                                     "\"f32\":0.5,\"f64\":-2.25,\"b\":false,\"s\":\"text\"}"));

    long failures = 0;
    for (long n = 0;; n++) {
        static char buf[512];
        memset(buf, '#', sizeof buf);
        size_t len = 12345;
        hooks_on(n);
        const esp_err_t err = modesp_event_to_json(ev, buf, sizeof buf, &len);
        const long asked = g_requests;
        hooks_off();
        const long leaked = reclaim_leaks();
        if (leaked != 0) {
            /* add_field once leaked the field's item when cJSON_AddItemToObject failed to copy the key. */
            fail_msg("request %ld of %ld failed (%s): %ld blocks leaked", n, asked, modesp_err_to_name(err), leaked);
        }
        if (asked <= n) { /* the Nth request never came: the rendering is complete */
            assert_int_equal(err, ESP_OK);
            assert_int_equal(len, expected_len);
            assert_string_equal(buf, expected);
            break;
        }
        assert_int_equal(err, ESP_ERR_NO_MEM);
        for (size_t i = 0; i < sizeof buf; i++) {
            assert_int_equal(buf[i], '#');
        }
        failures++;
        assert_true(n < 1000); /* an unbounded number of allocations would be a bug of its own */
    }
    /* root, 3 header items + their keys, the fields object, 7 fields + keys, the text: many points of failure */
    assert_true(failures >= 13);
    print_message("bus_json: %ld allocation points, each failure ESP_ERR_NO_MEM, none leaked\n", failures);
    release_event(ev, h);
}

/* NULL buf with size 0 measures the text (len set, ESP_ERR_INVALID_SIZE); a NULL buf with a size is refused. */
static void test_measure_only_and_argument_checks(void **state)
{
    (void)state;
    modesp_bus_sub_t h = 0;
    const modesp_event_t *ev = publish_every_type(&h);
    static char text[512];
    size_t n = 0, m = 0;
    assert_int_equal(modesp_event_to_json(ev, text, sizeof text, &n), ESP_OK);
    assert_int_equal(modesp_event_to_json(ev, NULL, 0, &m), ESP_ERR_INVALID_SIZE);
    assert_int_equal(m, n);
    assert_int_equal(modesp_event_to_json(ev, text, n, &m), ESP_ERR_INVALID_SIZE); /* no room for the NUL */
    assert_int_equal(modesp_event_to_json(ev, text, n + 1u, &m), ESP_OK);
    assert_int_equal(modesp_event_to_json(ev, NULL, 4, &m), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_event_to_json(ev, text, sizeof text, NULL), ESP_ERR_INVALID_ARG);
    release_event(ev, h);
}

/*
 * Integers are their exact decimal digits (the header's contract). cJSON_CreateNumber prints through a
 * double with %1.15g and keeps that text whenever it reads back within a relative DBL_EPSILON, so
 * 9007199254740992 once rendered as 9.00719925474099e+15 (9007199254740990). The extremes of int64 too.
 */
static void publish_i64(const char *topic, int64_t v)
{
    assert_int_equal(modesp_bus_publish(&bus, topic, MODESP_BUS_NORMAL, MODESP_EV_I64("v", v)), ESP_OK);
}

static void test_integers_rendered_exactly(void **state)
{
    (void)state;
    static const int64_t values[] = {
        9007199254740992LL, -9007199254740992LL, 4503599627370497LL, 9007199254740991LL, INT64_MAX, INT64_MIN, 0, -1};
    modesp_bus_sub_t h = 0;
    assert_int_equal(modesp_bus_init(&bus), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "n", hold, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        g_held = NULL;
        publish_i64("n", values[i]);
        assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
        assert_non_null(g_held);
        static char text[256];
        size_t n = 0;
        assert_int_equal(modesp_event_to_json(g_held, text, sizeof text, &n), ESP_OK);
        assert_int_equal(modesp_event_unref(g_held), ESP_OK);
        char want[64];
        (void)snprintf(want, sizeof want, "\"fields\":{\"v\":%lld}", (long long)values[i]);
        if (strstr(text, want) == NULL) {
            fail_msg("%s: expected %s", text, want);
        }
    }
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
    assert_manager_clean();
}

static int teardown(void **state)
{
    (void)state;
    hooks_off();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_allocation_failure_is_no_mem_and_leaks_nothing, teardown),
        cmocka_unit_test_teardown(test_measure_only_and_argument_checks, teardown),
        cmocka_unit_test_teardown(test_integers_rendered_exactly, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
