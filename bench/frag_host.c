/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host part of the fragmentation study (issue 9): a uniform 1..512-byte
 * request stream against the manager with the DEFAULT class configuration,
 * printing failures per class.
 *
 * The stream is workload B with random sizes: 256 slots, each step picks one
 * at random (fixed seed) and frees it when full, else requests 1..512 bytes.
 * About 128 objects are alive at any time, spread evenly over sizes, so about
 * half of them (257..512 bytes) want the XLARGE class. The point is to show
 * that those failures come from the class counts (XLARGE has 8 blocks), not
 * from fragmentation: a fixed-block pool cannot fragment. The "demand" columns
 * replay the same stream without any limit and report the peak number of live
 * objects per class, which is the count each class would need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modesp/pool_manager.h"

#include "uniform_stream.h"

typedef struct {
    unsigned long requests, failures;
    unsigned live, peak;
} class_count_t;

/*
 * One pass over the stream. With pm == NULL every request "succeeds" (demand);
 * otherwise requests go to the manager with the given strategy.
 */
static void run(modesp_pool_manager_t *pm, modesp_alloc_strategy_t strategy, unsigned long steps,
                class_count_t cc[MODESP_CLASS_COUNT])
{
    static void *slot_ptr[UNIFORM_SLOTS];
    static int slot_cls[UNIFORM_SLOTS];
    static unsigned char dummy;
    memset(cc, 0, sizeof(class_count_t) * MODESP_CLASS_COUNT);
    memset(slot_ptr, 0, sizeof slot_ptr);
    uint32_t rng = UNIFORM_SEED;
    for (unsigned long i = 0; i < steps; i++) {
        const uint32_t s = uniform_next_slot(&rng);
        if (slot_ptr[s] != NULL) {
            if (pm != NULL && modesp_pool_manager_free(pm, slot_ptr[s]) != ESP_OK) {
                fprintf(stderr, "frag_host: a free was rejected\n");
                exit(1);
            }
            cc[slot_cls[s]].live--;
            slot_ptr[s] = NULL;
            continue;
        }
        const size_t size = uniform_next_size(&rng);
        const int cls = modesp_pool_manager_class_for_size(size);
        void *p = &dummy;
        if (pm != NULL && modesp_pool_manager_allocate_ex(pm, size, strategy, 0u, &p) != ESP_OK) {
            p = NULL;
        }
        cc[cls].requests++;
        if (p == NULL) {
            cc[cls].failures++;
            continue;
        }
        slot_ptr[s] = p;
        slot_cls[s] = cls;
        if (++cc[cls].live > cc[cls].peak) {
            cc[cls].peak = cc[cls].live;
        }
    }
    for (uint32_t s = 0; s < UNIFORM_SLOTS; s++) {
        if (slot_ptr[s] != NULL && pm != NULL) {
            (void)modesp_pool_manager_free(pm, slot_ptr[s]);
        }
    }
}

static void print_table(const char *title, const class_count_t *got, const class_count_t *demand,
                        modesp_pool_manager_t *pm)
{
    unsigned long req = 0;
    unsigned long fail = 0;
    printf("\n%s\n", title);
    printf("  %-7s %6s %6s %10s %10s %7s %9s %12s\n", "class", "size", "count", "requests", "failures", "fail%",
           "peak used", "demand peak");
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        printf("  %-7s %6zu %6zu %10lu %10lu %6.1f%% %9u %12u\n", modesp_size_class_name((modesp_size_class_t)c),
               modesp_pool_block_size(pool), modesp_pool_capacity(pool), got[c].requests, got[c].failures,
               got[c].requests ? 100.0 * (double)got[c].failures / (double)got[c].requests : 0.0, got[c].peak,
               demand[c].peak);
        req += got[c].requests;
        fail += got[c].failures;
    }
    printf("  %-7s %6s %6s %10lu %10lu %6.1f%%\n", "all", "", "", req, fail,
           req ? 100.0 * (double)fail / (double)req : 0.0);
}

int main(int argc, char **argv)
{
    const unsigned long steps = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000ul;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    class_count_t demand[MODESP_CLASS_COUNT];
    class_count_t strict[MODESP_CLASS_COUNT];
    class_count_t spill[MODESP_CLASS_COUNT];
    run(NULL, MODESP_ALLOC_STRICT, steps, demand);
    run(pm, MODESP_ALLOC_STRICT, steps, strict);
    run(pm, MODESP_ALLOC_SPILL, steps, spill);

    printf("Uniform 1..512-byte stream, %lu steps, 256 random slots (seed 0x%08X), default class configuration\n",
           steps, UNIFORM_SEED);
    print_table("STRICT (the default strategy): failures per class", strict, demand, pm);
    print_table("SPILL (next larger class when the fitting one is empty)", spill, demand, pm);
    unsigned need = 0;
    unsigned have = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        have += (unsigned)(modesp_pool_block_size(pool) * modesp_pool_capacity(pool));
        need += (unsigned)(modesp_pool_block_size(pool) * demand[c].peak);
    }
    printf("\nClass bytes: default configuration %u; counts at the demand peaks would need %u.\n", have, need);
    printf("\"demand peak\" = most objects of the class alive at once when nothing fails (same stream, no limit).\n");
    printf("A fixed-block pool cannot fragment: every failure above is a class running out of blocks.\n");
    return modesp_pool_manager_check_integrity(pm, NULL, NULL) == ESP_OK ? 0 : 1;
}
