/* SPDX-License-Identifier: Apache-2.0 */
/* Pooled objects: the functions behind the macros of modesp/pooled.h. */
#include "modesp/pooled.h"

#include <string.h>

void *modesp_make_pooled_bytes_at(size_t size, const char *file, int line)
{
    void *p = modesp_pool_manager_allocate_at(modesp_get_pool_manager(), size, file, line);
    if (p != NULL) {
        memset(p, 0, size);
    }
    return p;
}

void *modesp_make_pooled_bytes(size_t size) { return modesp_make_pooled_bytes_at(size, NULL, 0); }

esp_err_t modesp_pooled_free_(void **pptr)
{
    if (pptr == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    void *p = *pptr;
    if (p == NULL) {
        return ESP_OK;
    }
    const esp_err_t err = modesp_pool_manager_free(modesp_get_pool_manager(), p);
    if (err == ESP_OK) {
        *pptr = NULL;
    }
    return err;
}

esp_err_t modesp_pooled_replace_(void **pptr, size_t size)
{
    if (pptr == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (size == 0u) {
        return MODESP_ERR_ZERO_SIZE;
    }
    if (size > MODESP_POOL_MAX_BLOCK_SIZE) {
        return ESP_ERR_INVALID_SIZE;
    }
    /* Free first: the new block may be the one just returned, so a full class still has one. */
    const esp_err_t err = modesp_pooled_free_(pptr);
    if (err != ESP_OK) {
        return err; /* *pptr still holds its block */
    }
    *pptr = modesp_make_pooled_bytes(size);
    return *pptr != NULL ? ESP_OK : ESP_ERR_NO_MEM;
}

void *modesp_pooled_take_(void *pptr)
{
    void **slot = (void **)pptr;
    void *p = *slot;
    *slot = NULL;
    return p;
}

esp_err_t modesp_pooled_assign_(void *dst_pptr, void *src_pptr)
{
    void **dst = (void **)dst_pptr;
    void **src = (void **)src_pptr;
    esp_err_t err = ESP_OK;
    if (dst != src) {
        err = modesp_pooled_free_(dst);
        if (err == ESP_OK) {
            *dst = *src;
            *src = NULL;
        }
    }
    return err;
}

void modesp_pooled_cleanup_(void *pptr) { (void)modesp_pooled_free_((void **)pptr); }
