/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Interleavings forced at the named pause points of src/mp_pause.h.
 *
 * One thread is stopped between two steps of a lock-free sequence (as a task
 * preempted there, or an ISR's victim) while the test runs other operations;
 * then it is let go. Each test states the defect it guards (issue numbers in
 * the closing notes) and asserts what must hold whatever the interleaving:
 *  - nothing waits for the paused context: every other call returns within a
 *    deadline (a call that has not returned by then is reported, then the
 *    paused thread is released so the process can end);
 *  - no block is handed out twice;
 *  - the pools and the manager are intact afterwards.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "modesp/port_posix.h"
#include "mp_pause.h"
#include "test_support.h"

/* ------------------------------------------------------------------ pausing */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;

/* A thread that runs one operation, armed (or not) to stop once at a point. */
typedef struct runner {
    pthread_t thread;
    int point; /* -1: never stops */
    void (*op)(void *arg);
    void *arg;
    int paused;  /* sits at its point (g_lock) */
    int release; /* may go on (g_lock) */
    int done;
} runner_t;

#define MAX_RUNNERS 4
static runner_t *g_runners[MAX_RUNNERS]; /* armed runners, so a failing test can release them all */
static _Thread_local runner_t *tl_runner;

static void pause_hook(mp_pause_point_t point, const void *object)
{
    (void)object;
    runner_t *r = tl_runner;
    if (r == NULL || (int)point != r->point) {
        return;
    }
    r->point = -1; /* once per arming */
    pthread_mutex_lock(&g_lock);
    r->paused = 1;
    pthread_cond_broadcast(&g_cond);
    while (!r->release) {
        pthread_cond_wait(&g_cond, &g_lock);
    }
    r->paused = 0;
    pthread_mutex_unlock(&g_lock);
}

static struct timespec deadline_in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Wait until the runner sits at its point; false if it never got there. */
static int wait_paused(runner_t *r, long ms)
{
    const struct timespec ts = deadline_in_ms(ms);
    pthread_mutex_lock(&g_lock);
    int rc = 0;
    while (!r->paused && rc == 0) {
        rc = pthread_cond_timedwait(&g_cond, &g_lock, &ts);
    }
    const int paused = r->paused;
    pthread_mutex_unlock(&g_lock);
    return paused;
}

static void release(runner_t *r)
{
    pthread_mutex_lock(&g_lock);
    r->release = 1;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
}

static void release_all(void)
{
    for (int i = 0; i < MAX_RUNNERS; i++) {
        if (g_runners[i] != NULL) {
            release(g_runners[i]);
        }
    }
}

/* Let a paused runner go and wait for it to finish. */
static void finish(runner_t *r)
{
    release(r);
    pthread_join(r->thread, NULL);
    for (int i = 0; i < MAX_RUNNERS; i++) {
        if (g_runners[i] == r) {
            g_runners[i] = NULL;
        }
    }
}

static int setup(void **state)
{
    (void)state;
    memset(g_runners, 0, sizeof g_runners);
    modesp_test_set_pause_hook(pause_hook);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    release_all();
    modesp_test_set_pause_hook(NULL);
    return 0;
}

static void *runner_main(void *p)
{
    runner_t *r = p;
    tl_runner = r;
    r->op(r->arg);
    tl_runner = NULL;
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void start(runner_t *r, int point, void (*op)(void *), void *arg)
{
    memset(r, 0, sizeof *r);
    r->point = point;
    r->op = op;
    r->arg = arg;
    for (int i = 0; i < MAX_RUNNERS; i++) {
        if (g_runners[i] == NULL) {
            g_runners[i] = r;
            break;
        }
    }
    assert_int_equal(pthread_create(&r->thread, NULL, runner_main, r), 0);
}

#if MODESP_PRESSURE_CALLBACKS_ENABLED /* these two serve the pressure tests only */
/* True when the runner finished within ms (polled: the runner may spin). */
static int finished_within(runner_t *r, long ms)
{
    for (long t = 0; t < ms; t++) {
        if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
            return 1;
        }
        const struct timespec one_ms = {0, 1000000L};
        nanosleep(&one_ms, NULL);
    }
    return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

/* Run op on another, unarmed thread and require it to return within ms while
 * the paused runners stay paused. On failure every paused runner is released
 * first, so a spinning op can finish and the test ends instead of hanging. */
static void must_return(void (*op)(void *), void *arg, long ms, const char *what)
{
    runner_t r;
    start(&r, -1, op, arg);
    const int ok = finished_within(&r, ms);
    if (!ok) {
        release_all();
    }
    finish(&r);
    if (!ok) {
        print_error("%s did not return while another context was paused\n", what);
        fail();
    }
}
#endif

/* --------------------------------------------- pool: free, pop, stats, check */

typedef struct {
    modesp_pool_t *pool;
    void *block;
    esp_err_t err;
    modesp_pool_integrity_t report;
} pool_op_t;

static void op_free(void *a)
{
    pool_op_t *o = a;
    o->err = modesp_pool_deallocate(o->pool, o->block);
}

static void op_alloc(void *a)
{
    pool_op_t *o = a;
    o->block = modesp_pool_allocate(o->pool);
}

#if !defined(CONFIG_MEMORY_POOL_MINIMAL_STATS) /* used by the reset race only */
static void op_reset(void *a)
{
    pool_op_t *o = a;
    o->err = modesp_pool_reset_stats(o->pool);
}
#endif

static void op_check(void *a)
{
    pool_op_t *o = a;
    o->err = modesp_pool_check_integrity(o->pool, &o->report);
}

MODESP_POOL_DEFINE_STATIC(race_pool, 48, 4);

/*
 * A free racing a free of the same block, with the block reused in between:
 * Y reads the ALLOCATED word and is preempted; the owner frees the block and
 * a third context allocates it again (LIFO). Y must then report a double
 * free: it may not free the third context's live block.
 */
static void test_racing_double_free_after_reuse(void **state)
{
    (void)state;
    void *x = modesp_pool_allocate(&race_pool);
    assert_non_null(x);

    pool_op_t y = {.pool = &race_pool, .block = x};
    runner_t ry;
    start(&ry, MP_PAUSE_FREE_BEFORE_CLAIM, op_free, &y);
    assert_true(wait_paused(&ry, 2000));

    assert_int_equal(modesp_pool_deallocate(&race_pool, x), ESP_OK); /* the owner's free */
    void *again = modesp_pool_allocate(&race_pool);                  /* a third context */
    assert_ptr_equal(again, x);                                      /* the same block, LIFO */

    finish(&ry);
    assert_int_equal(y.err, MODESP_ERR_DOUBLE_FREE);
    assert_int_equal(modesp_pool_in_use(&race_pool), 1);
    assert_true(modesp_pool_block_tag(&race_pool, again) >= 0); /* still allocated */

    /* The live block is not on the free list: the others come out, never it. */
    void *b[3];
    for (int i = 0; i < 3; i++) {
        b[i] = modesp_pool_allocate(&race_pool);
        assert_non_null(b[i]);
        assert_ptr_not_equal(b[i], again);
    }
    assert_null(modesp_pool_allocate(&race_pool));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(modesp_pool_deallocate(&race_pool, b[i]), ESP_OK);
    }
    assert_int_equal(modesp_pool_deallocate(&race_pool, again), ESP_OK);
    assert_pool_intact(&race_pool);
}

/* The largest pool the API allows: a 16-bit index leaves a 16-bit ABA tag. */
#define WRAP_BLOCKS 65535u
MODESP_POOL_DEFINE_STATIC(wrap_pool, 8, WRAP_BLOCKS);

/*
 * The tag of the CAS pop wraps while a popper X sleeps before its head CAS,
 * and the block X read as the successor is at that moment popped by Z but
 * not yet marked allocated (Z paused between P4 and P5). X's stale CAS then
 * installs Z's block as head. Whatever the tag does, the next allocation must
 * not hand out Z's block a second time.
 */
static void test_tag_wrap_hands_out_no_block_twice(void **state)
{
    (void)state;
    modesp_pool_t *p = &wrap_pool;
    /* Start from a known list: 0 -> 1 -> 2 -> ... (fresh pool, or all freed in order). */
    assert_int_equal(modesp_pool_in_use(p), 0);

    pool_op_t x = {.pool = p};
    runner_t rx;
    start(&rx, MP_PAUSE_POP_BEFORE_CAS, op_alloc, &x); /* X read head A and A's link B */
    assert_true(wait_paused(&rx, 2000));

    void *a = modesp_pool_allocate(p); /* A */
    assert_non_null(a);

    /* Z pops B and is preempted before marking it allocated. */
    pool_op_t z = {.pool = p};
    runner_t rz;
    start(&rz, MP_PAUSE_POP_BEFORE_CLAIM, op_alloc, &z);
    assert_true(wait_paused(&rz, 2000));

    /* Wrap the tag: every pop adds one; two pops happened since X read head. */
    const uint32_t tag_period = 1u << (32 - 16);
    for (uint32_t i = 0; i < tag_period - 2u; i++) {
        void *c = modesp_pool_allocate(p);
        assert_non_null(c);
        assert_int_equal(modesp_pool_deallocate(p, c), ESP_OK);
    }
    assert_int_equal(modesp_pool_deallocate(p, a), ESP_OK); /* head is (A, same tag) again */

    /* X runs: its CAS succeeds on the wrapped tag. Then this context allocates
     * while Z is still paused, and only then does Z finish. */
    finish(&rx);
    void *mine = modesp_pool_allocate(p);
    finish(&rz);

    void *got[3] = {x.block, z.block, mine};
    for (int i = 0; i < 3; i++) {
        for (int j = i + 1; j < 3; j++) {
            if (got[i] != NULL && got[i] == got[j]) {
                print_error("block %p handed out twice (owners %d and %d)\n", got[i], i, j);
                fail();
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        if (got[i] != NULL) {
            assert_int_equal(modesp_pool_deallocate(p, got[i]), ESP_OK);
        }
    }
}

#if !defined(CONFIG_MEMORY_POOL_MINIMAL_STATS) /* the minimal profile keeps no peak: reset has no race to lose */
/*
 * reset_stats reads in_use and is preempted; an allocation raises in_use (and
 * finds peak already high enough); reset then writes the old in_use as peak.
 * The check must not report PEAK_INVALID for that: nothing is wrong.
 */
static void test_reset_stats_racing_allocation(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_reset_stats(&race_pool), ESP_OK);
    void *held = modesp_pool_allocate(&race_pool);
    assert_non_null(held);
    assert_int_equal(modesp_pool_reset_stats(&race_pool), ESP_OK); /* peak == in_use == 1 */

    pool_op_t r = {.pool = &race_pool};
    runner_t rr;
    start(&rr, MP_PAUSE_RESET_BEFORE_PEAK, op_reset, &r);
    assert_true(wait_paused(&rr, 2000));
    /* Reset holds in_use = 1; raise it. Reset already zeroed nothing of peak yet,
     * so this allocation sees peak 1 and raises it to 2. */
    void *more = modesp_pool_allocate(&race_pool);
    assert_non_null(more);
    finish(&rr);
    assert_int_equal(r.err, ESP_OK);

    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&race_pool, &st), ESP_OK);
    assert_true(st.peak >= st.in_use);
    assert_pool_intact(&race_pool);
    assert_int_equal(modesp_pool_deallocate(&race_pool, more), ESP_OK);
    assert_int_equal(modesp_pool_deallocate(&race_pool, held), ESP_OK);
    assert_pool_intact(&race_pool);
}
#endif

MODESP_POOL_DEFINE_STATIC(check_pool, 64, 2);

/*
 * The integrity check runs while another context allocates a block the check
 * has just seen free, and writes to it. The check may report that the pool
 * changed under it, but never a use after free nobody committed; and it may
 * not touch the new owner's bytes (under ASan a re-poisoned live block makes
 * the owner's next access fail).
 */
static void test_check_while_allocating(void **state)
{
    (void)state;
    /* A block freed once holds the poison pattern where poisoning is compiled in. */
    void *first = modesp_pool_allocate(&check_pool);
    assert_non_null(first);
    assert_int_equal(modesp_pool_deallocate(&check_pool, first), ESP_OK);

    pool_op_t c = {.pool = &check_pool};
    runner_t rc;
    start(&rc, MP_PAUSE_CHECK_BLOCK, op_check, &c); /* stops at block 0, read as free */
    assert_true(wait_paused(&rc, 2000));
    uint8_t *mine = modesp_pool_allocate(&check_pool);
    assert_ptr_equal(mine, first);
    memset(mine, 0x5A, 64);
    finish(&rc);
    assert_int_not_equal(c.err, MODESP_ERR_USE_AFTER_FREE);
    for (int i = 0; i < 64; i++) {
        assert_int_equal(mine[i], 0x5A); /* and, under ASan, readable */
    }
    assert_int_equal(modesp_pool_deallocate(&check_pool, mine), ESP_OK);
    assert_pool_intact(&check_pool);
}

/* ------------------------------------------------------- manager: pressure */

/* The pressure-change ring and callbacks (compiled out in the minimal profile). */
#if MODESP_PRESSURE_CALLBACKS_ENABLED

static uint32_t g_changes;
static modesp_pressure_level_t g_last_to;

static void on_level(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)from;
    (void)util;
    (void)ctx;
    __atomic_fetch_add(&g_changes, 1u, __ATOMIC_RELAXED);
    g_last_to = to;
}

typedef struct {
    size_t size;
    void *block;
    esp_err_t err;
} mgr_op_t;

static void op_mgr_alloc(void *a)
{
    mgr_op_t *o = a;
    o->block = modesp_pool_manager_allocate(modesp_get_pool_manager(), o->size);
}

/* Another context's allocate and free: both must return. */
static void op_mgr_alloc_free(void *a)
{
    mgr_op_t *o = a;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    void *p = modesp_pool_manager_allocate(pm, o->size);
    o->err = (p == NULL) ? ESP_ERR_NO_MEM : modesp_pool_manager_free(pm, p);
}

static void restore_thresholds(void)
{
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(
                         modesp_get_pool_manager(), CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                         CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD, CONFIG_MEMORY_POOL_RELEASE_THRESHOLD),
                     ESP_OK);
}

/*
 * A context changes the level (its CAS is done) and is preempted before it
 * stores the ring entry. Every other context's allocate and free must still
 * return (before the fix they spun until the writer ran: a hang on one core
 * when the spinning task has the higher priority). The writer delivers the
 * change itself once it runs, exactly once.
 */
static void test_pressure_writer_paused_before_ring(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    g_changes = 0;
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, on_level, NULL), ESP_OK);
    /* One XLARGE block (>= 1% of the class bytes in every test configuration) means WARNING. */
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 1, 100, 1), ESP_OK);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);

    mgr_op_t w = {.size = CONFIG_MEMORY_POOL_XLARGE_SIZE};
    runner_t rw;
    start(&rw, MP_PAUSE_LEVEL_BEFORE_RING, op_mgr_alloc, &w);
    assert_true(wait_paused(&rw, 2000));
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);

    mgr_op_t other = {.size = 8};
    must_return(op_mgr_alloc_free, &other, 2000, "allocate+free in another task");
    assert_int_equal(other.err, ESP_OK);
    assert_int_equal(g_changes, 0); /* not delivered yet: its entry is not stored */

    finish(&rw);
    assert_non_null(w.block);
    assert_int_equal(g_changes, 1); /* the writer delivered it itself */
    assert_int_equal(g_last_to, MODESP_PRESSURE_WARNING);

    assert_int_equal(modesp_pool_manager_free(pm, w.block), ESP_OK);
    assert_int_equal(g_changes, 2); /* back to NORMAL */
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, on_level, NULL), ESP_OK);
    restore_thresholds();
    assert_manager_clean();
}

static uint32_t g_cb_a, g_cb_b;

static void count_a(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)from;
    (void)to;
    (void)util;
    (void)ctx;
    g_cb_a++;
}

static void count_b(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)from;
    (void)to;
    (void)util;
    (void)ctx;
    g_cb_b++;
}

static void op_process(void *a)
{
    (void)a;
    (void)modesp_pool_manager_process_pressure_events(modesp_get_pool_manager());
}

/*
 * Several changes are pending (made in an ISR, delivered later). A delivery
 * stops before its first callback; meanwhile a callback is unregistered. The
 * delivery may still call it for the change it is delivering (documented),
 * but not for the changes after it.
 */
static void test_unregistered_callback_not_called_for_later_changes(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    g_cb_a = g_cb_b = 0;
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, count_a, NULL), ESP_OK);
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, count_b, NULL), ESP_OK);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 1, 100, 1), ESP_OK);

    /* Four changes from "ISR" context: they wait in the ring. */
    modesp_port_posix_set_isr_context(true);
    for (int i = 0; i < 2; i++) {
        void *p = modesp_pool_manager_allocate(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE);
        assert_non_null(p);
        assert_int_equal(modesp_pool_manager_free(pm, p), ESP_OK);
    }
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(g_cb_a + g_cb_b, 0);

    runner_t rd;
    start(&rd, MP_PAUSE_DELIVER_BEFORE_CALL, op_process, NULL);
    assert_true(wait_paused(&rd, 2000));
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, count_b, NULL), ESP_OK);
    finish(&rd);
    assert_int_equal(g_cb_a, 4);
    assert_true(g_cb_b <= 1);

    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, count_a, NULL), ESP_OK);
    restore_thresholds();
    assert_manager_clean();
}
#endif /* MODESP_PRESSURE_CALLBACKS_ENABLED */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_racing_double_free_after_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_wrap_hands_out_no_block_twice, setup, teardown),
#if !defined(CONFIG_MEMORY_POOL_MINIMAL_STATS)
        cmocka_unit_test_setup_teardown(test_reset_stats_racing_allocation, setup, teardown),
#endif
        cmocka_unit_test_setup_teardown(test_check_while_allocating, setup, teardown),
#if MODESP_PRESSURE_CALLBACKS_ENABLED
        cmocka_unit_test_setup_teardown(test_pressure_writer_paused_before_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unregistered_callback_not_called_for_later_changes, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
