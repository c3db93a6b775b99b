/* types.c - constructors, comparison, broadcasting and printing of dgk_type.
 * Types are made by sema in the compilation arena and never freed on their own; the
 * printed forms go into diagnostics. */
#include "types.h"

#include <stdio.h>
#include <string.h>

static dgk_type error_type = {DGK_TYPE_ERROR, DGK_DT_NONE, 0, 0, NULL};

dgk_type *dgk_type_error(void)
{
    return &error_type;
}

dgk_type *dgk_type_new(dgk_arena *a, dgk_type_kind kind, dgk_dtype dt, int rank)
{
    if (rank < 0 || rank > DGK_MAX_RANK)
        return dgk_type_error();
    dgk_type *t = DGK_NEW(a, dgk_type);
    dgk_extent *ext = rank ? DGK_NEW_ARRAY(a, dgk_extent, rank) : NULL;
    if (!t || (rank && !ext))
        return dgk_type_error();
    t->kind = kind;
    t->dtype = dt;
    t->rank = rank;
    t->ext = ext;
    return t;
}

dgk_type *dgk_type_scalar(dgk_arena *a, dgk_dtype dt)
{
    return dgk_type_new(a, DGK_TYPE_VALUE, dt, 0);
}

dgk_type *dgk_type_weak(dgk_arena *a, dgk_dtype dt)
{
    dgk_type *t = dgk_type_scalar(a, dt);
    if (t->kind != DGK_TYPE_ERROR)
        t->weak = 1;
    return t;
}

dgk_type *dgk_type_tile(dgk_arena *a, dgk_dtype dt, int rank, const int64_t *ext)
{
    dgk_type *t = dgk_type_new(a, DGK_TYPE_VALUE, dt, rank);
    if (t->kind == DGK_TYPE_ERROR)
        return t;
    for (int i = 0; i < rank; i++) {
        t->ext[i].known = 1;
        t->ext[i].value = ext[i];
    }
    return t;
}

static dgk_type *copy(dgk_arena *a, const dgk_type *t)
{
    if (t->kind == DGK_TYPE_ERROR)
        return dgk_type_error();
    dgk_type *c = dgk_type_new(a, t->kind, t->dtype, t->rank);
    if (c->kind == DGK_TYPE_ERROR)
        return c;
    c->weak = t->weak;
    if (t->rank)
        memcpy(c->ext, t->ext, sizeof *c->ext * (size_t)t->rank);
    return c;
}

dgk_type *dgk_type_with_dtype(dgk_arena *a, const dgk_type *t, dgk_dtype dt)
{
    dgk_type *c = copy(a, t);
    if (c->kind != DGK_TYPE_ERROR) {
        c->dtype = dt;
        c->weak = 0;
    }
    return c;
}

dgk_type *dgk_type_with_kind(dgk_arena *a, const dgk_type *t, dgk_type_kind kind)
{
    dgk_type *c = copy(a, t);
    if (c->kind != DGK_TYPE_ERROR)
        c->kind = kind;
    return c;
}

int dgk_type_is_error(const dgk_type *t)
{
    return !t || t->kind == DGK_TYPE_ERROR;
}

int dgk_type_is_scalar(const dgk_type *t)
{
    return t && t->kind == DGK_TYPE_VALUE && t->rank == 0;
}

int dgk_type_is_tile(const dgk_type *t)
{
    return t && t->kind == DGK_TYPE_VALUE && t->rank > 0;
}

int dgk_extent_expr_equal(const dgk_expr *x, const dgk_expr *y)
{
    if (!x || !y)
        return x == y;
    if (x->kind != y->kind)
        return 0;
    switch (x->kind) {
    case DGK_EXPR_INT: return x->u.i.value == y->u.i.value;
    case DGK_EXPR_NAME: return strcmp(x->u.name.id, y->u.name.id) == 0;
    case DGK_EXPR_UNARY:
        return x->u.unary.op == y->u.unary.op && dgk_extent_expr_equal(x->u.unary.x, y->u.unary.x);
    case DGK_EXPR_BINARY:
        return x->u.binary.op == y->u.binary.op && dgk_extent_expr_equal(x->u.binary.l, y->u.binary.l) &&
               dgk_extent_expr_equal(x->u.binary.r, y->u.binary.r);
    case DGK_EXPR_CALL: {
        if (!dgk_extent_expr_equal(x->u.call.callee, y->u.call.callee) || x->u.call.nargs != y->u.call.nargs)
            return 0;
        const dgk_expr *p = x->u.call.args, *q = y->u.call.args;
        for (; p && q; p = p->next, q = q->next)
            if (!dgk_extent_expr_equal(p, q))
                return 0;
        return !p && !q;
    }
    default: return 0;
    }
}

static int extent_equal(const dgk_extent *x, const dgk_extent *y)
{
    if (x->known || y->known)
        return x->known && y->known && x->value == y->value;
    return dgk_extent_expr_equal(x->expr, y->expr);
}

int dgk_type_same_shape(const dgk_type *x, const dgk_type *y)
{
    if (x->rank != y->rank)
        return 0;
    for (int i = 0; i < x->rank; i++)
        if (!extent_equal(&x->ext[i], &y->ext[i]))
            return 0;
    return 1;
}

int dgk_type_equal(const dgk_type *x, const dgk_type *y)
{
    return x->kind == y->kind && x->dtype == y->dtype && dgk_type_same_shape(x, y);
}

int dgk_broadcast_shape(const dgk_type *x, const dgk_type *y, int64_t *out, int *out_rank, int *bad_axis)
{
    int r = x->rank > y->rank ? x->rank : y->rank;
    *out_rank = r;
    for (int i = 0; i < r; i++) {
        int xi = x->rank - r + i, yi = y->rank - r + i;
        int64_t a = xi >= 0 ? x->ext[xi].value : 1;
        int64_t b = yi >= 0 ? y->ext[yi].value : 1;
        if (a != b && a != 1 && b != 1) {
            *bad_axis = i;
            return 0;
        }
        out[i] = a == 1 ? b : a;
    }
    return 1;
}

static void put_extent(char *buf, size_t cap, dgk_arena *a, const dgk_extent *e)
{
    size_t n = strlen(buf);
    if (e->known)
        snprintf(buf + n, cap - n, "%lld", (long long)e->value);
    else
        snprintf(buf + n, cap - n, "%s", dgk_expr_text(a, e->expr));
}

const char *dgk_shape_str(dgk_arena *a, const dgk_type *t)
{
    char buf[512] = "[";
    for (int i = 0; i < t->rank; i++) {
        if (i)
            strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
        put_extent(buf, sizeof buf, a, &t->ext[i]);
    }
    strncat(buf, "]", sizeof buf - strlen(buf) - 1);
    const char *s = dgk_arena_strdup(a, buf);
    return s ? s : "[?]";
}

const char *dgk_type_str(dgk_arena *a, const dgk_type *t)
{
    if (dgk_type_is_error(t))
        return "<error>";
    const char *prefix = t->kind == DGK_TYPE_DTYPE ? "dtype " : "";
    const char *s = t->rank ? dgk_arena_printf(a, "%s%s%s", prefix, dgk_dtype_name(t->dtype), dgk_shape_str(a, t))
                            : dgk_arena_printf(a, "%s%s", prefix, dgk_dtype_name(t->dtype));
    return s ? s : "<type>";
}
