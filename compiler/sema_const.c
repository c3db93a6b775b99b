/* sema_const.c - compile-time evaluation and -D overrides.
 * sema_const() folds an already-typed expression over literals, compile-time
 * parameters, specialized shape symbols and constant lets (SPEC.md section 4) into an
 * int, bool or dtype; it is silent, callers say why they needed a constant.
 * The -D list is parsed once (sema_defines_init); kernels look names up as they
 * declare parameters and shape symbols; names no kernel used are errors at the end.
 * -D errors point into a synthetic source "<command line>" holding `-D NAME=VALUE`. */
#include "sema_int.h"
#include "int_fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 200 };

static int eval(sema *s, const dgk_expr *e, dgk_ct_value *v, int depth);

static int int_value(dgk_ct_value *v, int64_t i)
{
    v->kind = DGK_CT_INT;
    v->known = 1;
    v->i = i;
    return 1;
}

static int bool_value(dgk_ct_value *v, int b)
{
    v->kind = DGK_CT_BOOL;
    v->known = 1;
    v->i = b != 0;
    return 1;
}

static int eval_name(sema *s, const dgk_expr *e, dgk_ct_value *v, int depth)
{
    dgk_sym *y = e->u.name.sym ? e->u.name.sym : sema_lookup(s, e->u.name.id);
    if (!y)
        return 0;
    switch (y->kind) {
    case DGK_SYM_CTPARAM:
        if (!s->info || y->index < 0 || !s->info->ctparams[y->index].value.known)
            return 0;
        *v = s->info->ctparams[y->index].value;
        return 1;
    case DGK_SYM_SHAPE:
        if (!s->info || y->index < 0 || !s->info->shapes[y->index].specialized)
            return 0;
        return int_value(v, s->info->shapes[y->index].value);
    case DGK_SYM_LET: return y->init && eval(s, y->init, v, depth + 1);
    case DGK_SYM_DTYPE:
        v->kind = DGK_CT_DTYPE;
        v->known = 1;
        v->dt = (dgk_dtype)y->index;
        return 1;
    default: return 0;
    }
}

static int eval_unary(sema *s, const dgk_expr *e, dgk_ct_value *v, int depth)
{
    dgk_ct_value x;
    if (!eval(s, e->u.unary.x, &x, depth + 1))
        return 0;
    switch (e->u.unary.op) {
    case DGK_OP_NOT: return x.kind == DGK_CT_BOOL && bool_value(v, !x.i);
    default: {
        int64_t r;
        return x.kind == DGK_CT_INT && dgk_int_unary(e->u.unary.op, x.i, &r) && int_value(v, r);
    }
    }
}

static int eval_binary(sema *s, const dgk_expr *e, dgk_ct_value *v, int depth)
{
    dgk_ct_value x, y;
    dgk_op op = e->u.binary.op;
    if (!eval(s, e->u.binary.l, &x, depth + 1))
        return 0;
    if ((op == DGK_OP_LAND || op == DGK_OP_LOR) && x.kind == DGK_CT_BOOL && x.i == (op == DGK_OP_LOR))
        return bool_value(v, (int)x.i);
    if (!eval(s, e->u.binary.r, &y, depth + 1) || x.kind != y.kind)
        return 0;
    int64_t xi = x.kind == DGK_CT_DTYPE ? (int64_t)x.dt : x.i;
    int64_t yi = y.kind == DGK_CT_DTYPE ? (int64_t)y.dt : y.i;
    int b;
    if (op == DGK_OP_LAND || op == DGK_OP_LOR)
        return x.kind == DGK_CT_BOOL && bool_value(v, (int)y.i);
    if (dgk_int_compare(op, xi, yi, &b))
        return (x.kind == DGK_CT_INT || op == DGK_OP_EQ || op == DGK_OP_NE) && bool_value(v, b);
    int64_t r;
    return x.kind == DGK_CT_INT && dgk_int_arith(op, xi, yi, &r) && int_value(v, r);
}

static int eval_call(sema *s, const dgk_expr *e, dgk_ct_value *v, int depth)
{
    dgk_sym *f = sema_name_sym(e->u.call.callee);
    dgk_ct_value x, y;
    if (!f || f->kind != DGK_SYM_BUILTIN || e->u.call.nargs != 2)
        return 0;
    if (!eval(s, e->u.call.args, &x, depth + 1) || !eval(s, e->u.call.args->next, &y, depth + 1))
        return 0;
    if (x.kind != DGK_CT_INT || y.kind != DGK_CT_INT)
        return 0;
    switch (f->index) {
    case DGK_BI_MIN: return int_value(v, x.i < y.i ? x.i : y.i);
    case DGK_BI_MAX: return int_value(v, x.i > y.i ? x.i : y.i);
    case DGK_BI_CDIV: {
        int64_t q;
        if (y.i <= 0 || !dgk_int_arith(DGK_OP_DIV, x.i, y.i, &q))
            return 0;
        return int_value(v, q + (x.i % y.i > 0));
    }
    default: return 0;
    }
}

static int eval(sema *s, const dgk_expr *e, dgk_ct_value *v, int depth)
{
    if (!e || depth > MAX_DEPTH)
        return 0;
    memset(v, 0, sizeof *v);
    switch (e->kind) {
    case DGK_EXPR_INT: return e->u.i.value <= (uint64_t)INT64_MAX && int_value(v, (int64_t)e->u.i.value);
    case DGK_EXPR_BOOL: return bool_value(v, e->u.b.value);
    case DGK_EXPR_NAME: return eval_name(s, e, v, depth);
    case DGK_EXPR_UNARY: return eval_unary(s, e, v, depth);
    case DGK_EXPR_BINARY: return eval_binary(s, e, v, depth);
    case DGK_EXPR_CALL: return eval_call(s, e, v, depth);
    case DGK_EXPR_COND: {
        dgk_ct_value c;
        if (!eval(s, e->u.cond.c, &c, depth + 1) || c.kind != DGK_CT_BOOL)
            return 0;
        return eval(s, c.i ? e->u.cond.a : e->u.cond.b, v, depth + 1);
    }
    default: return 0;
    }
}

int sema_const(sema *s, const dgk_expr *e, dgk_ct_value *v)
{
    return eval(s, e, v, 0);
}

int sema_const_int(sema *s, const dgk_expr *e, int64_t *out)
{
    dgk_ct_value v;
    if (!sema_const(s, e, &v) || v.kind != DGK_CT_INT)
        return 0;
    *out = v.i;
    return 1;
}

/* ---- -D NAME=VALUE -------------------------------------------------------------- */

/* Decimal or 0x hex, optional leading '-', '_' separators as in source; the full
 * int64 range (-9223372036854775808 included). */
static int parse_int(const char *p, int64_t *out)
{
    char digits[72];
    size_t n = 0;
    int neg = *p == '-';
    p += neg;
    for (; *p && n + 1 < sizeof digits; p++)
        if (*p != '_')
            digits[n++] = *p;
    if (*p || n == 0)
        return 0;
    digits[n] = '\0';
    int hex = n > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
    const char *d = hex ? digits + 2 : digits;
    if (!(hex ? (*d >= '0' && *d <= '9') || (*d | 0x20) >= 'a' : *d >= '0' && *d <= '9'))
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(d, &end, hex ? 16 : 10);
    if (*end || errno || v > (unsigned long long)INT64_MAX + (unsigned)neg)
        return 0;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 1;
}

static void parse_define(sema *s, sema_define *sd)
{
    const char *v = sd->def->value ? sd->def->value : "";
    const char *name = sd->def->name ? sd->def->name : "";
    sd->src.name = "<command line>";
    sd->src.text = dgk_arena_printf(s->a, "-D %s=%s", name, v);
    sd->src.len = sd->src.text ? strlen(sd->src.text) : 0;
    if (!sd->src.text)
        sd->src.text = "";
    sd->is_int = parse_int(v, &sd->i);
    sd->is_bool = strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
    if (sd->is_bool)
        sd->i = v[0] == 't';
    sd->dt = dgk_dtype_lookup(v, strlen(v));
}

dgk_loc sema_define_loc(const sema_define *d, int at_value)
{
    int col = 4 + (at_value ? (int)strlen(d->def->name ? d->def->name : "") + 1 : 0);
    return dgk_loc_make(&d->src, 1, col);
}

void sema_defines_init(sema *s, const dgk_define *defs)
{
    int n = 0;
    for (const dgk_define *d = defs; d; d = d->next)
        n++;
    s->defs = n ? DGK_NEW_ARRAY(s->a, sema_define, n) : NULL;
    s->ndefs = s->defs ? n : 0;
    int i = 0;
    for (const dgk_define *d = defs; d && i < s->ndefs; d = d->next, i++) {
        s->defs[i].def = d;
        parse_define(s, &s->defs[i]);
    }
    for (i = 0; i < s->ndefs; i++)
        for (int j = 0; j < i; j++)
            if (s->defs[j].def->name && s->defs[i].def->name &&
                strcmp(s->defs[j].def->name, s->defs[i].def->name) == 0 && !s->defs[i].reported) {
                dgk_error(s->d, sema_define_loc(&s->defs[i], 0), "-D %s is given twice (%s and %s); give it once",
                          s->defs[i].def->name, s->defs[j].def->value, s->defs[i].def->value);
                s->defs[i].reported = 1;
                break;
            }
}

sema_define *sema_define_find(sema *s, const char *name)
{
    sema_define *found = NULL;
    for (int i = 0; i < s->ndefs; i++)
        if (s->defs[i].def->name && strcmp(s->defs[i].def->name, name) == 0) {
            s->defs[i].used = 1;
            if (!found)
                found = &s->defs[i];
        }
    return found;
}

static int define_error(sema *s, sema_define *d, const char *what, const char *expect)
{
    if (!d->reported)
        dgk_error(s->d, sema_define_loc(d, 1), "bad value '%s' for %s %s: expected %s", d->def->value, what,
                  d->def->name, expect);
    d->reported = 1;
    return 0;
}

int sema_define_value(sema *s, sema_define *d, dgk_ct_kind want, const char *what, dgk_ct_value *v)
{
    memset(v, 0, sizeof *v);
    v->kind = want;
    v->known = 1;
    switch (want) {
    case DGK_CT_INT:
        if (!d->is_int)
            return define_error(s, d, what, "an integer");
        v->i = d->i;
        return 1;
    case DGK_CT_BOOL:
        if (!d->is_bool)
            return define_error(s, d, what, "true or false");
        v->i = d->i;
        return 1;
    case DGK_CT_DTYPE:
        if (d->dt == DGK_DT_NONE)
            return define_error(s, d, what, "a dtype name such as bf16 or e4m3");
        v->dt = d->dt;
        return 1;
    default: return 0;
    }
}

void sema_defines_finish(sema *s)
{
    for (int i = 0; i < s->ndefs; i++)
        if (!s->defs[i].used && !s->defs[i].reported)
            dgk_error(s->d, sema_define_loc(&s->defs[i], 0),
                      "-D %s: no kernel has a compile-time parameter or shape symbol named '%s'",
                      s->defs[i].def->name ? s->defs[i].def->name : "", s->defs[i].def->name ? s->defs[i].def->name : "");
}
