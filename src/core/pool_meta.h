/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-block metadata word of a fixed pool (private).
 *
 *   31      24 23   19  18      17..16   15            0
 *  +----------+-------+--------+--------+---------------+
 *  |generation|  tag  |poisoned| state  |     link      |
 *  +----------+-------+--------+--------+---------------+
 *
 * state      FREE (0), ALLOCATED (1), QUARANTINED (2), RELEASING (3: claimed
 *            by its freer, not yet on the free list). Zero is FREE so a
 *            statically defined pool starts with every block free. Only FREE
 *            words are ever popped; only ALLOCATED words are ever claimed.
 * link       while FREE: next free block index, stored as next ^ (self + 1),
 *            so the all-zero word means "next = self + 1" and a zeroed meta
 *            array is the free list 0 -> 1 -> ... -> capacity (end marker).
 * poisoned   the block's bytes hold the poison pattern (set when it is freed
 *            with poisoning on; virgin blocks are not poisoned).
 * tag        owner's 5-bit tag written at allocation (the manager stores the
 *            requested size class so a sized free can be checked exactly).
 * generation incremented at every allocation of the block (wraps at 256), so
 *            each FREE and each ALLOCATED period of a block has its own word:
 *            the claim CASes of alloc (P5) and free (F1) compare the exact
 *            word they read and never act on a newer period of the block.
 */
#ifndef MODESP_POOL_META_H
#define MODESP_POOL_META_H

#include <stdint.h>

#define META_LINK_MASK   0x0000FFFFu
#define META_STATE_MASK  0x00030000u
#define META_FREE        0x00000000u
#define META_ALLOCATED   0x00010000u
#define META_QUARANTINED 0x00020000u
#define META_RELEASING   0x00030000u
#define META_POISONED    0x00040000u
#define META_TAG_SHIFT   19u
#define META_TAG_MASK    0x00F80000u
#define META_GEN_ONE     0x01000000u
#define META_GEN_MASK    0xFF000000u

static inline uint32_t meta_link_encode(uint32_t self, uint32_t next) { return (next ^ (self + 1u)) & META_LINK_MASK; }

static inline uint32_t meta_link_decode(uint32_t self, uint32_t word)
{
    return ((word & META_LINK_MASK) ^ (self + 1u)) & META_LINK_MASK;
}

#endif /* MODESP_POOL_META_H */
