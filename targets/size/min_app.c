/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The smallest useful application, for `make targets`: one fixed pool and the
 * manager, one allocation and one free of each. Linked with --gc-sections it
 * shows how much of the library an application that only allocates and frees
 * really carries (statistics, integrity checks and error names drop out).
 */
#include "modesp/memory_pool.h"

MODESP_POOL_DEFINE_STATIC(app_pool, 32, 4);

int main(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    void *a = modesp_pool_allocate(&app_pool);
    void *b = modesp_pool_manager_allocate(pm, 24u);
    int bad = modesp_pool_deallocate(&app_pool, a) != ESP_OK;
    bad |= modesp_pool_manager_free(pm, b) != ESP_OK;
    return bad;
}
