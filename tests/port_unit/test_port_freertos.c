/* SPDX-License-Identifier: Apache-2.0 */
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
 * a signal arriving while a take times out (rule 2), a waiter arriving
 * while tokens are still owed (rule 1), and the lazy creation of the
 * semaphore: a queue used with no init call, a second waiter (or a signal)
 * arriving while the first waiter is preempted inside the creation (rules 3
 * and 4).
 *
 * Run with `make port-check` (tools/port_check.sh builds and runs it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"

#include "modesp/port_freertos.h"
#include "port.h"

#include "check.h"

/* ---- test doubles ---- */

static struct {
    TickType_t tick;
    bool in_isr;
    int task_crit_depth, isr_crit_depth;
    unsigned task_crit_entries, isr_crit_entries;
    unsigned crit_entry_limit; /* nonzero: more task entries than this is a spin (see spin_guard) */
    unsigned takes, timed_takes, gives, isr_gives, yields, delays, creates;
    unsigned sem_count;
    modesp_port_waitq_t *signal_during_take; /* a "free" that lands while the next take blocks */
    bool hold_back_token;                    /* ... and its token arrives only after the take timed out */
    void (*during_create)(void);             /* runs while the creating task is "preempted" in the create */
    bool create_fails;                       /* the create returns NULL */
} f;

static StaticSemaphore_t *s_sem_storage;
static SemaphoreHandle_t s_sem; /* the last handle created: every take and give must use it */

/*
 * A waiter that spins instead of blocking enters the critical section
 * without end while the state it waits on cannot change (the creator is
 * "preempted" in the double below): fail and stop instead of hanging.
 */
static void spin_guard(void)
{
    if (f.crit_entry_limit != 0u && f.task_crit_entries > f.crit_entry_limit) {
        printf("FAIL %s:%d: a waiter spins on the critical section (%u entries)\n", __FILE__, __LINE__,
               f.task_crit_entries);
        exit(1);
    }
}

void taskENTER_CRITICAL(void)
{
    f.task_crit_depth++;
    f.task_crit_entries++;
    spin_guard();
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
    CHECK(f.task_crit_depth == 0);
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
    CHECK(f.task_crit_depth == 0 && f.isr_crit_depth == 0); /* an API call: outside the critical section */
    f.creates++;
    if (f.during_create != NULL) {
        /* the creating task is preempted here: other tasks (or an ISR) run */
        void (*hook)(void) = f.during_create;
        f.during_create = NULL;
        hook();
    }
    if (f.create_fails) {
        return NULL;
    }
    s_sem_storage = buf;
    s_sem = (SemaphoreHandle_t)(void *)buf;
    return s_sem;
}
BaseType_t xSemaphoreTake(SemaphoreHandle_t sem, TickType_t ticks)
{
    CHECK(sem != NULL && sem == s_sem); /* created before any take */
    CHECK(f.task_crit_depth == 0);      /* never called inside the critical section */
    f.takes++;
    if (ticks != 0u && ticks != portMAX_DELAY) {
        f.timed_takes++;
    }
    if (f.signal_during_take != NULL) {
        /* A free lands while we block: its token wakes us, or (hold_back_token) comes after our timeout. */
        modesp_port_waitq_t *q = f.signal_during_take;
        f.signal_during_take = NULL;
        if (f.hold_back_token) {
            const unsigned before = f.sem_count;
            f.sem_count = 0; /* hold the token back until after the timeout */
            modesp_port_waitq_signal(q);
            const unsigned given = f.sem_count;
            f.sem_count = before + given;
            f.tick += ticks;
            return pdFALSE;
        }
        f.tick += 1u; /* the free comes a tick later and its token wakes us */
        modesp_port_waitq_signal(q);
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
    CHECK(sem != NULL && sem == s_sem);
    CHECK(f.task_crit_depth == 0);
    f.gives++;
    f.sem_count++;
    return pdTRUE;
}
BaseType_t xSemaphoreGiveFromISR(SemaphoreHandle_t sem, BaseType_t *woken)
{
    CHECK(sem != NULL && sem == s_sem);
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

/* Fresh doubles, no semaphore created yet, time = tick x 1 ms. */
static void reset_for_waitq(void)
{
    memset(&f, 0, sizeof f);
    s_sem = NULL;
    s_sem_storage = NULL;
    const modesp_freertos_hooks_t hooks = {.time_us = fake_tick_time};
    modesp_port_freertos_set_hooks(&hooks);
}

/* The constant initializer is what a zero-filled (.bss) queue holds: the manager may rely on either. */
static void test_waitq_initializer(void)
{
    static modesp_port_waitq_t zeroed;
    static modesp_port_waitq_t initialised = MODESP_PORT_WAITQ_INITIALIZER;
    CHECK(memcmp(&zeroed, &initialised, sizeof zeroed) == 0);
    CHECK(initialised.sem_state == MODESP_PORT_WAITQ_SEM_NONE && initialised.sem == NULL);
}

static void test_waitq(void)
{
    reset_for_waitq();
    static modesp_port_waitq_t q; /* zero-filled, never initialised by a call */
    CHECK(modesp_port_waitq_seq(&q) == 0u);

    /* a signal before anyone waited only advances seq: no semaphore yet, nothing given */
    modesp_port_waitq_signal(&q);
    CHECK(modesp_port_waitq_seq(&q) == 1u && f.gives == 0u && f.creates == 0u);
    f.in_isr = true; /* the same from an ISR */
    modesp_port_waitq_signal(&q);
    f.in_isr = false;
    CHECK(modesp_port_waitq_seq(&q) == 2u && f.isr_gives == 0u && f.yields == 0u && f.creates == 0u);
    CHECK(q.sem_state == MODESP_PORT_WAITQ_SEM_NONE);

    /* seq already moved on: no sleep, and nothing to create */
    f.tick = 1000u;
    CHECK(modesp_port_waitq_wait(&q, 0u, 5000000u) == ESP_OK && f.takes == 0u && f.creates == 0u);

    /* nobody signals: the first wait creates the semaphore in the queue, times out at its deadline, unregisters */
    CHECK(modesp_port_waitq_wait(&q, 2u, 1010000u) == ESP_ERR_TIMEOUT);
    CHECK(f.creates == 1u && s_sem_storage == &q.sem_storage && q.sem == s_sem); /* static: lives in the queue */
    CHECK(q.sem_state == MODESP_PORT_WAITQ_SEM_READY);
    CHECK(f.timed_takes == 1u && q.sleepers == 0u && q.owed == 0u);
    CHECK(f.tick >= 1010u);

    /* a signal wakes a sleeper: its token is taken, nothing is left owed; created once only */
    f.signal_during_take = &q;
    uint32_t seen = modesp_port_waitq_seq(&q);
    CHECK(modesp_port_waitq_wait(&q, seen, (uint64_t)(f.tick + 50u) * 1000u) == ESP_OK);
    CHECK(q.seq == seen + 1u && f.gives == 1u && q.owed == 0u && q.sleepers == 0u && f.sem_count == 0u);
    CHECK(f.creates == 1u);

    /* a deadline already passed: no block at all */
    const unsigned takes = f.takes;
    seen = q.seq;
    CHECK(modesp_port_waitq_wait(&q, seen, 1u) == ESP_ERR_TIMEOUT && f.takes == takes && q.sleepers == 0u);

    /* rule 2: the signal counts us while our take times out; we still take its token */
    f.signal_during_take = &q;
    f.hold_back_token = true;
    seen = modesp_port_waitq_seq(&q);
    CHECK(modesp_port_waitq_wait(&q, seen, (uint64_t)(f.tick + 50u) * 1000u) == ESP_OK);
    CHECK(q.seq == seen + 1u && q.owed == 0u && q.sleepers == 0u && f.sem_count == 0u);
    f.hold_back_token = false;

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

/* ---- the first waiter is preempted inside the creation (rules 3 and 4) ---- */

static modesp_port_waitq_t s_race_q; /* zero-filled, never initialised by a call */
static esp_err_t s_second_result;
static unsigned s_second_delays, s_second_takes;
static TickType_t s_second_ticks;
static uint64_t s_second_deadline;
static bool s_signal_in_create, s_signal_in_create_from_isr;

/* A second task runs while the first one is inside xSemaphoreCreateCountingStatic. */
static void second_waiter(void)
{
    CHECK(s_race_q.sem_state == MODESP_PORT_WAITQ_SEM_CREATING);
    const unsigned delays = f.delays, takes = f.takes;
    const TickType_t tick = f.tick;
    f.crit_entry_limit = f.task_crit_entries + 50u; /* a spin fails here instead of hanging */
    s_second_result = modesp_port_waitq_wait(&s_race_q, modesp_port_waitq_seq(&s_race_q), s_second_deadline);
    f.crit_entry_limit = 0u;
    s_second_delays = f.delays - delays;
    s_second_takes = f.takes - takes;
    s_second_ticks = f.tick - tick;
    CHECK(s_race_q.sleepers == 0u); /* rule 4: no registration before the semaphore exists */
    if (s_signal_in_create) {
        const uint32_t seq = s_race_q.seq;
        f.in_isr = s_signal_in_create_from_isr;
        modesp_port_waitq_signal(&s_race_q);
        f.in_isr = false;
        CHECK(s_race_q.seq == seq + 1u); /* only seq moves: nothing to give, nobody registered */
        CHECK(f.gives == 0u && f.isr_gives == 0u && f.yields == 0u && s_race_q.owed == 0u);
    }
}

/* First waiter on a fresh queue; second_waiter runs inside its creation. Returns the first waiter's result. */
static esp_err_t race(uint64_t second_deadline_ticks, bool signal, bool from_isr, uint64_t first_deadline_ticks)
{
    reset_for_waitq();
    memset(&s_race_q, 0, sizeof s_race_q);
    f.tick = 100u;
    s_second_deadline = second_deadline_ticks == UINT64_MAX ? UINT64_MAX : second_deadline_ticks * 1000u;
    s_signal_in_create = signal;
    s_signal_in_create_from_isr = from_isr;
    f.during_create = second_waiter;
    const esp_err_t first = modesp_port_waitq_wait(&s_race_q, 0u, first_deadline_ticks * 1000u);
    CHECK(f.during_create == NULL && f.creates == 1u); /* the second waiter did not create again */
    CHECK(s_race_q.sem_state == MODESP_PORT_WAITQ_SEM_READY && s_race_q.sem == s_sem);
    CHECK(s_race_q.sleepers == 0u && s_race_q.owed == 0u && f.sem_count == 0u);
    CHECK(f.task_crit_depth == 0 && f.isr_crit_depth == 0);
    return first;
}

static void test_waitq_creation_race(void)
{
    /* The second waiter finds CREATING: one tick's sleep, no take, then ESP_OK ("look again"). */
    CHECK(race(200u, false, false, 300u) == ESP_ERR_TIMEOUT); /* nobody signals: the first waiter times out */
    CHECK(s_second_result == ESP_OK && s_second_delays == 1u && s_second_ticks == 1u && s_second_takes == 0u);
    CHECK(f.tick >= 300u);

    /* The same without a deadline: still one tick, not a spin and not a block for ever. */
    (void)race(UINT64_MAX, false, false, 300u);
    CHECK(s_second_result == ESP_OK && s_second_delays == 1u && s_second_takes == 0u);

    /* Its deadline has passed: ESP_ERR_TIMEOUT at once, no sleep. */
    (void)race(100u, false, false, 300u);
    CHECK(s_second_result == ESP_ERR_TIMEOUT && s_second_delays == 0u && s_second_takes == 0u);

    /* A signal during the creation only advances seq; the first waiter, done creating, sees it and does not sleep. */
    CHECK(race(200u, true, false, 300u) == ESP_OK);
    CHECK(f.takes == 0u && f.gives == 0u && f.tick < 300u);
    CHECK(race(200u, true, true, 300u) == ESP_OK); /* the signal comes from an ISR */
    CHECK(f.takes == 0u && f.isr_gives == 0u && f.yields == 0u);

    /* The kernel refuses the create (NULL): no spin, the state goes back so that a later wait tries again. */
    reset_for_waitq();
    static modesp_port_waitq_t q;
    f.create_fails = true;
    f.crit_entry_limit = 50u;
    CHECK(modesp_port_waitq_wait(&q, 0u, 10000u) == ESP_OK && f.delays == 1u && f.takes == 0u);
    f.crit_entry_limit = 0u;
    CHECK(q.sem_state == MODESP_PORT_WAITQ_SEM_NONE && q.sem == NULL && q.sleepers == 0u);
    f.create_fails = false;
    CHECK(modesp_port_waitq_wait(&q, 0u, 10000u) == ESP_ERR_TIMEOUT && f.creates == 2u);
    CHECK(q.sem_state == MODESP_PORT_WAITQ_SEM_READY && q.sleepers == 0u);
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
    test_waitq_initializer();
    test_waitq();
    test_waitq_creation_race();
    test_heap();
    printf("port unit test (generic FreeRTOS port against test doubles): %s, %u failed checks\n",
           s_failures == 0u ? "PASS" : "FAIL", s_failures);
    return s_failures == 0u ? 0 : 1;
}
