/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extension points of the core (modesp/hooks.h): the pool registry, the
 * trace hooks with the call site of the public allocation macros, the
 * clock, and the invariant-check counter. In the `debug` variant tracing
 * and the invariant checks are compiled in; elsewhere the hooks must say
 * they are not supported and cost nothing.
 */
#include <string.h>

#include "modesp/hooks.h"
#include "test_support.h"

MODESP_POOL_DEFINE_STATIC(listed_pool, 40, 3);

#if MODESP_REGISTRY_ENABLED
static int registry_has(const modesp_pool_t *pool)
{
    int n = 0;
    for (const modesp_pool_t *p = modesp_pool_registry_next(NULL); p != NULL; p = modesp_pool_registry_next(p)) {
        n += (p == pool);
    }
    return n;
}

static void test_registry_lists_defined_manager_and_registered_pools(void **state)
{
    (void)state;
    assert_int_equal(registry_has(&listed_pool), 1); /* registered before main() */
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        assert_int_equal(registry_has(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c)), 1);
    }
    if (modesp_pool_manager_get_reserve_pool(pm) != NULL) {
        assert_int_equal(registry_has(modesp_pool_manager_get_reserve_pool(pm)), 1);
    }

    static _Alignas(MODESP_POOL_ALIGN) uint8_t storage[MODESP_POOL_STORAGE_SIZE(24, 2)];
    static uint32_t meta[2];
    static modesp_pool_t runtime_pool;
    assert_int_equal(modesp_pool_init(&runtime_pool, "runtime", storage, sizeof storage, meta, 24, 2), ESP_OK);
    assert_int_equal(registry_has(&runtime_pool), 0);
    assert_int_equal(modesp_pool_register(&runtime_pool), ESP_OK);
    assert_int_equal(modesp_pool_register(&runtime_pool), ESP_OK); /* twice: still once in the list */
    assert_int_equal(registry_has(&runtime_pool), 1);
    /* initialising a registered pool again keeps it, and the pools after it, in the registry */
    assert_int_equal(modesp_pool_init(&runtime_pool, "again", storage, sizeof storage, meta, 24, 2), ESP_OK);
    assert_int_equal(registry_has(&runtime_pool), 1);
    assert_int_equal(registry_has(&listed_pool), 1);
    assert_int_equal(modesp_pool_register(&runtime_pool), ESP_OK);
    assert_int_equal(registry_has(&runtime_pool), 1);

    modesp_pool_t zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    assert_int_equal(modesp_pool_register(&zeroed), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_register(NULL), ESP_ERR_INVALID_ARG);
}
#else
/* Kconfig MEMORY_POOL_REGISTRY off (the minimal profile): the registry is empty, nothing registers
 * before main(), registering is refused as not supported, and the pools work as before. */
static void test_registry_lists_defined_manager_and_registered_pools(void **state)
{
    (void)state;
    assert_null(modesp_pool_registry_next(NULL));
    assert_int_equal(modesp_pool_register(&listed_pool), ESP_ERR_NOT_SUPPORTED);
    assert_null(modesp_pool_registry_next(NULL));
    modesp_pool_t zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    assert_int_equal(modesp_pool_register(&zeroed), MODESP_ERR_BAD_POOL);
    assert_int_equal(modesp_pool_register(NULL), ESP_ERR_INVALID_ARG);
    void *b = modesp_pool_allocate(&listed_pool);
    assert_non_null(b);
    assert_int_equal(modesp_pool_deallocate(&listed_pool, b), ESP_OK);
    assert_pool_intact(&listed_pool);
}
#endif

typedef struct {
    int allocs, frees;
    const void *last_block;
    const modesp_pool_t *last_pool;
    const char *file;
    int line;
    uint32_t size; /* requested bytes of the last allocation (0: a whole block) */
} seen_t;

static void on_alloc(const modesp_pool_t *pool, uint32_t index, const void *block, uint32_t size, const char *file,
                     int line, void *ctx)
{
    seen_t *s = ctx;
    s->size = size;
    uint32_t idx = 0;
    assert_int_equal(modesp_pool_block_index(pool, block, &idx), ESP_OK);
    assert_int_equal(idx, index);
    s->allocs++;
    s->last_block = block;
    s->last_pool = pool;
    s->file = file;
    s->line = line;
}

static void on_free(const modesp_pool_t *pool, uint32_t index, const void *block, void *ctx)
{
    seen_t *s = ctx;
    (void)index;
    s->frees++;
    s->last_block = block;
    s->last_pool = pool;
}

typedef struct {
    int value;
} thing_t;

static void test_trace_hooks_see_every_alloc_and_free_with_the_call_site(void **state)
{
    (void)state;
    static seen_t seen;
    static const modesp_trace_hooks_t hooks = {on_alloc, on_free, &seen, NULL};
    memset(&seen, 0, sizeof seen);
    if (!MODESP_TRACING) {
        assert_int_equal(modesp_trace_set_hooks(&hooks), ESP_ERR_NOT_SUPPORTED);
        thing_t *t = modesp_pool_new(&listed_pool, thing_t);
        assert_non_null(t);
        assert_int_equal(modesp_pool_deallocate(&listed_pool, t), ESP_OK);
        assert_int_equal(seen.allocs + seen.frees, 0);
        return;
    }
    assert_int_equal(modesp_trace_set_hooks(&hooks), ESP_OK);

    const int line = __LINE__ + 1;
    thing_t *t = modesp_pool_new(&listed_pool, thing_t);
    assert_non_null(t);
    assert_int_equal(seen.allocs, 1);
    assert_ptr_equal(seen.last_block, t);
    assert_ptr_equal(seen.last_pool, &listed_pool);
    assert_string_equal(seen.file, __FILE__);
    assert_int_equal(seen.line, line);
    assert_int_equal(seen.size, sizeof(thing_t)); /* modesp_pool_new passes its size */

    const int line2 = __LINE__ + 1;
    thing_t *m = modesp_make_pooled(thing_t);
    assert_non_null(m);
    assert_int_equal(seen.allocs, 2);
    assert_int_equal(seen.line, line2);
    assert_int_equal(seen.size, sizeof(thing_t)); /* the bytes asked of the manager */
    assert_ptr_equal(seen.last_pool, modesp_pool_manager_get_pool(modesp_get_pool_manager(), MODESP_CLASS_TINY));

    void *plain = modesp_pool_allocate(&listed_pool); /* no call site: NULL, 0 */
    assert_int_equal(seen.allocs, 3);
    assert_null(seen.file);
    assert_int_equal(seen.line, 0);
    assert_int_equal(seen.size, 0); /* a whole block */

    assert_int_equal(modesp_pool_deallocate(&listed_pool, t), ESP_OK);
    assert_int_equal(seen.frees, 1);
    assert_ptr_equal(seen.last_block, t);
    assert_int_equal(modesp_pool_deallocate(&listed_pool, t), MODESP_ERR_DOUBLE_FREE);
    assert_int_equal(seen.frees, 1); /* a refused free is not a free */
    assert_int_equal(modesp_pooled_free(&m), ESP_OK);
    assert_int_equal(seen.frees, 2);

    assert_int_equal(modesp_trace_set_hooks(NULL), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&listed_pool, plain), ESP_OK);
    assert_int_equal(seen.frees, 2); /* removed: not called */
    assert_pool_intact(&listed_pool);
    assert_manager_clean();
}

static void test_clock_and_invariant_counter(void **state)
{
    (void)state;
    const uint64_t a = modesp_time_us();
    const uint64_t b = modesp_time_us();
    assert_true(b >= a);
    assert_int_equal(modesp_assert_failures(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_lists_defined_manager_and_registered_pools),
        cmocka_unit_test(test_trace_hooks_see_every_alloc_and_free_with_the_call_site),
        cmocka_unit_test(test_clock_and_invariant_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
