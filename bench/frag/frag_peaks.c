/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host side of run 2's set-up: replay the workload with allocations that never
 * fail and print what the firmware build needs, as make variables:
 *   FRAG_HEAP_BYTES  the heap N for run 1 (and the total RAM of run 2)
 *   FRAG_COUNT_<k>   the peak number of live small objects of class k
 * N is FRAG_HEAP_FACTOR_PCT percent (default 150) of the peak requested bytes
 * alive at once, rounded up to 1 KiB: a heap with 50 % headroom over what the
 * program ever holds, so any large-buffer failure is fragmentation (and
 * allocator overhead), never a plain shortage.
 */
#include <stdio.h>
#include <stdlib.h>

#include "frag_workload.h"

static unsigned char s_scratch[8192];

static void *fake_alloc(size_t size) { return size <= sizeof s_scratch ? s_scratch : NULL; }
static void fake_free(void *p, size_t size)
{
    (void)p;
    (void)size;
}
static void fake_large_free(void *p) { (void)p; }
static void no_checkpoint(const frag_counts_t *c) { (void)c; }

int main(int argc, char **argv)
{
    const unsigned factor = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 150u;
    const frag_ops_t ops = {fake_alloc, fake_free, fake_alloc, fake_large_free, no_checkpoint};
    frag_counts_t c;
    frag_run(&ops, &c);
    const unsigned long heap = ((unsigned long)c.peak_live_bytes * factor / 100u + 1023u) / 1024u * 1024u;
    printf("FRAG_PEAK_LIVE_BYTES=%u\n", (unsigned)c.peak_live_bytes);
    printf("FRAG_HEAP_BYTES=%lu\n", heap);
    for (int k = 0; k < FRAG_CLASSES; k++) {
        printf("FRAG_COUNT_%d=%u\n", k, (unsigned)c.class_peak[k]);
    }
    printf("FRAG_SMALL_REQUESTS=%u\nFRAG_LARGE_REQUESTS=%u\n", (unsigned)c.small_requests, (unsigned)c.large_requests);
    return 0;
}
