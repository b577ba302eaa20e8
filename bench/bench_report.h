/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Result rows of the host benchmarks (bench, bench_bus): the median, minimum
 * and maximum of a row's runs, kept in one static table per program and
 * written as the JSON list that bench/merge_results.py, results_md.py and
 * instr_report.py share ({"workload", "allocator", "metric", "median", "min",
 * "max"} per row).
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stddef.h>

/* Most runs a row may have (--runs). */
#define BENCH_REPORT_MAX_RUNS 15

typedef struct {
    char workload[24];
    char allocator[16]; /* the allocator, or the side of a comparison */
    char metric[16];
    double median, min, max;
    char note[64]; /* printed beside the row, not written to the JSON */
} bench_result_t;

/* Add a row from n run values (v is not changed; the median of an even count is the mean of the middle two).
 * Returns the row, or NULL when n is outside 1..BENCH_REPORT_MAX_RUNS or the table is full. note may be NULL. */
const bench_result_t *bench_report_add(const char *workload, const char *allocator, const char *metric, const double *v,
                                       int n, const char *note);

/* The row added with these names, or NULL. */
const bench_result_t *bench_report_get(const char *workload, const char *allocator, const char *metric);

/* Write every row to path; program names the writer in the error message. Returns 0, or 1 on a write error. */
int bench_report_write_json(const char *path, const char *program);

#endif /* BENCH_REPORT_H */
