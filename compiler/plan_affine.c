/* plan_affine.c - reads an IR scalar index expression as an affine form
 *     c0 + sum(coord[i] * schedule variable i) + kvar * pipeline variable
 * so the planner can prove that a tile starts where the generated kernel will load it
 * (`i*BM`, `k*BK`). Anything else (a shape symbol, a product of two variables, a
 * division) makes the form not ok, and the planner reports that tile.
 * plan_affine_sym also takes one shape symbol, `+ sym * S` (two accumulators' row offset
 * `I + j*BN`, plan_dual.c). */
#include "plan_int.h"

#include <stdint.h>
#include <string.h>

static plan_aff fail(void)
{
    plan_aff f;
    memset(&f, 0, sizeof f);
    return f;
}

int plan_aff_is_const(const plan_aff *f)
{
    return f->ok && !f->kvar && !f->sym && !f->coord[0] && !f->coord[1] && !f->coord[2];
}

/* A term that overflows int64 makes the form not ok (a subscript that large is no tile
 * start and no index; wrapping would place it elsewhere, silently). */
static plan_aff scale(plan_aff f, int64_t c)
{
    int bad = __builtin_mul_overflow(f.c0, c, &f.c0) | __builtin_mul_overflow(f.kvar, c, &f.kvar) |
              __builtin_mul_overflow(f.sym, c, &f.sym);
    for (int i = 0; i < 3; i++)
        bad |= __builtin_mul_overflow(f.coord[i], c, &f.coord[i]);
    return bad ? fail() : f;
}

static int add_term(int64_t *x, int64_t y, int64_t sign)
{
    int64_t t;
    return __builtin_mul_overflow(sign, y, &t) || __builtin_add_overflow(*x, t, x);
}

/* x + sign * y; two different shape symbols make it not ok */
static plan_aff add(plan_aff x, plan_aff y, int64_t sign)
{
    if (!x.ok || !y.ok || (x.sym_name && y.sym_name && strcmp(x.sym_name, y.sym_name) != 0))
        return fail();
    int bad = add_term(&x.c0, y.c0, sign) | add_term(&x.kvar, y.kvar, sign) | add_term(&x.sym, y.sym, sign);
    for (int i = 0; i < 3; i++)
        bad |= add_term(&x.coord[i], y.coord[i], sign);
    if (!x.sym_name)
        x.sym_name = y.sym_name;
    return bad ? fail() : x;
}

plan_aff plan_aff_sub(plan_aff x, plan_aff y)
{
    return add(x, y, -1);
}

static plan_aff walk(const dgk_ir_kernel *k, int id, int syms);

static plan_aff binary(const dgk_ir_kernel *k, const dgk_ir_op *op, int syms)
{
    plan_aff l = walk(k, op->args[0], syms), r = walk(k, op->args[1], syms);
    if (!l.ok || !r.ok)
        return fail();
    switch (op->op) {
    case DGK_OP_ADD:
        return add(l, r, 1);
    case DGK_OP_SUB:
        return add(l, r, -1);
    case DGK_OP_MUL:
        if (plan_aff_is_const(&l))
            return scale(r, l.c0);
        if (plan_aff_is_const(&r))
            return scale(l, r.c0);
        return fail();
    case DGK_OP_DIV:
        /* constant folding only: (c0) / c */
        if (plan_aff_is_const(&l) && plan_aff_is_const(&r) && r.c0 != 0 && !(r.c0 == -1 && l.c0 == INT64_MIN)) {
            l.c0 /= r.c0;
            return l;
        }
        return fail();
    default:
        return fail();
    }
}

plan_aff plan_affine(const dgk_ir_kernel *k, int id)
{
    return walk(k, id, 0);
}

plan_aff plan_affine_sym(const dgk_ir_kernel *k, int id)
{
    return walk(k, id, 1);
}

/* `syms`: a shape symbol is a term (plan_affine_sym), else it fails the form */
static plan_aff walk(const dgk_ir_kernel *k, int id, int syms)
{
    plan_aff f = fail();
    if (id < 0 || id >= k->nops)
        return f;
    const dgk_ir_op *op = &k->ops[id];
    switch (op->opcode) {
    case DGK_IR_CONST:
        if (op->is_float)
            return f;
        f.ok = 1;
        f.c0 = op->imm;
        return f;
    case DGK_IR_TILE_COORD:
        if (op->axis < 0 || op->axis >= 3)
            return f;
        f.ok = 1;
        f.coord[op->axis] = 1;
        return f;
    case DGK_IR_LOOP_VAR:
        f.ok = 1;
        f.kvar = 1;
        return f;
    case DGK_IR_SHAPE:
        if (!syms || !op->name)
            return f;
        f.ok = 1;
        f.sym = 1;
        f.sym_name = op->name;
        return f;
    case DGK_IR_SCALAR:
        if (op->fn < 0 && op->nargs == 1 && (op->op == DGK_OP_NEG || op->op == DGK_OP_SUB))
            return scale(walk(k, op->args[0], syms), -1); /* unary minus */
        if (op->fn >= 0 || op->nargs != 2)
            return f;
        return binary(k, op, syms);
    default:
        return f;
    }
}

int plan_aff_single_coord(const plan_aff *f, int64_t coef)
{
    if (!f->ok || f->c0 || f->kvar)
        return -1;
    int found = -1;
    for (int i = 0; i < 3; i++) {
        if (!f->coord[i])
            continue;
        if (found >= 0 || f->coord[i] != coef)
            return -1;
        found = i;
    }
    return found;
}
