/* prep_check.c - dgk-prep-check: the device FP8 preparation helpers (stdlib/fp8_prep.dgk,
 * elementwise kernels) against the host ones, bit for bit (make gpu-check; --bench adds
 * timings). For each case: fresh random f32 inputs (per-row magnitudes spread over 2^-20
 * .. 2^12, some all-zero blocks, ragged edges), outputs poisoned with 0xff bytes before
 * the launch, then every byte of q and s (padding included) compared with
 * dgk_host_fp8_quant_1x128 / _128x128, and dgk_fp8_scales_to_mn_major with
 * dgk_host_fp8_scales_to_mn_major over a padded source; bad arguments refused, among them
 * an FP8 GEMM's misaligned B scales. Prints PASS/FAIL lines; exits non-zero on any
 * failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "dgk.h"

static int failures;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* Uniform in [-1, 1) times a per-row power of two; every 7th 128-block of a row zero. */
static void fill(float *x, int64_t rows, int64_t k)
{
    for (int64_t r = 0; r < rows; r++) {
        float mag = ldexpf(1.0f, (int)(rnd() % 33) - 20);
        for (int64_t c = 0; c < k; c++)
            x[r * k + c] = (c / 128 + r) % 7 == 3 ? 0.0f : mag * ((float)(rnd() & 0xffffff) / 8388608.0f - 1.0f);
    }
}

static void *dev_alloc(size_t n)
{
    void *p = NULL;
    if (cudaMalloc(&p, n) != cudaSuccess) {
        printf("FAIL cudaMalloc(%zu)\n", n);
        exit(1);
    }
    return p;
}

/* Compares n bytes; reports the first difference. */
static int same_bytes(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) {
            printf("  %s: byte %zu is 0x%02x, host 0x%02x\n", what, i, got[i], want[i]);
            return 0;
        }
    return 1;
}

typedef dgk_status (*host_quant)(const float *, int64_t, int64_t, int64_t, uint8_t *, int64_t, dgk_dtype_id, void *,
                                 int64_t);
typedef dgk_status (*dev_quant)(dgk_context *, const dgk_tensor *, const dgk_tensor *, const dgk_tensor *, void *);

typedef struct quant_case {
    const char *name;
    int per_block;               /* 128x128, else 1x128 */
    int64_t rows, k, pad;        /* s's row extent is the minimum plus pad */
    dgk_dtype_id sdtype;
} quant_case;

static void check_quant(dgk_context *ctx, const quant_case *qc)
{
    int64_t rows = qc->rows, k = qc->k, kb = (k + 127) / 128;
    int64_t srows = qc->per_block ? (rows + 127) / 128 : kb;
    int64_t lds = (qc->per_block ? kb : rows) + qc->pad;
    size_t es = qc->sdtype == DGK_DTYPE_F32 ? 4 : 1, xn = (size_t)(rows * k), sn = (size_t)(srows * lds) * es;
    float *x = malloc(xn * 4);
    uint8_t *q = malloc(xn), *q_dev = malloc(xn), *s = malloc(sn), *s_dev = malloc(sn);
    fill(x, rows, k);
    host_quant hq = qc->per_block ? dgk_host_fp8_quant_128x128 : dgk_host_fp8_quant_1x128;
    dev_quant dq = qc->per_block ? dgk_fp8_quant_128x128 : dgk_fp8_quant_1x128;
    int ok = hq(x, rows, k, k, q, k, qc->sdtype, s, lds) == DGK_OK;
    void *dx = dev_alloc(xn * 4), *dqv = dev_alloc(xn), *ds = dev_alloc(sn);
    cudaMemcpy(dx, x, xn * 4, cudaMemcpyHostToDevice);
    cudaMemset(dqv, 0xff, xn);
    cudaMemset(ds, 0xff, sn);
    dgk_tensor tx = {dx, DGK_DTYPE_F32, 2, {rows, k}, {0}}, tq = {dqv, DGK_DTYPE_E4M3, 2, {rows, k}, {0}};
    dgk_tensor ts = {ds, qc->sdtype, 2, {srows, lds}, {0}};
    dgk_status st = dq(ctx, &tx, &tq, &ts, NULL);
    if (st != DGK_OK)
        printf("  launch: %s\n", dgk_last_error());
    ok = ok && st == DGK_OK && cudaDeviceSynchronize() == cudaSuccess;
    cudaMemcpy(q_dev, dqv, xn, cudaMemcpyDeviceToHost);
    cudaMemcpy(s_dev, ds, sn, cudaMemcpyDeviceToHost);
    ok = ok && same_bytes("q", q_dev, q, xn) && same_bytes("s", s_dev, s, sn);
    printf("%s %s %s rows %lld k %lld lds %lld %s\n", ok ? "PASS" : "FAIL", qc->name,
           qc->per_block ? "128x128" : "1x128", (long long)rows, (long long)k, (long long)lds,
           qc->sdtype == DGK_DTYPE_F32 ? "f32" : "ue8m0");
    failures += !ok;
    cudaFree(dx), cudaFree(dqv), cudaFree(ds);
    free(x), free(q), free(q_dev), free(s), free(s_dev);
}

static void check_mn_major(dgk_context *ctx, int64_t mn, int64_t kb, int64_t ld_src, int64_t ld, dgk_dtype_id dt)
{
    size_t es = dt == DGK_DTYPE_F32 ? 4 : 1, sn = (size_t)(mn * ld_src) * es, dn = (size_t)(kb * ld) * es;
    uint8_t *src = malloc(sn), *want = malloc(dn), *got = malloc(dn);
    for (size_t i = 0; i < sn; i++)
        src[i] = (uint8_t)rnd();
    int ok = dgk_host_fp8_scales_to_mn_major(src, mn, kb, ld_src, dt, want, ld) == DGK_OK;
    void *ds = dev_alloc(sn), *dd = dev_alloc(dn);
    cudaMemcpy(ds, src, sn, cudaMemcpyHostToDevice);
    cudaMemset(dd, 0xff, dn);
    dgk_tensor ts = {ds, dt, 2, {mn, kb}, {ld_src, 1}}, td = {dd, dt, 2, {kb, ld}, {0}};
    dgk_status st = dgk_fp8_scales_to_mn_major(ctx, &ts, &td, NULL);
    if (st != DGK_OK)
        printf("  launch: %s\n", dgk_last_error());
    ok = ok && st == DGK_OK && cudaDeviceSynchronize() == cudaSuccess;
    cudaMemcpy(got, dd, dn, cudaMemcpyDeviceToHost);
    ok = ok && same_bytes("dst", got, want, dn);
    printf("%s scales_to_mn_major mn %lld kb %lld ld_src %lld ld %lld %s\n", ok ? "PASS" : "FAIL", (long long)mn,
           (long long)kb, (long long)ld_src, (long long)ld, dt == DGK_DTYPE_F32 ? "f32" : "ue8m0");
    failures += !ok;
    cudaFree(ds), cudaFree(dd);
    free(src), free(want), free(got);
}

/* Bad arguments are refused with a message, nothing launched. */
static void check_refusals(dgk_context *ctx)
{
    float *dx = dev_alloc(256 * 4);
    dgk_tensor x = {dx, DGK_DTYPE_F32, 2, {2, 128}, {0}}, q = {dx, DGK_DTYPE_E4M3, 2, {2, 128}, {0}};
    dgk_tensor s_short = {dx, DGK_DTYPE_F32, 2, {1, 1}, {0}}, s_bf16 = {dx, DGK_DTYPE_BF16, 2, {1, 2}, {0}};
    dgk_tensor x_strided = x, s_ok = {dx, DGK_DTYPE_F32, 2, {1, 2}, {0}};
    x_strided.stride[0] = 256, x_strided.stride[1] = 2; /* the last axis not contiguous */
    const char *what[5] = {"s narrower than rows", "bf16 scales", "q NULL", "dst narrower than mn",
                           "a last axis of stride 2 (at launch)"};
    for (int i = 0; i < 5; i++) {
        dgk_status st = i == 0   ? dgk_fp8_quant_1x128(ctx, &x, &q, &s_short, NULL)
                        : i == 1 ? dgk_fp8_quant_128x128(ctx, &x, &q, &s_bf16, NULL)
                        : i == 2 ? dgk_fp8_quant_1x128(ctx, &x, NULL, &s_short, NULL)
                        : i == 3 ? dgk_fp8_scales_to_mn_major(ctx, &x, &s_short, NULL)
                                 : dgk_fp8_quant_1x128(ctx, &x_strided, &q, &s_ok, NULL);
        int ok = st != DGK_OK;
        printf("%s refused: %s (%s)\n", ok ? "PASS" : "FAIL", what[i], ok ? dgk_last_error() : "accepted");
        failures += !ok;
    }
    cudaFree(dx);
}

/* The FP8 GEMM copies SB's rows whole when K % 512 == 0 (cp.async.bulk): an SB that is
 * not 16-byte aligned is refused at launch naming it, and D is left as it was. */
static void check_sb_alignment(dgk_context *ctx)
{
    enum { M = 128, N = 128, K = 512 };
    uint8_t *buf = dev_alloc(2 * M * K + 4 * (K / 128) * M + 64 + 2 * M * N);
    uint8_t *da = buf, *db = da + M * K, *dsa = db + N * K, *dsb = dsa + 4 * (K / 128) * M, *dd = dsb + 64;
    cudaMemset(buf, 0, (size_t)(dd - buf));
    cudaMemset(dd, 0xff, 2 * M * N);
    dgk_tensor a = {da, DGK_DTYPE_E4M3, 2, {M, K}, {0}}, b = {db, DGK_DTYPE_E4M3, 2, {N, K}, {0}};
    dgk_tensor sa = {dsa, DGK_DTYPE_F32, 2, {K / 128, M}, {0}}, d = {dd, DGK_DTYPE_BF16, 2, {M, N}, {0}};
    dgk_tensor sb = {dsb + 4, DGK_DTYPE_F32, 2, {1, K / 128}, {0}};
    dgk_status st = dgk_gemm_fp8_nt(ctx, &a, &sa, &b, &sb, &d, NULL);
    int ok = st == DGK_EALIGN && strstr(dgk_last_error(), "ptr_SB") != NULL;
    uint8_t *got = malloc(2 * M * N);
    cudaDeviceSynchronize();
    cudaMemcpy(got, dd, 2 * M * N, cudaMemcpyDeviceToHost);
    for (int i = 0; ok && i < 2 * M * N; i++)
        ok = got[i] == 0xff;
    printf("%s refused: dgk_gemm_fp8_nt with SB 4 bytes past a 16-byte boundary, K = 512 (at launch; D untouched) (%s)\n",
           ok ? "PASS" : "FAIL", st != DGK_OK ? dgk_last_error() : "accepted");
    failures += !ok;
    sb.data = dsb;
    st = dgk_gemm_fp8_nt(ctx, &a, &sa, &b, &sb, &d, NULL);
    ok = st == DGK_OK && cudaDeviceSynchronize() == cudaSuccess;
    printf("%s accepted: the same call with SB aligned%s%s\n", ok ? "PASS" : "FAIL", ok ? "" : ": ", ok ? "" : dgk_last_error());
    failures += !ok;
    free(got);
    cudaFree(buf);
}

/* Compiles kernel `kernel` of `src`, launches it once and waits; 0 (the message printed)
 * when any step fails. */
static int run_source(dgk_context *ctx, const char *name, const char *src, const char *kernel,
                      const dgk_tensor *const *params, const double *scalars, int n)
{
    dgk_op *op;
    dgk_status st = dgk_op_create(ctx, name, src, kernel, NULL, 0, &op);
    if (st == DGK_OK)
        st = dgk_op_launch(op, params, scalars, n, NULL);
    int ok = st == DGK_OK && cudaDeviceSynchronize() == cudaSuccess;
    if (!ok)
        printf("  %s: %s\n", kernel, st != DGK_OK ? dgk_last_error() : "the launch failed");
    return ok;
}

/* The elementwise lowering beyond the stock kernels: the golden test's kernel
 * (tests/golden/emit/elementwise.dgk: reductions along rows, exp, broadcasts, iota/where,
 * a transposed store, a runtime return, a += store) on 37 ragged rows, blocks of 8 rows
 * returning from row LIM = 24 on; rows past that keep the poison in Y and their T. */
static const char rownorm_src[] =
    "kernel rownorm<BR = 8, C = 64>(X : bf16[R, C], Y : f32[C, R], T : f32[R], alpha : f32, LIM : i32[1])\n"
    "{\n"
    "    schedule grid (cdiv(R, BR)) -> (i);\n"
    "    if i * BR >= LIM[0] { return; }\n"
    "    let x = f32(X[i*BR +: BR, :]);\n"
    "    let m = amax(x, 1);\n"
    "    let e = exp(x - m[:, new]) * alpha;\n"
    "    let s = sum(e, 1);\n"
    "    let rows = i*BR + iota(BR);\n"
    "    Y[:, i*BR +: BR] = where(rows[:, new] < R, e / s[:, new], 0)^T;\n"
    "    T[i*BR +: BR] += s;\n"
    "}\n";

static float bf16_round(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
    memcpy(&f, &u, 4);
    return f;
}

static void check_rownorm(dgk_context *ctx)
{
    enum { R = 37, C = 64, LIM = 24 };
    const float alpha = 0.75f;
    uint16_t xb[R * C];
    float x[R * C], y[C * R], t[R], t0[R];
    for (int i = 0; i < R * C; i++) {
        x[i] = bf16_round(((float)(rnd() & 0xffff) / 65536.0f - 0.5f) * 8.0f);
        uint32_t u;
        memcpy(&u, &x[i], 4);
        xb[i] = (uint16_t)(u >> 16);
    }
    for (int r = 0; r < R; r++)
        t0[r] = (float)r;
    int lim = LIM;
    void *dx = dev_alloc(sizeof xb), *dy = dev_alloc(sizeof y), *dt = dev_alloc(sizeof t), *dl = dev_alloc(4);
    cudaMemcpy(dx, xb, sizeof xb, cudaMemcpyHostToDevice);
    cudaMemcpy(dt, t0, sizeof t0, cudaMemcpyHostToDevice);
    cudaMemcpy(dl, &lim, 4, cudaMemcpyHostToDevice);
    cudaMemset(dy, 0xff, sizeof y);
    dgk_tensor tx = {dx, DGK_DTYPE_BF16, 2, {R, C}, {0}}, ty = {dy, DGK_DTYPE_F32, 2, {C, R}, {0}};
    dgk_tensor tt = {dt, DGK_DTYPE_F32, 1, {R}, {0}}, tl = {dl, DGK_DTYPE_I32, 1, {1}, {0}};
    const dgk_tensor *params[5] = {&tx, &ty, &tt, NULL, &tl};
    double scalars[5] = {0, 0, 0, alpha, 0};
    int ok = run_source(ctx, "rownorm.dgk", rownorm_src, "rownorm", params, scalars, 5);
    cudaMemcpy(y, dy, sizeof y, cudaMemcpyDeviceToHost);
    cudaMemcpy(t, dt, sizeof t, cudaMemcpyDeviceToHost);
    double worst = 0;
    for (int r = 0; r < R && ok; r++) {
        double m = -INFINITY, sum = 0, e[C];
        for (int c = 0; c < C; c++)
            m = fmax(m, x[r * C + c]);
        for (int c = 0; c < C; c++)
            sum += (e[c] = exp(x[r * C + c] - m) * alpha);
        for (int c = 0; c < C; c++) {
            uint32_t bits;
            memcpy(&bits, &y[c * R + r], 4);
            if (r >= LIM && bits != 0xffffffffu) {
                printf("  Y[%d, %d] was written past LIM\n", c, r);
                ok = 0;
            }
            if (r < LIM)
                worst = fmax(worst, fabs(y[c * R + r] - e[c] / sum) / (e[c] / sum));
        }
        double want_t = r < LIM ? t0[r] + sum : t0[r];
        worst = fmax(worst, fabs(t[r] - want_t) / fabs(want_t > 0 ? want_t : 1));
    }
    ok = ok && worst < 1e-5;
    printf("%s elementwise rownorm (reduce, exp, broadcast, where, transpose, return, +=): worst rel. error %.2e\n",
           ok ? "PASS" : "FAIL", worst);
    failures += !ok;
    cudaFree(dx), cudaFree(dy), cudaFree(dt), cudaFree(dl);
}

/* Small elementwise kernels whose results only a GPU can show (a review's cases): a CTA's
 * loads and stores of one tensor in program order across threads (store then load, load
 * then an overlapping store), `+=` rounding its addend first, a cast stored through a
 * broadcast, an unsigned reduction's identity. Each runs on the inputs set by `init`
 * (n words of 32 bits per tensor, at most 2 tensors) and `check` reads them back. */
typedef struct small_case {
    const char *name, *kernel, *src;
    int64_t m;                       /* the shape symbol M */
    void (*init)(uint32_t *a, uint32_t *b, int64_t m);
    int (*check)(const uint32_t *a, const uint32_t *b, const uint32_t *a0, int64_t m);
    dgk_dtype_id da, db;
    int ranks;                       /* b is [M, 64] when 2 */
} small_case;

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void init_raw(uint32_t *x, uint32_t *y, int64_t m)
{
    memset(x, 0, (size_t)m * 4);
    memset(y, 0xff, (size_t)m * 4);
}
static int check_raw(const uint32_t *x, const uint32_t *y, const uint32_t *x0, int64_t m)
{
    for (int64_t k = 0; k < m; k++)
        if (y[k] != (k % 128 == 64 ? f32_bits(5.0f) : 0u))
            return 0;
    return 1;
}
static void init_war(uint32_t *x, uint32_t *y, int64_t m)
{
    for (int64_t k = 0; k < m; k++)
        x[k] = f32_bits((float)k);
}
static int check_war(const uint32_t *x, const uint32_t *y, const uint32_t *x0, int64_t m)
{
    for (int64_t k = 0; k < m; k++) {
        int64_t t = k % 256 - 1;
        uint32_t want = t >= 0 && t < 128 ? f32_bits((float)(k - 1)) : x0[k];
        if (x[k] != want)
            return 0;
    }
    return 1;
}
static void init_acc_cast(uint32_t *y, uint32_t *x, int64_t m)
{
    for (int64_t k = 0; k < m; k++) {
        ((uint16_t *)y)[k] = 0x3f80; /* bf16 1.0 */
        x[k] = f32_bits(0.0039138794f);  /* 2^-8 + 2^-17: bf16 rounds it to 2^-8, 1 + 2^-8 to 1 */
    }
}
static int check_acc_cast(const uint32_t *y, const uint32_t *x, const uint32_t *y0, int64_t m)
{
    for (int64_t k = 0; k < m; k++)
        if (((const uint16_t *)y)[k] != 0x3f80)
            return 0;
    return 1;
}
static void init_bcast(uint32_t *x, uint32_t *y, int64_t m)
{
    for (int64_t k = 0; k < m * 64; k++)
        x[k] = f32_bits((float)(rnd() % 2001) / 1000.0f - 1.0f);
    memset(y, 0xff, (size_t)(m * 64) * 2);
}
static int check_bcast(const uint32_t *x, const uint32_t *y, const uint32_t *x0, int64_t m)
{
    for (int64_t k = 0; k < m * 64; k++) {
        float f;
        memcpy(&f, &x[k], 4);
        uint32_t want = f32_bits(bf16_round(2.0f * f)) >> 16;
        if (((const uint16_t *)y)[k] != want)
            return 0;
    }
    return 1;
}
static void init_umax(uint32_t *x, uint32_t *y, int64_t m)
{
    for (int64_t k = 0; k < m; k++)
        x[k] = (uint32_t)k;
    y[0] = 0xffffffffu;
}
static int check_umax(const uint32_t *x, const uint32_t *y, const uint32_t *x0, int64_t m)
{
    return y[0] == 255u;
}

static const small_case small_cases[] = {
    {"store then load (raw)", "raw",
     "kernel raw(X : f32[M], Y : f32[M]) { schedule grid (cdiv(M, 128)) -> (i); X[i*128 + 64] = 5.0; "
     "Y[i*128 +: 128] = X[i*128 +: 128]; }",
     128 * 4096, init_raw, check_raw, DGK_DTYPE_F32, DGK_DTYPE_F32, 1},
    {"load then overlapping store (war)", "war",
     "kernel war(X : f32[M]) { schedule grid (cdiv(M, 256)) -> (i); let x = X[i*256 +: 128]; "
     "X[i*256 + 1 +: 128] = x * 1.0; }",
     256 * 4096, init_war, check_war, DGK_DTYPE_F32, DGK_DTYPE_NONE, 1},
    {"+= rounds its addend", "acc",
     "kernel acc(Y : bf16[M], X : f32[M]) { schedule grid (cdiv(M, 128)) -> (i); "
     "Y[i*128 +: 128] += bf16(X[i*128 +: 128]); }",
     512, init_acc_cast, check_acc_cast, DGK_DTYPE_BF16, DGK_DTYPE_F32, 1},
    {"cast stored through a broadcast", "bc",
     "kernel bc(X : f32[M, 64], Y : bf16[M, 64]) { schedule grid (M) -> (i); Y[i +: 1, :] = bf16(X[i, :] * 2.0); }",
     300, init_bcast, check_bcast, DGK_DTYPE_F32, DGK_DTYPE_BF16, 2},
    {"u32 amax", "um",
     "kernel um(X : u32[M], Y : u32[1]) { schedule grid (1) -> (i); Y[0] = amax(X[0 +: 256], 0); }",
     256, init_umax, check_umax, DGK_DTYPE_U32, DGK_DTYPE_U32, 1},
};

static void check_small(dgk_context *ctx, const small_case *sc)
{
    int64_t m = sc->m, na = sc->ranks == 2 ? m * 64 : m, nb = sc->ranks == 2 ? m * 64 : (sc->db == DGK_DTYPE_U32 ? 1 : m);
    size_t ba = (size_t)na * 4, bb = (size_t)nb * 4;
    uint32_t *a = calloc((size_t)na, 4), *b = calloc((size_t)nb, 4), *a0 = calloc((size_t)na, 4);
    sc->init(a, b, m);
    memcpy(a0, a, ba);
    void *da = dev_alloc(ba), *db = dev_alloc(bb);
    cudaMemcpy(da, a, ba, cudaMemcpyHostToDevice);
    cudaMemcpy(db, b, bb, cudaMemcpyHostToDevice);
    int64_t sa[2] = {m, 64}, sb[2] = {sc->db == DGK_DTYPE_U32 ? 1 : m, 64};
    dgk_tensor ta = dgk_tensor_make(da, sc->da, sc->ranks, sa), tb = dgk_tensor_make(db, sc->db, sc->ranks, sb);
    const dgk_tensor *params[2] = {&ta, &tb};
    int ok = run_source(ctx, "small.dgk", sc->src, sc->kernel, params, NULL, sc->db == DGK_DTYPE_NONE ? 1 : 2);
    cudaMemcpy(a, da, ba, cudaMemcpyDeviceToHost);
    cudaMemcpy(b, db, bb, cudaMemcpyDeviceToHost);
    ok = ok && sc->check(a, b, a0, m);
    printf("%s elementwise %s\n", ok ? "PASS" : "FAIL", sc->name);
    failures += !ok;
    cudaFree(da), cudaFree(db);
    free(a), free(b), free(a0);
}

/* A u32 scalar parameter of 2^31 and above reaches the kernel as itself. */
static void check_u32_scalar(dgk_context *ctx)
{
    static const char src[] = "kernel us(Y : u32[1], a : u32) { schedule grid (1) -> (i); Y[0] = a; }";
    uint32_t *dy = dev_alloc(4), y = 0;
    dgk_tensor ty = {dy, DGK_DTYPE_U32, 1, {1}, {0}};
    const dgk_tensor *params[2] = {&ty, NULL};
    double scalars[2] = {0, 3000000000.0};
    int ok = run_source(ctx, "us.dgk", src, "us", params, scalars, 2);
    cudaMemcpy(&y, dy, 4, cudaMemcpyDeviceToHost);
    ok = ok && y == 3000000000u;
    printf("%s elementwise u32 scalar 3000000000: got %u\n", ok ? "PASS" : "FAIL", y);
    failures += !ok;
    cudaFree(dy);
}

/* examples/rmsnorm_fp8.dgk (read from the repository, run from its root): RMSNorm fused
 * with per-token FP8 quantization, against a double-precision RMSNorm: every dequantized
 * q * s within e4m3's rounding of y (|y| 2^-4, plus s 2^-9 in the subnormal range) and
 * every scale within 1e-5 of max(amax, 1e-4) / 448; the padding scales 0. 37 rows (the
 * last block ragged), H = 1024. */
static void check_rmsnorm_example(dgk_context *ctx)
{
    enum { R = 37, H = 1024, KB = H / 128, LS = 40 };
    static char src[8192];
    FILE *f = fopen("examples/rmsnorm_fp8.dgk", "r");
    size_t n = f ? fread(src, 1, sizeof src - 1, f) : 0;
    if (f)
        fclose(f);
    src[n] = 0;
    if (!n) {
        printf("FAIL example rmsnorm_fp8: cannot read examples/rmsnorm_fp8.dgk (run from the repository root)\n");
        failures++;
        return;
    }
    static uint16_t xb[R * H], wb[H];
    static float x[R * H], w[H], sc[KB * LS];
    static uint8_t q[R * H];
    for (int i = 0; i < R * H; i++) {
        x[i] = bf16_round(((float)(rnd() % 20001) / 10000.0f - 1.0f) * (float)(1 + i / H % 5));
        xb[i] = (uint16_t)(f32_bits(x[i]) >> 16);
    }
    for (int c = 0; c < H; c++) {
        w[c] = bf16_round(0.5f + (float)(rnd() % 1000) / 1000.0f);
        wb[c] = (uint16_t)(f32_bits(w[c]) >> 16);
    }
    void *dx = dev_alloc(sizeof xb), *dw = dev_alloc(sizeof wb), *dq = dev_alloc(sizeof q), *ds = dev_alloc(sizeof sc);
    cudaMemcpy(dx, xb, sizeof xb, cudaMemcpyHostToDevice);
    cudaMemcpy(dw, wb, sizeof wb, cudaMemcpyHostToDevice);
    cudaMemset(dq, 0xff, sizeof q);
    cudaMemset(ds, 0xff, sizeof sc);
    dgk_tensor tx = {dx, DGK_DTYPE_BF16, 2, {R, H}, {0}}, tw = {dw, DGK_DTYPE_BF16, 1, {H}, {0}};
    dgk_tensor tq = {dq, DGK_DTYPE_E4M3, 2, {R, H}, {0}}, ts = {ds, DGK_DTYPE_F32, 2, {KB, LS}, {0}};
    const dgk_tensor *params[5] = {&tx, &tw, &tq, &ts, NULL};
    double scalars[5] = {0, 0, 0, 0, 1e-6};
    int ok = run_source(ctx, "examples/rmsnorm_fp8.dgk", src, "rmsnorm_fp8", params, scalars, 5);
    cudaMemcpy(q, dq, sizeof q, cudaMemcpyDeviceToHost);
    cudaMemcpy(sc, ds, sizeof sc, cudaMemcpyDeviceToHost);
    double worst = 0;
    for (int r = 0; r < LS && ok; r++) {
        double ss = 0;
        for (int c = 0; r < R && c < H; c++)
            ss += (double)x[r * H + c] * x[r * H + c];
        double rinv = 1.0 / sqrt(ss / H + 1e-6);
        for (int kb = 0; kb < KB; kb++) {
            float s = sc[kb * LS + r];
            if (r >= R) { /* padding scale */
                ok &= s == 0.0f;
                continue;
            }
            double amax = 0, y[128];
            for (int c = 0; c < 128; c++)
                amax = fmax(amax, fabs(y[c] = x[r * H + kb * 128 + c] * rinv * w[kb * 128 + c]));
            double want_s = fmax(amax, 1e-4) / 448;
            ok &= fabs(s - want_s) <= 1e-5 * want_s;
            for (int c = 0; c < 128; c++) {
                double err = fabs(dgk_host_e4m3_to_f32(q[r * H + kb * 128 + c]) * (double)s - y[c]);
                double bound = fabs(y[c]) / 16 + s / 512.0;
                worst = fmax(worst, err / bound);
            }
        }
    }
    ok = ok && worst <= 1.0;
    printf("%s example rmsnorm_fp8 (H %d, %d rows): worst error %.2f of e4m3's rounding bound\n", ok ? "PASS" : "FAIL", H,
           R, worst);
    failures += !ok;
    cudaFree(dx), cudaFree(dw), cudaFree(dq), cudaFree(ds);
}

extern const char dgk_stdlib_fp8_prep[]; /* libdgk's embedded stdlib/fp8_prep.dgk */

/* One timed call: the stock entry point, or (br > 0) fp8_quant_1x128 compiled with -D BR=br,
 * a tile the entry point does not use (the sweep that picked its default). */
static dgk_status quant_call(dgk_context *ctx, int per_block, int br, const dgk_tensor *x, const dgk_tensor *q,
                             const dgk_tensor *s)
{
    if (br <= 0)
        return (per_block ? dgk_fp8_quant_128x128 : dgk_fp8_quant_1x128)(ctx, x, q, s, NULL);
    static dgk_op *ops[1024];
    char def[32];
    snprintf(def, sizeof def, "BR=%d", br);
    const char *defs[2] = {"TS=f32", def};
    dgk_status st = ops[br & 1023] ? DGK_OK
                                   : dgk_op_create(ctx, "stdlib/fp8_prep.dgk", dgk_stdlib_fp8_prep, "fp8_quant_1x128",
                                                   defs, 2, &ops[br & 1023]);
    const dgk_tensor *params[3] = {x, q, s};
    return st != DGK_OK ? st : dgk_op_launch(ops[br & 1023], params, NULL, 3, NULL);
}

/* Median time of `reps` launches, each after an L2 flush; GB/s over the bytes moved. */
static void bench(dgk_context *ctx, int per_block, int br, int64_t rows, int64_t k)
{
    enum { REPS = 20 };
    int64_t kb = (k + 127) / 128, srows = per_block ? (rows + 127) / 128 : kb;
    int64_t lds = per_block ? kb : dgk_fp8_scale_stride(rows, DGK_DTYPE_F32);
    size_t xn = (size_t)(rows * k), flush_n = 256u << 20;
    void *dx = dev_alloc(xn * 4), *dq = dev_alloc(xn), *ds = dev_alloc((size_t)(srows * lds) * 4), *fl = dev_alloc(flush_n);
    cudaMemset(dx, 0, xn * 4);
    dgk_tensor tx = {dx, DGK_DTYPE_F32, 2, {rows, k}, {0}}, tq = {dq, DGK_DTYPE_E4M3, 2, {rows, k}, {0}};
    dgk_tensor ts = {ds, DGK_DTYPE_F32, 2, {srows, lds}, {0}};
    float ms[REPS];
    cudaEvent_t a, b;
    cudaEventCreate(&a), cudaEventCreate(&b);
    int ok = quant_call(ctx, per_block, br, &tx, &tq, &ts) == DGK_OK;
    for (int r = 0; r < REPS && ok; r++) {
        cudaMemset(fl, r, flush_n);
        cudaEventRecord(a, NULL);
        ok = quant_call(ctx, per_block, br, &tx, &tq, &ts) == DGK_OK;
        cudaEventRecord(b, NULL);
        cudaEventSynchronize(b);
        cudaEventElapsedTime(&ms[r], a, b);
    }
    for (int i = 1; i < REPS; i++) /* insertion sort: REPS is small */
        for (int j = i; j > 0 && ms[j] < ms[j - 1]; j--) {
            float t = ms[j];
            ms[j] = ms[j - 1], ms[j - 1] = t;
        }
    double us = ms[REPS / 2] * 1e3, bytes = (double)xn * 5 + (double)(srows * lds) * 4;
    if (ok)
        printf("bench quant %s%s%.0d %lld x %lld: %.1f us, %.0f GB/s (x read, q and s written; events, L2 flushed)\n",
               per_block ? "128x128" : "1x128", br > 0 ? " BR=" : "", br > 0 ? br : 0, (long long)rows, (long long)k, us,
               bytes / us * 1e-3);
    else
        printf("FAIL bench quant: %s\n", dgk_last_error());
    failures += !ok;
    cudaFree(dx), cudaFree(dq), cudaFree(ds), cudaFree(fl);
}

int main(int argc, char **argv)
{
    int do_bench = argc > 1 && strcmp(argv[1], "--bench") == 0;
    if (argc > 1 && !do_bench) {
        fprintf(stderr, "usage: dgk-prep-check [--bench]\n");
        return 2;
    }
    dgk_context *ctx;
    if (dgk_init(0, &ctx) != DGK_OK) {
        printf("FAIL dgk_init: %s\n", dgk_last_error());
        return 1;
    }
    static const quant_case cases[] = {
        {"tiny", 0, 1, 128, 0, DGK_DTYPE_F32},        {"ragged", 0, 37, 300, 3, DGK_DTYPE_F32},
        {"ragged", 0, 37, 300, 12, DGK_DTYPE_UE8M0},   {"activation", 0, 4096, 7168, 0, DGK_DTYPE_F32},
        {"activation", 0, 4096, 7168, 0, DGK_DTYPE_UE8M0}, {"tiny", 1, 1, 128, 0, DGK_DTYPE_F32},
        {"ragged", 1, 130, 257, 2, DGK_DTYPE_F32},      {"ragged", 1, 130, 257, 1, DGK_DTYPE_UE8M0},
        {"weight", 1, 2112, 7168, 0, DGK_DTYPE_F32},    {"weight", 1, 7168, 2048, 0, DGK_DTYPE_UE8M0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_quant(ctx, &cases[i]);
    check_mn_major(ctx, 1, 1, 1, 4, DGK_DTYPE_F32);
    check_mn_major(ctx, 4096, 56, 60, 4096, DGK_DTYPE_F32);
    check_mn_major(ctx, 37, 3, 5, 40, DGK_DTYPE_F32);
    check_mn_major(ctx, 37, 3, 3, 48, DGK_DTYPE_UE8M0);
    check_mn_major(ctx, 300, 130, 131, 304, DGK_DTYPE_F32);
    check_refusals(ctx);
    check_sb_alignment(ctx);
    check_rownorm(ctx);
    for (size_t i = 0; i < sizeof small_cases / sizeof small_cases[0]; i++)
        check_small(ctx, &small_cases[i]);
    check_u32_scalar(ctx);
    check_rmsnorm_example(ctx);
    if (do_bench) {
        bench(ctx, 0, 0, 4096, 7168);
        bench(ctx, 1, 0, 7168, 7168);
        bench(ctx, 1, 0, 4096, 7168);
        for (int br = 16; br <= 128; br *= 2) /* the 1x128 kernel's row blocks */
            bench(ctx, 0, br, 4096, 7168);
    }
    dgk_destroy(ctx);
    printf("%s: %d failure%s\n", failures ? "FAIL" : "PASS", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
