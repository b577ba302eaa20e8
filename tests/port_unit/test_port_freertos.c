/*
 * Host unit test of the generic FreeRTOS port (src/port/freertos), linked
 * against test doubles of the few kernel calls it makes (declared in
 * tests/port_decls/). The doubles record calls and play scripted answers;
 * they are fakes for this test, not a kernel.
 *
 * It covers what the run on the real kernel (tools/freertos_sim.sh) cannot:
 * the 32-bit tick counter wrapping (the POSIX simulator's tick is 64-bit),
 * a stale tick reading, the choice of critical-section form by context, and
 * the wait-queue rules in races that the simulator hits only by chance:
 * a signal arriving while a take times out (rule 2) and a waiter arriving
 * while tokens are still owed (rule 1).
 *
 * Run with `make port-check` (tools/port_check.sh builds and runs it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"

#include "modesp/port_freertos.h"
#include "port.h"

static unsigned s_failures;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            s_failures++;                                                                                              \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                                     \
        }                                                                                                              \
    } while (0)

/* ---- test doubles ---- */

static struct {
    TickType_t tick;
    bool in_isr;
    int task_crit_depth, isr_crit_depth;
    unsigned task_crit_entries, isr_crit_entries;
    unsigned takes, timed_takes, gives, isr_gives, yields, delays;
    unsigned sem_count;
    modesp_port_waitq_t *signal_during_take; /* a "free" that lands while the next take blocks */
} f;

static StaticSemaphore_t *s_sem_storage;

void taskENTER_CRITICAL(void)
{
    f.task_crit_depth++;
    f.task_crit_entries++;
}
void taskEXIT_CRITICAL(void) { f.task_crit_depth--; }
UBaseType_t taskENTER_CRITICAL_FROM_ISR(void)
{
    f.isr_crit_depth++;
    f.isr_crit_entries++;
    return 0x5Au; /* the saved mask must come back unchanged */
}
void taskEXIT_CRITICAL_FROM_ISR(UBaseType_t saved)
{
    CHECK(saved == 0x5Au);
    f.isr_crit_depth--;
}
BaseType_t xPortIsInsideInterrupt(void) { return f.in_isr ? pdTRUE : pdFALSE; }
TickType_t xTaskGetTickCount(void) { return f.tick; }
TickType_t xTaskGetTickCountFromISR(void) { return f.tick; }
void vTaskDelay(const TickType_t ticks)
{
    f.delays++;
    f.tick += ticks;
}
void portYIELD_FROM_ISR(BaseType_t woken)
{
    (void)woken;
    f.yields++;
}
SemaphoreHandle_t xSemaphoreCreateCountingStatic(UBaseType_t max, UBaseType_t initial, StaticSemaphore_t *buf)
{
    CHECK(max >= 1u && initial == 0u && buf != NULL);
    s_sem_storage = buf;
    return (SemaphoreHandle_t)(void *)buf;
}
BaseType_t xSemaphoreTake(SemaphoreHandle_t sem, TickType_t ticks)
{
    (void)sem;
    CHECK(f.task_crit_depth == 0); /* never called inside the critical section */
    f.takes++;
    if (ticks != 0u && ticks != portMAX_DELAY) {
        f.timed_takes++;
    }
    if (f.signal_during_take != NULL) {
        /* The free lands while we block, and our timeout expires before its token arrives. */
        modesp_port_waitq_t *q = f.signal_during_take;
        f.signal_during_take = NULL;
        const unsigned before = f.sem_count;
        f.sem_count = 0; /* hold the token back until after the timeout */
        modesp_port_waitq_signal(q);
        const unsigned given = f.sem_count;
        f.sem_count = before + given;
        f.tick += ticks;
        return pdFALSE;
    }
    if (f.sem_count > 0u) {
        f.sem_count--;
        return pdTRUE;
    }
    f.tick += ticks;
    return pdFALSE;
}
BaseType_t xSemaphoreGive(SemaphoreHandle_t sem)
{
    (void)sem;
    CHECK(f.task_crit_depth == 0);
    f.gives++;
    f.sem_count++;
    return pdTRUE;
}
BaseType_t xSemaphoreGiveFromISR(SemaphoreHandle_t sem, BaseType_t *woken)
{
    (void)sem;
    CHECK(f.isr_crit_depth == 0);
    f.isr_gives++;
    f.sem_count++;
    *woken = pdTRUE;
    return pdTRUE;
}
void *pvPortMalloc(size_t size) { return size == 0u ? NULL : &f; }
void vPortFree(void *p) { (void)p; }

/* ---- tests ---- */

static void test_tick_clock(void)
{
    memset(&f, 0, sizeof f);
    modesp_port_freertos_set_hooks(NULL);
    CHECK(modesp_port_time_us() == 0u);
    f.tick = 1500u;
    CHECK(modesp_port_time_us() == 1500000u); /* configTICK_RATE_HZ 1000 in the decls */
    /* walk to the top of the 32-bit counter in steps under half its range */
    f.tick = 0x40000000u;
    (void)modesp_port_time_us();
    f.tick = 0x80000000u;
    (void)modesp_port_time_us();
    f.tick = 0xC0000000u;
    (void)modesp_port_time_us();
    f.tick = 0xFFFFFF00u;
    CHECK(modesp_port_time_us() == (uint64_t)0xFFFFFF00u * 1000u);
    f.tick = 0x100u; /* wrapped */
    const uint64_t after_wrap = modesp_port_time_us();
    CHECK(after_wrap == ((uint64_t)1 << 32 | 0x100u) * 1000u);
    f.tick = 0xF0u; /* a stale reading from a preempted caller: no step back */
    CHECK(modesp_port_time_us() == after_wrap);
    f.tick = 0x200u;
    CHECK(modesp_port_time_us() == ((uint64_t)1 << 32 | 0x200u) * 1000u);
    f.in_isr = true; /* the ISR reads the same clock */
    CHECK(modesp_port_time_us() == ((uint64_t)1 << 32 | 0x200u) * 1000u);
    CHECK(f.isr_crit_depth == 0 && f.task_crit_depth == 0);
}

static bool s_hook_isr;
static uint64_t hook_time(void) { return 42u; }
static bool hook_in_isr(void) { return s_hook_isr; }
static unsigned s_log_lines;
static void hook_log(int level, const char *tag, const char *fmt, va_list ap)
{
    char line[64];
    (void)vsnprintf(line, sizeof line, fmt, ap);
    CHECK(level == MODESP_LOG_WARN && strcmp(tag, "t") == 0 && strcmp(line, "x=7") == 0);
    s_log_lines++;
}

static void test_critical_and_hooks(void)
{
    memset(&f, 0, sizeof f);
    modesp_port_freertos_set_hooks(NULL);
    uint32_t s = modesp_port_critical_enter();
    CHECK(f.task_crit_depth == 1 && f.isr_crit_depth == 0);
    modesp_port_critical_exit(s);
    CHECK(f.task_crit_depth == 0);
    f.in_isr = true;
    CHECK(modesp_port_in_isr());
    s = modesp_port_critical_enter();
    CHECK(f.isr_crit_depth == 1 && f.task_crit_depth == 0);
    modesp_port_critical_exit(s);
    CHECK(f.isr_crit_depth == 0);
    f.in_isr = false;

    /* hooks replace xPortIsInsideInterrupt, the tick clock and the log */
    const modesp_freertos_hooks_t hooks = {.in_isr = hook_in_isr, .time_us = hook_time, .log = hook_log};
    modesp_port_freertos_set_hooks(&hooks);
    s_hook_isr = true;
    f.in_isr = false;
    CHECK(modesp_port_in_isr());
    s = modesp_port_critical_enter();
    CHECK(f.isr_crit_depth == 1);
    modesp_port_critical_exit(s);
    s_hook_isr = false;
    CHECK(!modesp_port_in_isr());
    CHECK(modesp_port_time_us() == 42u);
    modesp_port_log(MODESP_LOG_WARN, "t", "x=%d", 7);
    CHECK(s_log_lines == 1u);
    modesp_port_freertos_set_hooks(NULL);
}

/* The wait-queue tests read time as tick x 1 ms, independent of the widened clock's state above. */
static uint64_t fake_tick_time(void) { return (uint64_t)f.tick * 1000u; }

static void test_waitq(void)
{
    memset(&f, 0, sizeof f);
    const modesp_freertos_hooks_t hooks = {.time_us = fake_tick_time};
    modesp_port_freertos_set_hooks(&hooks);
    static modesp_port_waitq_t q;
    modesp_port_waitq_init(&q);
    CHECK(s_sem_storage == &q.sem_storage); /* static: the semaphore lives in the queue */
    CHECK(modesp_port_waitq_seq(&q) == 0u);

    /* a signal with nobody asleep only advances seq */
    modesp_port_waitq_signal(&q);
    CHECK(modesp_port_waitq_seq(&q) == 1u && f.gives == 0u);

    /* seq already moved on: no sleep */
    f.tick = 1000u;
    CHECK(modesp_port_waitq_wait(&q, 0u, 5000000u) == ESP_OK && f.takes == 0u);

    /* nobody signals: the wait times out at its deadline and unregisters */
    CHECK(modesp_port_waitq_wait(&q, 1u, 1010000u) == ESP_ERR_TIMEOUT);
    CHECK(f.timed_takes == 1u && q.sleepers == 0u && q.owed == 0u);
    CHECK(f.tick >= 1010u);

    /* a deadline already passed: no block at all */
    const unsigned takes = f.takes;
    CHECK(modesp_port_waitq_wait(&q, 1u, 1u) == ESP_ERR_TIMEOUT && f.takes == takes && q.sleepers == 0u);

    /* rule 2: the signal counts us while our take times out; we still take its token */
    f.signal_during_take = &q;
    const uint32_t seen = modesp_port_waitq_seq(&q);
    CHECK(modesp_port_waitq_wait(&q, seen, (uint64_t)(f.tick + 50u) * 1000u) == ESP_OK);
    CHECK(q.seq == seen + 1u && q.owed == 0u && q.sleepers == 0u && f.sem_count == 0u);

    /* rule 1: while tokens are owed a new waiter polls by ticks, never takes */
    q.owed = 1u;
    const unsigned takes_before = f.takes, delays_before = f.delays;
    CHECK(modesp_port_waitq_wait(&q, q.seq, (uint64_t)(f.tick + 3u) * 1000u) == ESP_ERR_TIMEOUT);
    CHECK(f.takes == takes_before && f.delays - delays_before == 3u && q.sleepers == 0u);
    q.owed = 0u;

    /* a signal from an ISR gives one token per sleeper with the FromISR call, then asks for a switch */
    q.sleepers = 3u;
    const unsigned task_gives = f.gives;
    f.in_isr = true;
    modesp_port_waitq_signal(&q);
    f.in_isr = false;
    CHECK(f.isr_gives == 3u && f.yields == 1u && f.gives == task_gives && q.owed == 3u && q.sleepers == 0u);
    /* the three sleepers take their tokens */
    for (int i = 0; i < 3; i++) {
        CHECK(xSemaphoreTake(q.sem, 10u) == pdTRUE);
    }
    q.owed = 0u;
    CHECK(f.sem_count == 0u);
    CHECK(f.task_crit_depth == 0 && f.isr_crit_depth == 0);
    modesp_port_freertos_set_hooks(NULL);
}

static void test_heap(void)
{
    CHECK(modesp_port_heap_alloc(16u) != NULL);
    modesp_port_heap_free(NULL);
}

int main(void)
{
    test_tick_clock();
    test_critical_and_hooks();
    test_waitq();
    test_heap();
    printf("port unit test (generic FreeRTOS port against test doubles): %s, %u failed checks\n",
           s_failures == 0u ? "PASS" : "FAIL", s_failures);
    return s_failures == 0u ? 0 : 1;
}
