/* SPDX-License-Identifier: Apache-2.0 */
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
 * itself instead of reading its internals. The probes (and mallinfo()) make
 * newlib consolidate its fast bins, as any large request does; both runs are
 * observed the same way.
 */
#include <errno.h>
#include <stdbool.h>
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

/*
 * The heap is HEAP_LIMIT bytes (rounded down to 8) that END on a 4 KiB page
 * boundary. newlib's malloc rounds every later sbrk() to whole pages and
 * first pads the break to a page boundary, so a heap with a ragged end, or
 * one claimed bit by bit, would lose up to a page of it. main() therefore
 * hands the whole heap to malloc at start with one exact request (prime_heap)
 * that needs no padding; after that malloc never calls sbrk() again and every
 * byte of the heap is malloc's to manage. The area in front of the heap that
 * only serves this alignment is not used by anything.
 */
#define PAGE       4096u
#define HEAP_BYTES ((size_t)(HEAP_LIMIT) & ~(size_t)7u)
#define AREA_BYTES (((size_t)(HEAP_LIMIT) + PAGE - 1u) / PAGE * PAGE)

static _Alignas(PAGE) uint8_t s_area[AREA_BYTES];
static uint8_t *const s_heap_end = s_area + AREA_BYTES;
static uint8_t *s_brk = s_area + AREA_BYTES - HEAP_BYTES;

/* newlib's malloc grows its arena through this; it ends at s_heap_end. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    if (incr > s_heap_end - s_brk || incr < s_area - s_brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *old = s_brk;
    s_brk += incr;
    return old;
}

/* One malloc of the whole heap less its chunk overhead (4-byte header, 16-byte minimum top chunk), then free. */
static bool prime_heap(void)
{
    void *p = malloc(HEAP_BYTES - 24u);
    free(p);
    return p != NULL && s_brk == s_heap_end;
}

static uint32_t largest_free_block(void)
{
    uint32_t lo = 0;
    uint32_t hi = HEAP_BYTES + 1u;
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
    return (uint32_t)mi.fordblks + (uint32_t)(s_heap_end - s_brk);
}

/* -------------------------------------------------------------- objects */

static uint32_t s_bad_frees;

#if FRAG_RUN != 2
static void *heap_alloc(size_t size) { return malloc(size); }

static void heap_free_sized(void *p, size_t size)
{
    (void)size;
    free(p);
}
#endif

static void heap_free(void *p) { free(p); }

/*
 * Large buffers: a failure is "fragmentation" when the heap's free bytes
 * (malloc's free chunks plus the not yet sbrk()ed rest) would have held the
 * request with its 8-byte chunk header, "shortage" otherwise.
 */
static uint32_t s_large_frag_failures;
static uint32_t s_large_short_failures;

static void *large_alloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL) {
        if (free_bytes() >= size + 8u) {
            s_large_frag_failures++;
        } else {
            s_large_short_failures++;
        }
    }
    return p;
}

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
    const frag_ops_t ops = {pool_alloc, pool_free, large_alloc, heap_free, checkpoint};
#else
    const frag_ops_t ops = {heap_alloc, heap_free_sized, large_alloc, heap_free, checkpoint};
#endif
    out_str("RUN ");
    out_u(FRAG_RUN);
    out_str(" total_ram ");
    out_u(FRAG_HEAP_BYTES);
    out_str(" pool_ram ");
    out_u(POOL_RAM);
    out_str(" heap ");
    out_u(HEAP_BYTES);
    out_str("\n");
    if (!prime_heap()) {
        out_str("could not hand the whole heap to malloc\n");
        return 4;
    }
    out_str("PRIMED largest_free ");
    out_u(largest_free_block());
    out_str(" free ");
    out_u(free_bytes());
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
    out_str(" large_fail_fragmentation ");
    out_u(s_large_frag_failures);
    out_str(" large_fail_shortage ");
    out_u(s_large_short_failures);
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
