/* sema_promote.c - recognizes the FP8 promotion form inside a pipeline (SPEC.md 7.4):
 *     acc += mma(a, b) * sa * sb;        (factors in any order, one or two scales)
 * where sa / sb are slices of scale tensors (scales(...) attribute) of mma's operand
 * tensors. The backend accumulates each K block's partial product separately and adds
 * it to acc scaled on CUDA cores, so each K block must meet exactly one scale per row
 * of a and per column of b. This file checks that the scale slices pick exactly those
 * scales (block shape against the operand's tile and K step) and that each scale
 * broadcasts along its own axis of the [M, N] result, then hangs a dgk_sema_promote on
 * the statement. */
#include "sema_int.h"

enum { MAX_FACTORS = 8 };

static int flatten(dgk_expr *e, dgk_expr **out, int n)
{
    if (e->kind == DGK_EXPR_BINARY && e->u.binary.op == DGK_OP_MUL) {
        n = flatten(e->u.binary.l, out, n);
        return n < 0 ? n : flatten(e->u.binary.r, out, n);
    }
    if (n < 0 || n == MAX_FACTORS)
        return -1;
    out[n] = e;
    return n + 1;
}

static int is_mma(const dgk_expr *e)
{
    dgk_sym *f = e->kind == DGK_EXPR_CALL ? sema_name_sym(e->u.call.callee) : NULL;
    return f && f->kind == DGK_SYM_BUILTIN && f->index == DGK_BI_MMA;
}

/* The INDEX on a scale tensor under re-indexing layers such as [:, new], or NULL. */
static const dgk_expr *scale_slice(sema *s, const dgk_expr *e)
{
    while (e && e->kind == DGK_EXPR_INDEX && !sema_slice_tensor(e))
        e = e->u.index.base;
    dgk_sym *t = sema_slice_tensor(e);
    return t && s->info->params[t->index].scales.present ? e : NULL;
}

/* The subscripts of a slice by tensor axis (new axes skipped). */
static int subs_by_axis(const dgk_expr *slice, const dgk_sub **out)
{
    int n = 0;
    for (const dgk_sub *sub = slice->u.index.subs; sub; sub = sub->next)
        if (sub->kind != DGK_SUB_NEW && n < DGK_MAX_RANK)
            out[n++] = sub;
    return n;
}

typedef struct axis_ctx {
    const char *scale, *tensor;     /* names for messages */
    int64_t block;
    int is_k;
    int64_t extent;                 /* the tensor axis's extent when `:` is used */
} axis_ctx;

/* The text of start / b, simplified where start is x * c with c a multiple of b. */
static const char *expected_point(sema *s, const dgk_expr *start, int64_t b)
{
    int64_t c;
    if (!start)
        return "0";
    if (b == 1)
        return dgk_expr_text(s->a, start);
    if (start->kind == DGK_EXPR_BINARY && start->u.binary.op == DGK_OP_MUL) {
        const dgk_expr *l = start->u.binary.l, *r = start->u.binary.r;
        const dgk_expr *x = sema_const_int(s, r, &c) ? l : sema_const_int(s, l, &c) ? r : NULL;
        if (x && c % b == 0)
            return c == b ? dgk_expr_text(s->a, x)
                          : dgk_arena_printf(s->a, "%s * %lld", dgk_expr_text(s->a, x), (long long)(c / b));
    }
    return dgk_arena_printf(s->a, "(%s) / %lld", dgk_expr_text(s->a, start), (long long)b);
}

static int check_point(sema *s, const axis_ctx *c, const dgk_sub *ss, const dgk_expr *start, int64_t b)
{
    sema_aff *want = sema_aff_floordiv(s, start ? sema_aff_of(s, start) : sema_aff_const(s, 0), b);
    if (ss->kind == DGK_SUB_POINT && sema_aff_equal(sema_aff_of(s, ss->start), want))
        return 1;
    dgk_error(s->d, ss->loc, "this subscript of %s must be `%s` to pick the scale of %s's tile on this axis "
              "(one scale per %lld elements)", c->scale, expected_point(s, start, b), c->tensor, (long long)b);
    return 0;
}

static int check_range(sema *s, const axis_ctx *c, const dgk_sub *ss, const dgk_sub *xs, int64_t len)
{
    int64_t got = 0;
    if (xs->kind == DGK_SUB_ALL && ss->kind == DGK_SUB_ALL)
        return 1;
    if (ss->kind == DGK_SUB_RANGE && xs->kind == DGK_SUB_RANGE && sema_const_int(s, ss->len, &got) && got == len &&
        sema_aff_equal(sema_aff_of(s, ss->start), sema_aff_of(s, xs->start)))
        return 1;
    dgk_error(s->d, ss->loc, "this subscript of %s must be `%s` to take one scale per row of %s's tile", c->scale,
              xs->kind == DGK_SUB_ALL ? ":" : dgk_arena_printf(s->a, "%s +: %s", dgk_expr_text(s->a, xs->start),
                                                              dgk_expr_text(s->a, xs->len)), c->tensor);
    return 0;
}

/* The largest divisor of `block` that every value of the tile start is a multiple of:
 * the start then lies block - result or less past a block boundary. */
static int64_t start_alignment(sema *s, const dgk_expr *start, int64_t block)
{
    sema_aff *f = start ? sema_aff_of(s, start) : sema_aff_const(s, 0);
    for (int64_t g = block; g > 1; g--)
        if (block % g == 0 && sema_aff_multiple_of(f, g))
            return g;
    return 1;
}

/* One tensor axis of the operand (xs) against the scale slice's subscript (ss). A tile
 * whose length does not divide the block may straddle two blocks: the point subscript
 * names the block of its first row/column, and the backend takes the next block's scale
 * past the boundary (SPEC 7.6). */
static int check_axis(sema *s, const axis_ctx *c, const dgk_sub *xs, const dgk_sub *ss)
{
    if (xs->kind == DGK_SUB_POINT)
        return check_point(s, c, ss, xs->start, c->block);
    int64_t len = c->extent;
    if (xs->kind == DGK_SUB_RANGE && !sema_const_int(s, xs->len, &len))
        return 0;
    const dgk_expr *start = xs->kind == DGK_SUB_RANGE ? xs->start : NULL;
    if (c->is_k && len != c->block) {
        dgk_error(s->d, xs->loc, "the K step of this mma operand is %lld but %s has one scale per %lld along K: "
                  "make the K tile %lld so that each K block meets exactly one scale", (long long)len, c->scale,
                  (long long)c->block, (long long)c->block);
        return 0;
    }
    if (c->is_k || (c->block > 1 && c->block % len == 0))
        return check_point(s, c, ss, start, c->block);
    if (c->block == 1)
        return check_range(s, c, ss, xs, len);
    int64_t g = start_alignment(s, start, c->block);
    if (len % 8 == 0 && g >= 8 && c->block - g + len <= 2 * c->block)
        return check_point(s, c, ss, start, c->block); /* straddles at most two blocks */
    if (len % 8 || g < 8)
        dgk_error(s->d, xs->loc, "a tile of %lld along this axis may straddle two of %s's %lld-wide scale blocks, "
                  "which needs the tile's length and start to be multiples of 8 (each 8-column group of the "
                  "accumulator takes one block's scale)", (long long)len, c->scale, (long long)c->block);
    else
        dgk_error(s->d, xs->loc, "a tile of %lld along this axis, starting up to %lld past a block boundary, can span "
                  "three of %s's %lld-wide scale blocks; at most two are supported (a tile L starting at multiples "
                  "of L straddles at most two when L - gcd(L, %lld) <= %lld)",
                  (long long)len, (long long)(c->block - g), c->scale, (long long)c->block, (long long)c->block,
                  (long long)c->block);
    return 0;
}

static int check_indexing(sema *s, const dgk_sema_operand *op, const dgk_expr *slice, const dgk_sema_param *sp)
{
    const dgk_sema_param *xp = &s->info->params[op->param];
    const dgk_sub *xs[DGK_MAX_RANK], *ss[DGK_MAX_RANK];
    int r = subs_by_axis(op->slice, xs);
    if (subs_by_axis(slice, ss) != r || r != xp->type->rank)
        return 0;
    int ok = 1;
    /* in the scale slice's subscript order, so messages follow the source */
    for (int sa = 0; sa < r; sa++) {
        int t = sa < r - 2 || !sp->scales.mn_major ? sa : (sa == r - 2 ? r - 1 : r - 2);
        axis_ctx c = {sp->decl->name.id, xp->decl->name.id, 1, t == op->k_axis, xp->type->ext[t].value};
        if (t == r - 2)
            c.block = sp->scales.block_rows;
        else if (t == r - 1)
            c.block = sp->scales.block_cols;
        ok &= check_axis(s, &c, xs[t], ss[sa]);
    }
    return ok;
}

/* A scale of a varies along M (the result's rows), a scale of b along N (columns). */
static int check_alignment(sema *s, const dgk_expr *f, int which, const dgk_sema_mma *m)
{
    const dgk_type *t = f->type;
    const char *nm = sema_slice_tensor(scale_slice(s, f))->name;
    int bad = t->rank > 2 || (t->rank == 2 && t->ext[which ? 0 : 1].value != 1) ||
              (t->rank == 1 && which == 0 && t->ext[0].value != 1);
    if (!bad)
        return 1;
    if (which == 0)
        dgk_error(s->d, f->loc, "%s is %s, which varies along N (the columns of mma's f32[%lld, %lld] result); a scale "
                  "of operand a varies along M: write %s[...][:, new] to make it [%lld, 1]", dgk_expr_text(s->a, f),
                  dgk_type_str(s->a, t), (long long)m->m, (long long)m->n, nm, (long long)m->m);
    else
        dgk_error(s->d, f->loc, "%s is %s, which varies along M (the rows of mma's f32[%lld, %lld] result); a scale of "
                  "operand b varies along N: make it [%lld] or [1, %lld]", dgk_expr_text(s->a, f),
                  dgk_type_str(s->a, t), (long long)m->m, (long long)m->n, (long long)m->n, (long long)m->n);
    return 0;
}

/* Which operand the scale factor belongs to, by the tensor its scales(...) names. */
static int operand_of(sema *s, const dgk_expr *f, const dgk_sema_param *sp, const dgk_sema_mma *m)
{
    if (sp->scales.of == m->a.param)
        return 0;
    if (sp->scales.of == m->b.param)
        return 1;
    dgk_error(s->d, f->loc, "%s holds scales of %s, which is neither mma operand (a slices %s, b slices %s)",
              sp->decl->name.id, s->info->params[sp->scales.of].decl->name.id,
              s->info->params[m->a.param].decl->name.id, s->info->params[m->b.param].decl->name.id);
    return -1;
}

static int add_scale(sema *s, dgk_sema_promote *p, const dgk_expr *f, const dgk_sema_mma *m)
{
    const dgk_expr *slice = scale_slice(s, f);
    const dgk_sema_param *sp = &s->info->params[sema_slice_tensor(slice)->index];
    int which = operand_of(s, f, sp, m);
    if (which < 0)
        return 0;
    for (int i = 0; i < p->nscales; i++)
        if (p->scales[i].operand == which) {
            dgk_error(s->d, f->loc, "operand %s already has a scale factor (%s); give one per operand",
                      which ? "b" : "a", dgk_expr_text(s->a, p->scales[i].factor));
            return 0;
        }
    int ok = check_indexing(s, which ? &m->b : &m->a, slice, sp);
    ok = check_alignment(s, f, which, m) && ok;
    p->scales[p->nscales].factor = f;
    p->scales[p->nscales].slice = slice;
    p->scales[p->nscales].param = sp->decl->name.sym ? sp->decl->name.sym->index : -1;
    p->scales[p->nscales].operand = which;
    p->nscales++;
    return ok;
}

static int find_form(sema *s, dgk_expr **f, int n, int *mi)
{
    int nmma = 0, nscale = 0;
    for (int i = 0; i < n; i++) {
        if (is_mma(f[i]))
            nmma++, *mi = i;
        else if (scale_slice(s, f[i]))
            nscale++;
    }
    return nmma == 1 && nscale > 0;
}

void sema_promote(sema *s, dgk_stmt *st)
{
    dgk_expr *f[MAX_FACTORS];
    int mi = -1, n = flatten(st->u.assign.value, f, 0);
    if (n < 2 || !find_form(s, f, n, &mi))
        return;
    dgk_sema_mma *m = sema_mma_site(s, f[mi]);
    dgk_sema_promote *p = DGK_NEW(s->a, dgk_sema_promote);
    if (!m || !p)
        return;
    p->mma = m;
    int ok = 1;
    for (int i = 0; i < n; i++) {
        if (i == mi)
            continue;
        if (!scale_slice(s, f[i])) {
            dgk_error(s->d, f[i]->loc, "in the scaled mma form `acc += mma(a, b) * sa * sb` every other factor is a "
                      "slice of a scale tensor (declared with scales(...)); `%s` is not: apply it after the pipeline",
                      dgk_expr_text(s->a, f[i]));
            return;
        }
        ok &= add_scale(s, p, f[i], m); /* a third scale repeats an operand: reported there */
    }
    if (ok)
        st->u.assign.promote = p;
}
