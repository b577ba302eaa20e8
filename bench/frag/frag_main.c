/*
 * Fragmentation firmware for the Cortex-M4 (QEMU mps2-an386), issue 9.
 *
 *   FRAG_RUN=1  every object on newlib's malloc over a fixed heap of N bytes
 *   FRAG_RUN=2  the small objects through this library's manager (class counts
 *               from the workload's own peaks, see frag_peaks.c), the large
 *               buffers on the same malloc heap, which is N minus the RAM the
 *               pools take: the same total RAM as run 1.
 *
 * At each checkpoint one line:
 *   CP <run> <step> <largest free block> <free bytes> <small failures> <large failures> <large requests>
 * The largest free block is the largest request malloc grants at that moment,
 * found by a binary search of malloc()+free() probes: it asks the allocator
 * itself instead of reading its internals, and includes the not yet sbrk()ed
 * rest of the heap.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "frag_workload.h"
#include "semihost.h"

#if FRAG_RUN == 2
#include "modesp/pool_manager.h"

/* RAM of the manager's class pools: blocks plus one metadata word each. */
#define CLASS_RAM(sz, n) (MODESP_POOL_STORAGE_SIZE(sz, n) + 4u * (size_t)(n))
#define POOL_RAM                                                                                                       \
    (CLASS_RAM(CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_TINY_COUNT) +                                          \
     CLASS_RAM(CONFIG_MEMORY_POOL_SMALL_SIZE, CONFIG_MEMORY_POOL_SMALL_COUNT) +                                        \
     CLASS_RAM(CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_MEDIUM_COUNT) +                                      \
     CLASS_RAM(CONFIG_MEMORY_POOL_LARGE_SIZE, CONFIG_MEMORY_POOL_LARGE_COUNT) +                                        \
     CLASS_RAM(CONFIG_MEMORY_POOL_XLARGE_SIZE, CONFIG_MEMORY_POOL_XLARGE_COUNT))
_Static_assert(CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE == 0, "run 2 counts no reserve in its RAM");
_Static_assert(POOL_RAM < FRAG_HEAP_BYTES, "the pools alone exceed the total RAM of run 1");
#define HEAP_LIMIT (FRAG_HEAP_BYTES - POOL_RAM)
#else
#define POOL_RAM   0u
#define HEAP_LIMIT FRAG_HEAP_BYTES
#endif

/* ------------------------------------------------------------------ heap */

static _Alignas(8) uint8_t s_heap[FRAG_HEAP_BYTES];
static size_t s_brk;

/* newlib's malloc grows its arena through this; it ends at HEAP_LIMIT. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    if (incr < 0 ? (size_t)(-incr) > s_brk : (size_t)incr > HEAP_LIMIT - s_brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *old = &s_heap[s_brk];
    s_brk = (size_t)((ptrdiff_t)s_brk + incr);
    return old;
}

static uint32_t largest_free_block(void)
{
    uint32_t lo = 0;
    uint32_t hi = HEAP_LIMIT + 1u;
    while (hi - lo > 8u) {
        const uint32_t mid = lo + (hi - lo) / 2u;
        void *p = malloc(mid);
        if (p != NULL) {
            free(p);
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static uint32_t free_bytes(void)
{
    const struct mallinfo mi = mallinfo();
    return (uint32_t)mi.fordblks + (uint32_t)(HEAP_LIMIT - s_brk);
}

/* -------------------------------------------------------------- objects */

static uint32_t s_bad_frees;

static void *heap_alloc(size_t size) { return malloc(size); }

#if FRAG_RUN != 2
static void heap_free_sized(void *p, size_t size)
{
    (void)size;
    free(p);
}
#endif

static void heap_free(void *p) { free(p); }

#if FRAG_RUN == 2
static modesp_pool_manager_t *s_pm;

static void *pool_alloc(size_t size) { return modesp_pool_manager_allocate(s_pm, size); }

static void pool_free(void *p, size_t size)
{
    /* The sized free: checks the size against the class the block was requested for. */
    s_bad_frees += (uint32_t)(modesp_pool_manager_deallocate(s_pm, p, size) != ESP_OK);
}
#endif

static void checkpoint(const frag_counts_t *c)
{
    out_str("CP ");
    out_u(FRAG_RUN);
    out_str(" ");
    out_u(c->step);
    out_str(" ");
    out_u(largest_free_block());
    out_str(" ");
    out_u(free_bytes());
    out_str(" ");
    out_u(c->small_failures);
    out_str(" ");
    out_u(c->large_failures);
    out_str(" ");
    out_u(c->large_requests);
    out_str("\n");
}

int main(void)
{
#if FRAG_RUN == 2
    s_pm = modesp_get_pool_manager();
    const frag_ops_t ops = {pool_alloc, pool_free, heap_alloc, heap_free, checkpoint};
#else
    const frag_ops_t ops = {heap_alloc, heap_free_sized, heap_alloc, heap_free, checkpoint};
#endif
    out_str("RUN ");
    out_u(FRAG_RUN);
    out_str(" total_ram ");
    out_u(FRAG_HEAP_BYTES);
    out_str(" pool_ram ");
    out_u(POOL_RAM);
    out_str(" heap ");
    out_u(HEAP_LIMIT);
    out_str("\n");
    frag_counts_t c;
    frag_run(&ops, &c);
    out_str("END ");
    out_u(FRAG_RUN);
    out_str(" small_requests ");
    out_u(c.small_requests);
    out_str(" small_failures ");
    out_u(c.small_failures);
    out_str(" large_requests ");
    out_u(c.large_requests);
    out_str(" large_failures ");
    out_u(c.large_failures);
    out_str(" bad_frees ");
    out_u(s_bad_frees);
    out_str(" peak_live_bytes ");
    out_u(c.peak_live_bytes);
    out_str("\n");
#if FRAG_RUN == 2
    for (int k = 0; k < MODESP_CLASS_COUNT; k++) {
        modesp_pool_stats_t st;
        (void)modesp_pool_get_stats(modesp_pool_manager_get_pool(s_pm, (modesp_size_class_t)k), &st);
        out_str("CLASS ");
        out_str(modesp_size_class_name((modesp_size_class_t)k));
        out_str(" size ");
        out_u(st.block_size);
        out_str(" count ");
        out_u(st.capacity);
        out_str(" peak ");
        out_u(st.peak);
        out_str(" failures ");
        out_u(st.alloc_failures);
        out_str("\n");
    }
    if (modesp_pool_manager_check_integrity(s_pm, NULL, NULL) != ESP_OK) {
        out_str("manager integrity check FAILED\n");
        return 2;
    }
#endif
    return s_bad_frees != 0u ? 3 : 0;
}
