/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 8, "Migration from heap allocation", in C.
 *
 * The same processing step twice: first with a 256-byte malloc'd scratch
 * buffer, then with a pooled one. What changes:
 *   - the buffer is a type (byte_buffer_t), so its size lives in one place and
 *     is checked at compile time against the largest pool class;
 *   - it comes from a fixed pool: O(1), no fragmentation (a freed block is
 *     simply handed out again: here the very same one); it arrives zeroed;
 *   - MODESP_POOLED frees it on every return path, where the heap version
 *     needs a free() before each return.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_check.h"
#include "modesp/memory_pool.h"

#define NAME     "example_heap_migration"
#define BUF_SIZE 256u

/* FNV-1a: the "processing" both versions do on their scratch buffer. */
static uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

/* ----- before: heap ----- */

static esp_err_t process_heap(const uint8_t *input, size_t len, uint32_t *result)
{
    uint8_t *buffer = malloc(BUF_SIZE);
    if (buffer == NULL) {
        return ESP_ERR_NO_MEM;
    }
    if (len > BUF_SIZE) {
        free(buffer); /* every early return needs its own free() */
        return ESP_ERR_INVALID_SIZE;
    }
    for (size_t i = 0; i < len; i++) {
        buffer[i] = (uint8_t)(input[len - 1u - i] ^ 0x5Au); /* reverse and scramble */
    }
    *result = checksum(buffer, len);
    free(buffer);
    return ESP_OK;
}

/* ----- after: pool ----- */

typedef struct {
    uint8_t bytes[BUF_SIZE];
} byte_buffer_t;

/* What the pooled version saw, for the demo output. */
static const void *s_last_block;
static size_t s_in_use_inside;

static size_t buffer_class_in_use(void)
{
    const int cls = modesp_pool_manager_class_for_size(sizeof(byte_buffer_t));
    return modesp_pool_in_use(modesp_pool_manager_get_pool(modesp_get_pool_manager(), (modesp_size_class_t)cls));
}

static esp_err_t process_pooled(const uint8_t *input, size_t len, uint32_t *result)
{
    MODESP_POOLED(byte_buffer_t, buffer); /* freed on every return below */
    if (buffer == NULL) {
        return ESP_ERR_NO_MEM;
    }
    s_last_block = buffer;
    s_in_use_inside = buffer_class_in_use();
    if (len > sizeof buffer->bytes) {
        return ESP_ERR_INVALID_SIZE; /* no free() needed */
    }
    for (size_t i = 0; i < len; i++) {
        buffer->bytes[i] = (uint8_t)(input[len - 1u - i] ^ 0x5Au);
    }
    *result = checksum(buffer->bytes, len);
    return ESP_OK;
}

/* ----- demo ----- */

int main(void)
{
    const int cls_index = modesp_pool_manager_class_for_size(sizeof(byte_buffer_t));
    const char *cls = modesp_size_class_name((modesp_size_class_t)cls_index);
    uint8_t input[BUF_SIZE + 44u];
    for (size_t i = 0; i < sizeof input; i++) {
        input[i] = (uint8_t)(i * 7u + 3u);
    }

    printf("same work, three inputs: heap buffer vs pooled buffer (%s class)\n", cls);
    const void *first_block = NULL;
    for (size_t run = 0; run < 3; run++) {
        const size_t len = 64u + run * 96u; /* 64, 160, 256 bytes */
        uint32_t heap_sum = 0;
        uint32_t pool_sum = 0;
        check(process_heap(input, len, &heap_sum) == ESP_OK, "heap version");
        check(process_pooled(input, len, &pool_sum) == ESP_OK, "pooled version");
        first_block = run == 0u ? s_last_block : first_block; /* shown, not checked: the order is not an API promise */
        printf("  %3zu bytes: heap 0x%08x, pool 0x%08x; %s in_use inside %zu, after %zu; same block as run 1: %s\n",
               len, (unsigned)heap_sum, (unsigned)pool_sum, cls, s_in_use_inside, buffer_class_in_use(),
               s_last_block == first_block ? "yes" : "no");
        check(heap_sum == pool_sum, "both versions compute the same result");
        check(s_in_use_inside == 1u && buffer_class_in_use() == 0u, "one block while working, none after");
    }

    printf("early return (input of %zu bytes is too long)\n", sizeof input);
    uint32_t unused = 0;
    const esp_err_t heap_err = process_heap(input, sizeof input, &unused);
    const esp_err_t pool_err = process_pooled(input, sizeof input, &unused);
    printf("  heap: %s, pool: %s; %s in_use after %zu (freed by the scope)\n", modesp_err_to_name(heap_err),
           modesp_err_to_name(pool_err), cls, buffer_class_in_use());
    check(heap_err == ESP_ERR_INVALID_SIZE && pool_err == ESP_ERR_INVALID_SIZE, "both refuse");
    check(buffer_class_in_use() == 0u, "the early return freed the pooled buffer");

    check_manager_clean();
    return example_finish(NAME);
}
