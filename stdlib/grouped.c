/* grouped.c - the m-grouped MoE GEMM entry points (dgk.h, stock library section):
 * dgk_m_grouped_gemm_{bf16,fp8}_nt_{contiguous,contiguous_offsets,masked} and
 * dgk_m_grouped_gemm_bf16_nn_contiguous (B stored [G, K, N]), kernels from
 * stdlib/grouped_bf16.dgk and stdlib/grouped_fp8.dgk. Each checks its tensors (dtypes,
 * ranks, consistent extents) before it touches the context, so a bad call fails the same
 * way with or without a GPU, then gets the op from the stock cache (N and K compiled in,
 * BM = 128 for contiguous: the groups' row alignment) and launches it. Group ids and
 * masked counts stay on the device: the kernels read them there. In a debug build
 * (DGK_DEBUG=1, runtime/README.md) the contiguous kernels also check every group id and
 * the entry point waits for the kernel and reports the first bad one. */
#include <stdio.h>

#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

enum { ALIGN_M = 128 };

/* [fp8][form]: form 0 contiguous with group ids, 1 masked, 2 contiguous with offsets */
static const stock_kernel kernels[2][3] = {
    {{"stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16, "m_grouped_bf16_nt_contiguous", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M | STOCK_CLUSTER_DYN},
     {"stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16, "m_grouped_bf16_nt_masked", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M},
     {"stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16, "m_grouped_bf16_nt_contiguous_offsets", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M | STOCK_CLUSTER_DYN}},
    {{"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M | STOCK_CLUSTER_DYN},
     {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_masked", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M},
     {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous_offsets", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M | STOCK_CLUSTER_DYN}},
};

/* BF16 contiguous with B stored [G, K, N] (DeepGEMM's nn form; FP8 wgmma reads only
 * K-major operands on sm_90, so there is no FP8 nn). */
static const stock_kernel bf16_nn = {"stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16, "m_grouped_bf16_nn_contiguous", 0,
                                     STOCK_CLUSTER_N | STOCK_CLUSTER_M | STOCK_CLUSTER_DYN};

/* One call's tensors and the problem extents read from them. */
typedef struct call {
    const char *fn;
    int fp8, masked;
    int offsets;                 /* contiguous with offsets [G + 1] instead of group ids */
    int b_kn;                    /* B stored [G, K, N] (bf16_nn) instead of [G, N, K] */
    const dgk_tensor *a, *sa, *b, *sb, *d, *groups;
    const char *groups_name;     /* "group_ids" or "masked_m" */
    int64_t g, m, n, k;          /* m: all rows (contiguous) or rows per group (masked) */
} call;

static dgk_status check_null(const call *c)
{
    const dgk_tensor *ts[6] = {c->a, c->b, c->d, c->groups, c->sa, c->sb};
    const char *names[6] = {"a", "b", "d", c->groups_name, "sa", "sb"};
    for (int i = 0; i < (c->fp8 ? 6 : 4); i++)
        if (!ts[i])
            return dgk_fail(DGK_EINVAL, "%s: %s is NULL", c->fn, names[i]);
    return DGK_OK;
}

static dgk_status check_dtypes(const call *c)
{
    dgk_dtype_id in = c->fp8 ? DGK_DTYPE_E4M3 : DGK_DTYPE_BF16;
    const char *in_name = c->fp8 ? "e4m3" : "bf16";
    int r = c->masked ? 3 : 2;
    dgk_status s;
    if ((s = stock_want(c->fn, c->a, "a", in, in_name, r, c->masked ? "[G, MMAX, K]" : "[M, K]")) ||
        (s = stock_want(c->fn, c->b, "b", in, in_name, 3, c->b_kn ? "[G, K, N]" : "[G, N, K]")) ||
        (s = stock_want(c->fn, c->d, "d", DGK_DTYPE_BF16, "bf16", r, c->masked ? "[G, MMAX, N]" : "[M, N]")) ||
        (s = stock_want(c->fn, c->groups, c->groups_name, DGK_DTYPE_I32, "i32", 1, c->masked ? "[G]" : c->offsets ? "[G + 1]" : "[M]")))
        return s;
    if (!c->fp8)
        return DGK_OK;
    if ((s = stock_want(c->fn, c->sa, "sa", DGK_DTYPE_F32, "f32", r, c->masked ? "[G, cdiv(K, 128), MMAX]" : "[cdiv(K, 128), M]")))
        return s;
    return stock_want(c->fn, c->sb, "sb", DGK_DTYPE_F32, "f32", 3, "[G, cdiv(N, 128), cdiv(K, 128)]");
}

/* A tensor given without strides: its rows are its last extent long. */
static int dense(const dgk_tensor *t)
{
    return t->stride[t->rank - 1] == 0;
}

/* TMA reads every tensor row by row from 16-byte-aligned starts, so each row's bytes must
 * be whole 16-byte units: a's (and an [G, N, K] b's) rows of K elements, d's (and an
 * [G, K, N] b's) of N, the masked FP8 A scales' of MMAX f32, the contiguous ones' row
 * stride (stock_tma_rows). Checked here, for dense tensors, to name the extent to pad
 * before the op is made; a tensor with padded rows may take any extent, and its row
 * stride is checked where the op encodes its tensor map, as before. */
static dgk_status check_rows(const call *c)
{
    int in = c->fp8 ? 1 : 2;
    const struct {
        int64_t elems;
        int bytes, dense;
        const char *extent, *whose;
    } rows[] = {
        {c->k, in, dense(c->a) && (c->b_kn || dense(c->b)), "K", c->b_kn ? "a's rows" : "a's and b's rows"},
        {c->n, 2, dense(c->d) && (!c->b_kn || dense(c->b)), "N", c->b_kn ? "d's and b's rows" : "d's rows"},
        {c->fp8 && c->masked ? c->m : 0, 4, !c->sa || dense(c->sa), "MMAX", "sa's rows"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int per = 16 / rows[i].bytes;
        if (rows[i].dense && rows[i].elems % per)
            return dgk_fail(DGK_EALIGN, "%s: %s = %lld: TMA reads %s in 16-byte units, so %s must be a multiple of %d (pad it)",
                            c->fn, rows[i].extent, (long long)rows[i].elems, rows[i].whose, rows[i].extent, per);
    }
    return c->fp8 && !c->masked ? stock_tma_rows(c->fn, "sa", c->sa) : DGK_OK;
}

/* G, M, N, K from a and b; every other tensor must agree. */
static dgk_status check_extents(call *c)
{
    const int64_t *as = c->a->shape;
    c->g = c->b->shape[0];
    c->n = c->b->shape[c->b_kn ? 2 : 1];
    c->m = as[c->masked];
    c->k = as[1 + c->masked];
    if (c->k <= 0) /* K is compiled in, and a kernel's shape symbols are positive */
        return dgk_fail(DGK_ESHAPE, "%s: K = %lld (a's columns) must be positive", c->fn, (long long)c->k);
    int64_t kb = (c->k + 127) / 128, nb = (c->n + 127) / 128;
    int64_t a3[3] = {c->g, c->m, c->k}, b3[3] = {c->g, c->b_kn ? c->k : c->n, c->b_kn ? c->n : c->k},
            d3[3] = {c->g, c->m, c->n};
    int64_t sa3[3] = {c->g, kb, c->m}, sb3[3] = {c->g, nb, kb};
    int64_t groups[1] = {c->masked ? c->g : c->offsets ? c->g + 1 : c->m};
    const char *groups_layout = c->masked ? "[G]" : c->offsets ? "[G + 1] with G = b's extent 0" : "[M]";
    dgk_status s;
    if ((c->masked && (s = stock_extents(c->fn, c->a, "a", "[G, MMAX, K] with G = b's extent 0", a3))) ||
        (s = stock_extents(c->fn, c->b, "b", c->b_kn ? "[G, K, N] with a's K" : "[G, N, K] with a's K", b3)) ||
        (s = stock_extents(c->fn, c->d, "d", c->masked ? "[G, MMAX, N]" : "[M, N]", c->masked ? d3 : d3 + 1)) ||
        (s = stock_extents(c->fn, c->groups, c->groups_name, groups_layout, groups)))
        return s;
    if (!c->fp8)
        return check_rows(c);
    if (c->k % 128)
        return dgk_fail(DGK_ESHAPE, "%s: K = %lld is not a multiple of 128 (one scale per 128 of K)", c->fn,
                        (long long)c->k);
    if ((s = stock_extents(c->fn, c->sa, "sa", c->masked ? "[G, cdiv(K, 128), MMAX]" : "[cdiv(K, 128), M]", c->masked ? sa3 : sa3 + 1)) ||
        (s = stock_extents(c->fn, c->sb, "sb", "[G, cdiv(N, 128), cdiv(K, 128)]", sb3)))
        return s;
    return check_rows(c);
}

static dgk_status check(call *c)
{
    dgk_status s;
    if ((s = check_null(c)) || (s = check_dtypes(c)))
        return s;
    return check_extents(c);
}

/* Masked groups of 24 expected rows or fewer take a tile of fewer than 64 rows, computed
 * with the operands swapped (gemm_heuristic.c, masked_swap_bm; the planner then drops
 * skip_idle). Otherwise the kernel's skip_idle (a warpgroup with no valid row in its tile skips its
 * math) when the expected rows per group leave the second 64-row warpgroup of their last
 * 128-row block idle (the usual masked tile; at BM = 256 a warpgroup holds 128 rows and
 * this rule is only an approximation, at BM = 64 there is one warpgroup and nothing to
 * skip). Measured on the H100 (tests/gpu/results/2026-11-26-H100-masked-skip/):
 * 2-4% faster at 32 x 20 and 32 x 192 rows, 2-9% slower at 6 x 1024, where few tiles skip;
 * the op memo keys on it (flags), since G x expected_m alone does not tell these apart. */
static int masked_skip_idle(int expected_m)
{
    int last = expected_m % 128;
    return last > 0 && last <= 64;
}

/* Validates, then compiles (first use) and launches. `expected_m` is 0 for contiguous. */
static dgk_status run(dgk_context *ctx, call *c, int expected_m, void *stream)
{
    dgk_status s = check(c);
    if (s != DGK_OK)
        return s;
    if (c->masked && expected_m <= 0)
        return dgk_fail(DGK_EINVAL, "%s: expected_m = %d must be positive (the expected valid rows per group)", c->fn,
                        expected_m);
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "%s: ctx is NULL", c->fn);
    int64_t m = c->masked ? (int64_t)expected_m * c->g : c->m;
    gemm_shape shape = {.m = m, .n = c->n, .k = c->k, .in_bytes = c->fp8 ? 1 : 2, .out_bytes = 2, .b_mn_major = c->b_kn, .fp8 = c->fp8,
                        .masked_rows = c->masked ? expected_m : 0,
                        .contig_cluster_m = c->masked ? 0 : c->offsets ? 2 : 1};
    dgk_op *op;
    const stock_kernel *k = c->b_kn ? &bf16_nn : &kernels[c->fp8][c->offsets ? 2 : c->masked];
    static const char *const skip[] = {"SKIP=1"};
    int skip_idle = c->masked && masked_skip_idle(expected_m);
    s = stock_gemm_op_bm(ctx, k, &shape, c->masked ? 0 : ALIGN_M, (uint32_t)skip_idle, skip, skip_idle, &op);
    if (s != DGK_OK)
        return s;
    if (c->fp8) {
        const dgk_tensor *params[6] = {c->a, c->sa, c->b, c->sb, c->groups, c->d};
        s = dgk_op_launch(op, params, NULL, 6, stream);
        return s != DGK_OK || c->masked || c->offsets || !dgk_op_is_debug(op) ? s : stock_check_group_ids(c->fn, op, stream, c->g);
    }
    const dgk_tensor *params[4] = {c->a, c->b, c->groups, c->d};
    s = dgk_op_launch(op, params, NULL, 4, stream);
    return s != DGK_OK || c->masked || c->offsets || !dgk_op_is_debug(op) ? s : stock_check_group_ids(c->fn, op, stream, c->g);
}

dgk_status dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                         const dgk_tensor *d, const dgk_tensor *offsets, void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_bf16_nt_contiguous_offsets", .offsets = 1, .a = a, .b = b, .d = d,
              .groups = offsets, .groups_name = "offsets"};
    return run(ctx, &c, 0, stream);
}

dgk_status dgk_m_grouped_gemm_fp8_nt_contiguous_offsets(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                        const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                        const dgk_tensor *offsets, void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_fp8_nt_contiguous_offsets", .fp8 = 1, .offsets = 1, .a = a, .sa = sa, .b = b,
              .sb = sb, .d = d, .groups = offsets, .groups_name = "offsets"};
    return run(ctx, &c, 0, stream);
}

int dgk_m_grouped_alignment(void)
{
    return ALIGN_M;
}

dgk_status dgk_m_grouped_gemm_bf16_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const dgk_tensor *group_ids, void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_bf16_nt_contiguous", .a = a, .b = b, .d = d, .groups = group_ids,
              .groups_name = "group_ids"};
    return run(ctx, &c, 0, stream);
}

dgk_status dgk_m_grouped_gemm_bf16_nn_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const dgk_tensor *group_ids, void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_bf16_nn_contiguous", .b_kn = 1, .a = a, .b = b, .d = d, .groups = group_ids,
              .groups_name = "group_ids"};
    return run(ctx, &c, 0, stream);
}

dgk_status dgk_m_grouped_gemm_fp8_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                const dgk_tensor *group_ids, void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_fp8_nt_contiguous", .fp8 = 1, .a = a, .sa = sa, .b = b, .sb = sb, .d = d,
              .groups = group_ids, .groups_name = "group_ids"};
    return run(ctx, &c, 0, stream);
}

dgk_status dgk_m_grouped_gemm_bf16_nt_masked(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                             const dgk_tensor *d, const dgk_tensor *masked_m, int expected_m,
                                             void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_bf16_nt_masked", .masked = 1, .a = a, .b = b, .d = d, .groups = masked_m,
              .groups_name = "masked_m"};
    return run(ctx, &c, expected_m, stream);
}

dgk_status dgk_m_grouped_gemm_fp8_nt_masked(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                            const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                            const dgk_tensor *masked_m, int expected_m, void *stream)
{
    call c = {.fn = "dgk_m_grouped_gemm_fp8_nt_masked", .fp8 = 1, .masked = 1, .a = a, .sa = sa, .b = b, .sb = sb,
              .d = d, .groups = masked_m, .groups_name = "masked_m"};
    return run(ctx, &c, expected_m, stream);
}
