/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 6, "Ring buffer with pooled blocks", in C.
 *
 * The ring keeps the newest MAX_BLOCKS chunks of data, each in its own pooled
 * block. modesp_pooled_replace frees the oldest slot's block first and then
 * puts a new zeroed block in that slot, so the ring never holds more than
 * MAX_BLOCKS blocks: here it uses all 8 blocks of the XLARGE class (the
 * default configuration) and keeps advancing.
 *
 * The guide's own order, a new block first and then `blocks_[i] =
 * std::move(block)` (modesp_pooled_move in C), holds one block more while a
 * chunk is added: a ring of N needs N + 1 blocks of its class. With exactly N
 * the new block cannot be had once the ring is full, and the ring freezes with
 * its oldest data; the end of this program shows that.
 */
#include <stdio.h>
#include <string.h>

#include "example_check.h"
#include "modesp/memory_pool.h"

#define NAME       "example_ring_buffer"
#define MAX_BLOCKS 8u
#define N_CHUNKS   20u

/* 260 bytes: the 512-byte XLARGE class by default. */
typedef struct {
    uint8_t data[256];
    uint32_t timestamp;
} block_t;

typedef struct {
    block_t *slots[MAX_BLOCKS]; /* NULL until the ring has wrapped once */
    size_t write_idx;           /* the oldest slot once the ring is full */
} pooled_ring_t;

/* Stand-in for esp_timer_get_time() in ms: a chunk every 100 ms. */
static uint32_t fake_time_ms(void)
{
    static uint32_t now;
    return now += 100u;
}

static const modesp_pool_t *block_pool(void)
{
    const int cls = modesp_pool_manager_class_for_size(sizeof(block_t));
    return modesp_pool_manager_get_pool(modesp_get_pool_manager(), (modesp_size_class_t)cls);
}

static const char *block_class_name(void)
{
    const int cls = modesp_pool_manager_class_for_size(sizeof(block_t));
    return modesp_size_class_name((modesp_size_class_t)cls);
}

static esp_err_t ring_add_data(pooled_ring_t *rb, const uint8_t *data, size_t len)
{
    block_t **slot = &rb->slots[rb->write_idx];
    const uint32_t replaced = *slot != NULL ? (*slot)->timestamp : 0u;
    /* The slot's old block goes back to its pool first, then the slot gets a new zeroed block. */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
    const esp_err_t err = modesp_pooled_replace(*slot, block_t);
    if (err != ESP_OK) {
        /* ESP_ERR_NO_MEM: the oldest chunk is gone and the slot is NULL; the next add retries it.
         * Any other error: the slot did not hold a pooled block and is unchanged. */
        return err;
    }
    block_t *block = *slot;
    memcpy(block->data, data, len < sizeof block->data ? len : sizeof block->data);
    block->timestamp = fake_time_ms();

    printf("  t=%4u ms -> slot %zu", (unsigned)block->timestamp, rb->write_idx);
    if (replaced != 0u) {
        printf(", replaced the block of t=%u ms", (unsigned)replaced);
    }
    printf("; %s in_use %zu\n", block_class_name(), modesp_pool_in_use(block_pool()));
    rb->write_idx = (rb->write_idx + 1u) % MAX_BLOCKS;
    return ESP_OK;
}

static void ring_clear(pooled_ring_t *rb)
{
    for (size_t i = 0; i < MAX_BLOCKS; i++) {
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
        check(modesp_pooled_free(&rb->slots[i]) == ESP_OK, "free a ring block");
    }
    rb->write_idx = 0;
}

int main(void)
{
    pooled_ring_t ring = {0};
    const modesp_pool_t *pool = block_pool();

    printf("ring of %u blocks of %zu bytes, from the %s class (%zu blocks)\n", MAX_BLOCKS, sizeof(block_t),
           block_class_name(), modesp_pool_capacity(pool));
    if (modesp_pool_capacity(pool) < MAX_BLOCKS) {
        printf("  FAILED: the class needs MAX_BLOCKS blocks\n");
        return 1;
    }

    printf("add %u chunks\n", N_CHUNKS);
    for (uint32_t k = 1; k <= N_CHUNKS; k++) {
        uint8_t chunk[300]; /* longer than a block: the ring keeps the first 256 bytes */
        memset(chunk, (int)k, sizeof chunk);
        check(ring_add_data(&ring, chunk, sizeof chunk) == ESP_OK, "add a chunk");
        const size_t expect = k < MAX_BLOCKS ? k : MAX_BLOCKS;
        check(modesp_pool_in_use(pool) == expect, "the ring holds min(chunks, MAX_BLOCKS) blocks");
    }

    /* Oldest to newest, from the write index on: the last MAX_BLOCKS chunks, in order. */
    printf("ring contents, oldest first:");
    for (size_t i = 0; i < MAX_BLOCKS; i++) {
        const block_t *b = ring.slots[(ring.write_idx + i) % MAX_BLOCKS];
        const uint32_t k = N_CHUNKS - MAX_BLOCKS + 1u + (uint32_t)i;
        printf(" [t=%u, byte %u]", (unsigned)b->timestamp, (unsigned)b->data[0]);
        check(b->timestamp == k * 100u && b->data[0] == k && b->data[255] == k, "ring keeps the newest chunks");
    }
    printf("\n");

    modesp_pool_stats_t st;
    check(modesp_pool_get_stats(pool, &st) == ESP_OK, "read pool stats");
    printf("%s class: in_use %u, peak %u (never more than the ring), total_allocs %u, failures %u\n",
           block_class_name(), (unsigned)st.in_use, (unsigned)st.peak, (unsigned)st.total_allocs,
           (unsigned)st.alloc_failures);
    check(st.peak == MAX_BLOCKS && st.total_allocs == N_CHUNKS && st.alloc_failures == 0u,
          "peak MAX_BLOCKS, one allocation per chunk, no failure");

    /* The move form's first step, a new block while the ring still holds all of its own. */
    if (modesp_pool_capacity(pool) == MAX_BLOCKS) {
        MODESP_POOLED(block_t, next);
        printf("move form (new block first): %s; it needs MAX_BLOCKS + 1 = %u blocks\n",
               next == NULL ? "no block, the ring would freeze with its oldest data" : "got a block", MAX_BLOCKS + 1u);
        check(next == NULL, "a full class has no block for the move form");
    }

    printf("clear the ring\n");
    ring_clear(&ring);
    check_manager_clean();

    return example_finish(NAME);
}
