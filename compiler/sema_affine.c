/* sema_affine.c - index expressions as affine forms: sum(coef * atom) + constant.
 * Sema uses them to prove two expressions equal where the rules need it: a scale
 * tensor's extent against cdiv(rows, block) of the tensor it scales, and a scale
 * slice's start against the mma operand's start divided by the block size
 * (`SB[j*BN / 128, k]` beside `B[j*BN +: BN, k*128 +: 128]`). Atoms are runtime names
 * (loop, schedule and shape symbols), floor/ceil quotients of a form by a constant,
 * and any other subexpression compared structurally. Compile-time names fold to
 * numbers first, so -D values take part. Anything the forms cannot show equal is
 * treated as different: the rules err on the side of a message. */
#include "sema_int.h"

#include <string.h>

enum { MAX_TERMS = 8, MAX_DEPTH = 64 };

typedef enum atom_kind { A_SYM, A_FLOOR, A_CEIL, A_OPAQUE } atom_kind;

typedef struct atom {
    atom_kind kind;
    const dgk_sym *sym;
    const sema_aff *inner;
    int64_t d;
    const dgk_expr *expr;
} atom;

typedef struct term {
    int64_t coef;
    const atom *at;
} term;

struct sema_aff {
    int ok;
    int n;
    int64_t c;
    term t[MAX_TERMS];
};

static sema_aff *fresh(sema *s)
{
    sema_aff *f = DGK_NEW(s->a, sema_aff);
    return f;
}

sema_aff *sema_aff_const(sema *s, int64_t c)
{
    sema_aff *f = fresh(s);
    if (f) {
        f->ok = 1;
        f->c = c;
    }
    return f;
}

static int atom_equal(const atom *x, const atom *y)
{
    if (x->kind != y->kind)
        return 0;
    switch (x->kind) {
    case A_SYM: return x->sym == y->sym;
    case A_FLOOR: case A_CEIL: return x->d == y->d && sema_aff_equal(x->inner, y->inner);
    default: return dgk_extent_expr_equal(x->expr, y->expr);
    }
}

/* Adds k * at to f, merging like atoms; f->ok drops when the form grows too large. */
static void add_term(sema_aff *f, int64_t k, const atom *at)
{
    for (int i = 0; i < f->n; i++)
        if (atom_equal(f->t[i].at, at)) {
            if (__builtin_add_overflow(f->t[i].coef, k, &f->t[i].coef))
                f->ok = 0;
            if (f->t[i].coef == 0)
                f->t[i] = f->t[--f->n];
            return;
        }
    if (k == 0)
        return;
    if (f->n == MAX_TERMS) {
        f->ok = 0;
        return;
    }
    f->t[f->n].coef = k;
    f->t[f->n].at = at;
    f->n++;
}

/* x + k * y, a new form. */
static sema_aff *combine(sema *s, const sema_aff *x, int64_t k, const sema_aff *y)
{
    sema_aff *f = fresh(s);
    if (!f || !x || !y)
        return f;
    *f = *x;
    f->ok = x->ok && y->ok;
    int64_t prod;
    if (__builtin_mul_overflow(k, y->c, &prod) || __builtin_add_overflow(f->c, prod, &f->c))
        f->ok = 0;
    for (int i = 0; i < y->n; i++) {
        if (__builtin_mul_overflow(k, y->t[i].coef, &prod))
            f->ok = 0;
        add_term(f, prod, y->t[i].at);
    }
    return f;
}

static sema_aff *of_atom(sema *s, atom *at)
{
    sema_aff *f = sema_aff_const(s, 0);
    if (!f || !at)
        return f ? (f->ok = 0, f) : NULL;
    add_term(f, 1, at);
    return f;
}

/* A form that equals nothing, for what cannot be represented. */
static sema_aff *fail(sema *s)
{
    sema_aff *f = fresh(s);
    return f;
}

static sema_aff *opaque(sema *s, const dgk_expr *e)
{
    if (!e)
        return fail(s);
    atom *at = DGK_NEW(s->a, atom);
    if (at) {
        at->kind = A_OPAQUE;
        at->expr = e;
    }
    return of_atom(s, at);
}

int sema_aff_is_const(const sema_aff *x, int64_t *c)
{
    if (!x || !x->ok || x->n)
        return 0;
    *c = x->c;
    return 1;
}

int sema_aff_multiple_of(const sema_aff *x, int64_t d)
{
    if (!x || !x->ok || d == 0)
        return 0;
    if (x->c % d)
        return 0;
    for (int i = 0; i < x->n; i++)
        if (x->t[i].coef % d)
            return 0;
    return 1;
}

static int64_t gcd(int64_t a, int64_t b)
{
    if (a < 0)
        a = -a;
    if (b < 0)
        b = -b;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* floor(x / d) (ceil when up): exact when every coefficient divides; otherwise the
 * form and d are reduced by their common factor and kept as one atom, so
 * (j*64) / 128 and j / 2 meet as the same atom. */
static sema_aff *divide(sema *s, const sema_aff *x, int64_t d, int up)
{
    if (!x || !x->ok || d <= 0)
        return fail(s);
    int64_t c;
    if (sema_aff_is_const(x, &c))
        return sema_aff_const(s, up ? c / d + (c % d > 0) : c / d);
    int terms_divide = 1;
    for (int i = 0; i < x->n; i++)
        terms_divide &= x->t[i].coef % d == 0;
    if (terms_divide && x->c >= 0) {
        sema_aff *f = combine(s, sema_aff_const(s, 0), 1, x);
        if (!f)
            return NULL;
        for (int i = 0; i < f->n; i++)
            f->t[i].coef /= d;
        f->c = up ? x->c / d + (x->c % d > 0) : x->c / d;
        return f;
    }
    int64_t g = gcd(d, x->c);
    for (int i = 0; i < x->n; i++)
        g = gcd(g, x->t[i].coef);
    sema_aff *inner = combine(s, sema_aff_const(s, 0), 1, x);
    atom *at = DGK_NEW(s->a, atom);
    if (!inner || !at)
        return NULL;
    for (int i = 0; i < inner->n; i++)
        inner->t[i].coef /= g;
    inner->c /= g;
    at->kind = up ? A_CEIL : A_FLOOR;
    at->inner = inner;
    at->d = d / g;
    return at->d == 1 ? inner : of_atom(s, at);
}

sema_aff *sema_aff_floordiv(sema *s, const sema_aff *x, int64_t d)
{
    return divide(s, x, d, 0);
}

sema_aff *sema_aff_ceildiv(sema *s, const sema_aff *x, int64_t d)
{
    return divide(s, x, d, 1);
}

static sema_aff *aff(sema *s, const dgk_expr *e, int depth);

static sema_aff *aff_name(sema *s, const dgk_expr *e, int depth)
{
    dgk_sym *y = sema_name_sym(e);
    if (!y)
        return opaque(s, e);
    if (y->kind == DGK_SYM_LET && y->init)
        return aff(s, y->init, depth + 1);
    atom *at = DGK_NEW(s->a, atom);
    if (at) {
        at->kind = A_SYM;
        at->sym = y;
    }
    return of_atom(s, at);
}

static sema_aff *aff_binary(sema *s, const dgk_expr *e, int depth)
{
    sema_aff *l = aff(s, e->u.binary.l, depth + 1), *r = aff(s, e->u.binary.r, depth + 1);
    int64_t c;
    switch (e->u.binary.op) {
    case DGK_OP_ADD: return combine(s, l, 1, r);
    case DGK_OP_SUB: return combine(s, l, -1, r);
    case DGK_OP_MUL:
        if (sema_aff_is_const(r, &c))
            return combine(s, sema_aff_const(s, 0), c, l);
        if (sema_aff_is_const(l, &c))
            return combine(s, sema_aff_const(s, 0), c, r);
        return opaque(s, e);
    case DGK_OP_DIV:
        return sema_aff_is_const(r, &c) && c > 0 ? sema_aff_floordiv(s, l, c) : opaque(s, e);
    default: return opaque(s, e);
    }
}

static sema_aff *aff_call(sema *s, const dgk_expr *e, int depth)
{
    dgk_sym *f = sema_name_sym(e->u.call.callee);
    int64_t c;
    if (f && f->kind == DGK_SYM_BUILTIN && f->index == DGK_BI_CDIV && e->u.call.nargs == 2) {
        sema_aff *d = aff(s, e->u.call.args->next, depth + 1);
        if (sema_aff_is_const(d, &c) && c > 0)
            return sema_aff_ceildiv(s, aff(s, e->u.call.args, depth + 1), c);
    }
    return opaque(s, e);
}

static sema_aff *aff(sema *s, const dgk_expr *e, int depth)
{
    int64_t c;
    if (!e || depth > MAX_DEPTH)
        return opaque(s, e);
    if (sema_const_int(s, e, &c))
        return sema_aff_const(s, c);
    switch (e->kind) {
    case DGK_EXPR_NAME: return aff_name(s, e, depth);
    case DGK_EXPR_UNARY:
        if (e->u.unary.op == DGK_OP_NEG)
            return combine(s, sema_aff_const(s, 0), -1, aff(s, e->u.unary.x, depth + 1));
        return opaque(s, e);
    case DGK_EXPR_BINARY: return aff_binary(s, e, depth);
    case DGK_EXPR_CALL: return aff_call(s, e, depth);
    default: return opaque(s, e);
    }
}

sema_aff *sema_aff_of(sema *s, const dgk_expr *e)
{
    return aff(s, e, 0);
}

int sema_aff_equal(const sema_aff *x, const sema_aff *y)
{
    if (!x || !y || !x->ok || !y->ok || x->n != y->n || x->c != y->c)
        return 0;
    for (int i = 0; i < x->n; i++) {
        int found = 0;
        for (int j = 0; j < y->n && !found; j++)
            found = x->t[i].coef == y->t[j].coef && atom_equal(x->t[i].at, y->t[j].at);
        if (!found)
            return 0;
    }
    return 1;
}
