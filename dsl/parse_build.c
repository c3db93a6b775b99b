/* parse_build.c - the actions of the Lemon grammar (parser.y): build AST nodes from
 * tokens and subtrees, keep the tree depth below DGK_MAX_NESTING, and report the few
 * errors that are easier to state here than in the grammar (a callee that is not a
 * name, an assignment to something that is not assignable, an unknown parameter
 * kind). Nodes come from the arena; each carries the location of its first token. */
#include <string.h>

#include "dtype.h"
#include "parser.h"
#include "parse_state.h"

/* Zeroed memory from the arena. Out of memory stops the parse; the caller still gets
 * a writable object (the parse state's scratch space, thrown away with the failed
 * parse) so the grammar's actions need no NULL checks. */
static void *alloc(dgk_pstate *ps, size_t size)
{
    _Static_assert(sizeof(dgk_stmt) <= sizeof ps->scratch && sizeof(dgk_kernel) <= sizeof ps->scratch &&
                       sizeof(dgk_param) <= sizeof ps->scratch && sizeof(dgk_expr) <= sizeof ps->scratch,
                   "scratch must hold any AST node");
    void *p = dgk_arena_alloc(ps->arena, size);
    if (p)
        return p;
    if (!ps->fatal)
        dgk_error(ps->diags, ps->tok.loc, "out of memory while parsing");
    ps->fatal = 1;
    memset(ps->scratch, 0, sizeof ps->scratch);
    return ps->scratch;
}

static dgk_expr *expr_node(dgk_pstate *ps, dgk_expr_kind kind, dgk_loc loc)
{
    dgk_expr *e = alloc(ps, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

static dgk_stmt *stmt_node(dgk_pstate *ps, dgk_stmt_kind kind, dgk_loc loc)
{
    dgk_stmt *s = alloc(ps, sizeof *s);
    s->kind = kind;
    s->loc = loc;
    return s;
}

/* The depth of a new node over children of depth d, refused past the limit. */
static int deeper(dgk_pstate *ps, int d, const dgk_token *at)
{
    if (d + 1 > DGK_MAX_NESTING && !ps->fatal) {
        dgk_error(ps->diags, at->loc, "expression nested too deeply (more than %d levels)", DGK_MAX_NESTING);
        ps->fatal = 1;
    }
    return d + 1;
}

static int max2(int a, int b)
{
    return a > b ? a : b;
}

dgk_ident dgk_pb_ident(dgk_pstate *ps, const dgk_token *t)
{
    dgk_ident id;
    memset(&id, 0, sizeof id);
    id.id = t->v.id ? t->v.id : "";
    id.loc = t->loc;
    (void)ps;
    return id;
}

dgk_xp dgk_pb_leaf(dgk_pstate *ps, dgk_expr_kind kind, const dgk_token *t)
{
    dgk_xp x = {expr_node(ps, kind, t->loc), 1};
    if (kind == DGK_EXPR_INT)
        x.e->u.i.value = t->v.i;
    else if (kind == DGK_EXPR_FLOAT)
        x.e->u.f.value = t->v.f;
    else if (kind == DGK_EXPR_BOOL)
        x.e->u.b.value = t->kind == TK_TRUE;
    else if (t->kind == TK_IDENT)
        x.e->u.name.id = t->v.id ? t->v.id : "";
    else /* a keyword used as a name: `where` of where(c, a, b) */
        x.e->u.name.id = dgk_arena_strndup(ps->arena, t->text, (size_t)t->len);
    return x;
}

dgk_xp dgk_pb_unary(dgk_pstate *ps, dgk_op op, const dgk_token *optok, dgk_xp x)
{
    dgk_xp r = {expr_node(ps, DGK_EXPR_UNARY, optok->loc), deeper(ps, x.depth, optok)};
    r.e->u.unary.op = op;
    r.e->u.unary.x = x.e;
    return r;
}

dgk_xp dgk_pb_binary(dgk_pstate *ps, dgk_op op, const dgk_token *optok, dgk_xp l, dgk_xp r)
{
    dgk_xp b = {expr_node(ps, DGK_EXPR_BINARY, l.e->loc), deeper(ps, max2(l.depth, r.depth), optok)};
    b.e->u.binary.op = op;
    b.e->u.binary.l = l.e;
    b.e->u.binary.r = r.e;
    return b;
}

dgk_xp dgk_pb_cond(dgk_pstate *ps, const dgk_token *optok, dgk_xp c, dgk_xp a, dgk_xp b)
{
    dgk_xp x = {expr_node(ps, DGK_EXPR_COND, c.e->loc),
                deeper(ps, max2(c.depth, max2(a.depth, b.depth)), optok)};
    x.e->u.cond.c = c.e;
    x.e->u.cond.a = a.e;
    x.e->u.cond.b = b.e;
    return x;
}

/* A callee must be a plain name: builtins and dtype casts are the only callables. */
dgk_xp dgk_pb_call(dgk_pstate *ps, const dgk_token *lparen, dgk_xp callee, dgk_xlist args)
{
    if (callee.e->kind != DGK_EXPR_NAME) {
        dgk_error(ps->diags, callee.e->loc,
                  "only a name can be called (a builtin like mma(a, b) or a cast like bf16(x)), "
                  "not a %s expression", dgk_expr_kind_name(callee.e->kind));
        return callee;
    }
    dgk_xp x = {expr_node(ps, DGK_EXPR_CALL, callee.e->loc), deeper(ps, max2(callee.depth, args.depth), lparen)};
    x.e->u.call.callee = callee.e;
    x.e->u.call.args = args.head;
    x.e->u.call.nargs = args.n;
    return x;
}

dgk_xp dgk_pb_index(dgk_pstate *ps, const dgk_token *lbracket, dgk_xp base, dgk_sublist subs)
{
    dgk_xp x = {expr_node(ps, DGK_EXPR_INDEX, base.e->loc), deeper(ps, max2(base.depth, subs.depth), lbracket)};
    x.e->u.index.base = base.e;
    x.e->u.index.subs = subs.head;
    x.e->u.index.nsubs = subs.n;
    return x;
}

dgk_xp dgk_pb_transpose(dgk_pstate *ps, const dgk_token *optok, dgk_xp x)
{
    dgk_xp t = {expr_node(ps, DGK_EXPR_TRANSPOSE, x.e->loc), deeper(ps, x.depth, optok)};
    t.e->u.transpose.x = x.e;
    return t;
}

dgk_subx dgk_pb_sub(dgk_pstate *ps, dgk_sub_kind kind, dgk_loc loc, dgk_xp start, dgk_xp len)
{
    dgk_subx s = {alloc(ps, sizeof(dgk_sub)), max2(start.depth, len.depth)};
    s.s->kind = kind;
    s.s->loc = loc;
    s.s->start = start.e;
    s.s->len = len.e;
    return s;
}

dgk_sublist dgk_pb_subs(dgk_sublist l, dgk_subx s)
{
    if (l.tail)
        l.tail->next = s.s;
    else
        l.head = s.s;
    l.tail = s.s;
    l.n++;
    l.depth = max2(l.depth, s.depth);
    return l;
}

dgk_xlist dgk_pb_exprs(dgk_xlist l, dgk_xp x)
{
    if (l.tail)
        l.tail->next = x.e;
    else
        l.head = x.e;
    l.tail = x.e;
    l.n++;
    l.depth = max2(l.depth, x.depth);
    return l;
}

/* ------------------------------------------------------------------ statements */

dgk_stmt *dgk_pb_var(dgk_pstate *ps, dgk_stmt_kind kind, const dgk_token *kw, const dgk_token *name, dgk_xp value)
{
    dgk_stmt *s = stmt_node(ps, kind, kw->loc);
    s->u.var.name = dgk_pb_ident(ps, name);
    s->u.var.value = value.e;
    return s;
}

/* Only a local's name or a subscripted tensor can be assigned to. */
dgk_stmt *dgk_pb_assign(dgk_pstate *ps, dgk_xp target, dgk_op op, const dgk_token *optok, dgk_xp value)
{
    dgk_expr_kind k = target.e->kind;
    if (k != DGK_EXPR_NAME && k != DGK_EXPR_INDEX)
        dgk_error(ps->diags, target.e->loc,
                  "cannot assign to a %s expression: the left side of '%s' must be a variable "
                  "or a tensor slice like D[i, j]", dgk_expr_kind_name(k), dgk_op_spelling(op));
    (void)optok;
    dgk_stmt *s = stmt_node(ps, DGK_STMT_ASSIGN, target.e->loc);
    s->u.assign.target = target.e;
    s->u.assign.op = op;
    s->u.assign.value = value.e;
    return s;
}

dgk_stmt *dgk_pb_schedule(dgk_pstate *ps, const dgk_token *kw, const dgk_token *kind, dgk_xlist extents,
                          dgk_mlist mods, dgk_ilist vars)
{
    dgk_stmt *s = stmt_node(ps, DGK_STMT_SCHEDULE, kw->loc);
    s->u.schedule.kind = dgk_pb_ident(ps, kind);
    s->u.schedule.extents = extents.head;
    s->u.schedule.nextents = extents.n;
    s->u.schedule.mods = mods.head;
    s->u.schedule.vars = vars.head;
    s->u.schedule.nvars = vars.n;
    return s;
}

dgk_stmt *dgk_pb_loop(dgk_pstate *ps, dgk_stmt_kind kind, const dgk_token *kw, const dgk_token *var,
                      dgk_xp lo, dgk_xp hi, dgk_xp stages, dgk_slist body)
{
    dgk_stmt *s = stmt_node(ps, kind, kw->loc);
    s->u.loop.var = dgk_pb_ident(ps, var);
    s->u.loop.lo = lo.e;
    s->u.loop.hi = hi.e;
    s->u.loop.stages = stages.e;
    s->u.loop.body = body.head;
    return s;
}

dgk_stmt *dgk_pb_if(dgk_pstate *ps, const dgk_token *kw, dgk_xp cond, dgk_slist then_body, dgk_slist else_body)
{
    dgk_stmt *s = stmt_node(ps, DGK_STMT_IF, kw->loc);
    s->u.if_.cond = cond.e;
    s->u.if_.then_body = then_body.head;
    s->u.if_.else_body = else_body.head;
    return s;
}

/* RETURN (e unused) and EXPR statements. */
dgk_stmt *dgk_pb_simple(dgk_pstate *ps, dgk_stmt_kind kind, dgk_loc loc, dgk_xp e)
{
    dgk_stmt *s = stmt_node(ps, kind, loc);
    s->u.expr.e = e.e;
    return s;
}

/* A statement skipped by error recovery is NULL and is left out. */
dgk_slist dgk_pb_stmts(dgk_slist l, dgk_stmt *s)
{
    if (!s)
        return l;
    if (l.tail)
        l.tail->next = s;
    else
        l.head = s;
    l.tail = s;
    return l;
}

dgk_ilist dgk_pb_idents(dgk_pstate *ps, dgk_ilist l, const dgk_token *t)
{
    dgk_ident *id = alloc(ps, sizeof *id);
    *id = dgk_pb_ident(ps, t);
    if (l.tail)
        l.tail->next = id;
    else
        l.head = id;
    l.tail = id;
    l.n++;
    return l;
}

dgk_mlist dgk_pb_mods(dgk_pstate *ps, dgk_mlist l, const dgk_token *name, dgk_xp value)
{
    dgk_sched_mod *m = alloc(ps, sizeof *m);
    m->name = dgk_pb_ident(ps, name);
    m->value = value.e;
    if (l.tail)
        l.tail->next = m;
    else
        l.head = m;
    l.tail = m;
    return l;
}

/* ------------------------------------------------------------------ kernels */

/* `: int`, `: bool`, `: dtype` after a compile-time parameter's name. */
dgk_ctkind dgk_pb_ctkind(dgk_pstate *ps, const dgk_token *t)
{
    dgk_ctkind k = {1, DGK_CT_INT};
    for (int i = 0; i < DGK_CT_COUNT; i++)
        if (strcmp(t->v.id, dgk_ct_kind_name((dgk_ct_kind)i)) == 0) {
            k.kind = (dgk_ct_kind)i;
            return k;
        }
    dgk_error(ps->diags, t->loc, "unknown compile-time parameter kind '%s' (expected int, bool or dtype)", t->v.id);
    return k;
}

/* Without `: kind`, the default decides: true/false -> bool, a dtype name -> dtype,
 * anything else (or no default) -> int (SPEC section 4). */
static dgk_ct_kind kind_from_default(const dgk_expr *d)
{
    if (d && d->kind == DGK_EXPR_BOOL)
        return DGK_CT_BOOL;
    if (d && d->kind == DGK_EXPR_NAME && dgk_dtype_lookup(d->u.name.id, strlen(d->u.name.id)) != DGK_DT_NONE)
        return DGK_CT_DTYPE;
    return DGK_CT_INT;
}

dgk_ctparam *dgk_pb_ctparam(dgk_pstate *ps, const dgk_token *name, dgk_ctkind kind, dgk_xp deflt)
{
    dgk_ctparam *c = alloc(ps, sizeof *c);
    c->name = dgk_pb_ident(ps, name);
    c->kind_given = kind.given;
    c->kind = kind.given ? kind.kind : kind_from_default(deflt.e);
    c->deflt = deflt.e;
    return c;
}

dgk_clist dgk_pb_ctparams(dgk_clist l, dgk_ctparam *c)
{
    if (l.tail)
        l.tail->next = c;
    else
        l.head = c;
    l.tail = c;
    return l;
}

dgk_alist dgk_pb_attrs(dgk_pstate *ps, dgk_alist l, const dgk_token *name, dgk_xlist args)
{
    dgk_attr *a = alloc(ps, sizeof *a);
    a->name = dgk_pb_ident(ps, name);
    a->args = args.head;
    a->nargs = args.n;
    if (l.tail)
        l.tail->next = a;
    else
        l.head = a;
    l.tail = a;
    return l;
}

dgk_param *dgk_pb_param(dgk_pstate *ps, const dgk_token *name, const dgk_token *elem, dgk_xlist dims,
                        dgk_alist attrs)
{
    dgk_param *p = alloc(ps, sizeof *p);
    p->name = dgk_pb_ident(ps, name);
    p->elem = dgk_pb_leaf(ps, DGK_EXPR_NAME, elem).e;
    p->dims = dims.head;
    p->rank = dims.n;
    p->attrs = attrs.head;
    return p;
}

dgk_plist dgk_pb_params(dgk_plist l, dgk_param *p)
{
    if (l.tail)
        l.tail->next = p;
    else
        l.head = p;
    l.tail = p;
    return l;
}

void dgk_pb_kernel(dgk_pstate *ps, const dgk_token *kw, const dgk_token *name, dgk_clist ctparams,
                   dgk_plist params, dgk_xlist where, dgk_slist body)
{
    dgk_kernel *k = alloc(ps, sizeof *k);
    k->name = dgk_pb_ident(ps, name);
    k->loc = kw->loc;
    k->ctparams = ctparams.head;
    k->params = params.head;
    k->constraints = where.head;
    k->body = body.head;
    if (ps->fatal)
        return;
    if (ps->ktail)
        ps->ktail->next = k;
    else
        ps->module->kernels = k;
    ps->ktail = k;
}
