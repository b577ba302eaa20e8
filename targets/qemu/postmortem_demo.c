/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Post-mortem demo on the Cortex-M4 QEMU image (make qemu-test): boot 1
 * finds no record, runs a workload that exhausts the XLARGE class (two
 * failed requests with their call sites), evaluates the health verdict,
 * saves the post-mortem record into .noinit RAM, and resets the machine
 * through SCB->AIRCR.SYSRESETREQ (QEMU resets the CPU and reloads the image,
 * but does not clear RAM). Boot 2 finds the record, prints the previous
 * boot's report, checks every figure against what boot 1 did, and passes.
 * The record lives in a two-slot area (modesp_diag_postmortem_area_t), so a
 * reset in the middle of a save would still leave the save before it. Boot 2
 * also renders the text report with 64-bit figures through newlib-nano's
 * printf and checks them digit for digit.
 *
 * Linked with cortex_m/mps2_an386_noinit.ld, which places .noinit in RAM as
 * NOLOAD ahead of .data and .bss.
 */
#include <stdint.h>
#include <string.h>

#include "modesp/memory_diagnostics.h"
#include "mp_llsc.h" /* private: the pop variant fixed_pool.o was built with (MODESP_POOL_LLSC_STATS) */
#include "console.h"
#include "selftest.h"

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

static MODESP_DIAG_NOINIT_ATTR modesp_diag_postmortem_area_t s_pm; /* two slots: a torn save keeps the last one */

/* Checks: CHECK of console.h, counted there for the RESULT line. */

static void line_out(const char *line, void *ctx)
{
    (void)ctx;
    out("  | ");
    out(line);
    out("\n");
}

void selftest_timer_isr(void) {}

/* The call sites boot 2 expects, fixed here so that both boots agree (same image). */
#define FAIL_LINE_1 501
#define FAIL_LINE_2 502

static void report_pop_variant(void)
{
#ifdef MODESP_POOL_LLSC_STATS
    out("pop: ");
    out(modesp_pool_pop_variant);
    out("\n");
#else
    out("pop: (build without -DMODESP_POOL_LLSC_STATS)\n");
#endif
}

/* Boot 1: a workload that exhausts XLARGE, the verdict, the save, the reset. */
__attribute__((noreturn)) static void first_boot(void)
{
    static modesp_memory_diagnostics_t diag;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    CHECK(modesp_memory_diagnostics_init(&diag, pm) == ESP_OK);
    CHECK(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0) == ESP_OK);
    (void)modesp_memory_diagnostics_set_owner("radio");
    for (uint32_t i = 0; i < CONFIG_MEMORY_POOL_XLARGE_COUNT; i++) {
        CHECK(MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_XLARGE_SIZE) != NULL); /* held when the reset comes */
    }
    CHECK(modesp_memory_diagnostics_allocate_at(pm, 300, "src/radio/tx_queue.c", FAIL_LINE_1) == NULL);
    CHECK(modesp_memory_diagnostics_allocate_at(pm, 400, "src/radio/tx_queue.c", FAIL_LINE_2) == NULL);
    for (volatile uint32_t spin = 0; spin < 200000u; spin = spin + 1u) {
        /* let the clock run: the record's uptime */
    }
    modesp_health_t h;
    CHECK(modesp_memory_diagnostics_health(&diag, &h) == ESP_OK);
    out("boot 1 health: ");
    out(h.summary);
    out("\n");
    CHECK(h.level == MODESP_HEALTH_CRITICAL);
    CHECK(modesp_memory_diagnostics_postmortem_area_save(&diag, &s_pm) == ESP_OK);
    if (check_failures() != 0u) {
        out("boot 1 failed: no reset\n");
        plat_exit(check_result(false));
    }
    out("boot 1: record saved in .noinit, resetting (SCB->AIRCR.SYSRESETREQ)\n");
    __asm volatile("dsb" : : : "memory");
    SCB_AIRCR = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
    __asm volatile("dsb" : : : "memory");
    for (;;) {
    }
}

/* Boot 2: the record of boot 1, figure by figure. */
static void second_boot(const modesp_diag_postmortem_t *prev)
{
    out("boot 2: post-mortem record of the previous boot found:\n");
    CHECK(modesp_memory_diagnostics_postmortem_report(prev, line_out, NULL) == ESP_OK);
    CHECK(prev->boot == 1u);
    CHECK(prev->saves == 1u);
    CHECK(prev->uptime_us > 0u);
    const modesp_diag_pm_class_t *x = &prev->classes[MODESP_CLASS_XLARGE];
    CHECK(x->count == CONFIG_MEMORY_POOL_XLARGE_COUNT);
    CHECK(x->in_use == CONFIG_MEMORY_POOL_XLARGE_COUNT);
    CHECK(x->peak_all_boots == CONFIG_MEMORY_POOL_XLARGE_COUNT);
    CHECK(x->failures == 2u);
    CHECK(prev->failures_kept == 2u);
    CHECK(prev->failures[0].line == FAIL_LINE_2); /* newest first */
    CHECK(prev->failures[0].size == 400u);
    CHECK(prev->failures[1].line == FAIL_LINE_1);
    CHECK(strcmp(prev->failures[0].file, "tx_queue.c") == 0);
    CHECK(strcmp(prev->failures[0].owner, "radio") == 0);
    CHECK(prev->health_level == MODESP_HEALTH_CRITICAL);
    CHECK(strncmp(prev->health_summary, "CRITICAL: ", 10) == 0);
    const modesp_diag_postmortem_t *armed =
        (int32_t)(s_pm.slot[1].seq - s_pm.slot[0].seq) > 0 ? &s_pm.slot[1] : &s_pm.slot[0];
    CHECK(armed->boot == 2u);
    CHECK(armed->classes[MODESP_CLASS_XLARGE].peak_all_boots == CONFIG_MEMORY_POOL_XLARGE_COUNT); /* carried over */
    /* This boot's library starts clean: the reset cleared .bss, the pools are empty. */
    modesp_pool_manager_stats_t ms;
    CHECK(modesp_pool_manager_get_stats(modesp_get_pool_manager(), &ms) == ESP_OK);
    CHECK(ms.bytes_in_use == 0u);
}

/* The text report's 64-bit figures, printed by newlib-nano (this image links nano.specs, whose printf has no
 * %llu: "%llu" prints "lu"). A snapshot with values at and above 2^32 must come out digit for digit. */
static char s_text[1024];
static size_t s_text_len;

static void capture_line(const char *line, void *ctx)
{
    (void)ctx;
    const size_t n = strlen(line);
    if (s_text_len + n + 1u < sizeof s_text) {
        memcpy(&s_text[s_text_len], line, n);
        s_text[s_text_len + n] = '\n';
        s_text_len += n + 1u;
        s_text[s_text_len] = '\0';
    }
    line_out(line, ctx);
}

static void check_u64_printing(void)
{
    static modesp_memory_diagnostics_t diag;
    static modesp_diag_snapshot_t snap;
    CHECK(modesp_memory_diagnostics_init(&diag, modesp_get_pool_manager()) == ESP_OK);
    CHECK(modesp_memory_diagnostics_snapshot(&diag, &snap) == ESP_OK);
    snap.capacity_bytes = 0x123456789ABull;  /* 1250999896491 */
    snap.allocated_bytes = 0x100000000ull;   /* 4294967296: 2^32 */
    snap.peak_bytes = 0xFFFFFFFFFFFFFFFFull; /* 18446744073709551615 */
    out("64-bit figures in the text report (newlib-nano printf):\n");
    CHECK(modesp_memory_diagnostics_report(&snap, MODESP_DIAG_REPORT_TOTALS, 0, capture_line, NULL) == ESP_OK);
    CHECK(strstr(s_text, "1250999896491 B capacity, 4294967296 B allocated") != NULL);
    CHECK(strstr(s_text, "peak 18446744073709551615 B") != NULL);
}

int selftest_main(void)
{
    out("modesp_mempool post-mortem demo on ");
    out(plat_name());
    out("\n");
    plat_timer_start(); /* the library clock */
    modesp_diag_postmortem_t prev;
    const esp_err_t found = modesp_memory_diagnostics_postmortem_area_begin(&s_pm, &prev);
    if (found != ESP_OK) {
        out("boot 1: no post-mortem record (");
        out(modesp_err_to_name(found));
        out(")\n");
        CHECK(s_pm.slot[0].boot == 1u);
        first_boot();
    }
    second_boot(&prev);
    check_u64_printing();
    report_pop_variant();
    return check_result(true);
}
