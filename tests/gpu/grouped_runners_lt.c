/* grouped_runners_lt.c - the grouped harness's cuBLASLt baseline for the BF16 m-grouped
 * GEMMs (rows in grouped_runners.def): one cuBLASLt BF16 GEMM per group with rows, on that
 * group's rows of A and D and its B[g], as a user without a grouped kernel would run it.
 * Contiguous and masked alike (gg_problem's row0 / rows: where each group's rows start in
 * A and D and how many are valid); padding rows and rows past masked_m are not touched.
 * The harness keeps each group's cuBLASLt plan (harness_cublaslt.c), so a timed call only
 * enqueues the GEMMs. Not in the concurrent checks (grouped_check_main.c): the plans share
 * one cuBLASLt workspace, and concurrent use of dgk's per-stream workspaces is what those
 * test. */
#include "grouped.h"

int gg_lt_bf16_per_group(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_lt_bf16_per_group(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    for (int g = 0; g < p->groups; g++) {
        if (p->rows[g] <= 0)
            continue;
        gh_problem q = {p->rows[g], p->n, p->k, GH_NT, GH_BF16, GH_BF16, GH_RECIPE_NONE, 0};
        gh_buffers lb = {0};
        lb.a = (const char *)b->a + p->row0[g] * p->k * 2, lb.lda = p->k;
        lb.b = (const char *)b->b + (int64_t)g * p->n * p->k * 2, lb.ldb = p->k;
        lb.d = (char *)b->d + p->row0[g] * p->n * 2;
        GH_TRY(gh_cublaslt_bf16(&q, &lb, s));
    }
    return GH_OK;
}
