/* user_grouped_check.c - dgk-user-grouped-check: the grouped schedules from a user's own
 * kernel, with epilogues that read the tile's group's entry of a per-expert tensor, on the
 * GPU (compiled with dgk_op_create):
 *   contiguous        examples/moe_expert_epilogue.dgk's moe_up_bias_silu (read at run
 *                     time: the path given, else from the repository root): D = silu(A @
 *                     B[g]^T + BIAS[g]) on groups of 300, 0, 517 and 128 rows (padding rows
 *                     between them), N 384, K 256;
 *   contiguous-cols   the kernel below: D = A @ B[g]^T * SC[:, 1] + BT[:, g], vectors along
 *                     the first axis of their tensors (a point on the unit-stride axis: a
 *                     constant and the group), both tensors views into wider rows, so a read
 *                     at the wrong stride shows;
 *   masked, BM 128 and BM 32 (swapped operands, another store path): the example's
 *                     moe_down_routed, D[g] = W[g, row] * (A[g] @ B[g]^T), 200 / 0 / 512 of
 *                     512 rows valid, N 256, K 192;
 *   masked-short      the same with W [2, 150]: shorter than the groups (3) and the valid
 *                     rows (200), so the kernel's bounds on the tensor's own extents must make
 *                     W read 0 past them (D 0 there), where an unbounded read lands in
 *                     another group's row or past the buffer;
 *   masked-residual   the example's moe_down_residual, D[g] = S[g] * (A[g] @ B[g]^T) + R[g]:
 *                     an expert's scale (`S[g]`) and the group's residual tile (a 3-D tensor
 *                     read at the group);
 *   contiguous-short-residual  moe_resid_short, D = S[g] * (A @ B[g]^T) + R with R of 600
 *                     rows of 1536 (a view into random rows): the tile's own bound must make
 *                     it read 0 past them.
 * Fresh random BF16 inputs, D poisoned (0xff bytes); every valid row against a double
 * host reference by DeepGEMM's diff (< 1e-5), every padding row (contiguous) and every
 * row of a block past masked[g] (masked: such blocks are skipped; the rest of a block that
 * holds valid rows is computed like them, so left unchecked) still poison. Each case also
 * checks that its comparator fails the fault this test is for: the reference taken with
 * group 0's entry of the per-expert tensor for every group must not pass (an epilogue that
 * dropped the group subscript read group 0's row; dgkc once did). Prints PASS/FAIL per
 * case, then `user-grouped-check: N passed, M failed`; exits non-zero on a failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "dgk.h"
#include "user_common.h"

enum { PAD = 128 };  /* contiguous groups start at multiples of it (the kernels' BM there) */

/* The check's own kernels: vectors along the first axis of their tensors, at a constant and
 * at the group (moe_cols); a per-group vector shorter than the groups and the rows
 * (moe_short); a per-group scale and a residual tile with fewer rows than the output
 * (moe_resid_short). */
static const char own_src[] =
    "kernel moe_cols<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[G, N, K], SC : f32[N, 2], BT : f32[N, G],\n"
    "                                     GID : i32[M], D : bf16[M, N]) {\n"
    "    schedule m_grouped_contiguous (cdiv(M, BM), cdiv(N, BN)) group_ids GID -> (i, j, g);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*BM +: BM, k*64 +: 64], B[g, j*BN +: BN, k*64 +: 64]^T); }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc * SC[j*BN +: BN, 1][new, :] + BT[j*BN +: BN, g][new, :]);\n"
    "}\n"
    "kernel moe_short<BM = 128, BN = 128>(A : bf16[G, MMAX, K], B : bf16[G, N, K], W : f32[E, R], MASK : i32[G],\n"
    "                                      D : bf16[G, MMAX, N]) {\n"
    "    schedule m_grouped_masked (G, cdiv(MMAX, BM), cdiv(N, BN)) masked MASK -> (g, i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[g, i*BM +: BM, k*64 +: 64], B[g, j*BN +: BN, k*64 +: 64]^T); }\n"
    "    D[g, i*BM +: BM, j*BN +: BN] = bf16(acc * W[g, i*BM +: BM][:, new]);\n"
    "}\n"
    "kernel moe_resid_short<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[G, N, K], S : f32[G], R : f32[MR, N],\n"
    "                                            GID : i32[M], D : bf16[M, N]) {\n"
    "    schedule m_grouped_contiguous (cdiv(M, BM), cdiv(N, BN)) group_ids GID -> (i, j, g);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*BM +: BM, k*64 +: 64], B[g, j*BN +: BN, k*64 +: 64]^T); }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc * S[g] + R[i*BM +: BM, j*BN +: BN]);\n"
    "}\n";
static const double DIFF_BAR = 1e-5;
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

/* A case's verdict: "not run" when it could not run (`ran` 0), else its diffs, from the
 * sums against the reference (`got`) and of the group-0 fault (`fault`), against the bar. */
static int report(const char *what, int ran, verdict *v, const diff_acc *got, const diff_acc *fault)
{
    if (!ran) {
        printf("FAIL %s: not run\n", what);
        return 0;
    }
    v->diff = diff_of(got);
    v->fault_diff = diff_of(fault);
    int ok = v->diff < DIFF_BAR && v->untouched_bad == 0 && v->fault_diff >= DIFF_BAR;
    printf("%s %s: diff %.2e (bar %.0e), padding written %lld, group-0 fault diff %.2e (must fail)\n",
           ok ? "PASS" : "FAIL", what, v->diff, DIFF_BAR, (long long)v->untouched_bad, v->fault_diff);
    return ok;
}

/* The example (its path and text) and the source of the other kernels. */
typedef struct sources {
    const char *example_path, *example;
} sources;

/* A contiguous case: groups of 300, 0, 517 and 128 rows (an id per row, -1 for the
 * padding), N 384, K 256. cols 0: the example's moe_up_bias_silu, D = silu(acc +
 * BIAS[g]); cols 1: moe_cols, D = acc * SC[:, 1] + BT[:, g] with SC [N, 2] and BT [N, G]
 * views into rows of 5 and G + 3 floats. */
static int contiguous(dgk_context *ctx, const sources *src, int cols)
{
    enum { G = 4, N = 384, K = 256, SC_LD = 5, BT_LD = G + 3 };
    static const int rows[G] = {300, 0, 517, 128};
    int64_t row0[G], M = 0;
    for (int g = 0; g < G; g++)
        row0[g] = M, M += (rows[g] + PAD - 1) / PAD * PAD;
    uint16_t *a16 = malloc(sizeof *a16 * (size_t)(M * K)), *b16 = malloc(sizeof *b16 * (size_t)(G * N * K));
    double *a = malloc(sizeof *a * (size_t)(M * K)), *b = malloc(sizeof *b * (size_t)(G * N * K));
    float *bias = malloc(sizeof *bias * G * N), *sc = malloc(sizeof *sc * N * SC_LD), *bt = malloc(sizeof *bt * N * BT_LD);
    int32_t *ids = malloc(sizeof *ids * (size_t)M);
    uint16_t *d = malloc(sizeof *d * (size_t)(M * N)), *d0 = malloc(sizeof *d0 * (size_t)(M * N));
    int ok = a16 && b16 && a && b && bias && sc && bt && ids && d && d0;
    if (ok) {
        draw_bf16(a16, a, M * K);
        draw_bf16(b16, b, (int64_t)G * N * K);
        draw_f32(bias, G * N, -4, 4);
        draw_f32(sc, N * SC_LD, 0.25, 2.0);
        draw_f32(bt, N * BT_LD, -4, 4);
    }
    for (int g = 0; ok && g < G; g++)
        for (int64_t r = 0; r < (rows[g] + PAD - 1) / PAD * PAD; r++)
            ids[row0[g] + r] = r < rows[g] ? g : -1;
    if (ok)
        memset(d0, 0xff, sizeof *d0 * (size_t)(M * N));
    dev dv = {0};
    int64_t sa[2] = {M, K}, sb[3] = {G, N, K}, sbias[2] = {G, N}, ssc[2] = {N, 2}, sbt[2] = {N, G}, sid[1] = {M},
            sd[2] = {M, N};
    ok = ok && put(&dv, a16, sizeof *a16 * (size_t)(M * K), DGK_DTYPE_BF16, 2, sa) &&
         put(&dv, b16, sizeof *b16 * (size_t)(G * N * K), DGK_DTYPE_BF16, 3, sb);
    if (cols)
        ok = ok && put_ld(&dv, sc, sizeof *sc * N * SC_LD, DGK_DTYPE_F32, 2, ssc, SC_LD) &&
             put_ld(&dv, bt, sizeof *bt * N * BT_LD, DGK_DTYPE_F32, 2, sbt, BT_LD);
    else
        ok = ok && put(&dv, bias, sizeof *bias * G * N, DGK_DTYPE_F32, 2, sbias);
    ok = ok && put(&dv, ids, sizeof *ids * (size_t)M, DGK_DTYPE_I32, 1, sid) &&
         put(&dv, d0, sizeof *d0 * (size_t)(M * N), DGK_DTYPE_BF16, 2, sd) &&
         (cols ? run(ctx, "user_grouped_check.c", own_src, "moe_cols", NULL, 0, &dv, d, sizeof *d * (size_t)(M * N))
               : run(ctx, src->example_path, src->example, "moe_up_bias_silu", NULL, 0, &dv, d, sizeof *d * (size_t)(M * N)));
    ok &= dev_free(&dv);
    verdict v = {0};
    diff_acc got = {0}, fault = {0};
    for (int64_t r = 0; ok && r < M; r++)
        for (int64_t n = 0; n < N; n++) {
            const int g = ids[r];
            if (g < 0) {
                v.untouched_bad += d[r * N + n] != 0xffff;
                continue;
            }
            double s = dot(a, b, r, g, n, N, K), want, wrong;
            if (cols)
                want = s * sc[n * SC_LD + 1] + bt[n * BT_LD + g], wrong = s * sc[n * SC_LD + 1] + bt[n * BT_LD];
            else
                want = silu(s + bias[g * N + n]), wrong = silu(s + bias[n]);
            diff_add(&got, from_bf16(d[r * N + n]), want);
            diff_add(&fault, wrong, want);
        }
    free(a16), free(b16), free(a), free(b), free(bias), free(sc), free(bt), free(ids), free(d), free(d0);
    const char *what = cols ? "contiguous moe_cols (SC[:, 1], BT[:, g] in wider rows; groups of 300, 0, 517, 128 rows; N 384, K 256)"
                            : "contiguous moe_up_bias_silu (groups of 300, 0, 517, 128 rows; N 384, K 256)";
    return report(what, ok, &v, &got, &fault);
}

static int contiguous_bias(dgk_context *ctx, const sources *src)
{
    return contiguous(ctx, src, 0);
}

static int contiguous_cols(dgk_context *ctx, const sources *src)
{
    return contiguous(ctx, src, 1);
}

/* The example's moe_down_routed compiled at BM = bm (short: moe_short, W [W_E, W_R]):
 * masked groups of MMAX row slots, masked[g] of them valid. */
static int masked(dgk_context *ctx, const sources *src, int bm, int short_w)
{
    enum { G = 3, MMAX = 512, N = 256, K = 192, W_E = 2, W_R = 150 };
    const int64_t w_e = short_w ? W_E : G, w_r = short_w ? W_R : MMAX;
    static const int32_t valid[G] = {200, 0, 512};
    const int64_t rows = (int64_t)G * MMAX;
    uint16_t *a16 = malloc(sizeof *a16 * (size_t)(rows * K)), *b16 = malloc(sizeof *b16 * (size_t)(G * N * K));
    double *a = malloc(sizeof *a * (size_t)(rows * K)), *b = malloc(sizeof *b * (size_t)(G * N * K));
    float *w = malloc(sizeof *w * (size_t)(w_e * w_r));
    uint16_t *d = malloc(sizeof *d * (size_t)(rows * N)), *d0 = malloc(sizeof *d0 * (size_t)(rows * N));
    int ok = a16 && b16 && a && b && w && d && d0;
    if (ok) {
        draw_bf16(a16, a, rows * K);
        draw_bf16(b16, b, (int64_t)G * N * K);
        draw_f32(w, w_e * w_r, 0.1, 2.0);
    }
    if (ok)
        memset(d0, 0xff, sizeof *d0 * (size_t)(rows * N));
    char bm_def[16];
    snprintf(bm_def, sizeof bm_def, "BM=%d", bm);
    const char *defs[1] = {bm_def};
    dev dv = {0};
    int64_t sa[3] = {G, MMAX, K}, sb[3] = {G, N, K}, sw[2] = {w_e, w_r}, sm[1] = {G}, sd[3] = {G, MMAX, N};
    ok = ok && put(&dv, a16, sizeof *a16 * (size_t)(rows * K), DGK_DTYPE_BF16, 3, sa) &&
         put(&dv, b16, sizeof *b16 * (size_t)(G * N * K), DGK_DTYPE_BF16, 3, sb) &&
         put(&dv, w, sizeof *w * (size_t)(w_e * w_r), DGK_DTYPE_F32, 2, sw) &&
         put(&dv, valid, sizeof valid, DGK_DTYPE_I32, 1, sm) &&
         put(&dv, d0, sizeof *d0 * (size_t)(rows * N), DGK_DTYPE_BF16, 3, sd) &&
         (short_w ? run(ctx, "user_grouped_check.c", own_src, "moe_short", defs, 1, &dv, d, sizeof *d * (size_t)(rows * N))
                  : run(ctx, src->example_path, src->example, "moe_down_routed", defs, 1, &dv, d, sizeof *d * (size_t)(rows * N)));
    ok &= dev_free(&dv);
    verdict v = {0};
    diff_acc got = {0}, fault = {0};
    for (int g = 0; ok && g < G; g++)
        for (int64_t r = 0; r < MMAX; r++)
            for (int64_t n = 0; n < N; n++) {
                int64_t at = ((int64_t)g * MMAX + r) * N + n;
                if (r >= (valid[g] + bm - 1) / bm * bm) { /* a block past the count: skipped */
                    v.untouched_bad += d[at] != 0xffff;
                    continue;
                }
                if (r >= valid[g])
                    continue;
                double s = dot(a, b, (int64_t)g * MMAX + r, g, n, N, K);
                double wg = g < w_e && r < w_r ? w[g * w_r + r] : 0.0, w0 = r < w_r ? w[r] : 0.0;
                diff_add(&got, from_bf16(d[at]), wg * s);
                diff_add(&fault, w0 * s, wg * s);
            }
    free(a16), free(b16), free(a), free(b), free(w), free(d), free(d0);
    char what[128];
    snprintf(what, sizeof what, "masked %s BM %d%s (200, 0, 512 of 512 rows; N 256, K 192)",
             short_w ? "moe_short (W [2, 150]: 0 past it)" : "moe_down_routed", bm, bm < 64 ? ", operands swapped" : "");
    return report(what, ok, &v, &got, &fault);
}

static int masked_128(dgk_context *ctx, const sources *src)
{
    return masked(ctx, src, 128, 0);
}

static int masked_32(dgk_context *ctx, const sources *src)
{
    return masked(ctx, src, 32, 0);
}

static int masked_short(dgk_context *ctx, const sources *src)
{
    return masked(ctx, src, 128, 1);
}

/* Tiles and elements read in the epilogue. resid 0: the example's moe_down_residual on the
 * masked groups of masked(), D[g] = S[g] * (A[g] @ B[g]^T) + R[g] (S [G], R [G, MMAX, N]
 * bf16, read at the group). resid 1: moe_resid_short on the contiguous groups of
 * contiguous(), D = S[g] * (A @ B[g]^T) + R with R f32 [RROWS, N] of fewer rows than D: a
 * view of the first RROWS rows of a buffer of M random rows, so a read past R's own extent
 * (bounded only by D's, as dgkc once did) lands on a random value, not on 0. */
static int reads(dgk_context *ctx, const sources *src, int resid)
{
    enum { G = 3, MMAX = 512, N = 256, K = 192, RROWS = 600 };
    static const int32_t valid[G] = {200, 0, 512};
    const int64_t rows = (int64_t)G * MMAX; /* resid 1: the same rows as groups of MMAX, padded */
    uint16_t *a16 = malloc(sizeof *a16 * (size_t)(rows * K)), *b16 = malloc(sizeof *b16 * (size_t)(G * N * K));
    double *a = malloc(sizeof *a * (size_t)(rows * K)), *b = malloc(sizeof *b * (size_t)(G * N * K));
    double *rx = malloc(sizeof *rx * (size_t)(rows * N));
    uint16_t *r16 = malloc(sizeof *r16 * (size_t)(rows * N));
    float *s = malloc(sizeof *s * G), *r32 = malloc(sizeof *r32 * (size_t)(rows * N));
    int32_t *ids = malloc(sizeof *ids * (size_t)rows);
    uint16_t *d = malloc(sizeof *d * (size_t)(rows * N)), *d0 = malloc(sizeof *d0 * (size_t)(rows * N));
    int ok = a16 && b16 && a && b && rx && r16 && s && r32 && ids && d && d0;
    if (ok) {
        draw_bf16(a16, a, rows * K);
        draw_bf16(b16, b, (int64_t)G * N * K);
        draw_f32(s, G, 0.25, 2.0);
        draw_bf16(r16, rx, rows * N);
        for (int64_t i = 0; i < rows * N; i++)
            r32[i] = (float)(4 * rx[i]);
        for (int64_t r = 0; r < rows; r++) /* contiguous: group r / MMAX, its rows past valid[] padding */
            ids[r] = r % MMAX < valid[r / MMAX] ? (int32_t)(r / MMAX) : -1;
        memset(d0, 0xff, sizeof *d0 * (size_t)(rows * N));
    }
    dev dv = {0};
    int64_t sa3[3] = {G, MMAX, K}, sa2[2] = {rows, K}, sb[3] = {G, N, K}, ss[1] = {G}, sr3[3] = {G, MMAX, N},
            sr2[2] = {RROWS, N}, sm[1] = {G}, sid[1] = {rows}, sd3[3] = {G, MMAX, N}, sd2[2] = {rows, N};
    const size_t dbytes = sizeof *d * (size_t)(rows * N);
    ok = ok && put(&dv, a16, sizeof *a16 * (size_t)(rows * K), DGK_DTYPE_BF16, resid ? 2 : 3, resid ? sa2 : sa3) &&
         put(&dv, b16, sizeof *b16 * (size_t)(G * N * K), DGK_DTYPE_BF16, 3, sb) &&
         put(&dv, s, sizeof *s * G, DGK_DTYPE_F32, 1, ss);
    if (resid)
        ok = ok && put_ld(&dv, r32, sizeof *r32 * (size_t)(rows * N), DGK_DTYPE_F32, 2, sr2, N) &&
             put(&dv, ids, sizeof *ids * (size_t)rows, DGK_DTYPE_I32, 1, sid) &&
             put(&dv, d0, dbytes, DGK_DTYPE_BF16, 2, sd2) &&
             run(ctx, "user_grouped_check.c", own_src, "moe_resid_short", NULL, 0, &dv, d, dbytes);
    else
        ok = ok && put(&dv, r16, sizeof *r16 * (size_t)(rows * N), DGK_DTYPE_BF16, 3, sr3) &&
             put(&dv, valid, sizeof valid, DGK_DTYPE_I32, 1, sm) && put(&dv, d0, dbytes, DGK_DTYPE_BF16, 3, sd3) &&
             run(ctx, src->example_path, src->example, "moe_down_residual", NULL, 0, &dv, d, dbytes);
    ok &= dev_free(&dv);
    verdict v = {0};
    diff_acc got = {0}, fault = {0};
    for (int g = 0; ok && g < G; g++)
        for (int64_t r = 0; r < MMAX; r++)
            for (int64_t n = 0; n < N; n++) {
                const int64_t row = (int64_t)g * MMAX + r, at = row * N + n;
                /* untouched: masked, a block past the count (skipped); contiguous, a padding row */
                if (resid ? r >= valid[g] : r >= (valid[g] + 127) / 128 * 128) {
                    v.untouched_bad += d[at] != 0xffff;
                    continue;
                }
                if (r >= valid[g])
                    continue;
                const double acc = dot(a, b, row, g, n, N, K);
                const double res = resid ? (row < RROWS ? r32[at] : 0.0) : rx[at];
                const double res0 = resid ? res : rx[r * N + n]; /* group 0's residual tile */
                diff_add(&got, from_bf16(d[at]), s[g] * acc + res);
                diff_add(&fault, s[0] * acc + res0, s[g] * acc + res);
            }
    free(a16), free(b16), free(a), free(b), free(rx), free(r16), free(s), free(r32), free(ids), free(d), free(d0);
    const char *what = resid ? "contiguous moe_resid_short (S[g], R [600, N] of 1536 rows: 0 past it; groups of 200, 0, 512 rows)"
                             : "masked moe_down_residual (S[g], R[g, i*BM +: BM, j*BN +: BN]; 200, 0, 512 of 512 rows)";
    return report(what, ok, &v, &got, &fault);
}

static int masked_residual(dgk_context *ctx, const sources *src)
{
    return reads(ctx, src, 0);
}

static int contiguous_short_residual(dgk_context *ctx, const sources *src)
{
    return reads(ctx, src, 1);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/moe_expert_epilogue.dgk";
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        printf("usage: dgk-user-grouped-check [EXAMPLE.dgk]   (default examples/moe_expert_epilogue.dgk)\n");
        return 2;
    }
    char *text = read_file(path);
    if (!text) {
        printf("FAIL cannot read %s (run from the repository root or give its path)\nuser-grouped-check: 0 passed, 1 failed\n",
               path);
        return 1;
    }
    dgk_context *ctx = NULL;
    if (dgk_init(0, &ctx) != DGK_OK) {
        printf("FAIL dgk_init: %s\nuser-grouped-check: 0 passed, 1 failed\n", dgk_last_error());
        free(text);
        return 1;
    }
    const sources src = {path, text};
    static int (*const cases[])(dgk_context *, const sources *) = {contiguous_bias, contiguous_cols, masked_128, masked_32,
                                                                         masked_short, masked_residual,
                                                                         contiguous_short_residual};
    int passed = 0, failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        cases[c](ctx, &src) ? passed++ : failed++;
    printf("user-grouped-check: %d passed, %d failed\n", passed, failed);
    dgk_destroy(ctx);
    free(text);
    return failed ? 1 : 0;
}
