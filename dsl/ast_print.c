/* ast_print.c - dgk_ast_print(): the AST as an indented tree, one node per line with
 * its kind, key fields and @line:col (dgkc --dump-ast, golden tests under
 * tests/golden/ast/). Deterministic: no pointers, floats in their shortest exact form.
 * Recursion follows the tree, whose depth the parser bounds (DGK_MAX_NESTING). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct printer {
    FILE *out;
    int indent;
} printer;

static void expr(printer *p, const dgk_expr *e);
static void stmts(printer *p, const dgk_stmt *s);

/* One line: indentation, the text, and " @line:col" when loc is given. */
static void line(printer *p, const dgk_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(printer *p, const dgk_loc *loc, const char *fmt, ...)
{
    va_list ap;
    fprintf(p->out, "%*s", 2 * p->indent, "");
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    if (loc)
        fprintf(p->out, " @%d:%d", loc->line, loc->col);
    fputc('\n', p->out);
}

/* The shortest %g form that reads back as the same double. */
static void format_float(double v, char *buf, size_t size)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* A labelled group of children: "label" on its own line, the children under it. */
static void group(printer *p, const char *label, const dgk_expr *list)
{
    if (!list)
        return;
    line(p, NULL, "%s", label);
    p->indent++;
    for (const dgk_expr *e = list; e; e = e->next)
        expr(p, e);
    p->indent--;
}

static void sub(printer *p, const dgk_sub *s)
{
    static const char *const names[] = {"point", "range", "all", "new"};
    line(p, &s->loc, "sub %s", names[s->kind]);
    p->indent++;
    if (s->start)
        expr(p, s->start);
    if (s->len)
        expr(p, s->len);
    p->indent--;
}

/* The first line of an expression: kind and key field. */
static void expr_head(printer *p, const dgk_expr *e)
{
    const char *kind = dgk_expr_kind_name(e->kind);
    char num[64];
    switch (e->kind) {
    case DGK_EXPR_INT: line(p, &e->loc, "%s %llu", kind, (unsigned long long)e->u.i.value); break;
    case DGK_EXPR_FLOAT: format_float(e->u.f.value, num, sizeof num); line(p, &e->loc, "%s %s", kind, num); break;
    case DGK_EXPR_BOOL: line(p, &e->loc, "%s %s", kind, e->u.b.value ? "true" : "false"); break;
    case DGK_EXPR_NAME: line(p, &e->loc, "%s %s", kind, e->u.name.id); break;
    case DGK_EXPR_UNARY: line(p, &e->loc, "%s %s", kind, dgk_op_spelling(e->u.unary.op)); break;
    case DGK_EXPR_BINARY: line(p, &e->loc, "%s %s", kind, dgk_op_spelling(e->u.binary.op)); break;
    case DGK_EXPR_CALL:
        line(p, &e->loc, "%s %s", kind, e->u.call.callee ? e->u.call.callee->u.name.id : "?");
        break;
    default: line(p, &e->loc, "%s", kind); break;
    }
}

static void expr(printer *p, const dgk_expr *e)
{
    expr_head(p, e);
    p->indent++;
    switch (e->kind) {
    case DGK_EXPR_UNARY: expr(p, e->u.unary.x); break;
    case DGK_EXPR_BINARY: expr(p, e->u.binary.l); expr(p, e->u.binary.r); break;
    case DGK_EXPR_CALL:
        for (const dgk_expr *a = e->u.call.args; a; a = a->next)
            expr(p, a);
        break;
    case DGK_EXPR_INDEX:
        expr(p, e->u.index.base);
        for (const dgk_sub *s = e->u.index.subs; s; s = s->next)
            sub(p, s);
        break;
    case DGK_EXPR_TRANSPOSE: expr(p, e->u.transpose.x); break;
    case DGK_EXPR_COND: expr(p, e->u.cond.c); expr(p, e->u.cond.a); expr(p, e->u.cond.b); break;
    default: break;
    }
    p->indent--;
}

/* A labelled single child (not a list: its `next` is not followed). */
static void one(printer *p, const char *label, const dgk_expr *e)
{
    if (!e)
        return;
    line(p, NULL, "%s", label);
    p->indent++;
    expr(p, e);
    p->indent--;
}

static void block(printer *p, const char *label, const dgk_stmt *body)
{
    line(p, NULL, "%s", label);
    p->indent++;
    stmts(p, body);
    p->indent--;
}

static void schedule(printer *p, const dgk_stmt *s)
{
    group(p, "extents", s->u.schedule.extents);
    for (const dgk_sched_mod *m = s->u.schedule.mods; m; m = m->next) {
        line(p, &m->name.loc, "mod %s", m->name.id);
        p->indent++;
        expr(p, m->value);
        p->indent--;
    }
    for (const dgk_ident *v = s->u.schedule.vars; v; v = v->next)
        line(p, &v->loc, "bind %s", v->id);
}

static void loop(printer *p, const dgk_stmt *s)
{
    one(p, "lo", s->u.loop.lo);
    one(p, "hi", s->u.loop.hi);
    one(p, "stages", s->u.loop.stages);
    block(p, "body", s->u.loop.body);
}

static void stmt_head(printer *p, const dgk_stmt *s)
{
    const char *kind = dgk_stmt_kind_name(s->kind);
    switch (s->kind) {
    case DGK_STMT_VAR:
    case DGK_STMT_LET: line(p, &s->loc, "%s %s", kind, s->u.var.name.id); break;
    case DGK_STMT_ASSIGN: line(p, &s->loc, "%s %s", kind, dgk_op_spelling(s->u.assign.op)); break;
    case DGK_STMT_SCHEDULE: line(p, &s->loc, "%s %s", kind, s->u.schedule.kind.id); break;
    case DGK_STMT_PIPELINE:
    case DGK_STMT_FOR: line(p, &s->loc, "%s %s", kind, s->u.loop.var.id); break;
    default: line(p, &s->loc, "%s", kind); break;
    }
}

static void stmt(printer *p, const dgk_stmt *s)
{
    stmt_head(p, s);
    p->indent++;
    switch (s->kind) {
    case DGK_STMT_VAR:
    case DGK_STMT_LET: expr(p, s->u.var.value); break;
    case DGK_STMT_ASSIGN: expr(p, s->u.assign.target); expr(p, s->u.assign.value); break;
    case DGK_STMT_SCHEDULE: schedule(p, s); break;
    case DGK_STMT_PIPELINE:
    case DGK_STMT_FOR: loop(p, s); break;
    case DGK_STMT_IF:
        expr(p, s->u.if_.cond);
        block(p, "then", s->u.if_.then_body);
        if (s->u.if_.else_body)
            block(p, "else", s->u.if_.else_body);
        break;
    case DGK_STMT_EXPR: expr(p, s->u.expr.e); break;
    default: break;
    }
    p->indent--;
}

static void stmts(printer *p, const dgk_stmt *s)
{
    for (; s; s = s->next)
        stmt(p, s);
}

static void ctparam(printer *p, const dgk_ctparam *c)
{
    line(p, &c->name.loc, "ctparam %s %s%s", c->name.id, dgk_ct_kind_name(c->kind), c->kind_given ? "" : " (implied)");
    p->indent++;
    if (c->deflt)
        expr(p, c->deflt);
    p->indent--;
}

static void param(printer *p, const dgk_param *pa)
{
    line(p, &pa->name.loc, "param %s rank %d", pa->name.id, pa->rank);
    p->indent++;
    expr(p, pa->elem);
    group(p, "dims", pa->dims);
    for (const dgk_attr *a = pa->attrs; a; a = a->next) {
        line(p, &a->name.loc, "attr %s", a->name.id);
        p->indent++;
        for (const dgk_expr *e = a->args; e; e = e->next)
            expr(p, e);
        p->indent--;
    }
    p->indent--;
}

static void kernel(printer *p, const dgk_kernel *k)
{
    line(p, &k->loc, "kernel %s", k->name.id);
    p->indent++;
    for (const dgk_ctparam *c = k->ctparams; c; c = c->next)
        ctparam(p, c);
    for (const dgk_param *pa = k->params; pa; pa = pa->next)
        param(p, pa);
    group(p, "where", k->constraints);
    block(p, "body", k->body);
    p->indent--;
}

void dgk_ast_print(const dgk_module *m, FILE *out)
{
    printer p = {out, 0};
    line(&p, NULL, "module");
    p.indent++;
    for (const dgk_kernel *k = m ? m->kernels : NULL; k; k = k->next)
        kernel(&p, k);
}
