/* launch_check.c - checks the tensors of one launch against a kernel's declaration:
 * binds each shape symbol from the tensor axis that declared it, then evaluates every
 * declared extent (`cdiv(K, 128)`) and every `where` constraint with those values.
 * Runs on each launch, so it allocates nothing and formats text only on failure.
 * Input: a checked unit (sema info on each kernel). Output: DGKC_OK or DGKC_EUSER with
 * a message naming the parameter, the axis, and both numbers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "builtins.h"
#include "unit.h"

typedef struct env {
    const dgk_sema_kernel *info;
    int64_t shape[64];       /* value per shape symbol index */
    int overflow;            /* an evaluation overflowed or divided by zero */
} env;

static int64_t eval(env *e, const dgk_expr *x, int depth);

static int64_t eval_name(env *e, const dgk_expr *x)
{
    const dgk_sym *s = x->u.name.sym;
    if (!s)
        return e->overflow = 1, 0;
    if (s->kind == DGK_SYM_SHAPE)
        return e->shape[s->index];
    if (s->kind == DGK_SYM_CTPARAM) {
        const dgk_sema_ctparam *cp = &e->info->ctparams[s->index];
        return cp->value.known ? cp->value.i : (cp->shape >= 0 ? e->shape[cp->shape] : 0);
    }
    return e->overflow = 1, 0;
}

static int64_t arith(env *e, dgk_op op, int64_t a, int64_t b)
{
    int64_t r = 0;
    switch (op) {
    case DGK_OP_ADD: if (__builtin_add_overflow(a, b, &r)) e->overflow = 1; return r;
    case DGK_OP_SUB: if (__builtin_sub_overflow(a, b, &r)) e->overflow = 1; return r;
    case DGK_OP_MUL: if (__builtin_mul_overflow(a, b, &r)) e->overflow = 1; return r;
    case DGK_OP_DIV: return b ? a / b : (e->overflow = 1, 0);
    case DGK_OP_MOD: return b ? a % b : (e->overflow = 1, 0);
    case DGK_OP_EQ: return a == b;
    case DGK_OP_NE: return a != b;
    case DGK_OP_LT: return a < b;
    case DGK_OP_LE: return a <= b;
    case DGK_OP_GT: return a > b;
    case DGK_OP_GE: return a >= b;
    case DGK_OP_LAND: return a && b;
    case DGK_OP_LOR: return a || b;
    case DGK_OP_BAND: return a & b;
    case DGK_OP_BOR: return a | b;
    case DGK_OP_BXOR: return a ^ b;
    default: return e->overflow = 1, 0;
    }
}

static int64_t eval_call(env *e, const dgk_expr *x, int depth)
{
    const dgk_sym *f = x->u.call.callee->u.name.sym;
    const dgk_expr *a0 = x->u.call.args, *a1 = a0 ? a0->next : NULL;
    if (!f || f->kind != DGK_SYM_BUILTIN || !a0 || !a1)
        return e->overflow = 1, 0;
    int64_t a = eval(e, a0, depth + 1), b = eval(e, a1, depth + 1);
    switch ((dgk_builtin)f->index) {
    case DGK_BI_CDIV: return b > 0 && a >= 0 ? (a + b - 1) / b : (e->overflow = 1, 0);
    case DGK_BI_MIN: return a < b ? a : b;
    case DGK_BI_MAX: return a > b ? a : b;
    default: return e->overflow = 1, 0;
    }
}

static int64_t eval(env *e, const dgk_expr *x, int depth)
{
    if (depth > 64)
        return e->overflow = 1, 0;
    switch (x->kind) {
    case DGK_EXPR_INT: return (int64_t)x->u.i.value;
    case DGK_EXPR_BOOL: return x->u.b.value;
    case DGK_EXPR_NAME: return eval_name(e, x);
    case DGK_EXPR_UNARY:
        if (x->u.unary.op == DGK_OP_NEG)
            return -eval(e, x->u.unary.x, depth + 1);
        if (x->u.unary.op == DGK_OP_NOT)
            return !eval(e, x->u.unary.x, depth + 1);
        return e->overflow = 1, 0;
    case DGK_EXPR_BINARY:
        return arith(e, x->u.binary.op, eval(e, x->u.binary.l, depth + 1), eval(e, x->u.binary.r, depth + 1));
    case DGK_EXPR_CALL: return eval_call(e, x, depth);
    default: return e->overflow = 1, 0;
    }
}

static int fail(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && size)
        vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    return DGKC_EUSER;
}

/* Binds every shape symbol from the axis that declares it. */
static int bind_shapes(env *e, const int *ranks, const int64_t (*ext)[DGKC_MAX_RANK], char *msg, size_t size)
{
    const dgk_sema_kernel *info = e->info;
    for (int i = 0; i < info->nshapes && i < 64; i++) {
        const dgk_sema_shape *sh = &info->shapes[i];
        const dgk_sema_param *p = &info->params[sh->param];
        if (ranks[sh->param] < 0)
            return fail(msg, size, "%s: the tensor that gives %s its value is missing (NULL)", p->sym->name, sh->name);
        if (ranks[sh->param] != p->type->rank)
            return fail(msg, size, "%s: expected a rank-%d tensor, got rank %d", p->sym->name, p->type->rank, ranks[sh->param]);
        e->shape[i] = ext[sh->param][sh->axis];
        if (sh->specialized && e->shape[i] != sh->value)
            return fail(msg, size, "%s: extent %d is %lld, but the kernel was compiled for %s = %lld", p->sym->name, sh->axis,
                        (long long)e->shape[i], sh->name, (long long)sh->value);
    }
    return DGKC_OK;
}

static int check_tensor(env *e, int pi, const int *ranks, const int64_t (*ext)[DGKC_MAX_RANK], char *msg, size_t size)
{
    const dgk_sema_param *p = &e->info->params[pi];
    if (!p->is_tensor || ranks[pi] < 0)
        return DGKC_OK; /* absent: the kernel does not read it (the launcher checks) */
    if (ranks[pi] != p->type->rank)
        return fail(msg, size, "%s: expected a rank-%d tensor, got rank %d", p->sym->name, p->type->rank, ranks[pi]);
    for (int a = 0; a < p->type->rank; a++) {
        const dgk_extent *x = &p->type->ext[a];
        e->overflow = 0;
        int64_t want = x->known && !x->expr ? x->value : eval(e, x->expr, 0);
        if (e->overflow || want != ext[pi][a])
            return fail(msg, size, "%s: extent %d is %lld, but the declaration says %lld", p->sym->name, a,
                        (long long)ext[pi][a], (long long)want);
    }
    return DGKC_OK;
}

int dgkc_check_launch(const dgkc_unit *u, int kernel, const int *ranks, const int64_t (*extents)[DGKC_MAX_RANK],
                      char *msg, size_t size)
{
    const dgk_kernel *k = u && u->module ? u->module->kernels : NULL;
    for (int i = 0; k && i < kernel; i++)
        k = k->next;
    if (!k || !k->info || u->checked != DGKC_STAGE_OK)
        return fail(msg, size, "kernel %d of the unit is not checked", kernel);
    env e;
    memset(&e, 0, sizeof e);
    e.info = k->info;
    int rc = bind_shapes(&e, ranks, extents, msg, size);
    for (int p = 0; rc == DGKC_OK && p < e.info->nparams; p++)
        rc = check_tensor(&e, p, ranks, extents, msg, size);
    for (const dgk_expr *c = k->constraints; rc == DGKC_OK && c; c = c->next) {
        e.overflow = 0;
        if (!eval(&e, c, 0) || e.overflow)
            rc = fail(msg, size, "kernel %s: constraint at line %d does not hold for these shapes", k->name.id, c->loc.line);
    }
    return rc;
}
