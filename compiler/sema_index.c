/* sema_index.c - the three meanings of `x[...]` and the transpose `x^T` (SPEC.md 7.1):
 *   tensor slice      A[i*BM +: BM, k]  a tile (or a scalar read when every subscript is
 *                     a point) loaded from global memory;
 *   tile type         f32[BM, BN]       a dtype with compile-time extents, for zeros/full;
 *   tile reshape      s[:, new]         a register tile with broadcast axes added.
 * Input: an INDEX or TRANSPOSE expression; output: its type. */
#include "sema_int.h"

dgk_sym *sema_slice_tensor(const dgk_expr *e)
{
    if (!e || e->kind != DGK_EXPR_INDEX)
        return NULL;
    dgk_sym *y = sema_name_sym(e->u.index.base);
    return y && y->kind == DGK_SYM_TENSOR ? y : NULL;
}

/* Types the subscripts' expressions when the base already failed, so that their own
 * errors still show and every expression gets a type. */
static void type_subs(sema *s, dgk_sub *sub)
{
    for (; sub; sub = sub->next) {
        if (sub->start)
            sema_expr(s, sub->start);
        if (sub->len)
            sema_expr(s, sub->len);
    }
}

static int count_axes(const dgk_sub *sub)
{
    int n = 0;
    for (; sub; sub = sub->next)
        n += sub->kind != DGK_SUB_NEW;
    return n;
}

static int all_extent(sema *s, const dgk_sym *t, const dgk_extent *x, int axis, dgk_sub *sub, int64_t *out)
{
    if (x->known) {
        *out = x->value;
        return 1;
    }
    dgk_error(s->d, sub->loc, "`:` takes all of axis %d of %s, whose extent `%s` is not a compile-time value; "
              "take a range such as k*BK +: BK instead", axis, t->name, dgk_expr_text(s->a, x->expr));
    return 0;
}

static dgk_type *slice(sema *s, dgk_expr *e, dgk_sym *t)
{
    const dgk_type *tt = t->type;
    int64_t ext[2 * DGK_MAX_RANK];
    int axis = 0, rank = 0, ok = 1;
    if (count_axes(e->u.index.subs) != tt->rank) {
        int n = count_axes(e->u.index.subs);
        dgk_error(s->d, e->loc, "%s has rank %d but %d subscript%s select%s axes (`new` adds an axis and does not "
                  "count)", t->name, tt->rank, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
        type_subs(s, e->u.index.subs);
        return dgk_type_error();
    }
    for (dgk_sub *sub = e->u.index.subs; sub; sub = sub->next) {
        switch (sub->kind) {
        case DGK_SUB_POINT: ok &= !dgk_type_is_error(sema_scalar_int(s, sub->start, "a subscript")); break;
        case DGK_SUB_RANGE:
            ok &= !dgk_type_is_error(sema_scalar_int(s, sub->start, "the start of a range"));
            ok &= sema_ct_int(s, sub->len, "the length of a range (a tile extent)", 1, &ext[rank]);
            rank++;
            break;
        case DGK_SUB_ALL: ok &= all_extent(s, t, &tt->ext[axis], axis, sub, &ext[rank]); rank++; break;
        case DGK_SUB_NEW: ext[rank++] = 1; break;
        }
        axis += sub->kind != DGK_SUB_NEW;
    }
    if (!ok || tt->dtype == DGK_DT_NONE)
        return dgk_type_error();
    if (rank > DGK_MAX_RANK) {
        dgk_error(s->d, e->loc, "a tile has at most %d axes", DGK_MAX_RANK);
        return dgk_type_error();
    }
    return dgk_type_tile(s->a, tt->dtype, rank, ext);
}

/* f32[BM, BN]: every subscript a compile-time extent. */
static dgk_type *tile_type(sema *s, dgk_expr *e, const dgk_type *bt)
{
    int64_t ext[DGK_MAX_RANK];
    int rank = 0, ok = 1;
    if (bt->rank) {
        dgk_error(s->d, e->loc, "a tile type has one list of extents: write %s[a, b]", dgk_dtype_name(bt->dtype));
        type_subs(s, e->u.index.subs);
        return dgk_type_error();
    }
    for (dgk_sub *sub = e->u.index.subs; sub; sub = sub->next) {
        if (sub->kind != DGK_SUB_POINT) {
            dgk_error(s->d, sub->loc, "the extents of a tile type are compile-time integers, as in %s[BM, BN]",
                      dgk_dtype_name(bt->dtype));
            type_subs(s, sub);
            return dgk_type_error();
        }
        if (rank == DGK_MAX_RANK) {
            dgk_error(s->d, sub->loc, "a tile has at most %d axes", DGK_MAX_RANK);
            return dgk_type_error();
        }
        ok &= sema_ct_int(s, sub->start, "a tile extent", 1, &ext[rank++]);
    }
    if (!ok)
        return dgk_type_error();
    dgk_type *t = dgk_type_tile(s->a, bt->dtype, rank, ext);
    return dgk_type_with_kind(s->a, t, DGK_TYPE_DTYPE);
}

/* t[:, new]: only whole axes and new axes; a register tile is not sliced. */
static dgk_type *reshape(sema *s, dgk_expr *e, const dgk_type *bt)
{
    int64_t ext[2 * DGK_MAX_RANK];
    int axis = 0, rank = 0;
    for (dgk_sub *sub = e->u.index.subs; sub; sub = sub->next) {
        if (sub->kind == DGK_SUB_POINT || sub->kind == DGK_SUB_RANGE) {
            dgk_error(s->d, sub->loc, "a register tile (%s) can be re-indexed only with `:` and `new` (to add "
                      "broadcast axes); it cannot be sliced", dgk_type_str(s->a, bt));
            type_subs(s, e->u.index.subs);
            return dgk_type_error();
        }
        if (sub->kind == DGK_SUB_ALL && axis < bt->rank)
            ext[rank++] = bt->ext[axis].value;
        else if (sub->kind == DGK_SUB_NEW)
            ext[rank++] = 1;
        axis += sub->kind == DGK_SUB_ALL;
        if (rank > DGK_MAX_RANK)
            break;
    }
    if (axis != bt->rank) {
        dgk_error(s->d, e->loc, "%s has %d ax%s but %d `:` subscript%s given (each `:` keeps one axis, `new` adds "
                  "one)", dgk_type_str(s->a, bt), bt->rank, bt->rank == 1 ? "is" : "es", axis,
                  axis == 1 ? " is" : "s are");
        return dgk_type_error();
    }
    if (rank > DGK_MAX_RANK) {
        dgk_error(s->d, e->loc, "a tile has at most %d axes", DGK_MAX_RANK);
        return dgk_type_error();
    }
    return dgk_type_tile(s->a, bt->dtype, rank, ext);
}

dgk_type *sema_index(sema *s, dgk_expr *e)
{
    dgk_type *bt = sema_expr(s, e->u.index.base);
    if (dgk_type_is_error(bt)) {
        type_subs(s, e->u.index.subs);
        return dgk_type_error();
    }
    dgk_sym *t = sema_slice_tensor(e);
    if (t)
        return slice(s, e, t);
    if (bt->kind == DGK_TYPE_DTYPE)
        return tile_type(s, e, bt);
    if (bt->kind == DGK_TYPE_TENSOR) { /* a tensor reached some other way than by name */
        dgk_error(s->d, e->loc, "only a tensor parameter named directly can be sliced");
        type_subs(s, e->u.index.subs);
        return dgk_type_error();
    }
    return reshape(s, e, bt);
}

dgk_type *sema_transpose(sema *s, dgk_expr *e)
{
    dgk_type *t = sema_value(s, e->u.transpose.x, "a transpose");
    if (dgk_type_is_error(t))
        return t;
    if (t->rank != 2) {
        dgk_error(s->d, e->loc, "^T transposes a 2-D tile; this operand is %s", dgk_type_str(s->a, t));
        return dgk_type_error();
    }
    int64_t ext[2] = {t->ext[1].value, t->ext[0].value};
    return dgk_type_tile(s->a, t->dtype, 2, ext);
}
