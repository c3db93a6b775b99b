/* sema_param.c - a kernel's signature: compile-time parameters (kind, default, -D
 * override), runtime parameters (tensors with their dtype and extents, scalars), the
 * shape symbols tensor extents declare, and the `where` constraints (SPEC.md section 4).
 * Input: the kernel's AST. Output: info->ctparams, info->params, info->shapes and the
 * kernel-scope symbols the body sees. */
#include "sema_int.h"

#include <string.h>

/* ---- compile-time parameters ------------------------------------------------------ */

static dgk_ct_kind infer_kind(const dgk_ctparam *cp, const dgk_type *dt)
{
    if (cp->kind_given || !cp->deflt || dgk_type_is_error(dt))
        return cp->kind;
    if (dt->kind == DGK_TYPE_DTYPE)
        return DGK_CT_DTYPE;
    return dt->kind == DGK_TYPE_VALUE && dt->dtype == DGK_DT_BOOL ? DGK_CT_BOOL : DGK_CT_INT;
}

static const char *ct_kind_article(dgk_ct_kind k)
{
    return k == DGK_CT_INT ? "an integer" : k == DGK_CT_BOOL ? "a bool" : "a dtype";
}

/* The default's value, checked against the parameter's kind. */
static int default_value(sema *s, const dgk_ctparam *cp, const dgk_type *t, dgk_ct_kind kind, dgk_ct_value *v)
{
    if (dgk_type_is_error(t))
        return 0;
    int fits = kind == DGK_CT_DTYPE ? t->kind == DGK_TYPE_DTYPE && t->rank == 0
                                    : dgk_type_is_scalar(t) && (kind == DGK_CT_BOOL ? t->dtype == DGK_DT_BOOL
                                                                                     : dgk_dtype_is_integer(t->dtype));
    if (!fits) {
        dgk_error(s->d, cp->deflt->loc, "the default of %s must be %s (it is a %s compile-time parameter), not %s",
                  cp->name.id, ct_kind_article(kind), dgk_ct_kind_name(kind), dgk_type_str(s->a, t));
        return 0;
    }
    if (!sema_const(s, cp->deflt, v) || v->kind != kind) {
        dgk_error(s->d, cp->deflt->loc,
                  "the default of %s must be a compile-time constant (literals and earlier compile-time parameters)",
                  cp->name.id);
        return 0;
    }
    return 1;
}

static dgk_type *ctparam_type(sema *s, const dgk_ct_value *v)
{
    switch (v->kind) {
    case DGK_CT_BOOL: return dgk_type_scalar(s->a, DGK_DT_BOOL);
    case DGK_CT_DTYPE: return v->known ? dgk_type_new(s->a, DGK_TYPE_DTYPE, v->dt, 0) : dgk_type_error();
    default:
        return dgk_type_weak(s->a, !v->known || (v->i >= INT32_MIN && v->i <= INT32_MAX) ? DGK_DT_I32 : DGK_DT_I64);
    }
}

static void ctparam(sema *s, dgk_ctparam *cp, int i)
{
    dgk_sema_ctparam *c = &s->info->ctparams[i];
    dgk_type *dt = cp->deflt ? sema_expr(s, cp->deflt) : NULL;
    dgk_ct_kind kind = infer_kind(cp, dt);
    c->decl = cp;
    c->shape = -1;
    c->value.kind = kind;
    if (cp->deflt && !default_value(s, cp, dt, kind, &c->value))
        c->erroneous = 1;
    sema_define *d = sema_define_find(s, cp->name.id);
    if (d) {
        dgk_ct_value v;
        if (sema_define_value(s, d, kind, "compile-time parameter", &v)) {
            c->value = v;
            c->from_define = 1;
            c->erroneous = 0;
        }
    } else if (!cp->deflt && kind != DGK_CT_INT) {
        dgk_error(s->d, cp->name.loc, "compile-time parameter %s has no default: give one (%s = ...) or pass -D %s=...",
                  cp->name.id, cp->name.id, cp->name.id);
    }
    c->value.kind = kind;
    c->sym = sema_declare(s, DGK_SYM_CTPARAM, cp->name.id, cp->name.loc, ctparam_type(s, &c->value));
    if (c->sym)
        c->sym->index = i;
    cp->name.sym = c->sym;
}

void sema_ctparams(sema *s)
{
    int n = 0;
    for (dgk_ctparam *cp = s->k->ctparams; cp; cp = cp->next)
        n++;
    s->info->ctparams = n ? DGK_NEW_ARRAY(s->a, dgk_sema_ctparam, n) : NULL;
    if (n && !s->info->ctparams)
        return;
    s->info->nctparams = n;
    int i = 0;
    for (dgk_ctparam *cp = s->k->ctparams; cp; cp = cp->next, i++)
        ctparam(s, cp, i);
}

/* ---- runtime parameters and shape symbols ----------------------------------------- */

/* Reports the first name in an extent or constraint that is neither a shape symbol nor
 * a compile-time parameter: those are the only values known at launch before any
 * tensor is read. */
static int only_shape_names(sema *s, const dgk_expr *e, const char *what)
{
    if (!e)
        return 1;
    switch (e->kind) {
    case DGK_EXPR_NAME: {
        dgk_sym *y = e->u.name.sym;
        if (!y || y->kind == DGK_SYM_CTPARAM || y->kind == DGK_SYM_SHAPE)
            return 1;
        dgk_error(s->d, e->loc, "%s may use only shape symbols and compile-time parameters; '%s' is a %s", what,
                  e->u.name.id, dgk_sym_kind_name(y->kind));
        return 0;
    }
    case DGK_EXPR_UNARY: return only_shape_names(s, e->u.unary.x, what);
    case DGK_EXPR_BINARY:
        return only_shape_names(s, e->u.binary.l, what) && only_shape_names(s, e->u.binary.r, what);
    case DGK_EXPR_COND:
        return only_shape_names(s, e->u.cond.c, what) && only_shape_names(s, e->u.cond.a, what) &&
               only_shape_names(s, e->u.cond.b, what);
    case DGK_EXPR_CALL:
        for (const dgk_expr *a = e->u.call.args; a; a = a->next)
            if (!only_shape_names(s, a, what))
                return 0;
        return 1;
    default: return 1;
    }
}

static dgk_sema_shape *new_shape(sema *s, const dgk_expr *e, int param, int axis)
{
    dgk_sema_shape *sh = &s->info->shapes[s->info->nshapes];
    sh->name = e->u.name.id;
    sh->loc = e->loc;
    sh->param = param;
    sh->axis = axis;
    sh->ctparam = -1;
    sh->sym = NULL;
    return sh;
}

/* `M` in `A : e4m3[M, K]` where M is not yet declared: a new shape symbol, bound by
 * this tensor's axis at launch, unless -D specializes it. */
static void declare_shape(sema *s, dgk_expr *e, int param, int axis)
{
    dgk_sema_shape *sh = new_shape(s, e, param, axis);
    sema_define *d = sema_define_find(s, sh->name);
    dgk_ct_value v;
    if (d && sema_define_value(s, d, DGK_CT_INT, "shape symbol", &v)) {
        if (v.i < 1)
            dgk_error(s->d, sema_define_loc(d, 1), "bad value '%s' for shape symbol %s: expected a positive integer",
                      d->def->value, sh->name);
        else
            sh->specialized = 1, sh->value = v.i;
    }
    sh->sym = sema_declare(s, DGK_SYM_SHAPE, sh->name, e->loc, dgk_type_scalar(s->a, DGK_DT_I32));
    if (sh->sym)
        sh->sym->index = s->info->nshapes;
    e->u.name.sym = sh->sym;
    e->type = dgk_type_scalar(s->a, DGK_DT_I32);
    s->info->nshapes++;
}

/* `N` naming an int compile-time parameter without a value: the tensor binds it. */
static int bind_ctparam(sema *s, dgk_expr *e, dgk_sym *y, int param, int axis)
{
    dgk_sema_ctparam *c = &s->info->ctparams[y->index];
    if (c->value.kind != DGK_CT_INT || c->value.known || c->shape >= 0)
        return 0;
    dgk_sema_shape *sh = new_shape(s, e, param, axis);
    sh->sym = y;
    sh->ctparam = y->index;
    c->shape = s->info->nshapes++;
    e->u.name.sym = y;
    e->type = y->type;
    return 1;
}

static void extent(sema *s, dgk_param *p, dgk_expr *e, int param, int axis, dgk_extent *out)
{
    out->expr = e;
    if (e->kind == DGK_EXPR_NAME) {
        dgk_sym *y = sema_lookup(s, e->u.name.id);
        if (!y) {
            declare_shape(s, e, param, axis);
        } else if (y->kind == DGK_SYM_CTPARAM && y->index >= 0 && bind_ctparam(s, e, y, param, axis)) {
            return;
        }
    }
    if (dgk_type_is_error(sema_scalar_int(s, e, "a tensor extent")))
        return;
    if (!only_shape_names(s, e, "a tensor extent"))
        return;
    if (sema_const_int(s, e, &out->value)) {
        out->known = 1;
        if (out->value < 1)
            dgk_error(s->d, e->loc, "extent `%s` of %s (axis %d) is %lld; extents must be positive",
                      dgk_expr_text(s->a, e), p->name.id, axis, (long long)out->value);
    }
}

/* The element type: a dtype name or a dtype compile-time parameter. */
static dgk_dtype elem_dtype(sema *s, dgk_param *p)
{
    dgk_type *t = sema_expr(s, p->elem);
    if (dgk_type_is_error(t))
        return DGK_DT_NONE;
    if (t->kind != DGK_TYPE_DTYPE || t->rank != 0) {
        dgk_error(s->d, p->elem->loc, "the element type of %s must be a dtype (f32, bf16, e4m3, ...) or a dtype "
                  "compile-time parameter; '%s' is not one", p->name.id, dgk_expr_text(s->a, p->elem));
        return DGK_DT_NONE;
    }
    return t->dtype;
}

static void param(sema *s, dgk_param *p, int i)
{
    dgk_sema_param *sp = &s->info->params[i];
    int rank = p->dims ? p->rank : 0;
    sp->decl = p;
    sp->is_tensor = rank > 0;
    sp->sym = sema_declare(s, rank ? DGK_SYM_TENSOR : DGK_SYM_SCALAR, p->name.id, p->name.loc, NULL);
    if (sp->sym)
        sp->sym->index = i;
    p->name.sym = sp->sym;
    dgk_dtype dt = elem_dtype(s, p);
    if (rank > DGK_MAX_RANK)
        dgk_error(s->d, p->name.loc, "%s has rank %d; at most %d axes are supported", p->name.id, rank, DGK_MAX_RANK);
    dgk_type *t = rank > DGK_MAX_RANK ? dgk_type_error() : dgk_type_new(s->a, rank ? DGK_TYPE_TENSOR : DGK_TYPE_VALUE, dt, rank);
    int axis = 0;
    for (dgk_expr *e = p->dims; e && axis < rank && !dgk_type_is_error(t); e = e->next, axis++)
        extent(s, p, e, i, axis, &t->ext[axis]);
    sp->type = dt == DGK_DT_NONE ? dgk_type_error() : t;
    if (sp->sym)
        sp->sym->type = sp->type;
}

void sema_params(sema *s)
{
    int n = 0, axes = 0;
    for (dgk_param *p = s->k->params; p; p = p->next, n++)
        axes += p->dims ? p->rank : 0;
    s->info->params = n ? DGK_NEW_ARRAY(s->a, dgk_sema_param, n) : NULL;
    s->info->shapes = axes ? DGK_NEW_ARRAY(s->a, dgk_sema_shape, axes) : NULL;
    if ((n && !s->info->params) || (axes && !s->info->shapes))
        return;
    s->info->nparams = n;
    int i = 0;
    for (dgk_param *p = s->k->params; p; p = p->next, i++)
        param(s, p, i);
    for (i = 0; i < s->info->nctparams; i++) {
        dgk_sema_ctparam *c = &s->info->ctparams[i];
        if (c->value.kind == DGK_CT_INT && !c->value.known && c->shape < 0 && !c->erroneous)
            dgk_error(s->d, c->decl->name.loc, "compile-time parameter %s has no value: give a default, pass -D %s=..., "
                      "or name it as a tensor extent so the launch binds it", c->decl->name.id, c->decl->name.id);
    }
}

/* ---- constraints ------------------------------------------------------------------ */

/* "BM = 96, K = 100": the compile-time names in e with their values, for messages. */
static void collect_values(sema *s, const dgk_expr *e, char *buf, size_t cap)
{
    int64_t v;
    if (!e)
        return;
    if (e->kind == DGK_EXPR_NAME && sema_const_int(s, e, &v) && !strstr(buf, e->u.name.id)) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s = %lld", n ? ", " : "", e->u.name.id, (long long)v);
    } else if (e->kind == DGK_EXPR_BINARY) {
        collect_values(s, e->u.binary.l, buf, cap);
        collect_values(s, e->u.binary.r, buf, cap);
    } else if (e->kind == DGK_EXPR_UNARY) {
        collect_values(s, e->u.unary.x, buf, cap);
    } else if (e->kind == DGK_EXPR_CALL) {
        for (const dgk_expr *a = e->u.call.args; a; a = a->next)
            collect_values(s, a, buf, cap);
    }
}

static const char *values_of(sema *s, const dgk_expr *e)
{
    char buf[256] = "";
    collect_values(s, e, buf, sizeof buf);
    return dgk_arena_strdup(s->a, buf[0] ? buf : "it is false");
}

void sema_constraints(sema *s)
{
    for (dgk_expr *c = s->k->constraints; c; c = c->next) {
        dgk_type *t = sema_value(s, c, "a where-constraint");
        if (dgk_type_is_error(t))
            continue;
        if (!dgk_type_is_scalar(t) || t->dtype != DGK_DT_BOOL) {
            dgk_error(s->d, c->loc, "a where-constraint must be a bool condition such as K %% 128 == 0, not %s",
                      dgk_type_str(s->a, t));
            continue;
        }
        if (!only_shape_names(s, c, "a where-constraint"))
            continue;
        dgk_ct_value v;
        if (sema_const(s, c, &v) && v.kind == DGK_CT_BOOL && !v.i)
            dgk_error(s->d, c->loc, "constraint `%s` does not hold (%s)", dgk_expr_text(s->a, c), values_of(s, c));
    }
}

/* Matches `X % m == 0` (either side) with m a multiple of d and X's form equal to e. */
int sema_constraint_divides(sema *s, const sema_aff *e, int64_t d)
{
    for (const dgk_expr *c = s->k->constraints; c; c = c->next) {
        if (c->kind != DGK_EXPR_BINARY || c->u.binary.op != DGK_OP_EQ)
            continue;
        const dgk_expr *l = c->u.binary.l, *r = c->u.binary.r;
        int64_t zero, m;
        if (l->kind != DGK_EXPR_BINARY) {
            const dgk_expr *t = l;
            l = r;
            r = t;
        }
        if (l->kind != DGK_EXPR_BINARY || l->u.binary.op != DGK_OP_MOD || !sema_const_int(s, r, &zero) || zero)
            continue;
        if (sema_const_int(s, l->u.binary.r, &m) && m > 0 && m % d == 0 &&
            sema_aff_equal(sema_aff_of(s, l->u.binary.l), e))
            return 1;
    }
    return 0;
}
