/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C++ layer: the guide's ModESP::PooledEventBus (sections 2 and 7).
 *
 *     esp_err_t err = ModESP::PooledEventBus::publish_pooled(
 *         "sensor.temperature.updated",
 *         {{"module_id", get_id()}, {"value", value}, {"timestamp", esp_timer_get_time()}, {"unit", "celsius"}},
 *         EventBus::Priority::NORMAL);
 *
 *     ModESP::EventSubscription sub_;                          // a member: unsubscribes itself
 *     ModESP::PooledEventBus::subscribe(sub_, "sensor.*", [this](const ModESP::Event &ev) {
 *         float v;
 *         if (ev.get("value", v) == ESP_OK) { ... }
 *     });
 *     ModESP::PooledEventBus::process(5);                      // in the event-loop task
 *
 *     auto stats = ModESP::PooledEventBus::get_event_pool_stats();
 *
 * Every call works on the process-wide bus (modesp_get_event_bus(),
 * modesp/pooled_event_bus.h) with its delivery contract. The payload is a
 * std::initializer_list of EventField, each a modesp_ev_field_t built from
 * {"key", value}: the value's type picks the field type (bool; integers up to
 * 32 bits, signed 64 bits; float; double; strings). The list lives in the
 * caller's frame and is handed to the C publish as it is (no copy, no heap).
 * The priority may be ModESP::EventPriority or any enum with the enumerators
 * CRITICAL, HIGH, NORMAL and LOW (a framework's EventBus::Priority): it is
 * mapped by name, whatever the enumerators' values.
 */
#ifndef MODESP_EVENT_BUS_HPP
#define MODESP_EVENT_BUS_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "modesp/inplace_callable.hpp"
#include "modesp/pooled_event_bus.h"

namespace ModESP {

enum class EventPriority : uint8_t {
    CRITICAL = MODESP_BUS_CRITICAL,
    HIGH = MODESP_BUS_HIGH,
    NORMAL = MODESP_BUS_NORMAL,
    LOW = MODESP_BUS_LOW,
};

enum class DeliveryPolicy : uint8_t {
    REJECT = MODESP_BUS_REJECT,
    DROP_OLDEST = MODESP_BUS_DROP_OLDEST,
    KEEP_LATEST = MODESP_BUS_KEEP_LATEST,
};

namespace detail {
template <typename> struct always_false : std::false_type {
};

/* A priority enum mapped by its enumerators' names; anything else is refused by the C publish (bad_priority). */
template <typename P> constexpr modesp_bus_priority_t to_bus_priority(P p) noexcept
{
    return p == P::CRITICAL ? MODESP_BUS_CRITICAL
           : p == P::HIGH   ? MODESP_BUS_HIGH
           : p == P::NORMAL ? MODESP_BUS_NORMAL
           : p == P::LOW    ? MODESP_BUS_LOW
                            : MODESP_BUS_PRIORITY_COUNT;
}
} // namespace detail

/*
 * One {"key", value} pair of the guide's payload: a modesp_ev_field_t (same
 * size and layout, so a list of them is the C field array).
 */
struct EventField : modesp_ev_field_t {
    /*
     * The field `key` = value; its type follows the value's C++ type.
     * Errors: none here (the key and string are checked by the publish: MODESP_ERR_BAD_FIELD);
     *   an unsigned 64-bit integer or another type does not compile.
     * Complexity: O(1).
     * ISR-safe: yes (builds a value).
     */
    template <typename V> EventField(const char *field_key, const V &value) noexcept : modesp_ev_field_t()
    {
        key = field_key;
        using D = std::decay_t<V>;
        if constexpr (std::is_same<D, bool>::value) {
            type = MODESP_EV_TYPE_BOOL;
            v.b = value;
        } else if constexpr (std::is_same<D, const char *>::value || std::is_same<D, char *>::value) {
            type = MODESP_EV_TYPE_STR;
            v.str = value;
        } else if constexpr (std::is_enum<D>::value) {
            *this = EventField(field_key, static_cast<std::underlying_type_t<D>>(value));
        } else if constexpr (std::is_integral<D>::value && std::is_signed<D>::value) {
            if constexpr (sizeof(D) <= sizeof(int32_t)) {
                type = MODESP_EV_TYPE_I32;
                v.i32 = static_cast<int32_t>(value); // NOLINT(bugprone-signed-char-misuse,cert-str34-c): a number
            } else {
                static_assert(sizeof(D) <= sizeof(int64_t), "ModESP::EventField: integer wider than 64 bits");
                type = MODESP_EV_TYPE_I64;
                v.i64 = static_cast<int64_t>(value);
            }
        } else if constexpr (std::is_integral<D>::value) {
            static_assert(sizeof(D) <= sizeof(uint32_t),
                          "ModESP::EventField: the bus has no unsigned 64-bit field; cast the value to int64_t "
                          "or uint32_t");
            type = MODESP_EV_TYPE_U32;
            v.u32 = static_cast<uint32_t>(value);
        } else if constexpr (std::is_same<D, float>::value) {
            type = MODESP_EV_TYPE_F32;
            v.f32 = value;
        } else if constexpr (std::is_same<D, double>::value) {
            type = MODESP_EV_TYPE_F64;
            v.f64 = value;
        } else {
            static_assert(detail::always_false<D>::value,
                          "ModESP::EventField: unsupported value type (bool, integers, float, double, const char *)");
        }
    }
};

static_assert(sizeof(EventField) == sizeof(modesp_ev_field_t) && std::is_standard_layout<EventField>::value,
              "EventField must have modesp_ev_field_t's layout: a list of them is the C field array");

/* Pool use of the bus's events: the guide's get_event_pool_stats() (printed there with %u). */
struct EventPoolStats {
    unsigned allocated_count;     /* event blocks alive now */
    unsigned peak_allocated;      /* most alive at once */
    unsigned allocation_failures; /* publishes that found no block (ESP_ERR_NO_MEM) */
};

/* A delivered event, read-only, valid during the handler (ref() to keep it longer). */
class Event {
  public:
    explicit Event(const modesp_event_t *ev) noexcept : ev_(ev) {}

    /*
     * The event's topic.
     * Returns: the NUL-terminated topic (valid while a reference is held).
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    const char *topic() const noexcept { return modesp_event_topic(ev_); }

    /*
     * The priority it was published at.
     * Returns: the priority.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    EventPriority priority() const noexcept { return static_cast<EventPriority>(modesp_event_priority(ev_)); }

    /*
     * Publish time (modesp_time_us).
     * Returns: microseconds.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    uint64_t timestamp_us() const noexcept { return modesp_event_timestamp_us(ev_); }

    /*
     * Number of fields.
     * Returns: the count.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    uint32_t field_count() const noexcept { return modesp_event_field_count(ev_); }

    /*
     * The field `key` into out, by out's type (int32_t, uint32_t, int64_t, float, double, bool, const char *).
     * Returns: ESP_OK with out written, or an error below (out untouched).
     * Errors: ESP_ERR_NOT_FOUND (no such key), MODESP_ERR_WRONG_TYPE (another type), ESP_ERR_INVALID_ARG.
     * Complexity: O(fields).
     * ISR-safe: yes.
     */
    esp_err_t get(const char *key, int32_t &out) const noexcept { return modesp_event_get_i32(ev_, key, &out); }
    esp_err_t get(const char *key, uint32_t &out) const noexcept { return modesp_event_get_u32(ev_, key, &out); }
    esp_err_t get(const char *key, int64_t &out) const noexcept { return modesp_event_get_i64(ev_, key, &out); }
    esp_err_t get(const char *key, float &out) const noexcept { return modesp_event_get_f32(ev_, key, &out); }
    esp_err_t get(const char *key, double &out) const noexcept { return modesp_event_get_f64(ev_, key, &out); }
    esp_err_t get(const char *key, bool &out) const noexcept { return modesp_event_get_bool(ev_, key, &out); }
    esp_err_t get(const char *key, const char *&out) const noexcept { return modesp_event_get_str(ev_, key, &out); }

    /*
     * The C event, for the C API (modesp_event_ref to keep it past the handler).
     * Returns: the event pointer.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    const modesp_event_t *handle() const noexcept { return ev_; }

  private:
    const modesp_event_t *ev_;
};

/*
 * A subscription whose handler is a lambda `void(const ModESP::Event &)`,
 * kept inside the object (Capacity bytes, checked at compile time). The
 * object is the C handler's context, so it stays where it is (a member or a
 * static); its destructor unsubscribes.
 */
template <std::size_t Capacity = Memory::kDefaultCallableBytes> class BasicEventSubscription {
  public:
    BasicEventSubscription() noexcept = default;
    BasicEventSubscription(const BasicEventSubscription &) = delete;
    BasicEventSubscription &operator=(const BasicEventSubscription &) = delete;
    ~BasicEventSubscription() { (void)unsubscribe(); }

    /*
     * Subscribe `handler` to the topics matching `pattern` on the process-wide
     * bus, replacing (and unsubscribing) what this object held. depth 0 means
     * CONFIG_EVENT_BUS_MAX_DEPTH.
     * Returns: ESP_OK, or an error below (the object is then empty).
     * Errors: as modesp_bus_subscribe: MODESP_ERR_BAD_PATTERN, MODESP_ERR_FULL,
     *   ESP_ERR_INVALID_STATE (from an ISR), ESP_ERR_INVALID_ARG (unknown policy).
     * Complexity: O(subscribers + pattern length).
     * ISR-safe: no (task context).
     */
    template <typename F>
    esp_err_t subscribe(const char *pattern, F &&handler, uint32_t depth = 0,
                        DeliveryPolicy policy = DeliveryPolicy::DROP_OLDEST) noexcept
    {
        (void)unsubscribe();
        fn_.emplace(std::forward<F>(handler));
        const esp_err_t err = modesp_bus_subscribe(modesp_get_event_bus(), pattern, &deliver, this, depth,
                                                   static_cast<modesp_bus_policy_t>(policy), &handle_);
        if (err != ESP_OK) {
            handle_ = 0;
            fn_.reset();
        }
        return err;
    }

    /*
     * Remove the subscription (undelivered events are dropped for it).
     * Returns: ESP_OK (also when not subscribed), or an error below.
     * Errors: as modesp_bus_unsubscribe: ESP_ERR_INVALID_STATE (from an ISR).
     * Complexity: O(depth).
     * ISR-safe: no (task context).
     */
    esp_err_t unsubscribe() noexcept
    {
        esp_err_t err = ESP_OK;
        if (handle_ != 0) {
            err = modesp_bus_unsubscribe(modesp_get_event_bus(), handle_);
            handle_ = 0;
        }
        fn_.reset();
        return err;
    }

    /*
     * The C handle (0 when not subscribed), e.g. for modesp_bus_get_sub_stats.
     * Returns: the handle.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    modesp_bus_sub_t handle() const noexcept { return handle_; }

  private:
    static void deliver(const modesp_event_t *ev, void *ctx)
    {
        auto *self = static_cast<BasicEventSubscription *>(ctx);
        if (self->fn_) {
            self->fn_(Event(ev));
        }
    }

    Memory::InplaceCallable<void(const Event &), Capacity> fn_;
    modesp_bus_sub_t handle_ = 0;
};

using EventSubscription = BasicEventSubscription<>;

/* The guide's PooledEventBus: static members over the process-wide bus. */
class PooledEventBus {
  public:
    using Priority = EventPriority;

    PooledEventBus() = delete;

    /*
     * The C bus, for the C API.
     * Returns: modesp_get_event_bus(), never NULL.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static modesp_event_bus_t *handle() noexcept { return modesp_get_event_bus(); }

    /*
     * The guide's publish_pooled(topic, {{"key", value}, ...}, priority): one
     * event, encoded into one pool block, queued for the matching subscribers.
     * Returns: ESP_OK when queued or when nobody subscribes (unrouted), or an error below.
     * Errors: as modesp_bus_publish_fields, each counted in the bus stats: MODESP_ERR_BAD_TOPIC,
     *   MODESP_ERR_TOO_MANY_FIELDS, MODESP_ERR_BAD_FIELD, MODESP_ERR_EVENT_TOO_LARGE,
     *   MODESP_ERR_FILTERED, ESP_ERR_NO_MEM, MODESP_ERR_QUEUE_FULL, MODESP_ERR_SUBSCRIBER_FULL,
     *   ESP_ERR_INVALID_ARG (a priority that is none of the four); ESP_ERR_INVALID_STATE in an ISR.
     * Complexity: as modesp_bus_publish_fields.
     * ISR-safe: no (publish_pooled_from_isr).
     */
    static esp_err_t publish_pooled(const char *topic, std::initializer_list<EventField> fields,
                                    EventPriority priority = EventPriority::NORMAL) noexcept
    {
        return modesp_bus_publish_fields(handle(), topic, static_cast<modesp_bus_priority_t>(priority), fields.begin(),
                                         fields.size());
    }

    /*
     * publish_pooled with another enum's priority (mapped by the names CRITICAL, HIGH, NORMAL, LOW).
     * Returns: as publish_pooled.
     * Errors: as publish_pooled.
     * Complexity: as publish_pooled.
     * ISR-safe: no.
     */
    template <typename P, typename = std::enable_if_t<std::is_enum<P>::value && !std::is_same<P, EventPriority>::value>>
    static esp_err_t publish_pooled(const char *topic, std::initializer_list<EventField> fields, P priority) noexcept
    {
        return modesp_bus_publish_fields(handle(), topic, detail::to_bus_priority(priority), fields.begin(),
                                         fields.size());
    }

    /*
     * publish_pooled from an interrupt (modesp_bus_publish_from_isr_fields); *woken
     * (may be nullptr) tells whether a task waiting in wait() was woken.
     * Returns: as publish_pooled.
     * Errors: as publish_pooled (never ESP_ERR_INVALID_STATE).
     * Complexity: as publish_pooled.
     * ISR-safe: yes.
     */
    static esp_err_t publish_pooled_from_isr(const char *topic, std::initializer_list<EventField> fields,
                                             EventPriority priority, bool *woken) noexcept
    {
        return modesp_bus_publish_from_isr_fields(handle(), topic, static_cast<modesp_bus_priority_t>(priority),
                                                  fields.begin(), fields.size(), woken);
    }

    /*
     * Subscribe a lambda kept in `sub` (see BasicEventSubscription::subscribe).
     * Returns: ESP_OK, or an error below.
     * Errors: MODESP_ERR_BAD_PATTERN, MODESP_ERR_FULL, ESP_ERR_INVALID_STATE, ESP_ERR_INVALID_ARG.
     * Complexity: O(subscribers + pattern length).
     * ISR-safe: no (task context).
     */
    template <std::size_t Capacity, typename F>
    static esp_err_t subscribe(BasicEventSubscription<Capacity> &sub, const char *pattern, F &&handler,
                               uint32_t depth = 0, DeliveryPolicy policy = DeliveryPolicy::DROP_OLDEST) noexcept
    {
        return sub.subscribe(pattern, std::forward<F>(handler), depth, policy);
    }

    /*
     * Dispatch queued events for up to max_ms (at least one): modesp_bus_process.
     * Returns: ESP_OK; *dispatched (may be nullptr) gets the count.
     * Errors: ESP_ERR_INVALID_STATE (from an ISR, or another task is processing).
     * Complexity: O(events x subscribers) plus the handlers.
     * ISR-safe: no (task context).
     */
    static esp_err_t process(uint32_t max_ms, uint32_t *dispatched = nullptr) noexcept
    {
        return modesp_bus_process(handle(), max_ms, dispatched);
    }

    /*
     * Block until an event is queued or timeout_ms passes (modesp_bus_wait).
     * Returns: ESP_OK when an event is queued.
     * Errors: ESP_ERR_TIMEOUT, ESP_ERR_INVALID_STATE (from an ISR).
     * Complexity: O(priorities) per wake-up.
     * ISR-safe: no (it blocks).
     */
    static esp_err_t wait(uint32_t timeout_ms) noexcept { return modesp_bus_wait(handle(), timeout_ms); }

    /*
     * Every counter of the bus (modesp_bus_get_stats).
     * Returns: ESP_OK with out filled.
     * Errors: none for the process-wide bus.
     * Complexity: O(priorities + subscribers).
     * ISR-safe: yes.
     */
    static esp_err_t get_stats(modesp_bus_stats_t &out) noexcept { return modesp_bus_get_stats(handle(), &out); }

    /*
     * The guide's get_event_pool_stats(): event blocks alive now, their peak, failures.
     * Returns: the counters (unsigned int, as the guide's %u prints them).
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static EventPoolStats get_event_pool_stats() noexcept
    {
        const modesp_bus_event_pool_stats_t s = modesp_bus_get_event_pool_stats(handle());
        return EventPoolStats{static_cast<unsigned>(s.allocated_count), static_cast<unsigned>(s.peak_allocated),
                              static_cast<unsigned>(s.allocation_failures)};
    }
};

} // namespace ModESP

#endif /* MODESP_EVENT_BUS_HPP */
