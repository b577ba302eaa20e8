/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C++ layer: a callable stored inside its owner, without the heap.
 *
 * std::function may allocate a capturing lambda on the heap, which the layer
 * must never do. InplaceCallable<R(Args...), Capacity> keeps the callable in
 * `Capacity` bytes of its own storage; a callable that does not fit is a
 * compile-time error with a message, never a silent allocation. It is the
 * slot behind PressureListener (modesp/pool_manager.hpp) and
 * EventSubscription (modesp/event_bus.hpp). Not copyable or movable: the C
 * side keeps a pointer to its owner.
 */
#ifndef MODESP_INPLACE_CALLABLE_HPP
#define MODESP_INPLACE_CALLABLE_HPP

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace ModESP {
namespace Memory {

/* Default slot size: a lambda capturing `this` and up to three more pointers. */
constexpr std::size_t kDefaultCallableBytes = 4u * sizeof(void *);

template <typename Signature, std::size_t Capacity = kDefaultCallableBytes> class InplaceCallable;

template <typename R, typename... Args, std::size_t Capacity> class InplaceCallable<R(Args...), Capacity> {
  public:
    InplaceCallable() noexcept = default;
    InplaceCallable(const InplaceCallable &) = delete;
    InplaceCallable &operator=(const InplaceCallable &) = delete;
    ~InplaceCallable() { reset(); }

    /*
     * Store `f` (a lambda, a function object or a function pointer), destroying
     * what the slot held before. A callable larger than Capacity, more aligned
     * than std::max_align_t, or not callable as R(Args...) does not compile.
     * Errors: none at run time (the checks are static_asserts).
     * Complexity: O(sizeof(F)) (the callable is copied or moved in).
     * ISR-safe: yes (no allocation, no lock), if F's constructor is.
     */
    template <typename F> void emplace(F &&f) noexcept
    {
        using Fn = std::decay_t<F>;
        static_assert(sizeof(Fn) <= Capacity,
                      "ModESP: the callable (a lambda and its captures) is larger than its in-place slot: capture less "
                      "(e.g. only `this`) or use a larger Capacity; the layer never puts it on the heap");
        static_assert(alignof(Fn) <= alignof(std::max_align_t), "ModESP: the callable is over-aligned for its slot");
        static_assert(std::is_invocable_r_v<R, Fn &, Args...>, "ModESP: the callable does not take these arguments");
        reset();
        ::new (static_cast<void *>(storage_)) Fn(std::forward<F>(f));
        invoke_ = [](void *self, Args... args) -> R { return (*static_cast<Fn *>(self))(std::forward<Args>(args)...); };
        if constexpr (!std::is_trivially_destructible<Fn>::value) { /* a lambda of pointers and references needs none */
            destroy_ = [](void *self) { static_cast<Fn *>(self)->~Fn(); };
        }
    }

    /*
     * Destroy the stored callable, if any; the slot is then empty.
     * Errors: none.
     * Complexity: O(1) plus the callable's destructor.
     * ISR-safe: yes, if the callable's destructor is.
     */
    void reset() noexcept
    {
        void (*destroy)(void *) = destroy_;
        destroy_ = nullptr;
        invoke_ = nullptr;
        if (destroy != nullptr) {
            destroy(storage_);
        }
    }

    /*
     * Whether a callable is stored.
     * Returns: true when it is.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    explicit operator bool() const noexcept { return invoke_ != nullptr; }

    /*
     * Call the stored callable (the slot must hold one: check with bool).
     * Returns: what the callable returns.
     * Errors: none of its own.
     * Complexity: the callable's.
     * ISR-safe: if the callable is.
     */
    R operator()(Args... args) { return invoke_(storage_, std::forward<Args>(args)...); }

  private:
    alignas(std::max_align_t) unsigned char storage_[Capacity];
    R (*invoke_)(void *, Args...) = nullptr;
    void (*destroy_)(void *) = nullptr;
};

} // namespace Memory
} // namespace ModESP

#endif /* MODESP_INPLACE_CALLABLE_HPP */
