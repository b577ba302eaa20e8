/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pooled objects in C: the guide's make_pooled<T>() and PooledPtr<T>.
 *
 *     // typed, zero-initialised allocation from the manager (NULL on failure)
 *     sensor_buffer_t *buf = modesp_make_pooled(sensor_buffer_t);
 *     ...
 *     modesp_pooled_free(&buf);           // frees it and sets buf to NULL; note the `&`
 *
 *     // scoped: returned to its pool automatically when `tmp` goes out of scope
 *     {
 *         MODESP_POOLED(processing_data_t, tmp);
 *         if (tmp) { ... }
 *     }   // freed here, on every path out of the block (return, break, goto)
 *
 *     // hand ownership on (e.g. through a FreeRTOS queue): the scope no longer frees it
 *     command_t *raw = modesp_pooled_release(cmd);
 *     ...
 *     modesp_pool_manager_deallocate(modesp_get_pool_manager(), raw, sizeof(command_t));
 *
 *     // ring buffer slot: free the slot's old block, then put a new zeroed block in it
 *     if (modesp_pooled_replace(slots[i], block_t) == ESP_OK) { fill slots[i] }
 *
 *     // move between variables; the destination's old block is freed
 *     modesp_pooled_move(slots[i], block);
 *
 * A type larger than the largest class (CONFIG_MEMORY_POOL_XLARGE_SIZE) is a
 * compile-time error. modesp_pooled_free takes the address of a pointer
 * variable: `modesp_pooled_free(p)` without the `&` does not compile.
 *
 * Ring buffers, the N + 1 rule: modesp_pooled_move puts a block that already
 * exists into a slot, so a ring of N slots built that way needs N + 1 blocks of
 * its class (the new one is allocated while the slot still holds the old one);
 * with exactly N the allocation fails once the ring is full and the ring keeps
 * its oldest data. modesp_pooled_replace frees the old block first, so a ring
 * of N needs N blocks.
 *
 * Scoped pointers (MODESP_POOLED, MODESP_POOLED_PTR), C pitfalls:
 *   - `return name;` returns a block that the scope frees on that same return.
 *     Hand a scoped object out with `return modesp_pooled_release(name);`.
 *   - A `goto` or `switch` that jumps into the scope of `name`, past its
 *     declaration, makes the scope exit free an uninitialised pointer. Clang
 *     refuses such a jump; GCC accepts it unless -Wjump-misses-init is on (the
 *     project's tests and examples build with it and -Werror; so should the
 *     code that uses these macros).
 *
 * A free at scope exit that fails (the variable was pointed at something
 * that is not a live pooled block) cannot return an error; it is counted in
 * the manager's statistics like any other invalid free.
 *
 * Scope cleanup uses the GCC/Clang `cleanup` attribute. With other compilers
 * MODESP_POOLED is not defined (MODESP_HAS_SCOPED_POOLED is 0): use
 * modesp_make_pooled and call modesp_pooled_free(&ptr) on every exit path.
 *
 * The macros are C11 (modesp_pooled_free uses _Generic), not C++. Each
 * evaluates its arguments once: `modesp_pooled_free(&slots[i++])` is safe.
 */
#ifndef MODESP_POOLED_H
#define MODESP_POOLED_H

#include <stddef.h>

#include "modesp/pool_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Zeroed allocation of `size` bytes from the manager with its default
 * strategy (modesp_pool_manager_allocate, then the first `size` bytes zeroed).
 * Returns: the block, or NULL on an error below.
 * Errors:
 *   NULL  every error of modesp_pool_manager_allocate, with its counters: size 0 or too
 *         large, class exhausted, WAIT timeout or WAIT in an ISR, heap step failed or
 *         refused in an ISR
 * Complexity: O(size) for the zeroing, plus modesp_pool_manager_allocate's.
 * ISR-safe: as modesp_pool_manager_allocate: yes with STRICT or SPILL as the default
 *   strategy; WAIT gives NULL in an ISR, HEAP_FALLBACK serves only the class there.
 */
void *modesp_make_pooled_bytes(size_t size);

/*
 * modesp_make_pooled_bytes that hands `file` and `line` to the trace hooks (modesp/hooks.h).
 * Returns: the block, or NULL on an error below.
 * Errors: as modesp_make_pooled_bytes.
 * Complexity: as modesp_make_pooled_bytes: O(size), plus modesp_pool_manager_allocate's.
 * ISR-safe: as modesp_make_pooled_bytes (yes with STRICT or SPILL as the default strategy).
 */
void *modesp_make_pooled_bytes_at(size_t size, const char *file, int line);

/*
 * The function behind modesp_pooled_free: frees *pptr (if not NULL) through the
 * manager and sets *pptr to NULL. Call it directly only with a real `void **`
 * (e.g. `void *raw; ... modesp_pooled_free_(&raw)`); for typed pointers use the
 * macro, which checks the argument.
 * Returns: ESP_OK (also for a NULL *pptr, which is left alone), or an error below.
 * Errors: on each, *pptr is unchanged:
 *   ESP_ERR_INVALID_ARG        pptr NULL                                 (not counted)
 *   MODESP_ERR_FOREIGN_PTR     *pptr not from the manager                (foreign_frees)
 *   MODESP_ERR_MISALIGNED_PTR  *pptr inside a pool, not at a block start (the pool's misaligned_frees)
 *   MODESP_ERR_DOUBLE_FREE     *pptr already free                        (the pool's double_frees)
 *   ESP_ERR_INVALID_STATE      a heap-fallback block freed in an ISR     (isr_refusals)
 * Complexity: O(1), as modesp_pool_manager_free.
 * ISR-safe: as modesp_pool_manager_free: yes, except for heap-fallback blocks (refused).
 */
esp_err_t modesp_pooled_free_(void **pptr);

/*
 * The function behind modesp_pooled_replace: frees *pptr (if not NULL), then
 * stores a new zeroed block of `size` bytes in it (default strategy). On
 * ESP_OK *pptr holds the new block.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG    pptr NULL; nothing changed                        (not counted)
 *   MODESP_ERR_ZERO_SIZE   size 0; nothing changed                           (not counted)
 *   ESP_ERR_INVALID_SIZE   size larger than the largest class; nothing changed (not counted)
 *   free's errors          the old block could not be freed (see
 *                          modesp_pooled_free_); nothing changed             (free's counters)
 *   ESP_ERR_NO_MEM         the old block was freed but no new block could be
 *                          had (any failure of modesp_make_pooled_bytes: class
 *                          exhausted, WAIT timed out or refused in an ISR,
 *                          heap step failed or refused); *pptr is NULL.
 *                          Between the free and the allocation another task
 *                          or ISR may take the freed block.                  (the allocation's counters)
 * Complexity: O(size) for the zeroing, plus the free and the allocation.
 * ISR-safe: as modesp_make_pooled_bytes (yes with STRICT or SPILL as the default strategy).
 */
esp_err_t modesp_pooled_replace_(void **pptr, size_t size);

/*
 * Implementation helper of modesp_pooled_release: pptr is the address of a
 * pointer variable (not checked: it must not be NULL); sets it to NULL.
 * Returns: the pointer it held.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
void *modesp_pooled_take_(void *pptr);

/*
 * Implementation helper of modesp_pooled_move: dst_pptr and src_pptr are the
 * addresses of two pointer variables (not checked: neither may be NULL).
 * Frees *dst_pptr with modesp_pooled_free_, then moves *src_pptr into it and
 * sets *src_pptr to NULL. The same address twice does nothing (ESP_OK).
 * Returns: ESP_OK, or an error below.
 * Errors: those of modesp_pooled_free_ for the old *dst_pptr, with nothing changed.
 * Complexity: O(1), as modesp_pool_manager_free.
 * ISR-safe: as modesp_pool_manager_free: yes, except for heap-fallback blocks (refused).
 */
esp_err_t modesp_pooled_assign_(void *dst_pptr, void *src_pptr);

/*
 * Implementation helper of the scoped macros (the `cleanup` function of
 * MODESP_POOLED and MODESP_POOLED_PTR): modesp_pooled_free_ on pptr.
 * Errors: none returned: a failed free is only counted, as modesp_pooled_free_ counts it.
 * Complexity: O(1), as modesp_pool_manager_free.
 * ISR-safe: as modesp_pool_manager_free: yes, except for heap-fallback blocks (refused).
 */
void modesp_pooled_cleanup_(void *pptr);

/* Compile-time check that T fits the largest class, usable inside an expression. */
#define MODESP_POOLED_FITS_(T)                                                                                         \
    ((void)sizeof(struct {                                                                                             \
        _Static_assert(sizeof(T) <= MODESP_POOL_MAX_BLOCK_SIZE,                                                        \
                       "type is larger than the largest pool class (CONFIG_MEMORY_POOL_XLARGE_SIZE)");                 \
        char fits_;                                                                                                    \
    }))

/*
 * pp itself, or (void **)0 when pp is the null pointer constant NULL: the
 * operand the argument checks of modesp_pooled_free look at. The inner
 * conditional has type int * exactly when pp is a null pointer constant.
 */
#define MODESP_POOLED_PP_(pp)                                                                                          \
    _Generic((1 ? _Generic((pp), void * : (pp), default : (void *)1) : (int *)8), int * : (void **)0, default : (pp))

/*
 * Compile-time check that pp is the address of a pointer variable (T **, void **)
 * or NULL: anything else (a T *, a void *, an integer, a pointer to a const
 * pointer) does not compile. Evaluates nothing.
 */
#define MODESP_POOLED_CHECK_PP_(pp)                                                                                    \
    ((void)sizeof(*MODESP_POOLED_PP_(pp) = NULL), (void)sizeof(&**MODESP_POOLED_PP_(pp)))

/*
 * esp_err_t modesp_pooled_free(T **pp): free *pp through the manager and set
 * it to NULL; pp is the address of the pointer variable (`&buf`, `&m->cache`).
 * A T * without the `&`, a void *, or an integer does not compile.
 * Returns: ESP_OK (also for a NULL *pp), or an error below.
 * Errors: as modesp_pooled_free_: ESP_ERR_INVALID_ARG for pp NULL, or the
 *   free's error (FOREIGN_PTR, MISALIGNED_PTR, DOUBLE_FREE, INVALID_STATE) with
 *   *pp unchanged and its counter as modesp_pool_manager_free.
 * Complexity: O(1), as modesp_pool_manager_free.
 * ISR-safe: as modesp_pool_manager_free: yes, except for heap-fallback blocks (refused).
 */
#define modesp_pooled_free(pp) (MODESP_POOLED_CHECK_PP_(pp), modesp_pooled_free_((void **)(void *)(pp)))

/*
 * T *modesp_make_pooled(T): a zeroed T from the manager (default strategy).
 * A T larger than the largest class (CONFIG_MEMORY_POOL_XLARGE_SIZE) does not compile.
 * Returns: the block as a T *, or NULL on an error below.
 * Errors: as modesp_make_pooled_bytes: class exhausted, WAIT timeout or WAIT in an ISR,
 *   heap step failed or refused in an ISR, each returned as NULL with its counters.
 * Complexity: O(sizeof(T)) for the zeroing, plus modesp_pool_manager_allocate's.
 * ISR-safe: as modesp_make_pooled_bytes (yes with STRICT or SPILL as the default strategy).
 */
#define modesp_make_pooled(T) (MODESP_POOLED_FITS_(T), (T *)modesp_make_pooled_bytes_at(sizeof(T), MODESP_CALL_SITE))

#if defined(__GNUC__) || defined(__clang__)
#define MODESP_POOLED_TYPEOF_(x) __typeof__(x)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L
#define MODESP_POOLED_TYPEOF_(x) typeof(x)
#endif

/*
 * T *modesp_pooled_release(T *var): take ownership out of a pooled variable:
 * returns its pointer and sets `var` to NULL, so a scope no longer frees it.
 * `var` must be a modifiable pointer variable. The result has var's own type
 * where the compiler has __typeof__ (GCC, Clang) or C23 typeof
 * (MODESP_HAS_TYPED_RELEASE is 1), so assigning it to another pointer type
 * is an incompatible-pointer-types diagnostic; elsewhere it is void *.
 * Returns: the pointer `var` held (NULL if it held none).
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
#ifdef MODESP_POOLED_TYPEOF_
#define MODESP_HAS_TYPED_RELEASE 1
#define modesp_pooled_release(var)                                                                                     \
    ((void)sizeof((var) = NULL), (void)sizeof(&*(var)), (MODESP_POOLED_TYPEOF_(var))modesp_pooled_take_((void *)&(var)))
#else
#define MODESP_HAS_TYPED_RELEASE 0
#define modesp_pooled_release(var)                                                                                     \
    ((void)sizeof((var) = NULL), (void)sizeof(&*(var)), modesp_pooled_take_((void *)&(var)))
#endif

/*
 * esp_err_t modesp_pooled_replace(T *var, T): free the block `var` holds (if
 * any) first, then put a new zeroed T from the manager in `var`. `var` must be
 * a pointer variable that a T * can be assigned to; T larger than the largest
 * class does not compile. Holds at most one block of T's class at any time,
 * so a ring of N slots refilled this way needs exactly N blocks (compare
 * modesp_pooled_move).
 * Returns: ESP_OK, or an error below.
 * Errors: as modesp_pooled_replace_ (size errors cannot occur):
 *   free's errors   the old block could not be freed; nothing changed  (free's counters)
 *   ESP_ERR_NO_MEM  the old block was freed, no new one could be had;
 *                   `var` is NULL                                      (the allocation's counters)
 * Complexity: O(sizeof(T)) for the zeroing, plus the free and the allocation.
 * ISR-safe: as modesp_make_pooled_bytes (yes with STRICT or SPILL as the default strategy).
 */
#define modesp_pooled_replace(var, T)                                                                                  \
    (MODESP_POOLED_FITS_(T), (void)sizeof((var) = (T *)NULL),                                                          \
     modesp_pooled_replace_((void **)(void *)&(var), sizeof(T)))

/*
 * esp_err_t modesp_pooled_move(dst, src): dst = src, freeing what dst held
 * before; src becomes NULL. Both must have the same type; moving a variable
 * onto itself does nothing. The block in src exists before dst's old block
 * is freed: a ring of N slots filled by moving new blocks in needs N + 1
 * blocks of its class (see modesp_pooled_replace).
 * Returns: ESP_OK, or an error below.
 * Errors: those of freeing dst's old block (modesp_pooled_free_), in which case
 *   nothing changed: dst keeps its block and the caller still owns src.
 * Complexity: O(1), as modesp_pool_manager_free.
 * ISR-safe: as modesp_pool_manager_free: yes, except for heap-fallback blocks (refused).
 */
#define modesp_pooled_move(dst, src)                                                                                   \
    ((void)sizeof((dst) = (src)), modesp_pooled_assign_((void *)&(dst), (void *)&(src)))

#if defined(__GNUC__) || defined(__clang__)
#define MODESP_HAS_SCOPED_POOLED 1
/*
 * Declare `T *name` holding a zeroed pooled T (or NULL), freed when `name`
 * leaves scope. Hand it out with `return modesp_pooled_release(name);`, never
 * `return name;` (that block is freed on the way out). Do not jump into its
 * scope with goto or switch (-Wjump-misses-init catches that in GCC).
 * Errors: an allocation failure leaves `name` NULL (as modesp_make_pooled); a
 *   free at scope exit that fails is only counted (as modesp_pooled_free_).
 * Complexity: O(sizeof(T)) at the declaration (modesp_make_pooled), O(1) at scope exit.
 * ISR-safe: as modesp_make_pooled at the declaration, as modesp_pool_manager_free at scope exit.
 */
#define MODESP_POOLED(T, name) __attribute__((cleanup(modesp_pooled_cleanup_))) T *name = modesp_make_pooled(T)

/*
 * Declare a scoped pooled pointer `T *name` that starts NULL (fill it with
 * modesp_pooled_replace or _move); what it holds is freed when it leaves scope.
 * Errors: none at the declaration; a free at scope exit that fails is only counted.
 * Complexity: O(1).
 * ISR-safe: yes at the declaration; as modesp_pool_manager_free at scope exit.
 */
#define MODESP_POOLED_PTR(T, name) __attribute__((cleanup(modesp_pooled_cleanup_))) T *name = NULL
#else
#define MODESP_HAS_SCOPED_POOLED 0
#endif

#ifdef __cplusplus
}
#endif

#endif /* MODESP_POOLED_H */
