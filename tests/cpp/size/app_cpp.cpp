/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small C++ module app written with the guide's C++ API, for the code-size
 * comparison (measure_cpp_layer.py): app_c.c does the same through the C
 * calls. What the C++ layer adds is the difference of the two linked images.
 */
#include <new>

#include "memory_pool.h"

namespace {

struct SensorBuffer {
    float samples[8];
};

struct LogEntry {
    int64_t timestamp;
    uint32_t sensor_id;
    float value;
};

volatile uint32_t g_sink; /* keeps results alive */

class DataLogger {
    ModESP::Memory::StaticMemoryPool<sizeof(LogEntry), 16> log_pool_;

  public:
    void log_data(uint32_t id, float value)
    {
        void *mem = log_pool_.allocate();
        if (mem != nullptr) {
            LogEntry *entry = new (mem) LogEntry{0, id, value};
            g_sink = entry->sensor_id;
            entry->~LogEntry();
            (void)log_pool_.deallocate(mem);
        }
    }
};

} // namespace

int main()
{
    auto &pm = ModESP::Memory::get_pool_manager();
    ModESP::Memory::PressureListener listener;
    (void)pm.register_pressure_callback(listener, [](ModESP::Memory::PressureLevel, ModESP::Memory::PressureLevel level,
                                                     uint8_t usage) { g_sink = static_cast<uint32_t>(level) + usage; });

    auto buffer = ModESP::make_pooled<SensorBuffer>(); /* section 1 */
    if (buffer) {
        buffer->samples[0] = 1.0f;
    }
    g_sink = pm.get_overall_utilization(); /* section 3 */

    SensorBuffer *raw = buffer.release(); /* section 6: hand-over, sized free */
    (void)pm.deallocate(raw, sizeof(SensorBuffer));

    DataLogger logger; /* section 4 */
    logger.log_data(3u, 2.5f);

    ModESP::EventSubscription sub; /* section 2 */
    (void)sub.subscribe("sensor.*", [](const ModESP::Event &ev) {
        float v = 0.0f;
        (void)ev.get("value", v);
        g_sink = static_cast<uint32_t>(v);
    });
    (void)ModESP::PooledEventBus::publish_pooled("sensor.temperature.updated", {{"module_id", 1u}, {"value", 21.5f}},
                                                 ModESP::EventPriority::NORMAL);
    (void)ModESP::PooledEventBus::process(5u);
    return 0;
}
