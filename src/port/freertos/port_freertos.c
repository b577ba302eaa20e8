/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FreeRTOS port.
 *
 * Two parts:
 *  - the wait queue of the WAIT strategy, built on a statically allocated
 *    counting semaphore that its first waiter creates (no init call). The
 *    ESP-IDF port uses it as it is.
 *  - clock, "in ISR", critical section, log and heap for a generic FreeRTOS
 *    (any port, single core). The ESP-IDF port replaces these with its own
 *    (spinlock, esp_timer, ESP_LOGx, heap_caps), so they are compiled out
 *    when MODESP_PORT_ESP_IDF is set.
 *
 * Build options (compiler -D flags), for the generic part only:
 *   MODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT  1 (default): the kernel port has
 *       xPortIsInsideInterrupt(). 0: it does not (e.g. the POSIX simulator);
 *       install an in_isr hook (include/modesp/port_freertos.h).
 *   MODESP_FREERTOS_LOG_NONE  1: no default log output (default 0: vprintf).
 * and for both parts:
 *   MODESP_FREERTOS_YIELD_FROM_ISR(woken)  how a free made in an ISR asks for
 *       the switch to the task it woke. Default portYIELD_FROM_ISR(woken);
 *       older kernel ports name it portEND_SWITCHING_ISR. Define it to
 *       ((void)(woken)) when the library is called from a FreeRTOS hook that
 *       runs inside the kernel's own tick ISR (vApplicationTickHook): the tick
 *       handler switches by itself when the give woke a higher-priority task.
 */
#include <stdarg.h>
#include <stdio.h>

#include "port.h"

#if !(defined(MODESP_PORT_ESP_IDF) && MODESP_PORT_ESP_IDF)
#include "modesp/port_freertos.h"
#endif

#ifndef MODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT
#define MODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT 1
#endif
#ifndef MODESP_FREERTOS_LOG_NONE
#define MODESP_FREERTOS_LOG_NONE 0
#endif
#ifndef MODESP_FREERTOS_YIELD_FROM_ISR
#define MODESP_FREERTOS_YIELD_FROM_ISR(woken) portYIELD_FROM_ISR(woken)
#endif

/*
 * Largest token count of a wait-queue semaphore. A signal gives one token per
 * sleeping task, so this bounds the tasks that can sleep on one class at once;
 * it costs nothing (the semaphore stores only a count). 0x7FFF fits a 16-bit
 * UBaseType_t.
 */
#define WAITQ_MAX_TOKENS ((UBaseType_t)0x7FFF)

/* ------------------------------------------------------------------------ */
/* Wait queue                                                                */
/* ------------------------------------------------------------------------ */

/*
 * FreeRTOS has no condition variable and no "wake all" on a semaphore, so
 * the broadcast that port.h asks for is counted out by hand:
 *
 *   signal: seq++, then give one token per task registered as a sleeper
 *           (sleepers), and remember that many tokens as owed.
 *   wait:   register as a sleeper, then take a token.
 *
 * Two rules make each token reach a task that was registered when the signal
 * counted it, so no sleeper misses a wake-up and no token is left over:
 *
 *  1. While tokens are owed, a new waiter does not take from the semaphore:
 *     it sleeps one tick and looks again. Otherwise it could take a token
 *     meant for an earlier sleeper that has not run yet, and that sleeper
 *     would then sleep on although seq changed. The window lasts only until
 *     the woken tasks have run.
 *  2. A sleeper whose take timed out checks, in the critical section, whether
 *     a signal counted it meanwhile (seq changed). If not, it unregisters. If
 *     it was counted, its token is being given: it takes that token (it will
 *     come; the signaller gives right after leaving the critical section), so
 *     no stale token is left for a later waiter.
 *
 * The semaphore is created by the first waiter: port.h promises a queue
 * that needs no init call and is ready when zero-filled, and
 * xSemaphoreCreateCountingStatic has no compile-time form. sem_state
 * (port_types.h), guarded by the critical section, goes NONE -> CREATING ->
 * READY once, and two more rules keep the two above true across that:
 *
 *  3. The waiter that moves the state from NONE to CREATING creates the
 *     semaphore outside the critical section (an API call, see below), then
 *     publishes sem and READY inside it. A waiter that finds CREATING must
 *     not spin: the creator may be a lower-priority task it preempted, which
 *     a spinning task never lets run on its core. It sleeps one tick (or
 *     returns ESP_ERR_TIMEOUT if its deadline has passed) and returns ESP_OK
 *     early, which port.h allows: the caller re-reads seq and looks again.
 *  4. A task registers as a sleeper only in state READY, in the critical
 *     section that reads the state. So before the semaphore exists sleepers
 *     is 0 and owed is 0: a signal then only advances seq and gives nothing
 *     (there is nothing to give to), and no wake-up is lost, because a
 *     waiter that has not registered has not slept either; it compares seq
 *     with its seen_seq in the critical section before it registers, so it
 *     sees that signal. Rules 1 and 2 are about registered sleepers and
 *     their tokens, so from the first registration on they hold unchanged.
 *
 * The counts and the state are updated in the critical section; the
 * semaphore calls (create, take, give) are made outside it, because FreeRTOS
 * API calls are not allowed inside a critical section (and would spin under
 * a held spinlock on ESP-IDF SMP). The handle a give or take uses is read
 * in the critical section that saw READY; on SMP that section's lock orders
 * the creator's writes to sem_storage before it.
 *
 * Cost: a signal from an ISR gives once per sleeper of that class. Limits: a
 * task deleted or suspended while asleep here keeps its token owed, and later
 * waiters of that class then poll once per tick instead of sleeping (they
 * still see every signal through seq); likewise a task deleted or suspended
 * while it creates the semaphore leaves the state at CREATING, and the
 * class's waiters poll once per tick until it finishes (for ever if deleted).
 */

uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q)
{
    const uint32_t s = modesp_port_critical_enter();
    const uint32_t seq = q->seq;
    modesp_port_critical_exit(s);
    return seq;
}

/* Ticks to block so that the clock has reached deadline_us when the block ends. */
static TickType_t ticks_until(uint64_t deadline_us)
{
    if (deadline_us == UINT64_MAX) {
        return portMAX_DELAY;
    }
    const uint64_t now = modesp_port_time_us();
    if (now >= deadline_us) {
        return 0;
    }
    const uint64_t left_us = deadline_us - now;
    const uint64_t limit = (uint64_t)(portMAX_DELAY - 1u); /* portMAX_DELAY itself may mean "forever" */
    if (left_us > UINT64_MAX / (uint64_t)configTICK_RATE_HZ) {
        return (TickType_t)limit;
    }
    /* Round up: a block that ends early would only be retried, but costs a wake-up. */
    uint64_t ticks = (left_us * (uint64_t)configTICK_RATE_HZ + 999999u) / 1000000u;
    if (ticks > limit) {
        ticks = limit;
    }
    return (TickType_t)ticks;
}

/*
 * Rule 3, the creator's part: called by the waiter that moved the state to
 * CREATING, outside the critical section. False if the kernel refused, which
 * with static storage only an invalid argument does: the state goes back to
 * NONE so that a later waiter tries again.
 */
static bool create_semaphore(modesp_port_waitq_t *q)
{
    const SemaphoreHandle_t sem = xSemaphoreCreateCountingStatic(WAITQ_MAX_TOKENS, 0, &q->sem_storage);
    const uint32_t s = modesp_port_critical_enter();
    q->sem = sem;
    q->sem_state = (sem != NULL) ? MODESP_PORT_WAITQ_SEM_READY : MODESP_PORT_WAITQ_SEM_NONE;
    modesp_port_critical_exit(s);
    return sem != NULL;
}

/* Rule 3, the others' part: the semaphore is not there yet. Sleep a tick, then let the caller look again. */
static esp_err_t nap_while_created(uint64_t deadline_us)
{
    if (ticks_until(deadline_us) == 0) {
        return ESP_ERR_TIMEOUT;
    }
    vTaskDelay(1);
    return ESP_OK; /* early return, allowed by port.h */
}

/* Take the token a signal owes this task (rule 2); it is on its way. */
static void take_owed_token(modesp_port_waitq_t *q, SemaphoreHandle_t sem)
{
    while (xSemaphoreTake(sem, portMAX_DELAY) != pdTRUE) {
        /* portMAX_DELAY is finite without INCLUDE_vTaskSuspend: take again */
    }
    const uint32_t s = modesp_port_critical_enter();
    q->owed--;
    modesp_port_critical_exit(s);
}

esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us)
{
    for (;;) {
        uint32_t s = modesp_port_critical_enter();
        if (q->seq != seen_seq) {
            modesp_port_critical_exit(s);
            return ESP_OK;
        }
        const uint32_t state = q->sem_state;
        if (state != MODESP_PORT_WAITQ_SEM_READY) {
            /* rule 4: not registered, so no signal counts on this task yet */
            if (state == MODESP_PORT_WAITQ_SEM_NONE) {
                q->sem_state = MODESP_PORT_WAITQ_SEM_CREATING;
            }
            modesp_port_critical_exit(s);
            if (state == MODESP_PORT_WAITQ_SEM_NONE && create_semaphore(q)) {
                continue; /* READY now: check seq again, then register */
            }
            return nap_while_created(deadline_us); /* rule 3 */
        }
        const bool may_sleep = (q->owed == 0u); /* rule 1 */
        if (may_sleep) {
            q->sleepers++; /* rule 4: READY, in the section that read it */
        }
        const SemaphoreHandle_t sem = q->sem;
        modesp_port_critical_exit(s);

        const TickType_t ticks = ticks_until(deadline_us);
        if (!may_sleep) {
            if (ticks == 0) {
                return ESP_ERR_TIMEOUT;
            }
            vTaskDelay(1); /* let the woken sleepers collect their tokens */
            continue;
        }
        if (ticks != 0 && xSemaphoreTake(sem, ticks) == pdTRUE) {
            /* Every token belongs to a counted sleeper (rules 1 and 2), so seq changed. */
            s = modesp_port_critical_enter();
            q->owed--;
            modesp_port_critical_exit(s);
            return ESP_OK;
        }
        s = modesp_port_critical_enter();
        if (q->seq == seen_seq) {
            /* not counted by any signal: withdraw the registration */
            q->sleepers--;
            modesp_port_critical_exit(s);
            if (ticks_until(deadline_us) == 0) {
                return ESP_ERR_TIMEOUT;
            }
            continue; /* the block was capped below the deadline: sleep again */
        }
        modesp_port_critical_exit(s);
        take_owed_token(q, sem); /* rule 2: counted while timing out */
        return ESP_OK;
    }
}

MODESP_IRAM_ATTR void modesp_port_waitq_signal(modesp_port_waitq_t *q)
{
    const uint32_t s = modesp_port_critical_enter();
    q->seq++;
    uint32_t n = q->sleepers; /* 0 unless READY (rule 4): then nothing is given */
    q->sleepers = 0u;
    q->owed += n;
    const SemaphoreHandle_t sem = q->sem;
    modesp_port_critical_exit(s);

    if (n == 0u) {
        return;
    }
    if (modesp_port_in_isr()) {
        BaseType_t woken = pdFALSE;
        while (n-- > 0u) {
            (void)xSemaphoreGiveFromISR(sem, &woken);
        }
        MODESP_FREERTOS_YIELD_FROM_ISR(woken);
    } else {
        while (n-- > 0u) {
            (void)xSemaphoreGive(sem);
        }
    }
}

#if !(defined(MODESP_PORT_ESP_IDF) && MODESP_PORT_ESP_IDF)

/* ------------------------------------------------------------------------ */
/* Generic FreeRTOS: hooks, ISR test, critical section, clock, log, heap    */
/* ------------------------------------------------------------------------ */

static modesp_freertos_hooks_t s_hooks;

void modesp_port_freertos_set_hooks(const modesp_freertos_hooks_t *hooks)
{
    if (hooks == NULL) {
        s_hooks = (modesp_freertos_hooks_t){0};
    } else {
        s_hooks = *hooks;
    }
}

bool modesp_port_in_isr(void)
{
    if (s_hooks.in_isr != NULL) {
        return s_hooks.in_isr();
    }
#if MODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT
    return xPortIsInsideInterrupt() != pdFALSE;
#else
    return false;
#endif
}

/*
 * taskENTER_CRITICAL may not be used in an ISR and the _FROM_ISR form returns
 * the interrupt mask to restore, so the context picks the form. The context
 * cannot change between enter and exit, so exit asks again instead of
 * encoding the form in the state.
 */
uint32_t modesp_port_critical_enter(void)
{
    if (modesp_port_in_isr()) {
        return (uint32_t)taskENTER_CRITICAL_FROM_ISR();
    }
    taskENTER_CRITICAL();
    return 0u;
}

void modesp_port_critical_exit(uint32_t state)
{
    if (modesp_port_in_isr()) {
        taskEXIT_CRITICAL_FROM_ISR((UBaseType_t)state);
    } else {
        taskEXIT_CRITICAL();
    }
}

/*
 * Tick count widened to 64 bits. A reading is taken outside the critical
 * section, so a context preempted between the read and the update can bring
 * a slightly old value: only a backward step of more than half the counter
 * range counts as a wrap, smaller ones are stale readings and are ignored.
 */
static uint64_t tick_clock_us(void)
{
    const TickType_t now = modesp_port_in_isr() ? xTaskGetTickCountFromISR() : xTaskGetTickCount();
    uint64_t ticks;
    if (sizeof(TickType_t) >= sizeof(uint64_t)) {
        ticks = (uint64_t)now;
    } else {
        static TickType_t s_last;
        static uint64_t s_base; /* ticks counted by all earlier wraps */
        const uint64_t range = (uint64_t)(TickType_t) ~(TickType_t)0 + 1u;
        const uint32_t s = modesp_port_critical_enter();
        if (now >= s_last) {
            s_last = now;
        } else if ((uint64_t)(s_last - now) > range / 2u) {
            s_base += range; /* wrapped */
            s_last = now;
        } /* else a stale reading: keep the later one, so the clock never steps back */
        ticks = s_base + (uint64_t)s_last;
        modesp_port_critical_exit(s);
    }
    return ticks * (1000000u / (uint64_t)configTICK_RATE_HZ) +
           ticks * (1000000u % (uint64_t)configTICK_RATE_HZ) / (uint64_t)configTICK_RATE_HZ;
}

uint64_t modesp_port_time_us(void)
{
    if (s_hooks.time_us != NULL) {
        return s_hooks.time_us();
    }
    return tick_clock_us();
}

void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (s_hooks.log != NULL) {
        s_hooks.log((int)level, tag, fmt, ap);
    } else if (!MODESP_FREERTOS_LOG_NONE) {
        static const char letters[] = "?EWID";
        const char letter = ((unsigned)level < sizeof letters - 1u) ? letters[level] : '?';
        (void)printf("%c (%s) ", letter, tag);
        (void)vprintf(fmt, ap);
        (void)printf("\n");
    }
    va_end(ap);
}

/* The heap fallback needs the kernel heap (heap_1..5); without dynamic allocation it fails cleanly. */
void *modesp_port_heap_alloc(size_t size)
{
#if defined(configSUPPORT_DYNAMIC_ALLOCATION) && (configSUPPORT_DYNAMIC_ALLOCATION == 1)
    return pvPortMalloc(size);
#else
    (void)size;
    return NULL;
#endif
}

void modesp_port_heap_free(void *ptr)
{
#if defined(configSUPPORT_DYNAMIC_ALLOCATION) && (configSUPPORT_DYNAMIC_ALLOCATION == 1)
    vPortFree(ptr);
#else
    (void)ptr;
#endif
}

#endif /* generic FreeRTOS */
