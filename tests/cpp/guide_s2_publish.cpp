/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 2, "Event Publishing with Pooled Memory", as written:
 * PooledEventBus::publish_pooled with the initializer-list payload and the
 * framework's EventBus::Priority. Checked: a subscriber gets one event with
 * the four typed fields at NORMAL priority, its block returns after
 * delivery, a refused publish is logged with its error's name, no heap.
 */
#include <cstdio>
#include <cstring>

#include "memory_pool.h"
#include "base_module.h"

#include "guide_support.h"

namespace guide_s2 {

static const char *TAG = "guide_s2";

/* Section 2 defines a member of the section-1 module, which the guide does not declare there. */
class MyModule : public BaseModule {
  public:
    void publish_sensor_event(float value);
};

/* ------------------------------------------------ guide section 2, verbatim */
// clang-format off
void MyModule::publish_sensor_event(float value) {
    // Use pooled event publishing
    esp_err_t err = ModESP::PooledEventBus::publish_pooled(
        "sensor.temperature.updated",
        {
            {"module_id", get_id()},
            {"value", value},
            {"timestamp", esp_timer_get_time()},
            {"unit", "celsius"}
        },
        EventBus::Priority::NORMAL
    );
    
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "Failed to publish event: %s", esp_err_to_name(err));
    }
}
// clang-format on
/* ---------------------------------------------------------- end of snippet */

struct Received {
    int count;
    char topic[64];
    ModESP::EventPriority priority;
    uint32_t module_id;
    float value;
    int64_t timestamp;
    const char *unit_ptr;
    char unit[16];
    esp_err_t errs[4];
};

} // namespace guide_s2

using guide_s2::MyModule;
using guide_s2::Received;

void guide_section2_publish(void **)
{
    Received got{};
    ModESP::EventSubscription sub;
    assert_int_equal(
        ModESP::PooledEventBus::subscribe(sub, "sensor.*",
                                          [&got](const ModESP::Event &ev) {
                                              got.count++;
                                              (void)std::snprintf(got.topic, sizeof got.topic, "%s", ev.topic());
                                              got.priority = ev.priority();
                                              got.errs[0] = ev.get("module_id", got.module_id);
                                              got.errs[1] = ev.get("value", got.value);
                                              got.errs[2] = ev.get("timestamp", got.timestamp);
                                              got.errs[3] = ev.get("unit", got.unit_ptr);
                                              if (got.errs[3] == ESP_OK) {
                                                  (void)std::snprintf(got.unit, sizeof got.unit, "%s", got.unit_ptr);
                                              }
                                          }),
        ESP_OK);
    const int64_t before = esp_timer_get_time();
    MyModule module;
    HeapWindow heap;
    module.publish_sensor_event(23.5f);
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
    assert_false(test_log_contains("Failed to publish event"));
    assert_int_equal(ModESP::PooledEventBus::get_event_pool_stats().allocated_count, 1); /* queued in one block */

    uint32_t dispatched = 0;
    assert_int_equal(ModESP::PooledEventBus::process(UINT32_MAX, &dispatched), ESP_OK);
    assert_int_equal(dispatched, 1);
    assert_int_equal(got.count, 1);
    assert_string_equal(got.topic, "sensor.temperature.updated");
    assert_true(got.priority == ModESP::EventPriority::NORMAL); /* EventBus::Priority::NORMAL, mapped by name */
    for (esp_err_t e : got.errs) {
        assert_int_equal(e, ESP_OK);
    }
    assert_int_equal(got.module_id, module.get_id());
    assert_true(got.value == 23.5f);
    assert_true(got.timestamp >= before && got.timestamp <= esp_timer_get_time());
    assert_string_equal(got.unit, "celsius");
    assert_int_equal(ModESP::PooledEventBus::get_event_pool_stats().allocated_count, 0); /* the block went back */
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
}

void guide_section2_publish_failure(void **)
{
    /* A subscriber that takes one undelivered event and refuses more: the second publish fails. */
    int delivered = 0;
    ModESP::EventSubscription sub;
    assert_int_equal(sub.subscribe(
                         "sensor.temperature.updated", [&delivered](const ModESP::Event &) { delivered++; }, 1,
                         ModESP::DeliveryPolicy::REJECT),
                     ESP_OK);
    MyModule module;
    module.publish_sensor_event(1.0f);
    assert_false(test_log_contains("Failed to publish event"));
    module.publish_sensor_event(2.0f);
    assert_true(test_log_contains("W (guide_s2) Failed to publish event: MODESP_ERR_SUBSCRIBER_FULL"));
    assert_int_equal(ModESP::PooledEventBus::process(UINT32_MAX), ESP_OK);
    assert_int_equal(delivered, 1);
    modesp_bus_stats_t st;
    assert_int_equal(ModESP::PooledEventBus::get_stats(st), ESP_OK);
    assert_true(st.dropped_subscriber_full >= 1);
    assert_int_equal(ModESP::PooledEventBus::get_event_pool_stats().allocated_count, 0);
}
