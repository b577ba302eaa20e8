/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 3, "Handling memory pressure", in C.
 *
 * A module notices memory pressure in one of two ways (real code picks one;
 * both run here so their results can be compared):
 *   - polling: a periodic check of modesp_pool_manager_get_overall_utilization(),
 *     entering low-memory mode at >= 80 % and leaving it only below 60 %;
 *   - a pressure callback: the manager calls it once per level change, with
 *     the same thresholds (Kconfig WARNING / RELEASE).
 * The gap between 80 and 60 is hysteresis: a module that dropped its caches
 * at 80 % does not rebuild them at 79 % and drop them again at 80 %.
 *
 * The example plays the rest of the system: it takes blocks until utilization
 * is above 80 %, gives some back to reach 70 % (still low-memory mode), then
 * more to fall below 60 % (the module leaves low-memory mode).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "example_check.h"
#include "modesp/memory_pool.h"

#define NAME "example_memory_aware_module"

/* The module follows the manager's thresholds, so polling and callback agree. */
#define ENTER_PCT CONFIG_MEMORY_POOL_WARNING_THRESHOLD
#define LEAVE_PCT CONFIG_MEMORY_POOL_RELEASE_THRESHOLD
_Static_assert(LEAVE_PCT + 2 <= ENTER_PCT && ENTER_PCT + 2 <= CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
               "this example needs room between the release, warning and critical thresholds");

/* Load targets: well above ENTER (below CRITICAL), between the two thresholds, below LEAVE. */
#define HIGH_PCT ((ENTER_PCT + CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD) / 2)
#define MID_PCT  ((ENTER_PCT + LEAVE_PCT) / 2)

/* An optional cache the module can live without: what it gives up under pressure. */
typedef struct {
    float history[48];
} history_cache_t;

typedef struct {
    bool low_memory_mode;
    history_cache_t *cache;
} memory_aware_module_t;

/* Everything the module noticed, in order, to compare with what should happen. */
static const char *s_events[16];
static size_t s_event_count;
static void record(const char *event, unsigned util)
{
    printf("  -> %s (utilization %u %%)\n", event, util);
    if (s_event_count < sizeof s_events / sizeof s_events[0]) {
        s_events[s_event_count++] = event;
    }
}

static uint8_t utilization(void) { return modesp_pool_manager_get_overall_utilization(modesp_get_pool_manager()); }

/* Memory-saving strategy: drop the optional cache (a real module would also
 * shrink buffers, aggregate data over longer intervals, pause extras). */
static void reduce_memory_usage(memory_aware_module_t *m)
{
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
    check(modesp_pooled_free(&m->cache) == ESP_OK, "drop the cache");
}

static void restore_features(memory_aware_module_t *m)
{
    m->cache = modesp_make_pooled(history_cache_t); /* NULL is fine: the cache is optional */
}

/* The polling form: what the guide runs every 5 s from a recurring task. */
static void check_memory_status(memory_aware_module_t *m)
{
    const uint8_t usage = utilization();
    if (usage >= ENTER_PCT && !m->low_memory_mode) {
        record("poll: entering low-memory mode", usage);
        m->low_memory_mode = true;
        reduce_memory_usage(m);
    } else if (usage < LEAVE_PCT && m->low_memory_mode) {
        record("poll: leaving low-memory mode", usage);
        m->low_memory_mode = false;
        restore_features(m);
    }
}

/* The callback form. It runs in the task whose allocation or free changed the
 * level, so it only notes the change; the heavy work stays in the module's task. */
static void on_pressure(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level, uint8_t util, void *ctx)
{
    (void)ctx;
    /* Constant strings, so record() can keep the pointer. */
    static const char *const text[3][3] = {
        {"callback: NORMAL -> NORMAL", "callback: NORMAL -> WARNING", "callback: NORMAL -> CRITICAL"},
        {"callback: WARNING -> NORMAL", "callback: WARNING -> WARNING", "callback: WARNING -> CRITICAL"},
        {"callback: CRITICAL -> NORMAL", "callback: CRITICAL -> WARNING", "callback: CRITICAL -> CRITICAL"}};
    const char *line = text[old_level % 3][new_level % 3];
    record(line, util); /* util: the utilization that caused the change */
    check(new_level == MODESP_PRESSURE_NORMAL ? util < LEAVE_PCT : util >= ENTER_PCT, "callback utilization");
}

/* ----- the rest of the system: other modules taking and returning blocks ----- */

#define MAX_LOAD                                                                                                       \
    (CONFIG_MEMORY_POOL_TINY_COUNT + CONFIG_MEMORY_POOL_SMALL_COUNT + CONFIG_MEMORY_POOL_MEDIUM_COUNT +                \
     CONFIG_MEMORY_POOL_LARGE_COUNT + CONFIG_MEMORY_POOL_XLARGE_COUNT)
static void *s_load[MAX_LOAD];
static size_t s_load_count;

/* Take blocks, largest class first, until utilization reaches pct. */
static void load_until(unsigned pct)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    while (utilization() < pct && s_load_count < MAX_LOAD) {
        void *block = NULL;
        for (int c = MODESP_CLASS_COUNT - 1; c >= 0 && block == NULL; c--) {
            const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
            if (modesp_pool_in_use(pool) < modesp_pool_capacity(pool)) {
                block = modesp_pool_manager_allocate(pm, modesp_pool_block_size(pool));
            }
        }
        if (block == NULL) {
            break; /* every class is full */
        }
        s_load[s_load_count++] = block;
    }
}

/* Return blocks, newest first, while utilization is above pct. */
static void free_while_above(unsigned pct)
{
    while (s_load_count > 0u && utilization() > pct) {
        check(modesp_pool_manager_free(modesp_get_pool_manager(), s_load[--s_load_count]) == ESP_OK, "free load");
    }
}

static void free_all_load(void)
{
    while (s_load_count > 0u) {
        check(modesp_pool_manager_free(modesp_get_pool_manager(), s_load[--s_load_count]) == ESP_OK, "free load");
    }
}

/* The module's periodic check runs, then we look at the module. */
static void poll_and_show(memory_aware_module_t *m)
{
    printf("  periodic check at %u %%\n", (unsigned)utilization());
    check_memory_status(m);
    printf("  low-memory mode: %s, cache: %s\n", m->low_memory_mode ? "on" : "off", m->cache ? "kept" : "dropped");
}

int main(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    memory_aware_module_t module = {0};

    printf("thresholds: enter low-memory mode at >= %d %%, leave below %d %%\n", ENTER_PCT, LEAVE_PCT);
    restore_features(&module);
    check(module.cache != NULL, "the module gets its cache at start");
    check(modesp_pool_manager_register_pressure_callback(pm, on_pressure, &module) == ESP_OK, "register callback");

    printf("start\n");
    poll_and_show(&module);
    check(!module.low_memory_mode, "normal mode at start");

    printf("other modules allocate until utilization >= %d %%\n", HIGH_PCT);
    load_until(HIGH_PCT);
    poll_and_show(&module);
    check(module.low_memory_mode && module.cache == NULL, "low-memory mode above the enter threshold");

    printf("other modules free down to %d %% (between the thresholds)\n", MID_PCT);
    free_while_above(MID_PCT);
    poll_and_show(&module);
    check(utilization() >= LEAVE_PCT && module.low_memory_mode, "still low-memory mode between the thresholds");

    printf("other modules free down to below %d %%\n", LEAVE_PCT);
    free_while_above(LEAVE_PCT - 1u);
    poll_and_show(&module);
    check(!module.low_memory_mode && module.cache != NULL, "normal mode again below the leave threshold");

    /* The transitions, in the order they must have happened: nothing at 70 %. */
    static const char *const expected[] = {"callback: NORMAL -> WARNING", "poll: entering low-memory mode",
                                           "callback: WARNING -> NORMAL", "poll: leaving low-memory mode"};
    const size_t n_expected = sizeof expected / sizeof expected[0];
    bool in_order = s_event_count == n_expected;
    for (size_t i = 0; in_order && i < n_expected; i++) {
        in_order = strcmp(s_events[i], expected[i]) == 0;
    }
    printf("transitions seen: %zu, in the expected order: %s\n", s_event_count, in_order ? "yes" : "no");
    check(in_order, "transitions happened in order");

    printf("cleanup\n");
    free_all_load();
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
    check(modesp_pooled_free(&module.cache) == ESP_OK, "free the cache");
    check(modesp_pool_manager_unregister_pressure_callback(pm, on_pressure, &module) == ESP_OK, "unregister callback");
    check_manager_clean();

    return example_finish(NAME);
}
