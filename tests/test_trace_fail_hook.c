/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Core extension points the diagnostics need (modesp/hooks.h): the requested
 * size passed to on_alloc, the on_fail hook called wherever a request is
 * counted in alloc_failures (pool API and manager, with the call site and the
 * size), and modesp_pool_block_at, the inverse of modesp_pool_block_index.
 * The hooks exist only with tracing (the `debug` variant); elsewhere the
 * test checks that installing them is refused and block_at still works.
 */
#include <string.h>

#include "modesp/hooks.h"
#include "test_support.h"

MODESP_POOL_DEFINE_STATIC(hook_pool, 16, 2);

typedef struct {
    int allocs, fails;
    const modesp_pool_t *pool;
    uint32_t size;
    const char *file;
    int line;
} seen_t;

static seen_t s_seen;

static void on_alloc(const modesp_pool_t *pool, uint32_t index, const void *block, uint32_t size, const char *file,
                     int line, void *ctx)
{
    (void)index;
    (void)block;
    (void)file;
    (void)line;
    assert_ptr_equal(ctx, &s_seen);
    s_seen.allocs++;
    s_seen.pool = pool;
    s_seen.size = size;
}

static void on_fail(const modesp_pool_t *pool, uint32_t size, const char *file, int line, void *ctx)
{
    assert_ptr_equal(ctx, &s_seen);
    s_seen.fails++;
    s_seen.pool = pool;
    s_seen.size = size;
    s_seen.file = file;
    s_seen.line = line;
}

static const modesp_trace_hooks_t s_hooks = {on_alloc, NULL, &s_seen, on_fail};

static void test_block_at_inverts_block_index(void **state)
{
    (void)state;
    void *a = modesp_pool_allocate(&hook_pool);
    assert_non_null(a);
    uint32_t idx = 99;
    assert_int_equal(modesp_pool_block_index(&hook_pool, a, &idx), ESP_OK);
    assert_ptr_equal(modesp_pool_block_at(&hook_pool, idx), a);
    assert_null(modesp_pool_block_at(&hook_pool, 2)); /* == capacity */
    assert_null(modesp_pool_block_at(NULL, 0));
    static modesp_pool_t zeroed;
    assert_null(modesp_pool_block_at(&zeroed, 0));
    const modesp_pool_t *tiny = modesp_pool_manager_get_pool(modesp_get_pool_manager(), MODESP_CLASS_TINY);
    assert_non_null(modesp_pool_block_at(tiny, 0)); /* manager pools too: the diagnostics read their side tables */
    assert_int_equal(modesp_pool_deallocate(&hook_pool, a), ESP_OK);
}

static void test_fail_hook_sees_every_counted_failure(void **state)
{
    (void)state;
    memset(&s_seen, 0, sizeof s_seen);
    if (!MODESP_TRACING) {
        assert_int_equal(modesp_trace_set_hooks(&s_hooks), ESP_ERR_NOT_SUPPORTED);
        skip();
    }
    assert_int_equal(modesp_trace_set_hooks(&s_hooks), ESP_OK);
    modesp_pool_manager_t *pm = modesp_get_pool_manager();

    /* Pool API: a whole block (size 0), the call site of ..._at. */
    void *a = modesp_pool_allocate(&hook_pool);
    void *b = modesp_pool_allocate(&hook_pool);
    assert_int_equal(s_seen.allocs, 2);
    assert_int_equal(s_seen.size, 0);
    assert_null(modesp_pool_allocate_at(&hook_pool, "pool.c", 7));
    assert_int_equal(s_seen.fails, 1);
    assert_ptr_equal(s_seen.pool, &hook_pool);
    assert_int_equal(s_seen.size, 0);
    assert_string_equal(s_seen.file, "pool.c");
    assert_int_equal(s_seen.line, 7);

    /* Manager: the requested size, and the requested class's pool. */
    const modesp_pool_t *xl = modesp_pool_manager_get_pool(pm, MODESP_CLASS_XLARGE);
    const modesp_alloc_strategy_t saved = modesp_pool_manager_get_default_strategy(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0), ESP_OK);
    static void *held[256];
    size_t n = 0;
    const size_t want = CONFIG_MEMORY_POOL_XLARGE_SIZE - 3u;
    while (n < 256 && (held[n] = modesp_pool_manager_allocate(pm, want)) != NULL) {
        assert_int_equal(s_seen.size, want);
        n++;
    }
    assert_int_equal(n, modesp_pool_capacity(xl));
    assert_int_equal(s_seen.fails, 2); /* the loop's last call */
    assert_ptr_equal(s_seen.pool, xl);
    assert_int_equal(s_seen.size, want);
    assert_null(s_seen.file);
    assert_null(modesp_pool_manager_allocate_at(pm, want - 1u, "mgr.c", 11));
    assert_int_equal(s_seen.fails, 3);
    assert_int_equal(s_seen.size, want - 1u);
    assert_string_equal(s_seen.file, "mgr.c");
    assert_int_equal(s_seen.line, 11);
    void *out = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, want, MODESP_ALLOC_STRICT, 0, &out), ESP_ERR_NO_MEM);
    assert_int_equal(s_seen.fails, 4);
    /* A critical request that finds the class and the reserve empty (or no reserve) is one failure too. */
    static void *res[64];
    size_t r = 0;
    while (r < 64 && (res[r] = modesp_pool_manager_allocate_critical(pm, want)) != NULL) {
        r++;
    }
    assert_int_equal(s_seen.fails, 5);
    assert_int_equal(s_seen.size, want);
    /* Refused sizes are not class failures: no hook. */
    assert_null(modesp_pool_manager_allocate(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE + 1u));
    assert_null(modesp_pool_manager_allocate(pm, 0));
    assert_int_equal(s_seen.fails, 5);

    assert_int_equal(modesp_trace_set_hooks(NULL), ESP_OK);
    for (size_t i = 0; i < r; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, res[i]), ESP_OK);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, held[i]), ESP_OK);
    }
    assert_int_equal(modesp_pool_deallocate(&hook_pool, a), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&hook_pool, b), ESP_OK);
    (void)modesp_pool_manager_process_pressure_events(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, saved, 0), ESP_OK);
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_at_inverts_block_index),
        cmocka_unit_test(test_fail_hook_sees_every_counted_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
