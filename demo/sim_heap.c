/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A first-fit heap over a fixed arena: what an embedded C library's malloc
 * does in essence (newlib's and ESP-IDF's heaps are more refined, the
 * fragmentation they suffer is the same in kind). Blocks are laid out end to
 * end, each with an 8-byte header (payload size, in-use flag); allocation
 * takes the first free block that fits and splits it, free merges the block
 * with free neighbours. O(blocks) per call: a model, not an allocator to use.
 */
#include "sim_heap.h"

#include <string.h>

typedef struct {
    uint32_t size; /* payload bytes */
    uint32_t used;
} hdr_t;

#define HDR   sizeof(hdr_t)
#define ALIGN 8u

static hdr_t *first(const sim_heap_t *h) { return (hdr_t *)(void *)h->arena; }
static hdr_t *next(const sim_heap_t *h, hdr_t *b)
{
    uint8_t *n = (uint8_t *)b + HDR + b->size;
    return n < h->arena + h->size ? (hdr_t *)(void *)n : NULL;
}

void sim_heap_init(sim_heap_t *h, void *arena, size_t size)
{
    h->arena = arena;
    h->size = size & ~(size_t)(ALIGN - 1u);
    *first(h) = (hdr_t){(uint32_t)(h->size - HDR), 0};
}

void *sim_heap_alloc(sim_heap_t *h, size_t size)
{
    const size_t need = (size + ALIGN - 1u) & ~(size_t)(ALIGN - 1u);
    for (hdr_t *b = first(h); b != NULL; b = next(h, b)) {
        if (b->used || b->size < need) {
            continue;
        }
        if (b->size >= need + HDR + 16u) { /* split: the rest stays free */
            hdr_t *rest = (hdr_t *)(void *)((uint8_t *)b + HDR + need);
            *rest = (hdr_t){(uint32_t)(b->size - need - HDR), 0};
            b->size = (uint32_t)need;
        }
        b->used = 1;
        return (uint8_t *)b + HDR;
    }
    return NULL;
}

void sim_heap_free(sim_heap_t *h, void *p)
{
    if (p == NULL) {
        return;
    }
    ((hdr_t *)(void *)((uint8_t *)p - HDR))->used = 0;
    /* Merge every run of free neighbours (one pass over the arena). */
    for (hdr_t *b = first(h); b != NULL; b = next(h, b)) {
        if (b->used) {
            continue;
        }
        for (hdr_t *n = next(h, b); n != NULL && !n->used; n = next(h, b)) {
            b->size += (uint32_t)HDR + n->size;
        }
    }
}

size_t sim_heap_largest_free(const sim_heap_t *h)
{
    size_t best = 0;
    for (hdr_t *b = first(h); b != NULL; b = next(h, b)) {
        if (!b->used && b->size > best) {
            best = b->size;
        }
    }
    return best;
}

size_t sim_heap_total_free(const sim_heap_t *h)
{
    size_t total = 0;
    for (hdr_t *b = first(h); b != NULL; b = next(h, b)) {
        if (!b->used) {
            total += b->size;
        }
    }
    return total;
}
