/* harness_case.c - one GEMM case: fresh random BF16 inputs (and C) drawn from the
 * case's seed, the reference product of those unquantized inputs, FP8 quantizations
 * made on demand per scale recipe, and the run-and-verify step shared by the check and
 * the benchmark (poison D, run, every element written and finite, diff < bar; for an
 * accumulating runner D starts as C and every element must have changed; an under-test
 * runner runs twice and must give the same bits; an FP8 under-test runner must also match
 * the exact product of its quantized operands, GH_RECIPE_BAR). */
#include "harness.h"

#include <string.h>

static size_t elems(int64_t r, int64_t c) { return (size_t)r * (size_t)c; }

static int valid_problem(const gh_problem *p)
{
    if (p->m <= 0 || p->n <= 0 || p->k <= 0) {
        gh_set_error("bad problem size M=%d N=%d K=%d", p->m, p->n, p->k);
        return GH_ERROR;
    }
    if (p->in == GH_E4M3 && p->layout != GH_NT) {
        gh_set_error("FP8 inputs must be K-major (NT) on SM90, not %s", gh_layout_name(p->layout));
        return GH_UNSUPPORTED;
    }
    if (p->in == GH_E4M3 && p->k % 128) {
        gh_set_error("FP8 needs K %% 128 == 0 (scale blocks), K = %d", p->k);
        return GH_UNSUPPORTED;
    }
    return GH_OK;
}

int gh_case_setup(gh_case *c, const gh_problem *p, uint64_t seed, cudaStream_t s)
{
    memset(c, 0, sizeof *c);
    c->p = *p;
    c->p.recipe = GH_RECIPE_NONE;
    c->seed = seed;
    GH_TRY(valid_problem(p));
    size_t na = elems(p->m, p->k), nb = elems(p->n, p->k), nd = elems(p->m, p->n);
    size_t ob = gh_dtype_bytes(p->out);
    GH_TRY(gh_malloc(&c->a16, 2 * na));
    GH_TRY(gh_malloc(&c->b16, 2 * nb));
    GH_TRY(gh_malloc(&c->d, ob * nd));
    GH_TRY(gh_malloc((void **)&c->ref, sizeof(float) * nd));
    GH_TRY(gh_fill_random(c->a16, GH_BF16, na, gh_seed_mix(seed, 1), s));
    GH_TRY(gh_fill_random(c->b16, GH_BF16, nb, gh_seed_mix(seed, 2), s));
    if (p->has_c) {
        GH_TRY(gh_malloc(&c->c, ob * nd));
        GH_TRY(gh_fill_random(c->c, p->out, nd, gh_seed_mix(seed, 3), s));
    }
    GH_TRY(gh_ref_gemm(&c->p, c->a16, c->b16, c->c, c->ref, s));
    c->gen = seed;
    return GH_OK;
}

static int quantize(gh_case *c, gh_recipe r, cudaStream_t s)
{
    gh_quant_set *q = &c->q[r];
    const gh_problem *p = &c->p;
    size_t na = elems(p->m, p->k), nb = elems(p->n, p->k);
    GH_TRY(gh_malloc(&q->a8, na));
    GH_TRY(gh_malloc(&q->b8, nb));
    if (r == GH_RECIPE_TENSOR) {
        q->sa_ld = q->sb_ld = 1;
        GH_TRY(gh_malloc((void **)&q->sa, sizeof(float)));
        GH_TRY(gh_malloc((void **)&q->sb, sizeof(float)));
        GH_TRY(gh_quant_tensor(c->a16, na, q->a8, q->sa, s));
        GH_TRY(gh_quant_tensor(c->b16, nb, q->b8, q->sb, s));
    } else if (r == GH_RECIPE_WGRAD) {
        /* both operands per row and 128 of K; SB MN-major [K/128][align(N,4)] */
        q->sa_ld = gh_align(p->m, 4);
        q->sb_ld = gh_align(p->n, 4);
        GH_TRY(gh_malloc((void **)&q->sa, sizeof(float) * elems(q->sa_ld, p->k / 128)));
        GH_TRY(gh_malloc((void **)&q->sb, sizeof(float) * elems(q->sb_ld, p->k / 128)));
        GH_TRY(gh_quant_1x128(c->a16, p->m, p->k, q->a8, q->sa, q->sa_ld, 0, s));
        GH_TRY(gh_quant_1x128(c->b16, p->n, p->k, q->b8, q->sb, q->sb_ld, 0, s));
    } else {
        int ue8m0 = r == GH_RECIPE_BLOCK_UE8M0;
        q->sa_ld = gh_align(p->m, 4);
        q->sb_ld = p->k / 128;
        GH_TRY(gh_malloc((void **)&q->sa, sizeof(float) * elems(q->sa_ld, p->k / 128)));
        GH_TRY(gh_malloc((void **)&q->sb, sizeof(float) * elems(gh_cdiv(p->n, 128), q->sb_ld)));
        GH_TRY(gh_quant_1x128(c->a16, p->m, p->k, q->a8, q->sa, q->sa_ld, ue8m0, s));
        GH_TRY(gh_quant_128x128(c->b16, p->n, p->k, q->b8, q->sb, q->sb_ld, ue8m0, s));
    }
    q->ready = 1;
    return GH_OK;
}

double gh_recipe_bar(gh_dtype out)
{
    return out == GH_F32 ? 1e-6 : 2e-5;
}

int gh_recipe_noise(double diff, double bar, double recipe_diff)
{
    return diff >= bar && recipe_diff >= bar;
}

int gh_recipe_pass(double diff, double bar, double diff_q, double bar_q, double recipe_diff)
{
    return diff_q < bar_q && (diff < bar || gh_recipe_noise(diff, bar, recipe_diff));
}

/* The dequant kinds of gh_dequant for a recipe's A and B scales: 0 per row and 128 of K,
 * 1 per 128x128 block, 2 one per tensor. */
static void dequant_kinds(gh_recipe r, int *ka, int *kb)
{
    *ka = r == GH_RECIPE_TENSOR ? 2 : 0;
    *kb = r == GH_RECIPE_TENSOR ? 2 : r == GH_RECIPE_WGRAD ? 0 : 1;
}

/* q->ref_q and q->recipe_diff for a quantized recipe (see gh_quant_set). */
static int recipe_reference(gh_case *c, gh_recipe r, cudaStream_t s)
{
    if (c->q[r].ref_q)
        return GH_OK;
    gh_quant_set *q = &c->q[r];
    const gh_problem *p = &c->p;
    size_t na = elems(p->m, p->k), nb = elems(p->n, p->k), nd = elems(p->m, p->n);
    float *a = NULL, *b = NULL;
    int ka, kb, rc = GH_OK;
    dequant_kinds(r, &ka, &kb);
    gh_problem pq = *p;
    pq.layout = GH_NT;
    GH_TRY(gh_malloc((void **)&q->ref_q, sizeof(float) * nd));
    if ((rc = gh_malloc((void **)&a, sizeof(float) * na)) == GH_OK &&
        (rc = gh_malloc((void **)&b, sizeof(float) * nb)) == GH_OK &&
        (rc = gh_dequant(q->a8, p->m, p->k, q->sa, q->sa_ld, ka, a, s)) == GH_OK &&
        (rc = gh_dequant(q->b8, p->n, p->k, q->sb, q->sb_ld, kb, b, s)) == GH_OK &&
        (rc = gh_ref_gemm_f32(&pq, a, b, c->c, q->ref_q, s)) == GH_OK) {
        gh_compare cmp;
        rc = gh_compare_ref(q->ref_q, GH_F32, c->ref, nd, &cmp, s);
        q->recipe_diff = cmp.diff;
    }
    gh_free(a);
    gh_free(b);
    return rc;
}

int gh_case_recipe_ref(gh_case *c, gh_recipe recipe, cudaStream_t s)
{
    gh_buffers b;
    GH_TRY(gh_case_buffers(c, recipe, &b, s));
    return recipe_reference(c, recipe, s);
}

int gh_case_buffers(gh_case *c, gh_recipe recipe, gh_buffers *b, cudaStream_t s)
{
    const gh_problem *p = &c->p;
    memset(b, 0, sizeof *b);
    b->lda = gh_layout_a_kmajor(p->layout) ? p->k : p->m;
    b->ldb = gh_layout_b_kmajor(p->layout) ? p->k : p->n;
    b->c = c->c;
    b->d = c->d;
    b->gen = c->gen;
    if (p->in == GH_BF16) {
        b->a = c->a16;
        b->b = c->b16;
        return GH_OK;
    }
    if (recipe == GH_RECIPE_NONE) {
        gh_set_error("an FP8 runner must name its scale recipe");
        return GH_ERROR;
    }
    if (!c->q[recipe].ready)
        GH_TRY(quantize(c, recipe, s));
    const gh_quant_set *q = &c->q[recipe];
    b->a = q->a8;
    b->b = q->b8;
    b->sa = q->sa;
    b->sb = q->sb;
    b->sa_ld = q->sa_ld;
    b->sb_ld = q->sb_ld;
    return GH_OK;
}

gh_problem gh_case_problem(const gh_case *c, const gh_runner *r)
{
    gh_problem p = c->p;
    p.recipe = p.in == GH_BF16 ? GH_RECIPE_NONE : r->recipe;
    return p;
}

/* D's starting value: poison, or for an accumulating runner a copy of C. */
static int start_d(gh_case *c, const gh_problem *p, int accumulate, cudaStream_t s)
{
    size_t nd = elems(p->m, p->n);
    if (!accumulate)
        return gh_poison(c->d, p->out, nd, s);
    if (!c->c || p->out != GH_F32) {
        gh_set_error("an accumulating runner needs a case with C and f32 output");
        return GH_ERROR;
    }
    GH_CUDA(cudaMemcpyAsync(c->d, c->c, sizeof(float) * nd, cudaMemcpyDeviceToDevice, s));
    return GH_OK;
}

/* Accumulating runners: elements still equal to C were never added to. */
static int check_changed(const gh_case *c, size_t nd, gh_compare *m, cudaStream_t s)
{
    int64_t first;
    GH_TRY(gh_count_unchanged((const float *)c->d, (const float *)c->c, nd, &m->unchanged, &first, s));
    if (m->unchanged <= gh_unchanged_allowed(nd, c->p.in == GH_E4M3 && c->p.k <= 128))
        return GH_OK;
    m->unwritten += m->unchanged;
    if (m->first_bad < 0 || first < m->first_bad)
        m->first_bad = first;
    return GH_OK;
}

/* The second run of check_repeat into a poisoned D; `first` holds the first run's D.
 * Counts the 4-byte words that differ (and a last partial word, compared on the host). */
static int repeat_into(gh_case *c, const gh_runner *r, const gh_problem *p, const gh_buffers *b, const void *first,
                       size_t bytes, gh_verdict *v, cudaStream_t s)
{
    size_t same = 0, words = bytes / 4, tail = bytes % 4;
    int64_t at;
    GH_TRY(gh_poison(c->d, p->out, elems(p->m, p->n), s));
    v->status = r->fn(p, b, s);
    if (v->status != GH_OK)
        return GH_OK;
    GH_CUDA(cudaGetLastError());
    GH_CUDA(cudaStreamSynchronize(s));
    GH_TRY(gh_count_unchanged((const float *)c->d, (const float *)first, words, &same, &at, s));
    v->cmp.repeat_differ = words - same;
    if (tail) {
        unsigned char x[4] = {0}, y[4] = {0};
        GH_CUDA(cudaMemcpy(x, (const char *)c->d + 4 * words, tail, cudaMemcpyDeviceToHost));
        GH_CUDA(cudaMemcpy(y, (const char *)first + 4 * words, tail, cudaMemcpyDeviceToHost));
        v->cmp.repeat_differ += memcmp(x, y, tail) != 0;
    }
    return GH_OK;
}

/* Under-test runners must be deterministic: split-K adds its K slices in a fixed order,
 * whichever CTA finishes last; an order that depended on timing would show up here as
 * differing bits. Cheap next to the reference GEMM. */
static int check_repeat(gh_case *c, const gh_runner *r, const gh_problem *p, const gh_buffers *b, gh_verdict *v,
                        cudaStream_t s)
{
    size_t bytes = gh_dtype_bytes(p->out) * elems(p->m, p->n);
    void *first = NULL;
    GH_TRY(gh_malloc(&first, bytes));
    int rc = GH_OK;
    if (cudaMemcpyAsync(first, c->d, bytes, cudaMemcpyDeviceToDevice, s) != cudaSuccess) {
        gh_set_error("copying D for the repeat run: %s", cudaGetErrorString(cudaGetLastError()));
        rc = GH_ERROR;
    }
    if (rc == GH_OK)
        rc = repeat_into(c, r, p, b, first, bytes, v, s);
    gh_free(first);
    return rc;
}

int gh_case_run(gh_case *c, const gh_runner *r, gh_verdict *v, cudaStream_t s)
{
    gh_problem p = gh_case_problem(c, r);
    gh_buffers b;
    size_t nd = elems(p.m, p.n);
    int accumulate = (r->caps & GH_CAP_ACCUMULATE) != 0;
    memset(v, 0, sizeof *v);
    v->bar = gh_diff_bar(&p);
    GH_TRY(gh_case_buffers(c, p.recipe, &b, s));
    GH_TRY(start_d(c, &p, accumulate, s));
    v->status = r->fn(&p, &b, s);
    if (v->status != GH_OK)
        return GH_OK;
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(s);
    if (e != cudaSuccess) {
        v->status = GH_ERROR;
        gh_set_error("%s: %s", r->name, cudaGetErrorString(e));
        return GH_OK;
    }
    GH_TRY(gh_compare_ref(c->d, p.out, c->ref, nd, &v->cmp, s));
    if (accumulate)
        GH_TRY(check_changed(c, nd, &v->cmp, s));
    v->pass = v->cmp.unwritten == 0 && v->cmp.nonfinite == 0 && v->cmp.diff < v->bar;
    if (p.in == GH_E4M3 && r->kind == GH_UNDER_TEST && v->cmp.unwritten == 0 && v->cmp.nonfinite == 0) {
        gh_quant_set *q = &c->q[p.recipe];
        gh_compare cq;
        GH_TRY(recipe_reference(c, p.recipe, s));
        GH_TRY(gh_compare_ref(c->d, p.out, q->ref_q, nd, &cq, s));
        v->has_q = 1;
        v->diff_q = cq.diff;
        v->bar_q = gh_recipe_bar(p.out);
        v->recipe_diff = q->recipe_diff;
        v->pass = gh_recipe_pass(v->cmp.diff, v->bar, v->diff_q, v->bar_q, v->recipe_diff);
    }
    if (v->pass && !accumulate && r->kind == GH_UNDER_TEST) {
        GH_TRY(check_repeat(c, r, &p, &b, v, s));
        v->pass = v->status == GH_OK && v->cmp.repeat_differ == 0;
    }
    return GH_OK;
}

void gh_case_free(gh_case *c)
{
    gh_free(c->a16);
    gh_free(c->b16);
    gh_free(c->c);
    gh_free(c->d);
    gh_free(c->ref);
    for (int r = 0; r < GH_RECIPE_COUNT; r++) {
        gh_free(c->q[r].a8);
        gh_free(c->q[r].b8);
        gh_free(c->q[r].sa);
        gh_free(c->q[r].sb);
        gh_free(c->q[r].ref_q);
    }
    memset(c, 0, sizeof *c);
}
