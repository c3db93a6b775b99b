/* grouped_case.c - one grouped GEMM case: the groups laid out from the drawn row
 * counts (contiguous: each group padded to gg_alignment() rows marked -1 in
 * group_ids; masked: [G, max_m] with masked_m), fresh random BF16 inputs from the
 * case's seed (contiguous cases also get the layout as group offsets [G + 1]), the
 * reference product computed group by group with the harness's own
 * reference GEMM (harness_ref.cu) on each group's slice, FP8 quantized per group on
 * first use (DeepSeek's recipe: A per token 1x128, B per 128x128 block of each
 * group's [N, K] matrix), and the run-and-verify step: D poisoned, the runner run
 * once, every group's valid rows compared with DeepGEMM's diff metric (FP8: also with
 * the exact product of the quantized operands), and the contiguous layout's padding rows
 * required to still hold the poison. */
#include "grouped.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POISON_BF16 0x7fa5u /* harness_diff.cu's pattern */

static size_t elems(int64_t r, int64_t c) { return (size_t)r * (size_t)c; }

static int check_spec(const gg_spec *s)
{
    if (s->groups < 1 || s->groups > GG_MAX_GROUPS || s->n <= 0 || s->k <= 0 || s->k % 128) {
        gh_set_error("bad grouped spec: G=%d (1..%d), N=%d, K=%d (a multiple of 128)",
                     s->groups, GG_MAX_GROUPS, s->n, s->k);
        return GH_ERROR;
    }
    return GH_OK;
}

/* Offsets and spans of the groups; all-padding groups span `rows` rounded up. The
 * contiguous edge case starts with a whole block of padding: with group ids in a cluster
 * along M its pair has an idle first CTA, which still multicasts the peer's B. */
static void lay_out(gg_case *c)
{
    const gg_spec *s = &c->spec;
    int64_t align = gg_alignment(), at = s->mode == GG_CONTIG && s->edge == GG_EDGE_EDGES ? align : 0;
    c->valid_rows = 0;
    for (int g = 0; g < s->groups; g++) {
        int64_t want = s->edge == GG_EDGE_ALL_PADDING ? s->rows : c->rows[g];
        c->off[g] = at;
        c->span[g] = s->mode == GG_MASKED ? s->max_m : gh_align(want, align);
        at += c->span[g];
        c->valid_rows += c->rows[g];
    }
    c->m_rows = at;
}

static int upload_ints(int **dev, const int *host, size_t n)
{
    GH_TRY(gh_malloc((void **)dev, sizeof(int) * n));
    GH_CUDA(cudaMemcpy(*dev, host, sizeof(int) * n, cudaMemcpyHostToDevice));
    return GH_OK;
}

/* group_ids: g on each group's valid rows, -1 on its padding. */
static int make_ids(gg_case *c)
{
    int *ids = malloc(sizeof(int) * (size_t)c->m_rows);
    if (!ids) {
        gh_set_error("out of host memory for group_ids");
        return GH_ERROR;
    }
    for (int64_t i = 0; i < c->m_rows; i++)
        ids[i] = -1;
    for (int g = 0; g < c->spec.groups; g++)
        for (int64_t r = 0; r < c->rows[g]; r++)
            ids[c->off[g] + r] = g;
    int rc = upload_ints(&c->ids, ids, (size_t)c->m_rows);
    free(ids);
    return rc;
}

/* The same layout as offsets [G + 1] (dgk's group_offsets form): group g's rows are
 * align(offs[g]) .. offs[g + 1] - 1, so offs[0] = off[0] (rows before it are padding) and
 * offs[g + 1] = off[g] + rows[g]; an all-padding case is all zeros (every row at or past
 * offs[G]). */
static int make_offsets(gg_case *c)
{
    int offs[GG_MAX_GROUPS + 1] = {0};
    if (c->spec.edge != GG_EDGE_ALL_PADDING && c->spec.groups > 0)
        offs[0] = (int)c->off[0];
    for (int g = 0; g < c->spec.groups; g++)
        offs[g + 1] = c->spec.edge == GG_EDGE_ALL_PADDING ? 0 : (int)(c->off[g] + c->rows[g]);
    return upload_ints(&c->offs, offs, (size_t)c->spec.groups + 1);
}

static const void *bf16_at(const void *base, int64_t row, int64_t ld)
{
    return (const char *)base + 2 * (size_t)row * (size_t)ld;
}

/* ref rows of group g = A rows of g x B[g]^T, on the harness's reference GEMM. */
static int reference(gg_case *c, cudaStream_t st)
{
    const gg_spec *s = &c->spec;
    for (int g = 0; g < s->groups; g++) {
        if (c->rows[g] == 0)
            continue;
        gh_problem p = {c->rows[g], s->n, s->k, GH_NT, GH_BF16, GH_BF16, GH_RECIPE_NONE, 0};
        GH_TRY(gh_ref_gemm(&p, bf16_at(c->a16, c->off[g], s->k),
                           bf16_at(c->b16, (int64_t)g * s->n, s->k), NULL,
                           c->ref + elems(c->off[g], s->n), st));
    }
    return GH_OK;
}

int gg_case_setup(gg_case *c, const gg_spec *s, uint64_t seed, cudaStream_t st)
{
    memset(c, 0, sizeof *c);
    c->spec = *s;
    c->seed = seed;
    GH_TRY(check_spec(s));
    gg_draw_rows(s, seed, c->rows);
    lay_out(c);
    if (s->mode == GG_CONTIG) {
        GH_TRY(make_ids(c));
        GH_TRY(make_offsets(c));
    }
    else
        GH_TRY(upload_ints(&c->masked_m, c->rows, (size_t)s->groups));
    size_t na = elems(c->m_rows, s->k), nb = elems((int64_t)s->groups * s->n, s->k);
    size_t nd = elems(c->m_rows, s->n);
    GH_TRY(gh_malloc(&c->a16, 2 * na));
    GH_TRY(gh_malloc(&c->b16, 2 * nb));
    GH_TRY(gh_malloc(&c->d, 2 * nd));
    GH_TRY(gh_malloc((void **)&c->ref, sizeof(float) * nd));
    GH_CUDA(cudaMemsetAsync(c->ref, 0, sizeof(float) * nd, st));
    GH_TRY(gh_fill_random(c->a16, GH_BF16, na, gh_seed_mix(seed, 1), st));
    GH_TRY(gh_fill_random(c->b16, GH_BF16, nb, gh_seed_mix(seed, 2), st));
    return reference(c, st);
}

/* --- FP8 ------------------------------------------------------------------------------- */

/* A per token (1x128). Contiguous: one pass over all M_sum rows, which is the same
 * as per group since every scale covers one row; masked: group by group into
 * [G][K/128][max_m]. */
static int quant_a(gg_case *c, cudaStream_t st)
{
    const gg_spec *s = &c->spec;
    int64_t kb = s->k / 128;
    if (s->mode == GG_CONTIG) {
        c->sa_ld = gh_align(c->m_rows, 4);
        GH_TRY(gh_malloc((void **)&c->sa, sizeof(float) * elems(kb, c->sa_ld)));
        return gh_quant_1x128(c->a16, (int)c->m_rows, s->k, c->a8, c->sa, c->sa_ld, 0, st);
    }
    c->sa_ld = s->max_m;
    GH_TRY(gh_malloc((void **)&c->sa, sizeof(float) * elems((int64_t)s->groups * kb, s->max_m)));
    for (int g = 0; g < s->groups; g++) {
        size_t row0 = elems((int64_t)g * s->max_m, s->k);
        GH_TRY(gh_quant_1x128((const char *)c->a16 + 2 * row0, s->max_m, s->k,
                              (char *)c->a8 + row0, c->sa + elems((int64_t)g * kb, s->max_m),
                              s->max_m, 0, st));
    }
    return GH_OK;
}

/* B per 128x128 block of each group's [N, K]: sb [G][cdiv(N,128)][K/128]. */
static int quant_b(gg_case *c, cudaStream_t st)
{
    const gg_spec *s = &c->spec;
    int64_t kb = s->k / 128, nblk = gh_cdiv(s->n, 128);
    GH_TRY(gh_malloc((void **)&c->sb, sizeof(float) * elems((int64_t)s->groups * nblk, kb)));
    for (int g = 0; g < s->groups; g++) {
        size_t row0 = elems((int64_t)g * s->n, s->k);
        GH_TRY(gh_quant_128x128((const char *)c->b16 + 2 * row0, s->n, s->k, (char *)c->b8 + row0,
                                c->sb + elems((int64_t)g * nblk, kb), kb, 0, st));
    }
    return GH_OK;
}

static int quantize(gg_case *c, cudaStream_t st)
{
    const gg_spec *s = &c->spec;
    GH_TRY(gh_malloc(&c->a8, elems(c->m_rows, s->k)));
    GH_TRY(gh_malloc(&c->b8, elems((int64_t)s->groups * s->n, s->k)));
    GH_TRY(quant_a(c, st));
    GH_TRY(quant_b(c, st));
    c->quant_ready = 1;
    return GH_OK;
}

int gg_case_buffers(gg_case *c, gh_dtype in, gg_problem *p, gg_buffers *b, cudaStream_t st)
{
    const gg_spec *s = &c->spec;
    memset(p, 0, sizeof *p);
    memset(b, 0, sizeof *b);
    p->mode = s->mode;
    p->in = in;
    p->groups = s->groups;
    p->n = s->n;
    p->k = s->k;
    p->m_rows = s->mode == GG_CONTIG ? c->m_rows : s->max_m;
    p->expected_m = s->mode == GG_MASKED ? s->rows : 0;
    p->valid_rows = c->valid_rows;
    p->rows = c->rows;
    p->row0 = c->off;
    b->d = c->d;
    b->group_ids = c->ids;
    b->offsets = c->offs;
    b->masked_m = c->masked_m;
    if (in == GH_BF16) {
        b->a = c->a16;
        b->b = c->b16;
        if (!c->b16_kn && s->mode == GG_CONTIG) { /* ready before any stream's runner reads it */
            GH_TRY(gh_malloc(&c->b16_kn, (size_t)(s->groups * s->n * s->k * 2)));
            GH_TRY(gh_transpose_bf16(c->b16, c->b16_kn, s->groups, s->n, s->k, st));
            GH_CUDA(cudaStreamSynchronize(st));
        }
        b->b_kn = c->b16_kn;
        return GH_OK;
    }
    if (!c->quant_ready)
        GH_TRY(quantize(c, st));
    b->a = c->a8;
    b->b = c->b8;
    b->sa = c->sa;
    b->sb = c->sb;
    b->sa_ld = c->sa_ld;
    return GH_OK;
}

/* ref_q rows of group g = the dequantized FP8 rows of g x dequantized B[g]^T (f32). */
static int recipe_reference(gg_case *c, cudaStream_t st)
{
    const gg_spec *s = &c->spec;
    int64_t kb = s->k / 128, nblk = gh_cdiv(s->n, 128);
    size_t na = elems(c->m_rows, s->k), nb = elems((int64_t)s->groups * s->n, s->k);
    float *a = NULL, *b = NULL;
    int rc = GH_OK;
    GH_TRY(gh_malloc((void **)&c->ref_q, sizeof(float) * elems(c->m_rows, s->n)));
    GH_CUDA(cudaMemsetAsync(c->ref_q, 0, sizeof(float) * elems(c->m_rows, s->n), st));
    if ((rc = gh_malloc((void **)&a, sizeof(float) * na)) == GH_OK)
        rc = gh_malloc((void **)&b, sizeof(float) * nb);
    if (rc == GH_OK && s->mode == GG_CONTIG)
        rc = gh_dequant(c->a8, (int)c->m_rows, s->k, c->sa, c->sa_ld, 0, a, st);
    for (int g = 0; rc == GH_OK && g < s->groups; g++) {
        size_t brow = elems((int64_t)g * s->n, s->k), arow = elems(c->off[g], s->k);
        if (s->mode == GG_MASKED)
            rc = gh_dequant((const char *)c->a8 + arow, s->max_m, s->k, c->sa + elems((int64_t)g * kb, s->max_m),
                            s->max_m, 0, a + arow, st);
        if (rc == GH_OK)
            rc = gh_dequant((const char *)c->b8 + brow, s->n, s->k, c->sb + elems((int64_t)g * nblk, kb), kb, 1,
                            b + brow, st);
        gh_problem p = {c->rows[g], s->n, s->k, GH_NT, GH_E4M3, GH_BF16, GH_RECIPE_NONE, 0};
        if (rc == GH_OK && c->rows[g] > 0)
            rc = gh_ref_gemm_f32(&p, a + arow, b + brow, NULL, c->ref_q + elems(c->off[g], s->n), st);
    }
    gh_free(a);
    gh_free(b);
    return rc;
}

/* --- verdict --------------------------------------------------------------------------- */

static void *d_rows(const gg_case *c, int64_t row)
{
    return (char *)c->d + 2 * elems(row, c->spec.n);
}

/* Every group's valid rows against the reference; the worst group's diff. */
static int compare_groups(gg_case *c, gg_verdict *v, cudaStream_t st)
{
    int64_t n = c->spec.n;
    double sum_yy = 0;
    for (int g = 0; g < c->spec.groups; g++) {
        if (c->rows[g] == 0)
            continue;
        gh_compare m;
        size_t cnt = elems(c->rows[g], n);
        GH_TRY(gh_compare_ref(d_rows(c, c->off[g]), GH_BF16, c->ref + elems(c->off[g], n), cnt,
                              &m, st));
        if (m.first_bad >= 0 && v->first_bad_row < 0) {
            v->first_bad_row = c->off[g] + m.first_bad / n;
            v->first_bad_col = m.first_bad % n;
        }
        v->unwritten += m.unwritten;
        v->nonfinite += m.nonfinite;
        if (m.diff > v->diff || v->diff_group < 0)
            v->diff = m.diff, v->diff_group = g;
        if (m.max_abs > v->max_abs)
            v->max_abs = m.max_abs;
        sum_yy += m.ref_rms * m.ref_rms * (double)cnt;
    }
    v->ref_rms = c->valid_rows ? sqrt(sum_yy / (double)elems(c->valid_rows, n)) : 0.0;
    return GH_OK;
}

/* The first element of `rows` rows at `row0` that no longer holds the poison. */
static int first_touched(const gg_case *c, int64_t row0, int64_t rows, int64_t *row)
{
    size_t cnt = elems(rows, c->spec.n);
    unsigned short *h = malloc(2 * cnt);
    if (!h) {
        gh_set_error("out of host memory");
        return GH_ERROR;
    }
    cudaError_t e = cudaMemcpy(h, d_rows(c, row0), 2 * cnt, cudaMemcpyDeviceToHost);
    size_t i = 0;
    while (e == cudaSuccess && i < cnt && h[i] == POISON_BF16)
        i++;
    free(h);
    GH_CUDA(e);
    *row = row0 + (int64_t)(i / (size_t)c->spec.n);
    return GH_OK;
}

/* `rows` padding rows at `row0` must still hold the poison. */
static int check_padding_rows(gg_case *c, gg_verdict *v, int64_t row0, int64_t rows, cudaStream_t st)
{
    if (rows == 0)
        return GH_OK;
    gh_compare m;
    size_t cnt = elems(rows, c->spec.n);
    GH_TRY(gh_compare_ref(d_rows(c, row0), GH_BF16, c->ref + elems(row0, c->spec.n), cnt, &m, st));
    if (m.unwritten == cnt)
        return GH_OK;
    if (v->padding_touched == 0)
        GH_TRY(first_touched(c, row0, rows, &v->first_touched_row));
    v->padding_touched += cnt - m.unwritten;
    return GH_OK;
}

/* Contiguous: the padding rows before the first group and after every group's valid rows
 * must still hold the poison. */
static int check_padding(gg_case *c, gg_verdict *v, cudaStream_t st)
{
    if (c->spec.groups > 0)
        GH_TRY(check_padding_rows(c, v, 0, c->off[0], st));
    for (int g = 0; g < c->spec.groups; g++)
        GH_TRY(check_padding_rows(c, v, c->off[g] + c->rows[g], c->span[g] - c->rows[g], st));
    return GH_OK;
}

/* FP8: the worst group's diff against ref_q, and ref_q against ref in the group with the
 * worst diff against ref. */
static int compare_recipe(gg_case *c, gg_verdict *v, cudaStream_t st)
{
    int64_t n = c->spec.n;
    if (!c->ref_q)
        GH_TRY(recipe_reference(c, st));
    v->has_q = 1;
    v->bar_q = gh_recipe_bar(GH_BF16);
    for (int g = 0; g < c->spec.groups; g++) {
        if (c->rows[g] == 0)
            continue;
        gh_compare m;
        size_t cnt = elems(c->rows[g], n), at = elems(c->off[g], n);
        GH_TRY(gh_compare_ref(d_rows(c, c->off[g]), GH_BF16, c->ref_q + at, cnt, &m, st));
        if (m.diff > v->diff_q)
            v->diff_q = m.diff;
        if (g == v->diff_group) {
            GH_TRY(gh_compare_ref(c->ref_q + at, GH_F32, c->ref + at, cnt, &m, st));
            v->recipe_diff = m.diff;
        }
    }
    return GH_OK;
}

static int judge(gg_case *c, gg_verdict *v, int fp8, cudaStream_t st)
{
    GH_TRY(compare_groups(c, v, st));
    if (c->spec.mode == GG_CONTIG)
        GH_TRY(check_padding(c, v, st));
    int written = v->unwritten == 0 && v->nonfinite == 0 && v->padding_touched == 0;
    v->pass = written && v->diff < v->bar;
    if (fp8 && written) {
        GH_TRY(compare_recipe(c, v, st));
        v->pass = gh_recipe_pass(v->diff, v->bar, v->diff_q, v->bar_q, v->recipe_diff);
    }
    return GH_OK;
}

static void verdict_init(gg_verdict *v, const gg_runner *r)
{
    memset(v, 0, sizeof *v);
    v->first_bad_row = v->first_touched_row = -1;
    v->diff_group = -1;
    v->bar = r->in == GH_E4M3 ? 1e-3 : 1e-5;
}

int gg_case_poison(gg_case *c, cudaStream_t st)
{
    return gh_poison(c->d, GH_BF16, elems(c->m_rows, c->spec.n), st);
}

int gg_case_judge(gg_case *c, const gg_runner *r, gg_verdict *v, cudaStream_t st)
{
    verdict_init(v, r);
    return judge(c, v, r->in == GH_E4M3, st);
}

int gg_case_run(gg_case *c, const gg_runner *r, gg_verdict *v, cudaStream_t st)
{
    gg_problem p;
    gg_buffers b;
    verdict_init(v, r);
    GH_TRY(gg_case_buffers(c, r->in, &p, &b, st));
    GH_TRY(gg_case_poison(c, st));
    v->status = r->fn(&p, &b, st);
    if (v->status != GH_OK)
        return GH_OK;
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(st);
    if (e != cudaSuccess) {
        v->status = GH_ERROR;
        gh_set_error("%s: %s", r->name, cudaGetErrorString(e));
        return GH_OK;
    }
    return gg_case_judge(c, r, v, st);
}

void gg_case_free(gg_case *c)
{
    void *bufs[] = {c->ids, c->offs, c->masked_m, c->a16, c->b16, c->d, c->ref, c->a8, c->b8, c->sa, c->sb, c->ref_q, c->b16_kn};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        gh_free(bufs[i]);
    memset(c, 0, sizeof *c);
}
