/* sema_builtin.c - calls: casts (`bf16(acc)`, a dtype name or a dtype compile-time
 * parameter called with one argument) and the builtins of builtins.def, each typed by
 * its table row's rule (SPEC.md 7.3). mma's operand rules live in sema_mma.c.
 * A call's callee NAME gets the sym it resolves to and the call's type. */
#include "sema_int.h"

#include <string.h>

static const dgk_builtin_info table[DGK_BI_COUNT] = {
#define X(id, name, lo, hi, rule) [DGK_BI_##id] = {name, lo, hi, DGK_BR_##rule},
#include "builtins.def"
#undef X
};

const dgk_builtin_info *dgk_builtin_info_of(dgk_builtin b)
{
    return (unsigned)b < DGK_BI_COUNT ? &table[b] : NULL;
}

dgk_builtin dgk_builtin_lookup(const char *name)
{
    for (int b = 0; b < DGK_BI_COUNT; b++)
        if (strcmp(table[b].name, name) == 0)
            return (dgk_builtin)b;
    return DGK_BI_COUNT;
}

typedef struct call {
    dgk_expr *e;
    const char *name;
    dgk_expr *arg[3];
} call;

static void type_args(sema *s, dgk_expr *e)
{
    for (dgk_expr *a = e->u.call.args; a; a = a->next)
        sema_expr(s, a);
}

static dgk_type *numeric_arg(sema *s, call *c, int i)
{
    dgk_type *t = sema_value(s, c->arg[i], c->name);
    if (dgk_type_is_error(t) || sema_is_numeric(t->dtype))
        return t;
    dgk_error(s->d, c->arg[i]->loc, "argument %d of %s must be a number, not %s", i + 1, c->name,
              dgk_type_str(s->a, t));
    return dgk_type_error();
}

/* Unifies and broadcasts n numeric arguments starting at arg[first]. */
static dgk_type *common(sema *s, call *c, int first, int n)
{
    dgk_type *t = numeric_arg(s, c, first);
    for (int i = first + 1; i < first + n; i++) {
        dgk_type *u = numeric_arg(s, c, i);
        dgk_dtype dt;
        int weak;
        if (dgk_type_is_error(t) || dgk_type_is_error(u))
            t = dgk_type_error();
        else if (!sema_unify(s, c->e->loc, t, u, dgk_arena_printf(s->a, "arguments of %s", c->name), &dt, &weak))
            t = dgk_type_error();
        else
            t = sema_broadcast(s, c->e->loc, t, u, dt, weak, dgk_arena_printf(s->a, "arguments of %s", c->name));
    }
    return t;
}

static dgk_type *rule_intdiv(sema *s, call *c)
{
    dgk_type *t = common(s, c, 0, 2);
    int64_t d;
    if (dgk_type_is_error(t))
        return t;
    if (!dgk_dtype_is_integer(t->dtype)) {
        dgk_error(s->d, c->e->loc, "%s takes integers, not %s", c->name, dgk_type_str(s->a, t));
        return dgk_type_error();
    }
    if (sema_const_int(s, c->arg[1], &d) && d <= 0) {
        dgk_error(s->d, c->arg[1]->loc, "%s divides by %lld; the divisor must be positive", c->name, (long long)d);
        return dgk_type_error();
    }
    return t;
}

static dgk_type *rule_float(sema *s, call *c)
{
    dgk_type *t = numeric_arg(s, c, 0);
    if (dgk_type_is_error(t) || dgk_dtype_is_float(t->dtype))
        return t;
    if (t->weak)
        return dgk_type_weak(s->a, DGK_DT_F32);
    dgk_error(s->d, c->arg[0]->loc, "%s takes a float, not %s; cast first: %s(f32(x))", c->name,
              dgk_type_str(s->a, t), c->name);
    return dgk_type_error();
}

/* zeros(T[dims]) and full(T[dims], v). */
static dgk_type *rule_fill(sema *s, call *c, int with_value)
{
    dgk_type *t = sema_expr(s, c->arg[0]);
    dgk_type *v = with_value ? sema_value(s, c->arg[1], c->name) : NULL;
    if (dgk_type_is_error(t) || (v && dgk_type_is_error(v)))
        return dgk_type_error();
    if (t->kind != DGK_TYPE_DTYPE) {
        dgk_error(s->d, c->arg[0]->loc, "the first argument of %s is a tile type such as f32[BM, BN], not %s", c->name,
                  dgk_type_str(s->a, t));
        return dgk_type_error();
    }
    if (v && (!dgk_type_is_scalar(v) || !sema_assignable(v, t->dtype))) {
        dgk_error(s->d, c->arg[1]->loc, "the fill value of %s must be a scalar %s, not %s", c->name,
                  dgk_dtype_name(t->dtype), dgk_type_str(s->a, v));
        return dgk_type_error();
    }
    return dgk_type_with_kind(s->a, t, DGK_TYPE_VALUE);
}

static dgk_type *rule_iota(sema *s, call *c)
{
    int64_t n;
    if (!sema_ct_int(s, c->arg[0], "the length of iota", 1, &n))
        return dgk_type_error();
    return dgk_type_tile(s->a, DGK_DT_I32, 1, &n);
}

static dgk_type *rule_where(sema *s, call *c)
{
    dgk_type *cond = sema_value(s, c->arg[0], "where");
    dgk_type *ab = common(s, c, 1, 2);
    if (dgk_type_is_error(cond) || dgk_type_is_error(ab))
        return dgk_type_error();
    if (cond->dtype != DGK_DT_BOOL) {
        dgk_error(s->d, c->arg[0]->loc, "the condition of where must be bool, not %s", dgk_type_str(s->a, cond));
        return dgk_type_error();
    }
    return sema_broadcast(s, c->e->loc, cond, ab, ab->dtype, ab->weak, "arguments of where");
}

static dgk_type *rule_reduce(sema *s, call *c)
{
    dgk_type *t = numeric_arg(s, c, 0);
    int64_t axis;
    int ok = sema_ct_int(s, c->arg[1], "the axis of a reduction", 0, &axis);
    if (dgk_type_is_error(t) || !ok)
        return dgk_type_error();
    if (t->rank == 0 || axis >= t->rank) {
        dgk_error(s->d, c->arg[1]->loc, "%s reduces over an axis of a tile; %s has no axis %lld", c->name,
                  dgk_type_str(s->a, t), (long long)axis);
        return dgk_type_error();
    }
    int64_t ext[DGK_MAX_RANK];
    int r = 0;
    for (int i = 0; i < t->rank; i++)
        if (i != axis)
            ext[r++] = t->ext[i].value;
    return dgk_type_tile(s->a, t->dtype, r, ext);
}

static dgk_type *rule_krange(sema *s, call *c)
{
    dgk_type *t = sema_scalar_int(s, c->arg[0], c->name);
    if (dgk_type_is_error(t))
        return t;
    if (!s->info->sched.stmt || s->info->sched.kind != DGK_SCHED_K_GROUPED) {
        dgk_error(s->d, c->e->loc, "%s(g) gives group g's K range and exists only under a k_grouped schedule",
                  c->name);
        return dgk_type_error();
    }
    return dgk_type_scalar(s->a, DGK_DT_I32);
}

static dgk_type *by_rule(sema *s, call *c, dgk_builtin b)
{
    switch (table[b].rule) {
    case DGK_BR_MMA: {
        dgk_type *ta = sema_value(s, c->arg[0], "mma operand a");
        dgk_type *tb = sema_value(s, c->arg[1], "mma operand b");
        return sema_mma(s, c->e, ta, tb);
    }
    case DGK_BR_ZEROS: return rule_fill(s, c, 0);
    case DGK_BR_FULL: return rule_fill(s, c, 1);
    case DGK_BR_IOTA: return rule_iota(s, c);
    case DGK_BR_INTDIV: return rule_intdiv(s, c);
    case DGK_BR_BINARY: return common(s, c, 0, 2);
    case DGK_BR_NUMERIC: return numeric_arg(s, c, 0);
    case DGK_BR_FLOAT: return rule_float(s, c);
    case DGK_BR_WHERE: return rule_where(s, c);
    case DGK_BR_CLAMP: return common(s, c, 0, 3);
    case DGK_BR_REDUCE: return rule_reduce(s, c);
    case DGK_BR_KRANGE: return rule_krange(s, c);
    default: return dgk_type_error();
    }
}

static dgk_type *builtin(sema *s, call *c, dgk_builtin b)
{
    const dgk_builtin_info *bi = &table[b];
    int n = c->e->u.call.nargs;
    if (bi->rule == DGK_BR_CONST) {
        dgk_error(s->d, c->e->loc, "'%s' is a constant, not a function", bi->name);
        return dgk_type_error();
    }
    if (n < bi->min_args || n > bi->max_args) {
        dgk_error(s->d, c->e->loc, "%s takes %d argument%s, %d given", bi->name, bi->max_args,
                  bi->max_args == 1 ? "" : "s", n);
        return dgk_type_error();
    }
    return by_rule(s, c, b);
}

static dgk_type *cast(sema *s, call *c, dgk_dtype to)
{
    if (c->e->u.call.nargs != 1) {
        dgk_error(s->d, c->e->loc, "a cast takes one argument, as in %s(x); %d given", dgk_dtype_name(to),
                  c->e->u.call.nargs);
        return dgk_type_error();
    }
    dgk_type *t = sema_value(s, c->arg[0], "a cast");
    if (dgk_type_is_error(t))
        return t;
    return dgk_type_with_dtype(s->a, t, to);
}

static dgk_type *resolve(sema *s, call *c)
{
    dgk_expr *callee = c->e->u.call.callee;
    if (!callee || callee->kind != DGK_EXPR_NAME) {
        dgk_error(s->d, c->e->loc, "only a builtin or a dtype can be called");
        return dgk_type_error();
    }
    dgk_sym *y = sema_lookup(s, callee->u.name.id);
    c->name = callee->u.name.id;
    if (!y) {
        dgk_error(s->d, callee->loc, "unknown function '%s'", c->name);
        return dgk_type_error();
    }
    callee->u.name.sym = y;
    if (y->kind == DGK_SYM_BUILTIN)
        return builtin(s, c, (dgk_builtin)y->index);
    if (y->type && y->type->kind == DGK_TYPE_DTYPE && y->type->rank == 0)
        return cast(s, c, y->type->dtype);
    if (y->kind == DGK_SYM_CTPARAM && dgk_type_is_error(y->type))
        return dgk_type_error(); /* a dtype parameter whose default failed */
    dgk_error(s->d, callee->loc, "'%s' is a %s, not a function", c->name, dgk_sym_kind_name(y->kind));
    return dgk_type_error();
}

dgk_type *sema_call(sema *s, dgk_expr *e)
{
    call c = {e, "", {NULL, NULL, NULL}};
    int i = 0;
    for (dgk_expr *a = e->u.call.args; a && i < 3; a = a->next)
        c.arg[i++] = a;
    dgk_type *t = resolve(s, &c);
    type_args(s, e);
    if (e->u.call.callee)
        e->u.call.callee->type = t;
    return t;
}
