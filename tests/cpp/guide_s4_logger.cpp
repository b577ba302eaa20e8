/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 4, "Module-Specific Memory Pools", as written: a
 * StaticMemoryPool<sizeof(LogEntry), 100> member, placement new into its
 * blocks, explicit destructor and deallocate. Checked: the entries live in
 * the module object's own pool (not the manager, not the heap), every block
 * goes back (1000 entries through 100 blocks), no init call.
 */
#include <cstdint>
#include <new>

#include "memory_pool.h"
#include "base_module.h"

#include "guide_support.h"

namespace guide_s4 {

struct SensorData {
    uint32_t sensor_id;
    float value;
};

/* Records where each entry was built and that its destructor ran (the snippet's code shows neither). */
struct EntryProbe {
    static const void *last_address;
    static int constructed;
    static int destroyed;
    EntryProbe() { last_address = this, constructed++; }
    ~EntryProbe() { destroyed++; }
};
const void *EntryProbe::last_address;
int EntryProbe::constructed;
int EntryProbe::destroyed;

struct LogEntry {
    int64_t timestamp;
    uint32_t sensor_id;
    float value;
    EntryProbe probe{}; /* not named by the snippet's designated initializers: default-constructed */
};

/* ------------------------------------------------ guide section 4, verbatim */
// clang-format off
class DataLoggerModule : public BaseModule {
private:
    // Module-specific pool for log entries
    ModESP::Memory::StaticMemoryPool<sizeof(LogEntry), 100> log_pool_;
    
public:
    void log_data(const SensorData& data) {
        void* mem = log_pool_.allocate();
        if (mem) {
            LogEntry* entry = new(mem) LogEntry{
                .timestamp = esp_timer_get_time(),
                .sensor_id = data.sensor_id,
                .value = data.value
            };
            
            // Process entry...
            
            // Return to pool
            entry->~LogEntry();
            log_pool_.deallocate(mem);
        }
    }
};
// clang-format on
/* ---------------------------------------------------------- end of snippet */

} // namespace guide_s4

using guide_s4::DataLoggerModule;
using guide_s4::EntryProbe;
using guide_s4::SensorData;

void guide_section4_data_logger(void **)
{
    modesp_pool_manager_stats_t before;
    assert_int_equal(ModESP::Memory::get_pool_manager().get_stats(before), ESP_OK);
    HeapWindow heap;
    {
        DataLoggerModule logger; /* the pool is ready as a member: no init call */
        const char *first = reinterpret_cast<const char *>(&logger);
        for (uint32_t i = 0; i < 1000; i++) {
            logger.log_data(SensorData{i, static_cast<float>(i) * 0.5f});
            const char *at = static_cast<const char *>(EntryProbe::last_address);
            assert_true(at >= first && at < first + sizeof logger); /* built inside the module's own pool */
        }
        assert_int_equal(EntryProbe::constructed, 1000); /* 1000 entries through 100 blocks: each went back */
        assert_int_equal(EntryProbe::destroyed, 1000);
    }
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
    modesp_pool_manager_stats_t after;
    assert_int_equal(ModESP::Memory::get_pool_manager().get_stats(after), ESP_OK);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        assert_int_equal(after.classes[c].total_allocs, before.classes[c].total_allocs); /* not the manager's */
    }

    /* The same pool type as a plain object: 100 blocks, then empty, errors as values. */
    static ModESP::Memory::StaticMemoryPool<sizeof(guide_s4::LogEntry), 100> pool("log_pool");
    void *blocks[100];
    for (void *&b : blocks) {
        b = pool.allocate();
        assert_non_null(b);
    }
    assert_null(pool.allocate());
    modesp_pool_stats_t st;
    assert_int_equal(pool.get_stats(st), ESP_OK);
    assert_int_equal(st.in_use, 100);
    assert_int_equal(st.alloc_failures, 1);
    assert_string_equal(st.name, "log_pool");
    for (void *b : blocks) {
        assert_int_equal(pool.deallocate(b), ESP_OK);
    }
    assert_int_equal(pool.deallocate(blocks[0]), MODESP_ERR_DOUBLE_FREE);
    assert_int_equal(pool.check_integrity(), ESP_OK);
    assert_int_equal(pool.in_use(), 0);
}
