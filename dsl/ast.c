/* ast.c - AST constructors and the printable names of ops and node kinds, all from
 * the X-macro tables in ast.h. Nodes come from the compilation's arena. */
#include "ast.h"

static const char *const op_spellings[] = {
#define X(id, s) s,
    DGK_OPS(X)
#undef X
};

static const char *const expr_kind_names[] = {
#define X(id, s) s,
    DGK_EXPR_KINDS(X)
#undef X
};

static const char *const stmt_kind_names[] = {
#define X(id, s) s,
    DGK_STMT_KINDS(X)
#undef X
};

static const char *const ct_kind_names[] = {
#define X(id, s) s,
    DGK_CT_KINDS(X)
#undef X
};

/* A name from a table, or "?" for a value outside it (a corrupt node). */
#define TABLE_NAME(table, i, count) ((unsigned)(i) < (unsigned)(count) ? (table)[i] : "?")

const char *dgk_op_spelling(dgk_op op)
{
    return TABLE_NAME(op_spellings, op, DGK_OP_COUNT);
}

const char *dgk_expr_kind_name(dgk_expr_kind k)
{
    return TABLE_NAME(expr_kind_names, k, DGK_EXPR_COUNT);
}

const char *dgk_stmt_kind_name(dgk_stmt_kind k)
{
    return TABLE_NAME(stmt_kind_names, k, DGK_STMT_COUNT);
}

const char *dgk_ct_kind_name(dgk_ct_kind k)
{
    return TABLE_NAME(ct_kind_names, k, DGK_CT_COUNT);
}

dgk_expr *dgk_expr_new(dgk_arena *a, dgk_expr_kind kind, dgk_loc loc)
{
    dgk_expr *e = DGK_NEW(a, dgk_expr);
    if (e) {
        e->kind = kind;
        e->loc = loc;
    }
    return e;
}

dgk_stmt *dgk_stmt_new(dgk_arena *a, dgk_stmt_kind kind, dgk_loc loc)
{
    dgk_stmt *s = DGK_NEW(a, dgk_stmt);
    if (s) {
        s->kind = kind;
        s->loc = loc;
    }
    return s;
}
