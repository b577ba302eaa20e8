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

/* ------------------------------------------------ two-slot area, torn writes */

/* CRC-32 (IEEE, reflected) of the bytes before `crc`: the test's own, to forge records with chosen fields. */
static void reseal(modesp_diag_postmortem_t *r)
{
    const uint8_t *p = (const uint8_t *)r;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0u; i < offsetof(modesp_diag_postmortem_t, crc); i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    r->crc = ~crc;
}

static modesp_diag_postmortem_area_t s_two;

/* The record a begin on `area` reads back (asserting one is found). */
static modesp_diag_postmortem_t read_back(const modesp_diag_postmortem_area_t *area, esp_err_t *err)
{
    modesp_diag_postmortem_area_t copy = *area; /* begin re-arms: read a copy, the area stays as it was */
    modesp_diag_postmortem_t prev;
    memset(&prev, 0, sizeof prev);
    *err = modesp_memory_diagnostics_postmortem_area_begin(&copy, &prev);
    return prev;
}

/*
 * A write of `after` over `before` that a reset cut after `cut` bytes of the
 * slot that changed (the other slot is byte-for-byte the same in both):
 * prefix order (a memcpy), and suffix order (a writer going backwards).
 */
static void tear(const modesp_diag_postmortem_area_t *before, const modesp_diag_postmortem_area_t *after, size_t cut,
                 bool from_end, modesp_diag_postmortem_area_t *out)
{
    *out = *before;
    int changed = -1;
    for (int k = 0; k < 2; k++) {
        if (memcmp(&before->slot[k], &after->slot[k], sizeof before->slot[k]) != 0) {
            assert_int_equal(changed, -1); /* a save writes one slot only */
            changed = k;
        }
    }
    assert_int_not_equal(changed, -1);
    uint8_t *dst = (uint8_t *)&out->slot[changed];
    const uint8_t *src = (const uint8_t *)&after->slot[changed];
    const size_t size = sizeof out->slot[changed];
    if (from_end) {
        memcpy(dst + size - cut, src + size - cut, cut);
    } else {
        memcpy(dst, src, cut);
    }
}

/* Every cut of the write from `before` to `after` reads back `before`'s newest record or, complete, `after`'s. */
static void check_every_cut(const modesp_diag_postmortem_area_t *before, const modesp_diag_postmortem_area_t *after)
{
    esp_err_t err = ESP_FAIL;
    const modesp_diag_postmortem_t old_rec = read_back(before, &err);
    assert_int_equal(err, ESP_OK);
    const modesp_diag_postmortem_t new_rec = read_back(after, &err);
    assert_int_equal(err, ESP_OK);
    assert_int_not_equal(old_rec.seq, new_rec.seq);
    static modesp_diag_postmortem_area_t torn;
    uint32_t old_seen = 0u;
    uint32_t new_seen = 0u;
    for (int from_end = 0; from_end < 2; from_end++) {
        for (size_t cut = 0u; cut <= sizeof(modesp_diag_postmortem_t); cut++) {
            tear(before, after, cut, from_end != 0, &torn);
            const modesp_diag_postmortem_t got = read_back(&torn, &err);
            if (err != ESP_OK) {
                print_error("cut at byte %zu (%s): no record (%s)\n", cut, from_end ? "from the end" : "prefix",
                            modesp_err_to_name(err));
                fail();
            }
            if (memcmp(&got, &old_rec, sizeof got) == 0) {
                old_seen++;
            } else if (memcmp(&got, &new_rec, sizeof got) == 0) {
                new_seen++;
            } else {
                print_error("cut at byte %zu: a record that is neither the old nor the new one\n", cut);
                fail();
            }
        }
    }
    /* the full write reads the new record; a cut before the last changed byte the old one */
    assert_true(new_seen >= 2u);
    assert_true(old_seen >= 2u * 100u);
}

static void test_two_slot_area_survives_a_torn_save_at_every_byte(void **state)
{
    (void)state;
    s_now_us = 0u;
    modesp_port_posix_set_clock(fake_clock);
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const modesp_alloc_strategy_t saved = modesp_pool_manager_get_default_strategy(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0), ESP_OK);
    static modesp_memory_diagnostics_t diag;
    reboot(&diag);

    /* power-on garbage: nothing found, armed as boot 1 */
    memset(&s_two, 0x5A, sizeof s_two);
    modesp_diag_postmortem_t prev;
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_begin(&s_two, &prev), ESP_ERR_NOT_FOUND);
    esp_err_t err = ESP_FAIL;
    modesp_diag_postmortem_t now = read_back(&s_two, &err);
    assert_int_equal(err, ESP_OK);
    assert_int_equal(now.boot, 1);

    /* saves alternate between the slots, each a cut-proof step from the one before */
    static modesp_diag_postmortem_area_t before;
    for (uint32_t i = 0u; i < 3u; i++) {
        before = s_two;
        s_now_us += 1000000u;
        assert_int_equal(modesp_memory_diagnostics_postmortem_area_save(&diag, &s_two), ESP_OK);
        now = read_back(&s_two, &err);
        assert_int_equal(err, ESP_OK);
        assert_int_equal(now.saves, i + 1u);
        assert_int_equal(now.uptime_us, s_now_us);
        check_every_cut(&before, &s_two);
    }

    /* the next boot's arming is cut-proof too, and reads the last save */
    before = s_two;
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_begin(&s_two, &prev), ESP_OK);
    assert_int_equal(prev.boot, 1);
    assert_int_equal(prev.saves, 3);
    check_every_cut(&before, &s_two);
    now = read_back(&s_two, &err);
    assert_int_equal(now.boot, 2);
    assert_int_equal(now.saves, 0);

    /* sequence numbers wrap: a save after 0xFFFFFFFF writes 0, which is the newer */
    static modesp_diag_postmortem_area_t wrap;
    wrap = s_two;
    const int top = (int32_t)(wrap.slot[1].seq - wrap.slot[0].seq) > 0 ? 1 : 0;
    wrap.slot[top].seq = 0xFFFFFFFFu;
    wrap.slot[1 - top].seq = 0xFFFFFFFEu;
    reseal(&wrap.slot[0]);
    reseal(&wrap.slot[1]);
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_save(&diag, &wrap), ESP_OK);
    assert_int_equal(wrap.slot[1 - top].seq, 0u);
    now = read_back(&wrap, &err);
    assert_int_equal(err, ESP_OK);
    assert_int_equal(now.seq, 0u);
    assert_int_equal(now.saves, 1); /* the save of the armed boot-2 record, not the older slot */

    /* damage: both slots broken reads as corrupted, one broken slot falls back to the other */
    s_two = before;
    const int newest = (int32_t)(s_two.slot[1].seq - s_two.slot[0].seq) > 0 ? 1 : 0;
    s_two.slot[newest].class_bytes ^= 1u;
    now = read_back(&s_two, &err);
    assert_int_equal(err, ESP_OK);
    assert_int_equal(now.saves, 2); /* the save before the last */
    s_two.slot[1 - newest].class_bytes ^= 1u;
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_begin(&s_two, &prev), MODESP_ERR_CORRUPTED);
    now = read_back(&s_two, &err);
    assert_int_equal(err, ESP_OK);
    assert_int_equal(now.boot, 1); /* re-armed from nothing */

    /* errors */
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_begin(NULL, &prev), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_save(NULL, &s_two), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_save(&diag, NULL), ESP_ERR_INVALID_ARG);
    static modesp_diag_postmortem_area_t unarmed;
    assert_int_equal(modesp_memory_diagnostics_postmortem_area_save(&diag, &unarmed), ESP_ERR_INVALID_STATE);

    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, saved, 0), ESP_OK);
    modesp_memory_diagnostics_reset_tracing();
    modesp_port_posix_set_clock(NULL);
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_survives_a_reboot_and_adds_up_over_boots),
        cmocka_unit_test(test_two_slot_area_survives_a_torn_save_at_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
