/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 9, "Performance Monitoring", as written: TRACK_MEMORY_USAGE
 * at the top of a function. Checked: with tracing (the `debug` variant) the
 * scope's line reaches the log at scope exit, and a tracked scope that makes
 * and drops pooled objects reports its allocations and frees; without
 * tracing the macro does nothing. No heap.
 */
#include <cstdio>
#include <cstring>

#include "memory_pool.h"
#include "memory_diagnostics.h"

#include "guide_support.h"

namespace guide_s9 {

/* ------------------------------------------------ guide section 9, verbatim */
// clang-format off
void benchmark_module_allocations() {
    TRACK_MEMORY_USAGE("Module Processing");
    
    // Your module operations...
    
    // Automatic performance logging on scope exit
}
// clang-format on
/* ---------------------------------------------------------- end of snippet */

/* The same with operations in the scope: two objects made, one dropped inside. */
struct Item {
    uint8_t bytes[40];
};
void tracked_work(ModESP::Memory::PooledPtr<Item> &kept)
{
    TRACK_MEMORY_USAGE("Tracked Work");
    kept = ModESP::make_pooled<Item>();
    auto temporary = ModESP::make_pooled<Item>();
    (void)temporary;
}

} // namespace guide_s9

void guide_section9_performance_monitoring(void **)
{
    ModESP::Memory::MemoryDiagnostics diag(ModESP::Memory::get_pool_manager()); /* trace hooks installed */
    HeapWindow heap;
    stderr_capture_begin();
    guide_s9::benchmark_module_allocations();
    const char *log = stderr_capture_end();
#if MODESP_DIAG_TRACK_ENABLED
    assert_non_null(std::strstr(log, "Module Processing: "));
    assert_non_null(std::strstr(log, "0 allocs, 0 frees, net 0 bytes"));
#else
    assert_null(std::strstr(log, "Module Processing"));
#endif

    ModESP::Memory::PooledPtr<guide_s9::Item> kept;
    stderr_capture_begin();
    guide_s9::tracked_work(kept);
    log = stderr_capture_end();
    assert_true(static_cast<bool>(kept));
#if MODESP_DIAG_TRACK_ENABLED
    char expect[96];
    (void)std::snprintf(expect, sizeof expect, "2 allocs, 1 frees, net %u bytes",
                        static_cast<unsigned>(class_stats_for(sizeof(guide_s9::Item)).block_size));
    assert_non_null(std::strstr(log, "Tracked Work: "));
    assert_non_null(std::strstr(log, expect));
#else
    assert_null(std::strstr(log, "Tracked Work"));
#endif
    kept.reset();
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
}
