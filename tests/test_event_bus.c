/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pooled event bus (modesp/pooled_event_bus.h, issue 15): topic and
 * pattern rules, field encoding and getters, every refusal with its own code
 * and counter, priority order, the time budget on a fake clock, the three
 * subscriber policies, the reference count, unsubscribe inside a handler,
 * clear/pause/filter and the pressure bridge. The threaded tests (ISR publish
 * waking a waiter, an ISR thread publishing while another processes, the
 * 2-thread stress) are in test_event_bus_stress.c (label "concurrency", also
 * run under TSan). Every test ends with the manager intact and empty.
 */
#include <stdlib.h>
#include <string.h>

#include "modesp/hooks.h"
#include "modesp/port_posix.h"
#include "modesp/pooled_event_bus.h"
#include "test_support.h"

static modesp_event_bus_t bus;
static modesp_pool_manager_t *pm;

/* ------------------------------------------------------------ recorder */

#define REC_MAX 256
typedef struct {
    char topic[CONFIG_EVENT_BUS_MAX_TOPIC_LEN + 1];
    int32_t v;
    uintptr_t who;
} rec_t;
static rec_t rec[REC_MAX];
static size_t nrec;

static void record(const modesp_event_t *ev, void *ctx)
{
    if (nrec < REC_MAX) {
        strcpy(rec[nrec].topic, modesp_event_topic(ev));
        rec[nrec].v = -1;
        (void)modesp_event_get_i32(ev, "v", &rec[nrec].v);
        rec[nrec].who = (uintptr_t)ctx;
    }
    nrec++;
}

static esp_err_t pub(const char *topic, modesp_bus_priority_t prio, int32_t v)
{
    return modesp_bus_publish(&bus, topic, prio, MODESP_EV_I32("v", v));
}

/* ------------------------------------------------------------ fake clock */

static uint64_t g_now;
static uint64_t fake_clock(void) { return g_now; }

/* ------------------------------------------------------------ class exhaustion */

static void *hoard[1024];
static size_t nhoard;

/* Take every free block of the class that holds `size` bytes. */
static void exhaust_class_of(size_t size)
{
    void *p = NULL;
    while (nhoard < 1024u && modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0, &p) == ESP_OK) {
        hoard[nhoard++] = p;
    }
}

static void free_hoard(void)
{
    while (nhoard > 0u) {
        assert_int_equal(modesp_pool_manager_free(pm, hoard[--nhoard]), ESP_OK);
    }
}

static uint32_t total_in_use(void)
{
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    uint32_t n = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        n += st.classes[c].in_use;
    }
    return n;
}

/* Bytes of the class block an event "t.a" with one i32 field "v" gets (found by publishing one). */
static size_t small_event_block_size(void)
{
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "t.a", record, NULL, 0, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);
    assert_int_equal(pub("t.a", MODESP_BUS_NORMAL, 0), ESP_OK);
    size_t size = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        if (modesp_pool_in_use(pool) == 1u && size == 0u) {
            size = pool->block_size;
        }
    }
    assert_int_equal(modesp_bus_clear(&bus, NULL), ESP_OK);
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
    assert_true(size > 0u);
    return size;
}

static int setup(void **state)
{
    (void)state;
    pm = modesp_get_pool_manager();
    nrec = 0;
    nhoard = 0;
    memset(rec, 0, sizeof rec);
    return modesp_bus_init(&bus) == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_clock(NULL);
    modesp_port_posix_set_isr_context(false);
    free_hoard();
    assert_int_equal(modesp_bus_clear(&bus, NULL), ESP_OK);
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        if (bus.slots[i].active) {
            (void)modesp_bus_unsubscribe(&bus, ((uint32_t)bus.slots[i].gen << 8) | (i + 1u));
        }
    }
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 0);
    assert_manager_clean();
    return 0;
}

/* ------------------------------------------------------------ topics */

typedef struct {
    const char *pattern;
    const char *topic;
    bool match;
} match_case_t;

static void test_pattern_table(void **state)
{
    (void)state;
    static const match_case_t cases[] = {
        {"", "a", true},
        {"", "sensor.temperature.updated", true},
        {"*", "a", true},
        {"*", "a.b.c", true},
        {"sensor", "sensor", true},
        {"sensor", "sensor.t", false},
        {"sensor", "sensors", false},
        {"sensors", "sensor", false},
        {"sensor.*", "sensor.t", true},
        {"sensor.*", "sensor.t.updated", true},
        {"sensor.*", "sensor", false},
        {"sensor.*", "sensorx.t", false},
        {"sensor.*", "actuator.t", false},
        {"sensor.*.updated", "sensor.t.updated", true},
        {"sensor.*.updated", "sensor.updated", false},
        {"sensor.*.updated", "sensor.a.b.updated", false},
        {"sensor.*.updated", "sensor.t.updated.x", false},
        {"sensor.*.updated", "sensor.t.update", false},
        {"*.updated", "x.updated", true},
        {"*.updated", "updated", false},
        {"*.updated", "x.y.updated", false},
        {"a.*.c.*", "a.b.c.d", true},
        {"a.*.c.*", "a.b.c.d.e", true},
        {"a.*.c.*", "a.b.c", false},
        {"a.b.c", "a.b.c", true},
        {"a.b.c", "a.b", false},
        {"a.b", "a.b.c", false},
        {"a.b.c.d", "a.b", false}, /* pattern longer than topic */
        {"*.*", "a", false},
        {"*.*", "a.b", true},
        {"*.*", "a.b.c", true},
        {"x-1_y.*", "x-1_y.z", true},
        /* malformed input never matches */
        {"sensor.", "sensor.t", false},
        {"sensor..t", "sensor.t", false},
        {".sensor", "sensor", false},
        {"sen*", "sensor", false},
        {"sensor.t", "sensor.", false},
        {"sensor.t", "Sensor.t", false},
        {"", "", false},
        {"", "a..b", false},
        {"*", ".a", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = modesp_bus_topic_matches(cases[i].pattern, cases[i].topic);
        if (got != cases[i].match) {
            print_error("pattern '%s' topic '%s': expected %d\n", cases[i].pattern, cases[i].topic, cases[i].match);
        }
        assert_int_equal(got, cases[i].match);
    }
    assert_false(modesp_bus_topic_matches(NULL, "a"));
    assert_false(modesp_bus_topic_matches("a", NULL));
}

static void test_topic_and_pattern_validation(void **state)
{
    (void)state;
    char longest[CONFIG_EVENT_BUS_MAX_TOPIC_LEN + 2];
    memset(longest, 'a', sizeof longest);
    longest[CONFIG_EVENT_BUS_MAX_TOPIC_LEN] = '\0';
    assert_int_equal(modesp_bus_topic_validate(longest), ESP_OK);
    assert_int_equal(modesp_bus_pattern_validate(longest), ESP_OK);
    longest[CONFIG_EVENT_BUS_MAX_TOPIC_LEN] = 'a';
    longest[CONFIG_EVENT_BUS_MAX_TOPIC_LEN + 1] = '\0';
    assert_int_equal(modesp_bus_topic_validate(longest), MODESP_ERR_BAD_TOPIC);
    assert_int_equal(modesp_bus_pattern_validate(longest), MODESP_ERR_BAD_PATTERN);

    static const char *const bad_topics[] = {"", ".", "a.", ".a", "a..b", "A", "a b", "a/b", "a.*", "*", "a#"};
    for (size_t i = 0; i < sizeof bad_topics / sizeof bad_topics[0]; i++) {
        assert_int_equal(modesp_bus_topic_validate(bad_topics[i]), MODESP_ERR_BAD_TOPIC);
    }
    assert_int_equal(modesp_bus_topic_validate(NULL), MODESP_ERR_BAD_TOPIC);
    static const char *const good_topics[] = {"a", "0", "a.b", "sensor.temperature.updated", "x_y-z.1"};
    for (size_t i = 0; i < sizeof good_topics / sizeof good_topics[0]; i++) {
        assert_int_equal(modesp_bus_topic_validate(good_topics[i]), ESP_OK);
    }
    static const char *const bad_patterns[] = {".", "a.", "a..b", "a*", "*a", "a.**", "a.*b.c", "A.*"};
    for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
        assert_int_equal(modesp_bus_pattern_validate(bad_patterns[i]), MODESP_ERR_BAD_PATTERN);
    }
    assert_int_equal(modesp_bus_pattern_validate(NULL), MODESP_ERR_BAD_PATTERN);
    static const char *const good_patterns[] = {"", "*", "a.*", "*.b", "a.*.c", "*.*"};
    for (size_t i = 0; i < sizeof good_patterns / sizeof good_patterns[0]; i++) {
        assert_int_equal(modesp_bus_pattern_validate(good_patterns[i]), ESP_OK);
    }
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "a..b", record, NULL, 0, MODESP_BUS_REJECT, &h),
                     MODESP_ERR_BAD_PATTERN);
}

/* ------------------------------------------------------------ refusals */

static void test_refusals_have_distinct_codes_and_counters(void **state)
{
    (void)state;
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);

    assert_int_equal(pub("bad..topic", MODESP_BUS_NORMAL, 1), MODESP_ERR_BAD_TOPIC);
    assert_int_equal(pub("ok", (modesp_bus_priority_t)7, 1), ESP_ERR_INVALID_ARG);

    modesp_ev_field_t many[CONFIG_EVENT_BUS_MAX_FIELDS + 1];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++) {
        many[i] = MODESP_EV_BOOL("k", true);
    }
    assert_int_equal(modesp_bus_publish_fields(&bus, "ok", MODESP_BUS_NORMAL, many, CONFIG_EVENT_BUS_MAX_FIELDS + 1),
                     MODESP_ERR_TOO_MANY_FIELDS);
    assert_int_equal(modesp_bus_publish_fields(&bus, "ok", MODESP_BUS_NORMAL, many, CONFIG_EVENT_BUS_MAX_FIELDS),
                     ESP_OK);

    char long_str[CONFIG_EVENT_BUS_MAX_STRING_LEN + 2];
    memset(long_str, 'x', sizeof long_str);
    long_str[CONFIG_EVENT_BUS_MAX_STRING_LEN + 1] = '\0';
    assert_int_equal(modesp_bus_publish(&bus, "ok", MODESP_BUS_NORMAL, MODESP_EV_STR("s", long_str)),
                     MODESP_ERR_BAD_FIELD);
    long_str[CONFIG_EVENT_BUS_MAX_STRING_LEN] = '\0';
    assert_int_equal(modesp_bus_publish(&bus, "ok", MODESP_BUS_NORMAL, MODESP_EV_STR("s", long_str)), ESP_OK);
    assert_int_equal(modesp_bus_publish(&bus, "ok", MODESP_BUS_NORMAL, MODESP_EV_STR("s", NULL)), MODESP_ERR_BAD_FIELD);
    assert_int_equal(modesp_bus_publish(&bus, "ok", MODESP_BUS_NORMAL, MODESP_EV_I32(NULL, 1)), MODESP_ERR_BAD_FIELD);
    assert_int_equal(modesp_bus_publish(&bus, "ok", MODESP_BUS_NORMAL, MODESP_EV_I32("", 1)), MODESP_ERR_BAD_FIELD);
    assert_int_equal(
        modesp_bus_publish(&bus, "ok", MODESP_BUS_NORMAL, MODESP_EV_I32("k23456789012345678901234567890123", 1)),
        MODESP_ERR_BAD_FIELD);
    modesp_ev_field_t bad_type = {.key = "k", .type = (modesp_ev_type_t)99, .v = {.i32 = 0}};
    assert_int_equal(modesp_bus_publish_fields(&bus, "ok", MODESP_BUS_NORMAL, &bad_type, 1), MODESP_ERR_BAD_FIELD);
    assert_int_equal(modesp_bus_publish_fields(&bus, "ok", MODESP_BUS_NORMAL, NULL, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_bus_publish_fields(&bus, "ok", MODESP_BUS_NORMAL, NULL, 0), ESP_OK);

    /* The largest event the Kconfig limits allow; too large only when it exceeds the largest block. */
    modesp_ev_field_t big[CONFIG_EVENT_BUS_MAX_FIELDS];
    static const char keys[8][MODESP_EV_MAX_KEY_LEN + 1] = {
        "k000000000000000000000000000000", "k100000000000000000000000000000", "k200000000000000000000000000000",
        "k300000000000000000000000000000", "k400000000000000000000000000000", "k500000000000000000000000000000",
        "k600000000000000000000000000000", "k700000000000000000000000000000"};
    size_t nbig = CONFIG_EVENT_BUS_MAX_FIELDS < 8 ? CONFIG_EVENT_BUS_MAX_FIELDS : 8;
    size_t approx = 32u + 3u; /* header lower bound + "ok" */
    for (size_t i = 0; i < nbig; i++) {
        big[i] = MODESP_EV_STR(keys[i], long_str);
        approx += 3u + MODESP_EV_MAX_KEY_LEN + 1u + CONFIG_EVENT_BUS_MAX_STRING_LEN + 1u;
    }
    esp_err_t err = modesp_bus_publish_fields(&bus, "ok", MODESP_BUS_NORMAL, big, nbig);
    if (approx > MODESP_POOL_MAX_BLOCK_SIZE) {
        assert_int_equal(err, MODESP_ERR_EVENT_TOO_LARGE);
    }

    /* Nothing refused above was allocated or queued, and the caller's data is untouched. */
    assert_int_equal(long_str[0], 'x');
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.bad_topic, 1);
    assert_int_equal(st.bad_priority, 1);
    assert_int_equal(st.too_many_fields, 1);
    assert_int_equal(st.bad_field, 7);
    assert_int_equal(st.too_large, approx > MODESP_POOL_MAX_BLOCK_SIZE ? 1 : 0);
    assert_int_equal(st.published, 3 + (err == ESP_OK ? 1 : 0));
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, st.published);

    /* Names for the new codes, all distinct. */
    static const esp_err_t codes[] = {
        MODESP_ERR_BAD_TOPIC,       MODESP_ERR_BAD_PATTERN,     MODESP_ERR_TOO_MANY_FIELDS,
        MODESP_ERR_BAD_FIELD,       MODESP_ERR_EVENT_TOO_LARGE, MODESP_ERR_QUEUE_FULL,
        MODESP_ERR_SUBSCRIBER_FULL, MODESP_ERR_FILTERED,        MODESP_ERR_WRONG_TYPE};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        assert_string_not_equal(modesp_err_to_name(codes[i]), "UNKNOWN_ERROR");
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
        }
    }
}

/* ------------------------------------------------------------ events */

static int g_checked;

static void check_fields(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    int32_t i32 = 0;
    uint32_t u32 = 0;
    int64_t i64 = 0;
    float f32 = 0;
    double f64 = 0;
    bool b = false;
    const char *s = NULL;
    assert_string_equal(modesp_event_topic(ev), "sensor.temperature.updated");
    assert_int_equal(modesp_event_priority(ev), MODESP_BUS_HIGH);
    assert_int_equal(modesp_event_timestamp_us(ev), 4242);
    assert_int_equal(modesp_event_field_count(ev), 7);
    assert_int_equal(modesp_event_get_i32(ev, "module_id", &i32), ESP_OK);
    assert_int_equal(i32, -7);
    assert_int_equal(modesp_event_get_u32(ev, "count", &u32), ESP_OK);
    assert_int_equal(u32, 4000000000u);
    assert_int_equal(modesp_event_get_i64(ev, "timestamp", &i64), ESP_OK);
    assert_true(i64 == -1234567890123LL);
    assert_int_equal(modesp_event_get_f32(ev, "value", &f32), ESP_OK);
    assert_true(f32 == 21.5f);
    assert_int_equal(modesp_event_get_f64(ev, "precise", &f64), ESP_OK);
    assert_true(f64 == 0.1);
    assert_int_equal(modesp_event_get_bool(ev, "ok", &b), ESP_OK);
    assert_true(b);
    assert_int_equal(modesp_event_get_str(ev, "unit", &s), ESP_OK);
    assert_string_equal(s, "celsius");
    /* wrong type, missing key and bad arguments are three different answers; out untouched */
    i32 = 99;
    assert_int_equal(modesp_event_get_i32(ev, "value", &i32), MODESP_ERR_WRONG_TYPE);
    assert_int_equal(i32, 99);
    assert_int_equal(modesp_event_get_i32(ev, "nope", &i32), ESP_ERR_NOT_FOUND);
    assert_int_equal(i32, 99);
    assert_int_equal(modesp_event_get_i32(ev, NULL, &i32), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_event_get_i32(ev, "value", NULL), ESP_ERR_INVALID_ARG);
    /* iterator: publish order, types and values */
    static const char *const keys[] = {"module_id", "value", "timestamp", "unit", "count", "precise", "ok"};
    static const modesp_ev_type_t types[] = {MODESP_EV_TYPE_I32, MODESP_EV_TYPE_F32, MODESP_EV_TYPE_I64,
                                             MODESP_EV_TYPE_STR, MODESP_EV_TYPE_U32, MODESP_EV_TYPE_F64,
                                             MODESP_EV_TYPE_BOOL};
    modesp_event_iter_t it;
    modesp_ev_field_t f;
    modesp_event_iter_init(&it, ev);
    size_t n = 0;
    while (modesp_event_iter_next(&it, &f)) {
        assert_true(n < 7u);
        assert_string_equal(f.key, keys[n]);
        assert_int_equal(f.type, types[n]);
        n++;
    }
    assert_int_equal(n, 7);
    g_checked++;
}

static void test_fields_getters_and_iterator(void **state)
{
    (void)state;
    g_now = 4242;
    modesp_port_posix_set_clock(fake_clock);
    modesp_bus_sub_t h;
    g_checked = 0;
    assert_int_equal(modesp_bus_subscribe(&bus, "sensor.*", check_fields, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    /* the guide's publish_pooled, in C */
    assert_int_equal(modesp_bus_publish(&bus, "sensor.temperature.updated", MODESP_BUS_HIGH,
                                        MODESP_EV_I32("module_id", -7), MODESP_EV_F32("value", 21.5f),
                                        MODESP_EV_I64("timestamp", -1234567890123LL), MODESP_EV_STR("unit", "celsius"),
                                        MODESP_EV_U32("count", 4000000000u), MODESP_EV_F64("precise", 0.1),
                                        MODESP_EV_BOOL("ok", true)),
                     ESP_OK);
    /* one block, from the manager */
    assert_int_equal(total_in_use(), 1);
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 1);
    uint32_t n = 0;
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, &n), ESP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(g_checked, 1);
    assert_int_equal(total_in_use(), 0);
    assert_int_equal(modesp_event_field_count(NULL), 0);
    assert_string_equal(modesp_event_topic(NULL), "");
}

/* ------------------------------------------------------------ delivery */

static void test_priority_order_fifo_within(void **state)
{
    (void)state;
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    static const modesp_bus_priority_t order[] = {MODESP_BUS_LOW,      MODESP_BUS_NORMAL,   MODESP_BUS_LOW,
                                                  MODESP_BUS_HIGH,     MODESP_BUS_CRITICAL, MODESP_BUS_NORMAL,
                                                  MODESP_BUS_CRITICAL, MODESP_BUS_HIGH};
    for (int32_t i = 0; i < 8; i++) {
        assert_int_equal(pub("p", order[i], i), ESP_OK);
    }
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.queue_len[MODESP_BUS_LOW], 2);
    assert_int_equal(st.queue_high_water[MODESP_BUS_CRITICAL], 2);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    static const int32_t expect[] = {4, 6, 3, 7, 1, 5, 0, 2};
    assert_int_equal(nrec, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(rec[i].v, expect[i]);
    }
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.queue_len[MODESP_BUS_LOW], 0);
    assert_int_equal(st.dispatched, 8);
    assert_int_equal(st.delivered, 8);
}

static void slow_handler(const modesp_event_t *ev, void *ctx)
{
    record(ev, ctx);
    g_now += 3000; /* 3 ms per handler */
}

static void test_time_budget_with_fake_clock(void **state)
{
    (void)state;
    g_now = 1000000;
    modesp_port_posix_set_clock(fake_clock);
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "", slow_handler, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    for (int32_t i = 0; i < 5; i++) {
        assert_int_equal(pub("t", MODESP_BUS_NORMAL, i), ESP_OK);
    }
    uint32_t n = 0;
    assert_int_equal(modesp_bus_process(&bus, 5, &n), ESP_OK); /* 3 ms < 5, 6 ms >= 5: stop */
    assert_int_equal(n, 2);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.queue_len[MODESP_BUS_NORMAL], 3);
    assert_int_equal(st.handler_max_us, 3000);
    assert_int_equal(st.handler_avg_us, 3000);
    assert_int_equal(modesp_bus_process(&bus, 0, &n), ESP_OK); /* at least one */
    assert_int_equal(n, 1);
    assert_int_equal(modesp_bus_process(&bus, 9, &n), ESP_OK);
    assert_int_equal(n, 2);
    for (int32_t i = 0; i < 5; i++) {
        assert_int_equal(rec[i].v, i);
    }
}

static void test_policy_reject(void **state)
{
    (void)state;
    modesp_bus_sub_t full, other;
    assert_int_equal(modesp_bus_subscribe(&bus, "r.*", record, (void *)1, 2, MODESP_BUS_REJECT, &full), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, (void *)2, 0, MODESP_BUS_REJECT, &other), ESP_OK);
    assert_int_equal(pub("r.a", MODESP_BUS_NORMAL, 0), ESP_OK);
    assert_int_equal(pub("r.b", MODESP_BUS_NORMAL, 1), ESP_OK);
    uint32_t before = total_in_use();
    assert_int_equal(pub("r.c", MODESP_BUS_NORMAL, 2), MODESP_ERR_SUBSCRIBER_FULL);
    assert_int_equal(total_in_use(), before);                 /* the refused event's block went back */
    assert_int_equal(pub("x", MODESP_BUS_NORMAL, 3), ESP_OK); /* the other subscriber is not blocked */
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_get_sub_stats(&bus, full, &ss), ESP_OK);
    assert_int_equal(ss.rejected, 1);
    assert_int_equal(ss.pending, 2);
    assert_int_equal(ss.high_water, 2);
    assert_int_equal(ss.depth, 2);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    /* all or nothing: nobody got r.c */
    assert_int_equal(nrec, 5);
    for (size_t i = 0; i < nrec; i++) {
        assert_int_not_equal(rec[i].v, 2);
    }
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.dropped_subscriber_full, 1);
    assert_int_equal(modesp_bus_get_sub_stats(&bus, full, &ss), ESP_OK);
    assert_int_equal(ss.delivered, 2);
    assert_int_equal(ss.pending, 0);
    assert_int_equal(pub("r.c", MODESP_BUS_NORMAL, 2), ESP_OK); /* room again */
}

static void test_policy_drop_oldest(void **state)
{
    (void)state;
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "d", record, NULL, 2, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);
    assert_int_equal(pub("d", MODESP_BUS_LOW, 0), ESP_OK);
    assert_int_equal(pub("d", MODESP_BUS_HIGH, 1), ESP_OK);
    assert_int_equal(total_in_use(), 2);
    assert_int_equal(pub("d", MODESP_BUS_NORMAL, 2), ESP_OK); /* drops 0, the oldest, whatever its priority */
    assert_int_equal(total_in_use(), 2);                      /* the dropped event's block is already back */
    assert_int_equal(pub("d", MODESP_BUS_NORMAL, 3), ESP_OK); /* drops 1 */
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_get_sub_stats(&bus, h, &ss), ESP_OK);
    assert_int_equal(ss.dropped_oldest, 2);
    assert_int_equal(ss.pending, 2);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_int_equal(nrec, 2);
    assert_int_equal(rec[0].v, 2);
    assert_int_equal(rec[1].v, 3);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.dropped_oldest, 2);
    assert_int_equal(st.published, 4);
    assert_int_equal(st.dispatched, 2);
}

static void test_policy_keep_latest(void **state)
{
    (void)state;
    modesp_bus_sub_t latest, all;
    assert_int_equal(modesp_bus_subscribe(&bus, "k.*", record, (void *)1, 2, MODESP_BUS_KEEP_LATEST, &latest), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "k.*", record, (void *)2, 0, MODESP_BUS_REJECT, &all), ESP_OK);
    assert_int_equal(pub("k.t", MODESP_BUS_NORMAL, 1), ESP_OK);
    assert_int_equal(pub("k.h", MODESP_BUS_NORMAL, 2), ESP_OK);
    assert_int_equal(pub("k.t", MODESP_BUS_NORMAL, 3), ESP_OK); /* replaces 1 for `latest` only */
    assert_int_equal(pub("k.t", MODESP_BUS_NORMAL, 4), ESP_OK); /* replaces 3 */
    assert_int_equal(pub("k.p", MODESP_BUS_NORMAL, 5), ESP_OK); /* full, no k.p pending: drops the oldest (2) */
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_get_sub_stats(&bus, latest, &ss), ESP_OK);
    assert_int_equal(ss.coalesced, 2);
    assert_int_equal(ss.dropped_oldest, 1);
    assert_int_equal(ss.pending, 2);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    /* `all` gets 1..5; `latest` gets 4 and 5 */
    int32_t got_latest[REC_MAX];
    size_t nl = 0, na = 0;
    for (size_t i = 0; i < nrec; i++) {
        if (rec[i].who == 1u) {
            got_latest[nl++] = rec[i].v;
        } else {
            assert_int_equal(rec[i].v, (int32_t)++na);
        }
    }
    assert_int_equal(na, 5);
    assert_int_equal(nl, 2);
    assert_int_equal(got_latest[0], 4);
    assert_int_equal(got_latest[1], 5);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.coalesced, 2);
}

/* ------------------------------------------------------------ reference count */

static const modesp_event_t *g_kept;

static void keep(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    assert_int_equal(modesp_event_ref(ev), ESP_OK);
    g_kept = ev;
}

static void test_refcount_returns_block_at_last_reference(void **state)
{
    (void)state;
    modesp_bus_sub_t a, b;
    assert_int_equal(modesp_bus_subscribe(&bus, "", keep, NULL, 0, MODESP_BUS_REJECT, &a), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_REJECT, &b), ESP_OK);
    assert_int_equal(pub("r", MODESP_BUS_NORMAL, 1), ESP_OK);
    assert_int_equal(total_in_use(), 1); /* one block shared by both subscribers */
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_int_equal(nrec, 1);
    /* the bus released its reference; the holder's keeps the block */
    assert_non_null(g_kept);
    assert_int_equal(modesp_event_refcount(g_kept), 1);
    assert_int_equal(total_in_use(), 1);
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 1);
    assert_int_equal(modesp_event_ref(g_kept), ESP_OK);
    assert_int_equal(modesp_event_unref(g_kept), ESP_OK);
    assert_int_equal(total_in_use(), 1);
    int bad = -1;
    assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, NULL), ESP_OK);
    assert_int_equal(modesp_event_get_i32(g_kept, "v", &(int32_t){0}), ESP_OK); /* still readable */
    assert_int_equal(modesp_event_unref(g_kept), ESP_OK);                       /* the last one */
    assert_int_equal(total_in_use(), 0);
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 0);
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).peak_allocated, 1);
    assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, NULL), ESP_OK);
    assert_int_equal(modesp_event_ref(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_event_unref(NULL), ESP_ERR_INVALID_ARG);
    g_kept = NULL;
}

/* ------------------------------------------------------------ back-pressure */

static void test_queue_full_and_critical_evicts_low(void **state)
{
    (void)state;
    size_t bsize = small_event_block_size();
    /* A subscriber holds at most its depth: enough subscribers ("t.a", "t.b", ...) to fill the queue. */
    const int32_t depth = CONFIG_EVENT_BUS_MAX_DEPTH;
    const int32_t nsubs = (CONFIG_EVENT_BUS_QUEUE_LENGTH + depth - 1) / depth;
    assert_true(nsubs <= CONFIG_EVENT_BUS_MAX_SUBSCRIBERS && nsubs <= 26);
    for (int32_t k = 0; k < nsubs; k++) {
        char pattern[4] = {'t', '.', (char)('a' + k), '\0'};
        modesp_bus_sub_t h;
        assert_int_equal(modesp_bus_subscribe(&bus, pattern, record, NULL, 0, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);
    }
    /* a full queue refuses, and only that priority */
    for (int32_t i = 0; i < CONFIG_EVENT_BUS_QUEUE_LENGTH; i++) {
        char topic[4] = {'t', '.', (char)('a' + i / depth), '\0'};
        assert_int_equal(pub(topic, MODESP_BUS_LOW, i), ESP_OK);
    }
    uint32_t before = total_in_use();
    assert_int_equal(pub("t.a", MODESP_BUS_LOW, 999), MODESP_ERR_QUEUE_FULL);
    assert_int_equal(total_in_use(), before);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.dropped_queue_full, 1);
    assert_int_equal(st.queue_refused[MODESP_BUS_LOW], 1);
    assert_int_equal(st.queue_len[MODESP_BUS_LOW], CONFIG_EVENT_BUS_QUEUE_LENGTH);

    /* no block left in the class: NORMAL fails with NO_MEM, CRITICAL evicts the oldest LOW */
    exhaust_class_of(bsize);
    assert_int_equal(pub("t.a", MODESP_BUS_NORMAL, 500), ESP_ERR_NO_MEM);
    esp_err_t crit = pub("t.a", MODESP_BUS_CRITICAL, 1000);
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.dropped_no_block, 1);
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocation_failures, 1);
#if defined(CONFIG_EVENT_BUS_CRITICAL_EVICTS_LOW)
    assert_int_equal(crit, ESP_OK);
    assert_int_equal(st.evicted_low, 1);
    assert_int_equal(st.queue_len[MODESP_BUS_LOW], CONFIG_EVENT_BUS_QUEUE_LENGTH - 1);
    free_hoard();
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_int_equal(rec[0].v, 1000);
    assert_int_equal(rec[1].v, 1); /* LOW 0 was evicted */
    assert_int_equal(nrec, CONFIG_EVENT_BUS_QUEUE_LENGTH);
#else
    assert_int_equal(crit, ESP_ERR_NO_MEM);
#endif
}

static void test_isr_reserve(void **state)
{
    (void)state;
    size_t bsize = small_event_block_size();
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);
    exhaust_class_of(bsize);
    modesp_port_posix_set_isr_context(true);
    bool woken = true;
    esp_err_t err = modesp_bus_publish_from_isr(&bus, "t.a", MODESP_BUS_NORMAL, &woken, MODESP_EV_I32("v", 7));
    /* task-only calls are refused in an ISR */
    assert_int_equal(pub("t.a", MODESP_BUS_NORMAL, 1), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_process(&bus, 1, NULL), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_REJECT, &h), ESP_ERR_INVALID_STATE);
    modesp_port_posix_set_isr_context(false);
    assert_false(woken);
    assert_int_equal(pub("t.a", MODESP_BUS_NORMAL, 1), ESP_ERR_NO_MEM); /* tasks never touch the reserve */
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
#if CONFIG_EVENT_BUS_ISR_RESERVE_BLOCKS > 0
    if (bsize <= CONFIG_EVENT_BUS_ISR_BLOCK_SIZE) {
        assert_int_equal(err, ESP_OK);
        assert_int_equal(st.isr_reserve_used, 1);
        assert_int_equal(st.isr_published, 1);
    }
#else
    assert_int_equal(err, ESP_ERR_NO_MEM);
#endif
    free_hoard();
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    if (err == ESP_OK) {
        assert_int_equal(nrec, 1);
        assert_int_equal(rec[0].v, 7);
    }
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 0);
}

/* ------------------------------------------------------------ unsubscribe in a handler */

static modesp_bus_sub_t g_self, g_victim;
static size_t g_self_calls;

static void unsubscribe_self_and_victim(const modesp_event_t *ev, void *ctx)
{
    record(ev, ctx);
    g_self_calls++;
    assert_int_equal(modesp_bus_unsubscribe(&bus, g_self), ESP_OK);
    assert_int_equal(modesp_bus_unsubscribe(&bus, g_victim), ESP_OK);
    assert_int_equal(modesp_bus_unsubscribe(&bus, g_self), ESP_ERR_NOT_FOUND); /* stale handle */
}

static void test_unsubscribe_inside_handler(void **state)
{
    (void)state;
    modesp_bus_sub_t keeper;
    /* slot order: self (0), victim (1), keeper (2) */
    assert_int_equal(
        modesp_bus_subscribe(&bus, "u", unsubscribe_self_and_victim, (void *)1, 0, MODESP_BUS_REJECT, &g_self), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "u", record, (void *)2, 0, MODESP_BUS_REJECT, &g_victim), ESP_OK);
    assert_int_equal(modesp_bus_subscribe(&bus, "u", record, (void *)3, 0, MODESP_BUS_REJECT, &keeper), ESP_OK);
    for (int32_t i = 0; i < 3; i++) {
        assert_int_equal(pub("u", MODESP_BUS_NORMAL, i), ESP_OK);
    }
    g_self_calls = 0;
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    /* self ran once; the victim (unsubscribed before its turn) never; the keeper got all three */
    assert_int_equal(g_self_calls, 1);
    size_t by[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < nrec; i++) {
        by[rec[i].who]++;
    }
    assert_int_equal(by[1], 1);
    assert_int_equal(by[2], 0);
    assert_int_equal(by[3], 3);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.dropped_unsubscribed, 2 + 3); /* self: events 1, 2; victim: 0, 1, 2 */
    assert_int_equal(st.subscriptions, 1);
    /* the slot is reused with a new handle; the old one stays stale */
    modesp_bus_sub_t again;
    assert_int_equal(modesp_bus_subscribe(&bus, "u", record, (void *)1, 0, MODESP_BUS_REJECT, &again), ESP_OK);
    assert_int_not_equal(again, g_self);
    assert_int_equal(modesp_bus_unsubscribe(&bus, g_self), ESP_ERR_NOT_FOUND);
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_get_sub_stats(&bus, g_self, &ss), ESP_ERR_NOT_FOUND);
}

/* ------------------------------------------------------------ pause, clear, filter */

static bool no_debug(const char *topic, modesp_bus_priority_t prio, void *ctx)
{
    (void)prio;
    (*(int *)ctx)++;
    return strncmp(topic, "debug.", 6) != 0;
}

static void test_pause_clear_filter(void **state)
{
    (void)state;
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    int calls = 0;
    assert_int_equal(modesp_bus_set_filter(&bus, no_debug, &calls), ESP_OK);
    assert_int_equal(pub("debug.x", MODESP_BUS_NORMAL, 0), MODESP_ERR_FILTERED);
    assert_int_equal(total_in_use(), 0);
    assert_int_equal(modesp_bus_pause(&bus), ESP_OK);
    for (int32_t i = 0; i < 3; i++) {
        assert_int_equal(pub("p", (modesp_bus_priority_t)i, i), ESP_OK);
    }
    assert_int_equal(calls, 4);
    uint32_t n = 99;
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, &n), ESP_OK);
    assert_int_equal(n, 0);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_true(st.paused);
    assert_int_equal(st.dropped_filtered, 1);
    assert_int_equal(total_in_use(), 3);
    uint32_t released = 0;
    assert_int_equal(modesp_bus_clear(&bus, &released), ESP_OK);
    assert_int_equal(released, 3);
    assert_int_equal(total_in_use(), 0);
    modesp_bus_sub_stats_t ss;
    assert_int_equal(modesp_bus_get_sub_stats(&bus, h, &ss), ESP_OK);
    assert_int_equal(ss.pending, 0);
    assert_int_equal(modesp_bus_resume(&bus), ESP_OK);
    assert_int_equal(modesp_bus_set_filter(&bus, NULL, NULL), ESP_OK);
    assert_int_equal(pub("debug.x", MODESP_BUS_NORMAL, 5), ESP_OK);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, &n), ESP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(nrec, 1);
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.dropped_cleared, 3);
    /* no subscriber: accepted, counted, nothing kept */
    assert_int_equal(modesp_bus_unsubscribe(&bus, h), ESP_OK);
    assert_int_equal(pub("p", MODESP_BUS_NORMAL, 1), ESP_OK);
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.unrouted, 1);
    assert_int_equal(total_in_use(), 0);
}

/* ------------------------------------------------------------ pressure bridge */

static void test_pressure_bridge(void **state)
{
    (void)state;
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "mem.pressure.*", record, NULL, 0, MODESP_BUS_DROP_OLDEST, &h), ESP_OK);
    assert_int_equal(modesp_bus_bridge_pressure(&bus), ESP_OK);
    assert_int_equal(modesp_bus_bridge_pressure(&bus), MODESP_ERR_ALREADY_REGISTERED);
    /* WARNING at 10 %, back to NORMAL below 5 %: take XLARGE blocks until WARNING, then give them back. */
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 10, 100, 5), ESP_OK);
    while (modesp_pool_manager_get_pressure_level(pm) == MODESP_PRESSURE_NORMAL && nhoard < 1024u) {
        void *p = NULL;
        assert_int_equal(modesp_pool_manager_allocate_ex(pm, MODESP_POOL_MAX_BLOCK_SIZE, MODESP_ALLOC_STRICT, 0, &p),
                         ESP_OK);
        hoard[nhoard++] = p;
    }
    free_hoard();
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_int_equal(modesp_bus_unbridge_pressure(&bus), ESP_OK);
    assert_int_equal(modesp_bus_unbridge_pressure(&bus), ESP_ERR_NOT_FOUND);
    uint8_t w = (uint8_t)CONFIG_MEMORY_POOL_WARNING_THRESHOLD, c = (uint8_t)CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
            r = (uint8_t)CONFIG_MEMORY_POOL_RELEASE_THRESHOLD;
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, w, c, r), ESP_OK);
    assert_int_equal(nrec, 2);
    assert_string_equal(rec[0].topic, "mem.pressure.warning"); /* HIGH before NORMAL */
    assert_string_equal(rec[1].topic, "mem.pressure.normal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pattern_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_topic_and_pattern_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_have_distinct_codes_and_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_getters_and_iterator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_order_fifo_within, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_budget_with_fake_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_drop_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_keep_latest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refcount_returns_block_at_last_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_and_critical_evicts_low, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isr_reserve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe_inside_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_clear_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pressure_bridge, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
