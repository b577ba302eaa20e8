/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 6, "Ring Buffer with Pooled Blocks", as written (in
 * guide_s6_ring_snippet.inc). The guide leaves MAX_BLOCKS undefined; the
 * test builds the ring twice. The snippet makes the new block before
 * `blocks_[i] = std::move(block)` frees the old one, so a ring of N slots
 * needs N + 1 blocks of the class (the README's N + 1 rule):
 *   - MAX_BLOCKS = blocks of the class - 1: it wraps for ever, every old block
 *     goes back, the class never runs out;
 *   - MAX_BLOCKS = blocks of the class: once full, make_pooled fails and the
 *     ring keeps its oldest data (each refused add is an allocation failure).
 * The snippet's std::vector takes its slot array from the heap (the guide's
 * choice, not the layer's): checked is that every heap allocation in the
 * ring's life is one of that vector's arrays of PooledPtr.
 */
#include <algorithm>
#include <cstring>
#include <vector>

#include "memory_pool.h"
#include "base_module.h"

#include "guide_support.h"

namespace {

/* Blocks of the class that serves `size` bytes (compile time, from the size-class table). */
constexpr size_t blocks_of_class_for(size_t size)
{
#define MODESP_TEST_CLASS_COUNT_(NAME, name, class_size, class_count)                                                  \
    if (size <= (class_size)) {                                                                                        \
        return (class_count);                                                                                          \
    }
    MODESP_SIZE_CLASSES(MODESP_TEST_CLASS_COUNT_)
#undef MODESP_TEST_CLASS_COUNT_
    return 0;
}

constexpr size_t kBlockBytes = 256 + sizeof(uint32_t); /* the snippet's Block */
constexpr size_t kClassBlocks = blocks_of_class_for(kBlockBytes);
static_assert(kClassBlocks >= 2, "the ring test needs at least 2 blocks in the Block's class");

} // namespace

namespace guide_s6_ring_fits {
constexpr size_t MAX_BLOCKS = kClassBlocks - 1;
#include "guide_s6_ring_snippet.inc"
} // namespace guide_s6_ring_fits

namespace guide_s6_ring_full {
constexpr size_t MAX_BLOCKS = kClassBlocks;
#include "guide_s6_ring_snippet.inc"
} // namespace guide_s6_ring_full

static void check_ring_heap(const HeapWindow &heap)
{
    /* Only the vector's slot arrays: each a whole number of PooledPtr (one pointer each). */
    static_assert(sizeof(ModESP::Memory::PooledPtr<char>) == sizeof(void *), "PooledPtr is one pointer");
    assert_true(heap.news() >= 1);
    assert_int_equal(heap.mallocs(), heap.news());
    for (size_t i = 0; i < heap.news(); i++) {
        assert_int_equal(heap.new_bytes(i) % sizeof(ModESP::Memory::PooledPtr<char>), 0);
    }
}

void guide_section6_ring_buffer(void **)
{
    uint8_t sample[300];
    for (size_t i = 0; i < sizeof sample; i++) {
        sample[i] = static_cast<uint8_t>(i);
    }
    const modesp_pool_stats_t st0 = class_stats_for(kBlockBytes);
    {
        HeapWindow heap;
        guide_s6_ring_fits::PooledRingBuffer ring;
        for (size_t i = 0; i < 5 * kClassBlocks; i++) {
            ring.add_data(sample, sizeof sample);
            const modesp_pool_stats_t st = class_stats_for(kBlockBytes);
            assert_int_equal(st.in_use, st0.in_use + std::min(i + 1, kClassBlocks - 1));
            assert_int_equal(st.alloc_failures, st0.alloc_failures); /* N slots, N + 1 blocks: never short */
        }
        assert_int_equal(class_stats_for(kBlockBytes).total_allocs, st0.total_allocs + 5 * kClassBlocks);
        check_ring_heap(heap);
    }
    assert_int_equal(class_stats_for(kBlockBytes).in_use, st0.in_use); /* the vector's PooledPtrs returned all */

    const modesp_pool_stats_t st1 = class_stats_for(kBlockBytes);
    {
        guide_s6_ring_full::PooledRingBuffer ring;
        for (size_t i = 0; i < kClassBlocks; i++) {
            ring.add_data(sample, sizeof sample);
        }
        assert_int_equal(class_stats_for(kBlockBytes).in_use, st1.in_use + kClassBlocks);
        for (size_t i = 0; i < 3; i++) {
            ring.add_data(sample, sizeof sample); /* full: make_pooled fails, the data is dropped */
        }
        const modesp_pool_stats_t st = class_stats_for(kBlockBytes);
        assert_int_equal(st.in_use, st1.in_use + kClassBlocks);
        assert_int_equal(st.alloc_failures, st1.alloc_failures + 3);
    }
    assert_int_equal(class_stats_for(kBlockBytes).in_use, st1.in_use);
}
