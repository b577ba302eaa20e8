/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Post-mortem record (src/diag/postmortem.c): a boot saves its figures into
 * an area the next boot reads back. On the host a "reboot" is the next
 * boot's postmortem_begin on the same memory, after the pools are emptied
 * and their counters reset as a real reset would. Power-on garbage, a torn
 * save and a flipped byte must read as no record; the class peaks and
 * failures must add up over boots. The QEMU image (targets/qemu/postmortem_demo.c)
 * shows the same across a real system reset.
 */
#include <stdio.h>
#include <string.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"
#include "test_support.h"

static MODESP_DIAG_NOINIT_ATTR modesp_diag_postmortem_t s_area;

static uint64_t s_now_us;
static uint64_t fake_clock(void) { return s_now_us; }

typedef struct {
    char text[4096];
    size_t len;
} capture_t;

static void capture_line(const char *line, void *ctx)
{
    capture_t *c = ctx;
    const int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s\n", line);
    assert_true(n > 0 && (size_t)n < sizeof c->text - c->len);
    c->len += (size_t)n;
}

/* One boot's work: `held` XLARGE blocks at once, then `fails` failed requests of that class at failing_line. */
static void boot_work(modesp_memory_diagnostics_t *diag, uint32_t held, uint32_t fails, int failing_line)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    static void *blocks[256];
    uint32_t n = 0;
    while (n < held && (blocks[n] = MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_XLARGE_SIZE)) != NULL) {
        n++;
    }
    assert_int_equal(n, held);
    static void *extra[256];
    uint32_t e = 0;
    while (fails > 0 && e + held < CONFIG_MEMORY_POOL_XLARGE_COUNT) { /* fill the class (no failure counted) */
        extra[e] = modesp_pool_manager_allocate(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE);
        assert_non_null(extra[e]);
        e++;
    }
    for (uint32_t i = 0; i < fails; i++) {
        assert_null(modesp_memory_diagnostics_allocate_at(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE - 1u, "src/radio/tx.c",
                                                          failing_line));
    }
    s_now_us += 5000000u;
    modesp_health_t h;
    assert_int_equal(modesp_memory_diagnostics_health(diag, &h), ESP_OK);
    assert_int_equal(modesp_memory_diagnostics_postmortem_save(diag, &s_area), ESP_OK);
    for (uint32_t i = 0; i < e; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, extra[i]), ESP_OK);
    }
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, blocks[i]), ESP_OK);
    }
}

/* What a reset does to the library: the pools empty (freed above) and every counter back to zero. */
static void reboot(modesp_memory_diagnostics_t *diag)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    (void)modesp_pool_manager_process_pressure_events(pm);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    modesp_memory_diagnostics_reset_tracing();
    s_now_us = 0;
    assert_int_equal(modesp_memory_diagnostics_init(diag, pm), ESP_OK);
}

static void test_record_survives_a_reboot_and_adds_up_over_boots(void **state)
{
    (void)state;
    static modesp_memory_diagnostics_t diag;
    modesp_port_posix_set_clock(fake_clock);
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const modesp_alloc_strategy_t saved = modesp_pool_manager_get_default_strategy(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0), ESP_OK);
    const uint32_t cap = CONFIG_MEMORY_POOL_XLARGE_COUNT;

    /* Power-on RAM: anything. No record; the area is armed as boot 1. */
    memset(&s_area, 0xA5, sizeof s_area);
    modesp_diag_postmortem_t prev;
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(&s_area, &prev), ESP_ERR_NOT_FOUND);
    assert_int_equal(s_area.boot, 1);
    reboot(&diag);
    boot_work(&diag, cap, 3, 88); /* boot 1: the class full, 3 failures */

    /* Boot 2 reads boot 1. */
    reboot(&diag);
    memset(&prev, 0, sizeof prev);
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(&s_area, &prev), ESP_OK);
    assert_int_equal(prev.boot, 1);
    assert_int_equal(prev.saves, 1);
    assert_int_equal(prev.uptime_us, 5000000u);
    const modesp_diag_pm_class_t *x = &prev.classes[MODESP_CLASS_XLARGE];
    assert_int_equal(x->block_size, CONFIG_MEMORY_POOL_XLARGE_SIZE);
    assert_int_equal(x->count, cap);
    assert_int_equal(x->in_use, cap);
    assert_int_equal(x->peak, cap);
    assert_int_equal(x->failures, 3);
    assert_int_equal(x->peak_all_boots, cap);
    assert_int_equal(x->failures_all_boots, 3);
    assert_int_equal(prev.class_bytes_in_use, cap * CONFIG_MEMORY_POOL_XLARGE_SIZE);
    assert_int_equal(prev.failures_total, 3);
    assert_int_equal(prev.failures_kept, 3);
    assert_string_equal(prev.failures[0].file, "tx.c"); /* the base name, as text */
    assert_int_equal(prev.failures[0].line, 88);
    assert_int_equal(prev.failures[0].size, CONFIG_MEMORY_POOL_XLARGE_SIZE - 1u);
    assert_int_equal(prev.failures[0].size_class, MODESP_CLASS_XLARGE);
    assert_int_equal(prev.health_level, MODESP_HEALTH_CRITICAL); /* full and failing */
    assert_non_null(strstr(prev.health_summary, "CRITICAL: "));
    assert_int_equal(s_area.boot, 2);
    assert_int_equal(s_area.saves, 0);
    assert_int_equal(s_area.classes[MODESP_CLASS_XLARGE].peak_all_boots, cap); /* carried */
    assert_int_equal(s_area.classes[MODESP_CLASS_XLARGE].peak, 0);

    static capture_t cap_text;
    memset(&cap_text, 0, sizeof cap_text);
    assert_int_equal(modesp_memory_diagnostics_postmortem_report(&prev, capture_line, &cap_text), ESP_OK);
    assert_non_null(strstr(cap_text.text, "previous boot 1: up 5000 ms, 1 saves\n"));
    assert_non_null(strstr(cap_text.text, "health: CRITICAL: "));
    assert_non_null(strstr(cap_text.text, "failed requests: 3 recorded, newest 3:\n"));
    assert_non_null(strstr(cap_text.text, "class XLARGE pressure "));
    assert_non_null(strstr(cap_text.text, " at tx.c:88\n"));

    /* Boot 2: a quieter boot. The all-boots peak stays, failures add up, over two saves. */
    boot_work(&diag, 2, 0, 0);
    boot_work(&diag, 1, 2, 90);
    reboot(&diag);
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(&s_area, &prev), ESP_OK);
    assert_int_equal(prev.boot, 2);
    assert_int_equal(prev.saves, 2);
    x = &prev.classes[MODESP_CLASS_XLARGE];
    assert_int_equal(x->peak, cap); /* the second save filled the class to fail */
    assert_int_equal(x->failures, 2);
    assert_int_equal(x->failures_all_boots, 5);
    assert_int_equal(x->peak_all_boots, cap);
    assert_int_equal(prev.failures[0].line, 90);
    assert_int_equal(s_area.boot, 3);

    /* A flipped byte, a torn save (CRC not written), the wrong size: no record, re-armed as boot 1. */
    s_area.uptime_us ^= 1u;
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(&s_area, NULL), MODESP_ERR_CORRUPTED);
    assert_int_equal(s_area.boot, 1);
    assert_int_equal(s_area.classes[MODESP_CLASS_XLARGE].peak_all_boots, 0);
    s_area.size = 12;
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(&s_area, &prev), MODESP_ERR_CORRUPTED);
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(&s_area, &prev), ESP_OK); /* re-armed: valid */
    assert_int_equal(prev.saves, 0);
    assert_string_equal(prev.health_summary, "");
    memset(&cap_text, 0, sizeof cap_text);
    assert_int_equal(modesp_memory_diagnostics_postmortem_report(&prev, capture_line, &cap_text), ESP_OK);
    assert_non_null(strstr(cap_text.text, "health: (not evaluated)\n"));

    /* Errors. */
    assert_int_equal(modesp_memory_diagnostics_postmortem_begin(NULL, &prev), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_postmortem_save(NULL, &s_area), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_postmortem_save(&diag, NULL), ESP_ERR_INVALID_ARG);
    static modesp_diag_postmortem_t unarmed;
    assert_int_equal(modesp_memory_diagnostics_postmortem_save(&diag, &unarmed), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_memory_diagnostics_postmortem_report(NULL, capture_line, NULL), ESP_ERR_INVALID_ARG);

    (void)modesp_pool_manager_process_pressure_events(pm);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, saved, 0), ESP_OK);
    modesp_memory_diagnostics_reset_tracing();
    modesp_port_posix_set_clock(NULL);
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_survives_a_reboot_and_adds_up_over_boots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
