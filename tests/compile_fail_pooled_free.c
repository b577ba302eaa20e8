/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled by CTest, not run: modesp_pooled_free takes the address of a
 * pointer variable. CASE=0 is the control with every call that must compile
 * (the right forms); each other CASE is one wrong call that must not compile.
 * Before the macro, modesp_pooled_free(void *) accepted all of them, and
 * CASE=1 (the missing `&`) freed the block its first field points to.
 */
#include "modesp/memory_pool.h"

typedef struct {
    uint8_t *payload; /* a pointer as first field: what the missing `&` used to free */
    uint32_t len;
} message_t;

typedef struct {
    message_t *msg;
} holder_t;

esp_err_t use(message_t *m, void *raw, holder_t *h, message_t **slots, int n, uint8_t *bytes);
esp_err_t use(message_t *m, void *raw, holder_t *h, message_t **slots, int n, uint8_t *bytes)
{
    esp_err_t err = ESP_OK;
#if CASE == 0
    err |= modesp_pooled_free(&m);        /* T ** */
    err |= modesp_pooled_free(&raw);      /* void ** */
    err |= modesp_pooled_free(&h->msg);   /* a field */
    err |= modesp_pooled_free(&slots[n]); /* an element */
    err |= modesp_pooled_free(slots);     /* a T ** value */
    err |= modesp_pooled_free(&bytes);
    err |= modesp_pooled_free(NULL); /* ESP_ERR_INVALID_ARG at run time */
#elif CASE == 1
    err |= modesp_pooled_free(m); /* the bug: a struct pointer without `&` */
#elif CASE == 2
    err |= modesp_pooled_free(raw); /* a void * without `&` */
#elif CASE == 3
    err |= modesp_pooled_free(n); /* an integer */
#elif CASE == 4
    err |= modesp_pooled_free(bytes); /* a uint8_t * without `&` */
#elif CASE == 5
    message_t *const fixed = m;
    err |= modesp_pooled_free(&fixed); /* a const pointer cannot be set to NULL */
#endif
    (void)m, (void)raw, (void)h, (void)slots, (void)n, (void)bytes;
    return err;
}
