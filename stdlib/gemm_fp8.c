/* gemm_fp8.c - the dense FP8 GEMM entry points. dgk_gemm_fp8_nt: D = (A * SA) @ (B * SB)^T
 * with DeepSeek's fine-grained scales (A per token and 128 of K, B per 128x128 block),
 * e4m3 inputs, FP32 accumulation with per-K-block promotion, bf16 or f32 output; the
 * kernel is gemm_fp8_nt in stdlib/gemm_fp8.dgk. SM90 FP8 wgmma reads K-major operands
 * only, so this is NT: A [M, K], B [N, K]. Scales are f32, or UE8M0 (one byte e worth
 * 2^(e - 127), DeepGEMM's power-of-two recipe; the sa and sb dtypes pick it, compiled as
 * -D TS=ue8m0): SA [cdiv(K, 128), M] with a row stride that may be padded (TMA needs
 * 16-byte rows: M rounded up to 4 f32 or 16 ue8m0, see dgk_fp8_scale_stride), SB
 * [cdiv(N, 128), cdiv(K, 128)].
 * dgk_gemm_fp8_wgrad_nt (DeepGEMM's weight gradient, kernel gemm_fp8_wgrad): D += (A * SA)
 * @ (B * SB)^T with both operands scaled 1x128 (SB [cdiv(K, 128), N], one scale per
 * column and 128 of K), D f32, accumulated in place by TMA reduce-add. */
#include <stdio.h>

#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

static const stock_kernel fp8_nt = {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_nt", 1, 0};
static const stock_kernel fp8_wgrad = {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_wgrad", 0, 0};

/* SA [K / 128, M], MN-major, loaded by TMA: 16-byte rows from a 16-byte-aligned base. */
static dgk_status check_sa(const char *fn, const dgk_tensor *sa, int64_t m, int64_t k)
{
    if (sa->rank != 2 || sa->shape[0] != k / 128 || sa->shape[1] != m)
        return dgk_fail(DGK_ESHAPE, "%s: sa must be [K / 128, M] = [%lld, %lld] (MN-major: one scale per token and 128 of K)",
                        fn, (long long)(k / 128), (long long)m);
    dgk_status st = stock_tma_rows(fn, "sa", sa);
    if (st != DGK_OK)
        return st;
    if ((uintptr_t)sa->data % 16 != 0)
        return dgk_fail(DGK_EALIGN, "%s: sa's data %p is not 16-byte aligned (TMA)", fn, sa->data);
    return DGK_OK;
}

static dgk_status check(const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b, const dgk_tensor *sb,
                        const dgk_tensor *d)
{
    const char *fn = "dgk_gemm_fp8_nt";
    if (!a || !sa || !b || !sb || !d)
        return dgk_fail(DGK_EINVAL, "%s: %s is NULL", fn, !a ? "a" : !sa ? "sa" : !b ? "b" : !sb ? "sb" : "d");
    if (a->rank != 2 || b->rank != 2 || d->rank != 2 || sb->rank != 2)
        return dgk_fail(DGK_ESHAPE, "%s: a, b, sb and d must be 2-D tensors", fn);
    if (a->dtype != DGK_DTYPE_E4M3 || b->dtype != DGK_DTYPE_E4M3)
        return dgk_fail(DGK_EDTYPE, "%s: a and b must be e4m3", fn);
    if ((sa->dtype != DGK_DTYPE_F32 && sa->dtype != DGK_DTYPE_UE8M0) || sb->dtype != sa->dtype)
        return dgk_fail(DGK_EDTYPE, "%s: sa and sb must both be f32 or both ue8m0 (power-of-two scales, one byte each)", fn);
    if (d->dtype != DGK_DTYPE_BF16 && d->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "%s: d must be bf16 or f32", fn);
    int64_t m = a->shape[0], n = b->shape[0], k = a->shape[1];
    if (k % 128)
        return dgk_fail(DGK_ESHAPE, "%s: K = %lld is not a multiple of 128 (one scale per 128 of K)", fn, (long long)k);
    if (sb->shape[0] != (n + 127) / 128 || sb->shape[1] != k / 128)
        return dgk_fail(DGK_ESHAPE, "%s: sb is [%lld, %lld]; it must be [cdiv(N, 128), K / 128] = [%lld, %lld] (one scale per 128x128 block of b)",
                        fn, (long long)sb->shape[0], (long long)sb->shape[1], (long long)((n + 127) / 128), (long long)(k / 128));
    return check_sa(fn, sa, m, k);
}

dgk_status dgk_gemm_fp8_nt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b,
                           const dgk_tensor *sb, const dgk_tensor *d, void *stream)
{
    dgk_status st = check(a, sa, b, sb, d);
    if (st != DGK_OK)
        return st;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "dgk_gemm_fp8_nt: ctx is NULL");
    dgk_dtype_id td = d->dtype, ts = sa->dtype;
    gemm_shape s = {.m = a->shape[0], .n = b->shape[0], .k = a->shape[1], .in_bytes = 1,
                    .out_bytes = td == DGK_DTYPE_F32 ? 4 : 2, .fp8 = 1, .can_split = 1};
    const char *extra[2] = {td == DGK_DTYPE_F32 ? "TD=f32" : "TD=bf16", ts == DGK_DTYPE_UE8M0 ? "TS=ue8m0" : "TS=f32"};
    dgk_op *op;
    st = stock_gemm_op(ctx, &fp8_nt, &s, (uint32_t)td | (uint32_t)ts << 8, extra, 2, &op);
    if (st != DGK_OK)
        return st;
    const dgk_tensor *params[5] = {a, sa, b, sb, d};
    return dgk_op_launch(op, params, NULL, 5, stream);
}

/* ---- weight gradient ----------------------------------------------------------------- */

static int shape_is(const dgk_tensor *t, int64_t r, int64_t c)
{
    return t->shape[0] == r && t->shape[1] == c;
}

static dgk_status check_wgrad(const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b, const dgk_tensor *sb,
                              const dgk_tensor *d)
{
    const char *fn = "dgk_gemm_fp8_wgrad_nt";
    if (!a || !sa || !b || !sb || !d)
        return dgk_fail(DGK_EINVAL, "%s: %s is NULL", fn, !a ? "a" : !sa ? "sa" : !b ? "b" : !sb ? "sb" : "d");
    if (a->rank != 2 || sa->rank != 2 || b->rank != 2 || sb->rank != 2 || d->rank != 2)
        return dgk_fail(DGK_ESHAPE, "%s: a, sa, b, sb and d must be 2-D tensors", fn);
    if (a->dtype != DGK_DTYPE_E4M3 || b->dtype != DGK_DTYPE_E4M3)
        return dgk_fail(DGK_EDTYPE, "%s: a and b must be e4m3", fn);
    if (sa->dtype != DGK_DTYPE_F32 || sb->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "%s: sa and sb must be f32 (ue8m0 scales are taken by dgk_gemm_fp8_nt)", fn);
    if (d->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "%s: d must be f32 (the gradient is accumulated into it)", fn);
    int64_t m = a->shape[0], n = b->shape[0], k = a->shape[1];
    if (k % 128)
        return dgk_fail(DGK_ESHAPE, "%s: K = %lld is not a multiple of 128 (one scale per 128 of K)", fn, (long long)k);
    if (b->shape[1] != k)
        return dgk_fail(DGK_ESHAPE, "%s: b is [%lld, %lld]; it must be [N, K] with K = %lld like a", fn,
                        (long long)b->shape[0], (long long)b->shape[1], (long long)k);
    if (!shape_is(d, m, n))
        return dgk_fail(DGK_ESHAPE, "%s: d is [%lld, %lld]; it must be [M, N] = [%lld, %lld]", fn, (long long)d->shape[0],
                        (long long)d->shape[1], (long long)m, (long long)n);
    if (!shape_is(sa, k / 128, m))
        return dgk_fail(DGK_ESHAPE, "%s: sa is [%lld, %lld]; it must be [K / 128, M] = [%lld, %lld]", fn,
                        (long long)sa->shape[0], (long long)sa->shape[1], (long long)(k / 128), (long long)m);
    if (!shape_is(sb, k / 128, n))
        return dgk_fail(DGK_ESHAPE, "%s: sb is [%lld, %lld]; it must be [K / 128, N] = [%lld, %lld] (one scale per column and 128 of K)",
                        fn, (long long)sb->shape[0], (long long)sb->shape[1], (long long)(k / 128), (long long)n);
    dgk_status st = stock_tma_rows(fn, "sa", sa);
    return st != DGK_OK ? st : stock_tma_rows(fn, "sb", sb);
}

dgk_status dgk_gemm_fp8_wgrad_nt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b,
                                 const dgk_tensor *sb, const dgk_tensor *d, void *stream)
{
    dgk_status st = check_wgrad(a, sa, b, sb, d);
    if (st != DGK_OK)
        return st;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "dgk_gemm_fp8_wgrad_nt: ctx is NULL");
    gemm_shape s = {.m = a->shape[0], .n = b->shape[0], .k = a->shape[1], .in_bytes = 1, .out_bytes = 4, .fp8 = 1,
                    .sb_per_column = 1};
    dgk_op *op;
    st = stock_gemm_op(ctx, &fp8_wgrad, &s, 0, NULL, 0, &op);
    if (st != DGK_OK)
        return st;
    const dgk_tensor *params[5] = {a, sa, b, sb, d};
    return dgk_op_launch(op, params, NULL, 5, stream);
}
