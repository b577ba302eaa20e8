/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-block pool: allocation, statistics, every bad input, the integrity
 * check (including corrupt-and-detect), poisoning.
 */
#include <stdlib.h>
#include <string.h>

#include "pool_meta.h" /* private: the tests corrupt metadata on purpose */
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#include <sanitizer/asan_interface.h>
#endif

#define SMALL_BS 48
#define SMALL_N  10

MODESP_POOL_DEFINE_STATIC(t_pool, SMALL_BS, SMALL_N);

typedef struct {
    uint32_t timestamp;
    uint16_t sensor_id;
    float value;
} log_entry_t;
MODESP_POOL_DEFINE_TYPE_STATIC(t_typed, log_entry_t, 4);

static int setup(void **state)
{
    (void)state;
    return modesp_pool_reset_stats(&t_pool) == ESP_OK ? 0 : -1;
}

/* Teardown: every test leaves the pool empty and intact. */
static int teardown(void **state)
{
    (void)state;
    assert_pool_intact(&t_pool);
    if (modesp_pool_in_use(&t_pool) != 0u) {
        print_error("pool '%s' still has %zu blocks allocated\n", t_pool.name, modesp_pool_in_use(&t_pool));
        return -1;
    }
    return 0;
}

static void test_static_pool_geometry(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_capacity(&t_pool), SMALL_N);
    assert_int_equal(modesp_pool_block_size(&t_pool), SMALL_BS);
    assert_string_equal(modesp_pool_name(&t_pool), "t_pool");
    void *blocks[SMALL_N];
    for (int i = 0; i < SMALL_N; i++) {
        blocks[i] = modesp_pool_allocate(&t_pool);
        assert_non_null(blocks[i]);
        assert_int_equal((uintptr_t)blocks[i] % MODESP_POOL_ALIGN, 0);
        memset(blocks[i], 0xA5, SMALL_BS); /* whole block usable */
        for (int j = 0; j < i; j++) {
            uintptr_t a = (uintptr_t)blocks[i], b = (uintptr_t)blocks[j];
            assert_true(a >= b + SMALL_BS || b >= a + SMALL_BS); /* no overlap */
        }
    }
    assert_null(modesp_pool_allocate(&t_pool)); /* exhausted */
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    assert_int_equal(st.in_use, SMALL_N);
    assert_peak(st, SMALL_N);
    assert_stat(st.total_allocs, SMALL_N);
    assert_stat(st.alloc_failures, 1);
    assert_pool_intact(&t_pool);
    for (int i = 0; i < SMALL_N; i++) {
        assert_int_equal(modesp_pool_deallocate(&t_pool, blocks[i]), ESP_OK);
    }
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    assert_int_equal(st.in_use, 0);
    assert_peak(st, SMALL_N);
}

static void test_reuse_is_lifo(void **state)
{
    (void)state;
    void *a = modesp_pool_allocate(&t_pool);
    assert_non_null(a);
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), ESP_OK);
    void *b = modesp_pool_allocate(&t_pool);
    assert_ptr_equal(a, b); /* the block just freed is the next handed out (cache-warm) */
    assert_int_equal(modesp_pool_deallocate(&t_pool, b), ESP_OK);
}

static void test_bad_frees(void **state)
{
    (void)state;
    void *blk = modesp_pool_allocate(&t_pool);
    assert_non_null(blk);
    int on_stack = 0;
    uint8_t *base = t_pool.storage;
    const size_t span = MODESP_POOL_STORAGE_SIZE(SMALL_BS, SMALL_N);
    struct {
        void *ptr;
        esp_err_t expected;
    } cases[] = {
        {NULL, ESP_ERR_INVALID_ARG},
        {&on_stack, MODESP_ERR_FOREIGN_PTR},
        {base + span, MODESP_ERR_FOREIGN_PTR}, /* one past the end */
        {base - 1, MODESP_ERR_FOREIGN_PTR},    /* just before */
        {(uint8_t *)blk + 1, MODESP_ERR_MISALIGNED_PTR},
        {(uint8_t *)blk + t_pool.stride / 2, MODESP_ERR_MISALIGNED_PTR},
        {(uint8_t *)blk + t_pool.stride - 1, MODESP_ERR_MISALIGNED_PTR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(modesp_pool_deallocate(&t_pool, cases[i].ptr), cases[i].expected);
        assert_int_equal(modesp_pool_in_use(&t_pool), 1);
        assert_pool_intact(&t_pool);
    }
    assert_int_equal(modesp_pool_deallocate(&t_pool, blk), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&t_pool, blk), MODESP_ERR_DOUBLE_FREE);
    /* a never-allocated block is free too */
    assert_int_equal(modesp_pool_deallocate(&t_pool, base + (SMALL_N - 1) * t_pool.stride), MODESP_ERR_DOUBLE_FREE);
    assert_pool_intact(&t_pool);

    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    assert_stat(st.null_frees, 1);
    assert_stat(st.foreign_frees, 3);
    assert_stat(st.misaligned_frees, 3);
    assert_stat(st.double_frees, 2);
    assert_stat(st.invalid_frees, 9);
    assert_int_equal(st.in_use, 0);
    /* the pool still works normally afterwards: all blocks, each once */
    void *all[SMALL_N];
    for (int i = 0; i < SMALL_N; i++) {
        all[i] = modesp_pool_allocate(&t_pool);
        assert_non_null(all[i]);
    }
    for (int i = 0; i < SMALL_N; i++) {
        assert_int_equal(modesp_pool_deallocate(&t_pool, all[i]), ESP_OK);
    }
}

static void test_bad_handle(void **state)
{
    (void)state;
    modesp_pool_t zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    int x;
    assert_null(modesp_pool_allocate(&zeroed));
    assert_null(modesp_pool_allocate(NULL));
    /* One rule everywhere: a NULL pool is ESP_ERR_INVALID_ARG, a pool that is not
     * initialised (or overwritten) is MODESP_ERR_BAD_POOL. */
    uint32_t idx;
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_deallocate(&zeroed, &x), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_deallocate(NULL, &x), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_check_integrity(&zeroed, NULL), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_check_integrity(NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_get_stats(&zeroed, &st), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_get_stats(NULL, &st), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_reset_stats(&zeroed), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_reset_stats(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_block_index(&zeroed, &x, &idx), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_block_index(NULL, &x, &idx), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_get_stats(&t_pool, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_capacity(&zeroed), 0);
    assert_false(modesp_pool_contains(&zeroed, &x));
}

static void test_init_over_caller_storage(void **state)
{
    (void)state;
    enum { BS = 40, N = 7 }; /* stride 48 on 16-byte alignment: not a power of two, divide path */
    static _Alignas(MODESP_POOL_ALIGN) uint8_t storage[MODESP_POOL_STORAGE_SIZE(BS, N)];
    static uint32_t meta[N];
    modesp_pool_t p;
    assert_int_equal(modesp_pool_init(NULL, "p", storage, sizeof storage, meta, BS, N), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_init(&p, "p", NULL, sizeof storage, meta, BS, N), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, NULL, BS, N), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_init(&p, "p", storage + 1, sizeof storage - 1, meta, BS, N), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, 0, N), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, BS, 0), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, BS, 65536), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage - 1, meta, BS, N), ESP_ERR_INVALID_SIZE);
    memset(meta, 0x5A, sizeof meta); /* init must not trust previous contents */
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, BS, N), ESP_OK);
    assert_pool_intact(&p);
    void *b[N];
    for (int i = 0; i < N; i++) {
        b[i] = modesp_pool_allocate(&p);
        assert_non_null(b[i]);
    }
    assert_null(modesp_pool_allocate(&p));
    assert_int_equal(modesp_pool_deallocate(&p, (uint8_t *)b[2] + 8), MODESP_ERR_MISALIGNED_PTR);
    assert_int_equal(modesp_pool_deallocate(&p, (uint8_t *)b[2] + 16), MODESP_ERR_MISALIGNED_PTR);
    uint32_t idx = 99;
    assert_int_equal(modesp_pool_block_index(&p, b[3], &idx), ESP_OK);
    assert_int_equal(idx, ((uint8_t *)b[3] - storage) / 48);
    for (int i = 0; i < N; i++) {
        assert_int_equal(modesp_pool_deallocate(&p, b[i]), ESP_OK);
    }
    assert_pool_intact(&p);
}

static void test_largest_pool(void **state)
{
    (void)state;
    /* 65535 blocks: 16-bit indices, the shortest ABA tag the API allows. */
    const size_t n = MODESP_POOL_MAX_BLOCKS;
    const size_t bytes = MODESP_POOL_STORAGE_SIZE(8, n);
    uint8_t *storage = aligned_alloc(MODESP_POOL_ALIGN, bytes);
    uint32_t *meta = malloc(n * sizeof *meta);
    void **held = malloc(n * sizeof *held);
    assert_non_null(storage);
    assert_non_null(meta);
    assert_non_null(held);
    modesp_pool_t p;
    assert_int_equal(modesp_pool_init(&p, "max", storage, bytes, meta, 8, n), ESP_OK);
    for (size_t i = 0; i < n; i++) {
        held[i] = modesp_pool_allocate(&p);
        assert_non_null(held[i]);
    }
    assert_null(modesp_pool_allocate(&p));
    assert_pool_intact(&p);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_deallocate(&p, held[n - 1 - i]), ESP_OK);
    }
    assert_pool_intact(&p);
    free(held);
    free(meta);
    free(storage);
}

static void test_reset_stats_keeps_in_use(void **state)
{
    (void)state;
    void *a = modesp_pool_allocate(&t_pool);
    void *b = modesp_pool_allocate(&t_pool);
    assert_int_equal(modesp_pool_deallocate(&t_pool, b), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&t_pool, NULL), ESP_ERR_INVALID_ARG);
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    const uint32_t resets_before = st.resets;
    assert_int_equal(modesp_pool_reset_stats(&t_pool), ESP_OK);
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    assert_int_equal(st.resets, resets_before + 1u); /* counted, and never reset itself */
    assert_int_equal(st.in_use, 1);
    assert_peak(st, 1);
    assert_stat(st.total_allocs, 0);
    assert_stat(st.null_frees, 0);
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), ESP_OK);
}

static void test_tags_index_contains(void **state)
{
    (void)state;
    void *a = modesp_pool_allocate_tagged(&t_pool, 17);
    assert_non_null(a);
    assert_int_equal(modesp_pool_block_tag(&t_pool, a), 17);
    assert_true(modesp_pool_contains(&t_pool, a));
    assert_true(modesp_pool_contains(&t_pool, (uint8_t *)a + 3));
    int x;
    assert_false(modesp_pool_contains(&t_pool, &x));
    uint32_t idx;
    assert_int_equal(modesp_pool_block_index(&t_pool, (uint8_t *)a + 3, &idx), MODESP_ERR_MISALIGNED_PTR);
    assert_int_equal(modesp_pool_block_index(&t_pool, &x, &idx), MODESP_ERR_FOREIGN_PTR);
    assert_int_equal(modesp_pool_block_index(&t_pool, a, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), ESP_OK);
    assert_int_equal(modesp_pool_block_tag(&t_pool, a), -1); /* free blocks carry no tag */
}

static void test_typed_zeroed(void **state)
{
    (void)state;
    log_entry_t *e = modesp_pool_allocate(&t_typed);
    memset(e, 0xFF, sizeof *e);
    assert_int_equal(modesp_pool_deallocate(&t_typed, e), ESP_OK);
    log_entry_t *z = modesp_pool_new(&t_typed, log_entry_t);
    assert_non_null(z);
    assert_int_equal(z->timestamp, 0);
    assert_int_equal(z->sensor_id, 0);
    assert_int_equal(modesp_pool_deallocate(&t_typed, z), ESP_OK);
    assert_pool_intact(&t_typed);
}

/* --- corrupt-and-detect: the integrity check must fail on each broken invariant --- */

typedef struct {
    uint32_t head, in_use, peak, quarantined;
    uint32_t meta[SMALL_N];
} snapshot_t;

static void take(snapshot_t *s)
{
    s->head = t_pool.head;
    s->in_use = t_pool.in_use;
    s->peak = t_pool.peak;
    s->quarantined = t_pool.quarantined;
    memcpy(s->meta, t_pool.meta, sizeof s->meta);
}

static void restore(const snapshot_t *s)
{
    t_pool.head = s->head;
    t_pool.in_use = s->in_use;
    t_pool.peak = s->peak;
    t_pool.quarantined = s->quarantined;
    memcpy(t_pool.meta, s->meta, sizeof s->meta);
}

static void expect_fault(modesp_pool_fault_t f)
{
    modesp_pool_integrity_t r;
    assert_int_equal(modesp_pool_check_integrity(&t_pool, &r), MODESP_ERR_CORRUPTED);
    assert_string_equal(modesp_pool_fault_name(r.fault), modesp_pool_fault_name(f));
}

static void test_integrity_detects_corruption(void **state)
{
    (void)state;
    void *held = modesp_pool_allocate(&t_pool); /* one allocated block, the rest free */
    uint32_t held_idx;
    assert_int_equal(modesp_pool_block_index(&t_pool, held, &held_idx), ESP_OK);
    snapshot_t good;
    take(&good);
    const uint32_t mask = t_pool.idx_mask;
    const uint32_t first_free = t_pool.head & mask;

    t_pool.meta[first_free] |= META_ALLOCATED; /* a listed block marked allocated */
    expect_fault(MODESP_POOL_FREE_MARKED_USED);
    restore(&good);

    t_pool.meta[first_free] = (t_pool.meta[first_free] & ~META_LINK_MASK) | meta_link_encode(first_free, first_free);
    expect_fault(MODESP_POOL_CYCLE); /* a block linking to itself */
    restore(&good);

    t_pool.head = (t_pool.head & ~mask) | (SMALL_N + 3u);
    expect_fault(MODESP_POOL_BAD_INDEX);
    restore(&good);

    t_pool.in_use = 2;
    expect_fault(MODESP_POOL_COUNT_MISMATCH);
    restore(&good);

    t_pool.meta[held_idx] = META_FREE; /* free but not on the list: lost */
    expect_fault(MODESP_POOL_LOST_BLOCK);
    restore(&good);

    t_pool.peak = SMALL_N + 1u; /* above the capacity */
    expect_fault(MODESP_POOL_PEAK_INVALID);
    restore(&good);

    t_pool.peak = 0; /* below in_use: what a reset racing an allocation leaves; not a fault */
    assert_pool_intact(&t_pool);
    restore(&good);

    t_pool.meta[held_idx] = META_RELEASING; /* half freed, at quiescence: a free that never finished */
    expect_fault(MODESP_POOL_BAD_STATE);
    restore(&good);

    assert_pool_intact(&t_pool);
    assert_int_equal(modesp_pool_deallocate(&t_pool, held), ESP_OK);
}

static void test_alloc_stops_on_broken_list(void **state)
{
    (void)state;
    void *held = modesp_pool_allocate(&t_pool);
    uint32_t held_idx;
    assert_int_equal(modesp_pool_block_index(&t_pool, held, &held_idx), ESP_OK);
    snapshot_t good;
    take(&good);
    const uint32_t mask = t_pool.idx_mask;
    /* head names an allocated block, as an ABA wrap would leave it */
    t_pool.head = (t_pool.head & ~mask) | held_idx;
    assert_null(modesp_pool_allocate(&t_pool)); /* refuses; never hands the block out twice */
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    assert_int_equal(st.corruptions, 1);
    restore(&good);
    assert_int_equal(modesp_pool_deallocate(&t_pool, held), ESP_OK);
}

#if MODESP_POISON_ENABLED
static void test_poison_detects_use_after_free(void **state)
{
    (void)state;
    uint8_t *a = modesp_pool_allocate(&t_pool);
    assert_non_null(a);
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), ESP_OK);
    for (size_t i = 0; i < t_pool.stride; i++) {
#ifdef TEST_ASAN
        ASAN_UNPOISON_MEMORY_REGION(a + i, 1);
#endif
        assert_int_equal(a[i], CONFIG_MEMORY_POOL_POISON_PATTERN);
    }
    a[5] = 0x42; /* the stale writer */
    modesp_pool_integrity_t r;
    assert_int_equal(modesp_pool_check_integrity(&t_pool, &r), ESP_OK); /* metadata only: never reads bytes */
    assert_int_equal(modesp_pool_check_integrity_ex(&t_pool, MODESP_POOL_CHECK_POISON, &r), MODESP_ERR_USE_AFTER_FREE);
    assert_int_equal(r.fault, MODESP_POOL_POISON_DAMAGED);
    assert_int_equal(r.block, (uint32_t)((a - t_pool.storage) / t_pool.stride));
    uint8_t *b = modesp_pool_allocate(&t_pool);
    assert_non_null(b);
    assert_ptr_not_equal(a, b); /* the damaged block is withdrawn, not handed out */
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    assert_int_equal(st.poison_violations, 1);
    assert_int_equal(st.quarantined, 1);
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), MODESP_ERR_DOUBLE_FREE);
    assert_int_equal(modesp_pool_deallocate(&t_pool, b), ESP_OK);
    assert_pool_intact(&t_pool); /* quarantine is accounted for */
    /* put the pool back to full capacity for the other tests */
    t_pool.meta[(a - t_pool.storage) / t_pool.stride] = META_ALLOCATED;
    t_pool.quarantined = 0;
    if (t_pool.out_step == 0u) { /* a packed head (<= 255 blocks) still counts the block out */
        t_pool.in_use = 1;
    }
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), ESP_OK);
}
#endif

#ifdef TEST_ASAN
static void test_asan_sees_freed_blocks(void **state)
{
    (void)state;
    uint8_t *a = modesp_pool_allocate(&t_pool);
    assert_non_null(a);
    assert_false(__asan_address_is_poisoned(a));
    assert_false(__asan_address_is_poisoned(a + SMALL_BS - 1));
    assert_int_equal(modesp_pool_deallocate(&t_pool, a), ESP_OK);
    assert_true(__asan_address_is_poisoned(a));
    assert_true(__asan_address_is_poisoned(a + SMALL_BS - 1));
}
#endif

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(modesp_err_to_name(MODESP_ERR_DOUBLE_FREE), "MODESP_ERR_DOUBLE_FREE");
    assert_string_equal(modesp_err_to_name(ESP_ERR_NO_MEM), "ESP_ERR_NO_MEM");
    assert_string_equal(modesp_err_to_name(12345), "UNKNOWN_ERROR");
    /* every library code is distinct */
    const esp_err_t codes[] = {ESP_ERR_NO_MEM,         ESP_ERR_INVALID_ARG,       ESP_ERR_INVALID_STATE,
                               ESP_ERR_INVALID_SIZE,   ESP_ERR_NOT_SUPPORTED,     ESP_ERR_TIMEOUT,
                               MODESP_ERR_ZERO_SIZE,   MODESP_ERR_FOREIGN_PTR,    MODESP_ERR_MISALIGNED_PTR,
                               MODESP_ERR_DOUBLE_FREE, MODESP_ERR_SIZE_MISMATCH,  MODESP_ERR_BAD_POOL,
                               MODESP_ERR_CORRUPTED,   MODESP_ERR_USE_AFTER_FREE, MODESP_ERR_FULL};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(modesp_err_to_name(codes[i]), "UNKNOWN_ERROR");
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(codes[i], codes[j]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_static_pool_geometry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_is_lifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_over_caller_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_largest_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_stats_keeps_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_index_contains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_zeroed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integrity_detects_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_stops_on_broken_list, setup, teardown),
#if MODESP_POISON_ENABLED
        cmocka_unit_test_setup_teardown(test_poison_detects_use_after_free, setup, teardown),
#endif
#ifdef TEST_ASAN
        cmocka_unit_test_setup_teardown(test_asan_sees_freed_blocks, setup, teardown),
#endif
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests_name("fixed_pool", tests, NULL, NULL);
}
