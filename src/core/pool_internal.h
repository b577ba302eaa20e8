/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry points of the pool for the pool manager only (private).
 *
 * The manager's class pools carry MODESP_POOL_MAGIC_MANAGED, so the public
 * pool API refuses them (a block taken or returned behind the manager's back
 * would leave its byte count wrong for good). The manager reaches them here.
 */
#ifndef MODESP_POOL_INTERNAL_H
#define MODESP_POOL_INTERNAL_H

#include <stdint.h>

#include "modesp/fixed_pool.h"

/* Pop and claim a block for `tag` (0..31, not checked); NULL when empty (counted
 * in exhausted). file/line: the call site for the trace hooks (NULL, 0 for none). ISR-safe. */
void *modesp_pool_take_managed_(modesp_pool_t *pool, uint32_t tag, const char *file, int line, uint32_t size);

/* modesp_pool_deallocate without the managed-pool refusal. ISR-safe. */
esp_err_t modesp_pool_give_managed_(modesp_pool_t *pool, void *ptr);

/* Count one request that failed as its caller saw it (alloc_failures). ISR-safe. */
void modesp_pool_count_failure_(modesp_pool_t *pool);

/* Put a chain of pools, already linked first -> ... -> last through
 * registry_next and marked registered, into the registry in one step. The
 * manager's pools are chained at compile time and registered this way by one
 * constructor. ISR-safe. */
void modesp_pool_register_chain_(modesp_pool_t *first, modesp_pool_t *last);

#endif /* MODESP_POOL_INTERNAL_H */
