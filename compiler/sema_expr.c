/* sema_expr.c - typing of expressions (SPEC.md sections 3 and 7): literals, names,
 * unary and binary operators, conditionals, and the shared rules the other sema files
 * use: dtype unification of two operands, broadcasting of two shapes, "must be a
 * value / a scalar integer / a compile-time integer". Sets `type` on every expression
 * it visits and `sym` on every NAME. Calls go to sema_builtin.c, subscripts and ^T to
 * sema_index.c. */
#include "sema_int.h"

#include <string.h>

enum { MAX_EXPR_DEPTH = 256 };

/* Operator classes: which operands an operator takes and what it yields. */
typedef enum op_class { OC_ARITH, OC_MOD, OC_BITS, OC_ORDER, OC_EQUAL, OC_LOGIC, OC_OTHER } op_class;

static op_class classify(dgk_op op)
{
    switch (op) {
    case DGK_OP_ADD: case DGK_OP_SUB: case DGK_OP_MUL: case DGK_OP_DIV: return OC_ARITH;
    case DGK_OP_MOD: return OC_MOD;
    case DGK_OP_SHL: case DGK_OP_SHR: case DGK_OP_BAND: case DGK_OP_BOR: case DGK_OP_BXOR: return OC_BITS;
    case DGK_OP_LT: case DGK_OP_LE: case DGK_OP_GT: case DGK_OP_GE: return OC_ORDER;
    case DGK_OP_EQ: case DGK_OP_NE: return OC_EQUAL;
    case DGK_OP_LAND: case DGK_OP_LOR: return OC_LOGIC;
    default: return OC_OTHER;
    }
}

dgk_sym *sema_name_sym(const dgk_expr *e)
{
    return e && e->kind == DGK_EXPR_NAME ? e->u.name.sym : NULL;
}

int sema_is_numeric(dgk_dtype t)
{
    return t != DGK_DT_NONE && t != DGK_DT_BOOL;
}

/* ---- shared rules --------------------------------------------------------------- */

static int wider_float(dgk_dtype x, dgk_dtype y, dgk_dtype *out)
{
    int bx = dgk_dtype_bits(x), by = dgk_dtype_bits(y);
    if (x == y || bx != by) {
        *out = bx >= by ? x : y;
        return 1;
    }
    if (x == DGK_DT_F32 || y == DGK_DT_F32) { /* f32 wins over tf32 */
        *out = DGK_DT_F32;
        return 1;
    }
    return 0;
}

static int wider_int(dgk_dtype x, dgk_dtype y, dgk_dtype *out)
{
    int bx = dgk_dtype_bits(x), by = dgk_dtype_bits(y);
    if (x == y || bx != by) {
        *out = bx >= by ? x : y;
        return 1;
    }
    return 0; /* i32 with u32 */
}

static int unify_weak(sema *s, dgk_loc loc, const dgk_type *w, const dgk_type *t, const char *what, dgk_dtype *out)
{
    if (t->dtype == DGK_DT_BOOL || (dgk_dtype_is_float(w->dtype) && !dgk_dtype_is_float(t->dtype))) {
        dgk_error(s->d, loc, "%s: a %s literal cannot combine with %s", what,
                  dgk_dtype_is_float(w->dtype) ? "float" : "integer", dgk_type_str(s->a, t));
        return 0;
    }
    *out = t->dtype;
    return 1;
}

int sema_unify(sema *s, dgk_loc loc, const dgk_type *x, const dgk_type *y, const char *what, dgk_dtype *out,
               int *weak)
{
    *weak = 0;
    if (x->weak && y->weak) {
        *weak = 1;
        if (dgk_dtype_is_float(x->dtype) || dgk_dtype_is_float(y->dtype))
            *out = DGK_DT_F32;
        else
            *out = x->dtype == DGK_DT_I64 || y->dtype == DGK_DT_I64 ? DGK_DT_I64 : DGK_DT_I32;
        return 1;
    }
    if (x->weak || y->weak)
        return x->weak ? unify_weak(s, loc, x, y, what, out) : unify_weak(s, loc, y, x, what, out);
    int fx = dgk_dtype_is_float(x->dtype), fy = dgk_dtype_is_float(y->dtype);
    int ok = x->dtype == y->dtype ? (*out = x->dtype, 1)
             : fx && fy          ? wider_float(x->dtype, y->dtype, out)
             : dgk_dtype_is_integer(x->dtype) && dgk_dtype_is_integer(y->dtype) ? wider_int(x->dtype, y->dtype, out)
                                                                                : 0;
    if (!ok)
        dgk_error(s->d, loc, "%s: cannot mix %s and %s; cast one operand, e.g. %s(x)", what, dgk_dtype_name(x->dtype),
                  dgk_dtype_name(y->dtype), dgk_dtype_name(fx ? x->dtype : y->dtype));
    return ok;
}

dgk_type *sema_broadcast(sema *s, dgk_loc loc, const dgk_type *x, const dgk_type *y, dgk_dtype dt, int weak,
                         const char *what)
{
    int64_t ext[2 * DGK_MAX_RANK];
    int rank, bad;
    if (!dgk_broadcast_shape(x, y, ext, &rank, &bad)) {
        int xi = x->rank - rank + bad, yi = y->rank - rank + bad;
        dgk_error(s->d, loc, "%s: shapes %s and %s do not broadcast (extents %lld and %lld at axis %d from the left "
                  "of the result)", what, dgk_type_str(s->a, x), dgk_type_str(s->a, y), (long long)x->ext[xi].value,
                  (long long)y->ext[yi].value, bad);
        return dgk_type_error();
    }
    if (rank > DGK_MAX_RANK)
        return dgk_type_error();
    dgk_type *t = dgk_type_tile(s->a, dt, rank, ext);
    if (!dgk_type_is_error(t))
        t->weak = weak && rank == 0;
    return t;
}

int sema_assignable(const dgk_type *from, dgk_dtype to)
{
    if (from->dtype == to)
        return 1;
    if (!from->weak)
        return 0;
    return dgk_dtype_is_float(from->dtype) ? dgk_dtype_is_float(to) : sema_is_numeric(to);
}

dgk_type *sema_value(sema *s, dgk_expr *e, const char *what)
{
    dgk_type *t = sema_expr(s, e);
    if (dgk_type_is_error(t) || t->kind == DGK_TYPE_VALUE)
        return t;
    if (t->kind == DGK_TYPE_TENSOR)
        dgk_error(s->d, e->loc, "tensor %s is used as a value in %s; load a tile or element of it, e.g. %s[...]",
                  dgk_expr_text(s->a, e), what, dgk_expr_text(s->a, e));
    else
        dgk_error(s->d, e->loc, "%s is a type, not a value (in %s)", dgk_expr_text(s->a, e), what);
    return dgk_type_error();
}

dgk_type *sema_scalar_int(sema *s, dgk_expr *e, const char *what)
{
    dgk_type *t = sema_value(s, e, what);
    if (dgk_type_is_error(t))
        return t;
    if (!dgk_type_is_scalar(t) || !dgk_dtype_is_integer(t->dtype)) {
        dgk_error(s->d, e->loc, "%s must be a scalar integer, not %s", what, dgk_type_str(s->a, t));
        return dgk_type_error();
    }
    return t;
}

/* Whether e names a compile-time parameter whose default already failed, or a shape
 * symbol: used to word (or skip) "not a compile-time value". */
static const dgk_sym *find_name(const dgk_expr *e, int (*pred)(const sema *, const dgk_sym *), const sema *s)
{
    if (!e)
        return NULL;
    switch (e->kind) {
    case DGK_EXPR_NAME: return e->u.name.sym && pred(s, e->u.name.sym) ? e->u.name.sym : NULL;
    case DGK_EXPR_UNARY: return find_name(e->u.unary.x, pred, s);
    case DGK_EXPR_BINARY: {
        const dgk_sym *y = find_name(e->u.binary.l, pred, s);
        return y ? y : find_name(e->u.binary.r, pred, s);
    }
    case DGK_EXPR_CALL:
        for (const dgk_expr *a = e->u.call.args; a; a = a->next)
            if (find_name(a, pred, s))
                return find_name(a, pred, s);
        return NULL;
    default: return NULL;
    }
}

static int is_bad_ctparam(const sema *s, const dgk_sym *y)
{
    return y->kind == DGK_SYM_CTPARAM && y->index >= 0 && s->info->ctparams[y->index].erroneous;
}

static int is_runtime_name(const sema *s, const dgk_sym *y)
{
    (void)s;
    return y->kind == DGK_SYM_SHAPE || y->kind == DGK_SYM_CTPARAM || y->kind == DGK_SYM_LOOPVAR ||
           y->kind == DGK_SYM_SCHEDVAR || y->kind == DGK_SYM_SCALAR || y->kind == DGK_SYM_VAR;
}

int sema_ct_int(sema *s, dgk_expr *e, const char *what, int64_t lo, int64_t *out)
{
    if (dgk_type_is_error(sema_scalar_int(s, e, what)))
        return 0;
    if (!sema_const_int(s, e, out)) {
        if (find_name(e, is_bad_ctparam, s))
            return 0;
        const dgk_sym *y = find_name(e, is_runtime_name, s);
        if (y)
            dgk_error(s->d, e->loc, "%s must be a compile-time integer; %s is a %s whose value is not known until "
                      "launch", what, y->name, dgk_sym_kind_name(y->kind));
        else
            dgk_error(s->d, e->loc, "%s must be a compile-time integer", what);
        return 0;
    }
    if (*out < lo) {
        if (e->kind == DGK_EXPR_INT || e->kind == DGK_EXPR_UNARY)
            dgk_error(s->d, e->loc, "%s must be at least %lld, not %lld", what, (long long)lo, (long long)*out);
        else
            dgk_error(s->d, e->loc, "%s must be at least %lld, not %lld (`%s`)", what, (long long)lo, (long long)*out,
                      dgk_expr_text(s->a, e));
        return 0;
    }
    return 1;
}

/* ---- leaves --------------------------------------------------------------------- */

/* A hint for a name used before its declaration in the kernel's signature. */
static const char *declared_later(sema *s, const char *id)
{
    for (const dgk_ctparam *c = s->k ? s->k->ctparams : NULL; c; c = c->next)
        if (strcmp(c->name.id, id) == 0)
            return " (it is a compile-time parameter declared later; a default may use only earlier ones)";
    for (const dgk_param *p = s->k ? s->k->params : NULL; p; p = p->next)
        if (strcmp(p->name.id, id) == 0)
            return " (it is a parameter declared later)";
    return "";
}

static dgk_type *name(sema *s, dgk_expr *e)
{
    dgk_sym *y = e->u.name.sym ? e->u.name.sym : sema_lookup(s, e->u.name.id);
    if (!y) {
        dgk_error(s->d, e->loc, "unknown name '%s'%s", e->u.name.id, declared_later(s, e->u.name.id));
        return dgk_type_error();
    }
    e->u.name.sym = y;
    if (y->kind != DGK_SYM_BUILTIN)
        return y->type ? y->type : dgk_type_error();
    if (dgk_builtin_info_of((dgk_builtin)y->index)->rule == DGK_BR_CONST)
        return dgk_type_weak(s->a, DGK_DT_F32);
    dgk_error(s->d, e->loc, "'%s' is a builtin function; call it: %s(...)", y->name, y->name);
    return dgk_type_error();
}

static dgk_type *literal(sema *s, dgk_expr *e)
{
    switch (e->kind) {
    case DGK_EXPR_INT: return dgk_type_weak(s->a, e->u.i.value > INT32_MAX ? DGK_DT_I64 : DGK_DT_I32);
    case DGK_EXPR_FLOAT: return dgk_type_weak(s->a, DGK_DT_F32);
    default: return dgk_type_scalar(s->a, DGK_DT_BOOL);
    }
}

/* ---- operators ------------------------------------------------------------------ */

static dgk_type *unary(sema *s, dgk_expr *e)
{
    dgk_op op = e->u.unary.op;
    dgk_type *t = sema_value(s, e->u.unary.x, "an operand");
    if (dgk_type_is_error(t))
        return t;
    int ok = op == DGK_OP_NOT ? t->dtype == DGK_DT_BOOL
             : op == DGK_OP_BNOT ? dgk_dtype_is_integer(t->dtype)
                                 : sema_is_numeric(t->dtype);
    if (!ok) {
        const char *want = op == DGK_OP_NOT ? "a bool" : op == DGK_OP_BNOT ? "an integer" : "a number";
        dgk_error(s->d, e->loc, "operand of unary %s must be %s, not %s", dgk_op_spelling(op), want,
                  dgk_type_str(s->a, t));
        return dgk_type_error();
    }
    return t;
}

static int operand_ok(op_class c, const dgk_type *t)
{
    switch (c) {
    case OC_ARITH: case OC_ORDER: return sema_is_numeric(t->dtype);
    case OC_MOD: case OC_BITS: return dgk_dtype_is_integer(t->dtype);
    case OC_LOGIC: return t->dtype == DGK_DT_BOOL;
    default: return 1;
    }
}

static const char *operand_want(op_class c)
{
    return c == OC_LOGIC ? "bools" : c == OC_MOD || c == OC_BITS ? "integers" : "numbers";
}

static int is_comparison(const dgk_expr *e)
{
    return e->kind == DGK_EXPR_BINARY && (classify(e->u.binary.op) == OC_ORDER || classify(e->u.binary.op) == OC_EQUAL);
}

static int check_operands(sema *s, dgk_expr *e, op_class c, const dgk_type *l, const dgk_type *r)
{
    const char *sp = dgk_op_spelling(e->u.binary.op);
    if (c == OC_EQUAL && (l->dtype == DGK_DT_BOOL) == (r->dtype == DGK_DT_BOOL))
        return 1;
    if (operand_ok(c, l) && operand_ok(c, r) && c != OC_EQUAL)
        return 1;
    const dgk_type *bad = operand_ok(c, l) && c != OC_EQUAL ? r : l;
    if (c == OC_ORDER && is_comparison(e->u.binary.l))
        dgk_error(s->d, e->loc, "comparisons do not chain: `%s` is a bool; write a < b && b < c",
                  dgk_expr_text(s->a, e->u.binary.l));
    else if (c == OC_EQUAL)
        dgk_error(s->d, e->loc, "operands of %s must both be numbers or both be bools, not %s and %s", sp,
                  dgk_type_str(s->a, l), dgk_type_str(s->a, r));
    else
        dgk_error(s->d, e->loc, "operands of %s must be %s; this one is %s", sp, operand_want(c),
                  dgk_type_str(s->a, bad));
    return 0;
}

static int zero_divisor(sema *s, dgk_expr *e, const dgk_type *r)
{
    int64_t v;
    dgk_op op = e->u.binary.op;
    if ((op != DGK_OP_DIV && op != DGK_OP_MOD) || !dgk_dtype_is_integer(r->dtype) || !sema_const_int(s, e->u.binary.r, &v)
        || v != 0)
        return 0;
    dgk_error(s->d, e->u.binary.r->loc, "division by zero");
    return 1;
}

static dgk_type *binary(sema *s, dgk_expr *e)
{
    dgk_op op = e->u.binary.op;
    op_class c = classify(op);
    dgk_type *l = sema_value(s, e->u.binary.l, "an operand");
    dgk_type *r = sema_value(s, e->u.binary.r, "an operand");
    if (dgk_type_is_error(l) || dgk_type_is_error(r) || c == OC_OTHER)
        return dgk_type_error();
    if (!check_operands(s, e, c, l, r) || zero_divisor(s, e, r))
        return dgk_type_error();
    dgk_dtype dt = DGK_DT_BOOL;
    int weak = 0;
    char what[32];
    snprintf(what, sizeof what, "operands of %s", dgk_op_spelling(op));
    if (c != OC_LOGIC && !(c == OC_EQUAL && l->dtype == DGK_DT_BOOL) && !sema_unify(s, e->loc, l, r, what, &dt, &weak))
        return dgk_type_error();
    if (c == OC_ORDER || c == OC_EQUAL || c == OC_LOGIC)
        dt = DGK_DT_BOOL, weak = 0;
    return sema_broadcast(s, e->loc, l, r, dt, weak, what);
}

static dgk_type *cond(sema *s, dgk_expr *e)
{
    dgk_type *c = sema_value(s, e->u.cond.c, "a condition");
    dgk_type *a = sema_value(s, e->u.cond.a, "a ?: branch");
    dgk_type *b = sema_value(s, e->u.cond.b, "a ?: branch");
    if (dgk_type_is_error(c) || dgk_type_is_error(a) || dgk_type_is_error(b))
        return dgk_type_error();
    if (!dgk_type_is_scalar(c) || c->dtype != DGK_DT_BOOL) {
        dgk_error(s->d, e->u.cond.c->loc, "the condition of ?: must be a scalar bool, not %s%s", dgk_type_str(s->a, c),
                  dgk_type_is_tile(c) ? " (for an elementwise choice use where(c, a, b))" : "");
        return dgk_type_error();
    }
    dgk_dtype dt;
    int weak;
    if (!sema_unify(s, e->loc, a, b, "branches of ?:", &dt, &weak))
        return dgk_type_error();
    return sema_broadcast(s, e->loc, a, b, dt, weak, "branches of ?:");
}

static dgk_type *dispatch(sema *s, dgk_expr *e)
{
    switch (e->kind) {
    case DGK_EXPR_INT: case DGK_EXPR_FLOAT: case DGK_EXPR_BOOL: return literal(s, e);
    case DGK_EXPR_NAME: return name(s, e);
    case DGK_EXPR_UNARY: return unary(s, e);
    case DGK_EXPR_BINARY: return binary(s, e);
    case DGK_EXPR_CALL: return sema_call(s, e);
    case DGK_EXPR_INDEX: return sema_index(s, e);
    case DGK_EXPR_TRANSPOSE: return sema_transpose(s, e);
    case DGK_EXPR_COND: return cond(s, e);
    default: return dgk_type_error();
    }
}

dgk_type *sema_expr(sema *s, dgk_expr *e)
{
    if (!e)
        return dgk_type_error();
    if (e->type) /* typed already (a shape symbol's first appearance, a retyped operand) */
        return e->type;
    if (s->expr_depth >= MAX_EXPR_DEPTH) {
        dgk_error(s->d, e->loc, "expression nested too deeply (more than %d levels)", MAX_EXPR_DEPTH);
        return e->type = dgk_type_error();
    }
    s->expr_depth++;
    dgk_type *t = dispatch(s, e);
    s->expr_depth--;
    e->type = t;
    return t;
}
