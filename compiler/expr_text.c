/* expr_text.c - renders an AST expression back as dgk source text for messages
 * (`K / 128`, `cdiv(N, BN)`, `SA[k, i * BM +: BM]`), with parentheses only where the
 * grammar's precedence needs them. Input: any expression from the parser; output: an
 * arena string. Used by types.c to print symbolic extents and by sema's messages. */
#include "types.h"

#include <stdio.h>
#include <string.h>

typedef struct buf {
    char s[1024];
    size_t n;
    int depth;
} buf;

enum { MAX_DEPTH = 64 };

static void put(buf *b, const char *s)
{
    size_t k = strlen(s);
    if (k > sizeof b->s - 1 - b->n)
        k = sizeof b->s - 1 - b->n;
    memcpy(b->s + b->n, s, k);
    b->n += k;
    b->s[b->n] = '\0';
}

/* Binding strength of a binary operator: higher binds tighter (SPEC.md section 2). */
static int prec(dgk_op op)
{
    switch (op) {
    case DGK_OP_LOR: return 1;
    case DGK_OP_LAND: return 2;
    case DGK_OP_BOR: return 3;
    case DGK_OP_BXOR: return 4;
    case DGK_OP_BAND: return 5;
    case DGK_OP_EQ: case DGK_OP_NE: return 6;
    case DGK_OP_LT: case DGK_OP_LE: case DGK_OP_GT: case DGK_OP_GE: return 7;
    case DGK_OP_SHL: case DGK_OP_SHR: return 8;
    case DGK_OP_ADD: case DGK_OP_SUB: return 9;
    default: return 10; /* * / % */
    }
}

enum { PREC_COND = 0, PREC_UNARY = 11, PREC_POSTFIX = 12 };

static int expr_prec(const dgk_expr *e)
{
    switch (e->kind) {
    case DGK_EXPR_COND: return PREC_COND;
    case DGK_EXPR_BINARY: return prec(e->u.binary.op);
    case DGK_EXPR_UNARY: return PREC_UNARY;
    default: return PREC_POSTFIX;
    }
}

static void emit(buf *b, const dgk_expr *e, int min_prec);

static void emit_list(buf *b, const dgk_expr *e)
{
    for (; e; e = e->next) {
        emit(b, e, PREC_COND);
        if (e->next)
            put(b, ", ");
    }
}

static void emit_subs(buf *b, const dgk_sub *s)
{
    for (; s; s = s->next) {
        switch (s->kind) {
        case DGK_SUB_POINT: emit(b, s->start, PREC_COND); break;
        case DGK_SUB_RANGE:
            emit(b, s->start, PREC_COND + 1);
            put(b, " +: ");
            emit(b, s->len, PREC_COND + 1);
            break;
        case DGK_SUB_ALL: put(b, ":"); break;
        case DGK_SUB_NEW: put(b, "new"); break;
        }
        if (s->next)
            put(b, ", ");
    }
}

static void emit_number(buf *b, const dgk_expr *e)
{
    char tmp[64];
    if (e->kind == DGK_EXPR_INT)
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)e->u.i.value);
    else
        snprintf(tmp, sizeof tmp, "%g", e->u.f.value);
    put(b, tmp);
}

static void emit_inner(buf *b, const dgk_expr *e)
{
    switch (e->kind) {
    case DGK_EXPR_INT: case DGK_EXPR_FLOAT: emit_number(b, e); break;
    case DGK_EXPR_BOOL: put(b, e->u.b.value ? "true" : "false"); break;
    case DGK_EXPR_NAME: put(b, e->u.name.id); break;
    case DGK_EXPR_UNARY:
        put(b, dgk_op_spelling(e->u.unary.op));
        emit(b, e->u.unary.x, PREC_UNARY);
        break;
    case DGK_EXPR_BINARY:
        emit(b, e->u.binary.l, prec(e->u.binary.op));
        put(b, " ");
        put(b, dgk_op_spelling(e->u.binary.op));
        put(b, " ");
        emit(b, e->u.binary.r, prec(e->u.binary.op) + 1);
        break;
    case DGK_EXPR_CALL:
        emit(b, e->u.call.callee, PREC_POSTFIX);
        put(b, "(");
        emit_list(b, e->u.call.args);
        put(b, ")");
        break;
    case DGK_EXPR_INDEX:
        emit(b, e->u.index.base, PREC_POSTFIX);
        put(b, "[");
        emit_subs(b, e->u.index.subs);
        put(b, "]");
        break;
    case DGK_EXPR_TRANSPOSE:
        emit(b, e->u.transpose.x, PREC_POSTFIX);
        put(b, "^T");
        break;
    case DGK_EXPR_COND:
        emit(b, e->u.cond.c, PREC_COND + 1);
        put(b, " ? ");
        emit(b, e->u.cond.a, PREC_COND);
        put(b, " : ");
        emit(b, e->u.cond.b, PREC_COND);
        break;
    default: put(b, "?"); break;
    }
}

static void emit(buf *b, const dgk_expr *e, int min_prec)
{
    if (!e) {
        put(b, "?");
        return;
    }
    if (b->depth >= MAX_DEPTH) {
        put(b, "...");
        return;
    }
    int paren = expr_prec(e) < min_prec;
    if (paren)
        put(b, "(");
    b->depth++;
    emit_inner(b, e);
    b->depth--;
    if (paren)
        put(b, ")");
}

const char *dgk_expr_text(dgk_arena *a, const dgk_expr *e)
{
    buf b = {.n = 0, .depth = 0};
    b.s[0] = '\0';
    emit(&b, e, PREC_COND);
    const char *s = dgk_arena_strdup(a, b.s);
    return s ? s : "?";
}
