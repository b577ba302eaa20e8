/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core's error paths that the other suites leave unvisited (issue 18,
 * coverage), each checked against what the headers promise:
 *  - every manager call with a handle that is not the manager: its documented
 *    error value, and no counter of the real manager touched;
 *  - the manager's own argument checks (strategy, class, thresholds, callbacks);
 *  - the integrity check naming the broken class, the reserve, or the byte count;
 *  - more than 8 pressure changes made in an ISR: the ring keeps the last 8,
 *    the rest are counted as dropped, and delivery gives them in order;
 *  - pool init and pointer queries with every kind of bad argument, on a
 *    power-of-two stride and on a divided one;
 *  - the name of every error code and integrity fault.
 */
#include <string.h>

#include "manager_private.h" /* modesp_manager_.bytes_in_use, to break the byte count on purpose */
#include "manager_fixture.h" /* pm, setup, teardown */

/* Every counter of the manager's stats, summed: "not counted" errors leave it unchanged. */
static uint64_t counters_sum(void)
{
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    uint64_t s = (uint64_t)st.zero_size_requests + st.oversize_requests + st.null_frees + st.foreign_frees +
                 st.size_mismatch_frees + st.spills + st.waits + st.isr_refusals + st.heap_allocs + st.heap_failures +
                 st.critical_allocs + st.critical_failures + st.pressure_changes;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        s += (uint64_t)st.classes[c].total_allocs + st.classes[c].alloc_failures + st.classes[c].exhausted +
             st.classes[c].invalid_requests + st.classes[c].wrong_api;
    }
    return s;
}

static void no_change(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    (void)o;
    (void)n;
    (void)u;
    (void)ctx;
    fail_msg("callback registered through a bad handle was called");
}

static void test_manager_calls_refuse_a_handle_that_is_not_the_manager(void **state)
{
    (void)state;
    uint32_t on_stack[16] = {0};
    modesp_pool_manager_t *const bad[2] = {NULL, (modesp_pool_manager_t *)(void *)on_stack};
    const uint64_t before = counters_sum();
    for (int i = 0; i < 2; i++) {
        modesp_pool_manager_t *h = bad[i];
        void *out = &out;
        assert_null(modesp_pool_manager_allocate(h, 8));
        assert_null(modesp_pool_manager_allocate_at(h, 8, __FILE__, __LINE__));
        assert_null(modesp_pool_manager_allocate_critical(h, 8));
        assert_int_equal(modesp_pool_manager_allocate_ex(h, 8, MODESP_ALLOC_SPILL, 0, &out), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_free(h, on_stack), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_deallocate(h, on_stack, 8), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_set_default_strategy(h, MODESP_ALLOC_SPILL, 0), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_get_default_strategy(h), MODESP_ALLOC_STRICT);
        assert_null(modesp_pool_manager_get_pool(h, (modesp_size_class_t)0));
        assert_null(modesp_pool_manager_get_reserve_pool(h));
        assert_int_equal(modesp_pool_manager_get_overall_utilization(h), 0);
        assert_int_equal(modesp_pool_manager_get_pressure_level(h), MODESP_PRESSURE_NORMAL);
        assert_int_equal(modesp_pool_manager_set_pressure_thresholds(h, 70, 90, 50), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_register_pressure_callback(h, no_change, NULL), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_unregister_pressure_callback(h, no_change, NULL), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_process_pressure_events(h), 0);
        modesp_pool_manager_stats_t st;
        assert_int_equal(modesp_pool_manager_get_stats(h, &st), ESP_ERR_INVALID_ARG);
        assert_int_equal(modesp_pool_manager_reset_stats(h), ESP_ERR_INVALID_ARG);
        int bad_class = 7;
        assert_int_equal(modesp_pool_manager_check_integrity(h, &bad_class, NULL), ESP_ERR_INVALID_ARG);
        assert_int_equal(bad_class, -1);
    }
    /* the callback "registered" above is not in the real list: a real registration succeeds once */
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, no_change, NULL), ESP_OK);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, no_change, NULL), ESP_OK);
    assert_int_equal(counters_sum(), before);
#ifdef CONFIG_MEMORY_POOL_DEFAULT_STRATEGY_SPILL
    assert_int_equal(modesp_pool_manager_get_default_strategy(pm), MODESP_ALLOC_SPILL);
#else
    assert_int_equal(modesp_pool_manager_get_default_strategy(pm), MODESP_ALLOC_STRICT);
#endif
}

static void test_manager_argument_checks(void **state)
{
    (void)state;
    const uint64_t before = counters_sum();
    const modesp_alloc_strategy_t def = modesp_pool_manager_get_default_strategy(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, (modesp_alloc_strategy_t)(MODESP_ALLOC_WAIT + 1), 0),
                     ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_get_default_strategy(pm), def);
    assert_null(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)MODESP_CLASS_COUNT));
    assert_non_null(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)(MODESP_CLASS_COUNT - 1)));
    /* not 0 < release <= warning <= critical <= 100 */
    static const uint8_t wrong[][3] = {{70, 90, 0}, {70, 90, 71}, {91, 90, 50}, {70, 101, 50}};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, wrong[i][0], wrong[i][1], wrong[i][2]),
                         ESP_ERR_INVALID_ARG);
    }
    /* the edges are allowed */
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 100, 100, 100), ESP_OK);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 1, 1, 1), ESP_OK);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL); /* nothing in use */
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, no_change, NULL), ESP_ERR_NOT_FOUND);
    assert_int_equal(modesp_pool_manager_get_stats(pm, NULL), ESP_ERR_INVALID_ARG);
    /* delivery does nothing in an ISR */
    modesp_port_posix_set_isr_context(true);
    assert_int_equal(modesp_pool_manager_process_pressure_events(pm), 0);
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(counters_sum(), before);
}

/* The reserve and each class report their own index; a byte count that does not
 * match the pools is reported for the manager (-1) as COUNT_MISMATCH. */
static void test_manager_integrity_names_what_is_broken(void **state)
{
    (void)state;
    for (int c = 0; c <= MODESP_CLASS_COUNT; c++) {
        modesp_pool_t *p = (modesp_pool_t *)(uintptr_t)(c < MODESP_CLASS_COUNT
                                                            ? modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c)
                                                            : modesp_pool_manager_get_reserve_pool(pm));
        if (p == NULL) {
            continue; /* no reserve in this variant */
        }
        const uint32_t saved = p->peak;
        p->peak = (uint32_t)p->capacity + 1u; /* I3 broken */
        int bad = -2;
        modesp_pool_integrity_t r;
        assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, &r), MODESP_ERR_CORRUPTED);
        assert_int_equal(bad, c);
        assert_int_equal(r.fault, MODESP_POOL_PEAK_INVALID);
        assert_int_equal(modesp_pool_manager_check_integrity(pm, NULL, NULL), MODESP_ERR_CORRUPTED);
        p->peak = saved;
    }
    modesp_manager_.bytes_in_use += 8u;
    int bad = -2;
    modesp_pool_integrity_t r;
    assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, &r), MODESP_ERR_CORRUPTED);
    assert_int_equal(bad, -1);
    assert_int_equal(r.fault, MODESP_POOL_COUNT_MISMATCH);
    assert_int_equal(r.block, UINT32_MAX);
    assert_int_equal(modesp_pool_manager_check_integrity(pm, NULL, NULL), MODESP_ERR_CORRUPTED);
    modesp_manager_.bytes_in_use -= 8u;
    assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, &r), ESP_OK);
    assert_int_equal(bad, -1);
}

static struct {
    int from[16], to[16];
    int n;
} g_seen;

static void log_change(modesp_pressure_level_t o, modesp_pressure_level_t n, uint8_t u, void *ctx)
{
    (void)u;
    (void)ctx;
    if (g_seen.n < 16) {
        g_seen.from[g_seen.n] = (int)o;
        g_seen.to[g_seen.n] = (int)n;
    }
    g_seen.n++;
}

/* Ten changes made in an ISR, none delivered there: the 8-entry ring keeps the
 * last 8, the first 2 are counted in pressure_events_dropped, and the next task
 * call delivers the 8 in order. */
static void test_isr_changes_beyond_the_ring_are_counted_as_dropped(void **state)
{
    (void)state;
    const modesp_size_class_t top = (modesp_size_class_t)(MODESP_CLASS_COUNT - 1);
    const modesp_pool_t *tp = modesp_pool_manager_get_pool(pm, top);
    void *held[64];
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 1, 100, 1), ESP_OK);
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, log_change, NULL), ESP_OK);
    memset(&g_seen, 0, sizeof g_seen);
    modesp_pool_manager_stats_t st0;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st0), ESP_OK);

    modesp_port_posix_set_isr_context(true);
    for (int round = 0; round < 5; round++) { /* NORMAL -> WARNING -> NORMAL, 5 times */
        int n = 0;
        while (modesp_pool_manager_get_overall_utilization(pm) < 1u) {
            assert_true(n < 64 && (uint32_t)n < modesp_pool_capacity(tp));
            held[n] = NULL;
            assert_int_equal(
                modesp_pool_manager_allocate_ex(pm, modesp_pool_block_size(tp), MODESP_ALLOC_STRICT, 0, &held[n]),
                ESP_OK);
            n++;
        }
        assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
        while (n > 0) {
            assert_int_equal(modesp_pool_manager_free(pm, held[--n]), ESP_OK);
        }
        assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    }
    assert_int_equal(g_seen.n, 0); /* nothing is delivered in an ISR */
    modesp_port_posix_set_isr_context(false);

    assert_int_equal(modesp_pool_manager_process_pressure_events(pm), 8);
    assert_int_equal(g_seen.n, 8);
    for (int i = 0; i < 8; i++) { /* changes 3..10: N->W, W->N, ... */
        assert_int_equal(g_seen.from[i], i % 2 == 0 ? MODESP_PRESSURE_NORMAL : MODESP_PRESSURE_WARNING);
        assert_int_equal(g_seen.to[i], i % 2 == 0 ? MODESP_PRESSURE_WARNING : MODESP_PRESSURE_NORMAL);
    }
    modesp_pool_manager_stats_t st1;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st1), ESP_OK);
    assert_int_equal(st1.pressure_changes - st0.pressure_changes, 10);
    assert_int_equal(st1.pressure_events_dropped - st0.pressure_events_dropped, 2);
    assert_int_equal(modesp_pool_manager_process_pressure_events(pm), 0); /* nothing left */
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, log_change, NULL), ESP_OK);
}

/* Pool init refuses each bad argument with the documented code and leaves the pool untouched. */
static void test_pool_init_refusals(void **state)
{
    (void)state;
    enum { BS = 32, N = 4 };
    static _Alignas(MODESP_POOL_ALIGN) uint8_t storage[MODESP_POOL_STORAGE_SIZE(BS, N) + MODESP_POOL_ALIGN];
    static uint32_t meta[N];
    modesp_pool_t p;
    memset(&p, 0x5A, sizeof p);
    const modesp_pool_t untouched = p;
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, NULL, BS, N), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_init(&p, "p", storage + 1, sizeof storage - 1, meta, BS, N), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, 0, N), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, 0x100001u, N), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, BS, 0), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, sizeof storage, meta, BS, MODESP_POOL_MAX_BLOCKS + 1u),
                     ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "p", storage, MODESP_POOL_STORAGE_SIZE(BS, N) - 1u, meta, BS, N),
                     ESP_ERR_INVALID_SIZE);
    assert_memory_equal(&p, &untouched, sizeof p);
    assert_int_equal(modesp_pool_init(&p, "p", storage, MODESP_POOL_STORAGE_SIZE(BS, N), meta, BS, N), ESP_OK);
    assert_int_equal(modesp_pool_capacity(&p), N);
    assert_pool_intact(&p);
}

/* Pointer queries on a pool whose stride is a power of two (mask path) and on one
 * whose stride is not (divide path): NULL, foreign, interior, and the free block. */
static void check_queries(modesp_pool_t *p, size_t stride)
{
    uint8_t *b = modesp_pool_allocate(p);
    assert_non_null(b);
    uint32_t idx = 99;
    static uint8_t elsewhere[64];
    assert_int_equal(modesp_pool_block_index(p, NULL, &idx), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_block_index(p, b, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_block_index(p, elsewhere, &idx), MODESP_ERR_FOREIGN_PTR);
    assert_int_equal(modesp_pool_block_index(p, b + 1, &idx), MODESP_ERR_MISALIGNED_PTR);
    assert_int_equal(modesp_pool_block_index(p, p->storage + stride * modesp_pool_capacity(p), &idx),
                     MODESP_ERR_FOREIGN_PTR); /* one past the last block */
    assert_int_equal(modesp_pool_block_index(p, b, &idx), ESP_OK);
    assert_true(idx < modesp_pool_capacity(p));
    assert_int_equal(modesp_pool_block_tag(p, NULL), -1);
    assert_int_equal(modesp_pool_block_tag(p, b + 1), -1);
    assert_int_equal(modesp_pool_block_tag(p, b), 0);
    assert_false(modesp_pool_contains(p, NULL));
    assert_true(modesp_pool_contains(p, b + 1)); /* contains: inside, block start or not */
    assert_false(modesp_pool_contains(p, elsewhere));
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(p, &st), ESP_OK);
    assert_int_equal(st.null_frees + st.foreign_frees + st.misaligned_frees, 0); /* queries count nothing */
    assert_int_equal(modesp_pool_deallocate(p, b + 1), MODESP_ERR_MISALIGNED_PTR);
    assert_int_equal(modesp_pool_deallocate(p, elsewhere), MODESP_ERR_FOREIGN_PTR);
    assert_int_equal(modesp_pool_deallocate(p, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_deallocate(p, b), ESP_OK);
    assert_int_equal(modesp_pool_block_tag(p, b), -1); /* free now */
    assert_int_equal(modesp_pool_deallocate(p, b), MODESP_ERR_DOUBLE_FREE);
    assert_int_equal(modesp_pool_get_stats(p, &st), ESP_OK);
    assert_int_equal(st.null_frees, 1);
    assert_int_equal(st.foreign_frees, 1);
    assert_int_equal(st.misaligned_frees, 1);
    assert_int_equal(st.double_frees, 1);
    assert_pool_intact(p);
}

static void test_pointer_queries_on_both_stride_kinds(void **state)
{
    (void)state;
    enum { N = 5 };
    static _Alignas(MODESP_POOL_ALIGN) uint8_t pow2_storage[MODESP_POOL_STORAGE_SIZE(MODESP_POOL_ALIGN * 2, N)];
    static _Alignas(MODESP_POOL_ALIGN) uint8_t odd_storage[MODESP_POOL_STORAGE_SIZE(MODESP_POOL_ALIGN * 3, N)];
    static uint32_t meta_a[N], meta_b[N];
    modesp_pool_t a, b;
    assert_int_equal(modesp_pool_init(&a, "pow2", pow2_storage, sizeof pow2_storage, meta_a, MODESP_POOL_ALIGN * 2, N),
                     ESP_OK);
    assert_int_equal(modesp_pool_init(&b, "odd", odd_storage, sizeof odd_storage, meta_b, MODESP_POOL_ALIGN * 3, N),
                     ESP_OK);
    check_queries(&a, MODESP_POOL_STRIDE(MODESP_POOL_ALIGN * 2));
    check_queries(&b, MODESP_POOL_STRIDE(MODESP_POOL_ALIGN * 3));
    modesp_pool_integrity_t r;
    assert_int_equal(modesp_pool_check_integrity_ex(&a, 0x80u, &r), ESP_ERR_INVALID_ARG); /* unknown flag */
    assert_int_equal(r.fault, MODESP_POOL_BAD_MAGIC);
    assert_int_equal(modesp_pool_check_integrity_ex(&a, MODESP_POOL_CHECK_POISON, &r), ESP_OK);
    assert_int_equal(modesp_pool_check_integrity_ex(&a, MODESP_POOL_CHECK_POISON, NULL), ESP_OK);
}

/* Moving a pooled pointer onto itself changes nothing and frees nothing. */
static void test_pooled_move_onto_itself(void **state)
{
    (void)state;
    uint32_t *v = modesp_make_pooled(uint32_t);
    assert_non_null(v);
    *v = 0xC0FFEEu;
    uint32_t *const was = v;
    assert_int_equal(modesp_pooled_move(v, v), ESP_OK);
    assert_ptr_equal(v, was);
    assert_int_equal(*v, 0xC0FFEEu);
    assert_int_equal(modesp_pooled_free(&v), ESP_OK);
    assert_null(v);
}

#define NAME_(code)                                                                                                    \
    {                                                                                                                  \
        code, #code                                                                                                    \
    }
static void test_every_error_code_has_its_own_name(void **state)
{
    (void)state;
    static const struct {
        esp_err_t code;
        const char *name;
    } codes[] = {
        NAME_(ESP_OK),
        NAME_(ESP_FAIL),
        NAME_(ESP_ERR_NO_MEM),
        NAME_(ESP_ERR_INVALID_ARG),
        NAME_(ESP_ERR_INVALID_STATE),
        NAME_(ESP_ERR_INVALID_SIZE),
        NAME_(ESP_ERR_NOT_FOUND),
        NAME_(ESP_ERR_NOT_SUPPORTED),
        NAME_(ESP_ERR_TIMEOUT),
        NAME_(MODESP_ERR_ZERO_SIZE),
        NAME_(MODESP_ERR_FOREIGN_PTR),
        NAME_(MODESP_ERR_MISALIGNED_PTR),
        NAME_(MODESP_ERR_DOUBLE_FREE),
        NAME_(MODESP_ERR_SIZE_MISMATCH),
        NAME_(MODESP_ERR_BAD_POOL),
        NAME_(MODESP_ERR_CORRUPTED),
        NAME_(MODESP_ERR_USE_AFTER_FREE),
        NAME_(MODESP_ERR_FULL),
        NAME_(MODESP_ERR_MANAGED_POOL),
        NAME_(MODESP_ERR_ALREADY_REGISTERED),
        NAME_(MODESP_ERR_BAD_TOPIC),
        NAME_(MODESP_ERR_BAD_PATTERN),
        NAME_(MODESP_ERR_TOO_MANY_FIELDS),
        NAME_(MODESP_ERR_BAD_FIELD),
        NAME_(MODESP_ERR_EVENT_TOO_LARGE),
        NAME_(MODESP_ERR_QUEUE_FULL),
        NAME_(MODESP_ERR_SUBSCRIBER_FULL),
        NAME_(MODESP_ERR_FILTERED),
        NAME_(MODESP_ERR_WRONG_TYPE),
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        assert_string_equal(modesp_err_to_name(codes[i].code), codes[i].name);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i].code, codes[j].code); /* distinct codes */
        }
    }
    assert_string_equal(modesp_err_to_name(MODESP_ERR_MEMPOOL_BASE + 0xFF), "UNKNOWN_ERROR");
}

static void test_every_integrity_fault_has_its_own_name(void **state)
{
    (void)state;
    static const struct {
        modesp_pool_fault_t fault;
        const char *name;
    } faults[] = {
        {MODESP_POOL_OK, "OK"},
        {MODESP_POOL_BAD_MAGIC, "BAD_MAGIC"},
        {MODESP_POOL_BAD_INDEX, "BAD_INDEX"},
        {MODESP_POOL_CYCLE, "CYCLE"},
        {MODESP_POOL_FREE_MARKED_USED, "FREE_MARKED_USED"},
        {MODESP_POOL_LOST_BLOCK, "LOST_BLOCK"},
        {MODESP_POOL_COUNT_MISMATCH, "COUNT_MISMATCH"},
        {MODESP_POOL_PEAK_INVALID, "PEAK_INVALID"},
        {MODESP_POOL_POISON_DAMAGED, "POISON_DAMAGED"},
        {MODESP_POOL_BAD_STATE, "BAD_STATE"},
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        assert_string_equal(modesp_pool_fault_name(faults[i].fault), faults[i].name);
    }
    assert_string_equal(modesp_pool_fault_name((modesp_pool_fault_t)99), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_manager_calls_refuse_a_handle_that_is_not_the_manager, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manager_argument_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manager_integrity_names_what_is_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isr_changes_beyond_the_ring_are_counted_as_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_init_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pointer_queries_on_both_stride_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pooled_move_onto_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_error_code_has_its_own_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_integrity_fault_has_its_own_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
