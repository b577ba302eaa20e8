/* SPDX-License-Identifier: Apache-2.0 */
/* Result rows of the host benchmarks and their JSON file: see bench_report.h. */
#include "bench_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bench_result_t s_rows[1024];
static size_t s_nrows;

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a;
    const double y = *(const double *)b;
    return (x > y) - (x < y);
}

const bench_result_t *bench_report_add(const char *workload, const char *allocator, const char *metric, const double *v,
                                       int n, const char *note)
{
    if (s_nrows == sizeof s_rows / sizeof s_rows[0] || n <= 0 || n > BENCH_REPORT_MAX_RUNS) {
        return NULL;
    }
    double s[BENCH_REPORT_MAX_RUNS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof s[0], cmp_double);
    bench_result_t *r = &s_rows[s_nrows++];
    (void)snprintf(r->workload, sizeof r->workload, "%s", workload);
    (void)snprintf(r->allocator, sizeof r->allocator, "%s", allocator);
    (void)snprintf(r->metric, sizeof r->metric, "%s", metric);
    r->median = (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    r->min = s[0];
    r->max = s[n - 1];
    (void)snprintf(r->note, sizeof r->note, "%s", note != NULL ? note : "");
    return r;
}

const bench_result_t *bench_report_get(const char *workload, const char *allocator, const char *metric)
{
    for (size_t i = 0; i < s_nrows; i++) {
        const bench_result_t *r = &s_rows[i];
        if (strcmp(r->workload, workload) == 0 && strcmp(r->allocator, allocator) == 0 &&
            strcmp(r->metric, metric) == 0) {
            return r;
        }
    }
    return NULL;
}

int bench_report_write_json(const char *path, const char *program)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        (void)fprintf(stderr, "%s: cannot write %s: %s\n", program, path, strerror(errno));
        return 1;
    }
    (void)fputs("[\n", f);
    for (size_t i = 0; i < s_nrows; i++) {
        const bench_result_t *r = &s_rows[i];
        (void)fprintf(
            f,
            "  {\"workload\": \"%s\", \"allocator\": \"%s\", \"metric\": \"%s\", \"median\": %.3f, \"min\": %.3f, "
            "\"max\": %.3f}%s\n",
            r->workload, r->allocator, r->metric, r->median, r->min, r->max, i + 1 < s_nrows ? "," : "");
    }
    (void)fputs("]\n", f);
    return fclose(f) != 0;
}
