/* grouped_swiglu.c - dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous (dgk.h): the fused MoE
 * up-projection, kernel m_grouped_fp8_swiglu_nt_contiguous of stdlib/moe_fp8.dgk (two
 * accumulators, compiler/plan_dual.c). Like the other grouped entry points (grouped.c) it
 * checks its tensors before it touches the context, so a bad call fails the same way with
 * or without a GPU, then gets the op with K and I compiled in (BM 128, the groups' row
 * alignment; BN 64, the kernel's: 2 x 128 FP8 columns would need 256 accumulator
 * registers), remembered per (K, I) in the context's memo, and launches it. No tile
 * choice: the kernel has one tile. */
#include <stdint.h>
#include <stdio.h>

#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

static const char fn[] = "dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous";
static const stock_kernel kernel = {"stdlib/moe_fp8.dgk", dgk_stdlib_moe_fp8,
                                    "m_grouped_fp8_swiglu_nt_contiguous", 0, 0};

typedef struct swiglu_call {
    const dgk_tensor *a, *sa, *b, *sb, *d, *ids;
    int64_t g, m, i, k;
} swiglu_call;

static dgk_status check_types(const swiglu_call *c)
{
    const dgk_tensor *ts[6] = {c->a, c->sa, c->b, c->sb, c->d, c->ids};
    static const char *const names[6] = {"a", "sa", "b", "sb", "d", "group_ids"};
    for (int i = 0; i < 6; i++)
        if (!ts[i])
            return dgk_fail(DGK_EINVAL, "%s: %s is NULL", fn, names[i]);
    dgk_status s;
    if ((s = stock_want(fn, c->a, "a", DGK_DTYPE_E4M3, "e4m3", 2, "[M, K]")) ||
        (s = stock_want(fn, c->sa, "sa", DGK_DTYPE_F32, "f32", 2, "[cdiv(K, 128), M]")) ||
        (s = stock_want(fn, c->b, "b", DGK_DTYPE_E4M3, "e4m3", 3, "[G, 2I, K]")) ||
        (s = stock_want(fn, c->sb, "sb", DGK_DTYPE_F32, "f32", 3, "[G, cdiv(2I, 128), cdiv(K, 128)]")) ||
        (s = stock_want(fn, c->d, "d", DGK_DTYPE_BF16, "bf16", 2, "[M, I]")))
        return s;
    return stock_want(fn, c->ids, "group_ids", DGK_DTYPE_I32, "i32", 1, "[M]");
}

/* G, M, K from a and b, I from d; b's rows are each expert's gate rows, then its up rows. */
static dgk_status check_extents(swiglu_call *c)
{
    c->g = c->b->shape[0];
    c->m = c->a->shape[0];
    c->k = c->a->shape[1];
    c->i = c->d->shape[1];
    const int64_t kb = (c->k + 127) / 128;
    /* the kernel's shapes are 32-bit, and 2I must be one too */
    if (c->i <= 0 || c->i % 128 || c->i > INT32_MAX / 2)
        return dgk_fail(DGK_ESHAPE, "%s: I = %lld (d's columns) must be a positive multiple of 128 (each half of b's rows in whole 128-row scale blocks), at most %d",
                        fn, (long long)c->i, INT32_MAX / 2);
    if (c->k <= 0 || c->k % 128 || c->k > INT32_MAX)
        return dgk_fail(DGK_ESHAPE, "%s: K = %lld must be a positive multiple of 128 (one scale per 128 of K)", fn,
                        (long long)c->k);
    const int64_t b3[3] = {c->g, 2 * c->i, c->k}, d2[2] = {c->m, c->i}, sa2[2] = {kb, c->m},
                  sb3[3] = {c->g, 2 * c->i / 128, kb}, ids[1] = {c->m};
    dgk_status s;
    if ((s = stock_extents(fn, c->b, "b", "[G, 2I, K] with a's K and d's I (gate rows, then up rows)", b3)) ||
        (s = stock_extents(fn, c->d, "d", "[M, I] with a's M", d2)) ||
        (s = stock_extents(fn, c->sa, "sa", "[cdiv(K, 128), M]", sa2)) ||
        (s = stock_extents(fn, c->sb, "sb", "[G, cdiv(2I, 128), cdiv(K, 128)]", sb3)) ||
        (s = stock_extents(fn, c->ids, "group_ids", "[M]", ids)))
        return s;
    return stock_tma_rows(fn, "sa", c->sa);
}

/* The launch memo's entry: a repeated (K, I) is one lookup, as for the other stock
 * entries (stock_gemm_op), not three definitions formatted and hashed per call. */
typedef struct swiglu_memo {
    int64_t k, i;
    dgk_op *op;
} swiglu_memo;

/* The op with K and I compiled in (BM and BN the kernel's). */
static dgk_status op_for(dgk_context *ctx, int64_t k, int64_t i, dgk_op **op)
{
    const uint64_t id = (uint64_t)(uintptr_t)&kernel ^ ((uint64_t)k * 0x9e3779b97f4a7c15ull);
    swiglu_memo *e = dgk_memo_get(ctx, id, (uint64_t)i);
    if (e && e->k == k && e->i == i)
        return (*op = e->op), DGK_OK;
    char k_def[32], i_def[32], n2_def[32];
    snprintf(k_def, sizeof k_def, "K=%lld", (long long)k);
    snprintf(i_def, sizeof i_def, "I=%lld", (long long)i);
    snprintf(n2_def, sizeof n2_def, "N2=%lld", (long long)(2 * i));
    const char *const defines[3] = {k_def, i_def, n2_def};
    dgk_status s = stock_op(ctx, &kernel, defines, 3, op);
    if (s != DGK_OK || e)
        return s;
    e = dgk_context_alloc(ctx, sizeof *e);
    if (e) {
        *e = (swiglu_memo){k, i, *op};
        dgk_memo_put(ctx, id, (uint64_t)i, e, NULL);
    }
    return DGK_OK;
}

dgk_status dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                       const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                       const dgk_tensor *group_ids, void *stream)
{
    swiglu_call c = {.a = a, .sa = sa, .b = b, .sb = sb, .d = d, .ids = group_ids};
    dgk_status s;
    if ((s = check_types(&c)) || (s = check_extents(&c)))
        return s;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "%s: ctx is NULL", fn);
    dgk_op *op;
    if ((s = op_for(ctx, c.k, c.i, &op)))
        return s;
    const dgk_tensor *params[6] = {a, sa, b, sb, group_ids, d};
    s = dgk_op_launch(op, params, NULL, 6, stream);
    return s != DGK_OK || !dgk_op_is_debug(op) ? s : stock_check_group_ids(fn, op, stream, c.g);
}
