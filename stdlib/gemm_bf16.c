/* gemm_bf16.c - the BF16 GEMM entry points dgk_gemm_bf16_{nt,nn,tn,tt}: D = A @ B (+ C)
 * with FP32 accumulation, kernels from stdlib/gemm_bf16.dgk. Layouts as DeepGEMM names
 * them (first letter A, second B): A "N" is [M, K], "T" is [K, M]; B "T" is [N, K],
 * "N" is [K, N]. N and K are compiled into the kernel, M stays a runtime value; the
 * memo makes a repeated shape a lookup plus a launch. */
#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

typedef struct layout {
    const char *name;            /* "nt" */
    const char *fn;              /* "dgk_gemm_bf16_nt", for messages */
    stock_kernel kernel;
    int a_t, b_n;                /* A stored [K, M]; B stored [K, N] */
} layout;

#define LAYOUT(n, at, bn) {#n, "dgk_gemm_bf16_" #n, {"stdlib/gemm_bf16.dgk", dgk_stdlib_gemm_bf16, "gemm_bf16_" #n, 1, 0}, at, bn}
static const layout layouts[] = {LAYOUT(nt, 0, 0), LAYOUT(nn, 0, 1), LAYOUT(tn, 1, 1), LAYOUT(tt, 1, 0)};

/* M, N, K from the operands (the kernel checks every extent again at launch). */
static int problem(const layout *l, const dgk_tensor *a, const dgk_tensor *b, int64_t *m, int64_t *n, int64_t *k)
{
    if (a->rank != 2 || b->rank != 2)
        return 0;
    *m = a->shape[l->a_t ? 1 : 0];
    *k = a->shape[l->a_t ? 0 : 1];
    *n = b->shape[l->b_n ? 1 : 0];
    return 1;
}

static dgk_status gemm(const layout *l, dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                       const dgk_tensor *c, const dgk_tensor *d, void *stream)
{
    int64_t m, n, k;
    if (!a || !b || !d)
        return dgk_fail(DGK_EINVAL, "dgk_gemm_bf16_%s: %s is NULL", l->name, !a ? "a" : !b ? "b" : "d");
    if (!problem(l, a, b, &m, &n, &k) || d->rank != 2)
        return dgk_fail(DGK_ESHAPE, "dgk_gemm_bf16_%s: a, b and d must be 2-D tensors", l->name);
    if (d->dtype != DGK_DTYPE_BF16 && d->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "dgk_gemm_bf16_%s: d must be bf16 or f32", l->name);
    if (c && c->dtype != d->dtype)
        return dgk_fail(DGK_EDTYPE, "dgk_gemm_bf16_%s: c must have d's dtype", l->name);
    dgk_status st = stock_rows_16b(l->fn, "a", a, l->a_t ? "M" : "K");
    if (st == DGK_OK)
        st = stock_rows_16b(l->fn, "b", b, l->b_n ? "N" : "K");
    if (st != DGK_OK)
        return st;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "dgk_gemm_bf16_%s: ctx is NULL", l->name);
    dgk_dtype_id td = d->dtype;
    gemm_shape s = {.m = m, .n = n, .k = k, .in_bytes = 2, .out_bytes = td == DGK_DTYPE_F32 ? 4 : 2,
                    .b_mn_major = l->b_n, .has_c = c != NULL, .can_split = 1};
    const char *extra[2] = {td == DGK_DTYPE_F32 ? "TD=f32" : "TD=bf16", c ? "HAS_C=true" : "HAS_C=false"};
    dgk_op *op;
    st = stock_gemm_op(ctx, &l->kernel, &s, (uint32_t)td << 1 | (c != NULL), extra, 2, &op);
    if (st != DGK_OK)
        return st;
    const dgk_tensor *params[4] = {a, b, c, d};
    return dgk_op_launch(op, params, NULL, 4, stream);
}

#define ENTRY(n, i)                                                                                      \
    dgk_status dgk_gemm_bf16_##n(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,           \
                                 const dgk_tensor *c, const dgk_tensor *d, void *stream)               \
    {                                                                                                    \
        return gemm(&layouts[i], ctx, a, b, c, d, stream);                                               \
    }
ENTRY(nt, 0)
ENTRY(nn, 1)
ENTRY(tn, 2)
ENTRY(tt, 3)
