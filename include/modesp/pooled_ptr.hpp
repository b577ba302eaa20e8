/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C++ layer: the guide's ModESP::make_pooled<T>() and ModESP::Memory::PooledPtr<T> (sections 1, 6, 8).
 *
 *     auto data = ModESP::make_pooled<ProcessingData>();   // T constructed in a pool block
 *     if (data) { data->x = 1; }                           // explicit bool, ->, *
 *     // scope exit: ~ProcessingData() runs, the block returns to its class
 *
 *     Command *raw = cmd.release();                        // hand ownership on (a queue)
 *     ModESP::Memory::get_pool_manager().deallocate(raw, sizeof(Command));
 *
 * make_pooled takes one block of the manager's smallest class that holds a T
 * (default strategy) and constructs the T in it with placement new: T() when
 * called without arguments (value-initialised: a plain struct is zeroed, as
 * modesp_make_pooled does in C), T(args...) or, for an aggregate, T{args...}.
 * A T larger than the largest class, or aligned beyond MODESP_POOL_ALIGN, does
 * not compile. PooledPtr is move-only, like std::unique_ptr; its destructor,
 * reset() and a move onto it run ~T() and return the block with the sized
 * free (modesp_pool_manager_deallocate with sizeof(T)), so a PooledPtr<T>
 * built from another type's block is caught as MODESP_ERR_SIZE_MISMATCH.
 * No heap, no exceptions (with exceptions on, a throwing constructor returns
 * the block before the exception leaves make_pooled).
 *
 * Call sites: with tracing on, the C macros record the caller's file and
 * line; make_pooled, a function, records none (NULL, 0): leaks found by the
 * diagnostics show the owner tag, age and size, without a file.
 *
 * A ring of N PooledPtr slots refilled by `slot = std::move(block)` needs
 * N + 1 blocks of the class: the new block exists before the move frees the
 * old one (the C README's N + 1 rule).
 */
#ifndef MODESP_POOLED_PTR_HPP
#define MODESP_POOLED_PTR_HPP

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "modesp/fixed_pool.h"
#include "modesp/pool_manager.h"
#include "modesp/size_classes.h"

namespace ModESP {
namespace Memory {

template <typename T> class PooledPtr;

} // namespace Memory

template <typename T, typename... Args> Memory::PooledPtr<T> make_pooled(Args &&...args);

namespace Memory {

template <typename T> class PooledPtr {
    static_assert(!std::is_array<T>::value, "ModESP::Memory::PooledPtr<T>: T must not be an array (use std::array)");

  public:
    using element_type = T;

    constexpr PooledPtr() noexcept = default;
    constexpr PooledPtr(std::nullptr_t) noexcept {}
    PooledPtr(const PooledPtr &) = delete;
    PooledPtr &operator=(const PooledPtr &) = delete;
    PooledPtr(PooledPtr &&other) noexcept : ptr_(other.ptr_) { other.ptr_ = nullptr; }

    /*
     * Take other's object; the one this held is destroyed and its block returned first.
     * Returns: *this.
     * Errors: none returned (a failed free of the old block is counted by the manager).
     * Complexity: O(1) plus ~T().
     * ISR-safe: as modesp_pool_manager_deallocate, if ~T() is.
     */
    PooledPtr &operator=(PooledPtr &&other) noexcept
    {
        if (this != &other) {
            (void)reset();
            ptr_ = other.ptr_;
            other.ptr_ = nullptr;
        }
        return *this;
    }

    /*
     * Assigning nullptr: as reset().
     * Returns: *this.
     * Errors: none returned (counted by the manager).
     * Complexity: O(1) plus ~T().
     * ISR-safe: as modesp_pool_manager_deallocate, if ~T() is.
     */
    PooledPtr &operator=(std::nullptr_t) noexcept
    {
        (void)reset();
        return *this;
    }

    ~PooledPtr() { (void)reset(); }

    /*
     * Whether this holds an object (explicit: no accidental arithmetic or comparisons).
     * Returns: true when it does.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    explicit operator bool() const noexcept { return ptr_ != nullptr; }

    /*
     * The object's members (this must hold one).
     * Returns: the pointer held.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    T *operator->() const noexcept { return ptr_; }

    /*
     * The object (this must hold one).
     * Returns: a reference to it.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    T &operator*() const noexcept { return *ptr_; }

    /*
     * The pointer held, ownership kept.
     * Returns: the pointer, or nullptr.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    T *get() const noexcept { return ptr_; }

    /*
     * Give up ownership without destroying: the caller now returns the block
     * (get_pool_manager().deallocate(raw, sizeof(T)) after ~T() if T needs one,
     * or PooledPtr<T>::adopt(raw)).
     * Returns: the pointer held (nullptr if none); this is empty afterwards.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    T *release() noexcept
    {
        T *p = ptr_;
        ptr_ = nullptr;
        return p;
    }

    /*
     * Destroy the object (~T()) and return its block; this is empty afterwards.
     * Returns: ESP_OK (also when empty), or an error below.
     * Errors: as modesp_pool_manager_deallocate with sizeof(T) (MODESP_ERR_SIZE_MISMATCH,
     *   MODESP_ERR_FOREIGN_PTR, MODESP_ERR_DOUBLE_FREE, ...; counted by the manager).
     * Complexity: O(1) plus ~T().
     * ISR-safe: as modesp_pool_manager_deallocate, if ~T() is.
     */
    esp_err_t reset() noexcept
    {
        T *p = ptr_;
        ptr_ = nullptr;
        if (p == nullptr) {
            return ESP_OK;
        }
        p->~T();
        return modesp_pool_manager_deallocate(modesp_get_pool_manager(), const_cast<std::remove_cv_t<T> *>(p),
                                              sizeof(T));
    }

    /*
     * Exchange the objects of two pointers.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    void swap(PooledPtr &other) noexcept { std::swap(ptr_, other.ptr_); }

    /*
     * Take ownership of an object that release() gave out (e.g. popped from a
     * queue): the result destroys it and returns its block as if it had never
     * been released. `raw` must be a live T in a manager block (or nullptr).
     * Returns: a PooledPtr holding raw.
     * Errors: none here; a raw that is not a manager block is refused, and counted,
     *   when it is freed (MODESP_ERR_FOREIGN_PTR ...).
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static PooledPtr adopt(T *raw) noexcept { return PooledPtr(raw); }

  private:
    explicit PooledPtr(T *p) noexcept : ptr_(p) {}
    template <typename U, typename... A> friend PooledPtr<U> ModESP::make_pooled(A &&...args);

    T *ptr_ = nullptr;
};

/*
 * Compare with nullptr (as std::unique_ptr), e.g. `if (p == nullptr)`.
 * Returns: whether p is empty (==) or not (!=).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
template <typename T> bool operator==(const PooledPtr<T> &p, std::nullptr_t) noexcept { return !p; }
template <typename T> bool operator==(std::nullptr_t, const PooledPtr<T> &p) noexcept { return !p; }
template <typename T> bool operator!=(const PooledPtr<T> &p, std::nullptr_t) noexcept { return static_cast<bool>(p); }
template <typename T> bool operator!=(std::nullptr_t, const PooledPtr<T> &p) noexcept { return static_cast<bool>(p); }

namespace detail {

/* Returns the block unless dismissed: only ever runs its free when T's constructor throws. */
class BlockGuard {
  public:
    explicit BlockGuard(void *block) noexcept : block_(block) {}
    BlockGuard(const BlockGuard &) = delete;
    BlockGuard &operator=(const BlockGuard &) = delete;
    ~BlockGuard()
    {
        if (block_ != nullptr) {
            (void)modesp_pool_manager_free(modesp_get_pool_manager(), block_);
        }
    }
    void dismiss() noexcept { block_ = nullptr; }

  private:
    void *block_;
};

} // namespace detail
} // namespace Memory

/*
 * The guide's ModESP::make_pooled<T>(args...): a T constructed in a block of
 * the manager's smallest class that holds it (default strategy).
 * Returns: a PooledPtr<T> holding the new T, or an empty one on an error below.
 * Errors: those of modesp_pool_manager_allocate as an empty result (class exhausted,
 *   WAIT timeout ...; counted by the manager); a T larger than
 *   CONFIG_MEMORY_POOL_XLARGE_SIZE or over-aligned does not compile.
 * Complexity: O(1) plus T's constructor (T() zeroes a plain struct: O(sizeof(T))).
 * ISR-safe: as modesp_pool_manager_allocate (yes with STRICT or SPILL), if T's constructor is.
 */
template <typename T, typename... Args> Memory::PooledPtr<T> make_pooled(Args &&...args)
{
    static_assert(sizeof(T) <= MODESP_POOL_MAX_BLOCK_SIZE,
                  "ModESP::make_pooled<T>: T is larger than the largest pool class (CONFIG_MEMORY_POOL_XLARGE_SIZE): "
                  "raise it in Kconfig, or split T");
    static_assert(alignof(T) <= MODESP_POOL_ALIGN,
                  "ModESP::make_pooled<T>: T needs more alignment than a pool block gives (MODESP_POOL_ALIGN)");
    static_assert(!std::is_array<T>::value, "ModESP::make_pooled<T>: T must not be an array (use std::array)");
    void *block = modesp_pool_manager_allocate(modesp_get_pool_manager(), sizeof(T));
    if (block == nullptr) {
        return Memory::PooledPtr<T>();
    }
    Memory::detail::BlockGuard guard(block);
    T *obj;
    if constexpr (std::is_constructible<T, Args &&...>::value) {
        obj = ::new (block) T(std::forward<Args>(args)...);
    } else {
        obj = ::new (block) T{std::forward<Args>(args)...};
    }
    guard.dismiss();
    return Memory::PooledPtr<T>(obj);
}

} // namespace ModESP

#endif /* MODESP_POOLED_PTR_HPP */
