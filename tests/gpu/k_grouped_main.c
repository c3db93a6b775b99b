/* k_grouped_main.c - dgk-k-grouped: correctness check and benchmark of the K-grouped
 * weight gradients, dgk_k_grouped_fp8_gemm_nt_contiguous and (--dtype bf16)
 * dgk_k_grouped_bf16_gemm_tn_contiguous (stdlib/k_grouped.c), on
 * DeepGEMM's k-grouped shapes (its test_k_grouped_gemm_contiguous: (groups, M, N,
 * expected K per group) with each group's K drawn 0.7x..1.3x and aligned up to 128)
 * plus edge cases (an empty group, a group of exactly K = 128, all groups but one empty).
 *
 * Data flow per case: fresh random BF16 A [M, K] and B [N, K] (K = the groups' K stacked)
 * quantized per row and 128 of K (the 1x128/1x128 recipe of the dense weight gradient;
 * groups are 128-aligned, so this is per-group quantization); C f32 [G, M, N] random, D a
 * copy of C followed by a poisoned guard region; the reference per group is the product
 * of the unquantized BF16 slices A[:, off_g : off_g + k_g] B[:, ...]^T plus C_g on CUDA
 * cores (harness_ref.cu); after the call every group must hold C_g + A_g B_g^T with
 * DeepGEMM's diff < 1e-3, a non-empty group may leave only the chance number of elements
 * bit-equal to C (gh_unchanged_allowed), an empty group all of them, and the guard must
 * still hold the poison (no write past D). Each spec also runs the call captured in a
 * CUDA graph, replayed after the device offsets changed to another partition of the same
 * K (the kernel reads them on the device; only the host copy is fixed at capture).
 *
 * The BF16 form (--dtype bf16): A [K, M] and B [K, N] bf16 (both K-outer), no quantization,
 * the reference from the same BF16 slices (A_g^T B_g + C_g), diff < 1e-9 (its output is f32:
 * the runs read 3e-15..7e-11, while a tile rounded to bf16 on its way would read ~1e-6 and
 * pass DeepGEMM's BF16 bar of 1e-5) and the harness's chance allowance for elements left
 * equal to C (gh_unchanged_allowed: on an H200, 1 per group in 14.7-29.4 million, at most 3
 * per pass, were, with the product right).
 *
 * --bench times the call (L2 flushed, median) beside the same work as one launch per
 * group of the dense baseline: FP8 dgk_gemm_fp8_wgrad_nt, BF16 cuBLASLt (BF16 in, f32 C = D
 * accumulated in place; each group's cuBLASLt plan is made before the timing and kept,
 * harness_cublaslt.c); its TFLOPS and our speedup over it.
 *
 *   dgk-k-grouped [--dtype fp8|bf16] [--shapes full|quick|tiny] [--bench] [--reps N] [--seed S]
 * Exit status 0 when every case passed (--bench: when every call succeeded). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgk.h"
#include "dgk_dense.h"
#include "harness.h"

enum { MAX_G = 16, GUARD = 1 << 16 };

typedef struct kg_spec {
    int groups, m, n, expected_k;
    int edge;  /* 0: drawn sizes; 1: group 0 empty, group 1 K = 128; 2: only the last group non-empty */
} kg_spec;

/* DeepGEMM's k-grouped set (EP64, EP32, EP16). */
static const kg_spec deepgemm[] = {
    {4, 4096, 7168, 8192, 0}, {4, 7168, 2048, 8192, 0}, {8, 4096, 7168, 4096, 0},
    {8, 7168, 2048, 4096, 0}, {16, 4096, 7168, 2048, 0}, {16, 7168, 2048, 2048, 0},
};
static const kg_spec edges[] = {
    {4, 4096, 7168, 8192, 1}, {8, 7168, 2048, 4096, 1}, {8, 4096, 7168, 4096, 2},
};
/* Small shapes with partial tiles (M, N not multiples of 128) for a first run. */
static const kg_spec tiny[] = {
    {4, 320, 384, 512, 0}, {4, 320, 384, 512, 1}, {8, 200, 136, 256, 2}, {2, 128, 128, 128, 0},
};

typedef struct kg_ctx {
    dgk_context *dgk;
    cudaStream_t s;
    uint64_t seed;
    int reps;
    int bf16;  /* the BF16 form (--dtype bf16) */
} kg_ctx;

/* ks of a spec: the drawn sizes (0.7x..1.3x the expected K, aligned up to 128) and the
 * edge cases. A small LCG keeps the draw reproducible from the seed. */
static void draw_ks(const kg_spec *sp, uint64_t seed, int *ks)
{
    uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
    for (int g = 0; g < sp->groups; g++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        double u = 0.7 + 0.6 * (double)(x >> 11) / 9007199254740992.0;
        ks[g] = (int)gh_align((int64_t)(sp->expected_k * u), 128);
    }
    if (sp->edge == 1) {
        ks[0] = 0;
        ks[1] = 128;
    } else if (sp->edge == 2) {
        for (int g = 0; g + 1 < sp->groups; g++)
            ks[g] = 0;
    }
}

static int64_t sum_ks(const int *ks, int g)
{
    int64_t s = 0;
    for (int i = 0; i < g; i++)
        s += ks[i];
    return s;
}

/* The buffers of one case (the BF16 form: a16 [K, M], b16 [K, N], no a8 .. slice_b). */
typedef struct kg_case {
    kg_spec sp;
    int bf16;
    int ks[MAX_G];
    int64_t kt, mn;
    void *a16, *b16, *a8, *b8, *slice_a, *slice_b;
    float *sa, *sb, *c, *d, *ref;
    int *offs;
    int64_t sa_ld, sb_ld;
} kg_case;

static void case_free(kg_case *c)
{
    void *ps[] = {c->a16, c->b16, c->a8, c->b8, c->slice_a, c->slice_b, c->sa, c->sb, c->c, c->d, c->ref, c->offs};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        gh_free(ps[i]);
    memset(c, 0, sizeof *c);
}

static int alloc_all(kg_case *c)
{
    int64_t m = c->sp.m, n = c->sp.n, g = c->sp.groups, kt = c->kt, kmax = 128;
    for (int i = 0; i < g; i++)
        kmax = c->ks[i] > kmax ? c->ks[i] : kmax;
    c->sa_ld = gh_align(m, 4);
    c->sb_ld = gh_align(n, 4);
    c->mn = m * n;
    GH_TRY(gh_malloc(&c->a16, (size_t)(m * kt * 2)));
    GH_TRY(gh_malloc(&c->b16, (size_t)(n * kt * 2)));
    GH_TRY(gh_malloc((void **)&c->c, (size_t)((g * c->mn + GUARD) * 4)));
    GH_TRY(gh_malloc((void **)&c->d, (size_t)((g * c->mn + GUARD) * 4)));
    GH_TRY(gh_malloc((void **)&c->ref, (size_t)(g * c->mn * 4)));
    GH_TRY(gh_malloc((void **)&c->offs, (size_t)((g + 1) * 4)));
    if (c->bf16)
        return GH_OK;
    GH_TRY(gh_malloc(&c->a8, (size_t)(m * kt)));
    GH_TRY(gh_malloc(&c->b8, (size_t)(n * kt)));
    GH_TRY(gh_malloc(&c->slice_a, (size_t)(m * kmax * 2)));
    GH_TRY(gh_malloc(&c->slice_b, (size_t)(n * kmax * 2)));
    GH_TRY(gh_malloc((void **)&c->sa, (size_t)((kt / 128 + 1) * c->sa_ld * 4)));
    GH_TRY(gh_malloc((void **)&c->sb, (size_t)((kt / 128 + 1) * c->sb_ld * 4)));
    return GH_OK;
}

/* Random inputs, quantized (FP8); C random with a poisoned guard after it. */
static int case_setup(kg_case *c, const kg_spec *sp, int bf16, uint64_t seed, cudaStream_t s)
{
    memset(c, 0, sizeof *c);
    c->sp = *sp;
    c->bf16 = bf16;
    draw_ks(sp, seed, c->ks);
    c->kt = sum_ks(c->ks, sp->groups);
    GH_TRY(alloc_all(c));
    int64_t m = sp->m, n = sp->n, g = sp->groups;
    GH_TRY(gh_fill_random(c->a16, GH_BF16, (size_t)(m * c->kt), gh_seed_mix(seed, 1), s));
    GH_TRY(gh_fill_random(c->b16, GH_BF16, (size_t)(n * c->kt), gh_seed_mix(seed, 2), s));
    GH_TRY(gh_fill_random(c->c, GH_F32, (size_t)(g * c->mn), gh_seed_mix(seed, 3), s));
    GH_TRY(gh_poison(c->c + g * c->mn, GH_F32, GUARD, s));
    if (c->kt > 0 && !bf16) {
        GH_TRY(gh_quant_1x128(c->a16, (int)m, (int)c->kt, c->a8, c->sa, c->sa_ld, 0, s));
        GH_TRY(gh_quant_1x128(c->b16, (int)n, (int)c->kt, c->b8, c->sb, c->sb_ld, 0, s));
    }
    return GH_OK;
}

/* ref_g = A_g B_g^T + C_g from the unquantized BF16 slices (C_g alone when k_g = 0); the
 * BF16 form's slices are whole rows of the K-outer operands, A_g^T B_g in place. */
static int reference(kg_case *c, cudaStream_t s)
{
    int64_t m = c->sp.m, n = c->sp.n, off = 0;
    for (int g = 0; g < c->sp.groups; off += c->ks[g], g++) {
        float *ref = c->ref + g * c->mn;
        const float *cg = c->c + g * c->mn;
        if (c->ks[g] == 0) {
            GH_CUDA(cudaMemcpyAsync(ref, cg, (size_t)c->mn * 4, cudaMemcpyDeviceToDevice, s));
            continue;
        }
        if (c->bf16) {
            gh_problem p = {(int)m, (int)n, c->ks[g], GH_TN, GH_BF16, GH_F32, GH_RECIPE_NONE, 1};
            GH_TRY(gh_ref_gemm(&p, (const char *)c->a16 + off * m * 2, (const char *)c->b16 + off * n * 2, cg, ref, s));
            continue;
        }
        size_t row = (size_t)c->ks[g] * 2, pitch = (size_t)c->kt * 2;
        GH_CUDA(cudaMemcpy2DAsync(c->slice_a, row, (char *)c->a16 + off * 2, pitch, row, (size_t)m,
                                  cudaMemcpyDeviceToDevice, s));
        GH_CUDA(cudaMemcpy2DAsync(c->slice_b, row, (char *)c->b16 + off * 2, pitch, row, (size_t)n,
                                  cudaMemcpyDeviceToDevice, s));
        gh_problem p = {(int)m, (int)n, c->ks[g], GH_NT, GH_BF16, GH_F32, GH_RECIPE_NONE, 1};
        GH_TRY(gh_ref_gemm(&p, c->slice_a, c->slice_b, cg, ref, s));
    }
    return GH_OK;
}

static int upload_offsets(kg_case *c, cudaStream_t s)
{
    static int host[MAX_G + 1];
    host[0] = 0;
    for (int g = 0; g < c->sp.groups; g++)
        host[g + 1] = host[g] + c->ks[g];
    GH_CUDA(cudaMemcpyAsync(c->offs, host, (size_t)(c->sp.groups + 1) * 4, cudaMemcpyHostToDevice, s));
    GH_CUDA(cudaStreamSynchronize(s));
    return GH_OK;
}

/* The BF16 call under test (D += ...), enqueued on s. */
static int call_bf16(const kg_ctx *x, const kg_case *c)
{
    int64_t m = c->sp.m, n = c->sp.n, kt = c->kt, g = c->sp.groups;
    dgk_tensor A = gh_dense(c->a16, DGK_DTYPE_BF16, 2, kt, m, 0), B = gh_dense(c->b16, DGK_DTYPE_BF16, 2, kt, n, 0);
    dgk_tensor D = gh_dense(c->d, DGK_DTYPE_F32, 3, g, m, n), O = gh_dense(c->offs, DGK_DTYPE_I32, 1, g + 1, 0, 0);
    if (dgk_k_grouped_bf16_gemm_tn_contiguous(x->dgk, &A, &B, &D, c->ks, (int)g, &O, x->s) != DGK_OK) {
        gh_set_error("%s", dgk_last_error());
        return GH_ERROR;
    }
    return GH_OK;
}

/* The call under test (D += ...), enqueued on s. */
static int call(const kg_ctx *x, const kg_case *c)
{
    if (c->bf16)
        return call_bf16(x, c);
    int64_t m = c->sp.m, n = c->sp.n, kt = c->kt, g = c->sp.groups;
    dgk_tensor A = gh_dense(c->a8, DGK_DTYPE_E4M3, 2, m, kt, 0), B = gh_dense(c->b8, DGK_DTYPE_E4M3, 2, n, kt, 0);
    dgk_tensor SA = gh_dense(c->sa, DGK_DTYPE_F32, 2, kt / 128, m, 0), SB = gh_dense(c->sb, DGK_DTYPE_F32, 2, kt / 128, n, 0);
    dgk_tensor D = gh_dense(c->d, DGK_DTYPE_F32, 3, g, m, n), O = gh_dense(c->offs, DGK_DTYPE_I32, 1, g + 1, 0, 0);
    SA.stride[0] = c->sa_ld;
    SB.stride[0] = c->sb_ld;
    if (dgk_k_grouped_fp8_gemm_nt_contiguous(x->dgk, &A, &SA, &B, &SB, &D, c->ks, (int)g, &O, x->s) != DGK_OK) {
        gh_set_error("%s", dgk_last_error());
        return GH_ERROR;
    }
    return GH_OK;
}

static int reset_d(kg_case *c, cudaStream_t s)
{
    size_t bytes = (size_t)(c->sp.groups * c->mn + GUARD) * 4;
    GH_CUDA(cudaMemcpyAsync(c->d, c->c, bytes, cudaMemcpyDeviceToDevice, s));
    return GH_OK;
}

/* Every group against its reference; the guard untouched. Prints one line per failing
 * group; returns the number of failures (or -1 when the harness failed). */
static int verify(kg_case *c, cudaStream_t s, const char *what, double *worst)
{
    int bad = 0;
    *worst = 0;
    for (int g = 0; g < c->sp.groups; g++) {
        gh_compare r;
        size_t same;
        int64_t first;
        const float *dg = c->d + g * c->mn;
        if (gh_compare_ref(dg, GH_F32, c->ref + g * c->mn, (size_t)c->mn, &r, s) != GH_OK ||
            gh_count_unchanged(dg, c->c + g * c->mn, (size_t)c->mn, &same, &first, s) != GH_OK)
            return -1;
        int empty = c->ks[g] == 0;
        size_t allowed = gh_unchanged_allowed((size_t)c->mn, !c->bf16 && c->ks[g] <= 128);
        int ok = !r.unwritten && !r.nonfinite && r.diff < (c->bf16 ? 1e-9 : 1e-3) &&
                 (empty ? same == (size_t)c->mn : same <= allowed);
        *worst = r.diff > *worst ? r.diff : *worst;
        if (!ok) {
            bad++;
            printf("    FAIL %s group %d (K=%d): diff %.3g, %zu non-finite, %zu of %lld elements still C%s (first %lld)\n",
                   what, g, c->ks[g], r.diff, r.nonfinite, same, (long long)c->mn, empty ? ", all expected" : "",
                   (long long)first);
        }
    }
    size_t kept;
    int64_t first;
    int64_t end = c->sp.groups * c->mn;
    if (gh_count_unchanged(c->d + end, c->c + end, GUARD, &kept, &first, s) != GH_OK)
        return -1;
    if (kept != GUARD) {
        bad++;
        printf("    FAIL %s: %zu of %d guard elements after D were written\n", what, (size_t)GUARD - kept, GUARD);
    }
    return bad;
}

static void spec_str(const kg_case *c, char *buf, size_t len)
{
    int n = snprintf(buf, len, "G=%d M=%d N=%d K=%lld ks=", c->sp.groups, c->sp.m, c->sp.n, (long long)c->kt);
    for (int g = 0; g < c->sp.groups && n > 0 && (size_t)n < len; g++)
        n += snprintf(buf + n, len - (size_t)n, "%s%d", g ? "," : "", c->ks[g]);
}

/* The graph run: capture once, replay with the case's offsets, then with the groups'
 * sizes reversed (another partition of the same K) written to the device offsets. */
static int graph_run(const kg_ctx *x, kg_case *c, int *fails)
{
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    double worst;
    GH_TRY(reset_d(c, x->s));
    GH_CUDA(cudaStreamBeginCapture(x->s, cudaStreamCaptureModeThreadLocal));
    int st = call(x, c);
    GH_CUDA(cudaStreamEndCapture(x->s, &graph));
    GH_TRY(st);
    GH_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    GH_CUDA(cudaGraphLaunch(exec, x->s));
    int bad = verify(c, x->s, "graph", &worst);
    for (int i = 0, j = c->sp.groups - 1; i < j; i++, j--) {
        int t = c->ks[i];
        c->ks[i] = c->ks[j];
        c->ks[j] = t;
    }
    GH_TRY(upload_offsets(c, x->s));
    GH_TRY(reference(c, x->s));
    GH_TRY(reset_d(c, x->s));
    GH_CUDA(cudaGraphLaunch(exec, x->s));
    int bad2 = verify(c, x->s, "graph replay, offsets reversed", &worst);
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    if (bad < 0 || bad2 < 0)
        return GH_ERROR;
    *fails = bad + bad2;
    return GH_OK;
}

static int check_one(const kg_ctx *x, const kg_spec *sp, uint64_t seed, int *failed)
{
    kg_case c;
    char desc[256];
    double worst;
    int st = case_setup(&c, sp, x->bf16, seed, x->s);
    if (st == GH_OK)
        st = upload_offsets(&c, x->s);
    if (st == GH_OK)
        st = reference(&c, x->s);
    if (st == GH_OK)
        st = reset_d(&c, x->s);
    spec_str(&c, desc, sizeof desc);
    if (st == GH_OK)
        st = call(x, &c);
    int bad = st == GH_OK ? verify(&c, x->s, "stream", &worst) : -1;
    int gbad = 0;
    if (bad >= 0 && graph_run(x, &c, &gbad) != GH_OK)
        bad = -1;
    if (bad < 0) {
        printf("FAIL %s: %s\n", desc, gh_error());
        *failed += 1;
    } else {
        printf("%s %s (worst diff %.2e)\n", bad + gbad ? "FAIL" : "PASS", desc, worst);
        *failed += bad + gbad > 0;
    }
    case_free(&c);
    return bad < 0 ? GH_ERROR : GH_OK;
}

/* The BF16 baseline: one cuBLASLt BF16 GEMM per non-empty group, D_g += A_g^T B_g (the
 * group's rows of the K-outer operands, C = D_g in place). */
static int call_dense_bf16(const kg_ctx *x, const kg_case *c)
{
    int64_t m = c->sp.m, n = c->sp.n, off = 0;
    for (int g = 0; g < c->sp.groups; off += c->ks[g], g++) {
        if (c->ks[g] == 0)
            continue;
        gh_problem p = {(int)m, (int)n, c->ks[g], GH_TN, GH_BF16, GH_F32, GH_RECIPE_NONE, 1};
        gh_buffers b = {0};
        b.a = (const char *)c->a16 + off * m * 2, b.lda = m;
        b.b = (const char *)c->b16 + off * n * 2, b.ldb = n;
        b.c = c->d + g * c->mn, b.d = c->d + g * c->mn;
        if (gh_cublaslt_bf16(&p, &b, x->s) != GH_OK)
            return GH_ERROR;
    }
    return GH_OK;
}

/* The baseline: the same work as one dense dgk_gemm_fp8_wgrad_nt call per non-empty
 * group, on the group's column slices of A/B (row stride K) and scale rows. */
static int call_dense(const kg_ctx *x, const kg_case *c)
{
    if (c->bf16)
        return call_dense_bf16(x, c);
    int64_t m = c->sp.m, n = c->sp.n, off = 0;
    for (int g = 0; g < c->sp.groups; off += c->ks[g], g++) {
        if (c->ks[g] == 0)
            continue;
        dgk_tensor A = gh_dense((const char *)c->a8 + off, DGK_DTYPE_E4M3, 2, m, c->ks[g], 0);
        dgk_tensor B = gh_dense((const char *)c->b8 + off, DGK_DTYPE_E4M3, 2, n, c->ks[g], 0);
        dgk_tensor SA = gh_dense(c->sa + off / 128 * c->sa_ld, DGK_DTYPE_F32, 2, c->ks[g] / 128, m, 0);
        dgk_tensor SB = gh_dense(c->sb + off / 128 * c->sb_ld, DGK_DTYPE_F32, 2, c->ks[g] / 128, n, 0);
        dgk_tensor D = gh_dense(c->d + g * c->mn, DGK_DTYPE_F32, 2, m, n, 0);
        A.stride[0] = B.stride[0] = c->kt;
        SA.stride[0] = c->sa_ld;
        SB.stride[0] = c->sb_ld;
        if (dgk_gemm_fp8_wgrad_nt(x->dgk, &A, &SA, &B, &SB, &D, x->s) != DGK_OK) {
            gh_set_error("baseline dgk_gemm_fp8_wgrad_nt, group %d: %s", g, dgk_last_error());
            return GH_ERROR;
        }
    }
    return GH_OK;
}

typedef int (*kg_call)(const kg_ctx *x, const kg_case *c);

/* Median ms of `fn` over reps, L2 flushed before each. */
static int time_call(const kg_ctx *x, const kg_case *c, kg_call fn, void *flush, size_t flush_bytes, double *med)
{
    double ms[64];
    int reps = x->reps < 64 ? x->reps : 64;
    cudaEvent_t e0, e1;
    GH_CUDA(cudaEventCreate(&e0));
    GH_CUDA(cudaEventCreate(&e1));
    GH_TRY(fn(x, c)); /* compiles on first use */
    for (int r = 0; r < reps; r++) {
        float t;
        GH_CUDA(cudaMemsetAsync(flush, r & 0xff, flush_bytes, x->s));
        GH_CUDA(cudaEventRecord(e0, x->s));
        GH_TRY(fn(x, c));
        GH_CUDA(cudaEventRecord(e1, x->s));
        GH_CUDA(cudaEventSynchronize(e1));
        GH_CUDA(cudaEventElapsedTime(&t, e0, e1));
        ms[r] = t;
    }
    *med = gh_median(ms, reps);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    return GH_OK;
}

/* Median time of the call over reps, L2 flushed before each (D keeps accumulating:
 * the values do not matter here), beside the per-group dense baseline. */
static int bench_one(const kg_ctx *x, const kg_spec *sp, uint64_t seed, void *flush, size_t flush_bytes)
{
    kg_case c;
    double med, base;
    GH_TRY(case_setup(&c, sp, x->bf16, seed, x->s));
    GH_TRY(upload_offsets(&c, x->s));
    GH_TRY(reset_d(&c, x->s));
    GH_TRY(time_call(x, &c, call, flush, flush_bytes, &med));
    GH_TRY(time_call(x, &c, call_dense, flush, flush_bytes, &base));
    double flops = 2.0 * sp->m * sp->n * (double)c.kt;
    double bytes = (double)c.kt * (sp->m + sp->n) * (x->bf16 ? 2 : 1) + 8.0 * sp->groups * c.mn;
    printf("| %d | %d | %d | %d | %lld | %.1f | %.0f | %.0f | %.0f | %.2f |\n", sp->groups, sp->m, sp->n, sp->expected_k,
           (long long)c.kt, med * 1e3, flops / (med * 1e-3) / 1e12, bytes / (med * 1e-3) / 1e9,
           flops / (base * 1e-3) / 1e12, base / med);
    case_free(&c);
    return GH_OK;
}

static int pick(const char *set, const kg_spec **out, int *n, int bench)
{
    static kg_spec buf[16];
    int k = 0;
    if (strcmp(set, "tiny") == 0) {
        for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++)
            buf[k++] = tiny[i];
    } else if (strcmp(set, "full") == 0 || strcmp(set, "quick") == 0) {
        size_t nd = strcmp(set, "quick") == 0 ? 2 : sizeof deepgemm / sizeof deepgemm[0];
        for (size_t i = 0; i < nd; i++)
            buf[k++] = deepgemm[i];
        for (size_t i = 0; !bench && i < sizeof edges / sizeof edges[0]; i++)
            buf[k++] = edges[i];
    } else {
        return 0;
    }
    *out = buf;
    *n = k;
    return 1;
}

static int run(kg_ctx *x, const char *set, int bench)
{
    const kg_spec *specs;
    int n, failed = 0, errors = 0;
    if (!pick(set, &specs, &n, bench)) {
        fprintf(stderr, "dgk-k-grouped: unknown --shapes %s (full, quick, tiny)\n", set);
        return 2;
    }
    void *flush = NULL;
    size_t flush_bytes = (size_t)256 << 20;
    if (bench) {
        if (gh_malloc(&flush, flush_bytes) != GH_OK)
            return fprintf(stderr, "%s\n", gh_error()), 1;
        printf("%s form\n| groups | M | N | expected K | K total | us | TFLOPS | GB/s | per-group %s TFLOPS | speedup |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n",
               x->bf16 ? "BF16" : "FP8", x->bf16 ? "cuBLASLt" : "wgrad");
    }
    for (int i = 0; i < n; i++) {
        uint64_t seed = gh_seed_mix(x->seed, (uint64_t)i);
        int st = bench ? bench_one(x, &specs[i], seed, flush, flush_bytes) : check_one(x, &specs[i], seed, &failed);
        if (st != GH_OK) {
            errors++;
            if (bench)
                printf("ERROR G=%d M=%d N=%d: %s\n", specs[i].groups, specs[i].m, specs[i].n, gh_error());
        }
    }
    gh_free(flush);
    if (bench) {
        printf("k-grouped-bench (%s): %d shapes, %d errors\n", x->bf16 ? "bf16" : "fp8", n, errors);
        return errors ? 1 : 0;
    }
    printf("k-grouped-check (%s): %d passed, %d failed\n", x->bf16 ? "bf16" : "fp8", n - failed, failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    kg_ctx x = {NULL, NULL, 0, 20, 0};
    const char *set = "full";
    int bench = 0;
    x.seed = gh_fresh_seed();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--shapes") == 0 && i + 1 < argc)
            set = argv[++i];
        else if (strcmp(argv[i], "--bench") == 0)
            bench = 1;
        else if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc && (!strcmp(argv[i + 1], "fp8") || !strcmp(argv[i + 1], "bf16")))
            x.bf16 = strcmp(argv[++i], "bf16") == 0;
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            x.reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            x.seed = strtoull(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "usage: dgk-k-grouped [--dtype fp8|bf16] [--shapes full|quick|tiny] [--bench] [--reps N] [--seed S]\n");
            return 2;
        }
    }
    if (x.reps < 1)
        x.reps = 1;
    gh_device dev;
    char devs[256];
    if (gh_device_info(&dev) == GH_OK) {
        gh_device_str(&dev, devs, sizeof devs);
        printf("device: %s\n", devs);
    }
    printf("seed: 0x%llx\n", (unsigned long long)x.seed);
    if (dgk_init(0, &x.dgk) != DGK_OK || cudaStreamCreate(&x.s) != cudaSuccess) {
        fprintf(stderr, "dgk-k-grouped: setup failed: %s\n", dgk_last_error());
        return 1;
    }
    int rc = run(&x, set, bench);
    gh_cublaslt_release();
    cudaStreamDestroy(x.s);
    dgk_destroy(x.dgk);
    return rc;
}
