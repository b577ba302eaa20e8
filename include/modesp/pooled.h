/*
 * Pooled objects in C: the guide's make_pooled<T>() and PooledPtr<T>.
 *
 *     // typed, zero-initialised allocation from the manager (NULL on failure)
 *     sensor_buffer_t *buf = modesp_make_pooled(sensor_buffer_t);
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
 *     // move between variables (ring buffer slot = new block); the old slot content is freed
 *     modesp_pooled_move(slots[i], block);
 *
 * A type larger than the largest class (CONFIG_MEMORY_POOL_XLARGE_SIZE) is a
 * compile-time error.
 *
 * A free at scope exit that fails (the variable was pointed at something
 * that is not a live pooled block) cannot return an error; it is counted in
 * the manager's statistics like any other invalid free.
 *
 * Scope cleanup uses the GCC/Clang `cleanup` attribute. With other compilers
 * MODESP_POOLED is not defined (MODESP_HAS_SCOPED_POOLED is 0): use
 * modesp_make_pooled and call modesp_pooled_free(&ptr) on every exit path.
 */
#ifndef MODESP_POOLED_H
#define MODESP_POOLED_H

#include <stddef.h>

#include "modesp/pool_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zeroed allocation of `size` bytes with the default strategy; NULL on failure. Not for ISRs
 * when the default strategy is WAIT or HEAP_FALLBACK. */
void *modesp_make_pooled_bytes(size_t size);

/* Free *pptr (if not NULL) through the manager and set it to NULL. Returns the free's result
 * (ESP_OK for a NULL *pptr). pptr is a pointer to a pointer variable. ISR-safe as _free. */
esp_err_t modesp_pooled_free(void *pptr);

/* Implementation helpers for the macros below. */
void *modesp_pooled_take_(void *pptr);
esp_err_t modesp_pooled_assign_(void *dst_pptr, void *src_pptr);
void modesp_pooled_cleanup_(void *pptr);

/* Compile-time check that T fits the largest class, usable inside an expression. */
#define MODESP_POOLED_FITS_(T)                                                                                         \
    ((void)sizeof(struct {                                                                                             \
        _Static_assert(sizeof(T) <= MODESP_POOL_MAX_BLOCK_SIZE,                                                        \
                       "type is larger than the largest pool class (CONFIG_MEMORY_POOL_XLARGE_SIZE)");                 \
        char fits_;                                                                                                    \
    }))

/* A zeroed T from the manager, or NULL. */
#define modesp_make_pooled(T) (MODESP_POOLED_FITS_(T), (T *)modesp_make_pooled_bytes(sizeof(T)))

/* Take ownership out of a pooled variable: returns its pointer and sets it to NULL. */
#define modesp_pooled_release(var) modesp_pooled_take_((void *)&(var))

/*
 * dst = src, freeing what dst held before; src becomes NULL. Both must have the
 * same type. Returns ESP_OK, or the error of freeing dst's old block, in which
 * case nothing changed: dst keeps its block and the caller still owns src.
 */
#define modesp_pooled_move(dst, src)                                                                                   \
    ((void)sizeof((dst) = (src)), modesp_pooled_assign_((void *)&(dst), (void *)&(src)))

#if defined(__GNUC__) || defined(__clang__)
#define MODESP_HAS_SCOPED_POOLED 1
/* Declare `T *name` holding a zeroed pooled T (or NULL), freed when `name` leaves scope. */
#define MODESP_POOLED(T, name) __attribute__((cleanup(modesp_pooled_cleanup_))) T *name = modesp_make_pooled(T)
/* Declare a scoped pooled pointer that starts NULL (assign with modesp_pooled_move). */
#define MODESP_POOLED_PTR(T, name) __attribute__((cleanup(modesp_pooled_cleanup_))) T *name = NULL
#else
#define MODESP_HAS_SCOPED_POOLED 0
#endif

#ifdef __cplusplus
}
#endif

#endif /* MODESP_POOLED_H */
