/* user_grouped_check.c - dgk-user-grouped-check: the grouped schedules from a user's own
 * kernel, with epilogues that read the tile's group's row of a per-expert tensor: the
 * kernels of examples/moe_expert_epilogue.dgk (read at run time, from the repository root
 * or the path given), compiled with dgk_op_create and run on the GPU:
 *   moe_up_bias_silu   contiguous (group ids): D = silu(A @ B[g]^T + BIAS[g]) on groups of
 *                      300, 0, 517 and 128 rows (padding rows between them), N 384, K 256;
 *   moe_down_routed    masked: D[g] = W[g, row] * (A[g] @ B[g]^T) with 200, 0 and 512 of
 *                      512 rows valid, N 256, K 192.
 * Fresh random BF16 inputs, D poisoned (0xff bytes); every valid row against a double
 * host reference by DeepGEMM's diff (< 1e-5), every padding row (contiguous) and every
 * row of a block past masked[g] (masked: such blocks are skipped; the rest of a block that
 * holds valid rows is computed like them, so left unchecked) still poison. Each case also checks that its comparator
 * fails the fault this test is for: the reference taken with group 0's row of the
 * per-expert tensor for every group must not pass (an epilogue that dropped the group
 * subscript read group 0's row; dgkc once did). Prints PASS/FAIL per case, then
 * `user-grouped-check: N passed, M failed`; exits non-zero on a failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "dgk.h"

enum { PAD = 128 };  /* contiguous groups start at multiples of it; the kernels' BM */
static const double DIFF_BAR = 1e-5;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uni(double lo, double hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) * 0x1p-53;
}

/* BF16 by truncation of a float that is already exactly representable as drawn. */
static uint16_t bf16_of(double x, double *exact)
{
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, 4);
    u &= 0xffff0000u;
    memcpy(&f, &u, 4);
    *exact = f;
    return (uint16_t)(u >> 16);
}

static double from_bf16(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* DeepGEMM's diff: 1 - 2 sum(x y) / sum(x^2 + y^2). */
typedef struct diff_acc {
    double xy, xx;
} diff_acc;

static void diff_add(diff_acc *d, double x, double y)
{
    d->xy += x * y;
    d->xx += x * x + y * y;
}

static double diff_of(const diff_acc *d)
{
    return d->xx > 0 ? 1.0 - 2.0 * d->xy / d->xx : 0.0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static int cuda_ok(cudaError_t e, const char *what)
{
    if (e != cudaSuccess)
        printf("  %s: %s\n", what, cudaGetErrorString(e));
    return e == cudaSuccess;
}

/* Device copies of a case's tensors, in the kernel's parameter order. */
typedef struct dev {
    void *buf[5];
    dgk_tensor t[5];
    const dgk_tensor *params[5];
    int n;
} dev;

static int put(dev *dv, const void *host, size_t bytes, dgk_dtype_id dt, int rank, const int64_t *shape)
{
    void *p = NULL;
    if (!cuda_ok(cudaMalloc(&p, bytes), "cudaMalloc") ||
        !cuda_ok(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to the device"))
        return 0;
    dv->buf[dv->n] = p;
    dv->t[dv->n] = dgk_tensor_make(p, dt, rank, shape);
    dv->params[dv->n] = &dv->t[dv->n];
    dv->n++;
    return 1;
}

/* Launches `kernel` on the bound tensors (D last) and copies D back into `d`. */
static int run(dgk_context *ctx, const char *src, const char *kernel, dev *dv, void *d, size_t dbytes)
{
    dgk_op *op = NULL;
    dgk_status st = dgk_op_create(ctx, "examples/moe_expert_epilogue.dgk", src, kernel, NULL, 0, &op);
    if (st == DGK_OK)
        st = dgk_op_launch(op, dv->params, NULL, dv->n, NULL);
    if (st != DGK_OK)
        printf("  %s: %s\n", kernel, dgk_last_error());
    int ok = st == DGK_OK && cuda_ok(cudaDeviceSynchronize(), "kernel") &&
             cuda_ok(cudaMemcpy(d, dv->buf[dv->n - 1], dbytes, cudaMemcpyDeviceToHost), "cudaMemcpy from the device");
    for (int i = 0; i < dv->n; i++)
        ok &= cuda_ok(cudaFree(dv->buf[i]), "cudaFree");
    return ok;
}

/* sum_k A[ra, k] B[g, n, k] in double from the BF16 values */
static double dot(const double *a, const double *b, int64_t ra, int g, int64_t n, int64_t N, int64_t K)
{
    double s = 0;
    for (int64_t k = 0; k < K; k++)
        s += a[ra * K + k] * b[((int64_t)g * N + n) * K + k];
    return s;
}

static double silu(double x)
{
    return x / (1.0 + exp(-x));
}

typedef struct verdict {
    double diff, fault_diff;  /* against the reference; the group-0 reference against it */
    int64_t untouched_bad;    /* padding / masked-off elements no longer poison */
} verdict;

static int report(const char *what, const verdict *v)
{
    int ok = v->diff < DIFF_BAR && v->untouched_bad == 0 && v->fault_diff >= DIFF_BAR;
    printf("%s %s: diff %.2e (bar %.0e), padding written %lld, group-0 fault diff %.2e (must fail)\n",
           ok ? "PASS" : "FAIL", what, v->diff, DIFF_BAR, (long long)v->untouched_bad, v->fault_diff);
    return ok;
}

/* moe_up_bias_silu: contiguous groups, an id per row (-1: padding). */
static int contiguous(dgk_context *ctx, const char *src)
{
    enum { G = 4, N = 384, K = 256 };
    static const int rows[G] = {300, 0, 517, 128};
    int64_t row0[G], M = 0;
    for (int g = 0; g < G; g++)
        row0[g] = M, M += (rows[g] + PAD - 1) / PAD * PAD;
    uint16_t *a16 = malloc(sizeof *a16 * (size_t)(M * K)), *b16 = malloc(sizeof *b16 * (size_t)(G * N * K));
    double *a = malloc(sizeof *a * (size_t)(M * K)), *b = malloc(sizeof *b * (size_t)(G * N * K));
    float *bias = malloc(sizeof *bias * G * N);
    int32_t *ids = malloc(sizeof *ids * (size_t)M);
    uint16_t *d = malloc(sizeof *d * (size_t)(M * N)), *d0 = malloc(sizeof *d0 * (size_t)(M * N));
    int ok = a16 && b16 && a && b && bias && ids && d && d0;
    for (int64_t i = 0; ok && i < M * K; i++)
        a16[i] = bf16_of(uni(-1, 1), &a[i]);
    for (int64_t i = 0; ok && i < (int64_t)G * N * K; i++)
        b16[i] = bf16_of(uni(-1, 1), &b[i]);
    for (int i = 0; ok && i < G * N; i++)
        bias[i] = (float)uni(-4, 4);
    for (int g = 0; ok && g < G; g++)
        for (int64_t r = 0; r < (rows[g] + PAD - 1) / PAD * PAD; r++)
            ids[row0[g] + r] = r < rows[g] ? g : -1;
    if (ok)
        memset(d0, 0xff, sizeof *d0 * (size_t)(M * N));
    dev dv = {0};
    int64_t sa[2] = {M, K}, sb[3] = {G, N, K}, sbias[2] = {G, N}, sid[1] = {M}, sd[2] = {M, N};
    ok = ok && put(&dv, a16, sizeof *a16 * (size_t)(M * K), DGK_DTYPE_BF16, 2, sa) &&
         put(&dv, b16, sizeof *b16 * (size_t)(G * N * K), DGK_DTYPE_BF16, 3, sb) &&
         put(&dv, bias, sizeof *bias * G * N, DGK_DTYPE_F32, 2, sbias) &&
         put(&dv, ids, sizeof *ids * (size_t)M, DGK_DTYPE_I32, 1, sid) &&
         put(&dv, d0, sizeof *d0 * (size_t)(M * N), DGK_DTYPE_BF16, 2, sd) &&
         run(ctx, src, "moe_up_bias_silu", &dv, d, sizeof *d * (size_t)(M * N));
    verdict v = {0};
    diff_acc got = {0}, fault = {0};
    for (int64_t r = 0; ok && r < M; r++)
        for (int64_t n = 0; n < N; n++) {
            if (ids[r] < 0) {
                v.untouched_bad += d[r * N + n] != 0xffff;
                continue;
            }
            double s = dot(a, b, r, ids[r], n, N, K);
            double want = silu(s + bias[ids[r] * N + n]), wrong = silu(s + bias[n]);
            diff_add(&got, from_bf16(d[r * N + n]), want);
            diff_add(&fault, wrong, want);
        }
    v.diff = diff_of(&got);
    v.fault_diff = diff_of(&fault);
    free(a16), free(b16), free(a), free(b), free(bias), free(ids), free(d), free(d0);
    if (!ok) {
        printf("FAIL contiguous moe_up_bias_silu: not run\n");
        return 0;
    }
    return report("contiguous moe_up_bias_silu (groups of 300, 0, 517, 128 rows; N 384, K 256)", &v);
}

/* moe_down_routed: masked groups of MMAX row slots, masked[g] of them valid. */
static int masked(dgk_context *ctx, const char *src)
{
    enum { G = 3, MMAX = 512, N = 256, K = 192 };
    static const int32_t valid[G] = {200, 0, 512};
    const int64_t rows = (int64_t)G * MMAX;
    uint16_t *a16 = malloc(sizeof *a16 * (size_t)(rows * K)), *b16 = malloc(sizeof *b16 * (size_t)(G * N * K));
    double *a = malloc(sizeof *a * (size_t)(rows * K)), *b = malloc(sizeof *b * (size_t)(G * N * K));
    float *w = malloc(sizeof *w * (size_t)rows);
    uint16_t *d = malloc(sizeof *d * (size_t)(rows * N)), *d0 = malloc(sizeof *d0 * (size_t)(rows * N));
    int ok = a16 && b16 && a && b && w && d && d0;
    for (int64_t i = 0; ok && i < rows * K; i++)
        a16[i] = bf16_of(uni(-1, 1), &a[i]);
    for (int64_t i = 0; ok && i < (int64_t)G * N * K; i++)
        b16[i] = bf16_of(uni(-1, 1), &b[i]);
    for (int64_t i = 0; ok && i < rows; i++)
        w[i] = (float)uni(0.1, 2.0);
    if (ok)
        memset(d0, 0xff, sizeof *d0 * (size_t)(rows * N));
    dev dv = {0};
    int64_t sa[3] = {G, MMAX, K}, sb[3] = {G, N, K}, sw[2] = {G, MMAX}, sm[1] = {G}, sd[3] = {G, MMAX, N};
    ok = ok && put(&dv, a16, sizeof *a16 * (size_t)(rows * K), DGK_DTYPE_BF16, 3, sa) &&
         put(&dv, b16, sizeof *b16 * (size_t)(G * N * K), DGK_DTYPE_BF16, 3, sb) &&
         put(&dv, w, sizeof *w * (size_t)rows, DGK_DTYPE_F32, 2, sw) &&
         put(&dv, valid, sizeof valid, DGK_DTYPE_I32, 1, sm) &&
         put(&dv, d0, sizeof *d0 * (size_t)(rows * N), DGK_DTYPE_BF16, 3, sd) &&
         run(ctx, src, "moe_down_routed", &dv, d, sizeof *d * (size_t)(rows * N));
    verdict v = {0};
    diff_acc got = {0}, fault = {0};
    for (int g = 0; ok && g < G; g++)
        for (int64_t r = 0; r < MMAX; r++)
            for (int64_t n = 0; n < N; n++) {
                int64_t at = ((int64_t)g * MMAX + r) * N + n;
                if (r >= (valid[g] + PAD - 1) / PAD * PAD) { /* a skipped block (BM = PAD) */
                    v.untouched_bad += d[at] != 0xffff;
                    continue;
                }
                if (r >= valid[g])
                    continue;
                double s = dot(a, b, (int64_t)g * MMAX + r, g, n, N, K);
                diff_add(&got, from_bf16(d[at]), w[g * MMAX + r] * s);
                diff_add(&fault, w[r] * s, w[g * MMAX + r] * s);
            }
    v.diff = diff_of(&got);
    v.fault_diff = diff_of(&fault);
    free(a16), free(b16), free(a), free(b), free(w), free(d), free(d0);
    if (!ok) {
        printf("FAIL masked moe_down_routed: not run\n");
        return 0;
    }
    return report("masked moe_down_routed (200, 0, 512 of 512 rows; N 256, K 192)", &v);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/moe_expert_epilogue.dgk";
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        printf("usage: dgk-user-grouped-check [EXAMPLE.dgk]   (default examples/moe_expert_epilogue.dgk)\n");
        return 2;
    }
    char *src = read_file(path);
    if (!src) {
        printf("FAIL cannot read %s (run from the repository root or give its path)\nuser-grouped-check: 0 passed, 1 failed\n",
               path);
        return 1;
    }
    dgk_context *ctx = NULL;
    if (dgk_init(0, &ctx) != DGK_OK) {
        printf("FAIL dgk_init: %s\nuser-grouped-check: 0 passed, 1 failed\n", dgk_last_error());
        free(src);
        return 1;
    }
    int passed = 0, failed = 0;
    int (*cases[2])(dgk_context *, const char *) = {contiguous, masked};
    for (int c = 0; c < 2; c++)
        cases[c](ctx, src) ? passed++ : failed++;
    printf("user-grouped-check: %d passed, %d failed\n", passed, failed);
    dgk_destroy(ctx);
    free(src);
    return failed ? 1 : 0;
}
