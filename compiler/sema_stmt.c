/* sema_stmt.c - statements (SPEC.md section 5): locals, updates and stores, the
 * pipeline and for loops, if, return, expression statements. Each nested block gets
 * its own scope; the pipeline's placement rules (top level, one per kernel, no return
 * inside) are checked here, the schedule in sema_sched.c, the FP8 promotion form of a
 * `+=` in sema_promote.c. */
#include "sema_int.h"

static void stmt(sema *s, dgk_stmt *st);

void sema_block(sema *s, dgk_stmt *body)
{
    sema_push(s);
    s->nest++;
    for (dgk_stmt *st = body; st; st = st->next)
        stmt(s, st);
    s->nest--;
    sema_pop(s);
}

void sema_body(sema *s, dgk_stmt *body)
{
    sema_push(s);
    s->stmt_index = 0;
    for (dgk_stmt *st = body; st; st = st->next, s->stmt_index++)
        stmt(s, st);
    if (!s->info->sched.stmt)
        sema_schedule_missing(s);
    sema_pop(s);
}

static void decl(sema *s, dgk_stmt *st)
{
    int is_let = st->kind == DGK_STMT_LET;
    dgk_type *t = sema_value(s, st->u.var.value, "an initializer");
    dgk_ct_value v;
    /* a let of a constant stays a named literal; anything else gets a fixed dtype */
    if (!dgk_type_is_error(t) && t->weak && !(is_let && sema_const(s, st->u.var.value, &v)))
        t = dgk_type_with_dtype(s->a, t, t->dtype);
    dgk_sym *y = sema_declare(s, is_let ? DGK_SYM_LET : DGK_SYM_VAR, st->u.var.name.id, st->u.var.name.loc, t);
    if (y)
        y->init = st->u.var.value;
    st->u.var.name.sym = y;
}

/* ---- assignment ----------------------------------------------------------------- */

static dgk_type *local_target(sema *s, dgk_expr *target)
{
    dgk_sym *y = sema_lookup(s, target->u.name.id);
    if (!y) {
        dgk_error(s->d, target->loc, "unknown name '%s'", target->u.name.id);
        return target->type = dgk_type_error();
    }
    target->u.name.sym = y;
    target->type = y->type ? y->type : dgk_type_error();
    switch (y->kind) {
    case DGK_SYM_VAR: return target->type;
    case DGK_SYM_LET:
        dgk_error(s->d, target->loc, "cannot assign to '%s': it is declared with let; declare it with var to update it",
                  y->name);
        dgk_note(s->d, y->loc, "'%s' declared here", y->name);
        break;
    case DGK_SYM_TENSOR:
        dgk_error(s->d, target->loc, "cannot assign to tensor %s as a whole; store a tile into a slice of it: %s[...] = "
                  "...", y->name, y->name);
        break;
    case DGK_SYM_SCALAR:
        dgk_error(s->d, target->loc, "cannot assign to scalar parameter '%s': parameters are read-only; copy it into a "
                  "var", y->name);
        break;
    default:
        dgk_error(s->d, target->loc, "cannot assign to '%s', a %s", y->name, dgk_sym_kind_name(y->kind));
        break;
    }
    return dgk_type_error();
}

static int has_new(const dgk_expr *e)
{
    for (const dgk_sub *sub = e->u.index.subs; sub; sub = sub->next)
        if (sub->kind == DGK_SUB_NEW)
            return 1;
    return 0;
}

static dgk_type *store_target(sema *s, dgk_stmt *st)
{
    dgk_expr *target = st->u.assign.target;
    dgk_op op = st->u.assign.op;
    dgk_type *t = sema_expr(s, target);
    if (dgk_type_is_error(t))
        return t;
    if (op != DGK_OP_ASSIGN && op != DGK_OP_ADD_ASSIGN) {
        dgk_error(s->d, st->loc, "only = and += store into a tensor; %s is not supported there",
                  dgk_op_spelling(op));
        return dgk_type_error();
    }
    if (has_new(target)) {
        dgk_error(s->d, target->loc, "`new` cannot appear in a store target; the stored tile has the slice's shape");
        return dgk_type_error();
    }
    return t;
}

static dgk_type *target_type(sema *s, dgk_stmt *st)
{
    dgk_expr *target = st->u.assign.target;
    if (target->kind == DGK_EXPR_NAME)
        return local_target(s, target);
    if (target->kind == DGK_EXPR_INDEX) {
        sema_expr(s, target->u.index.base);
        if (sema_slice_tensor(target))
            return store_target(s, st);
    }
    sema_expr(s, target);
    if (!dgk_type_is_error(target->type))
        dgk_error(s->d, target->loc, "the left side of %s must be a variable or a slice of a tensor parameter%s",
                  dgk_op_spelling(st->u.assign.op),
                  target->kind == DGK_EXPR_INDEX ? " (a register tile is updated as a whole)" : "");
    return dgk_type_error();
}

static int value_fits(sema *s, dgk_stmt *st, const dgk_type *tt, const dgk_type *vt)
{
    dgk_op op = st->u.assign.op;
    const char *sp = dgk_op_spelling(op);
    if (op != DGK_OP_ASSIGN && !sema_is_numeric(tt->dtype)) {
        dgk_error(s->d, st->loc, "%s needs a numeric target; the target is %s", sp, dgk_type_str(s->a, tt));
        return 0;
    }
    if (!sema_assignable(vt, tt->dtype)) {
        dgk_error(s->d, st->u.assign.value->loc, "the value is %s but the target is %s: dtypes differ; convert it "
                  "explicitly, e.g. %s(...)", dgk_type_str(s->a, vt), dgk_type_str(s->a, tt),
                  dgk_dtype_name(tt->dtype));
        return 0;
    }
    int64_t ext[2 * DGK_MAX_RANK];
    int rank, bad, same = dgk_broadcast_shape(tt, vt, ext, &rank, &bad) && rank == tt->rank;
    for (int i = 0; same && i < rank; i++)
        same = ext[i] == tt->ext[i].value;
    if (!same) {
        dgk_error(s->d, st->u.assign.value->loc, "shape mismatch: the target is %s but the value is %s",
                  dgk_type_str(s->a, tt), dgk_type_str(s->a, vt));
        return 0;
    }
    return 1;
}

static void assign(sema *s, dgk_stmt *st)
{
    dgk_type *tt = target_type(s, st);
    dgk_type *vt = sema_value(s, st->u.assign.value, "the right side of an assignment");
    if (dgk_type_is_error(tt) || dgk_type_is_error(vt) || !value_fits(s, st, tt, vt))
        return;
    if (st->u.assign.op == DGK_OP_ADD_ASSIGN && s->in_pipeline)
        sema_promote(s, st);
}

/* ---- control flow --------------------------------------------------------------- */

static void loop_var(sema *s, dgk_stmt *st)
{
    dgk_ident *v = &st->u.loop.var;
    v->sym = sema_declare(s, DGK_SYM_LOOPVAR, v->id, v->loc, dgk_type_scalar(s->a, DGK_DT_I32));
}

static void loop_body(sema *s, dgk_stmt *st)
{
    sema_scalar_int(s, st->u.loop.lo, "a loop bound");
    sema_scalar_int(s, st->u.loop.hi, "a loop bound");
    sema_push(s);
    loop_var(s, st);
    sema_block(s, st->u.loop.body);
    sema_pop(s);
}

static int pipeline_placement(sema *s, dgk_stmt *st)
{
    if (s->in_pipeline) {
        dgk_error(s->d, st->loc, "pipelines do not nest; use a for loop inside the pipeline");
        return 0;
    }
    if (s->nest) {
        dgk_error(s->d, st->loc, "a pipeline must be at the kernel's top level, not inside for or if");
        return 0;
    }
    if (s->first_pipeline) {
        dgk_error(s->d, st->loc, "a kernel has at most one pipeline (SM90 lowers one pipelined K loop per kernel)");
        dgk_note(s->d, s->first_pipeline->loc, "the first pipeline is here");
        return 0;
    }
    s->first_pipeline = st;
    s->info->pipeline = st;
    return 1;
}

static void pipeline(sema *s, dgk_stmt *st)
{
    int64_t stages;
    pipeline_placement(s, st);
    if (st->u.loop.stages && sema_ct_int(s, st->u.loop.stages, "the stage count", 1, &stages) && stages > 16)
        dgk_error(s->d, st->u.loop.stages->loc, "the stage count must be at most 16, not %lld", (long long)stages);
    s->in_pipeline++;
    loop_body(s, st);
    s->in_pipeline--;
}

static void if_stmt(sema *s, dgk_stmt *st)
{
    dgk_type *c = sema_value(s, st->u.if_.cond, "an if condition");
    if (!dgk_type_is_error(c) && (!dgk_type_is_scalar(c) || c->dtype != DGK_DT_BOOL))
        dgk_error(s->d, st->u.if_.cond->loc, "an if condition must be a scalar bool, not %s%s", dgk_type_str(s->a, c),
                  dgk_type_is_tile(c) ? " (for an elementwise choice use where(c, a, b))" : "");
    sema_block(s, st->u.if_.then_body);
    if (st->u.if_.else_body)
        sema_block(s, st->u.if_.else_body);
}

static void expr_stmt(sema *s, dgk_stmt *st)
{
    dgk_type *t = sema_expr(s, st->u.expr.e);
    if (!dgk_type_is_error(t))
        dgk_error(s->d, st->loc, "this expression's value is unused; assign it (var x = ...) or store it (T[...] = ...)");
}

static void stmt(sema *s, dgk_stmt *st)
{
    switch (st->kind) {
    case DGK_STMT_VAR: case DGK_STMT_LET: decl(s, st); break;
    case DGK_STMT_ASSIGN: assign(s, st); break;
    case DGK_STMT_SCHEDULE: sema_schedule(s, st); break;
    case DGK_STMT_PIPELINE: pipeline(s, st); break;
    case DGK_STMT_FOR: loop_body(s, st); break;
    case DGK_STMT_IF: if_stmt(s, st); break;
    case DGK_STMT_RETURN:
        if (s->in_pipeline)
            dgk_error(s->d, st->loc, "return cannot appear inside a pipeline (every warp role runs all its stages); "
                      "return before the pipeline instead");
        break;
    case DGK_STMT_EXPR: expr_stmt(s, st); break;
    default: break;
    }
}
