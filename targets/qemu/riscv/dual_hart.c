/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dual-hart self-test on RV32IMAC (make qemu-test: the rv32imac-virt-dual
 * runs, qemu-system-riscv32 -M virt -smp 2 -accel tcg,thread=multi).
 *
 * ESP32 and ESP32-S3 run the library on two cores at once; the single-hart
 * self-test (selftest.c) only interleaves one main loop with its own
 * interrupt. Here hart 0 and hart 1 each run a main loop and a timer
 * interrupt of their own (their own CLINT compare register), and all four
 * contexts allocate and free from the same fixed pool and the same manager
 * (STRICT, SPILL, WAIT from the main loops, the emergency reserve) and hand
 * blocks to each other across harts. Under multi-threaded TCG the two harts
 * are two host threads, so the pools see truly parallel accesses as well as
 * interrupts landing inside a call.
 *
 * Passes when each hart took at least DUAL_INTERRUPTS interrupts that
 * hammered, no block was ever held by two contexts (owner table and pattern,
 * dual_hammer.c), no free of a held block was refused, every count adds up
 * with the pools' own statistics, the pressure changes were delivered in
 * order (one task at a time, from either hart), and every pool passes its
 * integrity check. It prints the CAS attempts per hart (pause-point hook of
 * the test build) and the LL/SC counters of fixed_pool.o.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../console.h"
#include "../selftest.h"
#include "dual_hammer.h"
#include "hart.h"
#include "modesp/port_baremetal.h"
#include "mp_llsc.h" /* private: the pop variant and LL/SC counters of fixed_pool.o (MODESP_POOL_LLSC_STATS) */
#include "port.h"    /* private: modesp_port_in_isr and the port clock, checked directly */

#if !defined(MODESP_TEST_HOOKS) || !MODESP_TEST_HOOKS
#error "build with -DMODESP_TEST_HOOKS=1: the CAS attempts per hart are counted through the pause hook"
#endif

#ifndef DUAL_INTERRUPTS
#define DUAL_INTERRUPTS 100000u
#endif

/* Checks: CHECK and CHECK_EQ of ../console.h, counted there for the RESULT line (from hart 0 only). */

/* ------------------------------------------------------------------ harts */

static uint32_t s_ticks[DUAL_HARTS];        /* every timer interrupt of the hart */
static uint32_t s_stress_ticks[DUAL_HARTS]; /* those that hammered */
static uint32_t s_stress_on[DUAL_HARTS];
static uint32_t s_not_in_isr[DUAL_HARTS]; /* modesp_port_in_isr() false in an interrupt, or true in main */
static uint32_t s_main_steps[DUAL_HARTS];
static uint32_t s_started[DUAL_HARTS];
static uint32_t s_go;
static uint32_t s_done[DUAL_HARTS];

void selftest_timer_isr(void)
{
    const uint32_t hart = riscv_hart_id();
    if (hart >= DUAL_HARTS) {
        return;
    }
    __atomic_store_n(&s_ticks[hart], s_ticks[hart] + 1u, __ATOMIC_RELAXED);
    if (!modesp_port_in_isr()) {
        s_not_in_isr[hart]++;
    }
    if (__atomic_load_n(&s_stress_on[hart], __ATOMIC_RELAXED) == 0u) {
        return;
    }
    const uint32_t c = hart * 2u + 1u;
    const uint32_t tick = s_stress_ticks[hart];
    dual_ctx[c].landed += dual_inside(c - 1u) ? 1u : 0u;
    dual_step(c);
    dual_step(c);
    if ((tick & 15u) == 0u) {
        dual_post(c, (c + 1u + (tick >> 4) % 3u) % CTX_COUNT, tick >> 4); /* each other context in turn */
    }
    dual_collect(c);
    if ((tick & 63u) == 0u) {
        dual_check_held(c);
    }
    __atomic_store_n(&s_stress_ticks[hart], tick + 1u, __ATOMIC_RELAXED);
}

/* The main loop of either hart, until its own timer has hammered DUAL_INTERRUPTS times. */
static void hammer(uint32_t hart)
{
    const uint32_t c = hart * 2u;
    uint32_t steps = 0;
    __atomic_store_n(&s_stress_on[hart], 1u, __ATOMIC_RELEASE);
    while (__atomic_load_n(&s_stress_ticks[hart], __ATOMIC_RELAXED) < DUAL_INTERRUPTS) {
        dual_step(c);
        steps++;
        if ((steps & 31u) == 0u) {
            dual_post(c, (c + 1u + (steps >> 5) % 3u) % CTX_COUNT, steps >> 5);
        }
        dual_collect(c);
        if ((steps & 255u) == 0u) {
            dual_check_held(c);
            s_not_in_isr[hart] += modesp_port_in_isr() ? 1u : 0u;
        }
    }
    /* The interrupt checks the flag on entry and runs to completion: after this store
     * this hart's interrupt no longer touches the pools. */
    __atomic_store_n(&s_stress_on[hart], 0u, __ATOMIC_RELEASE);
    s_main_steps[hart] = steps;
}

static void hart1_entry(uint32_t hart)
{
    __atomic_store_n(&s_started[hart], 1u, __ATOMIC_RELEASE);
    while (__atomic_load_n(&s_go, __ATOMIC_ACQUIRE) == 0u) {
    }
    plat_timer_start(); /* this hart's own compare register */
    hammer(hart);
    riscv_timer_stop();
    __atomic_store_n(&s_done[hart], 1u, __ATOMIC_RELEASE); /* publishes everything this hart's contexts wrote */
}

/* Sleep (the timer wakes hart 0) until *flag is set or `seconds` have passed. */
static bool wait_flag(const uint32_t *flag, uint32_t seconds)
{
    const uint64_t deadline = modesp_port_time_us() + (uint64_t)seconds * 1000000u;
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0u) {
        if (modesp_port_time_us() > deadline) {
            return false;
        }
        __asm volatile("wfi");
    }
    return true;
}

/* ------------------------------------------------------------------ pressure */

static uint32_t s_pressure_calls;
static uint32_t s_pressure_breaks; /* a change whose `from` is not the previous change's `to` */
static uint32_t s_pressure_in_isr;
static uint32_t s_last_to;

/* Delivery holds the manager's try-lock: calls from the two harts never overlap. */
static void on_pressure(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)util;
    (void)ctx;
    if ((uint32_t)from != __atomic_load_n(&s_last_to, __ATOMIC_RELAXED)) {
        __atomic_store_n(&s_pressure_breaks, s_pressure_breaks + 1u, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&s_last_to, (uint32_t)to, __ATOMIC_RELAXED);
    __atomic_store_n(&s_pressure_calls, s_pressure_calls + 1u, __ATOMIC_RELAXED);
    if (modesp_port_in_isr()) {
        s_pressure_in_isr++;
    }
}

/* ------------------------------------------------------------------ report */

static const char *const CTX_NAME[CTX_COUNT] = {"hart 0 main", "hart 0 isr ", "hart 1 main", "hart 1 isr "};

static uint32_t sum(size_t offset)
{
    uint32_t total = 0;
    for (uint32_t c = 0; c < CTX_COUNT; c++) {
        total += *(const uint32_t *)(const void *)((const uint8_t *)&dual_ctx[c] + offset);
    }
    return total;
}
#define SUM(field) sum(offsetof(dual_ctx_t, field))

static void report_contexts(void)
{
    for (uint32_t c = 0; c < CTX_COUNT; c++) {
        const dual_ctx_t *x = &dual_ctx[c];
        out("  ");
        out(CTX_NAME[c]);
        out(":");
        out_kv("allocs", x->pool_allocs + x->manager_allocs);
        out_kv("pool", x->pool_allocs);
        out_kv("manager", x->manager_allocs);
        out_kv("critical", x->critical_allocs);
        out_kv("waits", x->wait_calls);
        out_kv("empty", x->empty);
        out_kv("frees", x->frees);
        out_kv("sent", x->sent);
        out_kv("received", x->received);
        out_kv("calls", x->calls);
        out_kv("overlapping_other_hart", x->overlaps);
        if (c % 2u == 1u) {
            out_kv("landed_in_main_call", x->landed);
        }
        out_kv("errors", x->pattern_errors + x->owner_errors + x->free_errors);
        out("\n");
    }
}

/* CAS attempts per hart, from the pause points (hooks counted during the stress only). */
static void report_retries(const uint32_t pushes[DUAL_HARTS])
{
    for (uint32_t hart = 0; hart < DUAL_HARTS; hart++) {
        const dual_ctx_t *m = &dual_ctx[hart * 2u];
        const dual_ctx_t *i = &dual_ctx[hart * 2u + 1u];
        const uint32_t pops = m->hook[MP_PAUSE_POP_BEFORE_CLAIM] + i->hook[MP_PAUSE_POP_BEFORE_CLAIM];
        const uint32_t pop_cas = m->hook[MP_PAUSE_POP_BEFORE_CAS] + i->hook[MP_PAUSE_POP_BEFORE_CAS];
        const uint32_t push_cas = m->hook[MP_PAUSE_FREE_BEFORE_PUSH] + i->hook[MP_PAUSE_FREE_BEFORE_PUSH];
        out("retries hart ");
        out_u(hart);
        out(":");
        out_kv("pops", pops);
        if (pop_cas != 0u) { /* the CAS pop: one pause per head CAS */
            out_kv("pop_cas_attempts", pop_cas);
            out_kv("pop_cas_retries", pop_cas - pops);
        }
        out_kv("pushes", pushes[hart]);
        out_kv("push_cas_attempts", push_cas);
        out_kv("push_cas_retries", push_cas - pushes[hart]);
        out("\n");
        CHECK(push_cas >= pushes[hart] && (pop_cas == 0u || pop_cas >= pops));
    }
}

static void report_pop_variant(void)
{
    const uint32_t failures = __atomic_load_n(&modesp_pool_llsc_sc_failures, __ATOMIC_RELAXED);
    out("pop: ");
    out(modesp_pool_pop_variant);
    out_kv("sc_failures", failures);
    out_kv("cas_fallbacks", __atomic_load_n(&modesp_pool_llsc_fallbacks, __ATOMIC_RELAXED));
    out(" (both harts: fixed_pool.o keeps one counter)\n");
}

static uint32_t pool_allocs_total(const modesp_pool_manager_stats_t *st)
{
    uint32_t total = st->reserve.total_allocs;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        total += st->classes[c].total_allocs;
    }
    return total;
}

static void check_counts(const modesp_pool_manager_stats_t *ms, uint32_t changes, uint32_t dropped)
{
    modesp_pool_stats_t ps;
    CHECK(modesp_pool_get_stats(&dual_shared_pool, &ps) == ESP_OK);
    const uint32_t allocs = SUM(pool_allocs) + SUM(manager_allocs);
    CHECK_EQ(SUM(pattern_errors), 0u);
    CHECK_EQ(SUM(owner_errors), 0u);
    CHECK_EQ(SUM(free_errors), 0u);
    CHECK_EQ(allocs, SUM(frees));
    CHECK_EQ(SUM(sent), SUM(received));
    CHECK_EQ(ps.total_allocs, SUM(pool_allocs));
    CHECK_EQ(pool_allocs_total(ms), SUM(manager_allocs));
    CHECK_EQ(ms->critical_allocs, ms->reserve.total_allocs);
    CHECK(ps.in_use == 0u && ps.invalid_frees == 0u && ps.corruptions == 0u && ps.poison_violations == 0u);
    CHECK(ms->bytes_in_use == 0u && ms->foreign_frees == 0u && ms->size_mismatch_frees == 0u);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_stats_t *s = &ms->classes[c];
        CHECK(s->in_use == 0u && s->invalid_frees == 0u && s->corruptions == 0u && s->poison_violations == 0u);
    }
    CHECK(ms->reserve.in_use == 0u && ms->reserve.invalid_frees == 0u && ms->reserve.corruptions == 0u);
    /* Every change of level was delivered once, in order, or counted as dropped. */
    CHECK_EQ(changes, s_pressure_calls + dropped);
    CHECK(s_pressure_breaks <= dropped);
    CHECK_EQ(s_pressure_in_isr, 0u);
    out("pressure: changes=");
    out_u(changes);
    out_kv("delivered", s_pressure_calls);
    out_kv("dropped", dropped);
    out_kv("out_of_order", s_pressure_breaks);
    out_kv("spills", ms->spills);
    out_kv("waits", ms->waits);
    out_kv("wait_timeouts", ms->wait_timeouts);
    out_kv("wait_deadline_served", ms->wait_deadline_served);
    out("\n");
}

static void check_integrity(void)
{
    modesp_pool_integrity_t rep;
    int bad = -1;
    const esp_err_t pool_err = modesp_pool_check_integrity(&dual_shared_pool, &rep);
    out("integrity: shared pool ");
    out(modesp_err_to_name(pool_err));
    out(" (");
    out(modesp_pool_fault_name(rep.fault));
    out_kv("free_blocks", rep.free_blocks);
    out(")");
    const esp_err_t mgr_err = modesp_pool_manager_check_integrity(modesp_get_pool_manager(), &bad, &rep);
    out(", manager (every class and the reserve) ");
    out(modesp_err_to_name(mgr_err));
    out(" (");
    out(modesp_pool_fault_name(rep.fault));
    if (mgr_err != ESP_OK) {
        out(" in class ");
        out_u((uint32_t)bad);
    }
    out(")\n");
    CHECK(pool_err == ESP_OK);
    CHECK(mgr_err == ESP_OK);
}

/* ------------------------------------------------------------------ main (hart 0) */

int selftest_main(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_pool_manager_stats_t ms;
    out("modesp_mempool dual-hart self-test on RV32IMAC (qemu-system-riscv32 -M virt -smp 2), ");
    out(modesp_pool_pop_variant);
    out(" pop\n");
    const uint32_t blocks = dual_setup_blocks();
    CHECK(blocks != 0u);
    CHECK(modesp_pool_reset_stats(&dual_shared_pool) == ESP_OK);
    CHECK(modesp_pool_manager_reset_stats(pm) == ESP_OK);
    CHECK(modesp_pool_manager_get_stats(pm, &ms) == ESP_OK);
    const uint32_t changes0 = ms.pressure_changes;
    const uint32_t dropped0 = ms.pressure_events_dropped;
    /* Thresholds the waves of bulk blocks cross both ways (the defaults, 80/95/60 %,
     * need more than the two harts hold). */
    CHECK(modesp_pool_manager_set_pressure_thresholds(pm, 45u, 60u, 30u) == ESP_OK);
    s_last_to = (uint32_t)modesp_pool_manager_get_pressure_level(pm);
    CHECK(modesp_pool_manager_register_pressure_callback(pm, on_pressure, NULL) == ESP_OK);
    modesp_test_set_pause_hook(dual_count_pause);
    plat_timer_start(); /* hart 0's timer; also the port's clock */

    riscv_start_hart(1u, hart1_entry);
    if (!CHECK(wait_flag(&s_started[1], 5u))) {
        out("hart 1 did not start: run QEMU with -smp 2\n");
        return check_result(false);
    }
    __atomic_store_n(&s_go, 1u, __ATOMIC_RELEASE);
    hammer(0u);
    const bool finished = wait_flag(&s_done[1], 300u);
    CHECK(finished);
    if (!finished) {
        out("hart 1 did not finish its stress\n");
    }
    modesp_test_set_pause_hook(NULL); /* the hook counted the stress; the drain below runs on hart 0 alone */
    const uint32_t pushes[DUAL_HARTS] = {dual_ctx[0].frees + dual_ctx[1].frees, dual_ctx[2].frees + dual_ctx[3].frees};

    for (uint32_t c = 0; c < CTX_COUNT; c++) {
        dual_drain(c);
    }
    (void)modesp_pool_manager_process_pressure_events(pm);
    CHECK(modesp_pool_manager_get_stats(pm, &ms) == ESP_OK);

    out("dual: harts=2");
    out_kv("interrupts_hart0", s_stress_ticks[0]);
    out_kv("interrupts_hart1", s_stress_ticks[1]);
    out_kv("main_steps_hart0", s_main_steps[0]);
    out_kv("main_steps_hart1", s_main_steps[1]);
    out_kv("owner_table_blocks", blocks);
    out("\n");
    report_contexts();
    report_retries(pushes);
    report_pop_variant();
    uint32_t block = 0;
    uint32_t holder = 0;
    uint32_t claimant = 0;
    const char *pool = "?";
    if (dual_first_conflict(&block, &holder, &claimant, &pool)) {
        out("FIRST CONFLICT: pool ");
        out(pool);
        out_kv("block", block);
        out_kv("held_by_context", holder);
        out_kv("expected_context", claimant);
        out(" (contexts + 1: 1 = hart 0 main, 2 = hart 0 isr, 3 = hart 1 main, 4 = hart 1 isr; 0 = nobody)\n");
    }
    check_counts(&ms, ms.pressure_changes - changes0, ms.pressure_events_dropped - dropped0);
    check_integrity();
    CHECK(s_stress_ticks[0] >= DUAL_INTERRUPTS && s_stress_ticks[1] >= DUAL_INTERRUPTS);
    CHECK_EQ(s_not_in_isr[0] + s_not_in_isr[1], 0u);
    /* Both harts were inside the library at the same time, many times: the run was parallel. */
    CHECK(dual_ctx[CTX_MAIN0].overlaps + dual_ctx[CTX_ISR0].overlaps >= DUAL_INTERRUPTS / 10u);
    CHECK(dual_ctx[CTX_MAIN1].overlaps + dual_ctx[CTX_ISR1].overlaps >= DUAL_INTERRUPTS / 10u);
    CHECK(modesp_pool_manager_unregister_pressure_callback(pm, on_pressure, NULL) == ESP_OK);
#ifdef SELFTEST_INJECT_FAILURE
    CHECK(0 && "failure injected with -DSELFTEST_INJECT_FAILURE, to check that the harness reports it");
#endif
    return check_result(true);
}
