/* gemm_bf16.c - the BF16 GEMM entry points dgk_gemm_bf16_{nt,nn,tn,tt}: D = A @ B (+ C)
 * with FP32 accumulation, kernels from stdlib/gemm_bf16.dgk. Layouts as DeepGEMM names
 * them (first letter A, second B): A "N" is [M, K], "T" is [K, M]; B "T" is [N, K],
 * "N" is [K, N]. N and K are compiled into the kernel, M stays a runtime value; the
 * memo makes a repeated shape a lookup plus a launch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

typedef struct layout {
    const char *name;            /* "nt" */
    stock_kernel kernel;
    int a_t, b_n;                /* A stored [K, M]; B stored [K, N] */
} layout;

#define LAYOUT(n, at, bn) {#n, {"stdlib/gemm_bf16.dgk", dgk_stdlib_gemm_bf16, "gemm_bf16_" #n}, at, bn}
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

static dgk_status make_op(dgk_context *ctx, const layout *l, const gemm_shape *s, int has_c, dgk_dtype_id td,
                          dgk_op **op)
{
    dgk_device_props props;
    dgk_device_props_get(ctx, &props);
    gemm_config c = gemm_heuristic(s, props.sm_count);
    gemm_tile_override(&c);
    char d[5][48];
    snprintf(d[0], sizeof d[0], "BM=%d", c.bm);
    snprintf(d[1], sizeof d[1], "BN=%d", c.bn);
    snprintf(d[2], sizeof d[2], "TD=%s", td == DGK_DTYPE_F32 ? "f32" : "bf16");
    snprintf(d[3], sizeof d[3], "HAS_C=%s", has_c ? "true" : "false");
    snprintf(d[4], sizeof d[4], "N=%lld", (long long)s->n);
    char kd[48];
    snprintf(kd, sizeof kd, "K=%lld", (long long)s->k);
    const char *defines[6] = {d[0], d[1], d[2], d[3], d[4], kd};
    return stock_op(ctx, &l->kernel, defines, 6, op);
}

static uint64_t memo_id(const layout *l, int64_t n, int64_t k, uint32_t flags)
{
    return (uint64_t)(uintptr_t)l ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)k << 32) ^ flags;
}

static dgk_status gemm(const layout *l, dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                       const dgk_tensor *c, const dgk_tensor *d, void *stream)
{
    int64_t m, n, k;
    if (!ctx || !a || !b || !d)
        return dgk_fail(DGK_EINVAL, "dgk_gemm_bf16_%s: %s is NULL", l->name, !ctx ? "ctx" : !a ? "a" : !b ? "b" : "d");
    if (!problem(l, a, b, &m, &n, &k) || d->rank != 2)
        return dgk_fail(DGK_ESHAPE, "dgk_gemm_bf16_%s: a, b and d must be 2-D tensors", l->name);
    if (d->dtype != DGK_DTYPE_BF16 && d->dtype != DGK_DTYPE_F32)
        return dgk_fail(DGK_EDTYPE, "dgk_gemm_bf16_%s: d must be bf16 or f32", l->name);
    if (c && c->dtype != d->dtype)
        return dgk_fail(DGK_EDTYPE, "dgk_gemm_bf16_%s: c must have d's dtype", l->name);
    dgk_dtype_id td = d->dtype;
    uint32_t flags = (uint32_t)td << 1 | (c != NULL);
    uint64_t id = memo_id(l, n, k, flags);
    gemm_memo *e = dgk_memo_get(ctx, id, (uint64_t)m);
    dgk_op *op;
    if (e && e->m == m && e->n == n && e->k == k && e->flags == flags) {
        op = e->op;
    } else {
        gemm_shape s = {m, n, k, 2, td == DGK_DTYPE_F32 ? 4 : 2, l->b_n, 0};
        dgk_status st = make_op(ctx, l, &s, c != NULL, td, &op);
        if (st != DGK_OK)
            return st;
        gemm_memo *ne = dgk_context_alloc(ctx, sizeof *ne);
        if (ne) {
            *ne = (gemm_memo){m, n, k, flags, op};
            dgk_memo_put(ctx, id, (uint64_t)m, ne, NULL);
        }
    }
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
