/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The controller-like workload of the fragmentation study (issue 9), shared by
 * the Cortex-M4 firmware and the host tool that sizes the pools from its peaks.
 *
 * From a fixed seed, for FRAG_STEPS steps:
 *  - short-lived events of 40..120 bytes: one created on about half the steps,
 *    each freed 1..16 steps later;
 *  - long-lived objects of 24..256 bytes in 160 slots: on 1 step in 64 a random
 *    slot is toggled (created if empty, destroyed if full), so objects are
 *    created and destroyed at random moments and live ~10^4 steps;
 *  - a large buffer of 2..8 KiB every 2000..6000 steps, living 20..200 steps.
 * The random stream never depends on whether an allocation succeeded, so every
 * run sees the very same requests.
 */
#ifndef FRAG_WORKLOAD_H
#define FRAG_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define FRAG_STEPS      1000000u
#define FRAG_CHECKPOINT 10000u
#define FRAG_SEED       0x2545F491u

/* Classes of the small objects, by the Kconfig default class sizes. */
#define FRAG_CLASSES 4
static const uint32_t frag_class_size[FRAG_CLASSES] = {32u, 64u, 128u, 256u};

typedef struct {
    uint32_t step;
    uint32_t small_requests, small_failures; /* cumulative */
    uint32_t large_requests, large_failures; /* cumulative */
    uint32_t live_small_bytes, live_large_bytes;
    uint32_t class_live[FRAG_CLASSES], class_peak[FRAG_CLASSES];
    uint32_t peak_live_bytes; /* small + large requested bytes alive at once */
} frag_counts_t;

typedef struct {
    void *(*small_alloc)(size_t size);
    void (*small_free)(void *p, size_t size);
    void *(*large_alloc)(size_t size);
    void (*large_free)(void *p);
    void (*checkpoint)(const frag_counts_t *c); /* every FRAG_CHECKPOINT steps and at the end */
} frag_ops_t;

void frag_run(const frag_ops_t *ops, frag_counts_t *counts);

#endif
