/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_event_to_json (layer bus-json): the text parses back with cJSON to
 * the event's topic, priority, time stamp and typed fields; a small buffer is
 * refused with the size it needs and left untouched; ISR calls are refused.
 * Needs cJSON linked into the library (CMakeLists.txt).
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "modesp/port_posix.h"
#include "modesp/pooled_event_bus.h"
#include "test_support.h"

static modesp_event_bus_t bus;
static char g_json[512];
static size_t g_len;
static esp_err_t g_err, g_small_err, g_isr_err;
static size_t g_small_len;
static char g_small[8];

static void render(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    g_err = modesp_event_to_json(ev, g_json, sizeof g_json, &g_len);
    memset(g_small, '#', sizeof g_small);
    g_small_err = modesp_event_to_json(ev, g_small, sizeof g_small, &g_small_len);
    modesp_port_posix_set_isr_context(true);
    size_t n = 0;
    g_isr_err = modesp_event_to_json(ev, g_json + 400, 8, &n);
    modesp_port_posix_set_isr_context(false);
}

static void test_event_renders_as_json(void **state)
{
    (void)state;
    assert_int_equal(modesp_bus_init(&bus), ESP_OK);
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "sensor.*", render, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    assert_int_equal(modesp_bus_publish(&bus, "sensor.temperature.updated", MODESP_BUS_HIGH,
                                        MODESP_EV_U32("module_id", 7), MODESP_EV_F32("value", 21.5f),
                                        MODESP_EV_I64("timestamp", 1234567890123LL), MODESP_EV_STR("unit", "celsius"),
                                        MODESP_EV_BOOL("ok", true), MODESP_EV_I32("delta", -3)),
                     ESP_OK);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_int_equal(g_err, ESP_OK);
    assert_int_equal(g_len, strlen(g_json));
    print_message("%s\n", g_json);

    cJSON *root = cJSON_Parse(g_json);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "topic")->valuestring, "sensor.temperature.updated");
    assert_string_equal(cJSON_GetObjectItem(root, "priority")->valuestring, "HIGH");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(root, "timestamp_us")));
    const cJSON *fields = cJSON_GetObjectItem(root, "fields");
    assert_int_equal(cJSON_GetArraySize(fields), 6);
    assert_true(cJSON_GetObjectItem(fields, "module_id")->valuedouble == 7.0);
    assert_true(cJSON_GetObjectItem(fields, "value")->valuedouble == 21.5);
    assert_true(cJSON_GetObjectItem(fields, "timestamp")->valuedouble == 1234567890123.0);
    assert_string_equal(cJSON_GetObjectItem(fields, "unit")->valuestring, "celsius");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(fields, "ok")));
    assert_true(cJSON_GetObjectItem(fields, "delta")->valuedouble == -3.0);
    /* field order is publish order */
    assert_string_equal(fields->child->string, "module_id");
    cJSON_Delete(root);

    assert_int_equal(g_small_err, ESP_ERR_INVALID_SIZE);
    assert_int_equal(g_small_len, g_len);
    for (size_t i = 0; i < sizeof g_small; i++) {
        assert_int_equal(g_small[i], '#');
    }
    assert_int_equal(g_isr_err, ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_event_to_json(NULL, g_json, sizeof g_json, &g_len), ESP_ERR_INVALID_ARG);

    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_renders_as_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
