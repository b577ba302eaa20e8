/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C++ layer: the guide's ModESP::Memory::get_pool_manager() (sections 3 and 6).
 *
 *     auto &pm = ModESP::Memory::get_pool_manager();
 *     uint8_t usage = pm.get_overall_utilization();
 *     pm.deallocate(raw, sizeof(Command));
 *
 *     ModESP::Memory::PressureListener listener_;              // a member: unregisters itself
 *     pm.register_pressure_callback(listener_, [this](auto old_level, auto new_level, uint8_t usage) { ... });
 *
 * PoolManager holds no state: every call forwards to the C manager
 * (modesp/pool_manager.h), which needs no initialisation; the returned
 * reference is to a constant-initialised object, so the first call, from
 * any context, costs nothing and never allocates. Errors are the C layer's
 * esp_err_t values; nothing throws.
 */
#ifndef MODESP_POOL_MANAGER_HPP
#define MODESP_POOL_MANAGER_HPP

#include <cstddef>
#include <cstdint>
#include <utility>

#include "modesp/inplace_callable.hpp"
#include "modesp/pool_manager.h"

namespace ModESP {
namespace Memory {

enum class PressureLevel : uint8_t {
    NORMAL = MODESP_PRESSURE_NORMAL,
    WARNING = MODESP_PRESSURE_WARNING,
    CRITICAL = MODESP_PRESSURE_CRITICAL,
};

enum class AllocStrategy : uint8_t {
    STRICT = MODESP_ALLOC_STRICT,
    SPILL = MODESP_ALLOC_SPILL,
    HEAP_FALLBACK = MODESP_ALLOC_HEAP_FALLBACK,
    WAIT = MODESP_ALLOC_WAIT,
};

/*
 * A pressure callback that is a lambda: the callable lives inside the
 * listener (Capacity bytes, checked at compile time) and the listener is the
 * C callback's context, so it must stay where it is (not copyable or
 * movable; make it a member or a static). The destructor unregisters it.
 * The callable runs as the C callbacks do: in task context, once per level
 * change, with (old level, new level, utilization percent).
 */
template <std::size_t Capacity = kDefaultCallableBytes> class BasicPressureListener {
  public:
    BasicPressureListener() noexcept = default;
    BasicPressureListener(const BasicPressureListener &) = delete;
    BasicPressureListener &operator=(const BasicPressureListener &) = delete;
    ~BasicPressureListener() { (void)stop(); }

    /*
     * Register `fn(PressureLevel old_level, PressureLevel new_level, uint8_t utilization)`,
     * replacing (and unregistering) what this listener held.
     * Returns: ESP_OK, or an error below (the listener is then empty).
     * Errors: as modesp_pool_manager_register_pressure_callback: MODESP_ERR_FULL (every
     *   slot of CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS taken; not counted); a callable
     *   larger than Capacity does not compile.
     * Complexity: O(callbacks), inside the port's critical section.
     * ISR-safe: no (task context).
     */
    template <typename F> esp_err_t listen(F &&fn) noexcept
    {
        (void)stop();
        fn_.emplace(std::forward<F>(fn));
        const esp_err_t err = modesp_pool_manager_register_pressure_callback(modesp_get_pool_manager(), &deliver, this);
        if (err != ESP_OK) {
            fn_.reset();
            return err;
        }
        registered_ = true;
        return ESP_OK;
    }

    /*
     * Unregister and drop the callable (a delivery running in another task at
     * that moment may still call it once, as the C unregister says: stop a
     * listener before its captures die, from the task that delivers or when
     * no change can be in flight).
     * Returns: ESP_OK (also when it was not listening), or an error below.
     * Errors: as modesp_pool_manager_unregister_pressure_callback (not counted).
     * Complexity: O(callbacks), inside the port's critical section.
     * ISR-safe: no (task context).
     */
    esp_err_t stop() noexcept
    {
        esp_err_t err = ESP_OK;
        if (registered_) {
            registered_ = false;
            err = modesp_pool_manager_unregister_pressure_callback(modesp_get_pool_manager(), &deliver, this);
        }
        fn_.reset();
        return err;
    }

    /*
     * Whether a callable is registered.
     * Returns: true while listening.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    bool listening() const noexcept { return registered_; }

  private:
    static void deliver(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level, uint8_t utilization,
                        void *ctx)
    {
        auto *self = static_cast<BasicPressureListener *>(ctx);
        if (self->fn_) {
            self->fn_(static_cast<PressureLevel>(old_level), static_cast<PressureLevel>(new_level), utilization);
        }
    }

    InplaceCallable<void(PressureLevel, PressureLevel, uint8_t), Capacity> fn_;
    bool registered_ = false;
};

using PressureListener = BasicPressureListener<>;

class PoolManager;
PoolManager &get_pool_manager() noexcept;

/* The process-wide manager, as the guide's get_pool_manager() returns it. */
class PoolManager {
  public:
    PoolManager(const PoolManager &) = delete;
    PoolManager &operator=(const PoolManager &) = delete;

    /*
     * The C manager behind this object, for the C API.
     * Returns: modesp_get_pool_manager(), never NULL.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    modesp_pool_manager_t *handle() const noexcept { return modesp_get_pool_manager(); }

    /*
     * The guide's get_overall_utilization(): class bytes in use as a percentage.
     * Returns: 0..100 (modesp_pool_manager_get_overall_utilization).
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    uint8_t get_overall_utilization() const noexcept { return modesp_pool_manager_get_overall_utilization(handle()); }

    /*
     * `size` bytes from the smallest class that holds them, default strategy; not zeroed.
     * Returns: the block, or nullptr on an error of modesp_pool_manager_allocate.
     * Errors: as modesp_pool_manager_allocate (size 0 or too large, class exhausted, ...; counted there).
     * Complexity: O(1) (WAIT: until a block or the timeout).
     * ISR-safe: as modesp_pool_manager_allocate (yes for STRICT and SPILL).
     */
    void *allocate(std::size_t size) noexcept { return modesp_pool_manager_allocate(handle(), size); }

    /*
     * `size` bytes with an explicit strategy; *out receives the block or nullptr.
     * Returns: ESP_OK, or an error below.
     * Errors: as modesp_pool_manager_allocate_ex (ESP_ERR_NO_MEM, ESP_ERR_TIMEOUT,
     *   ESP_ERR_INVALID_SIZE, MODESP_ERR_ZERO_SIZE, ESP_ERR_NOT_SUPPORTED, ESP_ERR_INVALID_STATE).
     * Complexity: as modesp_pool_manager_allocate_ex.
     * ISR-safe: as modesp_pool_manager_allocate_ex (STRICT and SPILL yes, WAIT refused).
     */
    esp_err_t allocate(std::size_t size, AllocStrategy strategy, uint32_t timeout_ms, void **out) noexcept
    {
        return modesp_pool_manager_allocate_ex(handle(), size, static_cast<modesp_alloc_strategy_t>(strategy),
                                               timeout_ms, out);
    }

    /*
     * The critical-path allocation: the class, else the emergency reserve.
     * Returns: the block, or nullptr on an error of modesp_pool_manager_allocate_critical.
     * Errors: as modesp_pool_manager_allocate_critical (critical_failures counts them).
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    void *allocate_critical(std::size_t size) noexcept { return modesp_pool_manager_allocate_critical(handle(), size); }

    /*
     * The guide's deallocate(raw, sizeof(T)): return a block, checking that
     * `size` maps to the class it was requested for. Runs no destructor.
     * Returns: ESP_OK, or an error below (nothing changes but the counter).
     * Errors: as modesp_pool_manager_deallocate (MODESP_ERR_SIZE_MISMATCH, MODESP_ERR_DOUBLE_FREE,
     *   MODESP_ERR_FOREIGN_PTR, MODESP_ERR_MISALIGNED_PTR, ESP_ERR_INVALID_ARG, MODESP_ERR_ZERO_SIZE).
     * Complexity: O(1).
     * ISR-safe: yes, except for heap-fallback blocks (refused).
     */
    esp_err_t deallocate(void *ptr, std::size_t size) noexcept
    {
        return modesp_pool_manager_deallocate(handle(), ptr, size);
    }

    /*
     * Return a block from any class without the size check.
     * Returns: ESP_OK, or an error below.
     * Errors: as modesp_pool_manager_free (counted there).
     * Complexity: O(1).
     * ISR-safe: yes, except for heap-fallback blocks (refused).
     */
    esp_err_t deallocate(void *ptr) noexcept { return modesp_pool_manager_free(handle(), ptr); }

    /*
     * Every counter of the manager and its classes.
     * Returns: ESP_OK with *out filled, or an error below.
     * Errors: none in practice (ESP_ERR_INVALID_ARG only for a bad handle).
     * Complexity: O(classes).
     * ISR-safe: yes.
     */
    esp_err_t get_stats(modesp_pool_manager_stats_t &out) const noexcept
    {
        return modesp_pool_manager_get_stats(handle(), &out);
    }

    /*
     * Reset the "since reset" counters of the manager and its pools.
     * Returns: ESP_OK.
     * Errors: none in practice.
     * Complexity: O(classes).
     * ISR-safe: yes.
     */
    esp_err_t reset_stats() noexcept { return modesp_pool_manager_reset_stats(handle()); }

    /*
     * The current pressure level (hysteresis: entered at the warning and
     * critical thresholds, left below the release threshold).
     * Returns: the level.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    PressureLevel get_pressure_level() const noexcept
    {
        return static_cast<PressureLevel>(modesp_pool_manager_get_pressure_level(handle()));
    }

    /*
     * Set the thresholds in percent (defaults from Kconfig: 80, 95, 60).
     * Returns: ESP_OK, or an error below.
     * Errors: ESP_ERR_INVALID_ARG unless 0 < release <= warning <= critical <= 100 (not counted).
     * Complexity: O(1), plus the callbacks it delivers.
     * ISR-safe: no (task context).
     */
    esp_err_t set_pressure_thresholds(uint8_t warning, uint8_t critical, uint8_t release) noexcept
    {
        return modesp_pool_manager_set_pressure_thresholds(handle(), warning, critical, release);
    }

    /*
     * Register a lambda for pressure changes, kept in `listener` (see BasicPressureListener::listen).
     * Returns: ESP_OK, or an error below.
     * Errors: MODESP_ERR_FULL (no callback slot left; not counted).
     * Complexity: O(callbacks).
     * ISR-safe: no (task context).
     */
    template <std::size_t Capacity, typename F>
    esp_err_t register_pressure_callback(BasicPressureListener<Capacity> &listener, F &&fn) noexcept
    {
        return listener.listen(std::forward<F>(fn));
    }

    /*
     * Register a C callback with its context (modesp_pool_manager_register_pressure_callback).
     * Returns: ESP_OK, or an error below.
     * Errors: ESP_ERR_INVALID_ARG (cb NULL), MODESP_ERR_ALREADY_REGISTERED, MODESP_ERR_FULL (not counted).
     * Complexity: O(callbacks).
     * ISR-safe: no (task context).
     */
    esp_err_t register_pressure_callback(modesp_pressure_cb_t cb, void *ctx) noexcept
    {
        return modesp_pool_manager_register_pressure_callback(handle(), cb, ctx);
    }

    /*
     * Remove a C callback registered with the same cb and ctx.
     * Returns: ESP_OK, or an error below.
     * Errors: ESP_ERR_INVALID_ARG (cb NULL), ESP_ERR_NOT_FOUND (not counted).
     * Complexity: O(callbacks).
     * ISR-safe: no (task context).
     */
    esp_err_t unregister_pressure_callback(modesp_pressure_cb_t cb, const void *ctx) noexcept
    {
        return modesp_pool_manager_unregister_pressure_callback(handle(), cb, ctx);
    }

    /*
     * Integrity check of every class pool and the reserve.
     * Returns: ESP_OK, or an error below.
     * Errors: as modesp_pool_manager_check_integrity (MODESP_ERR_CORRUPTED, MODESP_ERR_BAD_POOL).
     * Complexity: O(blocks).
     * ISR-safe: no.
     */
    esp_err_t check_integrity(int *bad_class = nullptr, modesp_pool_integrity_t *report = nullptr) const noexcept
    {
        return modesp_pool_manager_check_integrity(handle(), bad_class, report);
    }

  private:
    constexpr PoolManager() noexcept = default;
    friend PoolManager &get_pool_manager() noexcept;
};

/*
 * The guide's ModESP::Memory::get_pool_manager(). The object is an empty,
 * constant-initialised static: no guard variable, no constructor at run time.
 * Returns: the same reference always.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
inline PoolManager &get_pool_manager() noexcept
{
    static PoolManager instance;
    return instance;
}

} // namespace Memory
} // namespace ModESP

#endif /* MODESP_POOL_MANAGER_HPP */
