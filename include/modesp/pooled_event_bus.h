/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pooled event bus: the guide's PooledEventBus::publish_pooled (section 2).
 *
 *     modesp_bus_publish(modesp_get_event_bus(), "sensor.temperature.updated", MODESP_BUS_NORMAL,
 *                        MODESP_EV_U32("module_id", id), MODESP_EV_F32("value", v),
 *                        MODESP_EV_I64("timestamp", (int64_t)modesp_time_us()), MODESP_EV_STR("unit", "celsius"));
 *
 * Topics are dotted names: segments of [a-z0-9_-] separated by single dots,
 * 1..CONFIG_EVENT_BUS_MAX_TOPIC_LEN characters, no leading, trailing or
 * double dot. Patterns (subscriptions) are the same with whole-segment "*":
 *   ""                  matches every topic;
 *   "a.b.c"             matches exactly the topic "a.b.c";
 *   "*" in last place   matches ONE OR MORE segments ("sensor.*" matches
 *                       "sensor.t" and "sensor.t.updated", not "sensor");
 *   "*" elsewhere       matches EXACTLY ONE segment ("sensor.*.updated"
 *                       matches "sensor.t.updated", not "sensor.updated"
 *                       nor "sensor.a.b.updated"); "*" alone matches every topic.
 * A segment such as "sens*" is a malformed pattern.
 *
 * An event (topic, priority, time stamp from modesp_time_us, typed fields) is
 * encoded into ONE block of the pool manager, of the smallest class that holds
 * its encoded size (publish_from_isr: the ISR reserve when that class is
 * empty). The block carries its own reference count; it returns to its pool
 * when the last reference goes. The heap is never used.
 *
 * DELIVERY CONTRACT
 *  - publish matches the subscriptions at publish time (a later subscriber
 *    does not see events already published) and queues the event once, in
 *    its priority's queue (CONFIG_EVENT_BUS_QUEUE_LENGTH pointers each). The
 *    bus holds one reference while the event is queued or being dispatched.
 *  - Each subscriber has a depth (undelivered events counted against it,
 *    1..CONFIG_EVENT_BUS_MAX_DEPTH) and a policy when it is full:
 *      REJECT       the publish fails with MODESP_ERR_SUBSCRIBER_FULL and
 *                   nobody gets the event (all or nothing; `rejected`);
 *      DROP_OLDEST  this subscriber's oldest undelivered event is dropped for
 *                   it (`dropped_oldest`), the new one is taken;
 *      KEEP_LATEST  a new event REPLACES this subscriber's undelivered event
 *                   of the same topic whenever there is one, full or not
 *                   (`coalesced`; the new event is delivered at its own
 *                   priority and place); when full with no same-topic event,
 *                   as DROP_OLDEST.
 *    An event nobody wants any more leaves its queue and its block returns at
 *    once (unless a holder keeps a reference).
 *  - process(max_ms) dispatches highest priority first, FIFO within a
 *    priority; each event goes to its subscribers in subscription-slot order,
 *    each handler called at most once per event, never concurrently (one task
 *    processes at a time). At least one event is dispatched per call, then it
 *    stops when max_ms have passed (checked between events); the rest stays
 *    queued. paused: nothing is dispatched, publishes still queue.
 *  - A handler may unsubscribe (itself or another subscription): the event
 *    being dispatched still reaches every other subscriber that has not yet
 *    had it, except an unsubscribed one; an unsubscribed subscriber is never
 *    called again and its undelivered events are discarded for it
 *    (`dropped_unsubscribed`).
 *  - Every refusal is an error code and a counter; no event is ever lost
 *    silently or delivered twice to one subscriber.
 *
 * Concurrency: publish from any task or core; publish_from_isr from
 * interrupts; subscribe/unsubscribe/process/clear from tasks. Bus state is
 * changed in short port critical sections (never held while calling a
 * handler, the filter, the allocator or the clock); their length is bounded
 * by O(subscribers x (topic length + depth)) and no loop waits for another
 * context.
 */
#ifndef MODESP_POOLED_EVENT_BUS_H
#define MODESP_POOLED_EVENT_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/mempool_config.h"
#include "modesp/mempool_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ types */

typedef enum {
    MODESP_BUS_CRITICAL = 0, /* dispatched first */
    MODESP_BUS_HIGH,
    MODESP_BUS_NORMAL,
    MODESP_BUS_LOW,
    MODESP_BUS_PRIORITY_COUNT,
} modesp_bus_priority_t;

typedef enum {
    MODESP_BUS_REJECT = 0,
    MODESP_BUS_DROP_OLDEST,
    MODESP_BUS_KEEP_LATEST,
} modesp_bus_policy_t;

typedef enum {
    MODESP_EV_TYPE_I32 = 1,
    MODESP_EV_TYPE_U32,
    MODESP_EV_TYPE_I64,
    MODESP_EV_TYPE_F32,
    MODESP_EV_TYPE_F64,
    MODESP_EV_TYPE_BOOL,
    MODESP_EV_TYPE_STR,
} modesp_ev_type_t;

/* Keys are 1..MODESP_EV_MAX_KEY_LEN characters (any but NUL). */
#define MODESP_EV_MAX_KEY_LEN 31

/* One typed field: what publish takes and what the iterator gives. */
typedef struct {
    const char *key;
    modesp_ev_type_t type;
    union {
        int32_t i32;
        uint32_t u32;
        int64_t i64;
        float f32;
        double f64;
        bool b;
        const char *str; /* NUL-terminated, up to CONFIG_EVENT_BUS_MAX_STRING_LEN characters */
    } v;
} modesp_ev_field_t;

/*
 * Field initialiser, the guide's {"key", value} pair: key k, int32_t value x
 * (the pointer k is read, and copied into the block, only at publish).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_I32, value in .v.i32).
 * Errors: none here; a NULL, empty or too long key is refused by the publish with
 *   MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_I32(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_I32, .v = {.i32 = (x)}})

/*
 * Field initialiser, the guide's {"key", value} pair: key k, uint32_t value x
 * (the pointer k is read, and copied into the block, only at publish).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_U32, value in .v.u32).
 * Errors: none here; a NULL, empty or too long key is refused by the publish with
 *   MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_U32(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_U32, .v = {.u32 = (x)}})

/*
 * Field initialiser, the guide's {"key", value} pair: key k, int64_t value x
 * (the pointer k is read, and copied into the block, only at publish).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_I64, value in .v.i64).
 * Errors: none here; a NULL, empty or too long key is refused by the publish with
 *   MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_I64(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_I64, .v = {.i64 = (x)}})

/*
 * Field initialiser, the guide's {"key", value} pair: key k, float value x
 * (the pointer k is read, and copied into the block, only at publish).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_F32, value in .v.f32).
 * Errors: none here; a NULL, empty or too long key is refused by the publish with
 *   MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_F32(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_F32, .v = {.f32 = (x)}})

/*
 * Field initialiser, the guide's {"key", value} pair: key k, double value x
 * (the pointer k is read, and copied into the block, only at publish).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_F64, value in .v.f64).
 * Errors: none here; a NULL, empty or too long key is refused by the publish with
 *   MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_F64(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_F64, .v = {.f64 = (x)}})

/*
 * Field initialiser, the guide's {"key", value} pair: key k, bool value x
 * (the pointer k is read, and copied into the block, only at publish).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_BOOL, value in .v.b).
 * Errors: none here; a NULL, empty or too long key is refused by the publish with
 *   MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_BOOL(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_BOOL, .v = {.b = (x)}})

/*
 * Field initialiser, the guide's {"key", value} pair: key k, string x (a NUL-terminated
 * pointer, copied into the event's block only at publish; up to CONFIG_EVENT_BUS_MAX_STRING_LEN).
 * Returns: a modesp_ev_field_t compound literal (type MODESP_EV_TYPE_STR, value in .v.str).
 * Errors: none here; a NULL or empty/too long key, or a NULL or too long string, is refused
 *   by the publish with MODESP_ERR_BAD_FIELD (counted in bad_field).
 * Complexity: O(1).
 * ISR-safe: yes (builds a value, touches no state).
 */
#define MODESP_EV_STR(k, x) ((modesp_ev_field_t){.key = (k), .type = MODESP_EV_TYPE_STR, .v = {.str = (x)}})

/* An event in its pool block. Handlers get it read-only. */
typedef struct modesp_event modesp_event_t;

/* Subscription handle; 0 is never a valid handle. */
typedef uint32_t modesp_bus_sub_t;

/* Called by process() in the processing task; `ev` is valid until it returns
 * (take a reference with modesp_event_ref to keep it longer). */
typedef void (*modesp_bus_handler_t)(const modesp_event_t *ev, void *ctx);

/* Publish-time filter: false refuses the event (MODESP_ERR_FILTERED). Called
 * in the publisher's context (an ISR for publish_from_isr): short, ISR-safe. */
typedef bool (*modesp_bus_filter_t)(const char *topic, modesp_bus_priority_t priority, void *ctx);

/* Iterator over an event's fields, in publish order. */
typedef struct {
    const modesp_event_t *ev;
    uint32_t offset;
    uint32_t index;
} modesp_event_iter_t;

/* --------------------------------------------- bus object (fields private) */

typedef struct {
    modesp_bus_handler_t handler;
    void *ctx;
    modesp_event_t *pending[CONFIG_EVENT_BUS_MAX_DEPTH]; /* undelivered events, unordered */
    uint32_t delivered, rejected, dropped_oldest, coalesced;
    uint16_t gen;
    uint8_t active, policy, depth, npending, high_water;
    char pattern[CONFIG_EVENT_BUS_MAX_TOPIC_LEN + 1];
} modesp_bus_slot_t;

typedef struct {
    modesp_event_t *ring[CONFIG_EVENT_BUS_QUEUE_LENGTH];
    uint16_t head, used; /* used: ring slots taken, vacated (NULL) ones included */
    uint16_t live, high_water;
    uint32_t refused;
} modesp_bus_queue_t;

/*
 * A bus. All-zero is a valid empty bus: a static `modesp_event_bus_t bus;`
 * needs no init call. Do not touch the fields.
 */
typedef struct modesp_event_bus {
    modesp_bus_queue_t queues[MODESP_BUS_PRIORITY_COUNT];
    modesp_bus_slot_t slots[CONFIG_EVENT_BUS_MAX_SUBSCRIBERS];
    modesp_bus_filter_t filter;
    void *filter_ctx;
    uint32_t seq;
    uint8_t paused, processing;
    uint32_t blocks_held; /* atomic */
    uint32_t blocks_peak; /* atomic max */
    uint32_t alloc_failures;
    uint32_t published, isr_published, isr_reserve_used, delivered, dispatched, unrouted;
    uint32_t dropped_queue_full, dropped_subscriber_full, dropped_filtered, dropped_oldest, coalesced;
    uint32_t evicted_low, dropped_cleared, dropped_unsubscribed;
    uint32_t bad_topic, bad_field, too_many_fields, too_large, bad_priority;
    uint64_t handler_total_us;
    uint32_t handler_max_us;
    uint32_t bridge_busy, bridge_skipped; /* atomic */
    uint32_t waiters;                     /* atomic: tasks in modesp_bus_wait */
} modesp_event_bus_t;

/* ------------------------------------------------------------ topics */

/*
 * Check a topic (the rule in this header's top comment).
 * Returns: ESP_OK for a valid topic.
 * Errors: MODESP_ERR_BAD_TOPIC (NULL, empty, too long, bad character, empty segment).
 * Complexity: O(length).
 * ISR-safe: yes (no state).
 */
esp_err_t modesp_bus_topic_validate(const char *topic);

/*
 * Check a subscription pattern: "" or a topic whose segments may be "*".
 * Returns: ESP_OK for a valid pattern.
 * Errors: MODESP_ERR_BAD_PATTERN (NULL, too long, bad character, empty segment, partial "*").
 * Complexity: O(length).
 * ISR-safe: yes (no state).
 */
esp_err_t modesp_bus_pattern_validate(const char *pattern);

/*
 * Whether `topic` matches `pattern` (rule in the top comment).
 * Returns: true on a match; false on no match or when either is malformed.
 * Errors: none (malformed input never matches).
 * Complexity: O(pattern length + topic length).
 * ISR-safe: yes (no state).
 */
bool modesp_bus_topic_matches(const char *pattern, const char *topic);

/* ------------------------------------------------------------ events */

/*
 * The event's topic (a pointer into the block, valid while a reference is held).
 * Returns: the NUL-terminated topic; "" for a NULL event.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (reads the block).
 */
const char *modesp_event_topic(const modesp_event_t *ev);

/*
 * The priority the event was published at.
 * Returns: the priority; MODESP_BUS_LOW for a NULL event.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (reads the block).
 */
modesp_bus_priority_t modesp_event_priority(const modesp_event_t *ev);

/*
 * The publish time of the event (modesp_time_us, taken when it was encoded).
 * Returns: the time stamp in microseconds; 0 for a NULL event.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (reads the block).
 */
uint64_t modesp_event_timestamp_us(const modesp_event_t *ev);

/*
 * The number of fields the event carries (0..CONFIG_EVENT_BUS_MAX_FIELDS).
 * Returns: the field count; 0 for a NULL event.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (reads the block).
 */
uint32_t modesp_event_field_count(const modesp_event_t *ev);

/*
 * The int32_t field `key` (the first field with that key) into *out.
 * *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_I32); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_i32(const modesp_event_t *ev, const char *key, int32_t *out);

/*
 * The uint32_t field `key` (the first field with that key) into *out.
 * *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_U32); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_u32(const modesp_event_t *ev, const char *key, uint32_t *out);

/*
 * The int64_t field `key` (the first field with that key) into *out.
 * *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_I64); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_i64(const modesp_event_t *ev, const char *key, int64_t *out);

/*
 * The float field `key` (the first field with that key) into *out.
 * *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_F32); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_f32(const modesp_event_t *ev, const char *key, float *out);

/*
 * The double field `key` (the first field with that key) into *out.
 * *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_F64); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_f64(const modesp_event_t *ev, const char *key, double *out);

/*
 * The bool field `key` (the first field with that key) into *out.
 * *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_BOOL); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_bool(const modesp_event_t *ev, const char *key, bool *out);

/*
 * The string field `key` (the first field with that key) into *out: a pointer into the
 * block, valid while a reference to the event is held. *out is written only on success.
 * Returns: ESP_OK with the value in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev, key or out), ESP_ERR_NOT_FOUND (no such key),
 *   MODESP_ERR_WRONG_TYPE (the key holds another type than MODESP_EV_TYPE_STR); none counted.
 * Complexity: O(fields).
 * ISR-safe: yes (reads the block).
 */
esp_err_t modesp_event_get_str(const modesp_event_t *ev, const char *key, const char **out);

/*
 * Start an iteration over the event's fields.
 * Returns: nothing (a NULL event iterates over nothing).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
void modesp_event_iter_init(modesp_event_iter_t *it, const modesp_event_t *ev);

/*
 * The next field into *field (key and string values point into the block).
 * Returns: true with *field set, false at the end (or for NULL arguments).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
bool modesp_event_iter_next(modesp_event_iter_t *it, modesp_ev_field_t *field);

/*
 * Render the event as one line of JSON into buf (layer bus-json, host and ESP-IDF; for a web or MQTT bridge):
 *   {"topic":"sensor.t","priority":"NORMAL","timestamp_us":123,"fields":{"value":21.5,"unit":"celsius"}}
 * Numbers are JSON numbers; integers (I32, U32, I64) are their exact decimal digits (a reader that parses
 * numbers as doubles keeps them exact up to 2^53). cJSON builds the text on the heap, so this is for tasks,
 * never for ISRs. *len receives the text length without the NUL, also when buf is too small.
 * Returns: ESP_OK with the NUL-terminated text in buf.
 * Errors: ESP_ERR_INVALID_ARG (NULL ev or len; NULL buf with size > 0), ESP_ERR_INVALID_SIZE (size < *len + 1;
 *   buf untouched), ESP_ERR_NO_MEM (cJSON's allocation failed), ESP_ERR_INVALID_STATE (from an ISR).
 * Complexity: O(encoded size).
 * ISR-safe: no (heap).
 */
esp_err_t modesp_event_to_json(const modesp_event_t *ev, char *buf, size_t size, size_t *len);

/*
 * Take one more reference: the event stays valid after its handler returns
 * until modesp_event_unref. Atomic; may be called from any context.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL), ESP_ERR_INVALID_STATE (count is 0: the event is already gone).
 * Complexity: O(1).
 * ISR-safe: yes (one atomic add).
 */
esp_err_t modesp_event_ref(const modesp_event_t *ev);

/*
 * Drop one reference; the last one returns the block to its pool.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL), ESP_ERR_INVALID_STATE (count already 0), the pool's
 *   free error.
 * Complexity: O(1).
 * ISR-safe: yes (an atomic subtract and a pool free).
 */
esp_err_t modesp_event_unref(const modesp_event_t *ev);

/*
 * Current reference count (for tests and diagnostics).
 * Returns: the count; 0 for NULL.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
uint32_t modesp_event_refcount(const modesp_event_t *ev);

/* ------------------------------------------------------------ the bus */

/*
 * The process-wide bus (the guide's static PooledEventBus); statically
 * zero-initialised, ready from any context before main.
 * Returns: the same pointer always, never NULL.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
modesp_event_bus_t *modesp_get_event_bus(void);

/*
 * Reset a bus object to empty (all zero). Only for a bus nobody uses and that
 * holds no event (after modesp_bus_clear and unsubscribing everyone).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL).
 * Complexity: O(size of the bus).
 * ISR-safe: no (task context, before use).
 */
esp_err_t modesp_bus_init(modesp_event_bus_t *bus);

/*
 * Subscribe `handler(ev, ctx)` to topics matching `pattern` (copied). depth 0
 * means CONFIG_EVENT_BUS_MAX_DEPTH; larger depths are cut to it.
 * Returns: ESP_OK and the handle in *out.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus, handler or out; unknown policy),
 *   MODESP_ERR_BAD_PATTERN, MODESP_ERR_FULL (CONFIG_EVENT_BUS_MAX_SUBSCRIBERS taken),
 *   ESP_ERR_INVALID_STATE (called from an ISR).
 * Complexity: O(subscribers + pattern length).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_bus_subscribe(modesp_event_bus_t *bus, const char *pattern, modesp_bus_handler_t handler, void *ctx,
                               uint32_t depth, modesp_bus_policy_t policy, modesp_bus_sub_t *out);

/*
 * Remove a subscription, also from inside a handler (see DELIVERY CONTRACT).
 * Its undelivered events are discarded for it (dropped_unsubscribed).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus), ESP_ERR_NOT_FOUND (stale or unknown handle),
 *   ESP_ERR_INVALID_STATE (called from an ISR).
 * Complexity: O(depth).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_bus_unsubscribe(modesp_event_bus_t *bus, modesp_bus_sub_t handle);

/*
 * Publish an event of `count` fields (fields may be NULL when count is 0)
 * from a task. The caller's data is only read. Usually called through
 * modesp_bus_publish(bus, topic, priority, MODESP_EV_...(...), ...).
 * Returns: ESP_OK when queued, or when no subscriber matches (counted in unrouted, nothing kept).
 * Errors: ESP_ERR_INVALID_ARG (NULL bus; fields NULL with count > 0; bad priority),
 *   MODESP_ERR_BAD_TOPIC, MODESP_ERR_TOO_MANY_FIELDS, MODESP_ERR_BAD_FIELD (NULL/long key,
 *   unknown type, NULL/long string), MODESP_ERR_EVENT_TOO_LARGE, MODESP_ERR_FILTERED,
 *   ESP_ERR_NO_MEM (no block of the class), MODESP_ERR_QUEUE_FULL,
 *   MODESP_ERR_SUBSCRIBER_FULL (a matching REJECT subscriber is full); each counted in the stats.
 * Complexity: O(encoded size + subscribers x (topic length + depth) + queue length).
 * ISR-safe: no (use modesp_bus_publish_from_isr_fields; this one refuses with
 *   ESP_ERR_INVALID_STATE in an ISR).
 */
esp_err_t modesp_bus_publish_fields(modesp_event_bus_t *bus, const char *topic, modesp_bus_priority_t priority,
                                    const modesp_ev_field_t *fields, size_t count);

/*
 * Publish from an interrupt: the same encoding and contract, never blocks;
 * the block comes from the manager (STRICT) or, when that class is empty, from
 * the ISR reserve (CONFIG_EVENT_BUS_ISR_RESERVE_BLOCKS). *woken (may be NULL)
 * receives whether a task blocked in modesp_bus_wait was woken by this
 * event (FreeRTOS pxHigherPriorityTaskWoken: yield before leaving the ISR);
 * false when nobody waits or the event was refused. Also callable from a task.
 * Returns: as modesp_bus_publish_fields.
 * Errors: as modesp_bus_publish_fields.
 * Complexity: as modesp_bus_publish_fields.
 * ISR-safe: yes (lock-free allocation, short critical sections).
 */
esp_err_t modesp_bus_publish_from_isr_fields(modesp_event_bus_t *bus, const char *topic, modesp_bus_priority_t priority,
                                             const modesp_ev_field_t *fields, size_t count, bool *woken);

#define MODESP_EV_FIELDS_(...)  ((const modesp_ev_field_t[]){__VA_ARGS__})
#define MODESP_EV_NFIELDS_(...) (sizeof((const modesp_ev_field_t[]){__VA_ARGS__}) / sizeof(modesp_ev_field_t))

/*
 * modesp_bus_publish_fields with the fields written inline as MODESP_EV_...(...) arguments
 * (at least one; for 0 fields call modesp_bus_publish_fields(bus, topic, priority, NULL, 0)).
 * The field array is a compound literal in the caller's frame, read only during the call.
 * Returns: as modesp_bus_publish_fields: ESP_OK when queued or when no subscriber matches.
 * Errors: as modesp_bus_publish_fields (ESP_ERR_INVALID_ARG, MODESP_ERR_BAD_TOPIC,
 *   MODESP_ERR_TOO_MANY_FIELDS, MODESP_ERR_BAD_FIELD, MODESP_ERR_EVENT_TOO_LARGE, MODESP_ERR_FILTERED,
 *   ESP_ERR_NO_MEM, MODESP_ERR_QUEUE_FULL, MODESP_ERR_SUBSCRIBER_FULL, each counted in the stats
 *   except a NULL bus; ESP_ERR_INVALID_STATE in an ISR, not counted).
 * Complexity: O(fields) to build the array, plus that of modesp_bus_publish_fields.
 * ISR-safe: no (use modesp_bus_publish_from_isr; this one refuses with ESP_ERR_INVALID_STATE in an ISR).
 */
#define modesp_bus_publish(bus, topic, priority, ...)                                                                  \
    modesp_bus_publish_fields((bus), (topic), (priority), MODESP_EV_FIELDS_(__VA_ARGS__),                              \
                              MODESP_EV_NFIELDS_(__VA_ARGS__))

/*
 * modesp_bus_publish_from_isr_fields with the fields written inline (at least one); *woken
 * (may be NULL) is set as there: true when a task blocked in modesp_bus_wait was woken.
 * Returns: as modesp_bus_publish_from_isr_fields: ESP_OK when queued or when no subscriber matches.
 * Errors: as modesp_bus_publish_from_isr_fields (those of modesp_bus_publish_fields, each
 *   counted in the stats except a NULL bus; never ESP_ERR_INVALID_STATE: it is also callable from a task).
 * Complexity: O(fields) to build the array, plus that of modesp_bus_publish_fields.
 * ISR-safe: yes (lock-free allocation, short critical sections; the filter must be ISR-safe).
 */
#define modesp_bus_publish_from_isr(bus, topic, priority, woken, ...)                                                  \
    modesp_bus_publish_from_isr_fields((bus), (topic), (priority), MODESP_EV_FIELDS_(__VA_ARGS__),                     \
                                       MODESP_EV_NFIELDS_(__VA_ARGS__), (woken))

/*
 * Dispatch queued events (DELIVERY CONTRACT): highest priority first, FIFO
 * within one, at least one event, then until max_ms have passed
 * (MODESP_WAIT_FOREVER-like UINT32_MAX: until the queues are empty).
 * *dispatched (may be NULL) receives the number of events dispatched.
 * Returns: ESP_OK (also when paused or empty: 0 dispatched).
 * Errors: ESP_ERR_INVALID_ARG (NULL bus), ESP_ERR_INVALID_STATE (from an ISR, or another
 *   task is processing this bus).
 * Complexity: O(events x subscribers) plus the handlers.
 * ISR-safe: no (task context).
 */
esp_err_t modesp_bus_process(modesp_event_bus_t *bus, uint32_t max_ms, uint32_t *dispatched);

/*
 * Block the calling task until an event is queued on the bus or timeout_ms
 * passes (0: only look; UINT32_MAX: no limit), for an event-loop task:
 *     for (;;) { if (modesp_bus_wait(bus, 1000) == ESP_OK) modesp_bus_process(bus, 5, NULL); }
 * Every accepted publish wakes the waiters (and reports it through *woken).
 * Returns: ESP_OK when at least one event is queued.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus), ESP_ERR_TIMEOUT (nothing queued in time),
 *   ESP_ERR_INVALID_STATE (called from an ISR).
 * Complexity: O(priorities) per wake-up.
 * ISR-safe: no (it blocks).
 */
esp_err_t modesp_bus_wait(modesp_event_bus_t *bus, uint32_t timeout_ms);

/*
 * Pause the bus: process dispatches nothing (returns ESP_OK, 0 dispatched);
 * publishes still queue. Idempotent.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus; not counted).
 * Complexity: O(1).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_bus_pause(modesp_event_bus_t *bus);

/*
 * Resume a paused bus: the next process dispatches the queued events again.
 * Idempotent (resuming a running bus changes nothing).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus; not counted).
 * Complexity: O(1).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_bus_resume(modesp_event_bus_t *bus);

/*
 * Discard every queued event (counted in dropped_cleared); each block returns
 * to its pool unless a holder keeps a reference. *released (may be NULL)
 * receives the number of events discarded.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus), ESP_ERR_INVALID_STATE (from an ISR).
 * Complexity: O(queue length x priorities x depth).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_bus_clear(modesp_event_bus_t *bus, uint32_t *released);

/*
 * Install (NULL removes) the publish-time filter.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus).
 * Complexity: O(1).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_bus_set_filter(modesp_event_bus_t *bus, modesp_bus_filter_t filter, void *ctx);

/* The guide's get_event_pool_stats(): blocks the bus holds now, allocation failures. */
typedef struct {
    uint32_t allocated_count;     /* event blocks alive now (queued, dispatching, or kept by holders) */
    uint32_t peak_allocated;      /* most alive at once */
    uint32_t allocation_failures; /* no block for a publish (ESP_ERR_NO_MEM) */
} modesp_bus_event_pool_stats_t;

typedef struct {
    uint32_t published;                                   /* queued (tasks and ISRs) */
    uint32_t isr_published;                               /* of which from publish_from_isr */
    uint32_t isr_reserve_used;                            /* ISR publishes served by the ISR reserve */
    uint32_t unrouted;                                    /* accepted but no subscriber matched (not queued) */
    uint32_t dispatched;                                  /* events taken from the queues by process */
    uint32_t delivered;                                   /* handler calls */
    uint32_t dropped_queue_full;                          /* MODESP_ERR_QUEUE_FULL */
    uint32_t dropped_subscriber_full;                     /* MODESP_ERR_SUBSCRIBER_FULL (REJECT) */
    uint32_t dropped_no_block;                            /* ESP_ERR_NO_MEM */
    uint32_t dropped_filtered;                            /* MODESP_ERR_FILTERED */
    uint32_t dropped_oldest;                              /* DROP_OLDEST / full KEEP_LATEST, per subscriber */
    uint32_t coalesced;                                   /* KEEP_LATEST replacements, per subscriber */
    uint32_t evicted_low;                                 /* LOW events evicted by CRITICAL */
    uint32_t dropped_cleared;                             /* modesp_bus_clear */
    uint32_t dropped_unsubscribed;                        /* undelivered events of removed subscribers */
    uint32_t bad_topic;                                   /* MODESP_ERR_BAD_TOPIC */
    uint32_t bad_field;                                   /* MODESP_ERR_BAD_FIELD and ESP_ERR_INVALID_ARG (fields) */
    uint32_t too_many_fields;                             /* MODESP_ERR_TOO_MANY_FIELDS */
    uint32_t too_large;                                   /* MODESP_ERR_EVENT_TOO_LARGE */
    uint32_t bad_priority;                                /* ESP_ERR_INVALID_ARG (priority) */
    uint32_t queue_len[MODESP_BUS_PRIORITY_COUNT];        /* events queued now */
    uint32_t queue_high_water[MODESP_BUS_PRIORITY_COUNT]; /* most queued at once */
    uint32_t queue_refused[MODESP_BUS_PRIORITY_COUNT];    /* MODESP_ERR_QUEUE_FULL per priority */
    uint32_t subscriptions;                               /* active now */
    uint32_t handler_avg_us;
    uint32_t handler_max_us;
    bool paused;
    uint32_t bridge_skipped; /* pressure changes caused by the bridge's own publish, not published */
    modesp_bus_event_pool_stats_t pool;
} modesp_bus_stats_t;

typedef struct {
    uint32_t depth;          /* effective depth */
    uint32_t pending;        /* undelivered now */
    uint32_t high_water;     /* most undelivered at once */
    uint32_t delivered;      /* handler calls */
    uint32_t rejected;       /* REJECT refusals */
    uint32_t dropped_oldest; /* events dropped for this subscriber */
    uint32_t coalesced;      /* KEEP_LATEST replacements */
    modesp_bus_policy_t policy;
} modesp_bus_sub_stats_t;

/*
 * Snapshot of the bus counters (counters count since the bus was zeroed).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL).
 * Complexity: O(priorities + subscribers).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_bus_get_stats(modesp_event_bus_t *bus, modesp_bus_stats_t *stats);

/*
 * One subscriber's counters.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL), ESP_ERR_NOT_FOUND (stale or unknown handle).
 * Complexity: O(1).
 * ISR-safe: yes (one short critical section).
 */
esp_err_t modesp_bus_get_sub_stats(modesp_event_bus_t *bus, modesp_bus_sub_t handle, modesp_bus_sub_stats_t *stats);

/*
 * The guide's PooledEventBus::get_event_pool_stats().
 * Returns: the counters (all zero for a NULL bus).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (atomic loads).
 */
modesp_bus_event_pool_stats_t modesp_bus_get_event_pool_stats(modesp_event_bus_t *bus);

/*
 * Bridge the manager's pressure callbacks to the bus: every level change is
 * published as "mem.pressure.normal" (NORMAL), "mem.pressure.warning" (HIGH)
 * or "mem.pressure.critical" (CRITICAL) with fields "old" (u32 level),
 * "level" (u32 level) and "utilization" (u32 percent). The manager never
 * includes the bus. A change caused by the bridge's own publish (its block
 * allocation, or a drop it causes) is not published, only counted in
 * bridge_skipped: it would feed back. modesp_bus_unbridge_pressure removes it.
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus), those of modesp_pool_manager_register_pressure_callback:
 *   MODESP_ERR_ALREADY_REGISTERED (this bus is already bridged), MODESP_ERR_FULL (every
 *   pressure-callback slot is taken); none counted.
 * Complexity: O(pressure callbacks).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_bus_bridge_pressure(modesp_event_bus_t *bus);

/*
 * Remove the bridge installed by modesp_bus_bridge_pressure for this bus: later
 * level changes are no longer published on it (a delivery already running in
 * another task may still publish the one change it is delivering).
 * Returns: ESP_OK.
 * Errors: ESP_ERR_INVALID_ARG (NULL bus), ESP_ERR_NOT_FOUND (this bus is not bridged;
 *   from modesp_pool_manager_unregister_pressure_callback); none counted.
 * Complexity: O(pressure callbacks).
 * ISR-safe: no (task context).
 */
esp_err_t modesp_bus_unbridge_pressure(modesp_event_bus_t *bus);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_POOLED_EVENT_BUS_H */
