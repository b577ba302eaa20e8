/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 1, "Basic Usage in Modules", as written: make_pooled<T>()
 * into a PooledPtr member and a scoped temporary. Checked: the objects are
 * constructed in blocks of the classes that fit them, their destructors run
 * and the blocks go back at scope exit and at the module's end, the failure
 * branch logs, and no heap is touched.
 */
#include "memory_pool.h"
#include "base_module.h"

#include "guide_support.h"

namespace guide_s1 {

static const char *TAG = "guide_s1";

/* The snippet's types (not shown in the guide): counted, so the test sees construction and destruction. */
struct SensorBuffer {
    float samples[16]; /* 64 bytes: the SMALL class by default */
    static int live;
    SensorBuffer() : samples{} { live++; }
    ~SensorBuffer() { live--; }
};
int SensorBuffer::live;

struct ProcessingData {
    uint8_t scratch[200]; /* the LARGE class by default */
    static int constructed;
    static int destroyed;
    ProcessingData() : scratch{} { constructed++; }
    ~ProcessingData() { destroyed++; }
};
int ProcessingData::constructed;
int ProcessingData::destroyed;

/* ------------------------------------------------ guide section 1, verbatim */
// clang-format off
class MyModule : public BaseModule {
private:
    // Use pooled allocation for module data
    ModESP::Memory::PooledPtr<SensorBuffer> buffer_;
    
public:
    void init() override {
        BaseModule::init();
        
        // Allocate buffer from pool
        buffer_ = ModESP::make_pooled<SensorBuffer>();
        if (!buffer_) {
            ESP_LOGE(TAG, "Failed to allocate sensor buffer");
            // Handle gracefully
        }
    }
    
    void process_data() {
        // Temporary allocation
        auto temp_data = ModESP::make_pooled<ProcessingData>();
        if (temp_data) {
            // Use temp_data...
            // Automatically deallocated on scope exit
        }
    }
};
// clang-format on
/* ---------------------------------------------------------- end of snippet */

} // namespace guide_s1

using guide_s1::MyModule;
using guide_s1::ProcessingData;
using guide_s1::SensorBuffer;

void guide_section1_basic_usage(void **)
{
    const modesp_pool_stats_t small0 = class_stats_for(sizeof(SensorBuffer));
    const modesp_pool_stats_t large0 = class_stats_for(sizeof(ProcessingData));
    {
        HeapWindow heap;
        MyModule module;
        module.init();
        assert_true(module.initialised());
        assert_int_equal(SensorBuffer::live, 1);
        assert_int_equal(class_stats_for(sizeof(SensorBuffer)).in_use, small0.in_use + 1);
        assert_false(test_log_contains("Failed to allocate sensor buffer"));

        module.process_data(); /* the temporary is built in a LARGE block and returned at its scope exit */
        assert_int_equal(ProcessingData::constructed, 1);
        assert_int_equal(ProcessingData::destroyed, 1);
        const modesp_pool_stats_t large1 = class_stats_for(sizeof(ProcessingData));
        assert_int_equal(large1.total_allocs, large0.total_allocs + 1);
        assert_int_equal(large1.in_use, large0.in_use);

        module.init(); /* a second init: the move-assignment returns the first buffer's block */
        assert_int_equal(SensorBuffer::live, 1);
        assert_int_equal(class_stats_for(sizeof(SensorBuffer)).in_use, small0.in_use + 1);
        assert_int_equal(heap.news(), 0);
        assert_int_equal(heap.mallocs(), 0);
    } /* the module's end: ~PooledPtr destroys the buffer and returns its block */
    assert_int_equal(SensorBuffer::live, 0);
    assert_int_equal(class_stats_for(sizeof(SensorBuffer)).in_use, small0.in_use);
}

void guide_section1_allocation_failure(void **)
{
    ManagerFiller filler;
    assert_true(filler.exhaust_class(sizeof(SensorBuffer)) > 0);
    const uint32_t failures = class_stats_for(sizeof(SensorBuffer)).alloc_failures;
    {
        MyModule module;
        module.init(); /* no SMALL block left: the snippet's failure branch */
        assert_true(test_log_contains("E (guide_s1) Failed to allocate sensor buffer"));
        assert_int_equal(SensorBuffer::live, 0);
        assert_int_equal(class_stats_for(sizeof(SensorBuffer)).alloc_failures, failures + 1);
    }
    filler.release_all();
}
