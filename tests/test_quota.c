/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-owner quotas (modesp_memory_diagnostics_set_quota, Kconfig
 * MEMORY_DIAG_OWNER_QUOTAS; the `quota` variant): a cap refuses the owner's
 * further requests, a floor refuses the other owners' requests that would
 * eat into it, both with MODESP_ERR_QUOTA and counted per owner and in the
 * snapshot, text report and JSON; refused requests touch no pool. Scripted
 * sequences on the default classes (LARGE 16 x 256 B, XLARGE 8 x 512 B) and
 * a fake clock. Without quotas compiled in, the calls say NOT_SUPPORTED.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"
#include "test_support.h"

#define LARGE_BYTES  200u /* a LARGE request (256-byte class) */
#define XLARGE_BYTES 400u /* an XLARGE request (512-byte class) */

static uint64_t s_now_us;
static uint64_t fake_clock(void) { return s_now_us; }

static modesp_pool_manager_t *pm(void) { return modesp_get_pool_manager(); }

static int setup(void **state)
{
    (void)state;
    s_now_us = 5000000u;
    modesp_port_posix_set_clock(fake_clock);
    modesp_memory_diagnostics_reset_tracing(); /* owners, records and quotas */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_isr_context(false);
    (void)modesp_memory_diagnostics_set_owner(NULL);
    modesp_port_posix_set_clock(NULL);
    assert_manager_clean(); /* every pool intact, nothing left */
    return 0;
}

static void test_error_code_is_distinct(void **state)
{
    (void)state;
    assert_string_equal(modesp_err_to_name(MODESP_ERR_QUOTA), "MODESP_ERR_QUOTA");
    const esp_err_t others[] = {ESP_ERR_NO_MEM, MODESP_ERR_FULL, MODESP_ERR_ALREADY_REGISTERED, MODESP_ERR_BAD_TOPIC};
    for (size_t i = 0u; i < sizeof others / sizeof others[0]; i++) {
        assert_int_not_equal(MODESP_ERR_QUOTA, others[i]);
    }
}

#if MODESP_ADMISSION

static modesp_memory_diagnostics_t s_diag;

static const modesp_pool_t *class_pool(modesp_size_class_t c) { return modesp_pool_manager_get_pool(pm(), c); }

static void free_all(void **blocks, size_t n)
{
    for (size_t i = 0u; i < n; i++) {
        if (blocks[i] != NULL) {
            assert_int_equal(modesp_pool_manager_free(pm(), blocks[i]), ESP_OK);
            blocks[i] = NULL;
        }
    }
}

/* Runs first: no diagnostics object yet, so no tracing records to count blocks with. */
static void test_quota_needs_diagnostics(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota("early", 0, 1), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_memory_diagnostics_init(&s_diag, pm()), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_set_quota("early", 0, 1), ESP_OK);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota(NULL, 0, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_set_quota("", 0, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_set_quota("x", 3, 2), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_quota_refusals(NULL, NULL), 0);
}

static void test_cap_refuses_the_owner_only(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota("noisy", 0, 3), ESP_OK);
    void *mine[4] = {NULL};
    (void)modesp_memory_diagnostics_set_owner("noisy");
    /* the cap counts blocks of every class together */
    mine[0] = modesp_pool_manager_allocate(pm(), 10u);
    mine[1] = modesp_pool_manager_allocate(pm(), LARGE_BYTES);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm(), XLARGE_BYTES, MODESP_ALLOC_STRICT, 0, &mine[2]), ESP_OK);
    assert_non_null(mine[0]);
    assert_non_null(mine[1]);
    assert_non_null(mine[2]);

    const modesp_pool_t *large = class_pool(MODESP_CLASS_LARGE);
    modesp_pool_stats_t before;
    assert_int_equal(modesp_pool_get_stats(large, &before), ESP_OK);
    assert_null(modesp_pool_manager_allocate(pm(), LARGE_BYTES));
    void *p = (void *)1;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm(), LARGE_BYTES, MODESP_ALLOC_SPILL, 0, &p), MODESP_ERR_QUOTA);
    assert_null(p);
    assert_null(modesp_pool_manager_allocate_critical(pm(), LARGE_BYTES));
    assert_null(modesp_pool_manager_allocate_at(pm(), 8u, __FILE__, __LINE__));

    /* a refusal touches no pool: not a pool failure, nothing taken */
    modesp_pool_stats_t after;
    assert_int_equal(modesp_pool_get_stats(large, &after), ESP_OK);
    assert_int_equal(after.in_use, before.in_use);
    assert_int_equal(after.alloc_failures, before.alloc_failures);
    assert_int_equal(after.exhausted, before.exhausted);

    uint32_t cap = 0u;
    uint32_t floor = 0u;
    assert_int_equal(modesp_memory_diagnostics_quota_refusals(&cap, &floor), 4);
    assert_int_equal(cap, 4);
    assert_int_equal(floor, 0);

    /* another owner is not capped */
    (void)modesp_memory_diagnostics_set_owner("quiet");
    mine[3] = modesp_pool_manager_allocate(pm(), LARGE_BYTES);
    assert_non_null(mine[3]);

    /* a release lets the capped owner allocate again, up to the cap */
    (void)modesp_memory_diagnostics_set_owner("noisy");
    assert_int_equal(modesp_pool_manager_free(pm(), mine[1]), ESP_OK);
    mine[1] = modesp_pool_manager_allocate(pm(), LARGE_BYTES);
    assert_non_null(mine[1]);
    assert_null(modesp_pool_manager_allocate(pm(), LARGE_BYTES));

    modesp_diag_owner_stats_t own[4];
    const size_t n = modesp_memory_diagnostics_get_owners(own, 4);
    bool seen = false;
    for (size_t i = 0u; i < n && i < 4u; i++) {
        if (strcmp(own[i].name, "noisy") == 0) {
            seen = true;
            assert_int_equal(own[i].quota_cap, 3);
            assert_int_equal(own[i].quota_floor, 0);
            assert_int_equal(own[i].quota_refusals, 5);
            assert_int_equal(own[i].blocks_in_use, 3);
        } else if (strcmp(own[i].name, "quiet") == 0) {
            assert_int_equal(own[i].quota_cap, MODESP_DIAG_NO_CAP);
            assert_int_equal(own[i].quota_refusals, 0);
        }
    }
    assert_true(seen);

    /* removing the cap (floor 0, no cap) admits everything again */
    assert_int_equal(modesp_memory_diagnostics_set_quota("noisy", 0, MODESP_DIAG_NO_CAP), ESP_OK);
    void *more = modesp_pool_manager_allocate(pm(), LARGE_BYTES);
    assert_non_null(more);
    assert_int_equal(modesp_pool_manager_free(pm(), more), ESP_OK);
    free_all(mine, 4);
    assert_int_equal(modesp_memory_diagnostics_quota_refusals(NULL, NULL), 5);
}

static void test_floor_keeps_blocks_for_its_owner(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota("critical", 5, MODESP_DIAG_NO_CAP), ESP_OK);
    void *other[8] = {NULL};
    void *crit[8] = {NULL};
    const size_t xl_cap = modesp_pool_capacity(class_pool(MODESP_CLASS_XLARGE));
    assert_int_equal(xl_cap, 8);

    /* others may take XLARGE blocks only while more than the unmet floor (5) stay free */
    (void)modesp_memory_diagnostics_set_owner("other");
    for (size_t i = 0u; i < 3u; i++) {
        assert_int_equal(modesp_pool_manager_allocate_ex(pm(), XLARGE_BYTES, MODESP_ALLOC_STRICT, 0, &other[i]),
                         ESP_OK);
    }
    void *p = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm(), XLARGE_BYTES, MODESP_ALLOC_STRICT, 0, &p), MODESP_ERR_QUOTA);
    assert_null(modesp_pool_manager_allocate(pm(), XLARGE_BYTES));
    uint32_t cap = 0u;
    uint32_t floor = 0u;
    (void)modesp_memory_diagnostics_quota_refusals(&cap, &floor);
    assert_int_equal(cap, 0);
    assert_int_equal(floor, 2);

    /* the critical owner gets its whole floor */
    (void)modesp_memory_diagnostics_set_owner("critical");
    for (size_t i = 0u; i < 5u; i++) {
        crit[i] = modesp_pool_manager_allocate(pm(), XLARGE_BYTES);
        assert_non_null(crit[i]);
    }
    /* the class is empty now: a plain exhaustion, not a quota refusal */
    (void)modesp_memory_diagnostics_set_owner("other");
    assert_int_equal(modesp_pool_manager_allocate_ex(pm(), XLARGE_BYTES, MODESP_ALLOC_STRICT, 0, &p), ESP_ERR_NO_MEM);

    /* the critical owner gives 2 back: its floor is unmet by 2, and exactly 2 are free: still kept */
    (void)modesp_memory_diagnostics_set_owner("critical");
    assert_int_equal(modesp_pool_manager_free(pm(), crit[3]), ESP_OK);
    assert_int_equal(modesp_pool_manager_free(pm(), crit[4]), ESP_OK);
    crit[3] = crit[4] = NULL;
    (void)modesp_memory_diagnostics_set_owner("other");
    assert_null(modesp_pool_manager_allocate(pm(), XLARGE_BYTES));

    /* the floor holds in every class: LARGE (16) lets others take 14 and keeps the 2 still unmet */
    void *large[16] = {NULL};
    for (size_t i = 0u; i < 14u; i++) {
        large[i] = modesp_pool_manager_allocate(pm(), LARGE_BYTES);
    }
    size_t got = 0u;
    for (size_t i = 0u; i < 14u; i++) {
        got += large[i] != NULL ? 1u : 0u;
    }
    assert_int_equal(got, 16u - 2u); /* floor unmet by 2 now: 14 of 16 */
    assert_null(modesp_pool_manager_allocate(pm(), LARGE_BYTES));
    (void)modesp_memory_diagnostics_quota_refusals(&cap, &floor);
    assert_int_equal(floor, 4);

    /* a floor owner above its floor is an ordinary owner again */
    (void)modesp_memory_diagnostics_set_owner("critical");
    for (size_t i = 3u; i < 5u; i++) {
        crit[i] = modesp_pool_manager_allocate(pm(), XLARGE_BYTES);
        assert_non_null(crit[i]);
    }
    assert_int_equal(modesp_pool_manager_free(pm(), large[0]), ESP_OK); /* "other"'s block, freed by anyone */
    large[0] = NULL;
    (void)modesp_memory_diagnostics_set_owner("other");
    large[0] = modesp_pool_manager_allocate(pm(), LARGE_BYTES); /* floor met: no more reservation */
    assert_non_null(large[0]);

    free_all(large, 16);
    free_all(crit, 8);
    free_all(other, 8);
    assert_pool_intact(class_pool(MODESP_CLASS_XLARGE));
    assert_pool_intact(class_pool(MODESP_CLASS_LARGE));
}

static void test_owner_null_and_overlong_tags(void **state)
{
    (void)state;
    char longer[MODESP_DIAG_OWNER_LEN + 16];
    memset(longer, 'q', sizeof longer - 1u);
    longer[sizeof longer - 1u] = '\0';
    /* the tag is truncated like set_owner's, so the same long tag names the same owner */
    assert_int_equal(modesp_memory_diagnostics_set_quota(longer, 0, 1), ESP_OK);
    (void)modesp_memory_diagnostics_set_owner(longer);
    void *a = modesp_pool_manager_allocate(pm(), 16u);
    assert_non_null(a);
    assert_null(modesp_pool_manager_allocate(pm(), 16u));
    assert_int_equal(strlen(modesp_memory_diagnostics_get_owner()), MODESP_DIAG_OWNER_LEN - 1u);

    /* a task with a NULL owner is "-", which has no quota here */
    (void)modesp_memory_diagnostics_set_owner(NULL);
    void *b = modesp_pool_manager_allocate(pm(), 16u);
    void *c = modesp_pool_manager_allocate(pm(), 16u);
    assert_non_null(b);
    assert_non_null(c);
    void *blocks[3] = {a, b, c};
    free_all(blocks, 3);
    assert_int_equal(modesp_memory_diagnostics_quota_refusals(NULL, NULL), 1);
}

static void test_owner_table_full(void **state)
{
    (void)state;
    char name[16];
    for (uint32_t i = 1u; i < MODESP_DIAG_MAX_OWNERS; i++) { /* entry 0 is "-" */
        (void)snprintf(name, sizeof name, "mod%u", (unsigned)i);
        assert_int_not_equal(modesp_memory_diagnostics_set_owner(name), 0);
    }
    const uint32_t dropped = modesp_memory_diagnostics_owners_dropped();
    assert_int_equal(modesp_memory_diagnostics_set_quota("one_too_many", 0, 1), MODESP_ERR_FULL);
    assert_int_equal(modesp_memory_diagnostics_owners_dropped(), dropped + 1u);
    assert_int_equal(modesp_memory_diagnostics_set_quota("mod1", 0, 1), ESP_OK); /* a known owner still works */
}

static void test_isr_allocations_belong_to_dash(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota("-", 0, 2), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_set_quota("critical", 7, MODESP_DIAG_NO_CAP), ESP_OK);
    (void)modesp_memory_diagnostics_set_owner("task"); /* an ISR does not use the interrupted task's owner */
    modesp_port_posix_set_isr_context(true);
    void *isr[3] = {NULL};
    isr[0] = modesp_pool_manager_allocate(pm(), 16u);
    isr[1] = modesp_pool_manager_allocate(pm(), 16u);
    assert_non_null(isr[0]);
    assert_non_null(isr[1]);
    assert_null(modesp_pool_manager_allocate(pm(), 16u)); /* "-" at its cap */
    modesp_port_posix_set_isr_context(false);

    /* the task's own owner is not capped */
    isr[2] = modesp_pool_manager_allocate(pm(), 16u);
    assert_non_null(isr[2]);
    uint32_t cap = 0u;
    uint32_t floor = 0u;
    (void)modesp_memory_diagnostics_quota_refusals(&cap, &floor);
    assert_int_equal(cap, 1);
    assert_int_equal(floor, 0);

    /* an ISR may not eat into another owner's floor either: XLARGE has 8, "critical" keeps 7 */
    assert_int_equal(modesp_memory_diagnostics_set_quota("-", 0, MODESP_DIAG_NO_CAP), ESP_OK);
    modesp_port_posix_set_isr_context(true);
    void *x = modesp_pool_manager_allocate(pm(), XLARGE_BYTES);
    assert_non_null(x);
    assert_null(modesp_pool_manager_allocate(pm(), XLARGE_BYTES));
    modesp_port_posix_set_isr_context(false);
    (void)modesp_memory_diagnostics_quota_refusals(&cap, &floor);
    assert_int_equal(floor, 1);

    modesp_diag_owner_stats_t own[MODESP_DIAG_MAX_OWNERS];
    const size_t n = modesp_memory_diagnostics_get_owners(own, MODESP_DIAG_MAX_OWNERS);
    bool seen = false;
    for (size_t i = 0u; i < n; i++) {
        if (strcmp(own[i].name, "-") == 0) {
            seen = true;
            assert_int_equal(own[i].blocks_in_use, 3); /* the ISR's blocks */
            assert_int_equal(own[i].quota_refusals, 2);
        }
    }
    assert_true(seen);
    assert_int_equal(modesp_pool_manager_free(pm(), x), ESP_OK);
    free_all(isr, 3);
}

static void test_counters_in_snapshot_report_and_json(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota("noisy", 0, 1), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_set_quota("critical", 6, 9), ESP_OK);
    (void)modesp_memory_diagnostics_set_owner("noisy");
    void *a = modesp_pool_manager_allocate(pm(), 16u);
    assert_non_null(a);
    assert_null(modesp_pool_manager_allocate(pm(), 16u)); /* cap */
    (void)modesp_memory_diagnostics_set_owner("other");
    void *b = modesp_pool_manager_allocate(pm(), XLARGE_BYTES);
    void *c = modesp_pool_manager_allocate(pm(), XLARGE_BYTES);
    assert_non_null(b);
    assert_non_null(c);
    assert_null(modesp_pool_manager_allocate(pm(), XLARGE_BYTES)); /* 6 free, 6 kept */
    assert_null(modesp_pool_manager_allocate(pm(), XLARGE_BYTES));

    modesp_diag_snapshot_t snap;
    assert_int_equal(modesp_memory_diagnostics_snapshot(&s_diag, &snap), ESP_OK);
    assert_int_equal(snap.quota_cap_refusals, 1);
    assert_int_equal(snap.quota_floor_refusals, 2);

    capture_t cap = {{0}, 0u};
    assert_int_equal(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_OWNERS, 0, capture_line, &cap), ESP_OK);
    assert_non_null(strstr(cap.text, "quotas: 1 refused at a cap, 2 for another owner's floor\n"));
    assert_non_null(strstr(cap.text, "  noisy            floor 0 cap 1 held 1 refused 1\n"));
    assert_non_null(strstr(cap.text, "  critical         floor 6 cap 9 held 0 refused 0\n"));
    assert_non_null(strstr(cap.text, "  other            floor 0 cap none held 2 refused 2\n"));

    char json[8192];
    assert_int_equal(modesp_memory_diagnostics_to_json(&snap, json, sizeof json, NULL), ESP_OK);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(root, "quotas");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(q, "cap_refusals")->valuedouble, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(q, "floor_refusals")->valuedouble, 2);
    const cJSON *owner = NULL;
    int checked = 0;
    cJSON_ArrayForEach(owner, cJSON_GetObjectItemCaseSensitive(root, "owners"))
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(owner, "name")->valuestring;
        const cJSON *qcap = cJSON_GetObjectItemCaseSensitive(owner, "quota_cap");
        if (strcmp(name, "critical") == 0) {
            assert_int_equal(cJSON_GetObjectItemCaseSensitive(owner, "quota_floor")->valuedouble, 6);
            assert_int_equal(qcap->valuedouble, 9);
            checked++;
        } else if (strcmp(name, "other") == 0) {
            assert_true(cJSON_IsNull(qcap));
            assert_int_equal(cJSON_GetObjectItemCaseSensitive(owner, "quota_refusals")->valuedouble, 2);
            checked++;
        }
    }
    assert_int_equal(checked, 2);
    cJSON_Delete(root);
    void *blocks[3] = {a, b, c};
    free_all(blocks, 3);
}

#else /* quotas compiled out */

static void test_quotas_compiled_out(void **state)
{
    (void)state;
    assert_int_equal(modesp_memory_diagnostics_set_quota("noisy", 0, 1), ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(modesp_admission_set_hook(NULL), ESP_ERR_NOT_SUPPORTED);
    uint32_t cap = 7u;
    uint32_t floor = 7u;
    assert_int_equal(modesp_memory_diagnostics_quota_refusals(&cap, &floor), 0);
    assert_int_equal(cap, 0);
    assert_int_equal(floor, 0);
    /* and the allocation path admits everything */
    (void)modesp_memory_diagnostics_set_owner("noisy");
    void *p = modesp_pool_manager_allocate(pm(), 16u);
    assert_non_null(p);
    assert_int_equal(modesp_pool_manager_free(pm(), p), ESP_OK);
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error_code_is_distinct, setup, teardown),
#if MODESP_ADMISSION
        cmocka_unit_test_setup_teardown(test_quota_needs_diagnostics, setup, teardown), /* first: before any init */
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_refuses_the_owner_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_floor_keeps_blocks_for_its_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_null_and_overlong_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_table_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isr_allocations_belong_to_dash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_in_snapshot_report_and_json, setup, teardown),
#else
        cmocka_unit_test_setup_teardown(test_quotas_compiled_out, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
