/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time allocation hooks (modesp_memory_diagnostics_add_hooks,
 * src/diag/user_hooks.c): registered sets see every allocation (with its
 * requested size and call site), free and failed request; the table is
 * bounded by Kconfig; a removed set is not called again. Tracing builds
 * only (the `debug` variant); elsewhere registering is refused.
 */
#include <string.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "test_support.h"

MODESP_POOL_DEFINE_STATIC(user_pool, 24, 1);

typedef struct {
    int allocs, frees, fails;
    const void *block;
    uint32_t size;
    const char *file;
    int line;
} seen_t;

static void on_alloc(const modesp_pool_t *pool, const void *block, uint32_t size, const char *file, int line, void *ctx)
{
    (void)pool;
    seen_t *s = ctx;
    s->allocs++;
    s->block = block;
    s->size = size;
    s->file = file;
    s->line = line;
}

static void on_free(const modesp_pool_t *pool, const void *block, void *ctx)
{
    (void)pool;
    seen_t *s = ctx;
    s->frees++;
    s->block = block;
}

static void on_fail(const modesp_pool_t *pool, uint32_t size, const char *file, int line, void *ctx)
{
    (void)pool;
    seen_t *s = ctx;
    s->fails++;
    s->size = size;
    s->file = file;
    s->line = line;
}

static void test_hooks_see_allocs_frees_and_failures(void **state)
{
    (void)state;
    static seen_t a;
    static seen_t b;
    static const modesp_diag_hooks_t ha = {on_alloc, on_free, on_fail, &a};
    static const modesp_diag_hooks_t hb = {on_alloc, NULL, NULL, &b};
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(modesp_memory_diagnostics_add_hooks(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_remove_hooks(NULL), ESP_ERR_INVALID_ARG);
    if (!MODESP_TRACING) {
        assert_int_equal(modesp_memory_diagnostics_add_hooks(&ha), ESP_ERR_NOT_SUPPORTED);
        assert_int_equal(modesp_memory_diagnostics_remove_hooks(&ha), ESP_ERR_NOT_SUPPORTED);
        skip();
    }
    static modesp_memory_diagnostics_t diag;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_init(&diag, pm), ESP_OK); /* installs the core's trace hooks */
    assert_int_equal(modesp_memory_diagnostics_add_hooks(&ha), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_add_hooks(&ha), MODESP_ERR_ALREADY_REGISTERED);
    assert_int_equal(modesp_memory_diagnostics_add_hooks(&hb), ESP_OK);

    void *p = modesp_pool_manager_allocate_at(pm, 10, "app.c", 5);
    assert_non_null(p);
    assert_int_equal(a.allocs, 1);
    assert_int_equal(b.allocs, 1);
    assert_ptr_equal(a.block, p);
    assert_int_equal(a.size, 10);
    assert_string_equal(a.file, "app.c");
    assert_int_equal(a.line, 5);
    void *u = modesp_pool_allocate_at(&user_pool, "user.c", 9);
    assert_non_null(u);
    assert_int_equal(a.size, 0); /* a whole block */
    assert_null(modesp_pool_allocate_at(&user_pool, "user.c", 10));
    assert_int_equal(a.fails, 1);
    assert_int_equal(a.line, 10);
    assert_int_equal(modesp_pool_manager_free(pm, p), ESP_OK);
    assert_int_equal(a.frees, 1);
    assert_ptr_equal(a.block, p);

    assert_int_equal(modesp_memory_diagnostics_remove_hooks(&ha), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_remove_hooks(&ha), ESP_ERR_NOT_FOUND);
    assert_int_equal(modesp_pool_deallocate(&user_pool, u), ESP_OK);
    assert_int_equal(a.frees, 1); /* removed: not called */
    void *q = modesp_pool_manager_allocate(pm, 3);
    assert_int_equal(a.allocs, 2); /* p and u only */
    assert_int_equal(b.allocs, 3); /* p, u, q */
    assert_int_equal(modesp_pool_manager_free(pm, q), ESP_OK);

    /* The table is bounded. */
    static modesp_diag_hooks_t many[16];
    size_t added = 0;
    esp_err_t err = ESP_OK;
    while (added < 16 && (err = modesp_memory_diagnostics_add_hooks(&many[added])) == ESP_OK) {
        added++;
    }
    assert_int_equal(err, ESP_ERR_NO_MEM);
#if MODESP_TRACING
    assert_int_equal(added + 1u, CONFIG_MEMORY_DIAG_MAX_HOOKS); /* hb holds one slot */
#endif
    for (size_t i = 0; i < added; i++) {
        assert_int_equal(modesp_memory_diagnostics_remove_hooks(&many[i]), ESP_OK);
    }
    assert_int_equal(modesp_memory_diagnostics_remove_hooks(&hb), ESP_OK);
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hooks_see_allocs_frees_and_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
