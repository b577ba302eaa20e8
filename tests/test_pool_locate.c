/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool's pointer check (fixed_pool.h: modesp_pool_block_index,
 * modesp_pool_deallocate), swept over every byte offset from three strides
 * before a pool's storage to three strides after it, for a power-of-two
 * stride and for strides that are not one (the check takes a different path
 * for each: a rotate-and-compare for powers of two, a division otherwise).
 * What must hold at each offset:
 *  - a block start maps to its own index, and only block starts are accepted;
 *  - an offset inside the storage but not at a block start is MISALIGNED;
 *  - an offset outside the storage is FOREIGN;
 *  - deallocate refuses every such pointer with that same code, counts it in
 *    the matching counter, and leaves every allocated block allocated.
 */
#include <stdint.h>
#include <string.h>

#include "test_support.h"

#define PAD_STRIDES 3

MODESP_POOL_DEFINE_STATIC(pow2_pool, 64, 100);
MODESP_POOL_DEFINE_STATIC(odd_pool, 48, 37);
MODESP_POOL_DEFINE_STATIC(odd_large_pool, 80, 255);

typedef struct {
    modesp_pool_t *pool;
    uint8_t *storage;
    size_t stride;
    size_t count;
} swept_pool_t;

/* The pointer at a byte offset from the storage, formed in integer arithmetic so that
 * offsets outside the array are not pointer arithmetic outside an object. */
static void *at_offset(const swept_pool_t *s, long offset)
{
    return (void *)((uintptr_t)s->storage + (uintptr_t)(intptr_t)offset);
}

static esp_err_t expected_code(const swept_pool_t *s, long offset)
{
    if (offset < 0 || (size_t)offset >= s->stride * s->count) {
        return MODESP_ERR_FOREIGN_PTR;
    }
    return (size_t)offset % s->stride == 0 ? ESP_OK : MODESP_ERR_MISALIGNED_PTR;
}

static void sweep_block_index(const swept_pool_t *s)
{
    long first = -PAD_STRIDES * (long)s->stride;
    long end = (long)(s->stride * (s->count + PAD_STRIDES));
    unsigned accepted = 0;
    for (long off = first; off < end; off++) {
        uint32_t index = UINT32_MAX;
        esp_err_t err = modesp_pool_block_index(s->pool, at_offset(s, off), &index);
        esp_err_t want = expected_code(s, off);
        if (err != want) {
            print_error("%s stride %zu offset %ld: %s, expected %s\n", s->pool->name, s->stride, off,
                        modesp_err_to_name(err), modesp_err_to_name(want));
            fail();
        }
        if (want == ESP_OK) {
            assert_int_equal(index, (uint32_t)((size_t)off / s->stride));
            accepted++;
        } else {
            assert_int_equal(index, UINT32_MAX); /* written only on success */
        }
    }
    assert_int_equal(accepted, s->count);
}

/* Every block allocated, then every bad pointer freed: each refusal counted, nothing released. */
static void sweep_deallocate(const swept_pool_t *s)
{
    void *blocks[256];
    assert_true(s->count <= 256);
    for (size_t i = 0; i < s->count; i++) {
        blocks[i] = modesp_pool_allocate(s->pool);
        assert_non_null(blocks[i]);
    }
    assert_int_equal(modesp_pool_reset_stats(s->pool), ESP_OK);

    long first = -PAD_STRIDES * (long)s->stride;
    long end = (long)(s->stride * (s->count + PAD_STRIDES));
    uint32_t foreign = 0;
    uint32_t misaligned = 0;
    for (long off = first; off < end; off++) {
        esp_err_t want = expected_code(s, off);
        if (want == ESP_OK) {
            continue; /* a live block: freeing it is legal, and tested elsewhere */
        }
        assert_int_equal(modesp_pool_deallocate(s->pool, at_offset(s, off)), want);
        if (want == MODESP_ERR_FOREIGN_PTR) {
            foreign++;
        } else {
            misaligned++;
        }
    }

    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(s->pool, &st), ESP_OK);
    assert_stat(st.foreign_frees, foreign);
    assert_stat(st.misaligned_frees, misaligned);
    assert_stat(st.double_frees, 0);
    assert_stat(st.invalid_frees, foreign + misaligned);
    assert_int_equal(modesp_pool_in_use(s->pool), s->count);
    assert_pool_intact(s->pool);

    for (size_t i = 0; i < s->count; i++) {
        assert_int_equal(modesp_pool_deallocate(s->pool, blocks[i]), ESP_OK);
    }
    assert_int_equal(modesp_pool_in_use(s->pool), 0);
    assert_pool_intact(s->pool);
}

#define SWEPT(name, size, n)                                                                                           \
    {                                                                                                                  \
        &name, name##_storage_, MODESP_POOL_STRIDE(size), (n)                                                          \
    }

static void test_power_of_two_stride(void **state)
{
    (void)state;
    swept_pool_t s = SWEPT(pow2_pool, 64, 100);
    sweep_block_index(&s);
    sweep_deallocate(&s);
}

static void test_stride_not_a_power_of_two(void **state)
{
    (void)state;
    swept_pool_t s = SWEPT(odd_pool, 48, 37);
    assert_true((s.stride & (s.stride - 1)) != 0); /* the case this test exists for */
    sweep_block_index(&s);
    sweep_deallocate(&s);
}

static void test_odd_stride_packed_head_limit(void **state)
{
    (void)state;
    swept_pool_t s = SWEPT(odd_large_pool, 80, 255);
    assert_true((s.stride & (s.stride - 1)) != 0);
    sweep_block_index(&s);
    sweep_deallocate(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_of_two_stride),
        cmocka_unit_test(test_stride_not_a_power_of_two),
        cmocka_unit_test(test_odd_stride_packed_head_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
