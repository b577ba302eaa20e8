/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The size-class table: one line per class, from which the class enum, the
 * sizes, counts and names, the manager's pools and the Kconfig checks are
 * generated. Reports and sizing advice iterate it the same way:
 *
 *     #define PRINT_CLASS(NAME, name, size, count) printf(#NAME " %u x %u\n", size, count);
 *     MODESP_SIZE_CLASSES(PRINT_CLASS)
 *
 * X(NAME, name, block size, block count). Classes are listed from the
 * smallest to the largest block; the sizes must strictly increase (checked).
 */
#ifndef MODESP_SIZE_CLASSES_H
#define MODESP_SIZE_CLASSES_H

#include "modesp/mempool_config.h"

/*
 * Expand X(NAME, name, block size, block count) once per class, from the
 * smallest block to the largest, with the Kconfig values.
 * Errors: none (sizes that do not strictly increase fail to compile in the manager).
 * Complexity: O(classes) at compile time; no code of its own.
 * ISR-safe: not applicable (it expands at compile time).
 */
#define MODESP_SIZE_CLASSES(X)                                                                                         \
    X(TINY, tiny, CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_TINY_COUNT)                                         \
    X(SMALL, small, CONFIG_MEMORY_POOL_SMALL_SIZE, CONFIG_MEMORY_POOL_SMALL_COUNT)                                     \
    X(MEDIUM, medium, CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_MEDIUM_COUNT)                                 \
    X(LARGE, large, CONFIG_MEMORY_POOL_LARGE_SIZE, CONFIG_MEMORY_POOL_LARGE_COUNT)                                     \
    X(XLARGE, xlarge, CONFIG_MEMORY_POOL_XLARGE_SIZE, CONFIG_MEMORY_POOL_XLARGE_COUNT)

/* Number of classes. */
#define MODESP_CLASS_ONE_(NAME, name, size, count) +1
#define MODESP_CLASS_COUNT                         (0 MODESP_SIZE_CLASSES(MODESP_CLASS_ONE_))

/* The largest block any class holds (the last class). */
#define MODESP_POOL_MAX_BLOCK_SIZE CONFIG_MEMORY_POOL_XLARGE_SIZE

/* ((0 < s0) && (s0 < s1) && ... && (sN < 0x7FFFFFFF)): sizes strictly increase. */
#define MODESP_CLASS_LT_CHAIN_(NAME, name, size, count) (size)) && ((size) <
#define MODESP_CLASS_SIZES_INCREASE ((0 < MODESP_SIZE_CLASSES(MODESP_CLASS_LT_CHAIN_) 0x7FFFFFFF))

#endif /* MODESP_SIZE_CLASSES_H */
