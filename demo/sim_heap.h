/* SPDX-License-Identifier: Apache-2.0 */
/* A first-fit heap over a fixed arena, the shape of a device heap, for the fragment scenario. */
#ifndef DEMO_SIM_HEAP_H
#define DEMO_SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *arena;
    size_t size;
} sim_heap_t;

void sim_heap_init(sim_heap_t *h, void *arena, size_t size);
void *sim_heap_alloc(sim_heap_t *h, size_t size);
void sim_heap_free(sim_heap_t *h, void *p);
size_t sim_heap_largest_free(const sim_heap_t *h);
size_t sim_heap_total_free(const sim_heap_t *h);

#endif /* DEMO_SIM_HEAP_H */
