/* k_grouped.c - the K-grouped FP8 weight gradient for Mixture-of-Experts (dgk.h, stock
 * library section): dgk_k_grouped_fp8_gemm_nt_contiguous, kernel k_grouped_fp8_wgrad in
 * stdlib/k_grouped_fp8.dgk. The tokens of all groups are stacked along K; group g owns
 * K indices offsets[g] .. offsets[g + 1] - 1 and D[g] += A_g @ B_g^T.
 * The caller passes the per-group K both ways, as DeepGEMM's entry point does: `ks` on
 * the host (validated here: non-negative multiples of 128 summing to the stacked K; it
 * also gives the tile heuristic the number of non-empty groups, so nothing is read back
 * from the device) and the cumulative offsets on the device (i32 [G + 1]), which the
 * kernel reads per tile. The launch grid depends only on G, M and N, so the call can be
 * captured in a CUDA graph and replayed with other device offsets of the same kind; a
 * debug build (DGK_DEBUG=1) checks the device offsets too and reports a bad one. */
#include <stdio.h>

#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

enum { ALIGN_K = 128 };

static const stock_kernel k_grouped_fp8 = {"stdlib/k_grouped_fp8.dgk", dgk_stdlib_k_grouped_fp8,
                                           "k_grouped_fp8_wgrad", 0, 0};

static const char *const FN = "dgk_k_grouped_fp8_gemm_nt_contiguous";

/* One call's tensors and extents. */
typedef struct kcall {
    const dgk_tensor *a, *sa, *b, *sb, *d, *offsets;
    const int *ks;
    int g;
    int64_t m, n, k;             /* k: the stacked K (a's extent 1) */
} kcall;

static dgk_status check_null(const kcall *c)
{
    const void *ps[7] = {c->a, c->sa, c->b, c->sb, c->d, c->offsets, c->ks};
    const char *names[7] = {"a", "sa", "b", "sb", "d", "offsets", "ks"};
    for (int i = 0; i < 7; i++)
        if (!ps[i])
            return dgk_fail(DGK_EINVAL, "%s: %s is NULL", FN, names[i]);
    return DGK_OK;
}

/* ue8m0 B scales 1x128 are not lowered on sm90 (plan_mainloop.c), so the kernel is f32 */
#define F32_SCALES "f32 (this kernel reads f32 scales; ue8m0 ones are taken by dgk_gemm_fp8_nt only)"

static dgk_status check_dtypes(const kcall *c)
{
    dgk_status s;
    if ((s = stock_want(FN, c->a, "a", DGK_DTYPE_E4M3, "e4m3", 2, "[M, K]")) ||
        (s = stock_want(FN, c->b, "b", DGK_DTYPE_E4M3, "e4m3", 2, "[N, K]")) ||
        (s = stock_want(FN, c->sa, "sa", DGK_DTYPE_F32, F32_SCALES, 2, "[K / 128, M]")) ||
        (s = stock_want(FN, c->sb, "sb", DGK_DTYPE_F32, F32_SCALES, 2, "[K / 128, N]")) ||
        (s = stock_want(FN, c->d, "d", DGK_DTYPE_F32, "f32 (the gradients are accumulated into it)", 3, "[G, M, N]")))
        return s;
    return stock_want(FN, c->offsets, "offsets", DGK_DTYPE_I32, "i32", 1, "[G + 1]");
}

static dgk_status check_extents(kcall *c)
{
    c->m = c->a->shape[0];
    c->k = c->a->shape[1];
    c->n = c->b->shape[0];
    if (c->k % ALIGN_K)
        return dgk_fail(DGK_ESHAPE, "%s: the stacked K = %lld is not a multiple of 128 (each group's K is)", FN,
                        (long long)c->k);
    int64_t kb = c->k / ALIGN_K;
    int64_t b2[2] = {c->n, c->k}, sa2[2] = {kb, c->m}, sb2[2] = {kb, c->n}, d3[3] = {c->g, c->m, c->n};
    int64_t offs[1] = {(int64_t)c->g + 1};
    dgk_status s;
    if ((s = stock_extents(FN, c->b, "b", "[N, K] with a's K", b2)) ||
        (s = stock_extents(FN, c->sa, "sa", "[K / 128, M]", sa2)) ||
        (s = stock_extents(FN, c->sb, "sb", "[K / 128, N] (one scale per column and 128 of K)", sb2)) ||
        (s = stock_extents(FN, c->d, "d", "[G, M, N] with G = num_groups", d3)) ||
        (s = stock_tma_rows(FN, "sa", c->sa)) || (s = stock_tma_rows(FN, "sb", c->sb)))
        return s;
    return stock_extents(FN, c->offsets, "offsets", "[G + 1] (the cumulative offsets 0, ks[0], ks[0] + ks[1], ...)", offs);
}

/* The host copy of the group sizes: each a multiple of 128 (a K block never straddles two
 * groups: its scales are one row of sa / sb), all adding up to the stacked K. Returns the
 * number of non-empty groups through *busy. */
static dgk_status check_ks(const kcall *c, int *busy)
{
    int64_t sum = 0;
    *busy = 0;
    for (int g = 0; g < c->g; g++) {
        if (c->ks[g] < 0 || c->ks[g] % ALIGN_K)
            return dgk_fail(DGK_ESHAPE, "%s: ks[%d] = %d must be a non-negative multiple of 128 (group K ranges are aligned to the 128-wide scale blocks)",
                            FN, g, c->ks[g]);
        sum += c->ks[g];
        *busy += c->ks[g] > 0;
    }
    if (sum != c->k)
        return dgk_fail(DGK_ESHAPE, "%s: the group sizes ks add up to %lld, but a and b hold K = %lld stacked columns", FN,
                        (long long)sum, (long long)c->k);
    return DGK_OK;
}

/* The launch memo entry: the exact key it was made for, and its op. */
typedef struct kg_memo {
    int64_t m, n, busy;
    dgk_op *op;
} kg_memo;

/* The tile: the heuristic over the output tiles of the non-empty groups (their count
 * times one group's M, so waves are counted right); N compiled in, M and K runtime. */
static dgk_status compile_op(dgk_context *ctx, const kcall *c, int busy, dgk_op **op)
{
    dgk_device_props props;
    dgk_device_props_get(ctx, &props);
    int64_t per_group = c->k / (busy > 0 ? busy : 1);
    gemm_shape s = {.m = c->m * (busy > 0 ? busy : 1), .n = c->n, .k = per_group, .in_bytes = 1, .out_bytes = 4,
                    .fp8 = 1, .sb_per_column = 1};
    gemm_config cfg = gemm_heuristic(&s, props.sm_count);
    gemm_tile_override(&cfg);
    gemm_swizzle_override(&cfg);
    dgk_status st = stock_check_clusters(&k_grouped_fp8, &cfg); /* it has none: a forced one is an error */
    if (st != DGK_OK)
        return st;
    char d[4][48];
    snprintf(d[0], sizeof d[0], "BM=%d", cfg.bm);
    snprintf(d[1], sizeof d[1], "BN=%d", cfg.bn);
    snprintf(d[2], sizeof d[2], "N=%lld", (long long)c->n);
    snprintf(d[3], sizeof d[3], "SWIZZLE=%d", cfg.swizzle);
    const char *defines[4] = {d[0], d[1], d[2], d[3]};
    return stock_op(ctx, &k_grouped_fp8, defines, cfg.swizzle ? 4 : 3, op);
}

static dgk_status get_op(dgk_context *ctx, const kcall *c, int busy, dgk_op **op)
{
    uint64_t id = (uint64_t)(uintptr_t)&k_grouped_fp8 ^ ((uint64_t)c->n * 0x9e3779b97f4a7c15ull);
    uint64_t cls = (uint64_t)c->m * 1024u + (uint64_t)busy;
    kg_memo *e = dgk_memo_get(ctx, id, cls);
    if (e && e->m == c->m && e->n == c->n && e->busy == busy)
        return (*op = e->op), DGK_OK;
    dgk_status st = compile_op(ctx, c, busy, op);
    if (st != DGK_OK || e)
        return st;
    e = dgk_context_alloc(ctx, sizeof *e);
    if (e) {
        *e = (kg_memo){c->m, c->n, busy, *op};
        dgk_memo_put(ctx, id, cls, e, NULL);
    }
    return DGK_OK;
}

/* Debug builds (DGK_DEBUG=1 when the op was made): the kernel checked the device offsets
 * (non-decreasing multiples of 128 within K); wait for it and report the first bad one.
 * Release builds return at once. */
static dgk_status check_offsets(const kcall *c, dgk_op *op, void *stream)
{
    uint64_t w;
    dgk_status s = dgk_op_debug_word(op, stream, &w);
    if (s != DGK_OK || w == DGK_DEBUG_NONE)
        return s;
    return dgk_fail(DGK_EINVAL, "%s: offsets[%lld] = %d on the device is invalid: the offsets must not decrease, be multiples of 128 and lie in 0 .. K = %lld [DGK_DEBUG check]",
                    FN, (long long)(w >> 32), (int)(uint32_t)w, (long long)c->k);
}

int dgk_k_grouped_alignment(void)
{
    return ALIGN_K;
}

dgk_status dgk_k_grouped_fp8_gemm_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                const int *ks, int num_groups, const dgk_tensor *offsets,
                                                void *stream)
{
    kcall c = {.a = a, .sa = sa, .b = b, .sb = sb, .d = d, .offsets = offsets, .ks = ks, .g = num_groups};
    dgk_status s;
    if (num_groups <= 0)
        return dgk_fail(DGK_EINVAL, "%s: num_groups = %d must be positive", FN, num_groups);
    int busy;
    if ((s = check_null(&c)) || (s = check_dtypes(&c)) || (s = check_extents(&c)) || (s = check_ks(&c, &busy)))
        return s;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "%s: ctx is NULL", FN);
    if (busy == 0 || c.m == 0 || c.n == 0)
        return DGK_OK; /* every group empty (or D empty): D += 0 */
    dgk_op *op;
    if ((s = get_op(ctx, &c, busy, &op)) != DGK_OK)
        return s;
    const dgk_tensor *params[6] = {a, sa, b, sb, d, offsets};
    s = dgk_op_launch(op, params, NULL, 6, stream);
    return s != DGK_OK || !dgk_op_is_debug(op) ? s : check_offsets(&c, op, stream);
}
