/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pooled objects (modesp/pooled.h): modesp_pooled_replace and the ring buffer
 * of guide section 6 at exactly the class's block count, modesp_pooled_free as
 * a checked macro, modesp_pooled_release with the variable's type. Every test
 * ends with the manager intact and empty.
 */
#include <string.h>

#include "test_support.h"

/* Fills most of an XLARGE block, so it never fits a smaller class (no SPILL either: XLARGE is the largest). */
typedef struct {
    uint8_t data[CONFIG_MEMORY_POOL_XLARGE_SIZE - 8];
    uint32_t timestamp;
} big_block_t;

typedef struct {
    big_block_t *payload; /* a pooled pointer as the first field */
    uint32_t len;
} message_t;

#define RING_N ((size_t)CONFIG_MEMORY_POOL_XLARGE_COUNT)

static modesp_pool_manager_t *pm;
static big_block_t *ring[RING_N]; /* static, with `other`: a failed test leaves nothing behind for the next */
static void *other;

static int setup(void **state)
{
    (void)state;
    pm = modesp_get_pool_manager();
    return modesp_pool_manager_reset_stats(pm) == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < RING_N; i++) {
        if (modesp_pooled_free(&ring[i]) != ESP_OK) {
            return -1;
        }
    }
    if (modesp_pooled_free(&other) != ESP_OK) {
        return -1;
    }
    assert_manager_clean();
    return 0;
}

static const modesp_pool_t *xlarge(void) { return modesp_pool_manager_get_pool(pm, MODESP_CLASS_XLARGE); }

static size_t xlarge_in_use(void) { return modesp_pool_in_use(xlarge()); }

/* True when every byte of the block before the timestamp is `byte`. */
static bool block_filled_with(const big_block_t *b, uint8_t byte)
{
    for (size_t i = 0; i < sizeof b->data; i++) {
        if (b->data[i] != byte) {
            return false;
        }
    }
    return true;
}

/*
 * Guide section 6 with N slots = the class's block count: every add replaces the
 * oldest slot. With the move form (new block first, then free the old one) the
 * add after the ring is full finds the class empty and the ring freezes.
 */
static void test_ring_of_class_count_keeps_advancing_with_replace(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_capacity(xlarge()), RING_N);
    big_block_t **slots = ring;

    const uint32_t n_adds = (uint32_t)(3u * RING_N + 1u);
    size_t write_idx = 0;
    for (uint32_t k = 1; k <= n_adds; k++) {
        assert_int_equal(modesp_pooled_replace(slots[write_idx], big_block_t), ESP_OK);
        assert_non_null(slots[write_idx]);
        assert_true(block_filled_with(slots[write_idx], 0) && slots[write_idx]->timestamp == 0u); /* zeroed */
        memset(slots[write_idx]->data, (int)(k & 0xFFu), sizeof slots[write_idx]->data);
        slots[write_idx]->timestamp = k;
        write_idx = (write_idx + 1u) % RING_N;
        assert_int_equal(xlarge_in_use(), k < RING_N ? k : RING_N);
    }

    /* The newest RING_N adds, oldest first from write_idx. */
    for (size_t i = 0; i < RING_N; i++) {
        const big_block_t *b = slots[(write_idx + i) % RING_N];
        const uint32_t k = n_adds - (uint32_t)RING_N + 1u + (uint32_t)i;
        assert_int_equal(b->timestamp, k);
        assert_true(block_filled_with(b, (uint8_t)(k & 0xFFu)));
    }
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(xlarge(), &st), ESP_OK);
    assert_peak(st, RING_N); /* never one more than the ring */
    assert_stat(st.total_allocs, n_adds);
    assert_stat(st.alloc_failures, 0);

    /* The move form needs RING_N + 1 blocks: with the ring full there is no new block to move in. */
    {
        MODESP_POOLED(big_block_t, next);
        assert_null(next);
        const big_block_t *oldest = slots[write_idx];
        assert_int_equal(oldest->timestamp, n_adds - (uint32_t)RING_N + 1u); /* kept, not replaced */
    }

    for (size_t i = 0; i < RING_N; i++) {
        assert_int_equal(modesp_pooled_free(&slots[i]), ESP_OK);
        assert_null(slots[i]);
    }
}

/* A free that fails leaves everything as it was; a failed allocation leaves the variable NULL. */
static void test_replace_errors(void **state)
{
    (void)state;
    /* the old block cannot be freed: nothing changes, nothing is allocated */
    int not_pooled = 0;
    big_block_t *bad = (big_block_t *)(void *)&not_pooled;
    assert_int_equal(modesp_pooled_replace(bad, big_block_t), MODESP_ERR_FOREIGN_PTR);
    assert_ptr_equal(bad, (void *)&not_pooled);
    assert_int_equal(xlarge_in_use(), 0);

    /* a void * variable takes any T; the old block may be of another class */
    void *any = modesp_make_pooled_bytes(16);
    assert_non_null(any);
    assert_int_equal(modesp_pooled_replace(any, big_block_t), ESP_OK);
    assert_int_equal(xlarge_in_use(), 1);
    assert_int_equal(modesp_pool_manager_class_for_size(16), MODESP_CLASS_TINY);
    assert_int_equal(modesp_pool_in_use(modesp_pool_manager_get_pool(pm, MODESP_CLASS_TINY)), 0);

    /* class exhausted: the old block (of another class) is freed, the variable becomes NULL */
    big_block_t **hold = ring;
    hold[0] = any;
    any = NULL;
    for (size_t i = 1; i < RING_N; i++) {
        hold[i] = modesp_make_pooled(big_block_t);
        assert_non_null(hold[i]);
    }
    other = modesp_make_pooled(message_t);
    assert_non_null(other);
    void *const small = other;
    assert_int_equal(modesp_pooled_replace(other, big_block_t), ESP_ERR_NO_MEM);
    assert_null(other);
    assert_int_equal(modesp_pool_manager_free(pm, small), MODESP_ERR_DOUBLE_FREE); /* it was freed */

    /* a full class still serves a replace of one of its own blocks: the freed block comes back */
    big_block_t *const before = hold[0];
    memset(hold[0]->data, 0x5A, sizeof hold[0]->data);
    assert_int_equal(modesp_pooled_replace(hold[0], big_block_t), ESP_OK);
    assert_ptr_equal(hold[0], before);
    assert_true(block_filled_with(hold[0], 0));
    for (size_t i = 0; i < RING_N; i++) {
        assert_int_equal(modesp_pooled_free(&hold[i]), ESP_OK);
    }

    /* the function's own argument errors change nothing */
    void *p = modesp_make_pooled_bytes(40);
    void *const p_before = p;
    assert_int_equal(modesp_pooled_replace_(NULL, 8), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pooled_replace_(&p, 0), MODESP_ERR_ZERO_SIZE);
    assert_int_equal(modesp_pooled_replace_(&p, (size_t)CONFIG_MEMORY_POOL_XLARGE_SIZE + 1u), ESP_ERR_INVALID_SIZE);
    assert_ptr_equal(p, p_before);
    assert_int_equal(modesp_pooled_free_(&p), ESP_OK);
    assert_null(p);
}

/* modesp_pooled_free(&p) frees p's block, not the block p's first field points to. */
static void test_free_macro_frees_the_named_block(void **state)
{
    (void)state;
#ifndef modesp_pooled_free
    fail_msg("modesp_pooled_free must be the checked macro");
#endif
    message_t *msg = modesp_make_pooled(message_t);
    assert_non_null(msg);
    msg->payload = modesp_make_pooled(big_block_t);
    assert_non_null(msg->payload);
    big_block_t *payload = msg->payload;
    const int msg_class = modesp_pool_manager_class_for_size(sizeof(message_t));
    const modesp_pool_t *msg_pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)msg_class);
    assert_int_equal(modesp_pool_in_use(msg_pool), 1);

    assert_int_equal(modesp_pooled_free(&msg), ESP_OK);
    assert_null(msg);
    assert_int_equal(modesp_pool_in_use(msg_pool), 0);  /* msg's block went back */
    assert_int_equal(xlarge_in_use(), 1);               /* the payload is untouched */
    assert_int_equal(modesp_pooled_free(&msg), ESP_OK); /* NULL: nothing to do */

    /* any pointer variable: void *, an element, through a T ** value */
    void *raw = modesp_make_pooled_bytes(24);
    assert_non_null(raw);
    assert_int_equal(modesp_pooled_free(&raw), ESP_OK);
    assert_null(raw);
    big_block_t *arr[1] = {payload};
    big_block_t **pp = &arr[0];
    assert_int_equal(modesp_pooled_free(pp), ESP_OK);
    assert_null(arr[0]);
    assert_int_equal(xlarge_in_use(), 0);

    /* errors: NULL, and a failed free leaves the variable as it was */
    assert_int_equal(modesp_pooled_free(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pooled_free_(NULL), ESP_ERR_INVALID_ARG);
    int not_pooled = 0;
    int *bad = &not_pooled;
    assert_int_equal(modesp_pooled_free(&bad), MODESP_ERR_FOREIGN_PTR);
    assert_ptr_equal(bad, &not_pooled);

    /* the argument is evaluated once */
    big_block_t *two[2] = {modesp_make_pooled(big_block_t), modesp_make_pooled(big_block_t)};
    size_t i = 0;
    assert_int_equal(modesp_pooled_free(&two[i++]), ESP_OK);
    assert_int_equal(i, 1);
    assert_null(two[0]);
    assert_non_null(two[1]);
    assert_int_equal(modesp_pooled_free(&two[i++]), ESP_OK);
    assert_int_equal(i, 2);
    assert_null(two[1]);
}

static big_block_t *scoped_hand_out(void)
{
    MODESP_POOLED(big_block_t, b);
    if (b != NULL) {
        b->timestamp = 42;
    }
    return modesp_pooled_release(b); /* not `return b;`: that block would be freed on this return */
}

/* modesp_pooled_release returns the variable's own type (GCC, Clang) and empties the variable. */
static void test_release_returns_the_variable_type(void **state)
{
    (void)state;
    message_t *msg = modesp_make_pooled(message_t);
    assert_non_null(msg);
    message_t *const before = msg;
#if MODESP_HAS_TYPED_RELEASE
    assert_true(_Generic(modesp_pooled_release(msg), message_t * : 1, default : 0)); /* not evaluated */
    assert_ptr_equal(msg, before);
#endif
    size_t evaluations = 0;
    message_t *arr[1] = {msg};
    message_t *raw = modesp_pooled_release(arr[evaluations++]);
    assert_int_equal(evaluations, 1);
    assert_ptr_equal(raw, before);
    assert_null(arr[0]);
    assert_int_equal(modesp_pool_manager_deallocate(pm, raw, sizeof *raw), ESP_OK);

    big_block_t *out = scoped_hand_out();
    assert_non_null(out);
    assert_int_equal(out->timestamp, 42);
    assert_int_equal(xlarge_in_use(), 1); /* the scope did not free it */
    assert_int_equal(modesp_pooled_free(&out), ESP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ring_of_class_count_keeps_advancing_with_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_macro_frees_the_named_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_returns_the_variable_type, setup, teardown),
    };
    return cmocka_run_group_tests_name("pooled", tests, NULL, NULL);
}
