/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware self-test: the core scenarios, then a stress in which a periodic
 * timer interrupt and the main loop allocate and free from the same pool and
 * the same manager, then the integrity checks. Portable C11; the machine
 * (startup, console, timer, exit) is behind selftest.h.
 *
 * Why a timer interrupt and not two threads: on a single core the only
 * concurrency is an interrupt landing between two instructions of the main
 * loop's pool operation. The lock-free pop/push (or, on Cortex-M0+ and RV32IMC,
 * the critical-section variant) must stay correct for every such landing
 * point; the stress makes at least STRESS_INTERRUPTS of them while both sides
 * keep writing a pattern into the blocks they hold and checking it, so a block
 * handed to both sides at once shows up as a pattern error.
 */
#include "selftest.h"
#include "console.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/memory_pool.h"
#include "modesp/port_baremetal.h"
#include "mp_atomic.h" /* private: MODESP_ATOMICS_LOCKFREE, which variant this build runs */
#include "mp_llsc.h"   /* private: the pop variant fixed_pool.o was built with (MODESP_POOL_LLSC_STATS) */
#include "pool_meta.h" /* private: a metadata word for the broken-list scenario */
#include "port.h"      /* private: the port calls the library makes, checked directly */

#ifndef STRESS_INTERRUPTS
#define STRESS_INTERRUPTS 100000u
#endif

#define CLASS_BLOCKS                                                                                                   \
    (CONFIG_MEMORY_POOL_TINY_COUNT + CONFIG_MEMORY_POOL_SMALL_COUNT + CONFIG_MEMORY_POOL_MEDIUM_COUNT +                \
     CONFIG_MEMORY_POOL_LARGE_COUNT + CONFIG_MEMORY_POOL_XLARGE_COUNT)

/* ------------------------------------------------------------------ checks (console.h: CHECK, CHECK_EQ) */

/* A call that must return want: on a mismatch the failure line names both codes. */
#define CHECK_ERR(expr, want) check_err_((expr), (want), #expr, __LINE__)

static bool check_err_(esp_err_t got, esp_err_t want, const char *what, int line)
{
    return check_at(got == want, __FILE__, line, what, modesp_err_to_name(got), modesp_err_to_name(want));
}

/* ------------------------------------------------------- interrupt side jobs */

/* A job returns true when done; until then it runs again on every tick. */
typedef bool (*isr_job_t)(void);

static isr_job_t s_isr_job;    /* set by main, cleared by the tick that finishes it */
static uint32_t s_ticks;       /* every timer interrupt */
static uint32_t s_isr_not_isr; /* ticks in which modesp_port_in_isr() said false */
static uint32_t s_stress_on;
static uint32_t s_stress_ticks;

static void stress_isr(void);

void selftest_timer_isr(void)
{
    __atomic_store_n(&s_ticks, s_ticks + 1u, __ATOMIC_RELAXED);
    if (!modesp_port_in_isr()) {
        s_isr_not_isr++;
    }
    const isr_job_t job = __atomic_load_n(&s_isr_job, __ATOMIC_ACQUIRE);
    if (job != NULL && job()) {
        __atomic_store_n(&s_isr_job, (isr_job_t)NULL, __ATOMIC_RELEASE);
    }
    if (__atomic_load_n(&s_stress_on, __ATOMIC_RELAXED) != 0u) {
        stress_isr();
        __atomic_store_n(&s_stress_ticks, s_stress_ticks + 1u, __ATOMIC_RELAXED);
    }
}

/* Run `job` in the timer interrupt and wait until it has run. */
static void run_in_isr(isr_job_t job)
{
    __atomic_store_n(&s_isr_job, job, __ATOMIC_RELEASE);
    while (__atomic_load_n(&s_isr_job, __ATOMIC_ACQUIRE) != NULL) {
    }
}

static void wait_ticks(uint32_t n)
{
    const uint32_t start = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED);
    while (__atomic_load_n(&s_ticks, __ATOMIC_RELAXED) - start < n) {
    }
}

/* ------------------------------------------------------- fixed pool scenarios */

#define T_BLOCK 24u
#define T_COUNT 8u
MODESP_POOL_DEFINE_STATIC(t_pool, T_BLOCK, T_COUNT);

/*
 * P3 of the pop on a broken list, in whichever pop this build runs (LL/SC or
 * CAS): head names an allocated block (what a tag wrap could leave), an index
 * past the end, or a FREE block whose link is out of range. Each allocation
 * must fail at once with one corruption counted, and hand out nothing.
 */
static void scenario_pool_broken_list(void)
{
    void *held = modesp_pool_allocate(&t_pool);
    uint32_t held_idx = T_COUNT;
    CHECK_ERR(modesp_pool_block_index(&t_pool, held, &held_idx), ESP_OK);
    CHECK_ERR(modesp_pool_reset_stats(&t_pool), ESP_OK);
    const uint32_t mask = t_pool.idx_mask;
    const uint32_t saved = t_pool.head;
    const uint32_t top = saved & mask;
    const uint32_t top_meta = t_pool.meta[top];
    CHECK(top < T_COUNT && mask > T_COUNT);

    t_pool.head = (saved & ~mask) | held_idx;
    CHECK(modesp_pool_allocate(&t_pool) == NULL);
    t_pool.head = (saved & ~mask) | mask; /* index > capacity */
    CHECK(modesp_pool_allocate(&t_pool) == NULL);
    t_pool.head = saved;
    t_pool.meta[top] = meta_link_encode(top, T_COUNT + 1u); /* FREE, link past the end marker */
    CHECK(modesp_pool_allocate(&t_pool) == NULL);
    t_pool.meta[top] = top_meta;

    modesp_pool_stats_t st;
    CHECK_ERR(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    CHECK(st.corruptions == 3u && st.alloc_failures == 3u && st.total_allocs == 0u && st.in_use == 1u);
    CHECK_EQ(t_pool.head, saved);
    CHECK_ERR(modesp_pool_deallocate(&t_pool, held), ESP_OK);
    CHECK_ERR(modesp_pool_check_integrity(&t_pool, NULL), ESP_OK);
}

static void scenario_pool(void)
{
    void *b[T_COUNT];
    modesp_pool_stats_t st;
    CHECK_EQ(modesp_pool_capacity(&t_pool), T_COUNT);
    CHECK_EQ(modesp_pool_block_size(&t_pool), T_BLOCK);
    for (uint32_t i = 0; i < T_COUNT; i++) {
        b[i] = modesp_pool_allocate(&t_pool);
        CHECK(b[i] != NULL && modesp_pool_contains(&t_pool, b[i]));
        CHECK((uintptr_t)b[i] % MODESP_POOL_ALIGN == 0u);
    }
    CHECK(modesp_pool_allocate(&t_pool) == NULL);
    CHECK_ERR(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    CHECK(st.in_use == T_COUNT && st.peak == T_COUNT && st.alloc_failures == 1u);

    /* Each bad input with its code; none changes the pool. */
    uint32_t outside = 0;
    CHECK_ERR(modesp_pool_deallocate(&t_pool, NULL), ESP_ERR_INVALID_ARG);
    CHECK_ERR(modesp_pool_deallocate(&t_pool, &outside), MODESP_ERR_FOREIGN_PTR);
    CHECK_ERR(modesp_pool_deallocate(&t_pool, (uint8_t *)b[2] + 1), MODESP_ERR_MISALIGNED_PTR);
    CHECK_ERR(modesp_pool_deallocate(&t_pool, (uint8_t *)b[2] + 4), MODESP_ERR_MISALIGNED_PTR);
    CHECK_ERR(modesp_pool_deallocate(NULL, b[2]), ESP_ERR_INVALID_ARG);
    CHECK_EQ(modesp_pool_in_use(&t_pool), T_COUNT);
    for (uint32_t i = 0; i < T_COUNT; i++) {
        CHECK_ERR(modesp_pool_deallocate(&t_pool, b[i]), ESP_OK);
    }
    CHECK_ERR(modesp_pool_deallocate(&t_pool, b[3]), MODESP_ERR_DOUBLE_FREE);
    CHECK_ERR(modesp_pool_get_stats(&t_pool, &st), ESP_OK);
    CHECK(st.in_use == 0u && st.null_frees == 1u && st.foreign_frees == 1u && st.misaligned_frees == 2u &&
          st.double_frees == 1u && st.invalid_frees == 5u && st.corruptions == 0u);
    modesp_pool_integrity_t rep;
    CHECK_ERR(modesp_pool_check_integrity(&t_pool, &rep), ESP_OK);
    CHECK(rep.free_blocks == T_COUNT && rep.allocated_blocks == 0u);

    /* 32-bit size_t: 1 MiB x 4096 blocks wraps to 0 bytes; init must refuse a 64-byte storage. */
    static modesp_pool_t wrap;
    static _Alignas(MODESP_POOL_ALIGN) uint8_t wrap_storage[64];
    static uint32_t wrap_meta[4];
    CHECK_ERR(modesp_pool_init(&wrap, "wrap", wrap_storage, sizeof wrap_storage, wrap_meta, 0x100000u, 4096u),
              ESP_ERR_INVALID_SIZE);
    scenario_pool_broken_list();
}

/* ------------------------------------------------------- manager scenarios */

static void *s_hold[CLASS_BLOCKS + 64];

static size_t class_size(modesp_pool_manager_t *pm, int cls)
{
    return modesp_pool_block_size(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)cls));
}

/* Take every block of class `cls` (requests of `size`) into s_hold[at..]; returns the new end. */
static size_t exhaust(modesp_pool_manager_t *pm, size_t size, size_t at)
{
    for (;;) {
        void *p = NULL;
        if (modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &p) != ESP_OK) {
            return at;
        }
        s_hold[at++] = p;
    }
}

static void release(modesp_pool_manager_t *pm, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        CHECK_ERR(modesp_pool_manager_free(pm, s_hold[i]), ESP_OK);
        s_hold[i] = NULL;
    }
}

static void scenario_classes(modesp_pool_manager_t *pm)
{
    size_t prev = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const size_t sizes[3] = {prev + 1u, (prev + class_size(pm, c)) / 2u + 1u, class_size(pm, c)};
        for (int k = 0; k < 3; k++) {
            void *p = NULL;
            CHECK_EQ(modesp_pool_manager_class_for_size(sizes[k]), c);
            CHECK_ERR(modesp_pool_manager_allocate_ex(pm, sizes[k], MODESP_ALLOC_STRICT, 0u, &p), ESP_OK);
            CHECK(modesp_pool_contains(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c), p));
            CHECK_ERR(modesp_pool_manager_deallocate(pm, p, sizes[k]), ESP_OK);
        }
        prev = class_size(pm, c);
    }
}

static void scenario_bad_inputs(modesp_pool_manager_t *pm)
{
    modesp_pool_manager_stats_t st;
    void *p = (void *)&st;
    uint32_t outside = 0;
    CHECK_ERR(modesp_pool_manager_reset_stats(pm), ESP_OK);
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 0u, MODESP_ALLOC_STRICT, 0u, &p), MODESP_ERR_ZERO_SIZE);
    CHECK(p == NULL);
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE + 1u, MODESP_ALLOC_STRICT, 0u, &p),
              ESP_ERR_INVALID_SIZE);
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 8u, (modesp_alloc_strategy_t)99, 0u, &p), ESP_ERR_INVALID_ARG);
    CHECK_ERR(modesp_pool_manager_allocate_ex(NULL, 8u, MODESP_ALLOC_STRICT, 0u, &p), ESP_ERR_INVALID_ARG);
#if !MODESP_HEAP_FALLBACK_ENABLED
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 8u, MODESP_ALLOC_HEAP_FALLBACK, 0u, &p), ESP_ERR_NOT_SUPPORTED);
#endif

    void *tiny = NULL;
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 10u, MODESP_ALLOC_STRICT, 0u, &tiny), ESP_OK);
    CHECK_ERR(modesp_pool_manager_free(pm, NULL), ESP_ERR_INVALID_ARG);
    CHECK_ERR(modesp_pool_manager_free(pm, &outside), MODESP_ERR_FOREIGN_PTR);
    CHECK_ERR(modesp_pool_manager_free(pm, (uint8_t *)tiny + 1), MODESP_ERR_MISALIGNED_PTR);
    CHECK_ERR(modesp_pool_manager_deallocate(pm, tiny, 0u), MODESP_ERR_ZERO_SIZE);
    CHECK_ERR(modesp_pool_manager_deallocate(pm, tiny, class_size(pm, MODESP_CLASS_MEDIUM)), MODESP_ERR_SIZE_MISMATCH);
    CHECK_EQ(modesp_pool_in_use(modesp_pool_manager_get_pool(pm, MODESP_CLASS_TINY)), 1u);
    CHECK_ERR(modesp_pool_manager_deallocate(pm, tiny, 10u), ESP_OK);
    CHECK_ERR(modesp_pool_manager_free(pm, tiny), MODESP_ERR_DOUBLE_FREE);
    CHECK_ERR(modesp_pool_manager_deallocate(pm, tiny, 10u), MODESP_ERR_DOUBLE_FREE);

    CHECK_ERR(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    /* deallocate(ptr, 0) counts as a zero-size request, not as a size mismatch */
    CHECK(st.zero_size_requests == 2u && st.oversize_requests == 1u && st.null_frees == 1u && st.foreign_frees == 1u &&
          st.size_mismatch_frees == 1u);
    CHECK(st.classes[MODESP_CLASS_TINY].misaligned_frees == 1u && st.classes[MODESP_CLASS_TINY].double_frees == 2u);
    CHECK(st.bytes_in_use == 0u);
}

static void scenario_strategies(modesp_pool_manager_t *pm)
{
    modesp_pool_manager_stats_t st;
    CHECK_ERR(modesp_pool_manager_reset_stats(pm), ESP_OK);
    const size_t n = exhaust(pm, 1u, 0u);
    CHECK_EQ(n, (size_t)CONFIG_MEMORY_POOL_TINY_COUNT);
    void *p = NULL;
    /* STRICT: the fitting class or nothing. */
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 1u, MODESP_ALLOC_STRICT, 0u, &p), ESP_ERR_NO_MEM);
    CHECK(modesp_pool_manager_allocate(pm, 1u) == NULL);
    /* SPILL: the next larger class, still accounted to the class asked for. */
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 1u, MODESP_ALLOC_SPILL, 0u, &p), ESP_OK);
    CHECK(modesp_pool_contains(modesp_pool_manager_get_pool(pm, MODESP_CLASS_SMALL), p));
    CHECK_ERR(modesp_pool_manager_deallocate(pm, p, class_size(pm, MODESP_CLASS_SMALL)), MODESP_ERR_SIZE_MISMATCH);
    CHECK_ERR(modesp_pool_manager_deallocate(pm, p, 1u), ESP_OK);
    /* SPILL fails only when every class from the fitting one up is empty. */
    size_t end = n;
    for (int c = MODESP_CLASS_SMALL; c < MODESP_CLASS_COUNT; c++) {
        end = exhaust(pm, class_size(pm, c), end);
    }
    CHECK_EQ(end, (size_t)CLASS_BLOCKS);
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 1u, MODESP_ALLOC_SPILL, 0u, &p), ESP_ERR_NO_MEM);
    CHECK_EQ(modesp_pool_manager_get_overall_utilization(pm), 100u);
    release(pm, 0u, end);
    CHECK_ERR(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    CHECK(st.spills == 1u && st.bytes_in_use == 0u);
}

static void scenario_reserve(modesp_pool_manager_t *pm)
{
    const modesp_pool_t *reserve = modesp_pool_manager_get_reserve_pool(pm);
#if CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE > 0
    modesp_pool_manager_stats_t st;
    CHECK(reserve != NULL);
    if (reserve == NULL) {
        return;
    }
    CHECK_ERR(modesp_pool_manager_reset_stats(pm), ESP_OK);
    const size_t size = modesp_pool_block_size(reserve);
    const int cls = modesp_pool_manager_class_for_size(size);
    const size_t n = exhaust(pm, size, 0u);
    void *p = NULL;
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &p), ESP_ERR_NO_MEM);
    size_t end = n;
    for (size_t i = 0; i < modesp_pool_capacity(reserve); i++) {
        void *r = modesp_pool_manager_allocate_critical(pm, size);
        CHECK(r != NULL && modesp_pool_contains(reserve, r));
        s_hold[end++] = r;
    }
    CHECK(modesp_pool_manager_allocate_critical(pm, size) == NULL);
    CHECK_ERR(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    CHECK(st.critical_allocs == modesp_pool_capacity(reserve) && st.critical_failures == 1u);
    CHECK(st.reserve.in_use == modesp_pool_capacity(reserve));
    /* A reserve block is freed like any other and checked against its class. */
    CHECK_ERR(modesp_pool_manager_deallocate(pm, s_hold[n], size), ESP_OK);
    s_hold[n] = modesp_pool_manager_allocate_critical(pm, size);
    CHECK(modesp_pool_contains(reserve, s_hold[n]));
    CHECK_EQ(modesp_pool_manager_class_for_size(size), cls);
    release(pm, 0u, end);
    CHECK_EQ(modesp_pool_in_use(reserve), 0u);
#else
    CHECK(reserve == NULL);
#endif
}

typedef struct {
    uint8_t from;
    uint8_t to;
    uint8_t util;
} pressure_event_t;

static pressure_event_t s_events[16];
static uint32_t s_event_count;

static void on_pressure(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)ctx;
    if (s_event_count < 16u) {
        s_events[s_event_count] = (pressure_event_t){(uint8_t)from, (uint8_t)to, util};
    }
    s_event_count++;
}

/* The documented rule, written independently of the library's code. */
static modesp_pressure_level_t model_level(modesp_pressure_level_t level, uint32_t util)
{
    if (util >= CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD) {
        return MODESP_PRESSURE_CRITICAL;
    }
    if (util < CONFIG_MEMORY_POOL_RELEASE_THRESHOLD) {
        return MODESP_PRESSURE_NORMAL;
    }
    if (level == MODESP_PRESSURE_CRITICAL) {
        return util < CONFIG_MEMORY_POOL_WARNING_THRESHOLD ? MODESP_PRESSURE_WARNING : MODESP_PRESSURE_CRITICAL;
    }
    if (level == MODESP_PRESSURE_WARNING || util >= CONFIG_MEMORY_POOL_WARNING_THRESHOLD) {
        return MODESP_PRESSURE_WARNING;
    }
    return MODESP_PRESSURE_NORMAL;
}

static void scenario_pressure(modesp_pool_manager_t *pm)
{
    s_event_count = 0;
    CHECK_ERR(modesp_pool_manager_register_pressure_callback(pm, on_pressure, NULL), ESP_OK);
    CHECK_EQ(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    modesp_pressure_level_t model = MODESP_PRESSURE_NORMAL;
    uint32_t mismatches = 0;
    size_t end = 0;
    /* Fill from the largest class down, then free in reverse: every level both ways. */
    for (int c = MODESP_CLASS_COUNT - 1; c >= 0; c--) {
        for (;;) {
            void *p = NULL;
            if (modesp_pool_manager_allocate_ex(pm, class_size(pm, c), MODESP_ALLOC_STRICT, 0u, &p) != ESP_OK) {
                break;
            }
            s_hold[end++] = p;
            model = model_level(model, modesp_pool_manager_get_overall_utilization(pm));
            mismatches += (model != modesp_pool_manager_get_pressure_level(pm));
        }
    }
    CHECK_EQ(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_CRITICAL);
    while (end > 0u) {
        CHECK_ERR(modesp_pool_manager_free(pm, s_hold[--end]), ESP_OK);
        model = model_level(model, modesp_pool_manager_get_overall_utilization(pm));
        mismatches += (model != modesp_pool_manager_get_pressure_level(pm));
    }
    CHECK_EQ(mismatches, 0u);
    CHECK_EQ(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    const pressure_event_t want[4] = {
        {MODESP_PRESSURE_NORMAL, MODESP_PRESSURE_WARNING, 0},
        {MODESP_PRESSURE_WARNING, MODESP_PRESSURE_CRITICAL, 0},
        {MODESP_PRESSURE_CRITICAL, MODESP_PRESSURE_WARNING, 0},
        {MODESP_PRESSURE_WARNING, MODESP_PRESSURE_NORMAL, 0},
    };
    CHECK_EQ(s_event_count, 4u);
    for (uint32_t i = 0; i < 4u && i < s_event_count; i++) {
        CHECK(s_events[i].from == want[i].from && s_events[i].to == want[i].to);
    }
    CHECK(s_events[0].util >= CONFIG_MEMORY_POOL_WARNING_THRESHOLD);
    CHECK(s_events[3].util < CONFIG_MEMORY_POOL_RELEASE_THRESHOLD);
    CHECK_ERR(modesp_pool_manager_unregister_pressure_callback(pm, on_pressure, NULL), ESP_OK);
}

/* Interrupt context: the port must say so, and the library must refuse to block. */
static uint32_t s_job_in_isr;
static esp_err_t s_job_wait_err;
static esp_err_t s_job_strict_err;
static esp_err_t s_job_free_err;

static bool job_isr_context(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    void *p = NULL;
    s_job_in_isr = modesp_port_in_isr() ? 1u : 0u;
    s_job_wait_err = modesp_pool_manager_allocate_ex(pm, 16u, MODESP_ALLOC_WAIT, 10u, &p);
    s_job_strict_err = modesp_pool_manager_allocate_ex(pm, 16u, MODESP_ALLOC_STRICT, 0u, &p);
    s_job_free_err = modesp_pool_manager_free(pm, p);
    return true;
}

/* WAIT released by an interrupt: the ISR frees a block the main loop is waiting for. */
static void *s_isr_gift;
static uint32_t s_gift_delay;

static bool job_free_gift_later(void)
{
    /* Wait some ticks first, so that main is really waiting when the block comes back. */
    if (s_gift_delay > 0u) {
        s_gift_delay--;
        return false;
    }
    s_job_free_err = modesp_pool_manager_free(modesp_get_pool_manager(), s_isr_gift);
    return true;
}

static void scenario_isr_and_wait(modesp_pool_manager_t *pm)
{
    modesp_pool_manager_stats_t st;
    CHECK(!modesp_port_in_isr());
    CHECK_ERR(modesp_pool_manager_reset_stats(pm), ESP_OK);
    run_in_isr(job_isr_context);
    CHECK_EQ(s_job_in_isr, 1u);
    CHECK_ERR(s_job_wait_err, ESP_ERR_INVALID_STATE);
    CHECK_ERR(s_job_strict_err, ESP_OK);
    CHECK_ERR(s_job_free_err, ESP_OK);

    const size_t n = exhaust(pm, 1u, 0u);
    void *p = NULL;
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 1u, MODESP_ALLOC_WAIT, 0u, &p), ESP_ERR_NO_MEM);
    const uint64_t t0 = modesp_port_time_us();
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 1u, MODESP_ALLOC_WAIT, 5u, &p), ESP_ERR_TIMEOUT);
    const uint64_t waited = modesp_port_time_us() - t0;
    CHECK(waited >= 5000u && waited < 1000000u);

    /* The job runs on each tick until its delay is spent; main waits meanwhile. */
    s_isr_gift = s_hold[n - 1u];
    s_gift_delay = 20u;
    s_job_free_err = ESP_FAIL;
    __atomic_store_n(&s_isr_job, job_free_gift_later, __ATOMIC_RELEASE);
    wait_ticks(1u);
    CHECK_ERR(modesp_pool_manager_allocate_ex(pm, 1u, MODESP_ALLOC_WAIT, 1000u, &p), ESP_OK);
    CHECK_ERR(s_job_free_err, ESP_OK);
    CHECK(p == s_isr_gift);
    s_hold[n - 1u] = p;
    release(pm, 0u, n);
    CHECK_ERR(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    CHECK(st.waits == 2u && st.wait_timeouts == 1u && st.isr_refusals == 1u);
}

/* ------------------------------------------------------------------ stress */

MODESP_POOL_DEFINE_STATIC(s_shared_pool, 40, 12); /* small: both sides find it empty now and then */

enum { SRC_POOL = 0, SRC_MANAGER, SRC_CRITICAL };

typedef struct {
    uint8_t *ptr;
    uint32_t size;
    uint32_t seed;
    uint32_t src;
} held_t;

typedef struct {
    held_t *slots;
    uint32_t nslots;
    uint32_t rng;
    uint32_t pool_allocs;
    uint32_t manager_allocs;
    uint32_t failures; /* pool or class empty: expected under load */
    uint32_t frees;
    uint32_t errors; /* pattern damaged or a free refused: never expected */
} side_t;

/* A one-slot handover between the two sides (single producer, single consumer). */
typedef struct {
    held_t item;
    uint32_t full;
} mailbox_t;

#define ISR_SLOTS  8u
#define MAIN_SLOTS 32u

static held_t s_isr_slots[ISR_SLOTS];
static held_t s_main_slots[MAIN_SLOTS];
static side_t s_isr = {s_isr_slots, ISR_SLOTS, 0x9E3779B9u, 0, 0, 0, 0, 0};
static side_t s_main = {s_main_slots, MAIN_SLOTS, 0x2545F491u, 0, 0, 0, 0, 0};
static mailbox_t s_to_main; /* ISR -> main: main frees what the ISR allocated */
static mailbox_t s_to_isr;  /* main -> ISR */
static uint32_t s_cross_to_main;
static uint32_t s_cross_to_isr;
/* Set while the main loop is inside an allocate/free call: the ISR counts the
 * interrupts that land there, i.e. the interleavings the stress is about. */
static uint32_t s_main_in_call;
static uint32_t s_landed_in_call;

static void in_call(const side_t *s, uint32_t on)
{
    if (s == &s_main) {
        __atomic_store_n(&s_main_in_call, on, __ATOMIC_RELAXED);
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* keep the flag around the call, not moved across it */
    }
}

static uint32_t next_rand(uint32_t *state)
{
    uint32_t x = *state; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static void fill(const held_t *h)
{
    for (uint32_t i = 0; i < h->size; i++) {
        h->ptr[i] = (uint8_t)(h->seed + i * 29u + (i >> 8));
    }
}

static bool intact(const held_t *h)
{
    for (uint32_t i = 0; i < h->size; i++) {
        if (h->ptr[i] != (uint8_t)(h->seed + i * 29u + (i >> 8))) {
            return false;
        }
    }
    return true;
}

/* Verify, then free a held block through the API it came from (alternating sized and unsized frees). */
static void give_back(side_t *s, held_t *h)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    if (!intact(h)) {
        s->errors++;
    }
    esp_err_t err;
    in_call(s, 1u);
    if (h->src == SRC_POOL) {
        err = modesp_pool_deallocate(&s_shared_pool, h->ptr);
    } else if ((h->seed & 1u) != 0u) {
        err = modesp_pool_manager_deallocate(pm, h->ptr, h->size);
    } else {
        err = modesp_pool_manager_free(pm, h->ptr);
    }
    in_call(s, 0u);
    if (err != ESP_OK) {
        s->errors++;
    }
    s->frees++;
    h->ptr = NULL;
}

static void take(side_t *s, held_t *h, uint32_t r)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const uint32_t kind = (r >> 8) & 15u;
    /* Mostly small requests, like real traffic; now and then a large one. */
    uint32_t size = 1u + ((r >> 12) % 64u);
    if ((r >> 20) % 8u == 0u) {
        size = 1u + ((r >> 12) % CONFIG_MEMORY_POOL_XLARGE_SIZE);
    }
    void *p = NULL;
    uint32_t src = SRC_MANAGER;
    in_call(s, 1u);
    if (kind < 6u) {
        src = SRC_POOL;
        size = modesp_pool_block_size(&s_shared_pool);
        p = modesp_pool_allocate(&s_shared_pool);
    } else if (kind < 10u) {
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &p);
    } else if (kind < 15u) {
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_SPILL, 0u, &p);
    } else {
        src = SRC_CRITICAL;
        p = modesp_pool_manager_allocate_critical(pm, size);
    }
    in_call(s, 0u);
    if (p == NULL) {
        s->failures++;
        return;
    }
    if (src == SRC_POOL) {
        s->pool_allocs++;
    } else {
        s->manager_allocs++;
    }
    h->ptr = p;
    h->size = size;
    h->seed = next_rand(&s->rng);
    h->src = src;
    fill(h);
}

static void side_step(side_t *s)
{
    const uint32_t r = next_rand(&s->rng);
    held_t *h = &s->slots[r % s->nslots];
    if (h->ptr == NULL) {
        take(s, h, r);
    } else {
        give_back(s, h);
    }
}

static void check_all(side_t *s)
{
    for (uint32_t i = 0; i < s->nslots; i++) {
        if (s->slots[i].ptr != NULL && !intact(&s->slots[i])) {
            s->errors++;
        }
    }
}

/* Hand the block in `h` to the other side if its mailbox is empty. */
static bool post(mailbox_t *box, held_t *h)
{
    if (__atomic_load_n(&box->full, __ATOMIC_ACQUIRE) != 0u) {
        return false;
    }
    box->item = *h;
    h->ptr = NULL;
    __atomic_store_n(&box->full, 1u, __ATOMIC_RELEASE);
    return true;
}

static bool collect(side_t *s, mailbox_t *box)
{
    if (__atomic_load_n(&box->full, __ATOMIC_ACQUIRE) == 0u) {
        return false;
    }
    held_t h = box->item;
    __atomic_store_n(&box->full, 0u, __ATOMIC_RELEASE);
    give_back(s, &h);
    return true;
}

static void stress_isr(void)
{
    if (__atomic_load_n(&s_main_in_call, __ATOMIC_RELAXED) != 0u) {
        s_landed_in_call++;
    }
    if (!modesp_port_in_isr()) {
        s_isr.errors++;
    }
    side_step(&s_isr);
    side_step(&s_isr);
    const uint32_t tick = s_stress_ticks;
    if ((tick & 15u) == 0u) {
        held_t *h = &s_isr.slots[tick % ISR_SLOTS];
        if (h->ptr != NULL) {
            s_cross_to_main += post(&s_to_main, h) ? 1u : 0u;
        }
    }
    if (collect(&s_isr, &s_to_isr)) {
        s_cross_to_isr++;
    }
    if ((tick & 63u) == 0u) {
        check_all(&s_isr);
    }
}

static void drain(side_t *s)
{
    for (uint32_t i = 0; i < s->nslots; i++) {
        if (s->slots[i].ptr != NULL) {
            give_back(&s_main, &s->slots[i]); /* errors are charged to main: it runs this */
        }
    }
}

static uint32_t pool_allocs_total(const modesp_pool_manager_stats_t *st)
{
    uint32_t total = st->reserve.total_allocs;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        total += st->classes[c].total_allocs;
    }
    return total;
}

static void scenario_stress(modesp_pool_manager_t *pm)
{
    CHECK_ERR(modesp_pool_reset_stats(&s_shared_pool), ESP_OK);
    CHECK_ERR(modesp_pool_manager_reset_stats(pm), ESP_OK);
    const uint32_t start_ticks = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED);
    __atomic_store_n(&s_stress_on, 1u, __ATOMIC_RELEASE);
    uint32_t steps = 0;
    while (__atomic_load_n(&s_stress_ticks, __ATOMIC_RELAXED) < STRESS_INTERRUPTS) {
        side_step(&s_main);
        steps++;
        if ((steps & 255u) == 0u) {
            check_all(&s_main);
        }
        if ((steps & 31u) == 0u) {
            held_t *h = &s_main.slots[(steps >> 5) % MAIN_SLOTS];
            if (h->ptr != NULL) {
                (void)post(&s_to_isr, h); /* counted by the ISR when it frees it */
            }
        }
        if (collect(&s_main, &s_to_main)) {
            s_cross_to_main++;
        }
    }
    /* The ISR checks the flag on entry and runs to completion: after this store it no longer touches the pools. */
    __atomic_store_n(&s_stress_on, 0u, __ATOMIC_RELEASE);
    const uint32_t interrupts = __atomic_load_n(&s_stress_ticks, __ATOMIC_RELAXED);
    const uint32_t all_ticks = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED) - start_ticks;

    (void)collect(&s_main, &s_to_main);
    (void)collect(&s_main, &s_to_isr); /* main posted it, the ISR never took it */
    check_all(&s_isr);
    check_all(&s_main);
    drain(&s_isr);
    drain(&s_main);

    modesp_pool_stats_t ps;
    modesp_pool_manager_stats_t ms;
    CHECK_ERR(modesp_pool_get_stats(&s_shared_pool, &ps), ESP_OK);
    CHECK_ERR(modesp_pool_manager_get_stats(pm, &ms), ESP_OK);

    out("stress:");
    out_kv("interrupts", interrupts);
    out_kv("timer_ticks", all_ticks);
    out_kv("main_steps", steps);
    out_kv("landed_inside_main_calls", s_landed_in_call);
    out("\n  isr side: ");
    out_kv("allocs", s_isr.pool_allocs + s_isr.manager_allocs);
    out_kv("pool", s_isr.pool_allocs);
    out_kv("manager", s_isr.manager_allocs);
    out_kv("frees", s_isr.frees);
    out_kv("empty", s_isr.failures);
    out_kv("pattern_or_free_errors", s_isr.errors);
    out("\n  main side:");
    out_kv("allocs", s_main.pool_allocs + s_main.manager_allocs);
    out_kv("pool", s_main.pool_allocs);
    out_kv("manager", s_main.manager_allocs);
    out_kv("frees", s_main.frees);
    out_kv("empty", s_main.failures);
    out_kv("pattern_or_free_errors", s_main.errors);
    out("\n  handed over:");
    out_kv("isr_to_main", s_cross_to_main);
    out_kv("main_to_isr", s_cross_to_isr);
    out_kv("spills", ms.spills);
    out_kv("reserve_allocs", ms.critical_allocs);
    out_kv("pressure_changes", ms.pressure_changes);
    out("\n");

    CHECK(interrupts >= STRESS_INTERRUPTS);
    CHECK_EQ(s_isr.errors, 0u);
    CHECK_EQ(s_main.errors, 0u);
    CHECK(s_isr.pool_allocs > 0u && s_isr.manager_allocs > 0u);
    CHECK(s_landed_in_call >= STRESS_INTERRUPTS / 10u);
    /* The main loop must have made real progress between interrupts, or nothing was interleaved. */
    CHECK(s_main.pool_allocs + s_main.manager_allocs >= STRESS_INTERRUPTS / 4u);
    CHECK_EQ(s_isr.pool_allocs + s_isr.manager_allocs + s_main.pool_allocs + s_main.manager_allocs,
             s_isr.frees + s_main.frees);
    /* Counters updated with relaxed atomics from both sides add up exactly. */
    CHECK_EQ(ps.total_allocs, s_isr.pool_allocs + s_main.pool_allocs);
    CHECK_EQ(pool_allocs_total(&ms), s_isr.manager_allocs + s_main.manager_allocs);
    CHECK(ps.in_use == 0u && ps.invalid_frees == 0u && ps.corruptions == 0u);
    CHECK(ms.bytes_in_use == 0u && ms.foreign_frees == 0u && ms.size_mismatch_frees == 0u);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        CHECK(ms.classes[c].in_use == 0u && ms.classes[c].invalid_frees == 0u && ms.classes[c].corruptions == 0u);
    }
    CHECK(ms.reserve.in_use == 0u && ms.reserve.invalid_frees == 0u);
}

/* ------------------------------------------------------------- pop variant */

/*
 * Which pop fixed_pool.o runs, as compiled into it (not this file's view of
 * the macros): tools/qemu-test.sh checks the line against the variant each
 * machine must run, so a build that silently fell back to the CAS pop fails.
 * With the LL/SC pop, the stress must have made store-conditionals fail: an
 * interrupt taken between the load-linked and the store-conditional.
 */
static void report_pop_variant(void)
{
#ifdef MODESP_POOL_LLSC_STATS
    const uint32_t failures = __atomic_load_n(&modesp_pool_llsc_sc_failures, __ATOMIC_RELAXED);
    out("pop: ");
    out(modesp_pool_pop_variant);
    out_kv("sc_failures", failures);
    out_kv("cas_fallbacks", __atomic_load_n(&modesp_pool_llsc_fallbacks, __ATOMIC_RELAXED));
    out("\n");
    const bool llsc = modesp_pool_pop_variant[0] == 'l';
    CHECK(!llsc || failures > 0u);
#else
    out("pop: (build without -DMODESP_POOL_LLSC_STATS)\n");
#endif
}

/* --------------------------------------------------------------- integrity */

static bool report_integrity(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_pool_integrity_t rep;
    int bad = -1;
    const esp_err_t pool_err = modesp_pool_check_integrity(&s_shared_pool, &rep);
    out("integrity: shared pool ");
    out(modesp_err_to_name(pool_err));
    out(" (");
    out(modesp_pool_fault_name(rep.fault));
    out_kv("free_blocks", rep.free_blocks);
    out(")");
    const esp_err_t mgr_err = modesp_pool_manager_check_integrity(pm, &bad, &rep);
    out(", manager ");
    out(modesp_err_to_name(mgr_err));
    out(" (");
    out(modesp_pool_fault_name(rep.fault));
    if (mgr_err != ESP_OK) {
        out(" in class ");
        out_u((uint32_t)bad);
    }
    out(")\n");
    const esp_err_t t_err = modesp_pool_check_integrity(&t_pool, NULL);
    CHECK_ERR(pool_err, ESP_OK);
    CHECK_ERR(mgr_err, ESP_OK);
    CHECK_ERR(t_err, ESP_OK);
    return pool_err == ESP_OK && mgr_err == ESP_OK && t_err == ESP_OK;
}

/* ------------------------------------------------------------------- main */

int selftest_main(void)
{
    out("modesp_mempool self-test on ");
    out(plat_name());
#if MODESP_ATOMICS_LOCKFREE
    out(" (lock-free free lists)\n");
#else
    out(" (critical-section atomics)\n");
#endif
    plat_timer_start();
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    wait_ticks(2u); /* the timer runs: the ISR-side scenarios need it */

    scenario_pool();
    scenario_classes(pm);
    scenario_bad_inputs(pm);
    scenario_strategies(pm);
    scenario_reserve(pm);
    scenario_pressure(pm);
    scenario_isr_and_wait(pm);
#ifdef SELFTEST_INJECT_FAILURE
    CHECK(0 && "failure injected with -DSELFTEST_INJECT_FAILURE, to check that the harness reports it");
#endif
    check_totals("core scenarios:");

    scenario_stress(pm);
    report_pop_variant();
    const bool ok = report_integrity();
    CHECK_EQ(s_isr_not_isr, 0u);
    out("in_isr: ");
    out(s_isr_not_isr == 0u ? "true in every timer interrupt, false in main\n" : "WRONG in some interrupts\n");

    return check_result(ok);
}
