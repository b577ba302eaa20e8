/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The allocators under test, all behind one call shape.
 *
 * Every allocator is reached through the two function pointers below, and
 * every target of those pointers is a non-inlined wrapper in bench_alloc.c.
 * The driver loops therefore pay exactly one indirect call per operation for
 * every allocator, and no allocator's fast path gets inlined into the loop.
 */
#ifndef BENCH_ALLOC_H
#define BENCH_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Block size of the fixed-size allocators (pool, floor, spinlock, lfbare, null). */
#define BENCH_FIXED_SIZE 64u
/* Blocks in the bench's own pool and in the free-list baselines. */
#define BENCH_FIXED_COUNT 4096u
/* Most rows of the allocator table (the drivers keep per-row arrays of this size). */
#define BENCH_MAX_ALLOCS 16

typedef struct {
    const char *name;                     /* JSON allocator name */
    void *(*alloc)(size_t size);          /* NULL on failure */
    int (*release)(void *p, size_t size); /* 0, or nonzero when the free was rejected */
    bool thread_safe;                     /* may be shared by two threads (C, D) */
    bool any_size;                        /* serves 1..512 bytes (E at 1..512) */
    bool available;                       /* library found at run time */
    const char *detail;                   /* what exactly is measured */
} bench_alloc_t;

extern bench_alloc_t bench_allocs[];
extern const size_t bench_alloc_count;

/* Load the dynamically opened allocators and reset the baselines. Returns false on a fatal error. */
bool bench_alloc_init(void);

/* Pool-library self-check after the runs: 0 when every counter is as expected. */
int bench_alloc_check_pools(void);

#endif /* BENCH_ALLOC_H */
