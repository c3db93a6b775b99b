/* check.h - what dgk-gemm-check's files share: the pass/fail tally and its report
 * lines (check_main.c), and the harness self-tests (check_selftest.c). */
#ifndef GH_CHECK_H
#define GH_CHECK_H

#include "harness.h"

typedef enum check_result { CHECK_PASS, CHECK_FAIL, CHECK_SKIP } check_result;

typedef struct check_tally {
    int passed, failed, skipped;
} check_tally;

/* Prints "PASS  <what>  <detail>" (FAIL, SKIP) and counts it. */
void check_report(check_tally *t, check_result r, const char *what, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The harness checking itself before it checks anything else: the reference GEMM
 * against a CPU double-precision product (all layouts, C addend, ragged sizes), the
 * poison/diff machinery against planted faults, and the FP8 quantizers against their
 * documented scale layouts. Returns GH_ERROR only if CUDA itself failed. */
int check_selftests(check_tally *t, uint64_t seed, cudaStream_t s);

#endif
