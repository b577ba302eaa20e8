/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fragment scenario: the host form of `make bench-frag`. The same node
 * workload runs twice side by side over simulated days, from one random
 * stream: small churning objects (events, commands, sensor buffers; a few of
 * them long-lived) plus large buffers (a 16 KB TLS record and a 4 KB HTTP
 * buffer every minute, an 8 KB OTA chunk every hour).
 *   heap run:   everything on a first-fit heap of HEAP_BYTES (48 KB);
 *   pooled run: the small objects in the library's pools (the real manager),
 *               the large buffers on a heap of HEAP_BYTES minus the pools' RAM
 *               (the same total RAM).
 * Every simulated hour it records each heap's largest free block: the heap
 * run's shrinks as long-lived small blocks pin the arena, the pooled run's
 * stays where it started. Writes fragment.csv and fragment.png.
 */
#include <stdlib.h>
#include <string.h>

#include "demo_run.h"
#include "sim_heap.h"

#define HEAP_BYTES  ((size_t)48u * 1024u)
#define STEP_S      10u /* simulated seconds per step */
#define MAX_SMALL   192u
#define STEPS_PER_H (3600u / STEP_S)

typedef struct {
    void *heap_ptr;
    void *pool_ptr;
    uint32_t expires; /* step */
} small_t;

typedef struct {
    sim_heap_t heap;
    uint32_t large_failed, large_tried, small_failed;
    size_t first_largest, min_largest, last_largest;
} side_t;

static _Alignas(8) uint8_t s_arena_heap[HEAP_BYTES];
static _Alignas(8) uint8_t s_arena_pooled[HEAP_BYTES];
static small_t s_small[MAX_SMALL];

static uint32_t small_size(uint32_t *rng)
{
    const uint32_t r = demo_rand(rng) % 100u;
    return r < 40u   ? 24u + demo_rand(rng) % 9u
           : r < 70u ? 33u + demo_rand(rng) % 32u
           : r < 90u ? 65u + demo_rand(rng) % 64u
                     : 129u + demo_rand(rng) % 72u;
}

static uint32_t small_life(uint32_t *rng)
{
    if (demo_rand(rng) % 1000u < 5u) { /* 0.5 %: kept 1..12 h (a cached reply, a subscription) */
        return STEPS_PER_H + demo_rand(rng) % (12u * STEPS_PER_H);
    }
    return 1u + demo_rand(rng) % 3u;
}

static void large(side_t *s, void **slot, size_t size)
{
    s->large_tried++;
    *slot = sim_heap_alloc(&s->heap, size);
    if (*slot == NULL) {
        s->large_failed++;
    }
}

static void sample(side_t *s, bool first)
{
    const size_t l = sim_heap_largest_free(&s->heap);
    if (first) {
        s->first_largest = s->min_largest = l;
    }
    s->min_largest = l < s->min_largest ? l : s->min_largest;
    s->last_largest = l;
}

int demo_run_fragment(const demo_options_t *opt)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_pool_manager_stats_t st;
    (void)modesp_pool_manager_get_stats(pm, &st);
    const size_t pooled_heap = HEAP_BYTES - st.total_bytes;
    side_t heap = {0}, pooled = {0};
    sim_heap_init(&heap.heap, s_arena_heap, HEAP_BYTES);
    sim_heap_init(&pooled.heap, s_arena_pooled, pooled_heap);
    uint32_t rng = opt->seed != 0 ? opt->seed : 1u;
    const uint32_t steps = opt->seconds / STEP_S;

    (void)printf("modesp demo, scenario fragment: %.1f simulated days, one workload on two nodes\n",
                 (double)opt->seconds / 86400.0);
    (void)printf("  heap run:   everything on a first-fit heap of %zu bytes\n", HEAP_BYTES);
    (void)printf("  pooled run: small objects in the pools (%u bytes), large buffers on a heap of %zu bytes\n",
                 (unsigned)st.total_bytes, pooled_heap);
    char path[512];
    FILE *csv = demo_open_out(opt->out_dir, "fragment.csv", path, sizeof path);
    if (csv != NULL) {
        (void)fprintf(csv, "hour,heap_largest_free,pooled_largest_free,heap_total_free,pooled_total_free,"
                           "heap_large_failed,pooled_large_failed\n");
    }
    (void)printf("%8s %22s %22s %16s\n", "day", "heap: largest free", "pooled: largest free", "large failed");
    void *tls[2] = {0}, *http[2] = {0}, *ota[2] = {0};
    uint32_t ota_until = 0, http_until = 0;
    for (uint32_t step = 0; step <= steps; step++) {
        /* Expired small objects go back; then this step's new ones. */
        for (uint32_t i = 0; i < MAX_SMALL; i++) {
            if ((s_small[i].heap_ptr != NULL || s_small[i].pool_ptr != NULL) && s_small[i].expires <= step) {
                sim_heap_free(&heap.heap, s_small[i].heap_ptr);
                (void)modesp_pool_manager_free(pm, s_small[i].pool_ptr);
                s_small[i] = (small_t){0};
            }
        }
        /* Last step's TLS record is done; an HTTP buffer when its exchange ends. */
        for (int k = 0; k < 2; k++) {
            side_t *s = k == 0 ? &heap : &pooled;
            sim_heap_free(&s->heap, tls[k]);
            tls[k] = NULL;
            if (step >= http_until) {
                sim_heap_free(&s->heap, http[k]);
                http[k] = NULL;
            }
            if (step >= ota_until) {
                sim_heap_free(&s->heap, ota[k]);
                ota[k] = NULL;
            }
        }
        if (step % STEPS_PER_H == 0) {
            sample(&heap, step == 0);
            sample(&pooled, step == 0);
            if (csv != NULL) {
                (void)fprintf(csv, "%u,%zu,%zu,%zu,%zu,%u,%u\n", step / STEPS_PER_H, heap.last_largest,
                              pooled.last_largest, sim_heap_total_free(&heap.heap), sim_heap_total_free(&pooled.heap),
                              heap.large_failed, pooled.large_failed);
            }
            if (step % (12u * STEPS_PER_H) == 0) {
                (void)printf("%8.1f %16zu bytes %16zu bytes %8u / %u\n", (double)step * (double)STEP_S / 86400.0,
                             heap.last_largest, pooled.last_largest, heap.large_failed, pooled.large_failed);
            }
        }
        if (step == steps) {
            break;
        }
        const uint32_t n = 2u + demo_rand(&rng) % 3u;
        for (uint32_t j = 0; j < n; j++) {
            const uint32_t size = small_size(&rng), life = small_life(&rng);
            for (uint32_t i = 0; i < MAX_SMALL; i++) {
                if (s_small[i].heap_ptr == NULL && s_small[i].pool_ptr == NULL) {
                    s_small[i].heap_ptr = sim_heap_alloc(&heap.heap, size);
                    s_small[i].pool_ptr = modesp_pool_manager_allocate(pm, size);
                    heap.small_failed += s_small[i].heap_ptr == NULL;
                    pooled.small_failed += s_small[i].pool_ptr == NULL;
                    s_small[i].expires = step + life;
                    break;
                }
            }
        }
        if (step % 6u == 0) { /* an HTTPS exchange every minute: a TLS record, an HTTP buffer of 1..8 KB */
            const uint32_t http_size = 1024u + demo_rand(&rng) % 7168u;
            http_until = step + 1u + demo_rand(&rng) % 3u;
            for (int k = 0; k < 2; k++) {
                side_t *s = k == 0 ? &heap : &pooled;
                large(s, &tls[k], (size_t)16u * 1024u);
                if (http[k] == NULL) {
                    large(s, &http[k], http_size);
                }
            }
        }
        if (step % STEPS_PER_H == 3u) { /* an OTA chunk every hour, held 5 minutes */
            for (int k = 0; k < 2; k++) {
                large(k == 0 ? &heap : &pooled, &ota[k], (size_t)8u * 1024u);
            }
            ota_until = step + 30u;
        }
    }
    for (uint32_t i = 0; i < MAX_SMALL; i++) {
        (void)modesp_pool_manager_free(pm, s_small[i].pool_ptr);
    }
    if (csv != NULL) {
        (void)fclose(csv);
    }
    (void)printf("\nheap run:   largest free block %zu -> %zu bytes (lowest %zu); %u of %u large buffers failed, "
                 "%u small\n",
                 heap.first_largest, heap.last_largest, heap.min_largest, heap.large_failed, heap.large_tried,
                 heap.small_failed);
    (void)printf("pooled run: largest free block %zu -> %zu bytes (lowest %zu); %u of %u large buffers failed, "
                 "%u small (pools)\n",
                 pooled.first_largest, pooled.last_largest, pooled.min_largest, pooled.large_failed, pooled.large_tried,
                 pooled.small_failed);
    const unsigned heap_loss = (unsigned)(100u * (heap.first_largest - heap.min_largest) / heap.first_largest);
    const unsigned pooled_loss = (unsigned)(100u * (pooled.first_largest - pooled.min_largest) / pooled.first_largest);
    (void)printf("fragment: heap run's largest free block shrank by up to %u %%, pooled run's by %u %%\n", heap_loss,
                 pooled_loss);
    (void)printf("files: %s/fragment.csv%s\n", opt->out_dir, opt->plot ? ", fragment.png" : "");
    if (opt->plot) {
        demo_plot(opt->out_dir, "fragment.gnuplot",
                  "set terminal pngcairo size 1000,520 noenhanced\n"
                  "set output 'fragment.png'\n"
                  "set datafile separator ','\n"
                  "set key top right\n"
                  "set title 'largest free heap block: everything on the heap vs small objects in pools'\n"
                  "set xlabel 'simulated hours'\n"
                  "set ylabel 'bytes'\n"
                  "set yrange [0:*]\n"
                  "plot 'fragment.csv' using 1:2 with lines lw 2 title 'heap run', \\\n"
                  "     'fragment.csv' using 1:3 with lines lw 2 title 'pooled run (same total RAM)', \\\n"
                  "     16384 with lines dt 2 lc rgb 'gray' title 'TLS record (16 KB)'\n");
    }
    int bad_class = -1;
    const bool clean = modesp_pool_manager_check_integrity(pm, &bad_class, NULL) == ESP_OK &&
                       modesp_pool_manager_get_stats(pm, &st) == ESP_OK && st.bytes_in_use == 0;
    (void)printf("verdict: pools %s\n", clean ? "intact and empty after the run" : "NOT clean after the run");
    return clean ? 0 : 1;
}
