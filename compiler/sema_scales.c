/* sema_scales.c - the scales(X, BR, BC) attribute on a tensor parameter (SPEC.md 4.4).
 * Resolves which tensor the scale tensor scales and its block shape, and checks the
 * scale tensor's dtype and shape: leading axes as X's, then either
 * [cdiv(rows, BR), cdiv(cols, BC)] of X's last two axes, or the transpose of that (the
 * MN-major layout DeepGEMM keeps A's scales in). Output: info->params[i].scales. */
#include "sema_int.h"

#include <string.h>

static sema_aff *ext_aff(sema *s, const dgk_extent *e)
{
    return e->known ? sema_aff_const(s, e->value) : sema_aff_of(s, e->expr);
}

/* 1: `got` is cdiv(x, b); 2: it is x / b, which rounds down and nothing says x is a
 * multiple of b; 0: neither. */
static int ext_matches(sema *s, const dgk_extent *got, const dgk_extent *x, int64_t b)
{
    sema_aff *g = ext_aff(s, got), *ax = ext_aff(s, x);
    if (sema_aff_equal(g, sema_aff_ceildiv(s, ax, b)))
        return 1;
    if (!sema_aff_equal(g, sema_aff_floordiv(s, ax, b)))
        return 0;
    return sema_aff_multiple_of(ax, b) || sema_constraint_divides(s, ax, b) ? 1 : 2;
}

static const char *blocks_text(sema *s, const dgk_extent *x, int64_t b)
{
    const char *xs = x->known ? dgk_arena_printf(s->a, "%lld", (long long)x->value) : dgk_expr_text(s->a, x->expr);
    if (b == 1)
        return xs;
    if (x->known)
        return dgk_arena_printf(s->a, "%lld", (long long)((x->value + b - 1) / b));
    return dgk_arena_printf(s->a, "cdiv(%s, %lld)", xs, (long long)b);
}

static int leading_match(sema *s, const dgk_type *t, const dgk_type *x)
{
    for (int i = 0; i + 2 < x->rank; i++)
        if (ext_matches(s, &t->ext[i], &x->ext[i], 1) != 1)
            return 0;
    return 1;
}

/* Checks the last two axes in one orientation; reports a rounding-down extent. */
static int tail_match(sema *s, const dgk_param *p, const dgk_type *t, const dgk_type *x, int64_t br, int64_t bc,
                      int mn_major)
{
    const dgk_extent *rows = &x->ext[x->rank - 2], *cols = &x->ext[x->rank - 1];
    const dgk_extent *e0 = &t->ext[t->rank - 2], *e1 = &t->ext[t->rank - 1];
    int m0 = mn_major ? ext_matches(s, e0, cols, bc) : ext_matches(s, e0, rows, br);
    int m1 = mn_major ? ext_matches(s, e1, rows, br) : ext_matches(s, e1, cols, bc);
    const dgk_extent *bad = m0 == 2 ? e0 : m1 == 2 ? e1 : NULL;
    if (m0 && m1 && bad) {
        const dgk_extent *of = bad == e0 ? (mn_major ? cols : rows) : (mn_major ? rows : cols);
        int64_t b = of == rows ? br : bc;
        dgk_error(s->d, bad->expr ? bad->expr->loc : p->name.loc,
                  "extent `%s` of %s rounds down and drops the last partial block: write %s, or add "
                  "`where %s %% %lld == 0`", bad->expr ? dgk_expr_text(s->a, bad->expr) : "?", p->name.id,
                  blocks_text(s, of, b), of->expr ? dgk_expr_text(s->a, of->expr) : "?", (long long)b);
        return 1;
    }
    return m0 && m1;
}

static void shape_mismatch(sema *s, const dgk_param *p, const dgk_type *t, const dgk_sema_param *xp, int64_t br,
                           int64_t bc)
{
    const dgk_type *x = xp->type;
    const dgk_extent *rows = &x->ext[x->rank - 2], *cols = &x->ext[x->rank - 1];
    char lead[256] = "";
    for (int i = 0; i + 2 < x->rank; i++) {
        size_t n = strlen(lead);
        snprintf(lead + n, sizeof lead - n, "%s, ", blocks_text(s, &x->ext[i], 1));
    }
    const char *r = blocks_text(s, rows, br), *c = blocks_text(s, cols, bc);
    dgk_error(s->d, p->name.loc,
              "scale tensor %s : %s does not match scales(%s, %lld, %lld): expected %s[%s%s, %s] (one scale per "
              "%lldx%lld block of %s : %s) or, MN-major, %s[%s%s, %s]",
              p->name.id, dgk_type_str(s->a, t), xp->decl->name.id, (long long)br, (long long)bc,
              dgk_dtype_name(t->dtype), lead, r, c, (long long)br, (long long)bc, xp->decl->name.id,
              dgk_type_str(s->a, x), dgk_dtype_name(t->dtype), lead, c, r);
}

/* The scaled tensor: a NAME of another tensor parameter of rank >= 2. */
static int scaled_tensor(sema *s, const dgk_param *p, dgk_expr *arg)
{
    dgk_type *t = sema_expr(s, arg);
    if (dgk_type_is_error(t))
        return -1;
    dgk_sym *y = sema_name_sym(arg);
    if (!y || y->kind != DGK_SYM_TENSOR) {
        dgk_error(s->d, arg->loc, "the first argument of scales(...) must name the tensor parameter %s scales",
                  p->name.id);
        return -1;
    }
    if (strcmp(y->name, p->name.id) == 0) {
        dgk_error(s->d, arg->loc, "%s cannot hold its own scales", p->name.id);
        return -1;
    }
    if (t->rank < 2) {
        dgk_error(s->d, arg->loc, "scales(...) needs a tensor of rank 2 or more (blocks span its last two axes); "
                  "%s is %s", y->name, dgk_type_str(s->a, t));
        return -1;
    }
    return y->index;
}

static int scale_dtype_ok(sema *s, const dgk_param *p, const dgk_type *t)
{
    if (t->dtype == DGK_DT_F32 || t->dtype == DGK_DT_UE8M0)
        return 1;
    dgk_error(s->d, p->elem->loc, "scale tensor %s must be f32 or ue8m0, not %s", p->name.id,
              dgk_dtype_name(t->dtype));
    return 0;
}

static void scales_attr(sema *s, int i, dgk_attr *at)
{
    dgk_sema_param *sp = &s->info->params[i];
    const dgk_param *p = sp->decl;
    if (at->nargs != 3) {
        dgk_error(s->d, at->name.loc, "scales takes 3 arguments (tensor, block rows, block cols), %d given",
                  at->nargs);
        return;
    }
    if (sp->scales.present) {
        dgk_error(s->d, at->name.loc, "%s has two scales(...) attributes; give one", p->name.id);
        return;
    }
    int x = scaled_tensor(s, p, at->args);
    int64_t br = 0, bc = 0;
    int ok_r = sema_ct_int(s, at->args->next, "the block rows of scales(...)", 1, &br);
    int ok_c = sema_ct_int(s, at->args->next->next, "the block cols of scales(...)", 1, &bc);
    if (x < 0 || !ok_r || !ok_c || dgk_type_is_error(sp->type) || dgk_type_is_error(s->info->params[x].type))
        return;
    if (!sp->is_tensor) {
        dgk_error(s->d, at->name.loc, "scales(...) belongs on a tensor parameter; %s is a scalar", p->name.id);
        return;
    }
    const dgk_type *t = sp->type, *xt = s->info->params[x].type;
    if (!scale_dtype_ok(s, p, t))
        return;
    if (t->rank != xt->rank) {
        dgk_error(s->d, p->name.loc, "scale tensor %s has rank %d but %s has rank %d: a scale tensor has one axis per "
                  "axis of the tensor it scales", p->name.id, t->rank, s->info->params[x].decl->name.id, xt->rank);
        return;
    }
    int mn = 0;
    if (!leading_match(s, t, xt) || (!tail_match(s, p, t, xt, br, bc, 0) && !(mn = tail_match(s, p, t, xt, br, bc, 1)))) {
        shape_mismatch(s, p, t, &s->info->params[x], br, bc);
        return;
    }
    sp->scales = (dgk_sema_scales){1, x, br, bc, mn};
}

void sema_scales_attrs(sema *s)
{
    for (int i = 0; i < s->info->nparams; i++)
        for (dgk_attr *at = s->info->params[i].decl->attrs; at; at = at->next) {
            if (strcmp(at->name.id, "scales") == 0)
                scales_attr(s, i, at);
            else
                dgk_error(s->d, at->name.loc, "unknown attribute '%s' on %s (known attributes: scales)", at->name.id,
                          s->info->params[i].decl->name.id);
        }
}
