/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 1, "Basic usage in modules", in C.
 *
 * A sensor module keeps one long-lived pooled buffer for its whole life and
 * takes a temporary pooled block while it processes data. The temporary is
 * declared with MODESP_POOLED, so it goes back to its pool on every path out
 * of the scope: no free() to forget. The module also shows what a failed
 * allocation looks like and that it keeps running without its buffer.
 */
#include <stdio.h>

#include "example_check.h"
#include "modesp/memory_pool.h"

#define NAME "example_basic_module"

#define SENSOR_SAMPLES 16u

/* 16 floats + a counter: 68 bytes, served by the 128-byte MEDIUM class by default. */
typedef struct {
    float samples[SENSOR_SAMPLES];
    uint32_t count;
} sensor_buffer_t;

/* Scratch data of one processing pass: 16 bytes, the 32-byte TINY class by default. */
typedef struct {
    float sum;
    float min;
    float max;
    uint32_t n;
} processing_data_t;

typedef struct {
    sensor_buffer_t *buffer; /* NULL: degraded mode, no buffering */
} sensor_module_t;

/* Blocks handed out now by the manager class that serves `size` bytes. */
static size_t class_in_use(size_t size)
{
    const int cls = modesp_pool_manager_class_for_size(size);
    return modesp_pool_in_use(modesp_pool_manager_get_pool(modesp_get_pool_manager(), (modesp_size_class_t)cls));
}

/* Name of the manager class that serves `size` bytes ("TINY", ...). */
static const char *class_name(size_t size)
{
    const int cls = modesp_pool_manager_class_for_size(size);
    return modesp_size_class_name((modesp_size_class_t)cls);
}

static esp_err_t sensor_module_init(sensor_module_t *m)
{
    m->buffer = modesp_make_pooled(sensor_buffer_t); /* zeroed, or NULL */
    if (m->buffer == NULL) {
        /* Handle it gracefully: the module still runs, it just cannot buffer. */
        printf("  init: no block for the sensor buffer -> running in degraded mode\n");
        return ESP_ERR_NO_MEM;
    }
    printf("  init: sensor buffer allocated (%zu bytes from the %s class)\n", sizeof(sensor_buffer_t),
           class_name(sizeof(sensor_buffer_t)));
    return ESP_OK;
}

static void sensor_module_deinit(sensor_module_t *m)
{
    /* Long-lived blocks are freed explicitly; modesp_pooled_free also NULLs the pointer. */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
    check(modesp_pooled_free(&m->buffer) == ESP_OK && m->buffer == NULL, "free the sensor buffer");
}

static void sensor_module_add_sample(sensor_module_t *m, float value)
{
    if (m->buffer != NULL && m->buffer->count < SENSOR_SAMPLES) {
        m->buffer->samples[m->buffer->count++] = value;
    }
}

static void sensor_module_process_data(sensor_module_t *m)
{
    const size_t before = class_in_use(sizeof(processing_data_t));
    {
        MODESP_POOLED(processing_data_t, tmp); /* freed when `tmp` leaves this block */
        if (tmp == NULL || m->buffer == NULL) {
            printf("  process: nothing to do\n");
            return; /* tmp (if any) is freed on this path too */
        }
        const size_t inside = class_in_use(sizeof(processing_data_t));
        tmp->min = tmp->max = m->buffer->samples[0];
        for (uint32_t i = 0; i < m->buffer->count; i++) {
            const float v = m->buffer->samples[i];
            tmp->sum += v;
            tmp->min = v < tmp->min ? v : tmp->min;
            tmp->max = v > tmp->max ? v : tmp->max;
            tmp->n++;
        }
        printf("  process: %u samples, mean %.2f, min %.2f, max %.2f\n", (unsigned)tmp->n,
               (double)(tmp->sum / (float)tmp->n), (double)tmp->min, (double)tmp->max);
        printf("  %s in_use: before scope %zu, inside scope %zu\n", class_name(sizeof(processing_data_t)), before,
               inside);
        check(inside == before + 1u, "the temporary holds one block inside the scope");
    }
    const size_t after = class_in_use(sizeof(processing_data_t));
    printf("  %s in_use: after scope %zu (tmp was freed automatically)\n", class_name(sizeof(processing_data_t)),
           after);
    check(after == before, "the temporary is back in its pool after the scope");
}

/* Take every free block of the class that serves `size`, chained through their own first word
 * (no array to size for the configured class count). */
static void *hog_class(size_t size)
{
    void *chain = NULL;
    void **block;
    unsigned n = 0;
    while ((block = modesp_pool_manager_allocate(modesp_get_pool_manager(), size)) != NULL) {
        *block = chain;
        chain = block;
        n++;
    }
    printf("  another module now holds %u blocks: every block a sensor buffer could get\n", n);
    return chain;
}

static void release_hog(void *chain)
{
    while (chain != NULL) {
        void *next = *(void **)chain;
        check(modesp_pool_manager_free(modesp_get_pool_manager(), chain) == ESP_OK, "free a hog block");
        chain = next;
    }
}

int main(void)
{
    sensor_module_t module = {0};

    printf("1) init while another module holds every block of the buffer's class\n");
    void *hog = hog_class(sizeof(sensor_buffer_t));
    check(sensor_module_init(&module) == ESP_ERR_NO_MEM && module.buffer == NULL, "init reports the failure");
    sensor_module_add_sample(&module, 1.0f); /* silently skipped: no buffer */
    sensor_module_process_data(&module);
    release_hog(hog);

    printf("2) init again once blocks are back\n");
    check(sensor_module_init(&module) == ESP_OK, "init succeeds");
    for (int i = 0; i < 8; i++) {
        sensor_module_add_sample(&module, 20.0f + (float)i * 0.5f);
    }

    printf("3) process data with a scoped temporary\n");
    sensor_module_process_data(&module);

    printf("4) deinit\n");
    sensor_module_deinit(&module);
    check_manager_clean();

    return example_finish(NAME);
}
