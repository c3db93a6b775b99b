/* check_selftest.c - dgk-gemm-check's first cases: the harness tested against
 * independent arithmetic and planted faults, so a PASS of a GEMM later means
 * something.
 *   ref:    the GPU reference GEMM against a CPU double-precision product, all four
 *           layouts, ragged M/N/K (partial tiles, unaligned rows), C addends;
 *   diff:   an exact copy has diff 0; a poisoned element is counted as unwritten at
 *           its index; a NaN as non-finite; one zeroed row or an unrelated product
 *           exceeds the bar;
 *   quant:  FP8 quantize -> dequantize round trips under the bar for each recipe,
 *           scales recomputed on the host at their documented positions (MN-major A
 *           scales with NaN padding, [N/128][K/128] B scales incl. a partial block,
 *           powers of two for UE8M0);
 *   ue8m0:  f32 power-of-two scales to UE8M0 bytes (the dgk-fp8-ue8m0 runner's input):
 *           the exponent field for powers of two, 0xff for anything else and for the
 *           padding;
 *   recipe: the exact product of the quantized operands is within the FP8 bar of the
 *           unquantized one, and a product with one K block's A scales 10% off, which
 *           the unquantized bar alone lets through, is caught by the recipe bar. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUDA_OR_FAIL(call)                                                        \
    do {                                                                          \
        cudaError_t e_ = (call);                                                  \
        if (e_ != cudaSuccess) {                                                  \
            gh_set_error("%s:%d: %s: %s", __FILE__, __LINE__, #call,              \
                         cudaGetErrorString(e_));                                 \
            return GH_ERROR;                                                      \
        }                                                                         \
    } while (0)

static float bf16_to_float(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int to_host(void *dst, const void *src, size_t bytes)
{
    CUDA_OR_FAIL(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
    return GH_OK;
}

/* --- ref: GPU reference against a CPU double product ---------------------------------- */

typedef struct host_case {
    uint16_t *a, *b;
    void *c;
    float *ref;
} host_case;

static void host_free(host_case *h)
{
    free(h->a);
    free(h->b);
    free(h->c);
    free(h->ref);
}

static int fetch(const gh_case *c, host_case *h)
{
    const gh_problem *p = &c->p;
    size_t na = (size_t)p->m * p->k, nb = (size_t)p->n * p->k, nd = (size_t)p->m * p->n;
    size_t ob = gh_dtype_bytes(p->out);
    memset(h, 0, sizeof *h);
    h->a = malloc(2 * na);
    h->b = malloc(2 * nb);
    h->ref = malloc(sizeof(float) * nd);
    h->c = p->has_c ? malloc(ob * nd) : NULL;
    if (!h->a || !h->b || !h->ref || (p->has_c && !h->c)) {
        gh_set_error("self-test: out of host memory");
        return GH_ERROR;
    }
    GH_TRY(to_host(h->a, c->a16, 2 * na));
    GH_TRY(to_host(h->b, c->b16, 2 * nb));
    GH_TRY(to_host(h->ref, c->ref, sizeof(float) * nd));
    if (p->has_c)
        GH_TRY(to_host(h->c, c->c, ob * nd));
    return GH_OK;
}

static double cpu_dot(const gh_problem *p, const host_case *h, int m, int n)
{
    int ak = gh_layout_a_kmajor(p->layout), bk = gh_layout_b_kmajor(p->layout);
    double acc = 0;
    for (int k = 0; k < p->k; k++) {
        float a = bf16_to_float(h->a[ak ? (size_t)m * p->k + k : (size_t)k * p->m + m]);
        float b = bf16_to_float(h->b[bk ? (size_t)n * p->k + k : (size_t)k * p->n + n]);
        acc += (double)a * (double)b;
    }
    if (p->has_c) {
        size_t i = (size_t)m * p->n + n;
        acc += p->out == GH_F32 ? ((const float *)h->c)[i]
                                : bf16_to_float(((const uint16_t *)h->c)[i]);
    }
    return acc;
}

/* diff (DeepGEMM's metric) and the largest error relative to the rms of the exact
 * product (FP32 partial sums and the final f32 rounding leave ~1e-7 of it). */
static void ref_errors(const gh_problem *p, const host_case *h, double *diff, double *rel)
{
    double sxy = 0, sxx = 0, syy = 0, max_err = 0;
    for (int m = 0; m < p->m; m++)
        for (int n = 0; n < p->n; n++) {
            double y = cpu_dot(p, h, m, n), x = h->ref[(size_t)m * p->n + n];
            sxy += x * y;
            sxx += x * x + y * y;
            syy += y * y;
            max_err = fmax(max_err, fabs(x - y));
        }
    *diff = 1.0 - 2.0 * sxy / sxx;
    *rel = max_err / sqrt(syy / ((double)p->m * p->n));
}

static int selftest_ref_one(check_tally *t, const gh_problem *p, uint64_t seed, cudaStream_t s)
{
    gh_case c;
    host_case h = {0};
    char what[160], ps[128];
    double diff = 1, rel = 1;
    int rc = gh_case_setup(&c, p, seed, s);
    if (rc == GH_OK)
        rc = fetch(&c, &h);
    if (rc == GH_OK)
        ref_errors(p, &h, &diff, &rel);
    gh_problem_str(p, ps, sizeof ps);
    snprintf(what, sizeof what, "self-test ref  %s", ps);
    if (rc == GH_OK)
        check_report(t, diff < 1e-12 && rel < 1e-5 ? CHECK_PASS : CHECK_FAIL, what,
                     "GPU reference vs CPU double: diff %.1e (< 1e-12), max|err|/rms %.1e (< 1e-5)",
                     diff, rel);
    host_free(&h);
    gh_case_free(&c);
    return rc;
}

static int selftest_ref(check_tally *t, uint64_t seed, cudaStream_t s)
{
    for (int l = 0; l < GH_LAYOUT_COUNT; l++) {
        gh_problem p1 = {67, 93, 200, (gh_layout)l, GH_BF16, GH_F32, GH_RECIPE_NONE, 1};
        gh_problem p2 = {130, 70, 203, (gh_layout)l, GH_BF16, GH_BF16, GH_RECIPE_NONE, l % 2};
        GH_TRY(selftest_ref_one(t, &p1, gh_seed_mix(seed, 100 + l), s));
        GH_TRY(selftest_ref_one(t, &p2, gh_seed_mix(seed, 200 + l), s));
    }
    return GH_OK;
}

/* --- diff: planted faults ----------------------------------------------------------- */

static void expect(check_tally *t, int ok, const char *what, const gh_compare *r)
{
    check_report(t, ok ? CHECK_PASS : CHECK_FAIL, what,
                 "unwritten %zu, nonfinite %zu, first bad %lld, diff %.2e", r->unwritten,
                 r->nonfinite, (long long)r->first_bad, r->diff);
}

/* D (f32) starts as an exact copy of the reference; each step plants one fault. */
static int selftest_diff_f32(check_tally *t, gh_case *c, const gh_case *other, cudaStream_t s)
{
    size_t n = (size_t)c->p.m * c->p.n, j = n / 2 + 7, row = (size_t)c->p.n;
    float *d = c->d;
    const float quiet_nan = nanf("");
    gh_compare r;
    CUDA_OR_FAIL(cudaMemcpy(d, c->ref, sizeof(float) * n, cudaMemcpyDeviceToDevice));
    GH_TRY(gh_compare_ref(d, GH_F32, c->ref, n, &r, s));
    expect(t, !r.unwritten && !r.nonfinite && r.diff == 0.0, "self-test diff  exact copy: diff 0", &r);
    GH_TRY(gh_poison(d + j, GH_F32, 1, s));
    GH_TRY(gh_compare_ref(d, GH_F32, c->ref, n, &r, s));
    expect(t, r.unwritten == 1 && !r.nonfinite && r.first_bad == (int64_t)j,
           "self-test diff  one poisoned element found at its index", &r);
    CUDA_OR_FAIL(cudaMemcpy(d + j, &quiet_nan, sizeof quiet_nan, cudaMemcpyHostToDevice));
    GH_TRY(gh_compare_ref(d, GH_F32, c->ref, n, &r, s));
    expect(t, !r.unwritten && r.nonfinite == 1 && r.first_bad == (int64_t)j,
           "self-test diff  one NaN counted as non-finite", &r);
    CUDA_OR_FAIL(cudaMemcpy(d, c->ref, sizeof(float) * n, cudaMemcpyDeviceToDevice));
    CUDA_OR_FAIL(cudaMemset(d + 3 * row, 0, sizeof(float) * row));
    GH_TRY(gh_compare_ref(d, GH_F32, c->ref, n, &r, s));
    expect(t, !r.unwritten && r.diff >= 1e-5, "self-test diff  one zeroed row exceeds the BF16 bar", &r);
    GH_TRY(gh_compare_ref(other->ref, GH_F32, c->ref, n, &r, s));
    expect(t, r.diff > 0.5, "self-test diff  an unrelated product has diff near 1", &r);
    return GH_OK;
}

static int selftest_diff_bf16(check_tally *t, const gh_case *c, cudaStream_t s)
{
    size_t n = (size_t)c->p.m * c->p.n;
    void *d16 = NULL;
    gh_compare r;
    GH_TRY(gh_malloc(&d16, 2 * n));
    int rc = gh_poison(d16, GH_BF16, n, s);
    if (rc == GH_OK)
        rc = gh_compare_ref(d16, GH_BF16, c->ref, n, &r, s);
    if (rc == GH_OK)
        expect(t, r.unwritten == n && r.first_bad == 0,
               "self-test diff  a poisoned bf16 output is all unwritten", &r);
    gh_free(d16);
    return rc;
}

static int selftest_diff(check_tally *t, uint64_t seed, cudaStream_t s)
{
    gh_problem p = {256, 384, 256, GH_NT, GH_BF16, GH_F32, GH_RECIPE_NONE, 0};
    gh_case c, other;
    int rc = gh_case_setup(&c, &p, gh_seed_mix(seed, 300), s);
    int rc2 = gh_case_setup(&other, &p, gh_seed_mix(seed, 301), s);
    if (rc == GH_OK)
        rc = rc2;
    if (rc == GH_OK)
        rc = selftest_diff_f32(t, &c, &other, s);
    if (rc == GH_OK)
        rc = selftest_diff_bf16(t, &c, s);
    gh_case_free(&c);
    gh_case_free(&other);
    return rc;
}

/* --- quant: round trips and scale positions ----------------------------------------- */

static float host_scale(float amax, int ue8m0)
{
    float sc = fmaxf(amax, 1e-4f) / 448.0f;
    if (ue8m0) {
        uint32_t b;
        memcpy(&b, &sc, sizeof b);
        if (b & 0x7fffffu)
            b = (b & 0xff800000u) + 0x800000u;
        memcpy(&sc, &b, sizeof sc);
    }
    return sc;
}

/* amax over rows [r0, r1) x columns [c0, c0+128) of a host BF16 [rows, k] matrix. */
static float host_amax(const uint16_t *x, int k, int r0, int r1, int c0)
{
    float m = 0;
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c0 + 128; c++)
            m = fmaxf(m, fabsf(bf16_to_float(x[(size_t)r * k + c])));
    return m;
}

typedef struct qt {
    int rows, k;
    const void *x16;     /* device BF16 [rows, k] */
    void *q;             /* device e4m3 */
    float *scale;        /* device scales */
    int64_t ld;
    int kind;            /* 0: 1x128, 1: 128x128, 2: tensor */
    int ue8m0;
} qt;

/* Dequantizes and compares with the original: under the FP8 bar, but not exact. */
static int roundtrip(check_tally *t, const qt *q, const char *what, cudaStream_t s)
{
    size_t n = (size_t)q->rows * q->k;
    float *x = NULL, *y = NULL;
    gh_compare r;
    int rc = gh_malloc((void **)&x, sizeof(float) * n);
    if (rc == GH_OK)
        rc = gh_malloc((void **)&y, sizeof(float) * n);
    if (rc == GH_OK)
        rc = gh_dequant(q->q, q->rows, q->k, q->scale, q->ld, q->kind, x, s);
    if (rc == GH_OK)
        rc = gh_bf16_to_f32(q->x16, n, y, s);
    if (rc == GH_OK)
        rc = gh_compare_ref(x, GH_F32, y, n, &r, s);
    if (rc == GH_OK)
        check_report(t, r.diff < 1e-3 && r.diff > 1e-6 && !r.nonfinite && !r.unwritten
                            ? CHECK_PASS : CHECK_FAIL,
                     what, "dequantized vs original: diff %.2e (1e-6 < diff < 1e-3)", r.diff);
    gh_free(x);
    gh_free(y);
    return rc;
}

/* Host recomputation of chosen scales; `pos` lists (row block start, row block end,
 * column block, index into the scale array). */
static int scale_positions(check_tally *t, const qt *q, const int (*pos)[4], int npos,
                           size_t nscale, const char *what)
{
    uint16_t *x = malloc(2 * (size_t)q->rows * q->k);
    float *sc = malloc(sizeof(float) * nscale);
    int ok = x && sc, rc = GH_OK;
    if (ok)
        rc = to_host(x, q->x16, 2 * (size_t)q->rows * q->k);
    if (ok && rc == GH_OK)
        rc = to_host(sc, q->scale, sizeof(float) * nscale);
    char detail[256] = "all match";
    for (int i = 0; ok && rc == GH_OK && i < npos; i++) {
        float want = host_scale(host_amax(x, q->k, pos[i][0], pos[i][1], pos[i][2] * 128), q->ue8m0);
        if (sc[pos[i][3]] != want) {
            ok = 0;
            snprintf(detail, sizeof detail, "rows %d..%d block %d: scale[%d] = %g, want %g",
                     pos[i][0], pos[i][1] - 1, pos[i][2], pos[i][3], sc[pos[i][3]], want);
        }
    }
    if (rc == GH_OK)
        check_report(t, ok ? CHECK_PASS : CHECK_FAIL, what, "host-recomputed scales: %s", detail);
    free(x);
    free(sc);
    return rc;
}

/* A [333, 512] per token: scales [4][336], padding rows 333..335 NaN. */
static int selftest_quant_a(check_tally *t, const void *a16, int ue8m0, cudaStream_t s)
{
    enum { M = 333, K = 512, LD = 336 };
    static const int pos[][4] = {{0, 1, 0, 0}, {332, 333, 3, 3 * LD + 332}, {100, 101, 2, 2 * LD + 100}};
    qt q = {M, K, a16, NULL, NULL, LD, 0, ue8m0};
    char what[96];
    GH_TRY(gh_malloc(&q.q, (size_t)M * K));
    GH_TRY(gh_malloc((void **)&q.scale, sizeof(float) * LD * (K / 128)));
    GH_TRY(gh_quant_1x128(a16, M, K, q.q, q.scale, LD, ue8m0, s));
    snprintf(what, sizeof what, "self-test quant 1x128%s M=%d K=%d", ue8m0 ? " ue8m0" : "", M, K);
    GH_TRY(roundtrip(t, &q, what, s));
    GH_TRY(scale_positions(t, &q, pos, 3, (size_t)LD * (K / 128), what));
    float pad[LD - M];
    GH_TRY(to_host(pad, q.scale + 2 * LD + M, sizeof pad));
    int nan_pad = isnan(pad[0]) && isnan(pad[1]) && isnan(pad[2]);
    check_report(t, nan_pad ? CHECK_PASS : CHECK_FAIL, what, "padding scales (m >= M) are NaN");
    gh_free(q.q);
    gh_free(q.scale);
    return GH_OK;
}

/* B [300, 512] per 128x128 block: scales [3][4]; block row 2 holds rows 256..299. */
static int selftest_quant_b(check_tally *t, const void *b16, int ue8m0, cudaStream_t s)
{
    enum { N = 300, K = 512, LD = 4 };
    static const int pos[][4] = {{0, 128, 0, 0}, {256, 300, 3, 2 * LD + 3}, {128, 256, 2, 1 * LD + 2}};
    qt q = {N, K, b16, NULL, NULL, LD, 1, ue8m0};
    char what[96];
    GH_TRY(gh_malloc(&q.q, (size_t)N * K));
    GH_TRY(gh_malloc((void **)&q.scale, sizeof(float) * 3 * LD));
    GH_TRY(gh_quant_128x128(b16, N, K, q.q, q.scale, LD, ue8m0, s));
    snprintf(what, sizeof what, "self-test quant 128x128%s N=%d K=%d", ue8m0 ? " ue8m0" : "", N, K);
    GH_TRY(roundtrip(t, &q, what, s));
    GH_TRY(scale_positions(t, &q, pos, 3, 3 * LD, what));
    gh_free(q.q);
    gh_free(q.scale);
    return GH_OK;
}

static int selftest_quant_tensor(check_tally *t, const void *x16, cudaStream_t s)
{
    enum { R = 333, K = 512 };
    qt q = {R, K, x16, NULL, NULL, 1, 2, 0};
    float sc, want;
    uint16_t *x = malloc(2 * (size_t)R * K);
    if (!x) {
        gh_set_error("self-test: out of host memory");
        return GH_ERROR;
    }
    GH_TRY(gh_malloc(&q.q, (size_t)R * K));
    GH_TRY(gh_malloc((void **)&q.scale, sizeof(float)));
    GH_TRY(gh_quant_tensor(x16, (size_t)R * K, q.q, q.scale, s));
    GH_TRY(roundtrip(t, &q, "self-test quant tensor", s));
    GH_TRY(to_host(&sc, q.scale, sizeof sc));
    GH_TRY(to_host(x, x16, 2 * (size_t)R * K));
    want = host_scale(host_amax(x, 128, 0, R * K / 128, 0), 0);
    check_report(t, sc == want ? CHECK_PASS : CHECK_FAIL, "self-test quant tensor",
                 "scale %g, host amax/448 %g", sc, want);
    free(x);
    gh_free(q.q);
    gh_free(q.scale);
    return GH_OK;
}

static int selftest_quant(check_tally *t, uint64_t seed, cudaStream_t s)
{
    void *x16 = NULL;
    size_t n = 333 * 512;
    GH_TRY(gh_malloc(&x16, 2 * n));
    int rc = gh_fill_random(x16, GH_BF16, n, gh_seed_mix(seed, 400), s);
    for (int ue8m0 = 0; rc == GH_OK && ue8m0 < 2; ue8m0++) {
        rc = selftest_quant_a(t, x16, ue8m0, s);
        if (rc == GH_OK)
            rc = selftest_quant_b(t, x16, ue8m0, s);
    }
    if (rc == GH_OK)
        rc = selftest_quant_tensor(t, x16, s);
    gh_free(x16);
    return rc;
}

/* --- ue8m0: byte scales from f32 powers of two -------------------------------------- */

static int selftest_ue8m0(check_tally *t, cudaStream_t s)
{
    enum { ROWS = 2, COLS = 5, SLD = 6, DLD = 16 };
    const float in[ROWS * SLD] = {1.0f, 0.5f, 1024.0f, 0x1p-22f, 0x1p-126f, NAN,
                                  1.5f, 0.0f, -2.0f, INFINITY, 0x1p127f, 7.0f};
    const unsigned char want[ROWS * COLS] = {127, 126, 137, 105, 1, 0xff, 0xff, 0xff, 0xff, 254};
    unsigned char got[ROWS * DLD];
    float *src = NULL;
    void *dst = NULL;
    GH_TRY(gh_malloc((void **)&src, sizeof in));
    GH_TRY(gh_malloc(&dst, sizeof got));
    CUDA_OR_FAIL(cudaMemcpy(src, in, sizeof in, cudaMemcpyHostToDevice));
    GH_TRY(gh_scales_to_ue8m0(src, ROWS, COLS, SLD, dst, DLD, s));
    CUDA_OR_FAIL(cudaStreamSynchronize(s));
    GH_TRY(to_host(got, dst, sizeof got));
    int bad = -1;
    for (int i = 0; i < ROWS * DLD && bad < 0; i++) {
        int r = i / DLD, c = i % DLD;
        if (got[i] != (c < COLS ? want[r * COLS + c] : 0xff))
            bad = i;
    }
    if (bad < 0)
        check_report(t, CHECK_PASS, "self-test ue8m0 bytes", "exponent fields, 0xff for non-powers of two and padding");
    else
        check_report(t, CHECK_FAIL, "self-test ue8m0 bytes", "byte %d is 0x%02x", bad, got[bad]);
    gh_free(src);
    gh_free(dst);
    return GH_OK;
}

/* --- recipe: the exact-recipe reference and what it catches -------------------------- */

/* A product whose A scales of K block 5 are 10% off (a kernel reading a wrong scale for
 * one block): sa is [K/128][sa_ld], so that block's scales are one contiguous row. */
static int selftest_recipe_fault(check_tally *t, gh_case *c, float *a, float *b, float *d, float *sa,
                                 cudaStream_t s)
{
    const gh_problem *p = &c->p;
    const gh_quant_set *q = &c->q[GH_RECIPE_BLOCK];
    size_t row = (size_t)q->sa_ld, nsa = row * (size_t)(p->k / 128);
    float *h = malloc(sizeof(float) * nsa);
    gh_compare r, rq;
    char what[96];
    if (!h) {
        gh_set_error("out of host memory");
        return GH_ERROR;
    }
    int rc = to_host(h, q->sa, sizeof(float) * nsa);
    for (size_t i = 0; rc == GH_OK && i < row; i++)
        h[5 * row + i] *= 1.1f;
    if (rc == GH_OK && cudaMemcpy(sa, h, sizeof(float) * nsa, cudaMemcpyHostToDevice) != cudaSuccess) {
        gh_set_error("copying the altered scales: %s", cudaGetErrorString(cudaGetLastError()));
        rc = GH_ERROR;
    }
    free(h);
    GH_TRY(rc);
    GH_TRY(gh_dequant(q->a8, p->m, p->k, sa, q->sa_ld, 0, a, s));
    GH_TRY(gh_dequant(q->b8, p->n, p->k, q->sb, q->sb_ld, 1, b, s));
    GH_TRY(gh_ref_gemm_f32(p, a, b, NULL, d, s));
    GH_TRY(gh_compare_ref(d, GH_F32, c->ref, (size_t)p->m * p->n, &r, s));
    GH_TRY(gh_compare_ref(d, GH_F32, q->ref_q, (size_t)p->m * p->n, &rq, s));
    snprintf(what, sizeof what, "self-test recipe  one of %d K blocks' scales 10%% off", p->k / 128);
    check_report(t, r.diff < 1e-3 && rq.diff >= gh_recipe_bar(GH_BF16) ? CHECK_PASS : CHECK_FAIL, what,
                 "unquantized diff %.2e (< 1e-3: missed), recipe-exact diff %.2e (>= %.0e: caught)", r.diff,
                 rq.diff, gh_recipe_bar(GH_BF16));
    return GH_OK;
}

static int selftest_recipe(check_tally *t, uint64_t seed, cudaStream_t s)
{
    gh_problem p = {256, 512, 7168, GH_NT, GH_E4M3, GH_F32, GH_RECIPE_NONE, 0};
    gh_case c;
    float *a = NULL, *b = NULL, *d = NULL, *sa = NULL;
    int rc = gh_case_setup(&c, &p, gh_seed_mix(seed, 500), s);
    if (rc == GH_OK)
        rc = gh_case_recipe_ref(&c, GH_RECIPE_BLOCK, s);
    if (rc == GH_OK)
        check_report(t, c.q[GH_RECIPE_BLOCK].recipe_diff < 1e-3 ? CHECK_PASS : CHECK_FAIL,
                     "self-test recipe  quantized operands' exact product", "vs unquantized: diff %.2e (< 1e-3)",
                     c.q[GH_RECIPE_BLOCK].recipe_diff);
    if (rc == GH_OK)
        rc = gh_malloc((void **)&a, sizeof(float) * p.m * p.k);
    if (rc == GH_OK)
        rc = gh_malloc((void **)&b, sizeof(float) * p.n * p.k);
    if (rc == GH_OK)
        rc = gh_malloc((void **)&d, sizeof(float) * p.m * p.n);
    if (rc == GH_OK)
        rc = gh_malloc((void **)&sa, sizeof(float) * c.q[GH_RECIPE_BLOCK].sa_ld * (p.k / 128));
    if (rc == GH_OK)
        rc = selftest_recipe_fault(t, &c, a, b, d, sa, s);
    gh_free(sa);
    gh_free(a);
    gh_free(b);
    gh_free(d);
    gh_case_free(&c);
    return rc;
}

int check_selftests(check_tally *t, uint64_t seed, cudaStream_t s)
{
    GH_TRY(selftest_ref(t, seed, s));
    GH_TRY(selftest_diff(t, seed, s));
    GH_TRY(selftest_quant(t, seed, s));
    GH_TRY(selftest_ue8m0(t, s));
    GH_TRY(selftest_recipe(t, seed, s));
    return GH_OK;
}
