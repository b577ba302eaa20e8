/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 7, "Debugging Memory Issues", as written: MemoryDiagnostics
 * over get_pool_manager(), log_stats(TAG), detect_potential_leaks(30000),
 * PooledEventBus::get_event_pool_stats(). Checked: the report reaches the
 * log; with tracing (the `debug` variant) a block held 31 s by a fake clock
 * is the one leak found and one held 29 s is not; without tracing none is
 * found; the event-pool line shows the bus's blocks; no heap.
 */
#include <cstdio>
#include <cstring>

#include "memory_pool.h"
#include "memory_diagnostics.h"
#include "base_module.h"

#include "guide_support.h"

namespace guide_s7 {

static const char *TAG = "guide_s7";

/* ------------------------------------------------ guide section 7, verbatim */
// clang-format off
void debug_module_memory() {
    ModESP::Memory::MemoryDiagnostics diag(
        ModESP::Memory::get_pool_manager()
    );
    
    // Log detailed statistics
    diag.log_stats(TAG);
    
    // Check for potential leaks
    auto leaks = diag.detect_potential_leaks(30000); // 30s threshold
    if (!leaks.empty()) {
        ESP_LOGW(TAG, "Potential memory leaks detected: %zu", leaks.size());
    }
    
    // Get pool-specific stats
    auto stats = ModESP::PooledEventBus::get_event_pool_stats();
    ESP_LOGI(TAG, "Event pool: %u allocated, %u failures", 
             stats.allocated_count, stats.allocation_failures);
}
// clang-format on
/* ---------------------------------------------------------- end of snippet */

struct Forgotten {
    uint8_t bytes[100]; /* the MEDIUM class by default */
};

} // namespace guide_s7

using guide_s7::debug_module_memory;
using guide_s7::Forgotten;

void guide_section7_debugging(void **)
{
    fake_clock_install(1000000000u);
    {
        ModESP::Memory::MemoryDiagnostics setup(ModESP::Memory::get_pool_manager()); /* installs the trace hooks */
        assert_int_equal(setup.init_error(), ESP_OK);
    }
    auto forgotten = ModESP::make_pooled<Forgotten>(); /* a module that never lets go */
    assert_true(static_cast<bool>(forgotten));
    fake_clock_advance_ms(2000);
    auto recent = ModESP::make_pooled<Forgotten>(); /* 2 s younger: under the threshold below */
    assert_true(static_cast<bool>(recent));
    fake_clock_advance_ms(29000); /* forgotten is 31 s old, recent 29 s */

    HeapWindow heap;
    stderr_capture_begin();
    debug_module_memory();
    const char *report = stderr_capture_end();
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);

    assert_non_null(std::strstr(report, "guide_s7")); /* log_stats(TAG) wrote the report under the tag */
    assert_true(test_log_contains("I (guide_s7) Event pool: 0 allocated, ")); /* nothing queued now */
#if MODESP_TRACING
    assert_true(test_log_contains("W (guide_s7) Potential memory leaks detected: 1"));
    {
        ModESP::Memory::MemoryDiagnostics diag(ModESP::Memory::get_pool_manager());
        auto leaks = diag.detect_potential_leaks(30000);
        assert_int_equal(leaks.size(), 1);
        assert_ptr_equal(leaks[0].block, forgotten.get());
        assert_true(leaks[0].age_ms >= 31000);
        auto all = diag.detect_potential_leaks<1>(1000); /* both are older than 1 s; room for one */
        assert_int_equal(all.size(), 1);
        assert_int_equal(all.total(), 2);
        assert_ptr_equal(all[0].block, forgotten.get()); /* the oldest first */
    }
#else
    assert_false(test_log_contains("Potential memory leaks detected")); /* no tracing: no leak records */
#endif
    forgotten.reset();
    recent.reset();
    fake_clock_remove();
}
