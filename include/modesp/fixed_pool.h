/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-block pool: the guide's StaticMemoryPool<BlockSize, Count>.
 *
 * A pool hands out blocks of one size from storage it never grows. alloc and
 * free are O(1), lock-free where the target has a 32-bit compare-and-swap
 * (a short critical section otherwise), callable from ISRs and from several
 * cores at once, and never touch the heap.
 *
 * Bookkeeping lives outside the blocks: one 32-bit metadata word per block
 * holds its state (free/allocated/quarantined) and, while free, the link to
 * the next free block. A use-after-free write therefore cannot corrupt the
 * free list, and a double free is detected from the state word alone,
 * without trusting the freed memory. The lock-free argument is written down
 * in src/core/fixed_pool.c next to the code.
 *
 * Define a pool at file scope in one line:
 *
 *     MODESP_POOL_DEFINE_STATIC(log_pool, sizeof(log_entry_t), 100);
 *     log_entry_t *e = modesp_pool_allocate(&log_pool);
 *     ...
 *     modesp_pool_deallocate(&log_pool, e);
 *
 * A statically defined pool needs no init call: its metadata starts zeroed
 * in .bss and zero means "free, next block is the following one".
 */
#ifndef MODESP_FIXED_POOL_H
#define MODESP_FIXED_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/mempool_config.h"
#include "modesp/mempool_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Block alignment: every block is aligned for any object type. */
#ifdef __cplusplus
#define MODESP_POOL_ALIGN alignof(max_align_t)
#else
#define MODESP_POOL_ALIGN _Alignof(max_align_t)
#endif

/* Most blocks one pool can hold (block indices are 16 bits, one value is the end marker). */
#define MODESP_POOL_MAX_BLOCKS 65535u

/*
 * Distance between two blocks: the block size rounded up to MODESP_POOL_ALIGN.
 * Guard bytes (decided for the diagnostics layer, not built yet: the Kconfig
 * option was removed until it is) will go after each block, inside the stride: stride = round_up(block_size +
 * guard bytes). Block starts, indices and metadata then stay as they are, a
 * pointer check still finds the block from its address, and an overrun of
 * block i writes its own guard before it reaches block i + 1.
 * Returns: the stride in bytes (size_t); a constant expression for a constant block_size.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (arithmetic only).
 */
#define MODESP_POOL_STRIDE(block_size)                                                                                 \
    ((((size_t)(block_size)) + MODESP_POOL_ALIGN - 1u) / MODESP_POOL_ALIGN * MODESP_POOL_ALIGN)

/*
 * Bytes of block storage a pool of `count` blocks of `block_size` needs (the
 * storage and storage_size that modesp_pool_init asks for).
 * Returns: MODESP_POOL_STRIDE(block_size) * count (size_t); a constant expression for constant arguments.
 * Errors: none (the product is not checked for overflow).
 * Complexity: O(1).
 * ISR-safe: yes (arithmetic only).
 */
#define MODESP_POOL_STORAGE_SIZE(block_size, count) (MODESP_POOL_STRIDE(block_size) * (size_t)(count))

/* Number of bits needed to hold the value n (1..65535): the width of a block index. */
#define MODESP_POOL_BITS_(n)                                                                                           \
    ((n) < 2u       ? 1u                                                                                               \
     : (n) < 4u     ? 2u                                                                                               \
     : (n) < 8u     ? 3u                                                                                               \
     : (n) < 16u    ? 4u                                                                                               \
     : (n) < 32u    ? 5u                                                                                               \
     : (n) < 64u    ? 6u                                                                                               \
     : (n) < 128u   ? 7u                                                                                               \
     : (n) < 256u   ? 8u                                                                                               \
     : (n) < 512u   ? 9u                                                                                               \
     : (n) < 1024u  ? 10u                                                                                              \
     : (n) < 2048u  ? 11u                                                                                              \
     : (n) < 4096u  ? 12u                                                                                              \
     : (n) < 8192u  ? 13u                                                                                              \
     : (n) < 16384u ? 14u                                                                                              \
     : (n) < 32768u ? 15u                                                                                              \
                    : 16u)

/* log2(stride) when the stride is a power of two, else 0xFF (divide instead of shift). */
#define MODESP_POOL_SHIFT_(s)                                                                                          \
    ((s) == 8u      ? 3u                                                                                               \
     : (s) == 16u   ? 4u                                                                                               \
     : (s) == 32u   ? 5u                                                                                               \
     : (s) == 64u   ? 6u                                                                                               \
     : (s) == 128u  ? 7u                                                                                               \
     : (s) == 256u  ? 8u                                                                                               \
     : (s) == 512u  ? 9u                                                                                               \
     : (s) == 1024u ? 10u                                                                                              \
     : (s) == 2048u ? 11u                                                                                              \
     : (s) == 4096u ? 12u                                                                                              \
                    : 0xFFu)

#define MODESP_POOL_MAGIC 0x504F4F4Cu /* "POOL" */

/*
 * Pool control block. Fields are private: read them through the functions
 * below. They are plain integers (the implementation accesses the shared ones
 * with atomic builtins) so the struct can be statically initialised and used
 * from C++ code as well.
 */
typedef struct modesp_pool {
    /* Shared, changed by alloc/free. */
    uint32_t head;              /* free-list head: ABA tag | blocks out (pools <= 255 blocks) | block index */
    uint32_t in_use;            /* > 255 blocks: blocks handed out now; <= 255: a correction to the head's count (0) */
    uint32_t peak;              /* highest in_use since the last reset (readers take max(peak, in_use)) */
    uint32_t total_allocs;      /* pops that were not allocations, plus the pop count at the last reset */
    uint32_t alloc_failures;    /* requests that failed as their caller saw them (pool empty) */
    uint32_t exhausted;         /* times an allocation attempt found the pool empty (also internal retries) */
    uint32_t invalid_requests;  /* allocations refused for a bad argument (tag > 31, size > block) */
    uint32_t wrong_api;         /* pool-API calls refused on a pool the manager owns */
    uint32_t null_frees;        /* deallocate(NULL) */
    uint32_t foreign_frees;     /* pointer outside the pool */
    uint32_t misaligned_frees;  /* pointer inside the pool, not at a block start */
    uint32_t double_frees;      /* block already free */
    uint32_t poison_violations; /* free block found written (use after free) */
    uint32_t quarantined;       /* blocks withdrawn after a poison violation */
    uint32_t corruptions;       /* broken free list noticed while allocating */
    uint32_t tag_laps;          /* half-turns of the head's tag, which counts pops (total_allocs) */
    uint32_t resets;            /* modesp_pool_reset_stats calls: never reset */
    /* Constant after definition/init. */
    uint32_t magic;
    const char *name;
    uint8_t *storage;
    uint32_t *meta; /* one word per block, see src/core/pool_meta.h */
    uint32_t stride;
    uint32_t block_size;
    uint16_t capacity;
    uint16_t idx_mask; /* (1 << bit width of capacity) - 1: index bits of head */
    uint8_t stride_shift;
    uint8_t poison;
    uint8_t idx_bits;      /* bit width of capacity */
    uint32_t pop_step;     /* what a pop adds to head above the index: one tag step (+ one "out" step when packed) */
    uint32_t out_step;     /* one "out" step of a packed head (<= 255 blocks), 0 when in_use is its own counter */
    uint32_t locate_limit; /* capacity for a power-of-two stride, else 1 (see pool_locate) */
    /* Registry (modesp/hooks.h): set once by modesp_pool_register. */
    struct modesp_pool *registry_next;
    uint32_t registered;
} modesp_pool_t;

/* The magic of a pool the pool manager owns: the pool API refuses to
 * allocate from it or free into it (one bit apart, so the hot path still
 * compares one word). */
#define MODESP_POOL_MAGIC_MANAGED (MODESP_POOL_MAGIC ^ 1u)

/*
 * Static initializer for a pool over given storage: `storage_arr` of
 * MODESP_POOL_STORAGE_SIZE(bsize, count) bytes aligned to MODESP_POOL_ALIGN
 * and `meta_arr` of `count` zero-filled uint32_t words (static storage is).
 * Prefer the DEFINE macros: this form neither checks the block size and the
 * count at compile time nor registers the pool (modesp_pool_register does).
 * Errors: none at run time; nothing is checked.
 * Complexity: O(1) at run time (a constant initializer).
 * ISR-safe: not applicable (an initializer; no code runs).
 */
#define MODESP_POOL_INITIALIZER(name_str, storage_arr, meta_arr, bsize, count)                                         \
    MODESP_POOL_INITIALIZER_MAGIC_(name_str, storage_arr, meta_arr, bsize, count, MODESP_POOL_MAGIC, 0, 0u)

/* With the magic and the registry fields given (the manager chains its pools at compile time). */
#define MODESP_POOL_INITIALIZER_MAGIC_(name_str, storage_arr, meta_arr, bsize, count, magic_word, reg_next, reg_flag)  \
    {                                                                                                                  \
        0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, (magic_word), (name_str), (storage_arr),   \
            (meta_arr), (uint32_t)MODESP_POOL_STRIDE(bsize), (uint32_t)(bsize), (uint16_t)(count),                     \
            (uint16_t)((1u << MODESP_POOL_BITS_(count)) - 1u), (uint8_t)MODESP_POOL_SHIFT_(MODESP_POOL_STRIDE(bsize)), \
            MODESP_POOL_POISON_DEFAULT_, (uint8_t)MODESP_POOL_BITS_(count), MODESP_POOL_POP_STEP_(count),              \
            MODESP_POOL_OUT_STEP_(count), MODESP_POOL_LOCATE_LIMIT_(MODESP_POOL_STRIDE(bsize), count), (reg_next),     \
            (reg_flag)                                                                                                 \
    }

#define MODESP_POOL_LOCATE_LIMIT_(s, count) (MODESP_POOL_SHIFT_(s) == 0xFFu ? 1u : (uint32_t)(count))

/* Pools of up to MODESP_POOL_PACK_MAX blocks (Kconfig
 * MEMORY_POOL_PACK_MAX_BLOCKS, default 255) pack the number of blocks out next
 * to the index in the head word (tag >= 16 bits), so in_use, peak and
 * total_allocs cost no atomic operation of their own (src/core/fixed_pool.c). */
#ifdef CONFIG_MEMORY_POOL_PACK_MAX_BLOCKS
#define MODESP_POOL_PACK_MAX ((unsigned)CONFIG_MEMORY_POOL_PACK_MAX_BLOCKS)
#else
#define MODESP_POOL_PACK_MAX 255u
#endif
#ifndef __cplusplus
_Static_assert(MODESP_POOL_PACK_MAX <= 255u, "a packed head needs a tag of at least 16 bits: at most 255 blocks");
#endif
#define MODESP_POOL_PACKED_(count)   ((count) <= MODESP_POOL_PACK_MAX)
#define MODESP_POOL_OUT_STEP_(count) (MODESP_POOL_PACKED_(count) ? (uint32_t)(1u << MODESP_POOL_BITS_(count)) : 0u)
#define MODESP_POOL_POP_STEP_(count)                                                                                   \
    ((uint32_t)(1u << (MODESP_POOL_BITS_(count) * (MODESP_POOL_PACKED_(count) ? 2u : 1u))) +                           \
     MODESP_POOL_OUT_STEP_(count))

#ifdef CONFIG_MEMORY_POOL_POISON_FREED
#define MODESP_POOL_POISON_DEFAULT_ 1u
#else
#define MODESP_POOL_POISON_DEFAULT_ 0u
#endif

#define MODESP_POOL_CHECK_ARGS_(block_size, count)                                                                     \
    _Static_assert((block_size) >= 1u && (block_size) <= 0x100000u, "modesp pool: block size must be 1..1 MiB");       \
    _Static_assert((count) >= 1u && (count) <= MODESP_POOL_MAX_BLOCKS, "modesp pool: block count must be 1..65535")

#define MODESP_POOL_DEFINE_STORAGE_(name, block_size, count)                                                           \
    MODESP_POOL_CHECK_ARGS_(block_size, count);                                                                        \
    static _Alignas(MODESP_POOL_ALIGN) uint8_t name##_storage_[MODESP_POOL_STORAGE_SIZE(block_size, count)];           \
    static uint32_t name##_meta_[(count)]

/*
 * Add a pool to the registry that reports walk (modesp_pool_registry_next,
 * modesp/hooks.h). Pools defined with MODESP_POOL_DEFINE* and the manager's
 * pools are registered before main() where the compiler supports
 * constructors (GCC, Clang, compiling C; the bare-metal startup must run
 * them, as newlib's and ESP-IDF's do); a pool set up with modesp_pool_init
 * is registered by this call. A registered pool must live for the rest of
 * the program (there is no removal: a report may be walking the list at any
 * time). Registering twice does nothing and returns ESP_OK. With Kconfig
 * MEMORY_POOL_REGISTRY off (minimal profile) there is no registry and nothing
 * is registered before main().
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG    pool is NULL                                    (not counted)
 *   MODESP_ERR_BAD_POOL    pool not initialised or overwritten             (not counted)
 *   ESP_ERR_NOT_SUPPORTED  the registry is compiled out (MEMORY_POOL_REGISTRY n)  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes (the push runs inside the port's short critical section; readers take no lock).
 */
esp_err_t modesp_pool_register(modesp_pool_t *pool);

/* Registers a DEFINE'd pool before main() (GNU C constructors; see modesp/hooks.h).
 * `decl` is the pool's tentative declaration, so the DEFINE macro can end with
 * the pool's own definition and take the caller's semicolon. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus) && MODESP_REGISTRY_ENABLED
#define MODESP_POOL_AUTO_REGISTER_(decl, name)                                                                         \
    decl;                                                                                                              \
    __attribute__((constructor)) static void name##_register_(void) { (void)modesp_pool_register(&(name)); }
#else
#define MODESP_POOL_AUTO_REGISTER_(decl, name)
#endif

/*
 * Define, at file scope, a pool `name` of `count` blocks of `block_size`
 * bytes with static storage and internal linkage. Block size (1..1 MiB) and
 * count (1..65535) are checked at compile time. The pool is ready to use
 * without an init call, and is registered before main() where the compiler
 * supports constructors (see modesp_pool_register).
 * Errors: none at run time; a block size or count out of range does not compile.
 * Complexity: O(1) at run time (static storage, no initialisation code).
 * ISR-safe: not applicable (a definition); the pool is usable from ISRs at once.
 */
#define MODESP_POOL_DEFINE_STATIC(name, block_size, count)                                                             \
    MODESP_POOL_DEFINE_STORAGE_(name, block_size, count);                                                              \
    MODESP_POOL_AUTO_REGISTER_(static modesp_pool_t name, name)                                                        \
    static modesp_pool_t name = MODESP_POOL_INITIALIZER(#name, name##_storage_, name##_meta_, block_size, count)

/*
 * As MODESP_POOL_DEFINE_STATIC, with external linkage: the pool is global
 * (declare it with MODESP_POOL_DECLARE(name) in a header).
 * Errors: none at run time; a block size or count out of range does not compile.
 * Complexity: O(1) at run time (static storage, no initialisation code).
 * ISR-safe: not applicable (a definition); the pool is usable from ISRs at once.
 */
#define MODESP_POOL_DEFINE(name, block_size, count)                                                                    \
    MODESP_POOL_DEFINE_STORAGE_(name, block_size, count);                                                              \
    MODESP_POOL_AUTO_REGISTER_(modesp_pool_t name, name)                                                               \
    modesp_pool_t name = MODESP_POOL_INITIALIZER(#name, name##_storage_, name##_meta_, block_size, count)

/*
 * Declare a pool that another file defines with MODESP_POOL_DEFINE.
 * Errors: none.
 * Complexity: O(1) (a declaration; no code).
 * ISR-safe: not applicable (a declaration).
 */
#define MODESP_POOL_DECLARE(name) extern modesp_pool_t name

/*
 * Typed form of MODESP_POOL_DEFINE_STATIC: a pool `name` of `count` blocks
 * of sizeof(T) bytes, for objects of type T.
 * Errors: none at run time; sizeof(T) or count out of range does not compile.
 * Complexity: O(1) at run time (static storage, no initialisation code).
 * ISR-safe: not applicable (a definition); the pool is usable from ISRs at once.
 */
#define MODESP_POOL_DEFINE_TYPE_STATIC(name, T, count) MODESP_POOL_DEFINE_STATIC(name, sizeof(T), count)

/*
 * Typed allocation: one block of `pool` with its first sizeof(T) bytes
 * zeroed (modesp_pool_allocate_zeroed_ with the caller's call site for the
 * trace hooks). sizeof(T) is not checked at compile time: a T larger than
 * the pool's blocks is refused at run time.
 * Returns: the block as a T *, or NULL on an error below.
 * Errors:
 *   NULL  sizeof(T) larger than the pool's block size  (invalid_requests; nothing is taken)
 *   NULL  as modesp_pool_allocate: pool empty, free list broken, manager-owned pool, NULL or bad pool
 * Complexity: O(sizeof(T)) for the zeroing; with poisoning on, plus O(block size).
 * ISR-safe: yes.
 */
#define modesp_pool_new(pool, T) ((T *)modesp_pool_allocate_zeroed_((pool), sizeof(T), MODESP_CALL_SITE))

/*
 * Initialise a pool over caller-provided memory (for pools inside a struct,
 * or with a count known only at run time).
 *   storage: MODESP_POOL_STORAGE_SIZE(block_size, count) bytes aligned to MODESP_POOL_ALIGN
 *   meta:    count words, contents ignored (all are set to "free")
 * `name` is kept, not copied. The pool is not registered (modesp_pool_register
 * does that); a pool already registered stays registered, in its place. On
 * an error nothing is written.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG   pool, storage or meta NULL; storage not aligned to MODESP_POOL_ALIGN  (not counted)
 *   ESP_ERR_INVALID_SIZE  block_size 0 or > 1 MiB, count 0 or > 65535, storage_size too small    (not counted)
 * Complexity: O(count + registered pools) (every metadata word is written; the registry is walked).
 * ISR-safe: no (the pool must not be in use by any context during the call).
 */
esp_err_t modesp_pool_init(modesp_pool_t *pool, const char *name, void *storage, size_t storage_size, uint32_t *meta,
                           size_t block_size, size_t count);

/*
 * Take one block. Contents are not zeroed (that would cost O(block size));
 * see modesp_pool_new for a zeroed typed block. With poisoning on, a block
 * found written after its free is withdrawn for good (poison_violations,
 * quarantined) and the next one is taken.
 * Returns: the block, or NULL on an error below.
 * Errors:
 *   NULL  the pool is empty                      (alloc_failures and exhausted)
 *   NULL  its free list is found broken          (corruptions, alloc_failures and exhausted)
 *   NULL  the pool belongs to the pool manager   (wrong_api: use the manager)
 *   NULL  pool is NULL or not initialised        (not counted: there is no pool)
 * Complexity: O(1); with poisoning on, O(block size) to verify the pattern.
 * ISR-safe: yes. Thread-safe, lock-free where the target has a 32-bit CAS.
 */
void *modesp_pool_allocate(modesp_pool_t *pool);

/*
 * As modesp_pool_allocate, and stores `tag` (0..31) in the block's metadata
 * for its owner; read it back with modesp_pool_block_tag.
 * Returns: the block, or NULL on an error below.
 * Errors:
 *   NULL  tag above 31   (invalid_requests; nothing is taken)
 *   NULL  as modesp_pool_allocate: pool empty, free list broken, manager-owned pool, NULL or bad pool
 * Complexity: as modesp_pool_allocate: O(1); with poisoning on, O(block size).
 * ISR-safe: yes.
 */
void *modesp_pool_allocate_tagged(modesp_pool_t *pool, uint8_t tag);

/*
 * modesp_pool_allocate that hands `file` and `line` to the trace hooks
 * (modesp/hooks.h; ignored when tracing is compiled out).
 * Returns: the block, or NULL on an error below.
 * Errors: as modesp_pool_allocate: pool empty, free list broken, manager-owned pool, NULL or bad pool.
 * Complexity: as modesp_pool_allocate: O(1); with poisoning on, O(block size).
 * ISR-safe: yes.
 */
void *modesp_pool_allocate_at(modesp_pool_t *pool, const char *file, int line);

/*
 * Allocate and zero the first `size` bytes (the engine of modesp_pool_new),
 * with the call site for the trace hooks (NULL, 0 for none).
 * Returns: the block, or NULL on an error below.
 * Errors:
 *   NULL  size larger than the block size   (invalid_requests; nothing is taken)
 *   NULL  as modesp_pool_allocate: pool empty, free list broken, manager-owned pool, NULL or bad pool
 * Complexity: O(size) for the zeroing; with poisoning on, plus O(block size).
 * ISR-safe: yes.
 */
void *modesp_pool_allocate_zeroed_(modesp_pool_t *pool, size_t size, const char *file, int line);

/*
 * Return a block. The pointer is checked before anything changes: on every
 * error below the pool is unchanged but for the counter named. With
 * poisoning on, the freed block is filled with the pattern.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG        pool is NULL                         (not counted)
 *   MODESP_ERR_BAD_POOL        pool not initialised or overwritten  (not counted)
 *   MODESP_ERR_MANAGED_POOL    the pool belongs to the manager      (wrong_api)
 *   ESP_ERR_INVALID_ARG        ptr is NULL                          (null_frees)
 *   MODESP_ERR_FOREIGN_PTR     ptr not inside this pool             (foreign_frees)
 *   MODESP_ERR_MISALIGNED_PTR  ptr not at a block start             (misaligned_frees)
 *   MODESP_ERR_DOUBLE_FREE     block already free (or quarantined), or freed
 *                              by a racing free of the same block   (double_frees)
 * Complexity: O(1); with poisoning on, O(block size) to write the pattern.
 * ISR-safe: yes. Thread-safe, lock-free where the target has a 32-bit CAS.
 */
esp_err_t modesp_pool_deallocate(modesp_pool_t *pool, void *ptr);

/*
 * Whether ptr lies inside the pool's block storage (any offset, any block
 * state). Works on the manager's pools too.
 * Returns: true when it does; false when it does not and on an error below.
 * Errors:
 *   false  pool NULL or not initialised, or ptr NULL  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
bool modesp_pool_contains(const modesp_pool_t *pool, const void *ptr);

/*
 * Index of the block that starts at ptr (allocated or not) in *index, for
 * side tables kept by higher layers (tracing, diagnostics). Works on the
 * manager's pools too. *index is written only on success.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG        pool, index or ptr NULL                  (not counted)
 *   MODESP_ERR_BAD_POOL        pool not initialised or overwritten      (not counted)
 *   MODESP_ERR_FOREIGN_PTR     ptr not inside the pool                  (not counted)
 *   MODESP_ERR_MISALIGNED_PTR  ptr inside the pool, not at a block start (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
esp_err_t modesp_pool_block_index(const modesp_pool_t *pool, const void *ptr, uint32_t *index);

/*
 * Owner tag of an allocated block: the one modesp_pool_allocate_tagged
 * stored, 0 for a block taken by the untagged calls.
 * Returns: the tag (0..31), or -1 on an error below.
 * Errors:
 *   -1  pool NULL or not initialised, ptr not at a block start of the pool,
 *       or the block not allocated                                   (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
int modesp_pool_block_tag(const modesp_pool_t *pool, const void *ptr);

/*
 * The pool's name: the variable name for DEFINE'd pools, the name given to
 * modesp_pool_init otherwise.
 * Returns: the name (NULL if modesp_pool_init was given NULL), or NULL on an error below.
 * Errors:
 *   NULL  pool NULL or not initialised  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const char *modesp_pool_name(const modesp_pool_t *pool);

/*
 * Usable bytes in one block (the size asked at definition).
 * Returns: the block size, or 0 on an error below.
 * Errors:
 *   0  pool NULL or not initialised  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
size_t modesp_pool_block_size(const modesp_pool_t *pool);

/*
 * Number of blocks.
 * Returns: the capacity, or 0 on an error below.
 * Errors:
 *   0  pool NULL or not initialised  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
size_t modesp_pool_capacity(const modesp_pool_t *pool);

/*
 * Blocks handed out now (one atomic read: it may have changed by the time
 * the caller looks, while other contexts allocate).
 * Returns: the count, or 0 on an error below.
 * Errors:
 *   0  pool NULL or not initialised  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
size_t modesp_pool_in_use(const modesp_pool_t *pool);

typedef struct {
    const char *name;
    uint32_t block_size;        /* constant */
    uint32_t capacity;          /* constant */
    uint32_t in_use;            /* now */
    uint32_t peak;              /* max in_use since reset (>= in_use); never decreases between resets */
    uint32_t total_allocs;      /* since reset; wraps at 2^32, compare deltas */
    uint32_t alloc_failures;    /* requests that failed as their caller saw them; since reset */
    uint32_t exhausted;         /* attempts that found the pool empty (manager retries included); since reset */
    uint32_t invalid_requests;  /* allocations refused for a bad argument; since reset */
    uint32_t wrong_api;         /* pool-API calls refused on a manager-owned pool; since reset */
    uint32_t invalid_frees;     /* sum of the four below */
    uint32_t null_frees;        /* since reset */
    uint32_t foreign_frees;     /* since reset */
    uint32_t misaligned_frees;  /* since reset */
    uint32_t double_frees;      /* since reset */
    uint32_t poison_violations; /* since reset */
    uint32_t quarantined;       /* blocks withdrawn for good: never decreases */
    uint32_t corruptions;       /* since reset; should always be 0 */
    uint32_t resets;            /* times the counters were reset; never reset: a reader that keeps deltas tells a
                                   reset from a quiet period by this changing */
} modesp_pool_stats_t;

/*
 * Snapshot of the counters. Each field is read atomically; fields may come
 * from slightly different instants while other contexts allocate. Works on
 * the manager's pools too.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG  pool or stats NULL                   (not counted)
 *   MODESP_ERR_BAD_POOL  pool not initialised or overwritten  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
esp_err_t modesp_pool_get_stats(const modesp_pool_t *pool, modesp_pool_stats_t *stats);

/*
 * Reset the counters: peak becomes the current in_use, totals and error
 * counters become 0; in_use and quarantined are kept. A reset racing an
 * allocation may store a peak below the new in_use; readers report
 * max(peak, in_use), which is still a true high-water mark.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG  pool NULL                            (not counted)
 *   MODESP_ERR_BAD_POOL  pool not initialised or overwritten  (not counted)
 * Complexity: O(1).
 * ISR-safe: yes.
 */
esp_err_t modesp_pool_reset_stats(modesp_pool_t *pool);

/* What the integrity check found. */
typedef enum {
    MODESP_POOL_OK = 0,
    MODESP_POOL_BAD_MAGIC,        /* handle not initialised or overwritten */
    MODESP_POOL_BAD_INDEX,        /* free list holds an index >= capacity */
    MODESP_POOL_CYCLE,            /* free list longer than the pool: a cycle or a block twice */
    MODESP_POOL_FREE_MARKED_USED, /* a block on the free list is not in state FREE */
    MODESP_POOL_LOST_BLOCK,       /* a FREE block is not on the free list */
    MODESP_POOL_COUNT_MISMATCH,   /* in_use/quarantined counters disagree with the states */
    MODESP_POOL_PEAK_INVALID,     /* peak > capacity */
    MODESP_POOL_POISON_DAMAGED,   /* a poisoned free block was written */
    MODESP_POOL_BAD_STATE,        /* a block half freed (claimed, not on the list): a free that never finished */
} modesp_pool_fault_t;

typedef struct {
    modesp_pool_fault_t fault; /* first broken invariant found */
    uint32_t block;            /* block index involved, or UINT32_MAX */
    uint32_t free_blocks;      /* length of the free list walked */
    uint32_t allocated_blocks; /* blocks in state ALLOCATED */
    uint32_t quarantined_blocks;
} modesp_pool_integrity_t;

/*
 * Walk the free list and every metadata word and verify the invariants:
 * every free-list index < capacity, no cycle and no block twice, every block
 * on the list is FREE and every FREE block is on the list, in_use equals the
 * ALLOCATED count, quarantined the QUARANTINED count, peak <= capacity.
 * Reads metadata only, never a block's bytes, so it is safe to call while
 * other contexts use the pool; it is exact only while none does (a change
 * under it can be reported as a fault that is not there). report may be
 * NULL; on INVALID_ARG and BAD_POOL its fault is MODESP_POOL_BAD_MAGIC.
 * Returns: ESP_OK, or an error below.
 * Errors:
 *   ESP_ERR_INVALID_ARG   pool NULL                                              (not counted)
 *   MODESP_ERR_BAD_POOL   bad handle: not initialised or overwritten             (not counted)
 *   MODESP_ERR_CORRUPTED  an invariant broken; report says which and where       (not counted)
 * Complexity: O(capacity).
 * ISR-safe: no (it runs for O(capacity)).
 */
esp_err_t modesp_pool_check_integrity(const modesp_pool_t *pool, modesp_pool_integrity_t *report);

/* Also verify the poison pattern of every free block (see the quiescence rule). */
#define MODESP_POOL_CHECK_POISON 0x1u

/*
 * modesp_pool_check_integrity, plus what `flags` asks for:
 *   MODESP_POOL_CHECK_POISON  every poisoned free block still holds the pattern
 *     (MODESP_ERR_USE_AFTER_FREE, fault POISON_DAMAGED, otherwise). This reads
 *     the bytes of free blocks, which another context may be allocating: the
 *     caller guarantees that no other context uses the pool during the call
 *     (at start-up, in a test, or with the pool's users stopped). Allocation
 *     checks the pattern of every block it hands out anyway. The flag does
 *     nothing when poisoning is compiled out (Kconfig MEMORY_POOL_POISON_FREED).
 * Returns: ESP_OK, or an error below.
 * Errors: those of modesp_pool_check_integrity, and
 *   ESP_ERR_INVALID_ARG        an unknown flag                           (not counted)
 *   MODESP_ERR_USE_AFTER_FREE  CHECK_POISON: a poisoned free block was written (not counted)
 * Complexity: O(capacity); O(capacity * block size) with CHECK_POISON.
 * ISR-safe: no (it runs for O(capacity), and the poison check needs the pool quiescent).
 */
esp_err_t modesp_pool_check_integrity_ex(const modesp_pool_t *pool, uint32_t flags, modesp_pool_integrity_t *report);

/*
 * Name of an integrity fault ("CYCLE", ...) as a static string.
 * Returns: the name, or "UNKNOWN" for a value outside modesp_pool_fault_t; never NULL.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
const char *modesp_pool_fault_name(modesp_pool_fault_t fault);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_FIXED_POOL_H */
