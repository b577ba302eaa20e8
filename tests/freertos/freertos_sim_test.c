/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library on the real FreeRTOS kernel (POSIX simulator port), through
 * src/port/freertos. Built and run by tools/freertos_sim.sh; not part of CI
 * because the kernel sources are fetched outside the repository.
 *
 * The POSIX port runs each task on a pthread but lets only one run at a time;
 * the tick (SIGALRM, 1 kHz) preempts the running task wherever it is, also in
 * the middle of a pool operation, as a tick interrupt does on a single-core
 * MCU. It has no xPortIsInsideInterrupt, so the port's in_isr hook is used.
 *
 * Scenarios:
 *  WAIT   a task blocks on an exhausted class and is woken by another task's
 *         free before its timeout; three tasks blocked on one class are each
 *         served by three frees; a wait nobody ends times out on time;
 *         timeout 0 and a call from "ISR" context do not block.
 *  CHURN  more tasks than free blocks of a class, each taking blocks with
 *         WAIT and freeing them a tick or two later: a wait that reaches its
 *         500 ms timeout would be a lost wake-up.
 *  HAMMER several tasks at two priorities allocate and free through the
 *         manager (STRICT, SPILL, WAIT) and a shared fixed pool, each writing
 *         its id into the blocks it holds and checking it before the free,
 *         while every tick interrupt (vApplicationTickHook, in the kernel's
 *         SIGALRM handler) does the same from ISR context, its frees waking
 *         the tasks blocked in WAIT through xSemaphoreGiveFromISR; then the
 *         integrity check and the counters.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"

#include "modesp/memory_pool.h"
#include "modesp/port_freertos.h"

#ifndef HAMMER_ITERATIONS
#define HAMMER_ITERATIONS 200000 /* operations per hammer task */
#endif
#define HAMMER_TASKS 6
#define HAMMER_HOLD  8 /* blocks a hammer task holds at most */
#define XL_SIZE      CONFIG_MEMORY_POOL_XLARGE_SIZE
#define XL_COUNT     CONFIG_MEMORY_POOL_XLARGE_COUNT

#define STACK_WORDS (configMINIMAL_STACK_SIZE * 4)
#define MAX_TASKS   (HAMMER_TASKS + 16)

static unsigned s_failures;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            s_failures++;                                                                                              \
            printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                                   \
        }                                                                                                              \
    } while (0)

void sim_assert_failed(const char *file, int line)
{
    printf("configASSERT failed at %s:%d\n", file, line);
    fflush(stdout);
    exit(3);
}

/* ---- static task creation (no kernel heap) ---- */

static StackType_t s_stacks[MAX_TASKS][STACK_WORDS];
static StaticTask_t s_tcbs[MAX_TASKS];
static unsigned s_next_task;

static TaskHandle_t spawn(TaskFunction_t fn, const char *name, void *arg, UBaseType_t prio)
{
    if (s_next_task >= MAX_TASKS) {
        printf("out of task slots\n");
        exit(3);
    }
    const unsigned i = s_next_task++;
    return xTaskCreateStatic(fn, name, STACK_WORDS, arg, prio, s_stacks[i], &s_tcbs[i]);
}

/* A fixed pool shared by the hammer tasks and the tick interrupt. */
MODESP_POOL_DEFINE_STATIC(shared_pool, 24, 16);

/* ---- "ISR" context for the in_isr hook: one task at a time may pretend ---- */

static TaskHandle_t s_isr_task;
static volatile bool s_in_tick_isr; /* set while vApplicationTickHook runs (in the SIGALRM handler) */

static bool sim_in_isr(void)
{
    return s_in_tick_isr || (s_isr_task != NULL && xTaskGetCurrentTaskHandle() == s_isr_task);
}

/* ---- WAIT scenarios ---- */

typedef struct {
    modesp_pool_manager_t *pm;
    uint32_t timeout_ms;
    SemaphoreHandle_t done;
    TickType_t start, end;
    esp_err_t err;
    void *block;
} waiter_t;

static void waiter_task(void *arg)
{
    waiter_t *w = arg;
    w->start = xTaskGetTickCount();
    w->err = modesp_pool_manager_allocate_ex(w->pm, XL_SIZE, MODESP_ALLOC_WAIT, w->timeout_ms, &w->block);
    w->end = xTaskGetTickCount();
    (void)xSemaphoreGive(w->done);
    vTaskDelete(NULL);
}

typedef struct {
    modesp_pool_manager_t *pm;
    void *blocks[3];
    unsigned count;
    TickType_t first_delay, gap; /* ticks before the first free and between frees */
    TickType_t freed_at[3];
    SemaphoreHandle_t done;
} freer_t;

static void freer_task(void *arg)
{
    freer_t *f = arg;
    vTaskDelay(f->first_delay);
    for (unsigned i = 0; i < f->count; i++) {
        if (i > 0) {
            vTaskDelay(f->gap);
        }
        f->freed_at[i] = xTaskGetTickCount();
        if (modesp_pool_manager_free(f->pm, f->blocks[i]) != ESP_OK) {
            f->freed_at[i] = 0;
        }
    }
    (void)xSemaphoreGive(f->done);
    vTaskDelete(NULL);
}

static StaticSemaphore_t s_done_storage;
static SemaphoreHandle_t s_done;

static bool wait_done(unsigned n, TickType_t timeout)
{
    for (unsigned i = 0; i < n; i++) {
        if (xSemaphoreTake(s_done, timeout) != pdTRUE) {
            return false;
        }
    }
    return true;
}

static void scenario_wait(modesp_pool_manager_t *pm)
{
    printf("WAIT scenarios (XLARGE class: %u blocks of %u bytes)\n", (unsigned)XL_COUNT, (unsigned)XL_SIZE);
    (void)modesp_pool_manager_reset_stats(pm);
    void *held[XL_COUNT];
    unsigned n = 0;
    void *p;
    while (n < XL_COUNT && (p = modesp_pool_manager_allocate(pm, XL_SIZE)) != NULL) {
        held[n++] = p;
    }
    CHECK(n == XL_COUNT);
    CHECK(modesp_pool_manager_allocate(pm, XL_SIZE) == NULL);

    /* 1. one waiter (priority 2), woken by a free from a lower-priority task 100 ticks later */
    waiter_t w = {.pm = pm, .timeout_ms = 2000, .done = s_done};
    freer_t f = {.pm = pm, .count = 1, .first_delay = 100, .done = s_done};
    f.blocks[0] = held[--n];
    spawn(waiter_task, "waiter", &w, 2);
    spawn(freer_task, "freer", &f, 1);
    CHECK(wait_done(2, 5000));
    CHECK(w.err == ESP_OK);
    CHECK(w.block == f.blocks[0]); /* the only free XLARGE block is the one just freed */
    printf("  woken by another task's free: %s, blocked %lu ticks (free at +%lu), woke %lu ticks after the free\n",
           modesp_err_to_name(w.err), (unsigned long)(w.end - w.start), (unsigned long)(f.freed_at[0] - w.start),
           (unsigned long)(w.end - f.freed_at[0]));
    CHECK(w.end - w.start >= 100 && w.end - w.start < 2000);
    CHECK(w.end - f.freed_at[0] <= 1);
    held[n++] = w.block;

    /* 2. three waiters on the class, three frees 20 ticks apart: every waiter is served */
    waiter_t ws[3];
    freer_t f3 = {.pm = pm, .count = 3, .first_delay = 50, .gap = 20, .done = s_done};
    for (unsigned i = 0; i < 3; i++) {
        ws[i] = (waiter_t){.pm = pm, .timeout_ms = 3000, .done = s_done};
        f3.blocks[i] = held[--n];
        spawn(waiter_task, "waiter", &ws[i], 2);
    }
    spawn(freer_task, "freer", &f3, 1);
    CHECK(wait_done(4, 8000));
    printf("  three waiters, frees at +%lu, +%lu, +%lu ticks:\n", (unsigned long)(f3.freed_at[0] - ws[0].start),
           (unsigned long)(f3.freed_at[1] - ws[0].start), (unsigned long)(f3.freed_at[2] - ws[0].start));
    for (unsigned i = 0; i < 3; i++) {
        CHECK(ws[i].err == ESP_OK);
        printf("    waiter %u of 3: %s after %lu ticks\n", i + 1, modesp_err_to_name(ws[i].err),
               (unsigned long)(ws[i].end - ws[i].start));
        if (ws[i].err == ESP_OK) {
            held[n++] = ws[i].block;
        }
    }

    /* 3. nobody frees: the wait ends with ESP_ERR_TIMEOUT at its deadline */
    waiter_t wt = {.pm = pm, .timeout_ms = 300, .done = s_done};
    spawn(waiter_task, "waiter", &wt, 2);
    CHECK(wait_done(1, 5000));
    CHECK(wt.err == ESP_ERR_TIMEOUT && wt.block == NULL);
    CHECK(wt.end - wt.start >= 300 && wt.end - wt.start <= 302);
    printf("  nobody frees, timeout 300 ms: %s after %lu ticks\n", modesp_err_to_name(wt.err),
           (unsigned long)(wt.end - wt.start));

    /* 4. timeout 0 does not wait; a WAIT from (simulated) ISR context is refused */
    void *out = NULL;
    CHECK(modesp_pool_manager_allocate_ex(pm, XL_SIZE, MODESP_ALLOC_WAIT, 0, &out) == ESP_ERR_NO_MEM);
    s_isr_task = xTaskGetCurrentTaskHandle();
    const esp_err_t isr_err = modesp_pool_manager_allocate_ex(pm, XL_SIZE, MODESP_ALLOC_WAIT, 100, &out);
    s_isr_task = NULL;
    CHECK(isr_err == ESP_ERR_INVALID_STATE);
    printf("  timeout 0: ESP_ERR_NO_MEM at once; WAIT from ISR context: %s\n", modesp_err_to_name(isr_err));

    modesp_pool_manager_stats_t st;
    CHECK(modesp_pool_manager_get_stats(pm, &st) == ESP_OK);
    printf("  manager counters: waits=%u wait_timeouts=%u isr_refusals=%u\n", (unsigned)st.waits,
           (unsigned)st.wait_timeouts, (unsigned)st.isr_refusals);
    CHECK(st.waits == 5 && st.wait_timeouts == 1 && st.isr_refusals == 1);

    while (n > 0) {
        CHECK(modesp_pool_manager_free(pm, held[--n]) == ESP_OK);
    }
    CHECK(modesp_pool_in_use(modesp_pool_manager_get_pool(pm, MODESP_CLASS_XLARGE)) == 0);
}

static uint32_t xorshift_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static bool pattern_ok(const uint8_t *p, size_t size, uint8_t byte)
{
    for (size_t i = 0; i < size; i++) {
        if (p[i] != byte) {
            return false;
        }
    }
    return true;
}

/* ---- WAIT churn: more tasks than free blocks, every block freed soon after it is taken ---- */

#ifndef CHURN_CYCLES
#define CHURN_CYCLES 1000 /* WAIT allocations per churn task */
#endif
#define CHURN_TASKS  5
#define CHURN_BLOCKS 2 /* XLARGE blocks left free for the churn tasks */

typedef struct {
    unsigned id;
    modesp_pool_manager_t *pm;
    uint32_t served, timeouts, errors, pattern_errors;
    TickType_t longest; /* longest single WAIT, in ticks */
} churn_t;

static churn_t s_churn[CHURN_TASKS];

static void churn_task(void *arg)
{
    churn_t *c = arg;
    uint32_t rng = 0x2545F491u * (c->id + 7u);
    const uint8_t mark = (uint8_t)(0x50u + c->id);
    for (uint32_t i = 0; i < CHURN_CYCLES; i++) {
        void *b = NULL;
        const TickType_t t0 = xTaskGetTickCount();
        /* A block is freed every tick or two, so a wait that reaches 500 ms means a lost wake-up. */
        const esp_err_t err = modesp_pool_manager_allocate_ex(c->pm, XL_SIZE, MODESP_ALLOC_WAIT, 500, &b);
        const TickType_t took = xTaskGetTickCount() - t0;
        if (took > c->longest) {
            c->longest = took;
        }
        if (err == ESP_ERR_TIMEOUT) {
            c->timeouts++;
            continue;
        }
        if (err != ESP_OK) {
            c->errors++;
            continue;
        }
        c->served++;
        memset(b, mark, XL_SIZE);
        vTaskDelay((TickType_t)(xorshift_next(&rng) % 3u)); /* hold 0..2 ticks (0 = yield) */
        if (!pattern_ok(b, XL_SIZE, mark)) {
            c->pattern_errors++;
        }
        if (modesp_pool_manager_free(c->pm, b) != ESP_OK) {
            c->errors++;
        }
        /* Think for a tick before asking again: without it the freeing task would take its own block
         * back before the woken waiter runs (equal priority, no preemption until the next tick), and a
         * long wait would mean starvation rather than a lost wake-up. */
        vTaskDelay(1);
    }
    (void)xSemaphoreGive(s_done);
    vTaskDelete(NULL);
}

static void scenario_churn(modesp_pool_manager_t *pm)
{
    printf("WAIT churn: %d tasks (equal priority), %d XLARGE blocks free, %d WAIT allocations each "
           "(timeout 500 ms), each block held 0..2 ticks, 1 tick between\n",
           CHURN_TASKS, CHURN_BLOCKS, CHURN_CYCLES);
    (void)modesp_pool_manager_reset_stats(pm);
    void *held[XL_COUNT];
    unsigned n = 0;
    while (n < XL_COUNT - CHURN_BLOCKS) {
        held[n] = modesp_pool_manager_allocate(pm, XL_SIZE);
        CHECK(held[n] != NULL);
        n++;
    }
    const TickType_t t0 = xTaskGetTickCount();
    for (unsigned i = 0; i < CHURN_TASKS; i++) {
        s_churn[i] = (churn_t){.id = i, .pm = pm};
        spawn(churn_task, "churn", &s_churn[i], 1);
    }
    CHECK(wait_done(CHURN_TASKS, 600000));
    const TickType_t ticks = xTaskGetTickCount() - t0;
    uint32_t served = 0, timeouts = 0;
    TickType_t longest = 0;
    for (unsigned i = 0; i < CHURN_TASKS; i++) {
        const churn_t *c = &s_churn[i];
        printf("  task %u: %u served, %u timeouts, longest wait %lu ticks\n", i, (unsigned)c->served,
               (unsigned)c->timeouts, (unsigned long)c->longest);
        CHECK(c->errors == 0 && c->pattern_errors == 0);
        CHECK(c->timeouts == 0);
        served += c->served;
        timeouts += c->timeouts;
        if (c->longest > longest) {
            longest = c->longest;
        }
    }
    modesp_pool_manager_stats_t st;
    CHECK(modesp_pool_manager_get_stats(pm, &st) == ESP_OK);
    printf("  %lu ticks; %u served, %u timed out, longest wait %lu ticks; manager: %u waits blocked, "
           "%u timed out\n",
           (unsigned long)ticks, (unsigned)served, (unsigned)timeouts, (unsigned long)longest, (unsigned)st.waits,
           (unsigned)st.wait_timeouts);
    while (n > 0) {
        CHECK(modesp_pool_manager_free(pm, held[--n]) == ESP_OK);
    }
    CHECK(modesp_pool_in_use(modesp_pool_manager_get_pool(pm, MODESP_CLASS_XLARGE)) == 0);
}

/* ---- the "interrupt" side: the tick hook, called by the kernel inside its tick ISR ---- */

#define ISR_HOLD 4

static struct {
    volatile bool active;
    modesp_pool_manager_t *pm;
    uint32_t rng;
    void *held[ISR_HOLD];
    size_t size[ISR_HOLD];
    unsigned nheld;
    uint8_t *pool_block;
    uint32_t interrupts, allocs, alloc_fails, frees, xl_frees, pool_allocs, pool_fails, pattern_errors, free_errors;
} s_isr;

#define ISR_MARK 0xEEu

static void isr_work(void)
{
    s_isr.interrupts++;
    const uint32_t r = xorshift_next(&s_isr.rng);
    if (s_isr.nheld < ISR_HOLD && (s_isr.nheld == 0 || (r & 1u))) {
        const size_t size = 1u + (r >> 8) % XL_SIZE;
        void *out = NULL;
        if (modesp_pool_manager_allocate_ex(s_isr.pm, size, MODESP_ALLOC_STRICT, 0, &out) == ESP_OK) {
            memset(out, ISR_MARK, size);
            s_isr.held[s_isr.nheld] = out;
            s_isr.size[s_isr.nheld] = size;
            s_isr.nheld++;
            s_isr.allocs++;
        } else {
            s_isr.alloc_fails++;
        }
    } else if (s_isr.nheld > 0) {
        /* A free here may wake a task blocked in WAIT: the port gives its semaphore with the FromISR call. */
        const unsigned k = (r >> 3) % s_isr.nheld;
        if (!pattern_ok(s_isr.held[k], s_isr.size[k], ISR_MARK)) {
            s_isr.pattern_errors++;
        }
        if (modesp_pool_manager_deallocate(s_isr.pm, s_isr.held[k], s_isr.size[k]) != ESP_OK) {
            s_isr.free_errors++;
        }
        s_isr.frees++;
        s_isr.xl_frees += (s_isr.size[k] > CONFIG_MEMORY_POOL_LARGE_SIZE); /* the class the WAIT tasks block on */
        s_isr.nheld--;
        s_isr.held[k] = s_isr.held[s_isr.nheld];
        s_isr.size[k] = s_isr.size[s_isr.nheld];
    }
    if (s_isr.pool_block == NULL) {
        s_isr.pool_block = modesp_pool_allocate(&shared_pool);
        if (s_isr.pool_block != NULL) {
            memset(s_isr.pool_block, ISR_MARK, 24);
            s_isr.pool_allocs++;
        } else {
            s_isr.pool_fails++;
        }
    } else {
        if (!pattern_ok(s_isr.pool_block, 24, ISR_MARK)) {
            s_isr.pattern_errors++;
        }
        if (modesp_pool_deallocate(&shared_pool, s_isr.pool_block) != ESP_OK) {
            s_isr.free_errors++;
        }
        s_isr.pool_block = NULL;
    }
}

void vApplicationTickHook(void)
{
    if (!s_isr.active) {
        return;
    }
    s_in_tick_isr = true;
    isr_work();
    s_in_tick_isr = false;
}

/* Return what the interrupt side still holds (task context, after it stopped). */
static void isr_side_drain(void)
{
    while (s_isr.nheld > 0) {
        s_isr.nheld--;
        if (!pattern_ok(s_isr.held[s_isr.nheld], s_isr.size[s_isr.nheld], ISR_MARK)) {
            s_isr.pattern_errors++;
        }
        if (modesp_pool_manager_deallocate(s_isr.pm, s_isr.held[s_isr.nheld], s_isr.size[s_isr.nheld]) != ESP_OK) {
            s_isr.free_errors++;
        }
    }
    if (s_isr.pool_block != NULL) {
        if (modesp_pool_deallocate(&shared_pool, s_isr.pool_block) != ESP_OK) {
            s_isr.free_errors++;
        }
        s_isr.pool_block = NULL;
    }
}

/* ---- HAMMER scenario ---- */

typedef struct {
    unsigned id;
    modesp_pool_manager_t *pm;
    uint32_t allocs, alloc_fails, waits_ok, waits_timed_out, pool_allocs, pool_fails;
    uint32_t pattern_errors, free_errors, switches;
} hammer_t;

static hammer_t s_hammer[HAMMER_TASKS];
static volatile unsigned s_last_runner; /* who ran the previous operation: counts task switches */

static void hammer_task(void *arg)
{
    hammer_t *h = arg;
    const uint8_t mark = (uint8_t)(0xA0u + h->id);
    uint32_t rng = 0x9E3779B9u * (h->id + 1u);
    struct {
        uint8_t *p;
        size_t size;
    } held[HAMMER_HOLD] = {{0}};
    unsigned nheld = 0;
    uint8_t *pool_block = NULL;

    for (uint32_t it = 0; it < HAMMER_ITERATIONS; it++) {
        if (s_last_runner != h->id) {
            h->switches++;
            s_last_runner = h->id;
        }
        const uint32_t r = xorshift_next(&rng);
        if (nheld < HAMMER_HOLD && (nheld == 0 || (r & 1u))) {
            const size_t size = 1u + (r >> 8) % XL_SIZE;
            const uint32_t pick = (r >> 4) & 15u;
            const modesp_alloc_strategy_t strat =
                pick == 0 ? MODESP_ALLOC_WAIT : (pick < 4 ? MODESP_ALLOC_SPILL : MODESP_ALLOC_STRICT);
            void *out = NULL;
            const esp_err_t err = modesp_pool_manager_allocate_ex(h->pm, size, strat, 2, &out);
            if (err == ESP_OK) {
                memset(out, mark, size);
                held[nheld].p = out;
                held[nheld].size = size;
                nheld++;
                h->allocs++;
                h->waits_ok += (strat == MODESP_ALLOC_WAIT);
            } else {
                h->alloc_fails++;
                h->waits_timed_out += (err == ESP_ERR_TIMEOUT);
            }
        } else if (nheld > 0) {
            const unsigned k = (r >> 3) % nheld;
            if (!pattern_ok(held[k].p, held[k].size, mark)) {
                h->pattern_errors++;
            }
            memset(held[k].p, 0, held[k].size);
            if (modesp_pool_manager_deallocate(h->pm, held[k].p, held[k].size) != ESP_OK) {
                h->free_errors++;
            }
            held[k] = held[--nheld];
        }
        /* the shared fixed pool: take, mark, check, give back */
        if (pool_block == NULL) {
            pool_block = modesp_pool_allocate(&shared_pool);
            if (pool_block != NULL) {
                memset(pool_block, mark, 24);
                h->pool_allocs++;
            } else {
                h->pool_fails++;
            }
        } else if (r & 2u) {
            if (!pattern_ok(pool_block, 24, mark)) {
                h->pattern_errors++;
            }
            if (modesp_pool_deallocate(&shared_pool, pool_block) != ESP_OK) {
                h->free_errors++;
            }
            pool_block = NULL;
        }
        /* the higher-priority tasks sleep now and then, so they preempt the others when they wake */
        if (h->id >= HAMMER_TASKS - 2 && (it & 4095u) == 0u) {
            vTaskDelay(1);
        }
    }
    while (nheld > 0) {
        nheld--;
        if (!pattern_ok(held[nheld].p, held[nheld].size, mark)) {
            h->pattern_errors++;
        }
        if (modesp_pool_manager_deallocate(h->pm, held[nheld].p, held[nheld].size) != ESP_OK) {
            h->free_errors++;
        }
    }
    if (pool_block != NULL && modesp_pool_deallocate(&shared_pool, pool_block) != ESP_OK) {
        h->free_errors++;
    }
    (void)xSemaphoreGive(s_done);
    vTaskDelete(NULL);
}

static void scenario_hammer(modesp_pool_manager_t *pm)
{
    printf("HAMMER: %d tasks (4 at priority 1, 2 at priority 2), %d operations each, and the tick interrupt\n",
           HAMMER_TASKS, HAMMER_ITERATIONS);
    (void)modesp_pool_manager_reset_stats(pm);
    (void)modesp_pool_reset_stats(&shared_pool);
    s_isr.pm = pm;
    s_isr.rng = 0xC0FFEE11u;
    s_isr.active = true; /* from now on every tick also allocates or frees */
    const TickType_t t0 = xTaskGetTickCount();
    for (unsigned i = 0; i < HAMMER_TASKS; i++) {
        s_hammer[i] = (hammer_t){.id = i, .pm = pm};
        spawn(hammer_task, "hammer", &s_hammer[i], i >= HAMMER_TASKS - 2 ? 2 : 1);
    }
    CHECK(wait_done(HAMMER_TASKS, 600000));
    s_isr.active = false;
    const TickType_t ticks = xTaskGetTickCount() - t0;
    vTaskDelay(2); /* let a tick that is already running finish */
    isr_side_drain();
    printf("  tick interrupt: %u interrupts, %u manager allocs (%u refused), %u frees (%u XLARGE), %u shared-pool "
           "allocs (%u refused), pattern errors %u, free errors %u\n",
           (unsigned)s_isr.interrupts, (unsigned)s_isr.allocs, (unsigned)s_isr.alloc_fails, (unsigned)s_isr.frees,
           (unsigned)s_isr.xl_frees, (unsigned)s_isr.pool_allocs, (unsigned)s_isr.pool_fails,
           (unsigned)s_isr.pattern_errors, (unsigned)s_isr.free_errors);
    CHECK(s_isr.interrupts > 0 && s_isr.allocs > 0);
    CHECK(s_isr.pattern_errors == 0 && s_isr.free_errors == 0);

    uint32_t allocs = 0, fails = 0, waits_ok = 0, timeouts = 0, pool_allocs = 0, switches = 0;
    for (unsigned i = 0; i < HAMMER_TASKS; i++) {
        const hammer_t *h = &s_hammer[i];
        printf("  task %u: %u allocs, %u refused (%u WAIT timeouts), %u WAIT served, %u shared-pool allocs, "
               "%u switches in, pattern errors %u, free errors %u\n",
               i, (unsigned)h->allocs, (unsigned)h->alloc_fails, (unsigned)h->waits_timed_out, (unsigned)h->waits_ok,
               (unsigned)h->pool_allocs, (unsigned)h->switches, (unsigned)h->pattern_errors, (unsigned)h->free_errors);
        CHECK(h->pattern_errors == 0);
        CHECK(h->free_errors == 0);
        allocs += h->allocs;
        fails += h->alloc_fails;
        waits_ok += h->waits_ok;
        timeouts += h->waits_timed_out;
        pool_allocs += h->pool_allocs;
        switches += h->switches;
    }
    printf("  %lu ticks (ms); %u manager allocs, %u refused, %u WAIT served, %u WAIT timeouts, "
           "%u shared-pool allocs, %u task switches between operations\n",
           (unsigned long)ticks, (unsigned)allocs, (unsigned)fails, (unsigned)waits_ok, (unsigned)timeouts,
           (unsigned)pool_allocs, (unsigned)switches);

    modesp_pool_manager_stats_t st;
    CHECK(modesp_pool_manager_get_stats(pm, &st) == ESP_OK);
    uint32_t class_allocs = 0, class_fails = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        printf("  class %-6s in_use %u peak %u/%u allocs %u failures %u\n",
               modesp_size_class_name((modesp_size_class_t)c), (unsigned)st.classes[c].in_use,
               (unsigned)st.classes[c].peak, (unsigned)st.classes[c].capacity, (unsigned)st.classes[c].total_allocs,
               (unsigned)st.classes[c].alloc_failures);
        CHECK(st.classes[c].in_use == 0);
        CHECK(st.classes[c].invalid_frees == 0);
        CHECK(st.classes[c].corruptions == 0);
        class_allocs += st.classes[c].total_allocs;
        class_fails += st.classes[c].alloc_failures;
    }
    printf("  manager: bytes_in_use %u, spills %u, blocked waits %u (%u woken by a free, %u timed out), level %d\n",
           (unsigned)st.bytes_in_use, (unsigned)st.spills, (unsigned)st.waits, (unsigned)(st.waits - st.wait_timeouts),
           (unsigned)st.wait_timeouts, (int)st.level);
    CHECK(class_allocs == allocs + s_isr.allocs);
    CHECK(st.bytes_in_use == 0);
    CHECK(st.wait_timeouts == timeouts);
    (void)class_fails;

    int bad_class = 0;
    modesp_pool_integrity_t report;
    const esp_err_t ierr = modesp_pool_manager_check_integrity(pm, &bad_class, &report);
    CHECK(ierr == ESP_OK);
    modesp_pool_stats_t ps;
    CHECK(modesp_pool_get_stats(&shared_pool, &ps) == ESP_OK);
    const esp_err_t perr = modesp_pool_check_integrity(&shared_pool, &report);
    CHECK(perr == ESP_OK);
    CHECK(ps.in_use == 0 && ps.total_allocs == pool_allocs + s_isr.pool_allocs && ps.invalid_frees == 0);
    printf("  integrity: manager %s, shared pool %s (in_use %u, peak %u/%u, allocs %u)\n", modesp_err_to_name(ierr),
           modesp_err_to_name(perr), (unsigned)ps.in_use, (unsigned)ps.peak, (unsigned)ps.capacity,
           (unsigned)ps.total_allocs);
}

static void controller_task(void *arg)
{
    (void)arg;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    scenario_wait(pm);
    scenario_churn(pm);
    scenario_hammer(pm);
    printf("%s: %u failed checks\n", s_failures == 0 ? "PASS" : "FAIL", s_failures);
    fflush(stdout);
    exit(s_failures == 0 ? 0 : 1);
}

int main(void)
{
    const modesp_freertos_hooks_t hooks = {.in_isr = sim_in_isr};
    modesp_port_freertos_set_hooks(&hooks);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("FreeRTOS %s, POSIX simulator port, tick %d Hz\n", tskKERNEL_VERSION_NUMBER, configTICK_RATE_HZ);
    s_done = xSemaphoreCreateCountingStatic(64, 0, &s_done_storage);
    spawn(controller_task, "control", NULL, 3);
    vTaskStartScheduler();
    printf("scheduler returned\n");
    return 2;
}
