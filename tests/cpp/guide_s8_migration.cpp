/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 8, "Migration from Heap Allocation", as written: the
 * `new uint8_t[256]` of the "before" code becomes make_pooled<std::array<uint8_t, 256>>().
 * Checked: the "after" code takes one block of the class that holds 256
 * bytes and returns it, with no heap; the "before" code, for contrast, is
 * seen by the same heap counter.
 */
#include <array>
#include <cstdint>

#include "memory_pool.h"

#include "guide_support.h"

namespace guide_s8_before {
/* ------------------------------------------- guide section 8 "Before", verbatim */
// clang-format off
void process() {
    auto* buffer = new uint8_t[256];
    // Use buffer...
    delete[] buffer;
}
// clang-format on
/* ---------------------------------------------------------- end of snippet */
} // namespace guide_s8_before

namespace guide_s8_after {
/* -------------------------------------------- guide section 8 "After", verbatim */
// clang-format off
void process() {
    auto buffer = ModESP::make_pooled<std::array<uint8_t, 256>>();
    if (buffer) {
        // Use buffer...
        // Automatic cleanup
    }
}
// clang-format on
/* ---------------------------------------------------------- end of snippet */
} // namespace guide_s8_after

void guide_section8_migration(void **)
{
    {
        HeapWindow heap;
        guide_s8_before::process();
        assert_int_equal(heap.news(), 1); /* the counter sees the heap version */
        assert_int_equal(heap.new_bytes(0), 256);
    }
    const modesp_pool_stats_t st0 = class_stats_for(256);
    HeapWindow heap;
    guide_s8_after::process();
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
    const modesp_pool_stats_t st1 = class_stats_for(256);
    assert_int_equal(st1.total_allocs, st0.total_allocs + 1); /* one block of the 256-byte class ... */
    assert_int_equal(st1.in_use, st0.in_use);                 /* ... returned at scope exit */
}
