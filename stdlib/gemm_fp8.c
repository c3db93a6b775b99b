/* gemm_fp8.c - the FP8 GEMM entry point dgk_gemm_fp8_nt: D = (A * SA) @ (B * SB)^T
 * with DeepSeek's fine-grained scales (A per token and 128 of K, B per 128x128 block),
 * e4m3 inputs, FP32 accumulation with per-K-block promotion, bf16 or f32 output; the
 * kernel is gemm_fp8_nt in stdlib/gemm_fp8.dgk. SM90 FP8 wgmma reads K-major operands
 * only, so this is NT: A [M, K], B [N, K]. Scales are f32: SA [cdiv(K, 128), M] with a
 * row stride that may be padded (TMA needs 16-byte rows: M rounded up to 4), SB
 * [cdiv(N, 128), cdiv(K, 128)]. */
#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

static const stock_kernel fp8_nt = {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_nt"};

static dgk_status check(const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b, const dgk_tensor *sb,
                        const dgk_tensor *d)
{
    const char *fn = "dgk_gemm_fp8_nt";
    if (!a || !sa || !b || !sb || !d)
        return dgk_fail(DGK_EINVAL, "%s: %s is NULL", fn, !a ? "a" : !sa ? "sa" : !b ? "b" : !sb ? "sb" : "d");
    if (a->rank != 2 || b->rank != 2 || d->rank != 2)
        return dgk_fail(DGK_ESHAPE, "%s: a, b and d must be 2-D tensors", fn);
    if (a->dtype != DGK_DTYPE_E4M3 || b->dtype != DGK_DTYPE_E4M3)
        return dgk_fail(DGK_EDTYPE, "%s: a and b must be e4m3", fn);
    if (sa->dtype != DGK_DTYPE_F32 || sb->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "%s: sa and sb must be f32 (ue8m0 scales are an SM100 format)", fn);
    if (d->dtype != DGK_DTYPE_BF16 && d->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "%s: d must be bf16 or f32", fn);
    if (a->shape[1] % 128)
        return dgk_fail(DGK_ESHAPE, "%s: K = %lld is not a multiple of 128 (one scale per 128 of K)", fn,
                        (long long)a->shape[1]);
    return DGK_OK;
}

dgk_status dgk_gemm_fp8_nt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b,
                           const dgk_tensor *sb, const dgk_tensor *d, void *stream)
{
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "dgk_gemm_fp8_nt: ctx is NULL");
    dgk_status st = check(a, sa, b, sb, d);
    if (st != DGK_OK)
        return st;
    dgk_dtype_id td = d->dtype;
    gemm_shape s = {a->shape[0], b->shape[0], a->shape[1], 1, td == DGK_DTYPE_F32 ? 4 : 2, 0, 1, 0};
    const char *extra[1] = {td == DGK_DTYPE_F32 ? "TD=f32" : "TD=bf16"};
    dgk_op *op;
    st = stock_gemm_op(ctx, &fp8_nt, &s, (uint32_t)td, extra, 1, &op);
    if (st != DGK_OK)
        return st;
    const dgk_tensor *params[5] = {a, sa, b, sb, d};
    return dgk_op_launch(op, params, NULL, 5, stream);
}
