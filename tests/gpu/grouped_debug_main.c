/* grouped_debug_main.c - dgk-grouped-debug: the debug build's group-id check of the
 * m-grouped contiguous GEMMs (DGK_DEBUG=1, runtime/README.md) on the GPU. The program
 * sets DGK_DEBUG=1 itself before the first call, then with G = 4 groups of 128 rows:
 *   1. valid ids (BF16): DGK_OK, and D matches the per-group reference (diff < 1e-5);
 *   2. planted bad ids, row 130 = -4 and row 300 = 9: DGK_EINVAL naming the lowest,
 *      "group_ids[130] = -4", for BF16 and for FP8;
 *   3. a bad id on a block's first row, row 384 = 4 (= G): "group_ids[384] = 4";
 *   4. valid ids again: DGK_OK (the recorded word was reset);
 *   5. the K-grouped weight gradients, FP8 and BF16, with device offsets {0, 128, 200, 384}
 *      (host ks fine): "offsets[2] = 200" reported (not a multiple of the kernel's BK, 128 /
 *      64); valid offsets before and after: DGK_OK.
 * After every call the guard region after D must still hold its poison (never a wild
 * write, with bad ids either). Exit status 0 when all of that held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgk.h"
#include "dgk_dense.h"
#include "harness.h"

enum { G = 4, ROWS = G * 128, N = 256, K = 256, GUARD = 1 << 16 };

typedef struct dbg {
    dgk_context *ctx;
    cudaStream_t s;
    void *a16, *b16, *a8, *b8, *d;
    float *sa, *sb, *ref;
    int *ids;
    int host_ids[ROWS];
    int failed;
} dbg;

static int setup(dbg *x)
{
    GH_TRY(gh_malloc(&x->a16, ROWS * K * 2));
    GH_TRY(gh_malloc(&x->b16, G * N * K * 2));
    GH_TRY(gh_malloc(&x->a8, ROWS * K));
    GH_TRY(gh_malloc(&x->b8, G * N * K));
    GH_TRY(gh_malloc((void **)&x->sa, (K / 128) * ROWS * 4));
    GH_TRY(gh_malloc((void **)&x->sb, G * (N / 128) * (K / 128) * 4));
    GH_TRY(gh_malloc(&x->d, (ROWS * N + GUARD) * 2));
    GH_TRY(gh_malloc((void **)&x->ref, ROWS * N * 4));
    GH_TRY(gh_malloc((void **)&x->ids, ROWS * 4));
    uint64_t seed = gh_fresh_seed();
    GH_TRY(gh_fill_random(x->a16, GH_BF16, ROWS * K, gh_seed_mix(seed, 1), x->s));
    GH_TRY(gh_fill_random(x->b16, GH_BF16, G * N * K, gh_seed_mix(seed, 2), x->s));
    GH_TRY(gh_quant_1x128(x->a16, ROWS, K, x->a8, x->sa, ROWS, 0, x->s));
    for (int g = 0; g < G; g++)
        GH_TRY(gh_quant_128x128((char *)x->b16 + (size_t)g * N * K * 2, N, K, (char *)x->b8 + (size_t)g * N * K,
                                x->sb + g * (N / 128) * (K / 128), K / 128, 0, x->s));
    for (int g = 0; g < G; g++) {
        gh_problem p = {128, N, K, GH_NT, GH_BF16, GH_F32, GH_RECIPE_NONE, 0};
        GH_TRY(gh_ref_gemm(&p, (char *)x->a16 + (size_t)g * 128 * K * 2, (char *)x->b16 + (size_t)g * N * K * 2, NULL,
                           x->ref + g * 128 * N, x->s));
    }
    return GH_OK;
}

/* ids: group r / 128 per row, then the planted (row, id) pairs; D and its guard poisoned. */
static int plant(dbg *x, const int *rows, const int *ids, int n)
{
    for (int r = 0; r < ROWS; r++)
        x->host_ids[r] = r / 128;
    for (int i = 0; i < n; i++)
        x->host_ids[rows[i]] = ids[i];
    GH_CUDA(cudaMemcpyAsync(x->ids, x->host_ids, sizeof x->host_ids, cudaMemcpyHostToDevice, x->s));
    GH_TRY(gh_poison(x->d, GH_BF16, ROWS * N + GUARD, x->s));
    GH_CUDA(cudaStreamSynchronize(x->s));
    return GH_OK;
}

static dgk_status call(dbg *x, int fp8)
{
    dgk_tensor A = gh_dense(fp8 ? x->a8 : x->a16, fp8 ? DGK_DTYPE_E4M3 : DGK_DTYPE_BF16, 2, ROWS, K, 0);
    dgk_tensor B = gh_dense(fp8 ? x->b8 : x->b16, fp8 ? DGK_DTYPE_E4M3 : DGK_DTYPE_BF16, 3, G, N, K);
    dgk_tensor D = gh_dense(x->d, DGK_DTYPE_BF16, 2, ROWS, N, 0), I = gh_dense(x->ids, DGK_DTYPE_I32, 1, ROWS, 0, 0);
    if (!fp8)
        return dgk_m_grouped_gemm_bf16_nt_contiguous(x->ctx, &A, &B, &D, &I, x->s);
    dgk_tensor SA = gh_dense(x->sa, DGK_DTYPE_F32, 2, K / 128, ROWS, 0);
    dgk_tensor SB = gh_dense(x->sb, DGK_DTYPE_F32, 3, G, N / 128, K / 128);
    return dgk_m_grouped_gemm_fp8_nt_contiguous(x->ctx, &A, &SA, &B, &SB, &D, &I, x->s);
}

static void verdict(dbg *x, const char *what, int ok, const char *why)
{
    printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", what, ok ? "" : ": ", ok ? "" : why);
    x->failed += !ok;
}

/* The guard after D still poisoned: count its elements that are not the poison pattern
 * by comparing with a poisoned scratch copy. */
static int guard_intact(dbg *x, int *ok)
{
    static unsigned short host[GUARD];
    GH_CUDA(cudaMemcpyAsync(host, (unsigned short *)x->d + ROWS * N, sizeof host, cudaMemcpyDeviceToHost, x->s));
    GH_CUDA(cudaStreamSynchronize(x->s));
    *ok = 1;
    for (int i = 0; i < GUARD; i++)
        *ok &= host[i] == 0x7fa5;
    return GH_OK;
}

/* One call expected to fail with `needle` in its message. */
static int expect_bad(dbg *x, int fp8, const int *rows, const int *ids, int n, const char *needle, const char *what)
{
    int guard;
    GH_TRY(plant(x, rows, ids, n));
    dgk_status st = call(x, fp8);
    char why[512];
    snprintf(why, sizeof why, "status %s, message \"%s\" (wanted DGK_EINVAL with \"%s\")", dgk_status_name(st),
             dgk_last_error(), needle);
    verdict(x, what, st == DGK_EINVAL && strstr(dgk_last_error(), needle), why);
    GH_TRY(guard_intact(x, &guard));
    verdict(x, "  no write past D", guard, "the guard after D was written");
    return GH_OK;
}

static int expect_good(dbg *x, int fp8, const char *what)
{
    gh_compare r;
    int guard;
    GH_TRY(plant(x, NULL, NULL, 0));
    dgk_status st = call(x, fp8);
    GH_TRY(gh_compare_ref(x->d, GH_BF16, x->ref, ROWS * N, &r, x->s));
    double bar = fp8 ? 1e-3 : 1e-5;
    char why[512];
    snprintf(why, sizeof why, "status %s (%s), diff %.3g (bar %.0e), %zu unwritten", dgk_status_name(st),
             st == DGK_OK ? "" : dgk_last_error(), r.diff, bar, r.unwritten);
    verdict(x, what, st == DGK_OK && r.diff < bar && !r.unwritten && !r.nonfinite, why);
    GH_TRY(guard_intact(x, &guard));
    verdict(x, "  no write past D", guard, "the guard after D was written");
    return GH_OK;
}

/* K-grouped: the device offsets are checked in debug builds even though the host copy
 * ks passed its checks (a captured graph may be replayed with other offsets). G = 3,
 * M = N = 256, ks = {128, 0, 256}; FP8 inputs are all ones, BF16 ones random (values do
 * not matter here); the BF16 form's a [K, M] and b [K, N] are the same sizes (M = N). */
enum { KG = 3, KM = 256, KN = 256, KK = 384 };

static dgk_status k_grouped_call(dbg *x, int bf16, void *a, void *b, float *sa, float *sb, float *d, int *o)
{
    static int ks[KG] = {128, 0, 256};
    dgk_tensor D = gh_dense(d, DGK_DTYPE_F32, 3, KG, KM, KN), O = gh_dense(o, DGK_DTYPE_I32, 1, KG + 1, 0, 0);
    if (bf16) {
        dgk_tensor A = gh_dense(a, DGK_DTYPE_BF16, 2, KK, KM, 0), B = gh_dense(b, DGK_DTYPE_BF16, 2, KK, KN, 0);
        return dgk_k_grouped_bf16_gemm_tn_contiguous(x->ctx, &A, &B, &D, ks, KG, &O, x->s);
    }
    dgk_tensor A = gh_dense(a, DGK_DTYPE_E4M3, 2, KM, KK, 0), B = gh_dense(b, DGK_DTYPE_E4M3, 2, KN, KK, 0);
    dgk_tensor SA = gh_dense(sa, DGK_DTYPE_F32, 2, KK / 128, KM, 0), SB = gh_dense(sb, DGK_DTYPE_F32, 2, KK / 128, KN, 0);
    return dgk_k_grouped_fp8_gemm_nt_contiguous(x->ctx, &A, &SA, &B, &SB, &D, ks, KG, &O, x->s);
}

static int k_grouped_case(dbg *x, int bf16, const int *offs, const char *needle, const char *what)
{
    void *a, *b;
    float *sa, *sb, *d;
    int *o;
    float ones[KK / 128 * KN];
    for (size_t i = 0; i < sizeof ones / sizeof ones[0]; i++)
        ones[i] = 1.0f;
    GH_TRY(gh_malloc(&a, KM * KK * 2));
    GH_TRY(gh_malloc(&b, KN * KK * 2));
    GH_TRY(gh_malloc((void **)&sa, sizeof ones));
    GH_TRY(gh_malloc((void **)&sb, sizeof ones));
    GH_TRY(gh_malloc((void **)&d, (KG * KM * KN + GUARD) * 4));
    GH_TRY(gh_malloc((void **)&o, (KG + 1) * 4));
    GH_CUDA(cudaMemset(a, 0x38, KM * KK)); /* e4m3 1.0 */
    GH_CUDA(cudaMemset(b, 0x38, KN * KK));
    if (bf16) {
        GH_TRY(gh_fill_random(a, GH_BF16, KM * KK, 5, x->s));
        GH_TRY(gh_fill_random(b, GH_BF16, KN * KK, 6, x->s));
    }
    GH_CUDA(cudaMemcpy(sa, ones, sizeof ones, cudaMemcpyHostToDevice));
    GH_CUDA(cudaMemcpy(sb, ones, sizeof ones, cudaMemcpyHostToDevice));
    GH_CUDA(cudaMemcpy(o, offs, (KG + 1) * 4, cudaMemcpyHostToDevice));
    GH_TRY(gh_poison(d, GH_F32, KG * KM * KN + GUARD, x->s));
    GH_TRY(gh_fill_random(d, GH_F32, KG * KM * KN, 7, x->s));
    dgk_status st = k_grouped_call(x, bf16, a, b, sa, sb, d, o);
    if (st == DGK_OK)
        GH_CUDA(cudaStreamSynchronize(x->s));
    char why[512];
    snprintf(why, sizeof why, "status %s, message \"%s\" (wanted %s)", dgk_status_name(st),
             st == DGK_OK ? "" : dgk_last_error(), needle ? needle : "DGK_OK");
    verdict(x, what, needle ? st == DGK_EINVAL && strstr(dgk_last_error(), needle) != NULL : st == DGK_OK, why);
    static unsigned guard[GUARD];
    GH_CUDA(cudaMemcpy(guard, d + KG * KM * KN, sizeof guard, cudaMemcpyDeviceToHost));
    int intact = 1;
    for (int i = 0; i < GUARD; i++)
        intact &= guard[i] == 0x7fa5a5a5u;
    verdict(x, "  no write past D", intact, "the guard after D was written");
    void *ps[] = {a, b, sa, sb, d, o};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        gh_free(ps[i]);
    return GH_OK;
}

static int run(dbg *x)
{
    static const int good[KG + 1] = {0, 128, 128, 384}, bad[KG + 1] = {0, 128, 200, 384};
    static const int rows2[2] = {300, 130}, ids2[2] = {9, -4};
    static const int rows3[1] = {384}, ids3[1] = {G};
    GH_TRY(setup(x));
    GH_TRY(expect_good(x, 0, "bf16 valid ids: DGK_OK, D correct"));
    GH_TRY(expect_bad(x, 0, rows2, ids2, 2, "group_ids[130] = -4", "bf16 ids -4 (row 130) and 9 (row 300): the lowest row reported"));
    GH_TRY(expect_bad(x, 0, rows3, ids3, 1, "group_ids[384] = 4", "bf16 id G on a block's first row (384)"));
    GH_TRY(expect_good(x, 0, "bf16 valid ids after a reported error: DGK_OK"));
    GH_TRY(expect_good(x, 1, "fp8 valid ids: DGK_OK, D correct"));
    GH_TRY(expect_bad(x, 1, rows2, ids2, 2, "group_ids[130] = -4", "fp8 ids -4 (row 130) and 9 (row 300)"));
    GH_TRY(k_grouped_case(x, 0, good, NULL, "k-grouped valid device offsets: DGK_OK"));
    GH_TRY(k_grouped_case(x, 0, bad, "offsets[2] = 200", "k-grouped device offset 200 (not a multiple of 128) reported"));
    GH_TRY(k_grouped_case(x, 0, good, NULL, "k-grouped valid offsets after a reported error: DGK_OK"));
    GH_TRY(k_grouped_case(x, 1, good, NULL, "k-grouped bf16 valid device offsets: DGK_OK"));
    GH_TRY(k_grouped_case(x, 1, bad, "offsets[2] = 200 on the device is invalid: the offsets must not decrease, be multiples of 64", "k-grouped bf16 device offset 200 (not a multiple of 64) reported"));
    GH_TRY(k_grouped_case(x, 1, good, NULL, "k-grouped bf16 valid offsets after a reported error: DGK_OK"));
    return GH_OK;
}

int main(void)
{
    dbg x;
    memset(&x, 0, sizeof x);
    setenv("DGK_DEBUG", "1", 1); /* before the first op is made: the stock ops are debug builds */
    if (dgk_init(0, &x.ctx) != DGK_OK || cudaStreamCreate(&x.s) != cudaSuccess) {
        fprintf(stderr, "dgk-grouped-debug: setup failed: %s\n", dgk_last_error());
        return 1;
    }
    int st = run(&x);
    if (st != GH_OK)
        printf("FATAL %s\n", gh_error());
    printf("grouped-debug: %s (%d failed)\n", st == GH_OK && !x.failed ? "all passed" : "FAILED", x.failed);
    cudaStreamDestroy(x.s);
    dgk_destroy(x.ctx);
    return st == GH_OK && !x.failed ? 0 : 1;
}
