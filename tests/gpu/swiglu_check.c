/* swiglu_check.c - dgk-swiglu-check: a GEMM epilogue that combines two accumulators,
 * SwiGLU, from a user's own kernels compiled with dgk_op_create, on the GPU:
 *   H = bf16(silu(X @ Wg^T) * (X @ Wu^T)),  W = [Wg; Wu] stacked [2I, K],  silu(x) = x / (1 + e^-x)
 * from examples/gemm_swiglu.dgk (read at run time: the path given, else from the
 * repository root):
 *   gemm_fp8_swiglu   X e4m3 [M, K] with SX [cdiv(K, 128), M] (1x128), W e4m3 [2I, K] with
 *                     SW [2I / 128, cdiv(K, 128)] (128x128): gate and up each promoted with
 *                     their own block's scale (the up half's is SW[(I + j*BN) / 128, k]);
 *   gemm_bf16_swiglu  X, W bf16;
 * each at M 300, I 256, K 512 and M 129, I 384, K 384 (K no multiple of 512: SW's rows of
 * 12 bytes; 129 rows: a last row block of one row), FP8 at BM 128 (the default, BN 64),
 * BM 64 (one consumer warpgroup) and BM 256 (warpgroups of 128 rows, promoted one m64 block
 * at a time), BF16 at BM 128 BN 128 (the default), BM 64, BN 64 and BM 256 BN 64 (-D
 * overrides); and with K compiled in (-D K: FP8 then copies a tile's B scale rows once,
 * the dense and the grouped kernel), with two CTAs along N sharing A (-D CN=2, FP8 and
 * BF16, K at launch and compiled in), and BF16 at I 200 (a last column tile partly past I);
 * the stock entry dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous on two group layouts;
 *   grouped_fp8_swiglu the MoE form, m-grouped contiguous: W e4m3 [G, 2I, K] with SW [G,
 *                     2I / 128, cdiv(K, 128)], GID i32 [M]; row r of H from expert
 *                     e = GID[r]'s [Wg; Wu] = W[e] and SW[e] (both halves' blocks), rows
 *                     with GID -1 padding (never stored); groups of 300, 0, 517, 128 rows
 *                     (G 4, M 1152) and of 1, 129, 256 (G 3, M 640), each padded to a
 *                     multiple of 128 (GROUP_ALIGN: the next group starts there), at I 256,
 *                     K 512, BM 128 (the default, BN 64) and BM 64 (a padding block of 64
 *                     rows whole: a tile skipped), the second layout also at I 384, K 384.
 * Two more cases run the path that
 * --bench times the fused kernels against, once per dtype at M 300, I 256, K 512:
 *   unfused           the stock GEMM (dgk_gemm_fp8_nt / dgk_gemm_bf16_nt) into G [M, 2I] bf16,
 *                     then swiglu_act (below, an elementwise kernel) H = bf16(silu(G[:, :I]) *
 *                     G[:, I:]).
 * Inputs: fresh random values drawn exactly: e4m3 bytes (random sign and mantissa, exponents
 * within a range, one in 32 from field 0: zero and the subnormals; never NaN), scales f32 in
 * [0.5, 2), bf16 U(-1, 1) for X and U(-0.5, 0.5) for W (so the gate spreads over silu's bend,
 * a few units either side of 0). X and W are views into rows 16 bytes wider, SX into rows 4
 * scales wider, their gaps NaN (a read of the gap would show; grouped, W [G, 2I, K] a view
 * whose rows are as wide, each expert's 2I rows after the last's); H is a view into rows 24
 * elements wider than I and 4 rows past M, all poisoned (0xff bytes). Grouped, the padding
 * rows of X and SX hold random values like the others.
 * The reference, in double from the exact inputs (the e4m3 bytes decoded by this file's own
 * decoder, checked against dgk_host_e4m3_to_f32 first): per 128 of K the exact dot product
 * times its two scales, summed; H_ref = silu(G) * U (grouped: per row from its group's W
 * rows and SW blocks). Checks:
 *   - each element of H within its bound (swiglu_bound: the f32 sums within `bar` of the
 *     sum of their terms' magnitudes, dgk-user-check's bar: 1e-4 FP8, 1e-5 BF16; silu's
 *     slope of at most 1.1; the f32 silu and product; half a bf16 ulp); the unfused path's
 *     G also rounded to bf16;
 *   - DeepGEMM's diff of H against H_ref < 1e-3 (FP8), 1e-5 (BF16);
 *   - every element past M and in the gaps of H still poison, and (grouped) every element
 *     of a padding row (GID -1).
 * Each case also runs its comparator on faults that must fail (elements off and the diff
 * over its bar): the gate and up swapped (silu(up) * gate), the up rows read from Wg
 * (silu(gate) * gate), and for FP8 the up half scaled by the gate's block of SW; grouped
 * also the largest group's rows with the next expert's W and SW (a tile given the wrong
 * group), and every row with its expert's W but expert 0's SW (a scale read that dropped
 * the group).
 * Prints PASS/FAIL per case, then `swiglu-check: N passed, M failed`; exits non-zero on a
 * failure. --self-test runs only the comparator, no GPU: every case's H computed on the host
 * as the kernels compute it (simulate: f32 sums per 128 of K, f32 silu, bf16 rounding) must
 * pass (grouped: the padding rows left poison) and every fault fail.
 * --bench (after the checks): M 4096, K 7168, I 2048 and 9216 (W [2I, 7168]), FP8 then BF16:
 * the fused kernel (its default tile, and BM 256 BN 64) beside the stock GEMM of the [M, 2I]
 * product alone, the unfused path
 * (that GEMM, then swiglu_act), and cuBLASLt's GEMM of the same product (harness_cublaslt.c:
 * FP8 with the 1x128 / 128x128 block scales; a SKIP where the installed cuBLASLt has no
 * algorithm): median of 30 launches each, CUDA events, runners interleaved; TFLOPS counted
 * as 2 * M * 2I * K for every runner, and the fused time over each of the others. Then the
 * stock fused MoE entry (4 experts x 1024 rows, I 2048, K 7168) beside the stock grouped
 * GEMM of the [M, 2I] product alone and followed by swiglu_act. */
#include "harness.h" /* gh_cublaslt_fp8_block, gh_cublaslt_bf16: the --bench baselines */
#include "user_common.h"

/* The check's own kernel: the unfused path's activation, an elementwise kernel (no
 * pipeline) over G [R, 2I] as the stock GEMM stores it. */
static const char own_src[] =
    "kernel swiglu_act<BR = 4, BC = 512>(G : bf16[R, N2], H : bf16[R, I])\n"
    "  where N2 == 2 * I\n"
    "{\n"
    "    schedule grid (cdiv(R, BR), cdiv(I, BC)) -> (i, j);\n"
    "    let g = f32(G[i*BR +: BR, j*BC +: BC]);\n"
    "    let u = f32(G[i*BR +: BR, I + j*BC +: BC]);\n"
    "    H[i*BR +: BR, j*BC +: BC] = bf16(silu(g) * u);\n"
    "}\n";

enum { PAD_ROWS = 4, H_GAP = 24 }; /* H's rows past M and elements past I per row (poison) */
enum { GROUP_ALIGN = 128, MAX_GROUPS = 4 }; /* grouped: each group's first row a multiple of it */

/* ---- host values -------------------------------------------------------------------- */

/* e4m3 (OCP E4M3FN) decoded from its fields: (8 + m) 2^(e - 10) for e > 0, m 2^-9 for
 * the subnormals; this file's own, so the reference does not rest on the library. */
static double e4m3_value(uint8_t b)
{
    const int e = (b >> 3) & 15, m = b & 7;
    const double v = e ? ldexp(8 + m, e - 10) : ldexp(m, -9);
    return b & 0x80 ? -v : v;
}

/* Whether e4m3_value agrees with dgk_host_e4m3_to_f32 on every finite byte. */
static int e4m3_decoder_agrees(void)
{
    int off = 0;
    for (int b = 0; b < 256; b++)
        if ((b & 0x7f) != 0x7f)
            off += e4m3_value((uint8_t)b) != (double)dgk_host_e4m3_to_f32((uint8_t)b);
    printf("%s host e4m3 decoder: %d of the 254 finite bytes differ from dgk_host_e4m3_to_f32\n", off ? "FAIL" : "PASS",
           off);
    return off == 0;
}

/* A random finite e4m3 byte: random sign and mantissa, the exponent field uniform in
 * [elo, ehi], except one draw in 32 from field 0 (zero and the subnormals). */
static uint8_t draw_e4m3(int elo, int ehi)
{
    const int e = uni(0, 32) < 1 ? 0 : elo + (int)uni(0, ehi - elo + 1);
    int m = (int)uni(0, 8);
    if (e == 15 && m == 7) /* 0x7f: NaN */
        m = 6;
    return (uint8_t)((uni(0, 2) < 1 ? 0x80 : 0) | e << 3 | m);
}

static double silu(double x)
{
    return x / (1 + exp(-x));
}

/* Half a bf16 ulp at |v| = x >= 0 (x in [2^(e-1), 2^e): an ulp of 2^(e-8)); below the
 * normal range half the subnormals' step. */
static double bf16_half_ulp(double x)
{
    int e;
    frexp(x, &e);
    return x < 0x1p-126 ? 0x1p-134 : ldexp(1.0, e - 9);
}

/* The most |bf16(silu(g') * u') - silu(g) * u| can be when the kernel's f32 sums g', u'
 * lie within eg, eu of the exact g, u: silu's slope stays within [-0.1, 1.1], so silu(g')
 * within 1.1 eg of silu(g); the f32 silu (ex2.approx, rcp.approx, an argument rounded
 * relative to |g|) and the product add a relative 1e-5 + 1e-7 |g|, flushed subnormals
 * 1e-30; then the rounding to bf16, half an ulp of the largest value it may round. */
static double swiglu_bound(double g, double u, double eg, double eu)
{
    const double sg = fabs(silu(g)), au = fabs(u) + eu;
    double e = 1.1 * eg * au + sg * eu;
    e += (1e-5 + 1e-7 * (fabs(g) + eg)) * (sg + 1.1 * eg) * au + 1e-30;
    return e + bf16_half_ulp(sg * fabs(u) + e);
}

/* ---- a case's inputs and reference -------------------------------------------------- */

/* A grouped case's rows: g groups of rows[e] rows each, in order, each padded up to a
 * multiple of GROUP_ALIGN with rows of id -1. */
typedef struct layout {
    int g;
    int rows[MAX_GROUPS];
} layout;

typedef struct scase {
    int fp8;     /* gemm_fp8_swiglu (else gemm_bf16_swiglu) */
    int unfused; /* the stock GEMM into G, then swiglu_act, instead of the fused kernel */
    int64_t m, i, k; /* m: 0 where moe gives the rows */
    int bm, bn;
    const layout *moe; /* grouped_fp8_swiglu on these groups (fp8 only); NULL: dense */
    int k_in;    /* K compiled in (-D K=...): FP8 then copies a tile's B scale rows once (sb_tile) */
    int cn;      /* -D CN=cn (dense fused kernels): 2 puts two CTAs along N sharing A by multicast */
    int stock;   /* grouped: the stock entry dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous (stdlib/moe_fp8.dgk,
                  * K and I compiled in) instead of the example's kernel */
} scase;

/* The rows of layout l (its padded groups' sum); with gid, each row's id: its group, -1 for
 * padding. */
static int64_t moe_rows(const layout *l, int32_t *gid)
{
    int64_t m = 0;
    for (int e = 0; e < l->g; e++) {
        const int64_t padded = (l->rows[e] + GROUP_ALIGN - 1) / GROUP_ALIGN * GROUP_ALIGN;
        for (int64_t r = 0; gid && r < padded; r++)
            gid[m + r] = r < l->rows[e] ? e : -1;
        m += padded;
    }
    return m;
}

/* The group of l with the most rows (the next-expert fault's). */
static int moe_largest(const layout *l)
{
    int big = 0;
    for (int e = 1; e < l->g; e++)
        big = l->rows[e] > l->rows[big] ? e : big;
    return big;
}

/* The device images of X, SX, W, SW (X and W as e4m3 bytes or bf16, es bytes an element,
 * rows ldx / ldw elements apart, the gaps NaN; SX [kb, lds], its gap NaN; SW [wr / 128,
 * kb]) and the exact values of X's and W's elements (xv [m, k], wv [wr, k], unscaled). W
 * has wr = g * n2 rows: expert e's are rows e * n2 on (g 1: dense), and as n2 is a multiple
 * of 128 when g > 1, its SW blocks rows e * n2 / 128 on. gid [m]: the rows' groups
 * (grouped; else NULL), big: the largest group. */
typedef struct inputs {
    int64_t m, n2, wr, g, k, kb, ldx, ldw, lds;
    int es, big;
    uint8_t *x, *w;
    float *sx, *sw;
    double *xv, *wv;
    int32_t *gid;
} inputs;

static void inputs_free(inputs *in)
{
    free(in->x), free(in->w), free(in->sx), free(in->sw), free(in->xv), free(in->wv), free(in->gid);
}

/* Row r's group: its id (-1: padding), 0 for a dense case. */
static int64_t group_of(const inputs *in, int64_t r)
{
    return in->gid ? in->gid[r] : 0;
}

/* rows x k elements into img (rows ld elements apart, the gap NaN) and their values into v:
 * e4m3 with exponent fields in [elo, ehi], or bf16 U(-r, r). */
static void draw_matrix(int fp8, int64_t rows, int64_t k, int64_t ld, uint8_t *img, double *v, int elo, int ehi, double r)
{
    for (int64_t row = 0; row < rows; row++)
        for (int64_t c = 0; c < ld; c++) {
            const int64_t at = row * ld + c;
            if (fp8) {
                img[at] = c < k ? draw_e4m3(elo, ehi) : 0x7f;
                if (c < k)
                    v[row * k + c] = e4m3_value(img[at]);
            } else {
                uint16_t h = 0x7fc0;
                if (c < k)
                    h = bf16_of(uni(-r, r), &v[row * k + c]);
                memcpy(img + 2 * at, &h, 2);
            }
        }
}

/* Fresh random inputs for case c (the exponent ranges put X near 1 and W near 1/16, so the
 * gate spreads over a few units either side of 0 at these K); grouped, the rows' ids. */
static int inputs_draw(inputs *in, const scase *c)
{
    memset(in, 0, sizeof *in);
    in->m = c->moe ? moe_rows(c->moe, NULL) : c->m, in->n2 = 2 * c->i, in->k = c->k, in->kb = (c->k + 127) / 128;
    in->g = c->moe ? c->moe->g : 1, in->wr = in->g * in->n2, in->big = c->moe ? moe_largest(c->moe) : 0;
    in->es = c->fp8 ? 1 : 2;
    in->ldx = in->ldw = c->k + 16 / in->es;
    in->lds = dgk_fp8_scale_stride(in->m, DGK_DTYPE_F32) + 4;
    const int64_t nb = in->g * ((in->n2 + 127) / 128);
    in->x = malloc((size_t)(in->m * in->ldx * in->es)), in->w = malloc((size_t)(in->wr * in->ldw * in->es));
    in->xv = malloc(sizeof *in->xv * (size_t)(in->m * in->k)), in->wv = malloc(sizeof *in->wv * (size_t)(in->wr * in->k));
    in->sx = malloc(sizeof *in->sx * (size_t)(in->kb * in->lds)), in->sw = malloc(sizeof *in->sw * (size_t)(nb * in->kb));
    if (c->moe)
        in->gid = malloc(sizeof *in->gid * (size_t)in->m);
    if (!in->x || !in->w || !in->xv || !in->wv || !in->sx || !in->sw || (c->moe && !in->gid))
        return 0;
    if (c->moe)
        moe_rows(c->moe, in->gid);
    draw_matrix(c->fp8, in->m, in->k, in->ldx, in->x, in->xv, 4, 8, 1.0);
    draw_matrix(c->fp8, in->wr, in->k, in->ldw, in->w, in->wv, 0, 4, 0.5);
    memset(in->sx, 0xff, sizeof *in->sx * (size_t)(in->kb * in->lds));
    for (int64_t kb = 0; kb < in->kb; kb++)
        draw_f32(in->sx + kb * in->lds, in->m, 0.5, 2.0);
    draw_f32(in->sw, nb * in->kb, 0.5, 2.0);
    return 1;
}

/* X's scale of row r, K block kb, and W's of row n (of all wr; 1 for BF16). */
static double sx_of(const inputs *in, int fp8, int64_t kb, int64_t r)
{
    return fp8 ? in->sx[kb * in->lds + r] : 1.0;
}

static double sw_of(const inputs *in, int fp8, int64_t n, int64_t kb)
{
    return fp8 ? in->sw[n / 128 * in->kb + kb] : 1.0;
}

/* [m, i] each: the exact gate and up, the sums of their terms' magnitudes, and the up
 * half promoted with the gate's block of SW (a fault); padding rows' entries 0. */
typedef struct refs {
    double *gate, *up, *mg, *mu, *up_alt;
} refs;

static void refs_free(refs *rf)
{
    free(rf->gate), free(rf->up), free(rf->mg), free(rf->mu), free(rf->up_alt);
}

/* Which experts a reference reads for a row: its own group's (REF_TRUE), or a grouped
 * fault's: the largest group's rows the next expert's W and SW (REF_NEXT_EXPERT), every
 * row its expert's W with expert 0's SW (REF_SW_EXPERT0). */
typedef enum refkind { REF_TRUE, REF_NEXT_EXPERT, REF_SW_EXPERT0 } refkind;

/* The first rows of W (*w0) and SW's rows (*s0, as W's rows) that row r's reference reads. */
static void expert_rows(const inputs *in, int64_t r, refkind kind, int64_t *w0, int64_t *s0)
{
    const int64_t e = group_of(in, r), we = kind == REF_NEXT_EXPERT && e == in->big ? (e + 1) % in->g : e;
    *w0 = we * in->n2;
    *s0 = (kind == REF_SW_EXPERT0 ? 0 : we) * in->n2;
}

/* Per 128 of K the dot product (e4m3 and bf16 products are exact in double, and so are
 * the sums but for terms 2^30 apart) times its two scales, summed over K, as the kernels
 * promote them; each row with the experts `kind` picks (padding rows skipped). */
static int refs_compute(refs *rf, const inputs *in, const scase *c, refkind kind)
{
    const int64_t m = in->m, ni = c->i, k = in->k;
    const size_t cells = (size_t)(m * ni);
    rf->gate = calloc(cells, sizeof(double)), rf->up = calloc(cells, sizeof(double));
    rf->mg = calloc(cells, sizeof(double)), rf->mu = calloc(cells, sizeof(double)), rf->up_alt = calloc(cells, sizeof(double));
    if (!rf->gate || !rf->up || !rf->mg || !rf->mu || !rf->up_alt)
        return 0;
    for (int64_t r = 0; r < m; r++)
        for (int64_t n = 0; n < ni && group_of(in, r) >= 0; n++) {
            int64_t w0, s0;
            expert_rows(in, r, kind, &w0, &s0);
            const double *x = in->xv + r * k, *wg = in->wv + (w0 + n) * k, *wu = in->wv + (w0 + ni + n) * k;
            double g = 0, u = 0, mg = 0, mu = 0, ua = 0;
            for (int64_t kb = 0; kb < in->kb; kb++) {
                double pg = 0, pu = 0, tg = 0, tu = 0;
                for (int64_t e = kb * 128; e < (kb + 1) * 128 && e < k; e++)
                    pg += x[e] * wg[e], pu += x[e] * wu[e], tg += fabs(x[e] * wg[e]), tu += fabs(x[e] * wu[e]);
                const double sx = sx_of(in, c->fp8, kb, r), sg = sx * sw_of(in, c->fp8, s0 + n, kb);
                const double su = sx * sw_of(in, c->fp8, s0 + ni + n, kb);
                g += pg * sg, mg += tg * sg, u += pu * su, mu += tu * su, ua += pu * sg;
            }
            const int64_t at = r * ni + n;
            rf->gate[at] = g, rf->up[at] = u, rf->mg[at] = mg, rf->mu[at] = mu, rf->up_alt[at] = ua;
        }
    return 1;
}

/* ---- the comparator ----------------------------------------------------------------- */

/* H against silu(g) * u over its rows but the padding: elements beyond their bound (NaN
 * counts), the worst error over its bound, DeepGEMM's diff. */
typedef struct verdict {
    int64_t off;
    double worst, diff;
} verdict;

/* The accumulation's share for a sum x whose terms' magnitudes add to mag; `rounded`: the
 * sum was stored as bf16 on its way (the unfused path's G). */
static double share(double x, double mag, double bar, int rounded)
{
    const double e = bar * mag;
    return rounded ? e + bf16_half_ulp(fabs(x) + e) : e;
}

static verdict compare(const uint16_t *h, int64_t ldh, const inputs *in, int64_t ni, const double *g, const double *u,
                       const double *mg, const double *mu, double bar, int rounded)
{
    verdict v = {0, 0, 0};
    diff_acc d = {0};
    for (int64_t r = 0; r < in->m; r++)
        for (int64_t n = 0; n < ni && group_of(in, r) >= 0; n++) {
            const int64_t at = r * ni + n;
            const double got = from_bf16(h[r * ldh + n]), want = silu(g[at]) * u[at];
            const double bound = swiglu_bound(g[at], u[at], share(g[at], mg[at], bar, rounded),
                                              share(u[at], mu[at], bar, rounded));
            const double err = fabs(got - want);
            v.off += !(err <= bound);
            v.worst = fmax(v.worst, isnan(err) ? INFINITY : err / bound);
            diff_add(&d, got, want);
        }
    v.diff = diff_of(&d);
    return v;
}

/* Elements of H's buffer ((m + PAD_ROWS) x ldh) outside [m, ni], or in a padding row,
 * that are no longer poison. */
static int64_t poison_written(const uint16_t *h, int64_t ldh, const inputs *in, int64_t ni)
{
    int64_t n = 0;
    for (int64_t r = 0; r < in->m + PAD_ROWS; r++)
        for (int64_t c = r < in->m && group_of(in, r) >= 0 ? ni : 0; c < ldh; c++)
            n += h[r * ldh + c] != 0xffff;
    return n;
}

/* ---- running a case ----------------------------------------------------------------- */

/* H's parameter slot: after X, (SX,) W, (SW,) (GID). */
static int h_slot(const scase *c)
{
    return c->moe ? 5 : c->fp8 ? 4 : 2;
}

/* W as the next parameter, [N2, K] (rank 2) or grouped [G, N2, K] (rank 3), its rows ldw
 * elements apart (put_ld's view is 2-D only). */
static int put_w(dev *dv, const inputs *in, dgk_dtype_id dt, int rank)
{
    const int64_t shape[3] = {in->g, in->n2, in->k};
    if (!put(dv, in->w, (size_t)(in->wr * in->ldw * in->es), dt, rank, shape + 3 - rank))
        return 0;
    int64_t *st = dv->t[dv->n - 1].stride;
    st[0] = rank == 3 ? in->n2 * in->ldw : in->ldw, st[rank - 2] = in->ldw, st[rank - 1] = 1;
    return 1;
}

/* Binds X, (SX,) W, (SW,) (GID,) then H's poisoned buffer (and for the unfused path G's
 * after it) in the kernel's parameter order; grouped, W and SW of rank 3 ([G, ...]). */
static int bind(dev *dv, const scase *c, const inputs *in, const uint16_t *h, int64_t ldh, const uint16_t *g)
{
    const dgk_dtype_id dt = c->fp8 ? DGK_DTYPE_E4M3 : DGK_DTYPE_BF16;
    const int64_t nb = (in->n2 + 127) / 128, rows = in->m + PAD_ROWS;
    const int wrank = c->moe ? 3 : 2;
    int64_t sx[2] = {in->m, in->k}, ssx[2] = {in->kb, in->m}, ssw[3] = {in->g, nb, in->kb};
    int64_t sh[2] = {in->m, c->i}, sg[2] = {in->m, in->n2}, sid[1] = {in->m};
    int ok = put_ld(dv, in->x, (size_t)(in->m * in->ldx * in->es), dt, 2, sx, in->ldx);
    if (c->fp8)
        ok = ok && put_ld(dv, in->sx, sizeof *in->sx * (size_t)(in->kb * in->lds), DGK_DTYPE_F32, 2, ssx, in->lds);
    ok = ok && put_w(dv, in, dt, wrank);
    if (c->fp8)
        ok = ok && put(dv, in->sw, sizeof *in->sw * (size_t)(in->g * nb * in->kb), DGK_DTYPE_F32, wrank, ssw + 3 - wrank);
    if (c->moe)
        ok = ok && put(dv, in->gid, sizeof *in->gid * (size_t)in->m, DGK_DTYPE_I32, 1, sid);
    ok = ok && put_ld(dv, h, 2 * (size_t)(rows * ldh), DGK_DTYPE_BF16, 2, sh, ldh);
    if (c->unfused)
        ok = ok && put(dv, g, 2 * (size_t)(in->m * in->n2), DGK_DTYPE_BF16, 2, sg);
    return ok;
}

/* The unfused path on the bound tensors: the stock GEMM into G, then swiglu_act. */
static int launch_unfused(dgk_context *ctx, const scase *c, dev *dv)
{
    const dgk_tensor *t = dv->t;
    const int hs = h_slot(c); /* G's is the next */
    dgk_status st = c->fp8 ? dgk_gemm_fp8_nt(ctx, &t[0], &t[1], &t[2], &t[3], &t[hs + 1], NULL)
                           : dgk_gemm_bf16_nt(ctx, &t[0], &t[1], NULL, &t[hs + 1], NULL);
    dgk_op *act = NULL;
    if (st == DGK_OK)
        st = dgk_op_create(ctx, "swiglu_check.c", own_src, "swiglu_act", NULL, 0, &act);
    const dgk_tensor *params[2] = {&t[hs + 1], &t[hs]};
    if (st == DGK_OK)
        st = dgk_op_launch(act, params, NULL, 2, NULL);
    if (st != DGK_OK)
        printf("  unfused %s: %s\n", c->fp8 ? "fp8" : "bf16", dgk_last_error());
    return st == DGK_OK && cuda_ok(cudaDeviceSynchronize(), "unfused path");
}

/* The stock fused MoE entry point over the grouped case's tensors (X, SX, W, SW, GID, H). */
static int launch_stock(dgk_context *ctx, dev *dv)
{
    const dgk_tensor *t = dv->t;
    dgk_status st = dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous(ctx, &t[0], &t[1], &t[2], &t[3], &t[5], &t[4], NULL);
    if (st != DGK_OK)
        printf("  stock dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous: %s\n", dgk_last_error());
    return st == DGK_OK && cuda_ok(cudaDeviceSynchronize(), "stock swiglu");
}

/* Runs case c on the GPU: H's buffer h ((m + PAD_ROWS) x ldh, poisoned) comes back. */
static int run_device(dgk_context *ctx, const char *path, const char *text, const scase *c, const inputs *in, uint16_t *h,
                      int64_t ldh)
{
    const size_t gbytes = c->unfused ? 2 * (size_t)(in->m * in->n2) : 0;
    uint16_t *g = c->unfused ? malloc(gbytes) : NULL;
    if (c->unfused && !g)
        return 0;
    if (g)
        memset(g, 0xff, gbytes);
    char bm_def[16], bn_def[16], k_def[32], cn_def[16];
    snprintf(bm_def, sizeof bm_def, "BM=%d", c->bm);
    snprintf(bn_def, sizeof bn_def, "BN=%d", c->bn);
    snprintf(k_def, sizeof k_def, "K=%lld", (long long)c->k);
    snprintf(cn_def, sizeof cn_def, "CN=%d", c->cn);
    const char *defs[4] = {bm_def, bn_def};
    int ndefs = 2;
    if (c->k_in)
        defs[ndefs++] = k_def;
    if (c->cn)
        defs[ndefs++] = cn_def;
    const char *kernel = c->moe ? "grouped_fp8_swiglu" : c->fp8 ? "gemm_fp8_swiglu" : "gemm_bf16_swiglu";
    dev dv = {0};
    int ok = bind(&dv, c, in, h, ldh, g);
    if (c->unfused)
        ok = ok && launch_unfused(ctx, c, &dv);
    else if (c->stock)
        ok = ok && launch_stock(ctx, &dv);
    else
        ok = ok && launch(ctx, path, text, kernel, defs, ndefs, &dv);
    ok = ok && fetch(&dv, h_slot(c), h, 2 * (size_t)((in->m + PAD_ROWS) * ldh));
    ok &= dev_free(&dv);
    free(g);
    return ok;
}

/* --self-test: H as the kernels compute it, on the host: f32 sums per 128 of K, promoted
 * with the scales in f32, G rounded to bf16 on the unfused path, silu and the product in
 * f32, bf16 rounded to nearest. The comparator must pass it and fail the faults. */
static uint16_t bf16_rn(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7fff + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

/* Row r of X against row n of W (of all wr), with their scales. */
static float f32_sum(const inputs *in, const scase *c, int64_t r, int64_t n)
{
    const double *x = in->xv + r * in->k, *w = in->wv + n * in->k;
    float s = 0;
    for (int64_t kb = 0; kb < in->kb; kb++) {
        float p = 0;
        for (int64_t e = kb * 128; e < (kb + 1) * 128 && e < in->k; e++)
            p += (float)x[e] * (float)w[e]; /* e4m3 and bf16 products are exact in f32 */
        s += p * (float)sx_of(in, c->fp8, kb, r) * (float)sw_of(in, c->fp8, n, kb);
    }
    return c->unfused ? (float)from_bf16(bf16_rn(s)) : s;
}

/* Every row but the padding, from its group's W rows (and SW blocks). */
static void simulate(const inputs *in, const scase *c, uint16_t *h, int64_t ldh)
{
    for (int64_t r = 0; r < in->m; r++)
        for (int64_t n = 0; n < c->i && group_of(in, r) >= 0; n++) {
            const int64_t w0 = group_of(in, r) * in->n2;
            const float g = f32_sum(in, c, r, w0 + n), u = f32_sum(in, c, r, w0 + c->i + n);
            h[r * ldh + n] = bf16_rn(g / (1.0f + expf(-g)) * u);
        }
}

enum { NFAULTS = 5 }; /* FP8 runs the first 3, BF16 the first 2, grouped all */

/* The case's PASS/FAIL line; 1 when it passes (ran, no element off, the diff under its bar,
 * nothing written outside H's view, every fault failing both the elements and the diff). */
static int report(const char *what, int ran, const verdict *v, int64_t poison, const verdict *faults, int nfaults,
                  double bar)
{
    static const char *const fault_names[NFAULTS] = {"silu(up)*gate", "up rows from Wg", "up with the gate's SW block",
                                                     "largest group with the next expert's W, SW", "expert 0's SW for every group"};
    if (!ran) {
        printf("FAIL %s: not run\n", what);
        return 0;
    }
    int caught = 1;
    char fl[512] = "";
    for (int f = 0; f < nfaults; f++) {
        caught &= faults[f].off > 0 && faults[f].diff >= bar;
        size_t used = strlen(fl);
        snprintf(fl + used, sizeof fl - used, "%s%s %lld off, diff %.2e", f ? "; " : "", fault_names[f],
                 (long long)faults[f].off, faults[f].diff);
    }
    const int pass = v->off == 0 && v->diff < bar && poison == 0 && caught;
    printf("%s %s: elements off %lld (worst %.2f of its bound), diff %.2e (bar %.0e), poison written %lld; faults (must "
           "fail): %s\n",
           pass ? "PASS" : "FAIL", what, (long long)v->off, v->worst, v->diff, bar, (long long)poison, fl);
    return pass;
}

/* The grouped faults' references: the experts of REF_NEXT_EXPERT and REF_SW_EXPERT0. */
static int refs_faults(refs fx[2], const inputs *in, const scase *c)
{
    return refs_compute(&fx[0], in, c, REF_NEXT_EXPERT) && refs_compute(&fx[1], in, c, REF_SW_EXPERT0);
}

/* H against the reference, and against each fault's (faults[NFAULTS]; fx: the grouped ones). */
static verdict judge(const uint16_t *h, int64_t ldh, const inputs *in, const scase *c, const refs *rf, const refs fx[2],
                     verdict *faults)
{
    const double acc_bar = c->fp8 ? 1e-4 : 1e-5; /* dgk-user-check's accumulation bars */
    const int64_t ni = c->i;
    faults[0] = compare(h, ldh, in, ni, rf->up, rf->gate, rf->mu, rf->mg, acc_bar, c->unfused);
    faults[1] = compare(h, ldh, in, ni, rf->gate, rf->gate, rf->mg, rf->mg, acc_bar, c->unfused);
    faults[2] = compare(h, ldh, in, ni, rf->gate, rf->up_alt, rf->mg, rf->mu, acc_bar, c->unfused);
    for (int f = 0; c->moe && f < 2; f++)
        faults[3 + f] = compare(h, ldh, in, ni, fx[f].gate, fx[f].up, fx[f].mg, fx[f].mu, acc_bar, c->unfused);
    return compare(h, ldh, in, ni, rf->gate, rf->up, rf->mg, rf->mu, acc_bar, c->unfused);
}

/* Case c on the GPU, or with ctx NULL (--self-test) H computed on the host by simulate(). */
static int run_case(dgk_context *ctx, const char *path, const char *text, const scase *c)
{
    inputs in = {0};
    refs rf = {0}, fx[2] = {{0}};
    const int64_t ldh = c->i + H_GAP;
    int ok = inputs_draw(&in, c) && refs_compute(&rf, &in, c, REF_TRUE) && (!c->moe || refs_faults(fx, &in, c));
    const int64_t hn = (in.m + PAD_ROWS) * ldh;
    uint16_t *h = ok ? malloc(2 * (size_t)hn) : NULL;
    ok = ok && h;
    if (ok)
        memset(h, 0xff, 2 * (size_t)hn);
    if (ok && !ctx) /* --self-test */
        simulate(&in, c, h, ldh);
    else
        ok = ok && run_device(ctx, path, text, c, &in, h, ldh);
    const double bar = c->fp8 ? 1e-3 : 1e-5; /* DeepGEMM's diff bars */
    verdict v = {0, 0, 0}, faults[NFAULTS] = {{0, 0, 0}};
    int64_t poison = 0;
    const int nfaults = c->moe ? 5 : c->fp8 ? 3 : 2;
    if (ok) {
        v = judge(h, ldh, &in, c, &rf, fx, faults);
        poison = poison_written(h, ldh, &in, c->i);
    }
    const int64_t m = in.m;
    inputs_free(&in), refs_free(&rf), refs_free(&fx[0]), refs_free(&fx[1]), free(h);
    char what[240];
    const char *dt = c->fp8 ? "fp8" : "bf16";
    if (c->moe) {
        char groups[64] = "";
        for (int e = 0; e < c->moe->g; e++) {
            const size_t used = strlen(groups);
            snprintf(groups + used, sizeof groups - used, "%s%d", e ? ", " : "", c->moe->rows[e]);
        }
        snprintf(what, sizeof what, "%s BM %d BN %d%s (groups of %s rows padded to %d: M %lld; I %lld, K %lld, H ld %lld)",
                 c->stock ? "stock dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous" : "grouped_fp8_swiglu", c->bm, c->bn,
                 c->k_in ? " K compiled in" : "", groups, GROUP_ALIGN, (long long)m, (long long)c->i,
                 (long long)c->k, (long long)ldh);
    } else if (c->unfused)
        snprintf(what, sizeof what, "unfused %s: dgk_gemm_%s_nt into G [M, 2I] bf16, then swiglu_act (M %lld, I %lld, K %lld)",
                 dt, dt, (long long)c->m, (long long)c->i, (long long)c->k);
    else
        snprintf(what, sizeof what, "gemm_%s_swiglu BM %d BN %d%s%s (M %lld, I %lld, K %lld, H ld %lld)", dt, c->bm, c->bn,
                 c->k_in ? " K compiled in" : "", c->cn == 2 ? " CN 2" : "", (long long)c->m, (long long)c->i,
                 (long long)c->k, (long long)ldh);
    return report(what, ok, &v, poison, faults, nfaults, bar);
}

/* ---- --bench ----------------------------------------------------------------------- */

enum { B_M = 4096, B_K = 7168, B_IMAX = 9216, B_REPS = 30, MAX_DEFS = 8 };
/* R_SPEC: the fused kernel with K, I and N2 compiled in (as the stock entry points compile
 * the shapes of their launches) and the command line's -D settings (a tile, CN) */
typedef enum brunner { R_FUSED, R_SPEC, R_GEMM, R_UNFUSED, R_LT, B_RUNNERS } brunner;

/* One dtype's setup at one I: the ops, the tensors (dense views of buffers sized for
 * B_IMAX), the cuBLASLt problem on the same buffers. */
typedef struct bench {
    dgk_context *ctx;
    int fp8, lt_skip;
    int64_t i;
    dgk_op *fused, *spec, *act;
    const char *const *defs; /* the command line's -D NAME=VALUE settings for R_SPEC */
    int ndefs;
    dgk_tensor x, sx, w, sw, g, h;
    gh_problem lp;
    gh_buffers lb;
    cudaEvent_t t0, t1;
} bench;

static int cmp_f(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

static dgk_status stock_gemm(bench *w)
{
    return w->fp8 ? dgk_gemm_fp8_nt(w->ctx, &w->x, &w->sx, &w->w, &w->sw, &w->g, NULL)
                  : dgk_gemm_bf16_nt(w->ctx, &w->x, &w->w, NULL, &w->g, NULL);
}

/* Enqueues runner r; GH_OK, or GH_UNSUPPORTED / GH_ERROR with the reason printed. */
static int enqueue(bench *w, brunner r)
{
    if (r == R_LT) {
        int rc = w->fp8 ? gh_cublaslt_fp8_block(&w->lp, &w->lb, 0) : gh_cublaslt_bf16(&w->lp, &w->lb, 0);
        if (rc != GH_OK)
            printf("  bench cuBLASLt: %s\n", gh_error());
        return rc;
    }
    const dgk_tensor *fp8[5] = {&w->x, &w->sx, &w->w, &w->sw, &w->h}, *bf16[3] = {&w->x, &w->w, &w->h};
    const dgk_tensor *act[2] = {&w->g, &w->h};
    dgk_status st = DGK_OK;
    if (r == R_FUSED || r == R_SPEC) {
        dgk_op *op = r == R_FUSED ? w->fused : w->spec;
        st = w->fp8 ? dgk_op_launch(op, fp8, NULL, 5, NULL) : dgk_op_launch(op, bf16, NULL, 3, NULL);
    } else
        st = stock_gemm(w);
    if (st == DGK_OK && r == R_UNFUSED)
        st = dgk_op_launch(w->act, act, NULL, 2, NULL);
    if (st != DGK_OK)
        printf("  bench runner %d: %s\n", (int)r, dgk_last_error());
    return st == DGK_OK ? GH_OK : GH_ERROR;
}

/* One launch of runner r between the events: its time in ms; -1 on a failure, -2 where
 * cuBLASLt has no algorithm for the problem. */
static float bench_once(bench *w, brunner r)
{
    cudaEventRecord(w->t0, 0);
    const int rc = enqueue(w, r);
    cudaEventRecord(w->t1, 0);
    float ms = -1;
    if (rc == GH_OK && cuda_ok(cudaEventSynchronize(w->t1), "bench") &&
        !cuda_ok(cudaEventElapsedTime(&ms, w->t0, w->t1), "timer"))
        ms = -1;
    return rc == GH_UNSUPPORTED && r == R_LT ? -2 : ms;
}

/* Device buffers for the largest shape, shared by both dtypes and both I. */
typedef struct bbufs {
    void *x, *w, *sx, *sw, *g, *h;
} bbufs;

static void *dev_alloc(size_t bytes)
{
    void *p = NULL;
    return cuda_ok(cudaMalloc(&p, bytes), "cudaMalloc") && cuda_ok(cudaMemset(p, 0, bytes), "cudaMemset") ? p : NULL;
}

/* Random X and W of the dtype (drawn as in the checks) and scales into the buffers. */
static int bench_fill(const bbufs *b, int fp8)
{
    const int64_t nx = (int64_t)B_M * B_K, nw = (int64_t)2 * B_IMAX * B_K, es = fp8 ? 1 : 2;
    const int64_t kb = B_K / 128, nsx = kb * B_M, nsw = 2 * B_IMAX / 128 * kb;
    uint8_t *hx = malloc((size_t)(nx * es)), *hw = malloc((size_t)(nw * es));
    float *hs = malloc(sizeof *hs * (size_t)(nsx > nsw ? nsx : nsw));
    double *scratch = malloc(sizeof *scratch * B_K);
    int ok = hx && hw && hs && scratch;
    for (int64_t r = 0; ok && r < B_M; r++)
        draw_matrix(fp8, 1, B_K, B_K, hx + r * B_K * es, scratch, 4, 8, 1.0);
    for (int64_t r = 0; ok && r < 2 * B_IMAX; r++)
        draw_matrix(fp8, 1, B_K, B_K, hw + r * B_K * es, scratch, 0, 4, 0.5);
    ok = ok && cuda_ok(cudaMemcpy(b->x, hx, (size_t)(nx * es), cudaMemcpyHostToDevice), "upload") &&
         cuda_ok(cudaMemcpy(b->w, hw, (size_t)(nw * es), cudaMemcpyHostToDevice), "upload");
    if (ok && fp8) {
        draw_f32(hs, nsx, 0.5, 2.0);
        ok = cuda_ok(cudaMemcpy(b->sx, hs, sizeof *hs * (size_t)nsx, cudaMemcpyHostToDevice), "upload");
        draw_f32(hs, nsw, 0.5, 2.0);
        ok = ok && cuda_ok(cudaMemcpy(b->sw, hs, sizeof *hs * (size_t)nsw, cudaMemcpyHostToDevice), "upload");
    }
    free(hx), free(hw), free(hs), free(scratch);
    return ok;
}

/* The tensors of one dtype at one I, over the buffers. */
static void bench_bind(bench *w, const bbufs *b)
{
    const dgk_dtype_id dt = w->fp8 ? DGK_DTYPE_E4M3 : DGK_DTYPE_BF16;
    const int64_t n2 = 2 * w->i, kb = B_K / 128;
    int64_t sx[2] = {B_M, B_K}, sw[2] = {n2, B_K}, ssx[2] = {kb, B_M}, ssw[2] = {n2 / 128, kb};
    int64_t sg[2] = {B_M, n2}, sh[2] = {B_M, w->i};
    w->x = dgk_tensor_make(b->x, dt, 2, sx), w->w = dgk_tensor_make(b->w, dt, 2, sw);
    w->sx = dgk_tensor_make(b->sx, DGK_DTYPE_F32, 2, ssx), w->sw = dgk_tensor_make(b->sw, DGK_DTYPE_F32, 2, ssw);
    w->g = dgk_tensor_make(b->g, DGK_DTYPE_BF16, 2, sg), w->h = dgk_tensor_make(b->h, DGK_DTYPE_BF16, 2, sh);
    /* cuBLASLt's view of the same GEMM: SA [K/128][M] (M % 4 == 0: no padding), SB [2I/128][K/128] */
    w->lp = (gh_problem){.m = B_M, .n = (int)n2, .k = B_K, .layout = GH_NT, .in = w->fp8 ? GH_E4M3 : GH_BF16,
                         .out = GH_BF16, .recipe = w->fp8 ? GH_RECIPE_BLOCK : GH_RECIPE_NONE, .has_c = 0};
    w->lb = (gh_buffers){.a = b->x, .lda = B_K, .b = b->w, .ldb = B_K, .sa = w->fp8 ? b->sx : NULL, .sa_ld = B_M,
                         .sb = w->fp8 ? b->sw : NULL, .sb_ld = kb, .c = NULL, .d = b->g, .gen = (uint64_t)(2 * w->i + w->fp8)};
}

/* Warms every runner up (compile, load, cuBLASLt's plan), then B_REPS rounds of all of
 * them interleaved; prints the medians. */
static int bench_shape(bench *w)
{
    static const char *const names[2][B_RUNNERS] = {
        {"fused gemm_bf16_swiglu", "fused gemm_bf16_swiglu, shapes compiled in, -D", "dgk_gemm_bf16_nt [M, 2I] alone", "unfused: dgk_gemm_bf16_nt + swiglu_act",
         "cuBLASLt bf16 [M, 2I] alone"},
        {"fused gemm_fp8_swiglu", "fused gemm_fp8_swiglu, shapes compiled in, -D", "dgk_gemm_fp8_nt [M, 2I] alone", "unfused: dgk_gemm_fp8_nt + swiglu_act",
         "cuBLASLt fp8 1x128/128x128 [M, 2I] alone"}};
    const char *dt = w->fp8 ? "fp8" : "bf16";
    float t[B_RUNNERS][B_REPS];
    int ok = 1;
    w->lt_skip = 0;
    for (int r = 0; r < B_RUNNERS; r++) {
        const float ms = bench_once(w, (brunner)r);
        if (ms == -2) {
            printf("bench swiglu %-4s I %5lld: SKIP %s (no algorithm)\n", dt, (long long)w->i, names[w->fp8][r]);
            w->lt_skip = 1;
        } else
            ok &= ms >= 0;
    }
    const int nr = w->lt_skip ? R_LT : B_RUNNERS;
    for (int i = 0; ok && i < B_REPS; i++)
        for (int r = 0; r < nr; r++)
            ok &= (t[r][i] = bench_once(w, (brunner)r)) >= 0;
    if (!ok) {
        printf("FAIL bench swiglu %s I %lld\n", dt, (long long)w->i);
        return 0;
    }
    const double flops = 2.0 * B_M * (2.0 * w->i) * B_K;
    float med[B_RUNNERS];
    for (int r = 0; r < nr; r++) {
        qsort(t[r], B_REPS, sizeof t[r][0], cmp_f);
        med[r] = t[r][B_REPS / 2];
        printf("bench swiglu %-4s I %5lld (M %d, 2I %lld, K %d) %-42s: %8.1f us  %6.1f TFLOPS\n", dt, (long long)w->i, B_M,
               (long long)(2 * w->i), B_K, names[w->fp8][r], med[r] * 1e3, flops / (med[r] * 1e-3) / 1e12);
    }
    printf("bench swiglu %-4s I %5lld: fused / unfused time %.3f (compiled in: %.3f), fused / the GEMM alone %.3f (%.3f)", dt,
           (long long)w->i, med[R_FUSED] / med[R_UNFUSED], med[R_SPEC] / med[R_UNFUSED], med[R_FUSED] / med[R_GEMM],
           med[R_SPEC] / med[R_GEMM]);
    if (!w->lt_skip)
        printf(", fused / cuBLASLt's GEMM alone %.3f (%.3f)", med[R_FUSED] / med[R_LT], med[R_SPEC] / med[R_LT]);
    printf("\n");
    return 1;
}

/* R_SPEC's op at the shape: K, I, N2 as constants, then the -D settings. */
static int spec_op(bench *w, const char *path, const char *text, const char *name)
{
    char k[32], i[32], n2[32];
    const char *defs[3 + MAX_DEFS] = {k, i, n2};
    snprintf(k, sizeof k, "K=%d", B_K);
    snprintf(i, sizeof i, "I=%lld", (long long)w->i);
    snprintf(n2, sizeof n2, "N2=%lld", (long long)(2 * w->i));
    for (int d = 0; d < w->ndefs; d++)
        defs[3 + d] = w->defs[d];
    return dgk_op_create(w->ctx, path, text, name, defs, 3 + w->ndefs, &w->spec) == DGK_OK;
}

/* The stock fused MoE entry against the stock contiguous grouped GEMM of the [M, 2I]
 * product alone and followed by swiglu_act: G_MOE experts of M_MOE / G_MOE rows each (the
 * bench's X), I 2048, K 7168 (b.w as [G_MOE, 2I, K], its values the dense bench's draw);
 * median of B_REPS, runners interleaved. */
enum { G_MOE = 4, I_MOE = 2048, M_MOE = B_M };

static float moe_once(bench *w, int r, const dgk_tensor *t)
{
    /* t: x, sx, w, sw, ids, h, g */
    const dgk_tensor *act[2] = {&t[6], &t[5]};
    cudaEventRecord(w->t0, 0);
    dgk_status st = r == 0 ? dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous(w->ctx, &t[0], &t[1], &t[2], &t[3], &t[5], &t[4], NULL)
                           : dgk_m_grouped_gemm_fp8_nt_contiguous(w->ctx, &t[0], &t[1], &t[2], &t[3], &t[6], &t[4], NULL);
    if (st == DGK_OK && r == 2)
        st = dgk_op_launch(w->act, act, NULL, 2, NULL);
    cudaEventRecord(w->t1, 0);
    float ms = -1;
    if (st != DGK_OK)
        printf("  bench moe runner %d: %s\n", r, dgk_last_error());
    else if (!cuda_ok(cudaEventSynchronize(w->t1), "bench") || !cuda_ok(cudaEventElapsedTime(&ms, w->t0, w->t1), "timer"))
        ms = -1;
    return ms;
}

static int bench_moe(bench *w, const bbufs *b)
{
    static const char *const names[3] = {"stock fused dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous",
                                         "dgk_m_grouped_gemm_fp8_nt_contiguous [M, 2I] alone",
                                         "unfused: the grouped GEMM + swiglu_act"};
    const int64_t kb = B_K / 128;
    int32_t *ids = malloc(sizeof *ids * M_MOE);
    void *dids = dev_alloc(sizeof *ids * M_MOE);
    int ok = ids && dids && bench_fill(b, 1);
    for (int64_t r = 0; ok && r < M_MOE; r++)
        ids[r] = (int32_t)(r / (M_MOE / G_MOE));
    ok = ok && cuda_ok(cudaMemcpy(dids, ids, sizeof *ids * M_MOE, cudaMemcpyHostToDevice), "upload");
    int64_t sx[2] = {M_MOE, B_K}, ssx[2] = {kb, M_MOE}, sw[3] = {G_MOE, 2 * I_MOE, B_K}, ssw[3] = {G_MOE, 2 * I_MOE / 128, kb};
    int64_t sid[1] = {M_MOE}, sh[2] = {M_MOE, I_MOE}, sg[2] = {M_MOE, 2 * I_MOE};
    const dgk_tensor t[7] = {dgk_tensor_make(b->x, DGK_DTYPE_E4M3, 2, sx), dgk_tensor_make(b->sx, DGK_DTYPE_F32, 2, ssx),
                             dgk_tensor_make(b->w, DGK_DTYPE_E4M3, 3, sw), dgk_tensor_make(b->sw, DGK_DTYPE_F32, 3, ssw),
                             dgk_tensor_make(dids, DGK_DTYPE_I32, 1, sid), dgk_tensor_make(b->h, DGK_DTYPE_BF16, 2, sh),
                             dgk_tensor_make(b->g, DGK_DTYPE_BF16, 2, sg)};
    float tm[3][B_REPS];
    for (int r = 0; ok && r < 3; r++)
        ok = moe_once(w, r, t) >= 0;
    for (int i = 0; ok && i < B_REPS; i++)
        for (int r = 0; r < 3; r++)
            ok &= (tm[r][i] = moe_once(w, r, t)) >= 0;
    const double flops = 2.0 * M_MOE * (2.0 * I_MOE) * B_K;
    float med[3] = {0, 0, 0};
    for (int r = 0; ok && r < 3; r++) {
        qsort(tm[r], B_REPS, sizeof tm[r][0], cmp_f);
        med[r] = tm[r][B_REPS / 2];
        printf("bench swiglu moe fp8 %d experts x %d rows, I %d, K %d: %-56s: %8.1f us  %6.1f TFLOPS\n", G_MOE, M_MOE / G_MOE,
               I_MOE, B_K, names[r], med[r] * 1e3, flops / (med[r] * 1e-3) / 1e12);
    }
    if (ok)
        printf("bench swiglu moe fp8: stock fused / unfused time %.3f, fused / the grouped GEMM alone %.3f\n", med[0] / med[2],
               med[0] / med[1]);
    free(ids);
    cudaFree(dids);
    return ok;
}

static int run_bench(dgk_context *ctx, const char *path, const char *text, const char *const *defs, int ndefs)
{
    static const int64_t is[2] = {2048, B_IMAX};
    const int64_t kb = B_K / 128;
    bbufs b = {dev_alloc(2 * (size_t)B_M * B_K), dev_alloc(2 * (size_t)(2 * B_IMAX) * B_K), dev_alloc(4 * (size_t)(kb * B_M)),
               dev_alloc(4 * (size_t)(2 * B_IMAX / 128 * kb)), dev_alloc(2 * (size_t)B_M * (2 * B_IMAX)),
               dev_alloc(2 * (size_t)B_M * B_IMAX)};
    bench w = {.ctx = ctx, .defs = defs, .ndefs = ndefs};
    int ok = b.x && b.w && b.sx && b.sw && b.g && b.h && cuda_ok(cudaEventCreate(&w.t0), "event") &&
             cuda_ok(cudaEventCreate(&w.t1), "event") &&
             dgk_op_create(ctx, "swiglu_check.c", own_src, "swiglu_act", NULL, 0, &w.act) == DGK_OK;
    for (int fp8 = 1; ok && fp8 >= 0; fp8--) {
        w.fp8 = fp8;
        const char *name = fp8 ? "gemm_fp8_swiglu" : "gemm_bf16_swiglu";
        ok = bench_fill(&b, fp8) && dgk_op_create(ctx, path, text, name, NULL, 0, &w.fused) == DGK_OK;
        for (int s = 0; ok && s < 2; s++) {
            w.i = is[s];
            ok = spec_op(&w, path, text, name);
            bench_bind(&w, &b);
            ok = ok && bench_shape(&w);
        }
    }
    ok = ok && bench_moe(&w, &b);
    if (!ok)
        printf("FAIL bench: %s\n", dgk_last_error());
    cudaFree(b.x), cudaFree(b.w), cudaFree(b.sx), cudaFree(b.sw), cudaFree(b.g), cudaFree(b.h);
    return ok;
}

int main(int argc, char **argv)
{
    int bench_too = 0, self_test = 0, bad = 0, ndefs = 0;
    const char *path = "examples/gemm_swiglu.dgk", *defs[MAX_DEFS];
    for (int a = 1, paths = 0; a < argc; a++) {
        if (strcmp(argv[a], "--bench") == 0)
            bench_too = 1;
        else if (strcmp(argv[a], "-D") == 0 && a + 1 < argc && ndefs < MAX_DEFS && strchr(argv[a + 1], '='))
            defs[ndefs++] = argv[++a];
        else if (strcmp(argv[a], "--self-test") == 0)
            self_test = 1;
        else
            bad |= argv[a][0] == '-' || paths++ > 0, path = argv[a];
    }
    if (bad || (bench_too && self_test)) {
        printf("usage: dgk-swiglu-check [EXAMPLE.dgk] [--bench [-D NAME=VALUE]... | --self-test]   (default examples/gemm_swiglu.dgk)\n"
               "  -D: compile-time settings of the bench's second fused runner (K, I and N2 are compiled in there too)\n");
        return 2;
    }
    char *text = self_test ? NULL : read_file(path);
    if (!self_test && !text) {
        printf("FAIL cannot read %s (run from the repository root or give its path)\nswiglu-check: 0 passed, 1 failed\n", path);
        return 1;
    }
    dgk_context *ctx = NULL;
    if (!self_test && dgk_init(0, &ctx) != DGK_OK) {
        printf("FAIL dgk_init: %s\nswiglu-check: 0 passed, 1 failed\n", dgk_last_error());
        free(text);
        return 1;
    }
    static const layout moe_a = {4, {300, 0, 517, 128}}, moe_b = {3, {1, 129, 256}};
    static const scase cases[] = {
        /* fp8, unfused, M, I, K, BM, BN (FP8: BN 128 would need 256 accumulator registers), groups,
         * K compiled in, CN */
        {1, 0, 300, 256, 512, 128, 64, NULL, 0, 0, 0},  {1, 0, 129, 384, 384, 128, 64, NULL, 0, 0, 0},  {1, 0, 300, 256, 512, 64, 64, NULL, 0, 0, 0},
        {1, 0, 129, 384, 384, 64, 64, NULL, 0, 0, 0},   {1, 0, 300, 256, 512, 256, 64, NULL, 0, 0, 0},  {1, 0, 129, 384, 384, 256, 64, NULL, 0, 0, 0},
        {0, 0, 300, 256, 512, 256, 64, NULL, 0, 0, 0},
        {0, 0, 300, 256, 512, 128, 128, NULL, 0, 0, 0}, {0, 0, 129, 384, 384, 128, 128, NULL, 0, 0, 0}, {0, 0, 300, 256, 512, 64, 128, NULL, 0, 0, 0},
        {0, 0, 129, 384, 384, 64, 128, NULL, 0, 0, 0},  {0, 0, 300, 256, 512, 128, 64, NULL, 0, 0, 0},  {0, 0, 129, 384, 384, 128, 64, NULL, 0, 0, 0},
        {1, 1, 300, 256, 512, 0, 0, NULL, 0, 0, 0},     {0, 1, 300, 256, 512, 0, 0, NULL, 0, 0, 0},
        /* grouped_fp8_swiglu: M from the groups (BM 256 would straddle two groups) */
        {1, 0, 0, 256, 512, 128, 64, &moe_a, 0, 0, 0}, {1, 0, 0, 256, 512, 128, 64, &moe_b, 0, 0, 0},
        {1, 0, 0, 256, 512, 64, 64, &moe_a, 0, 0, 0},  {1, 0, 0, 384, 384, 64, 64, &moe_b, 0, 0, 0},
        /* K compiled in (FP8: the tile's B scale rows copied once, sb_tile), two CTAs along N
         * sharing A (CN 2), a last column tile partly past I (BF16 I 200) */
        {1, 0, 300, 256, 512, 128, 64, NULL, 1, 0, 0},   {1, 0, 0, 256, 512, 128, 64, &moe_a, 1, 0, 0},
        {1, 0, 300, 256, 512, 128, 64, NULL, 0, 2, 0},   {1, 0, 129, 384, 1024, 128, 64, NULL, 1, 2, 0},
        {0, 0, 300, 256, 512, 128, 128, NULL, 0, 2, 0},  {0, 0, 300, 200, 512, 128, 128, NULL, 0, 0, 0},
        {0, 0, 129, 200, 384, 64, 64, NULL, 1, 0, 0},
        /* the stock entry point (its kernel has the example's grouped form, K and I compiled in) */
        {1, 0, 0, 256, 512, 128, 64, &moe_a, 1, 0, 1}, {1, 0, 0, 384, 1024, 128, 64, &moe_b, 1, 0, 1},
    };
    int passed = 0, failed = 0;
    e4m3_decoder_agrees() ? passed++ : failed++;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        run_case(ctx, path, text, &cases[c]) ? passed++ : failed++;
    printf("swiglu-check%s: %d passed, %d failed\n", self_test ? " (self-test: H computed on the host)" : "", passed, failed);
    if (bench_too && !run_bench(ctx, path, text, defs, ndefs))
        failed++;
    gh_cublaslt_release();
    if (ctx)
        dgk_destroy(ctx);
    free(text);
    return failed ? 1 : 0;
}
