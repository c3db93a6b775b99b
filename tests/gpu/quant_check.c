/* quant_check.c - dgk-quant-check: GEMM epilogues that reduce each row of the tile and
 * store per-row vectors beside it (the row pass, backend/sm90/emit_epi_rows.c), from a
 * user's own kernels compiled with dgk_op_create, on the GPU:
 *   quant            examples/gemm_quant_fp8.dgk (read at run time: the path given, else
 *                    from the repository root): with m = max(amax(|acc|) over the row's 128
 *                    columns, 1e-4), Q = e4m3(acc * (448 / m)) and the scale m / 448 stored
 *                    MN-major into QS[j, i*BM +: BM], at BM 128 (two consumer warpgroups)
 *                    and 64 (one);
 *   quant-kmajor     the same with QS [M, N / 128] stored at `QS[i*BM +: BM, j]`;
 *   quant-ue8m0      the scale rounded up to a power of two and stored as a ue8m0 byte;
 *   quant-div        the scale s = m / 448 first, Q = e4m3(acc / s): a division of every
 *                    element by a row value;
 *   quant-contiguous the example's epilogue on the m-grouped contiguous schedule (an expert's
 *                    output quantized for the next GEMM), groups of 300, 0, 517 and 128 rows
 *                    padded to 128, by group ids and by offsets: padding rows' Q and scales
 *                    must stay untouched;
 *   softmax          P = softmax of each row of the tile (N = BN, one tile per row),
 *                    L[row] = log(sum) + max (a reduction of a value that depends on another
 *                    reduction), MN[row] = bf16(min |acc|), at BM 128 and 64, and at N 96 < BN
 *                    (where a column past N folded in as the TMA's 0 would make MN 0);
 * M is 300 (no multiple of BM) and N 592 (five column blocks, the last of 80 columns: a
 * reduction must leave out the columns past N), 80 (one block: B's TMA box is fit to N
 * rows, so the staging past them holds stale data) or 128 and 96 (softmax, BN 128); K 512
 * / 256. Fresh random BF16 inputs; every output poisoned (0xff bytes), the scale tensors as
 * views whose rows are wider than their extent. Checks, against a double host reference
 * from the exact BF16 inputs:
 *   - each scale within 1e-4 (relative) of max(amax, 1e-4) / 448 (ue8m0: the exact byte of
 *     its power of two, except within 1e-5 of a power-of-two boundary);
 *   - each Q element, dequantized with the kernel's own scale, within half an e4m3 step of
 *     acc / s (|x| / 16, or 2^-10 below the normal range) plus 1e-5 of the sum of its terms'
 *     magnitudes (the f32 accumulation's share), and DeepGEMM's diff of Q * s against acc <
 *     2e-3;
 *   - softmax: DeepGEMM's diff of P, L and MN against the reference < 1e-5;
 *   - every element past M (rows of Q, P; entries of QS, L, MN) and in the gaps of the
 *     views still poison.
 * Each case also runs its comparator on a fault that must fail: the scales of column block
 * 0 for every block (quant; with one block, the previous row's), the row's maximum
 * replaced by the first row's (softmax).
 * Prints PASS/FAIL per case, then `quant-check: N passed, M failed`; exits non-zero on a
 * failure.
 * --bench (after the checks): the example at M 4096, N 7168, K 7168 beside the same kernel
 * storing bf16 without the quantization (plain_bf16: what the epilogue's row pass costs)
 * and beside the unfused library path, dgk_gemm_bf16_nt to an f32 D then
 * dgk_fp8_quant_1x128 (what fusing saves), and quant_div (a division per element instead
 * of the example's multiplication): median of 30 launches each, CUDA events, runners
 * interleaved. */
#include "user_common.h"

/* The check's own kernels: K-major scales (a point on the vector's inner axis), UE8M0
 * scales, and a row softmax with nested reductions and two more row vectors. */
static const char own_src[] =
    "kernel quant_kmajor<BM = 128, BK = 64>(A : bf16[M, K], B : bf16[N, K], Q : e4m3[M, N], QS : f32[M, cdiv(N, 128)])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, 128)) swizzle 8 -> (i, j);\n"
    "    var acc = zeros(f32[BM, 128]);\n"
    "    pipeline k in 0 .. cdiv(K, BK) { acc += mma(A[i*BM +: BM, k*BK +: BK], B[j*128 +: 128, k*BK +: BK]^T); }\n"
    "    let s = max(amax(abs(acc), 1), 1e-4) / 448.0;\n"
    "    Q[i*BM +: BM, j*128 +: 128] = e4m3(acc / s[:, new]);\n"
    "    QS[i*BM +: BM, j] = s;\n"
    "}\n"
    "kernel quant_ue8m0<BM = 128, BK = 64>(A : bf16[M, K], B : bf16[N, K], Q : e4m3[M, N], QS : ue8m0[cdiv(N, 128), M])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, 128)) swizzle 8 -> (i, j);\n"
    "    var acc = zeros(f32[BM, 128]);\n"
    "    pipeline k in 0 .. cdiv(K, BK) { acc += mma(A[i*BM +: BM, k*BK +: BK], B[j*128 +: 128, k*BK +: BK]^T); }\n"
    "    let s = f32(ue8m0(max(amax(abs(acc), 1), 1e-4) / 448.0));\n"
    "    Q[i*BM +: BM, j*128 +: 128] = e4m3(acc / s[:, new]);\n"
    "    QS[j, i*BM +: BM] = ue8m0(s);\n"
    "}\n"
    "kernel quant_div<BM = 128, BK = 64>(A : bf16[M, K], B : bf16[N, K], Q : e4m3[M, N], QS : f32[cdiv(N, 128), M])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, 128)) swizzle 8 -> (i, j);\n"
    "    var acc = zeros(f32[BM, 128]);\n"
    "    pipeline k in 0 .. cdiv(K, BK) { acc += mma(A[i*BM +: BM, k*BK +: BK], B[j*128 +: 128, k*BK +: BK]^T); }\n"
    "    let s = max(amax(abs(acc), 1), 1e-4) / 448.0;\n"
    "    Q[i*BM +: BM, j*128 +: 128] = e4m3(acc / s[:, new]);\n"
    "    QS[j, i*BM +: BM] = s;\n"
    "}\n"
    "kernel quant_ids<BM = 128, BK = 64>(A : bf16[M, K], B : bf16[G, N, K], GID : i32[M], Q : e4m3[M, N],\n"
    "                                    QS : f32[cdiv(N, 128), M])\n"
    "{\n"
    "    schedule m_grouped_contiguous (cdiv(M, BM), cdiv(N, 128)) group_ids GID -> (i, j, g);\n"
    "    var acc = zeros(f32[BM, 128]);\n"
    "    pipeline k in 0 .. cdiv(K, BK) { acc += mma(A[i*BM +: BM, k*BK +: BK], B[g, j*128 +: 128, k*BK +: BK]^T); }\n"
    "    let m = max(amax(abs(acc), 1), 1e-4);\n"
    "    Q[i*BM +: BM, j*128 +: 128] = e4m3(acc * (448.0 / m)[:, new]);\n"
    "    QS[j, i*BM +: BM] = m / 448.0;\n"
    "}\n"
    "kernel quant_offsets<BM = 128, BK = 64>(A : bf16[M, K], B : bf16[G, N, K], OFFS : i32[G + 1], Q : e4m3[M, N],\n"
    "                                        QS : f32[cdiv(N, 128), M])\n"
    "{\n"
    "    schedule m_grouped_contiguous (cdiv(M, BM), cdiv(N, 128)) group_offsets OFFS -> (i, j, g);\n"
    "    var acc = zeros(f32[BM, 128]);\n"
    "    pipeline k in 0 .. cdiv(K, BK) { acc += mma(A[i*BM +: BM, k*BK +: BK], B[g, j*128 +: 128, k*BK +: BK]^T); }\n"
    "    let m = max(amax(abs(acc), 1), 1e-4);\n"
    "    Q[i*BM +: BM, j*128 +: 128] = e4m3(acc * (448.0 / m)[:, new]);\n"
    "    QS[j, i*BM +: BM] = m / 448.0;\n"
    "}\n"
    "kernel plain_bf16<BM = 128, BK = 64>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, 128)) swizzle 8 -> (i, j);\n"
    "    var acc = zeros(f32[BM, 128]);\n"
    "    pipeline k in 0 .. cdiv(K, BK) { acc += mma(A[i*BM +: BM, k*BK +: BK], B[j*128 +: 128, k*BK +: BK]^T); }\n"
    "    D[i*BM +: BM, j*128 +: 128] = bf16(acc);\n"
    "}\n"
    "kernel softmax_rows<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[N, K], P : bf16[M, N], L : f32[M], MN : bf16[M])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T); }\n"
    "    let m = amax(acc, 1);\n"
    "    let e = exp(acc - m[:, new]);\n"
    "    let s = sum(e, 1);\n"
    "    P[i*BM +: BM, j*BN +: BN] = bf16(e / s[:, new]);\n"
    "    L[i*BM +: BM] = log(s) + m;\n"
    "    MN[i*BM +: BM] = bf16(amin(abs(acc), 1));\n"
    "}\n";

enum { M = 300, PAD_ROWS = 4 }; /* output rows past M (poison) */

/* The quant cases' kernels: the example, and the scale layouts and forms of own_src. */
typedef enum scales { S_MN, S_KMAJOR, S_UE8M0, S_DIV } scales;
static const char *const quant_kernels[] = {"gemm_bf16_quant_fp8", "quant_kmajor", "quant_ue8m0", "quant_div"};

/* One dequantized element: |got - x| within half an e4m3 step of x (|x| / 16 bounds it;
 * 2^-10 below 2^-6, e4m3's subnormals) plus `slack`, the f32 accumulation's share: the
 * tensor cores' sum of an element whose terms cancel can be off by more than 1e-4 of it,
 * so the slack is relative to the sum of its terms' magnitudes, as dgk-user-check's bar. */
static int e4m3_close(double got, double x, double slack)
{
    double half = fabs(x) >= 0x1p-6 ? fabs(x) / 16 : 0x1p-10;
    return fabs(got - x) <= half * (1 + 1e-4) + slack;
}

/* max(amax, 1e-4) / 448 as the kernel computes it (f32). */
static double scale_of(double amax)
{
    return (double)((float)(amax > 1e-4 ? amax : 1e-4) / 448.0f);
}

/* The scale the kernel stored for row r, column block j. */
static double stored_scale(scales sc, const void *qs, int64_t ld, int64_t r, int64_t j)
{
    if (sc == S_UE8M0)
        return dgk_host_ue8m0_to_f32(((const uint8_t *)qs)[j * ld + r]);
    return ((const float *)qs)[sc == S_KMAJOR ? r * ld + j : j * ld + r];
}

/* A quant case's counts: scales and Q elements off, untouched bytes written, and how often
 * the comparator's planted fault differs from the reference (it must). */
typedef struct qcounts {
    int64_t bad_scale, bad_q, poison, fault;
} qcounts;

/* Prints the case's PASS/FAIL line; 1 when it passes (ran, nothing off, diff < 2e-3, the
 * fault caught). */
static int quant_report(const char *what, int ran, const qcounts *n, const diff_acc *got, const char *untouched,
                        const char *extra, const char *fault)
{
    if (!ran) {
        printf("FAIL %s: not run\n", what);
        return 0;
    }
    const double d = diff_of(got);
    const int pass = n->bad_scale == 0 && n->bad_q == 0 && n->poison == 0 && d < 2e-3 && n->fault > 0;
    printf("%s %s: scales off %lld, Q elements off %lld, Q*s diff %.2e (bar 2e-3), %s %lld%s, %s fault off %lld (must "
           "be > 0)\n",
           pass ? "PASS" : "FAIL", what, (long long)n->bad_scale, (long long)n->bad_q, d, untouched, (long long)n->poison,
           extra, fault, (long long)n->fault);
    return pass;
}

/* A quant case's extents: N, K, the column blocks, and the scale buffer (rows x ld elements
 * of es bytes, elems in all). */
typedef struct qshape {
    int64_t n, k, nb, ld, rows, elems;
    int es;
} qshape;

/* Whether element `at` of the scale buffer lies inside [M, NB] (K-major) / [NB, M]. */
static int in_view(const qshape *q, scales sc, int64_t at)
{
    int64_t row = at / q->ld, col = at % q->ld;
    return sc == S_KMAJOR ? row < M && col < q->nb : row < q->nb && col < M;
}

/* A quant case: quant_kernels[sc] (the example or one of own_src) at BM `bm`, N `cols`. */
static int quant(dgk_context *ctx, const char *path, const char *text, scales sc, int bm, int64_t cols)
{
    qshape q = {.n = cols, .k = 512, .nb = (cols + 127) / 128, .es = sc == S_UE8M0 ? 1 : 4};
    q.ld = sc == S_KMAJOR ? q.nb + 3 : M + 12;
    q.rows = sc == S_KMAJOR ? M + PAD_ROWS : q.nb;
    q.elems = q.rows * q.ld;
    const int64_t N = q.n, K = q.k, QROWS = M + PAD_ROWS;
    uint16_t *a16 = malloc(2 * (size_t)(M * K)), *b16 = malloc(2 * (size_t)(N * K));
    double *a = malloc(sizeof *a * (size_t)(M * K)), *b = malloc(sizeof *b * (size_t)(N * K));
    double *acc = malloc(sizeof *acc * (size_t)(M * N)), *want = malloc(sizeof *want * (size_t)(M * q.nb));
    double *mag = malloc(sizeof *mag * (size_t)(M * N));
    uint8_t *qd = malloc((size_t)(QROWS * N)), *qsd = malloc((size_t)(q.elems * q.es));
    uint8_t *qp = malloc((size_t)(QROWS * N)), *qsp = malloc((size_t)(q.elems * q.es));
    int ok = a16 && b16 && a && b && acc && want && mag && qd && qsd && qp && qsp;
    if (ok) {
        draw_bf16(a16, a, M * K);
        draw_bf16(b16, b, N * K);
        memset(qp, 0xff, (size_t)(QROWS * N));
        memset(qsp, 0xff, (size_t)(q.elems * q.es));
    }
    char bm_def[16];
    snprintf(bm_def, sizeof bm_def, "BM=%d", bm);
    const char *defs[1] = {bm_def};
    const dgk_dtype_id sdt = sc == S_UE8M0 ? DGK_DTYPE_UE8M0 : DGK_DTYPE_F32;
    int64_t sa[2] = {M, K}, sb[2] = {N, K}, sq[2] = {M, N}, ss[2] = {sc == S_KMAJOR ? M : q.nb, sc == S_KMAJOR ? q.nb : M};
    dev dv = {0};
    const char *kernel = quant_kernels[sc];
    ok = ok && put(&dv, a16, 2 * (size_t)(M * K), DGK_DTYPE_BF16, 2, sa) &&
         put(&dv, b16, 2 * (size_t)(N * K), DGK_DTYPE_BF16, 2, sb) &&
         put(&dv, qp, (size_t)(QROWS * N), DGK_DTYPE_E4M3, 2, sq) &&
         put_ld(&dv, qsp, (size_t)(q.elems * q.es), sdt, 2, ss, q.ld) &&
         launch(ctx, sc == S_MN ? path : "quant_check.c", sc == S_MN ? text : own_src, kernel, defs, 1, &dv) &&
         fetch(&dv, 2, qd, (size_t)(QROWS * N)) && fetch(&dv, 3, qsd, (size_t)(q.elems * q.es));
    ok &= dev_free(&dv);
    int64_t bad_scale = 0, bad_q = 0, poison_bad = 0, boundary = 0, fault_bad = 0;
    diff_acc got = {0};
    for (int64_t r = 0; ok && r < M; r++)
        for (int64_t n = 0; n < N; n++) {
            double s = 0, t = 0;
            for (int64_t k = 0; k < K; k++)
                s += a[r * K + k] * b[n * K + k], t += fabs(a[r * K + k] * b[n * K + k]);
            acc[r * N + n] = s, mag[r * N + n] = t;
        }
    for (int64_t r = 0; ok && r < M; r++)
        for (int64_t j = 0; j < q.nb; j++) {
            double amax = 0;
            for (int64_t n = j * 128; n < (j + 1) * 128 && n < N; n++)
                amax = fmax(amax, fabs(acc[r * N + n]));
            double raw = scale_of(amax), ws = raw;
            if (sc == S_UE8M0) {
                ws = dgk_host_ue8m0_to_f32(dgk_host_f32_to_ue8m0_ceil((float)raw));
                double l2 = log2(raw);
                boundary += fabs(l2 - nearbyint(l2)) < 1e-5;
            }
            want[r * q.nb + j] = ws;
            double gs = stored_scale(sc, qsd, q.ld, r, j);
            int close = sc == S_UE8M0 ? gs == ws : fabs(gs - ws) <= 1e-4 * ws;
            bad_scale += !close && !(sc == S_UE8M0 && fabs(log2(raw) - nearbyint(log2(raw))) < 1e-5);
            /* the fault: block 0's scale for every block; with one block, the previous row's */
            double w0 = q.nb > 1 ? want[r * q.nb] : r > 0 ? want[(r - 1) * q.nb + j] : ws;
            fault_bad += sc == S_UE8M0 ? w0 != ws : fabs(w0 - ws) > 1e-4 * ws;
            for (int64_t n = j * 128; n < (j + 1) * 128 && n < N; n++) {
                double x = acc[r * N + n], deq = dgk_host_e4m3_to_f32(qd[r * N + n]) * gs;
                bad_q += !(gs > 0) || !e4m3_close(deq / gs, x / gs, 1e-5 * mag[r * N + n] / gs);
                diff_add(&got, deq, x);
            }
        }
    for (int64_t i = (int64_t)M * N; ok && i < QROWS * N; i++)
        poison_bad += qd[i] != 0xff;
    for (int64_t i = 0; ok && i < q.elems; i++)
        if (!in_view(&q, sc, i))
            for (int e = 0; e < q.es; e++)
                poison_bad += qsd[i * q.es + e] != 0xff;
    free(a16), free(b16), free(a), free(b), free(acc), free(want), free(mag), free(qd), free(qsd), free(qp), free(qsp);
    char what[160];
    snprintf(what, sizeof what, "%s BM %d (%s scales; M %d, N %lld, K %lld)", kernel, bm,
             sc == S_KMAJOR ? "K-major f32" : sc == S_UE8M0 ? "MN-major ue8m0" : "MN-major f32", M, (long long)N, (long long)K);
    char extra[64];
    snprintf(extra, sizeof extra, ", power-of-two boundaries %lld", (long long)boundary);
    const qcounts n = {bad_scale, bad_q, poison_bad, fault_bad};
    return quant_report(what, ok, &n, &got, "poison written", extra, q.nb == 1 ? "previous-row" : "block-0");
}

/* quant_ids / quant_offsets: groups of 300, 0, 517 and 128 rows, each padded to 128 (an id
 * of -1, or past the group's offset), N 256, K 256. Every valid row as in quant(); every
 * padding row's Q and scales still poison. */
static int quant_contig(dgk_context *ctx, int offsets)
{
    enum { G = 4, N = 256, K = 256, NB = 2, PAD = 128 };
    static const int rows[G] = {300, 0, 517, 128};
    int64_t row0[G], MM = 0;
    int32_t offs[G + 1] = {0};
    for (int g = 0; g < G; g++) {
        row0[g] = MM, MM += (rows[g] + PAD - 1) / PAD * PAD;
        offs[g + 1] = (int32_t)(row0[g] + rows[g]); /* align(offs[g], 128) is row0[g] */
    }
    uint16_t *a16 = malloc(2 * (size_t)(MM * K)), *b16 = malloc(2 * (size_t)(G * N * K));
    double *a = malloc(sizeof *a * (size_t)(MM * K)), *b = malloc(sizeof *b * (size_t)(G * N * K));
    int32_t *ids = malloc(sizeof *ids * (size_t)MM);
    uint8_t *qd = malloc((size_t)(MM * N)), *qp = malloc((size_t)(MM * N));
    float *qs = malloc(sizeof *qs * (size_t)(NB * MM)), *qsp = malloc(sizeof *qsp * (size_t)(NB * MM));
    int ok = a16 && b16 && a && b && ids && qd && qp && qs && qsp;
    if (ok) {
        draw_bf16(a16, a, MM * K);
        draw_bf16(b16, b, (int64_t)G * N * K);
        memset(qp, 0xff, (size_t)(MM * N));
        memset(qsp, 0xff, sizeof *qsp * (size_t)(NB * MM));
        for (int g = 0; g < G; g++)
            for (int64_t r = row0[g]; r < row0[g] + (rows[g] + PAD - 1) / PAD * PAD; r++)
                ids[r] = r - row0[g] < rows[g] ? g : -1;
    }
    int64_t sa[2] = {MM, K}, sb[3] = {G, N, K}, sid[1] = {offsets ? G + 1 : MM}, sq[2] = {MM, N}, ss[2] = {NB, MM};
    dev dv = {0};
    const char *kernel = offsets ? "quant_offsets" : "quant_ids";
    ok = ok && put(&dv, a16, 2 * (size_t)(MM * K), DGK_DTYPE_BF16, 2, sa) &&
         put(&dv, b16, 2 * (size_t)(G * N * K), DGK_DTYPE_BF16, 3, sb) &&
         (offsets ? put(&dv, offs, sizeof offs, DGK_DTYPE_I32, 1, sid) : put(&dv, ids, 4 * (size_t)MM, DGK_DTYPE_I32, 1, sid)) &&
         put(&dv, qp, (size_t)(MM * N), DGK_DTYPE_E4M3, 2, sq) &&
         put(&dv, qsp, sizeof *qsp * (size_t)(NB * MM), DGK_DTYPE_F32, 2, ss) &&
         launch(ctx, "quant_check.c", own_src, kernel, NULL, 0, &dv) && fetch(&dv, 3, qd, (size_t)(MM * N)) &&
         fetch(&dv, 4, qs, sizeof *qs * (size_t)(NB * MM));
    ok &= dev_free(&dv);
    int64_t bad_scale = 0, bad_q = 0, poison_bad = 0, fault_bad = 0;
    diff_acc got = {0};
    for (int64_t r = 0; ok && r < MM; r++) {
        const int g = ids[r];
        for (int64_t j = 0; j < NB; j++) {
            if (g < 0) { /* padding: untouched */
                uint32_t u;
                memcpy(&u, &qs[j * MM + r], 4);
                poison_bad += u != 0xffffffffu;
                for (int64_t n = j * 128; n < (j + 1) * 128; n++)
                    poison_bad += qd[r * N + n] != 0xff;
                continue;
            }
            double x[128], mg[128], amax = 0, amax0 = 0;
            for (int64_t n = 0; n < 128; n++) {
                double s0 = 0, s1 = 0, t = 0;
                for (int64_t k = 0; k < K; k++) {
                    s0 += a[r * K + k] * b[((int64_t)g * N + j * 128 + n) * K + k];
                    t += fabs(a[r * K + k] * b[((int64_t)g * N + j * 128 + n) * K + k]);
                    s1 += a[r * K + k] * b[(j * 128 + n) * K + k]; /* the fault: group 0's B */
                }
                x[n] = s0, mg[n] = t, amax = fmax(amax, fabs(s0)), amax0 = fmax(amax0, fabs(s1));
            }
            const double ws = scale_of(amax), gs = qs[j * MM + r];
            bad_scale += !(fabs(gs - ws) <= 1e-4 * ws);
            fault_bad += g != 0 && !(fabs(scale_of(amax0) - ws) <= 1e-4 * ws);
            for (int64_t n = 0; n < 128; n++) {
                const double deq = dgk_host_e4m3_to_f32(qd[r * N + j * 128 + n]) * gs;
                bad_q += !(gs > 0) || !e4m3_close(deq / gs, x[n] / gs, 1e-5 * mg[n] / gs);
                diff_add(&got, deq, x[n]);
            }
        }
    }
    free(a16), free(b16), free(a), free(b), free(ids), free(qd), free(qp), free(qs), free(qsp);
    char what[160];
    snprintf(what, sizeof what, "%s (contiguous, groups of 300, 0, 517, 128 rows padded to 128; N %d, K %d)", kernel, N, K);
    const qcounts n = {bad_scale, bad_q, poison_bad, fault_bad};
    return quant_report(what, ok, &n, &got, "padding written", "", "group-0");
}

/* softmax_rows at BM `bm` with N = `cols` <= BN = 128 given at compile time (one column tile per
 * row; the row stores need N <= BN to be known): N < BN, the columns past N must take no
 * part in the max and the sum (the accumulator holds stale values there). */
static int softmax(dgk_context *ctx, int bm, int cols)
{
    enum { NMAX = 128, K = 256, ROWS = M + PAD_ROWS };
    const int64_t N = cols;
    uint16_t *a16 = malloc(2 * (size_t)(M * K)), *b16 = malloc(2 * (size_t)(N * K));
    double *a = malloc(sizeof *a * (size_t)(M * K)), *b = malloc(sizeof *b * (size_t)(N * K)), *x = malloc(sizeof *x * NMAX);
    uint16_t *p = malloc(2 * (size_t)(ROWS * N)), *mn = malloc(2 * (size_t)ROWS);
    float *l = malloc(sizeof *l * ROWS);
    uint8_t *poison = malloc(4 * (size_t)(ROWS * N));
    int ok = a16 && b16 && a && b && x && p && mn && l && poison;
    if (ok) {
        draw_bf16(a16, a, M * K);
        draw_bf16(b16, b, N * K);
        memset(poison, 0xff, 4 * (size_t)(ROWS * N));
    }
    char bm_def[16], n_def[16];
    snprintf(bm_def, sizeof bm_def, "BM=%d", bm);
    snprintf(n_def, sizeof n_def, "N=%d", cols);
    const char *defs[2] = {bm_def, n_def};
    int64_t sa[2] = {M, K}, sb[2] = {N, K}, sp[2] = {M, N}, sv[1] = {M};
    dev dv = {0};
    ok = ok && put(&dv, a16, 2 * (size_t)(M * K), DGK_DTYPE_BF16, 2, sa) &&
         put(&dv, b16, 2 * (size_t)(N * K), DGK_DTYPE_BF16, 2, sb) &&
         put(&dv, poison, 2 * (size_t)(ROWS * N), DGK_DTYPE_BF16, 2, sp) &&
         put(&dv, poison, 4 * (size_t)ROWS, DGK_DTYPE_F32, 1, sv) && put(&dv, poison, 2 * (size_t)ROWS, DGK_DTYPE_BF16, 1, sv) &&
         launch(ctx, "quant_check.c", own_src, "softmax_rows", defs, 2, &dv) && fetch(&dv, 2, p, 2 * (size_t)(ROWS * N)) &&
         fetch(&dv, 3, l, 4 * (size_t)ROWS) && fetch(&dv, 4, mn, 2 * (size_t)ROWS);
    ok &= dev_free(&dv);
    diff_acc dp = {0}, dl = {0}, dmn = {0}, fault = {0};
    int64_t poison_bad = 0;
    double m0 = 0;
    for (int64_t r = 0; ok && r < M; r++) {
        double m = -INFINITY, lo = INFINITY, s = 0;
        for (int64_t n = 0; n < N; n++) {
            x[n] = 0;
            for (int64_t k = 0; k < K; k++)
                x[n] += a[r * K + k] * b[n * K + k];
            m = fmax(m, x[n]), lo = fmin(lo, fabs(x[n]));
        }
        if (r == 0)
            m0 = m;
        for (int64_t n = 0; n < N; n++)
            s += exp(x[n] - m);
        for (int64_t n = 0; n < N; n++)
            diff_add(&dp, from_bf16(p[r * N + n]), exp(x[n] - m) / s);
        diff_add(&dl, l[r], log(s) + m);
        diff_add(&fault, log(s) + m0, log(s) + m); /* the first row's maximum for every row */
        diff_add(&dmn, from_bf16(mn[r]), lo);
    }
    for (int64_t i = (int64_t)M * N; ok && i < (int64_t)ROWS * N; i++)
        poison_bad += p[i] != 0xffff;
    for (int64_t i = M; ok && i < ROWS; i++) {
        uint32_t u;
        memcpy(&u, &l[i], 4);
        poison_bad += (u != 0xffffffffu) + (mn[i] != 0xffff);
    }
    free(a16), free(b16), free(a), free(b), free(x), free(p), free(mn), free(l), free(poison);
    char what[128];
    snprintf(what, sizeof what, "softmax_rows BM %d (P, L = log(sum) + max, MN = min |acc|; M %d, N %lld of BN 128, K %d)", bm, M,
             (long long)N, K);
    if (!ok) {
        printf("FAIL %s: not run\n", what);
        return 0;
    }
    const double bar = 1e-5;
    const int pass = diff_of(&dp) < bar && diff_of(&dl) < bar && diff_of(&dmn) < bar && poison_bad == 0 &&
                     diff_of(&fault) >= bar;
    printf("%s %s: diff P %.2e, L %.2e, MN %.2e (bar %.0e), poison written %lld, row-0-max fault diff %.2e (must fail)\n",
           pass ? "PASS" : "FAIL", what, diff_of(&dp), diff_of(&dl), diff_of(&dmn), bar, (long long)poison_bad,
           diff_of(&fault));
    return pass;
}

/* ---- --bench ----------------------------------------------------------------------- */

enum { B_M = 4096, B_N = 7168, B_K = 7168, B_REPS = 30, B_RUNNERS = 4 };

typedef struct bench {
    dgk_context *ctx;
    dgk_op *fused, *plain, *div;
    dgk_tensor a, b, q, qs, d16, d32, qs2;
    cudaEvent_t t0, t1;
} bench;

static int cmp_f(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* One launch of runner r between the events; its time in ms, < 0 on a failure. */
static float bench_once(bench *w, int r)
{
    const dgk_tensor *fused[4] = {&w->a, &w->b, &w->q, &w->qs}, *plain[3] = {&w->a, &w->b, &w->d16};
    dgk_status st = DGK_OK;
    cudaEventRecord(w->t0, 0);
    if (r == 0)
        st = dgk_op_launch(w->fused, fused, NULL, 4, NULL);
    else if (r == 1)
        st = dgk_op_launch(w->plain, plain, NULL, 3, NULL);
    else if (r == 3)
        st = dgk_op_launch(w->div, fused, NULL, 4, NULL);
    else {
        st = dgk_gemm_bf16_nt(w->ctx, &w->a, &w->b, NULL, &w->d32, NULL);
        if (st == DGK_OK)
            st = dgk_fp8_quant_1x128(w->ctx, &w->d32, &w->q, &w->qs2, NULL);
    }
    cudaEventRecord(w->t1, 0);
    float ms = -1;
    if (st != DGK_OK)
        printf("  bench runner %d: %s\n", r, dgk_last_error());
    else if (cuda_ok(cudaEventSynchronize(w->t1), "bench") && !cuda_ok(cudaEventElapsedTime(&ms, w->t0, w->t1), "timer"))
        ms = -1;
    return ms;
}

static void *dev_alloc(size_t bytes)
{
    void *p = NULL;
    return cuda_ok(cudaMalloc(&p, bytes), "cudaMalloc") && cuda_ok(cudaMemset(p, 0, bytes), "cudaMemset") ? p : NULL;
}

static int run_bench(dgk_context *ctx, const char *path, const char *text)
{
    bench w = {.ctx = ctx};
    const int64_t nb = B_N / 128, lds = (B_M + 3) / 4 * 4;
    int64_t sa[2] = {B_M, B_K}, sb[2] = {B_N, B_K}, sd[2] = {B_M, B_N}, ss[2] = {nb, B_M}, ss2[2] = {nb, lds};
    void *pa = dev_alloc(2 * (size_t)(B_M * B_K)), *pb = dev_alloc(2 * (size_t)(B_N * B_K)), *pq = dev_alloc((size_t)(B_M * B_N));
    void *pqs = dev_alloc(4 * (size_t)(nb * lds)), *p16 = dev_alloc(2 * (size_t)(B_M * B_N)), *p32 = dev_alloc(4 * (size_t)(B_M * B_N));
    int ok = pa && pb && pq && pqs && p16 && p32;
    if (ok) {
        uint16_t *h = malloc(2 * (size_t)(B_N * B_K));
        double one;
        for (int64_t i = 0; h && i < B_N * B_K; i++)
            h[i] = bf16_of(uni(-1, 1), &one);
        ok = h && cuda_ok(cudaMemcpy(pa, h, 2 * (size_t)(B_M * B_K), cudaMemcpyHostToDevice), "upload") &&
             cuda_ok(cudaMemcpy(pb, h, 2 * (size_t)(B_N * B_K), cudaMemcpyHostToDevice), "upload");
        free(h);
    }
    w.a = dgk_tensor_make(pa, DGK_DTYPE_BF16, 2, sa);
    w.b = dgk_tensor_make(pb, DGK_DTYPE_BF16, 2, sb);
    w.q = dgk_tensor_make(pq, DGK_DTYPE_E4M3, 2, sd);
    w.qs = dgk_tensor_make(pqs, DGK_DTYPE_F32, 2, ss);
    w.qs.stride[0] = lds, w.qs.stride[1] = 1;
    w.qs2 = dgk_tensor_make(pqs, DGK_DTYPE_F32, 2, ss2);
    w.d16 = dgk_tensor_make(p16, DGK_DTYPE_BF16, 2, sd);
    w.d32 = dgk_tensor_make(p32, DGK_DTYPE_F32, 2, sd);
    ok = ok && cuda_ok(cudaEventCreate(&w.t0), "event") && cuda_ok(cudaEventCreate(&w.t1), "event") &&
         dgk_op_create(ctx, path, text, "gemm_bf16_quant_fp8", NULL, 0, &w.fused) == DGK_OK &&
         dgk_op_create(ctx, "quant_check.c", own_src, "plain_bf16", NULL, 0, &w.plain) == DGK_OK &&
         dgk_op_create(ctx, "quant_check.c", own_src, "quant_div", NULL, 0, &w.div) == DGK_OK;
    if (!ok) {
        printf("FAIL bench: setup: %s\n", dgk_last_error());
        return 0;
    }
    static const char *const names[B_RUNNERS] = {"fused gemm_bf16_quant_fp8 (Q e4m3 + QS)",
                                                 "plain_bf16 (same kernel, bf16 D, no quantization)",
                                                 "dgk_gemm_bf16_nt f32 D + dgk_fp8_quant_1x128",
                                                 "quant_div (acc / s: a division per element)"};
    float t[B_RUNNERS][B_REPS];
    for (int r = 0; r < B_RUNNERS; r++) /* warm up: compile, load, first touch */
        ok &= bench_once(&w, r) >= 0;
    for (int i = 0; ok && i < B_REPS; i++)
        for (int r = 0; r < B_RUNNERS; r++)
            ok &= (t[r][i] = bench_once(&w, r)) >= 0;
    double flops = 2.0 * B_M * B_N * B_K;
    for (int r = 0; ok && r < B_RUNNERS; r++) {
        qsort(t[r], B_REPS, sizeof t[r][0], cmp_f);
        float med = t[r][B_REPS / 2];
        printf("bench %-52s M %d N %d K %d: %8.1f us  %6.1f TFLOPS  (%.3fx of the fused time)\n", names[r], B_M, B_N, B_K,
               med * 1e3, flops / (med * 1e-3) / 1e12, med / t[0][B_REPS / 2]);
    }
    cudaFree(pa), cudaFree(pb), cudaFree(pq), cudaFree(pqs), cudaFree(p16), cudaFree(p32);
    return ok;
}

int main(int argc, char **argv)
{
    int bench_too = argc > 1 && strcmp(argv[argc - 1], "--bench") == 0;
    argc -= bench_too;
    const char *path = argc > 1 ? argv[1] : "examples/gemm_quant_fp8.dgk";
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        printf("usage: dgk-quant-check [EXAMPLE.dgk] [--bench]   (default examples/gemm_quant_fp8.dgk)\n");
        return 2;
    }
    char *text = read_file(path);
    if (!text) {
        printf("FAIL cannot read %s (run from the repository root or give its path)\nquant-check: 0 passed, 1 failed\n", path);
        return 1;
    }
    dgk_context *ctx = NULL;
    if (dgk_init(0, &ctx) != DGK_OK) {
        printf("FAIL dgk_init: %s\nquant-check: 0 passed, 1 failed\n", dgk_last_error());
        free(text);
        return 1;
    }
    int passed = 0, failed = 0;
    quant(ctx, path, text, S_MN, 128, 592) ? passed++ : failed++;
    quant(ctx, path, text, S_MN, 64, 592) ? passed++ : failed++;
    quant(ctx, path, text, S_MN, 128, 80) ? passed++ : failed++; /* one block, B's rows fit to N: stale past them */
    quant(ctx, path, text, S_KMAJOR, 128, 592) ? passed++ : failed++;
    quant(ctx, path, text, S_UE8M0, 128, 592) ? passed++ : failed++;
    quant(ctx, path, text, S_DIV, 128, 592) ? passed++ : failed++;
    quant_contig(ctx, 0) ? passed++ : failed++;
    quant_contig(ctx, 1) ? passed++ : failed++;
    softmax(ctx, 128, 128) ? passed++ : failed++;
    softmax(ctx, 64, 128) ? passed++ : failed++;
    softmax(ctx, 128, 96) ? passed++ : failed++;
    printf("quant-check: %d passed, %d failed\n", passed, failed);
    if (bench_too && !run_bench(ctx, path, text))
        failed++;
    dgk_destroy(ctx);
    free(text);
    return failed ? 1 : 0;
}
