/* k_grouped.c - the K-grouped weight gradients for Mixture-of-Experts (dgk.h, stock
 * library section): dgk_k_grouped_fp8_gemm_nt_contiguous (kernel k_grouped_fp8_wgrad in
 * stdlib/k_grouped_fp8.dgk, D[g] += A_g @ B_g^T with DeepSeek's 1x128 scales) and
 * dgk_k_grouped_bf16_gemm_tn_contiguous (k_grouped_bf16_wgrad in k_grouped_bf16.dgk,
 * D[g] += A_g^T @ B_g, both operands stored K-outer). The tokens of all groups are
 * stacked along K; group g owns K indices offsets[g] .. offsets[g + 1] - 1. The two
 * forms share everything but their operands (kg_form: fp8_nt, bf16_tn).
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

/* One entry point: its kernel, its operands' dtype and layout, and the checks only it
 * has (the FP8 form's scales, the BF16 form's row alignment). */
typedef struct kcall kcall;
typedef struct kg_form {
    const char *fn;              /* the entry point, for messages */
    stock_kernel kernel;
    dgk_dtype_id in;             /* A's and B's dtype */
    const char *in_name;
    int in_bytes;
    int k_outer;                 /* A [K, M] and B [K, N] (else [M, K] and [N, K]) */
    const char *a_layout, *b_layout, *b_extents;  /* b_extents: b_layout with a's K, for stock_extents */
    dgk_status (*check_more)(const kcall *c);  /* after the shared extents; sets nothing */
    int nulls;                   /* how many of kcall's pointers it takes (check_null's order) */
    int device_align;            /* the kernel's BK (k_grouped_fp8.dgk 128, k_grouped_bf16.dgk 64):
                                  * what its DGK_DEBUG check asks of the device offsets (the host
                                  * copy must be multiples of ALIGN_K) */
    int min_stages;              /* gemm_shape.min_stages. BF16: 4, which leaves out 128 x 192
                                  * (3 stages beside its f32 staging): on an H200 128 x 128 (5)
                                  * ran DeepGEMM's six k-grouped shapes level to 12% faster on
                                  * the same draws (tests/gpu/results/2026-11-28-H200-k-grouped-bf16/) */
    int wide_passes;             /* > 0: the kernel has PASSES (store_passes), and with M and N
                                  * of WIDE_MIN or more takes 128 x 256 stored in this many
                                  * passes (wide_rule) */
} kg_form;

/* One call's form, tensors and extents. */
struct kcall {
    const kg_form *f;
    const dgk_tensor *a, *sa, *b, *sb, *d, *offsets;
    const int *ks;
    int g;
    int64_t m, n, k;             /* k: the stacked K */
};

static dgk_status check_null(const kcall *c)
{
    const void *ps[7] = {c->a, c->b, c->d, c->offsets, c->ks, c->sa, c->sb};
    const char *names[7] = {"a", "b", "d", "offsets", "ks", "sa", "sb"};
    for (int i = 0; i < c->f->nulls; i++)
        if (!ps[i])
            return dgk_fail(DGK_EINVAL, "%s: %s is NULL", c->f->fn, names[i]);
    return DGK_OK;
}

/* ue8m0 B scales 1x128 are not lowered on sm90 (plan_mainloop.c), so the kernel is f32 */
#define F32_SCALES "f32 (this kernel reads f32 scales; ue8m0 ones are taken by dgk_gemm_fp8_nt only)"

/* The FP8 form's scales: f32 [K / 128, M] and [K / 128, N], one row per 128 of K, read by TMA. */
static dgk_status check_scales(const kcall *c)
{
    const char *fn = c->f->fn;
    int64_t kb = c->k / ALIGN_K;
    int64_t sa2[2] = {kb, c->m}, sb2[2] = {kb, c->n};
    dgk_status s;
    if ((s = stock_want(fn, c->sa, "sa", DGK_DTYPE_F32, F32_SCALES, 2, "[K / 128, M]")) ||
        (s = stock_want(fn, c->sb, "sb", DGK_DTYPE_F32, F32_SCALES, 2, "[K / 128, N]")) ||
        (s = stock_extents(fn, c->sa, "sa", "[K / 128, M]", sa2)) ||
        (s = stock_extents(fn, c->sb, "sb", "[K / 128, N] (one scale per column and 128 of K)", sb2)) ||
        (s = stock_tma_rows(fn, "sa", c->sa)))
        return s;
    return stock_tma_rows(fn, "sb", c->sb);
}

/* The BF16 form's K-outer operands: TMA reads rows of M and N elements. */
static dgk_status check_rows(const kcall *c)
{
    dgk_status s = stock_rows_16b(c->f->fn, "a", c->a, "M");
    return s != DGK_OK ? s : stock_rows_16b(c->f->fn, "b", c->b, "N");
}

static const kg_form fp8_nt = {
    .fn = "dgk_k_grouped_fp8_gemm_nt_contiguous",
    .kernel = {"stdlib/k_grouped_fp8.dgk", dgk_stdlib_k_grouped_fp8, "k_grouped_fp8_wgrad", 0, 0},
    .in = DGK_DTYPE_E4M3, .in_name = "e4m3", .in_bytes = 1, .k_outer = 0, .a_layout = "[M, K]", .b_layout = "[N, K]",
    .b_extents = "[N, K] with a's K",
    .check_more = check_scales, .nulls = 7, .device_align = 128, .min_stages = 0};
static const kg_form bf16_tn = {
    .fn = "dgk_k_grouped_bf16_gemm_tn_contiguous",
    .kernel = {"stdlib/k_grouped_bf16.dgk", dgk_stdlib_k_grouped_bf16, "k_grouped_bf16_wgrad", 0, 0},
    .in = DGK_DTYPE_BF16, .in_name = "bf16", .in_bytes = 2, .k_outer = 1, .a_layout = "[K, M]", .b_layout = "[K, N]",
    .b_extents = "[K, N] with a's K",
    .check_more = check_rows, .nulls = 5, .device_align = 64, .min_stages = 4, .wide_passes = 4};

static dgk_status check_dtypes(const kcall *c)
{
    const kg_form *f = c->f;
    dgk_status s;
    if ((s = stock_want(f->fn, c->a, "a", f->in, f->in_name, 2, f->a_layout)) ||
        (s = stock_want(f->fn, c->b, "b", f->in, f->in_name, 2, f->b_layout)) ||
        (s = stock_want(f->fn, c->d, "d", DGK_DTYPE_F32, "f32 (the gradients are accumulated into it)", 3, "[G, M, N]")))
        return s;
    return stock_want(f->fn, c->offsets, "offsets", DGK_DTYPE_I32, "i32", 1, "[G + 1]");
}

static dgk_status check_extents(kcall *c)
{
    const kg_form *f = c->f;
    c->m = c->a->shape[f->k_outer];
    c->k = c->a->shape[!f->k_outer];
    c->n = c->b->shape[f->k_outer];
    if (c->k % ALIGN_K)
        return dgk_fail(DGK_ESHAPE, "%s: the stacked K = %lld is not a multiple of 128 (each group's K is)", f->fn,
                        (long long)c->k);
    int64_t b2[2] = {f->k_outer ? c->k : c->n, f->k_outer ? c->n : c->k}, d3[3] = {c->g, c->m, c->n};
    int64_t offs[1] = {(int64_t)c->g + 1};
    dgk_status s;
    if ((s = stock_extents(f->fn, c->b, "b", f->b_extents, b2)) ||
        (s = stock_extents(f->fn, c->d, "d", "[G, M, N] with G = num_groups", d3)) || (s = f->check_more(c)))
        return s;
    return stock_extents(f->fn, c->offsets, "offsets", "[G + 1] (the cumulative offsets 0, ks[0], ks[0] + ks[1], ...)", offs);
}

/* The host copy of the group sizes: each a multiple of 128 (the FP8 form's K block never
 * straddles two groups: its scales are one row of sa / sb; the BF16 form asks the same, as
 * DeepGEMM does), all adding up to the stacked K. Returns the number of non-empty groups
 * through *busy. */
static dgk_status check_ks(const kcall *c, int *busy)
{
    int64_t sum = 0;
    *busy = 0;
    for (int g = 0; g < c->g; g++) {
        if (c->ks[g] < 0 || c->ks[g] % ALIGN_K)
            return dgk_fail(DGK_ESHAPE, "%s: ks[%d] = %d must be a non-negative multiple of 128 (dgk_k_grouped_alignment(): group K ranges are aligned to the 128-wide scale blocks of the FP8 form, and both forms share it)",
                            c->f->fn, g, c->ks[g]);
        sum += c->ks[g];
        *busy += c->ks[g] > 0;
    }
    if (sum != c->k)
        return dgk_fail(DGK_ESHAPE, "%s: the group sizes ks add up to %lld, but a and b hold K = %lld stacked along K", c->f->fn,
                        (long long)sum, (long long)c->k);
    return DGK_OK;
}

/* The launch memo entry: the exact key it was made for, and its op. */
typedef struct kg_memo {
    int64_t m, n, busy;
    dgk_op *op;
} kg_memo;

/* The BF16 form's wide tile: 128 x 256 with its f32 tile stored in 4 passes (32 KB of
 * staging, so 4 stages fit; whole, 128 KB leaves 2). Against the heuristic's 128 x 128 (5
 * stages) on DeepGEMM's six k-grouped shapes, two draws each: 11 of 12 faster, +3..+14%
 * (4 groups of M 4096, N 7168: 771 -> 795 and 772 -> 801 TFLOPS, 0.97 / 0.95 -> 0.99 of
 * cuBLASLt), one 1.5% slower (4 x 7168 x 2048, second draw); 2 passes (3 stages) in
 * between (H200, tests/gpu/results/2026-11-28-H200-store-passes/). The FP8 form's 128 x
 * 192 in 2 passes (4 stages) ran slower than whole (3 stages): it keeps its tile. Shapes
 * below WIDE_MIN were not timed: they keep the heuristic's. */
enum { WIDE_MIN = 2048 };

static void wide_rule(const kcall *c, gemm_config *cfg)
{
    if (c->f->wide_passes > 0 && c->m >= WIDE_MIN && c->n >= WIDE_MIN) {
        cfg->bm = 128;
        cfg->bn = 256;
        cfg->passes = c->f->wide_passes;
    }
}

/* The tile: the heuristic over the output tiles of the non-empty groups (their count
 * times one group's M, so waves are counted right); N compiled in, M and K runtime. */
static dgk_status compile_op(dgk_context *ctx, const kcall *c, int busy, dgk_op **op)
{
    dgk_device_props props;
    dgk_device_props_get(ctx, &props);
    int64_t per_group = c->k / (busy > 0 ? busy : 1);
    int fp8 = c->f->in == DGK_DTYPE_E4M3;
    gemm_shape s = {.m = c->m * (busy > 0 ? busy : 1), .n = c->n, .k = per_group, .in_bytes = c->f->in_bytes,
                    .out_bytes = 4, .b_mn_major = c->f->k_outer, .fp8 = fp8, .sb_per_column = fp8,
                    .min_stages = c->f->min_stages};
    gemm_config cfg = gemm_heuristic(&s, props.sm_count);
    wide_rule(c, &cfg);
    const int bn = cfg.bn;
    gemm_tile_override(&cfg);
    if (cfg.bn != bn)
        cfg.passes = 0; /* a forced tile is stored whole unless DGK_GEMM_PASSES says */
    gemm_swizzle_override(&cfg);
    gemm_passes_override(&cfg);
    dgk_status st = stock_check_clusters(&c->f->kernel, &cfg); /* it has none: a forced one is an error */
    if (st != DGK_OK)
        return st;
    char d[5][48];
    int n = 0;
    snprintf(d[n++], sizeof d[0], "BM=%d", cfg.bm);
    snprintf(d[n++], sizeof d[0], "BN=%d", cfg.bn);
    snprintf(d[n++], sizeof d[0], "N=%lld", (long long)c->n);
    if (cfg.swizzle)
        snprintf(d[n++], sizeof d[0], "SWIZZLE=%d", cfg.swizzle);
    if (cfg.passes > 1)
        snprintf(d[n++], sizeof d[0], "PASSES=%d", cfg.passes);
    const char *defines[5] = {d[0], d[1], d[2], d[3], d[4]};
    return stock_op(ctx, &c->f->kernel, defines, n, op);
}

static dgk_status get_op(dgk_context *ctx, const kcall *c, int busy, dgk_op **op)
{
    uint64_t id = (uint64_t)(uintptr_t)c->f ^ ((uint64_t)c->n * 0x9e3779b97f4a7c15ull);
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
 * (non-decreasing multiples of its BK, device_align, within K); wait for it and report the
 * first bad one. Release builds return at once. */
static dgk_status check_offsets(const kcall *c, dgk_op *op, void *stream)
{
    uint64_t w;
    dgk_status s = dgk_op_debug_word(op, stream, &w);
    if (s != DGK_OK || w == DGK_DEBUG_NONE)
        return s;
    return dgk_fail(DGK_EINVAL, "%s: offsets[%lld] = %d on the device is invalid: the offsets must not decrease, be multiples of %d and lie in 0 .. K = %lld [DGK_DEBUG check]",
                    c->f->fn, (long long)(w >> 32), (int)(uint32_t)w, c->f->device_align, (long long)c->k);
}

int dgk_k_grouped_alignment(void)
{
    return ALIGN_K;
}

/* Both entry points: checks, then the memoized op and the launch. `params` are the
 * kernel's tensor arguments in order. */
static dgk_status k_grouped(dgk_context *ctx, kcall *c, const dgk_tensor *const *params, int n_params, void *stream)
{
    dgk_status s;
    if (c->g <= 0)
        return dgk_fail(DGK_EINVAL, "%s: num_groups = %d must be positive", c->f->fn, c->g);
    int busy;
    if ((s = check_null(c)) || (s = check_dtypes(c)) || (s = check_extents(c)) || (s = check_ks(c, &busy)))
        return s;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "%s: ctx is NULL", c->f->fn);
    if (busy == 0 || c->m == 0 || c->n == 0)
        return DGK_OK; /* every group empty (or D empty): D += 0 */
    dgk_op *op;
    if ((s = get_op(ctx, c, busy, &op)) != DGK_OK)
        return s;
    s = dgk_op_launch(op, params, NULL, n_params, stream);
    return s != DGK_OK || !dgk_op_is_debug(op) ? s : check_offsets(c, op, stream);
}

dgk_status dgk_k_grouped_fp8_gemm_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                const int *ks, int num_groups, const dgk_tensor *offsets,
                                                void *stream)
{
    kcall c = {.f = &fp8_nt, .a = a, .sa = sa, .b = b, .sb = sb, .d = d, .offsets = offsets, .ks = ks, .g = num_groups};
    const dgk_tensor *params[6] = {a, sa, b, sb, d, offsets};
    return k_grouped(ctx, &c, params, 6, stream);
}

dgk_status dgk_k_grouped_bf16_gemm_tn_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const int *ks, int num_groups,
                                                 const dgk_tensor *offsets, void *stream)
{
    kcall c = {.f = &bf16_tn, .a = a, .b = b, .d = d, .offsets = offsets, .ks = ks, .g = num_groups};
    const dgk_tensor *params[4] = {a, b, d, offsets};
    return k_grouped(ctx, &c, params, 4, stream);
}
