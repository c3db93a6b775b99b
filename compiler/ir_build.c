/* ir_build.c - lowers a checked kernel's AST to the tile IR (ir.h).
 * Input: the AST with sema's types, symbols and per-kernel info. Output: one
 * dgk_ir_kernel per kernel: tensors, and ops in three regions (prologue, mainloop,
 * epilogue). Locals are SSA bindings (a name maps to the op that computed it); a tile
 * `var` updated with `+=` becomes an accumulator (ACC_INIT / ACC_UPDATE).
 * Compile-time `if` is folded and compile-time `for` unrolled here; anything the IR
 * cannot express yet is an error at its source location, never dropped. */
#include "ir.h"

#include <string.h>

#include "builtins.h"
#include "int_fold.h"
#include "sema.h"

typedef struct binding {
    const dgk_sym *sym;
    int value;
} binding;

typedef struct irb {
    dgk_arena *a;
    dgk_diags *d;
    dgk_ir_kernel *k;
    const dgk_sema_kernel *info;
    dgk_ir_region region;
    binding *binds;
    int nbinds, capbinds;
    int nerr;
    int64_t unroll; /* copies of the code being lowered made by the `for` loops around it */
} irb;

static const char *const opcode_names[] = {
#define X(id, name, n) name,
    DGK_IR_OPS(X)
#undef X
};

const char *dgk_ir_opcode_name(dgk_ir_opcode op)
{
    return (unsigned)op < DGK_IR_OPCODE_COUNT ? opcode_names[op] : "?";
}

static void err(irb *b, dgk_loc loc, const char *msg, const char *what)
{
    dgk_error(b->d, loc, "%s%s", msg, what ? what : "");
    b->nerr++;
}

/* Appends an op in the current region; returns its id (-1 when out of memory). */
static int emit(irb *b, dgk_ir_opcode opc, dgk_loc loc)
{
    dgk_ir_kernel *k = b->k;
    if (k->nops == k->capops) {
        int cap = k->capops ? k->capops * 2 : 64;
        dgk_ir_op *ops = DGK_NEW_ARRAY(b->a, dgk_ir_op, cap);
        if (!ops)
            return -1;
        if (k->nops)
            memcpy(ops, k->ops, sizeof *ops * (size_t)k->nops);
        k->ops = ops;
        k->capops = cap;
    }
    dgk_ir_op *op = &k->ops[k->nops];
    op->opcode = opc;
    op->loc = loc;
    op->region = b->region;
    op->fn = -1;
    op->tensor = -1;
    op->axis = -1;
    op->param = -1;
    return k->nops++;
}

static dgk_ir_op *OP(irb *b, int id)
{
    return &b->k->ops[id];
}

static void set_type(irb *b, int id, const dgk_type *t)
{
    dgk_ir_type *it = &OP(b, id)->type;
    if (!t || t->kind != DGK_TYPE_VALUE)
        return;
    it->dtype = t->dtype;
    it->rank = t->rank < DGK_IR_MAX_RANK ? t->rank : DGK_IR_MAX_RANK;
    for (int i = 0; i < it->rank; i++)
        it->ext[i] = t->ext[i].known ? t->ext[i].value : -1;
}

static void bind(irb *b, const dgk_sym *sym, int value)
{
    for (int i = b->nbinds - 1; i >= 0; i--)
        if (b->binds[i].sym == sym) {
            b->binds[i].value = value;
            return;
        }
    if (b->nbinds == b->capbinds) {
        int cap = b->capbinds ? b->capbinds * 2 : 32;
        binding *nb = DGK_NEW_ARRAY(b->a, binding, cap);
        if (!nb)
            return;
        if (b->nbinds)
            memcpy(nb, b->binds, sizeof *nb * (size_t)b->nbinds);
        b->binds = nb;
        b->capbinds = cap;
    }
    b->binds[b->nbinds++] = (binding){sym, value};
}

static int lookup(irb *b, const dgk_sym *sym)
{
    for (int i = b->nbinds - 1; i >= 0; i--)
        if (b->binds[i].sym == sym)
            return b->binds[i].value;
    return -1;
}

static int lower(irb *b, const dgk_expr *e);

static int const_int(irb *b, dgk_loc loc, int64_t v)
{
    int id = emit(b, DGK_IR_CONST, loc);
    if (id >= 0) {
        OP(b, id)->imm = v;
        OP(b, id)->type.dtype = DGK_DT_I32;
    }
    return id;
}

/* A name: compile-time values become constants, runtime ones ops or bindings. */
static int lower_name(irb *b, const dgk_expr *e)
{
    const dgk_sym *s = e->u.name.sym;
    const dgk_sema_kernel *info = b->info;
    int id = -1;
    switch (s->kind) {
    case DGK_SYM_CTPARAM: {
        const dgk_sema_ctparam *cp = &info->ctparams[s->index];
        if (cp->value.known)
            return const_int(b, e->loc, cp->value.kind == DGK_CT_DTYPE ? 0 : cp->value.i);
        if (cp->shape < 0) {
            err(b, e->loc, "compile-time parameter has no value: ", s->name);
            return -1;
        }
        s = info->shapes[cp->shape].sym;
    }
        /* bound from a tensor extent: a shape symbol */
        __attribute__((fallthrough));
    case DGK_SYM_SHAPE: {
        const dgk_sema_shape *sh = &info->shapes[s->index];
        if (sh->specialized)
            return const_int(b, e->loc, sh->value);
        id = emit(b, DGK_IR_SHAPE, e->loc);
        if (id >= 0) {
            OP(b, id)->tensor = sh->param;
            OP(b, id)->axis = sh->axis;
            OP(b, id)->name = sh->name;
            OP(b, id)->type.dtype = DGK_DT_I32;
        }
        return id;
    }
    case DGK_SYM_SCALAR:
        id = emit(b, DGK_IR_PARAM, e->loc);
        if (id >= 0) {
            OP(b, id)->param = s->index;
            OP(b, id)->name = s->name;
            set_type(b, id, e->type);
        }
        return id;
    case DGK_SYM_VAR:
    case DGK_SYM_LET:
    case DGK_SYM_LOOPVAR:
    case DGK_SYM_SCHEDVAR:
        id = lookup(b, s);
        if (id < 0)
            err(b, e->loc, "internal: no value bound for ", s->name);
        return id;
    default:
        err(b, e->loc, "this name has no value here: ", s->name);
        return -1;
    }
}

static int lower_binary(irb *b, const dgk_expr *e)
{
    int l = lower(b, e->u.binary.l), r = lower(b, e->u.binary.r);
    if (l < 0 || r < 0)
        return -1;
    int scalar = e->type && e->type->rank == 0;
    int id = emit(b, scalar ? DGK_IR_SCALAR : DGK_IR_EW, e->loc);
    if (id >= 0) {
        dgk_ir_op *op = OP(b, id);
        op->op = e->u.binary.op;
        op->args[0] = l;
        op->args[1] = r;
        op->nargs = 2;
        set_type(b, id, e->type);
    }
    return id;
}

static int lower_unary(irb *b, const dgk_expr *e)
{
    int x = lower(b, e->u.unary.x);
    if (x < 0)
        return -1;
    int scalar = e->type && e->type->rank == 0;
    int id = emit(b, scalar ? DGK_IR_SCALAR : DGK_IR_EW, e->loc);
    if (id >= 0) {
        OP(b, id)->op = e->u.unary.op;
        OP(b, id)->args[0] = x;
        OP(b, id)->nargs = 1;
        set_type(b, id, e->type);
    }
    return id;
}

/* Lowers all arguments; returns the count, or -1 if any failed. */
static int lower_args(irb *b, const dgk_expr *args, int *out, int max)
{
    int n = 0;
    for (const dgk_expr *a = args; a; a = a->next) {
        if (n == max)
            return -1;
        if ((out[n++] = lower(b, a)) < 0)
            return -1;
    }
    return n;
}

/* kbegin(g) / kend(g) under a k_grouped schedule: elements g and g + 1 of its
 * group_offsets tensor, a scalar read from global memory like any `T[p]` (sema made sure
 * the schedule is k_grouped, so the tensor is there). */
static int lower_krange(irb *b, const dgk_expr *e, int end)
{
    int g = lower(b, e->u.call.args);
    if (g < 0)
        return -1;
    if (b->k->sched_tensor < 0) {
        err(b, e->loc, "internal: kbegin/kend without the schedule's group_offsets tensor", NULL);
        return -1;
    }
    if (end) {
        int one = const_int(b, e->loc, 1), sum = one < 0 ? -1 : emit(b, DGK_IR_SCALAR, e->loc);
        if (sum < 0)
            return -1;
        OP(b, sum)->op = DGK_OP_ADD;
        OP(b, sum)->args[0] = g;
        OP(b, sum)->args[1] = one;
        OP(b, sum)->nargs = 2;
        OP(b, sum)->type.dtype = DGK_DT_I32;
        g = sum;
    }
    int id = emit(b, DGK_IR_LOAD_SCALAR, e->loc);
    if (id < 0)
        return -1;
    OP(b, id)->tensor = b->k->sched_tensor;
    OP(b, id)->args[0] = g;
    OP(b, id)->nargs = 1;
    OP(b, id)->type.dtype = DGK_DT_I32;
    return id;
}

static int lower_call(irb *b, const dgk_expr *e)
{
    const dgk_sym *callee = e->u.call.callee->u.name.sym;
    int args[DGK_IR_MAX_ARGS], n;
    if (callee->kind == DGK_SYM_DTYPE || callee->kind == DGK_SYM_CTPARAM) {
        if ((n = lower_args(b, e->u.call.args, args, 1)) != 1)
            return -1;
        int id = emit(b, DGK_IR_CAST, e->loc);
        if (id >= 0) {
            OP(b, id)->args[0] = args[0];
            OP(b, id)->nargs = 1;
            set_type(b, id, e->type);
        }
        return id;
    }
    dgk_builtin bi = (dgk_builtin)callee->index;
    if (bi == DGK_BI_ZEROS) {
        int id = emit(b, DGK_IR_ZEROS, e->loc);
        if (id >= 0)
            set_type(b, id, e->type);
        return id;
    }
    if (bi == DGK_BI_KBEGIN || bi == DGK_BI_KEND)
        return lower_krange(b, e, bi == DGK_BI_KEND);
    if (bi == DGK_BI_IOTA || bi == DGK_BI_FULL) {
        int v = -1;
        if (bi == DGK_BI_FULL && (v = lower(b, e->u.call.args->next)) < 0)
            return -1;
        int id = emit(b, bi == DGK_BI_IOTA ? DGK_IR_IOTA : DGK_IR_FULL, e->loc);
        if (id >= 0) {
            OP(b, id)->args[0] = v;
            OP(b, id)->nargs = bi == DGK_BI_FULL;
            set_type(b, id, e->type);
        }
        return id;
    }
    if ((n = lower_args(b, e->u.call.args, args, DGK_IR_MAX_ARGS)) < 0)
        return -1;
    dgk_builtin_rule rule = dgk_builtin_info_of(bi)->rule;
    dgk_ir_opcode opc = bi == DGK_BI_MMA ? DGK_IR_MMA
                      : rule == DGK_BR_REDUCE ? DGK_IR_REDUCE
                      : bi == DGK_BI_WHERE ? DGK_IR_SELECT
                      : (e->type && e->type->rank == 0) ? DGK_IR_SCALAR : DGK_IR_EW;
    if (opc == DGK_IR_REDUCE)
        n = 1; /* the axis is a compile-time constant, kept in .axis */
    int id = emit(b, opc, e->loc);
    if (id < 0)
        return -1;
    dgk_ir_op *op = OP(b, id);
    op->fn = bi;
    op->nargs = n;
    memcpy(op->args, args, sizeof(int) * (size_t)n);
    if (opc == DGK_IR_REDUCE)
        op->axis = (int)b->k->ops[args[1]].imm;
    set_type(b, id, e->type);
    return id;
}

/* Op x reshaped to the type of expression e (a `new` axis). */
static int reshape(irb *b, int x, const dgk_expr *e)
{
    int id = emit(b, DGK_IR_RESHAPE, e->loc);
    if (id >= 0) {
        OP(b, id)->args[0] = x;
        OP(b, id)->nargs = 1;
        set_type(b, id, e->type);
    }
    return id;
}

/* T[subs] on a global tensor: LOAD_SCALAR when every subscript is a point, else
 * LOAD_TILE with one start per tensor axis and its extent in .ext (0 = a point, whose
 * axis the tile drops). Extents of ranges and `:` are the result type's axes in order.
 * A `new` subscript selects no tensor axis: the load is made without its unit axis and
 * reshaped to the result type. */
static int lower_tensor_index(irb *b, const dgk_expr *e, const dgk_sym *t)
{
    int starts[DGK_IR_MAX_RANK], ax = 0, points = 0, news = 0;
    int is_point[DGK_IR_MAX_RANK], is_new[2 * DGK_IR_MAX_RANK], nsubs = 0;
    for (const dgk_sub *s = e->u.index.subs; s; s = s->next) {
        if (nsubs == 2 * DGK_IR_MAX_RANK || (s->kind != DGK_SUB_NEW && ax >= DGK_IR_MAX_RANK)) {
            err(b, s->loc, "tensors of rank above 4 are not lowered yet", NULL);
            return -1;
        }
        if ((is_new[nsubs++] = s->kind == DGK_SUB_NEW)) {
            news++;
            continue;
        }
        is_point[ax] = s->kind == DGK_SUB_POINT;
        points += is_point[ax];
        starts[ax] = s->kind == DGK_SUB_ALL ? const_int(b, s->loc, 0) : lower(b, s->start);
        if (starts[ax] < 0)
            return -1;
        ax++;
    }
    int id = emit(b, points == ax ? DGK_IR_LOAD_SCALAR : DGK_IR_LOAD_TILE, e->loc);
    if (id < 0)
        return -1;
    dgk_ir_op *op = OP(b, id);
    op->tensor = t->index;
    op->nargs = ax;
    memcpy(op->args, starts, sizeof(int) * (size_t)ax);
    set_type(b, id, e->type);
    if (news) { /* the loaded tile: the result type less the axes `new` added */
        dgk_ir_type *ty = &op->type;
        int r = 0, kept = 0;
        for (int i = 0, p = 0; i < nsubs; i++) {
            if (!is_new[i] && is_point[p++])
                continue;
            if (!is_new[i] && r < ty->rank)
                ty->ext[kept++] = ty->ext[r];
            r++;
        }
        ty->rank = kept;
    }
    for (int i = 0, r = 0; i < ax; i++)
        op->ext[i] = is_point[i] ? 0 : op->type.ext[r++];
    return news ? reshape(b, id, e) : id;
}

/* t[:, new] on a tile value: a reshape; the result type says the new shape. */
static int lower_index(irb *b, const dgk_expr *e)
{
    const dgk_expr *base = e->u.index.base;
    if (base->kind == DGK_EXPR_NAME && base->u.name.sym && base->u.name.sym->kind == DGK_SYM_TENSOR)
        return lower_tensor_index(b, e, base->u.name.sym);
    int x = lower(b, base);
    return x < 0 ? -1 : reshape(b, x, e);
}

static int lower_simple(irb *b, const dgk_expr *e, dgk_ir_opcode opc, int nargs, const dgk_expr *const *xs)
{
    int args[3];
    for (int i = 0; i < nargs; i++)
        if ((args[i] = lower(b, xs[i])) < 0)
            return -1;
    int id = emit(b, opc, e->loc);
    if (id >= 0) {
        memcpy(OP(b, id)->args, args, sizeof(int) * (size_t)nargs);
        OP(b, id)->nargs = nargs;
        set_type(b, id, e->type);
    }
    return id;
}

static int lower(irb *b, const dgk_expr *e)
{
    int id;
    switch (e->kind) {
    case DGK_EXPR_INT:
        return const_int(b, e->loc, (int64_t)e->u.i.value);
    case DGK_EXPR_BOOL:
        return const_int(b, e->loc, e->u.b.value);
    case DGK_EXPR_FLOAT:
        id = emit(b, DGK_IR_CONST, e->loc);
        if (id >= 0) {
            OP(b, id)->fimm = e->u.f.value;
            OP(b, id)->is_float = 1;
            OP(b, id)->type.dtype = DGK_DT_F32;
        }
        return id;
    case DGK_EXPR_NAME:
        if (e->u.name.sym && e->u.name.sym->kind == DGK_SYM_BUILTIN) {
            id = emit(b, DGK_IR_CONST, e->loc); /* inf */
            if (id >= 0) {
                OP(b, id)->fimm = 1.0 / 0.0;
                OP(b, id)->is_float = 1;
                OP(b, id)->type.dtype = DGK_DT_F32;
            }
            return id;
        }
        return lower_name(b, e);
    case DGK_EXPR_UNARY:
        return lower_unary(b, e);
    case DGK_EXPR_BINARY:
        return lower_binary(b, e);
    case DGK_EXPR_CALL:
        return lower_call(b, e);
    case DGK_EXPR_INDEX:
        return lower_index(b, e);
    case DGK_EXPR_TRANSPOSE: {
        const dgk_expr *xs[1] = {e->u.transpose.x};
        return lower_simple(b, e, DGK_IR_TRANSPOSE, 1, xs);
    }
    case DGK_EXPR_COND: {
        const dgk_expr *xs[3] = {e->u.cond.c, e->u.cond.a, e->u.cond.b};
        return lower_simple(b, e, DGK_IR_SELECT, 3, xs);
    }
    default:
        err(b, e->loc, "internal: unknown expression kind", NULL);
        return -1;
    }
}

static void lower_block(irb *b, const dgk_stmt *s);

/* `var acc = e` of a tile becomes an accumulator; other locals are plain bindings. */
static void lower_var(irb *b, const dgk_stmt *s)
{
    int v = lower(b, s->u.var.value);
    if (v < 0)
        return;
    const dgk_type *t = s->u.var.value->type;
    if (s->kind == DGK_STMT_VAR && t && t->rank > 0) {
        int id = emit(b, DGK_IR_ACC_INIT, s->loc);
        if (id < 0)
            return;
        OP(b, id)->args[0] = v;
        OP(b, id)->nargs = 1;
        OP(b, id)->name = s->u.var.name.id;
        OP(b, id)->type = OP(b, v)->type;
        v = id;
    }
    OP(b, v)->name = OP(b, v)->name ? OP(b, v)->name : s->u.var.name.id;
    bind(b, s->u.var.name.sym, v);
}

/* Extent `ax` of a store's slice type (-1 when unknown), 1 when sema left no type. */
static int64_t slice_extent(const dgk_type *t, int ax)
{
    if (!t || t->kind != DGK_TYPE_VALUE || ax >= t->rank)
        return 1;
    return t->ext[ax].known ? t->ext[ax].value : -1;
}

static void lower_store(irb *b, const dgk_stmt *s, const dgk_expr *target)
{
    const dgk_sym *t = target->u.index.base->u.name.sym;
    int args[DGK_IR_MAX_RANK + 1], n = 0;
    const dgk_sub *sub = target->u.index.subs;
    for (; sub && n < DGK_IR_MAX_RANK; sub = sub->next, n++)
        if ((args[n] = sub->kind == DGK_SUB_ALL ? const_int(b, sub->loc, 0) : lower(b, sub->start)) < 0)
            return;
    int v = lower(b, s->u.assign.value);
    if (v < 0)
        return;
    int id = emit(b, DGK_IR_STORE, s->loc);
    if (id < 0)
        return;
    dgk_ir_op *op = OP(b, id);
    op->tensor = t->index;
    op->op = s->u.assign.op;
    memcpy(op->args, args, sizeof(int) * (size_t)n);
    op->args[n] = v;
    op->nargs = n + 1;
    int r = 0, ax = 0;
    for (sub = target->u.index.subs; sub && r < DGK_IR_MAX_RANK; sub = sub->next, r++)
        op->ext[r] = sub->kind == DGK_SUB_POINT ? 0 : slice_extent(target->type, ax++);
    b->k->tensors[t->index].written = 1;
}

static void lower_assign(irb *b, const dgk_stmt *s)
{
    const dgk_expr *target = s->u.assign.target;
    if (target->kind == DGK_EXPR_INDEX && target->u.index.base->kind == DGK_EXPR_NAME &&
        target->u.index.base->u.name.sym && target->u.index.base->u.name.sym->kind == DGK_SYM_TENSOR) {
        lower_store(b, s, target);
        return;
    }
    const dgk_sym *sym = target->u.name.sym;
    int cur = lookup(b, sym);
    int v = lower(b, s->u.assign.value);
    if (cur < 0 || v < 0)
        return;
    if (b->region != DGK_IR_MAINLOOP && s->u.assign.op != DGK_OP_ASSIGN) {
        /* outside the pipeline `x op= e` is a new value of x: x = x op e */
        static const dgk_op base[] = {[DGK_OP_ADD_ASSIGN] = DGK_OP_ADD, [DGK_OP_SUB_ASSIGN] = DGK_OP_SUB,
                                      [DGK_OP_MUL_ASSIGN] = DGK_OP_MUL};
        if (s->u.assign.op == DGK_OP_MAX_ASSIGN) {
            err(b, s->loc, "`max=` outside a pipeline is not lowered yet; write x = max(x, e)", NULL);
            return;
        }
        int id = emit(b, OP(b, cur)->type.rank ? DGK_IR_EW : DGK_IR_SCALAR, s->loc);
        if (id < 0)
            return;
        OP(b, id)->op = base[s->u.assign.op];
        OP(b, id)->args[0] = cur;
        OP(b, id)->args[1] = v;
        OP(b, id)->nargs = 2;
        OP(b, id)->type = OP(b, cur)->type;
        OP(b, id)->name = OP(b, cur)->name;
        bind(b, sym, id);
        return;
    }
    if (OP(b, cur)->opcode == DGK_IR_ACC_INIT || OP(b, cur)->opcode == DGK_IR_ACC_UPDATE) {
        int id = emit(b, DGK_IR_ACC_UPDATE, s->loc);
        if (id < 0)
            return;
        int acc = cur;
        while (OP(b, acc)->opcode == DGK_IR_ACC_UPDATE)
            acc = OP(b, acc)->args[0];
        OP(b, id)->args[0] = acc;
        OP(b, id)->args[1] = v;
        OP(b, id)->nargs = 2;
        OP(b, id)->op = s->u.assign.op;
        OP(b, id)->type = OP(b, acc)->type;
        OP(b, id)->name = OP(b, acc)->name;
        return; /* the accumulator keeps its identity: later reads see ACC_INIT's id */
    }
    if (s->u.assign.op != DGK_OP_ASSIGN) {
        err(b, s->loc, "compound update of a scalar variable is not lowered yet; write x = x + e", NULL);
        return;
    }
    bind(b, sym, v);
}

static void lower_schedule(irb *b, const dgk_stmt *s)
{
    const dgk_sema_sched *sc = &b->info->sched;
    dgk_ir_kernel *k = b->k;
    k->sched_kind = dgk_sched_kind_name(sc->kind);
    k->sched_loc = s->loc;
    k->nsched = sc->nextents;
    for (int i = 0; i < sc->nextents && i < 3; i++)
        k->sched_extents[i] = lower(b, sc->extents[i]);
    k->sched_swizzle = sc->mods[DGK_SMOD_SWIZZLE].given ? (int)sc->mods[DGK_SMOD_SWIZZLE].value : 0;
    k->sched_cluster = sc->mods[DGK_SMOD_CLUSTER].given ? (int)sc->mods[DGK_SMOD_CLUSTER].value : 0;
    k->sched_cluster_n = sc->mods[DGK_SMOD_CLUSTER_N].given ? (int)sc->mods[DGK_SMOD_CLUSTER_N].value : 0;
    k->sched_split = sc->mods[DGK_SMOD_SPLIT_K].given ? (int)sc->mods[DGK_SMOD_SPLIT_K].value : 0;
    k->sched_skip_idle = sc->mods[DGK_SMOD_SKIP_IDLE].given ? (int)sc->mods[DGK_SMOD_SKIP_IDLE].value : 0;
    k->sched_dynamic = sc->mods[DGK_SMOD_DYNAMIC].given ? (int)sc->mods[DGK_SMOD_DYNAMIC].value : 0;
    k->sched_l2_stream = sc->mods[DGK_SMOD_L2_STREAM].given ? (int)sc->mods[DGK_SMOD_L2_STREAM].value : 0;
    k->sched_store_passes = sc->mods[DGK_SMOD_STORE_PASSES].given ? (int)sc->mods[DGK_SMOD_STORE_PASSES].value : 0;
    k->sched_store_passes_loc =
        sc->mods[DGK_SMOD_STORE_PASSES].given ? sc->mods[DGK_SMOD_STORE_PASSES].mod->name.loc : s->loc;
    k->sched_dynamic_loc = sc->mods[DGK_SMOD_DYNAMIC].given ? sc->mods[DGK_SMOD_DYNAMIC].mod->name.loc : s->loc;
    k->sched_tail_split = sc->mods[DGK_SMOD_TAIL_SPLIT].given ? (int)sc->mods[DGK_SMOD_TAIL_SPLIT].value : 0;
    k->sched_tail_split_loc =
        sc->mods[DGK_SMOD_TAIL_SPLIT].given ? sc->mods[DGK_SMOD_TAIL_SPLIT].mod->name.loc : s->loc;
    k->sched_split_loc = sc->mods[DGK_SMOD_SPLIT_K].given ? sc->mods[DGK_SMOD_SPLIT_K].mod->name.loc : s->loc;
    k->sched_tensor = -1;
    for (int m = DGK_SMOD_GROUP_IDS; m <= DGK_SMOD_MASKED; m++)
        if (sc->mods[m].given) {
            k->sched_tensor = sc->mods[m].param;
            k->sched_offsets = m == DGK_SMOD_GROUP_OFFSETS;
        }
    const dgk_ident *v = s->u.schedule.vars;
    for (int i = 0; i < sc->nvars; i++, v = v ? v->next : NULL) {
        int id = emit(b, DGK_IR_TILE_COORD, v ? v->loc : s->loc);
        if (id < 0)
            return;
        OP(b, id)->axis = i;
        OP(b, id)->name = sc->vars[i]->name;
        OP(b, id)->type.dtype = DGK_DT_I32;
        bind(b, sc->vars[i], id);
    }
}

static void lower_pipeline(irb *b, const dgk_stmt *s)
{
    dgk_ir_kernel *k = b->k;
    k->has_pipeline = 1;
    k->pipe_loc = s->loc;
    k->pipe_lo = lower(b, s->u.loop.lo);
    k->pipe_hi = lower(b, s->u.loop.hi);
    if (s->u.loop.stages) {
        int st = lower(b, s->u.loop.stages);
        if (st >= 0 && OP(b, st)->opcode == DGK_IR_CONST)
            k->pipe_stages = (int)OP(b, st)->imm;
    }
    b->region = DGK_IR_MAINLOOP;
    int kv = emit(b, DGK_IR_LOOP_VAR, s->u.loop.var.loc);
    if (kv >= 0) {
        OP(b, kv)->name = s->u.loop.var.id;
        OP(b, kv)->type.dtype = DGK_DT_I32;
        bind(b, s->u.loop.var.sym, kv);
    }
    lower_block(b, s->u.loop.body);
    b->region = DGK_IR_EPILOGUE;
}

static int ir_const(const irb *b, int id, int64_t *v);

/* `if` with a compile-time condition (a constant, or comparisons of constants such as an
 * unrolled loop's `k == 0`) keeps one branch; `if c { return; }` becomes a conditional
 * RETURN; any other runtime `if` is not lowered yet. */
static void lower_if(irb *b, const dgk_stmt *s)
{
    int c = lower(b, s->u.if_.cond);
    int64_t known;
    if (c < 0)
        return;
    if (ir_const(b, c, &known)) {
        lower_block(b, known ? s->u.if_.then_body : s->u.if_.else_body);
        return;
    }
    const dgk_stmt *t = s->u.if_.then_body;
    if (t && t->kind == DGK_STMT_RETURN && !t->next && !s->u.if_.else_body) {
        int id = emit(b, DGK_IR_RETURN, s->loc);
        if (id >= 0) {
            OP(b, id)->args[0] = c;
            OP(b, id)->nargs = 1;
        }
        return;
    }
    err(b, s->loc, "an `if` on a runtime condition is lowered only in the form `if c { return; }`", NULL);
}

/* Copies of an unrolled loop body: 256 copies of a small body already take NVRTC tens
 * of seconds (1024 took 2.4 minutes). */
enum { MAX_UNROLL = 256 };

/* Integer arithmetic as sema folds it (int_fold.h: C semantics; cdiv rounding up); 0
 * on overflow or a divisor it rejects, which makes the bound "not a constant". */
static int fold(const dgk_ir_op *op, int64_t x, int64_t y, int64_t *v)
{
    int c;
    if (op->fn == DGK_BI_MIN || op->fn == DGK_BI_MAX)
        return (*v = (op->fn == DGK_BI_MIN) == (x < y) ? x : y), 1;
    if (op->fn == DGK_BI_CDIV)
        return y > 0 && (*v = x / y + (x % y > 0), 1);
    if (op->fn >= 0)
        return 0;
    if (op->op == DGK_OP_LAND || op->op == DGK_OP_LOR)
        return (*v = op->op == DGK_OP_LAND ? x && y : x || y), 1;
    if (dgk_int_compare(op->op, x, y, &c))
        return (*v = c), 1;
    return dgk_int_arith(op->op, x, y, v);
}

/* The value of a scalar integer or bool op made of constants (literals, compile-time
 * parameters, unary - ~ and !, + - * / % << >> & | ^ cdiv min max, comparisons, && ||);
 * 0 when it is not one. */
static int ir_const(const irb *b, int id, int64_t *v)
{
    const dgk_ir_op *op = &b->k->ops[id];
    int64_t x, y;
    if (op->opcode == DGK_IR_CONST && !op->is_float)
        return (*v = op->imm), 1;
    if (op->opcode == DGK_IR_SCALAR && op->nargs == 1 && op->fn < 0 && ir_const(b, op->args[0], &x))
        return op->op == DGK_OP_NOT ? (*v = !x, 1) : dgk_int_unary(op->op, x, v);
    if (op->opcode != DGK_IR_SCALAR || op->nargs != 2 || !ir_const(b, op->args[0], &x) || !ir_const(b, op->args[1], &y))
        return 0;
    return fold(op, x, y, v);
}

/* `for k in lo .. hi` with compile-time bounds is unrolled: the body is lowered once per
 * value, k bound to that constant (SPEC 5). A runtime bound needs control flow the IR
 * does not have yet. k is an i32 (sema), so its values must be; and a loop inside
 * unrolled loops is copied once per their iterations too, so the copies of the innermost
 * body (the trip counts multiplied) are what MAX_UNROLL bounds. */
static void lower_for(irb *b, const dgk_stmt *s)
{
    int lo = lower(b, s->u.loop.lo), hi = lower(b, s->u.loop.hi);
    int64_t from, to;
    if (lo < 0 || hi < 0)
        return;
    if (!ir_const(b, lo, &from) || !ir_const(b, hi, &to)) {
        err(b, s->loc, "a `for` loop is lowered only with compile-time bounds (it is unrolled); this one's bounds are "
                       "known only at launch", NULL);
        return;
    }
    if (to > from && (from < INT32_MIN || to - 1 > INT32_MAX)) {
        err(b, s->loc, "a `for` loop variable is an i32, and this loop's values do not fit one", NULL);
        return;
    }
    int64_t trips = to > from ? to - from : 0, outer = b->unroll;
    if (trips * outer > MAX_UNROLL) {
        err(b, s->loc, "a `for` loop is unrolled, and this one runs more than 256 times (counting the iterations "
                       "of the loops around it); make its body do more work per iteration", NULL);
        return;
    }
    b->unroll = outer * (trips ? trips : 1);
    for (int64_t v = from; v < to && !b->nerr; v++) {
        int c = const_int(b, s->u.loop.var.loc, v);
        if (c < 0)
            break;
        OP(b, c)->name = s->u.loop.var.id;
        bind(b, s->u.loop.var.sym, c);
        lower_block(b, s->u.loop.body);
    }
    b->unroll = outer;
}

static void lower_stmt(irb *b, const dgk_stmt *s)
{
    switch (s->kind) {
    case DGK_STMT_VAR:
    case DGK_STMT_LET:
        lower_var(b, s);
        break;
    case DGK_STMT_ASSIGN:
        lower_assign(b, s);
        break;
    case DGK_STMT_SCHEDULE:
        lower_schedule(b, s);
        break;
    case DGK_STMT_PIPELINE:
        lower_pipeline(b, s);
        break;
    case DGK_STMT_IF:
        lower_if(b, s);
        break;
    case DGK_STMT_RETURN:
        emit(b, DGK_IR_RETURN, s->loc);
        break;
    case DGK_STMT_FOR:
        lower_for(b, s);
        break;
    case DGK_STMT_EXPR:
        if (lower(b, s->u.expr.e) >= 0)
            err(b, s->loc, "an expression statement has no effect here", NULL);
        break;
    default:
        break;
    }
}

static void lower_block(irb *b, const dgk_stmt *s)
{
    for (; s; s = s->next)
        lower_stmt(b, s);
}

static void build_tensors(irb *b)
{
    const dgk_sema_kernel *info = b->info;
    dgk_ir_kernel *k = b->k;
    k->tensors = DGK_NEW_ARRAY(b->a, dgk_ir_tensor, info->nparams ? info->nparams : 1);
    k->ntensors = info->nparams;
    for (int i = 0; i < info->nparams && k->tensors; i++) {
        const dgk_sema_param *p = &info->params[i];
        dgk_ir_tensor *t = &k->tensors[i];
        t->name = p->sym ? p->sym->name : p->decl->name.id;
        t->loc = p->decl->name.loc;
        t->param_index = i;
        t->dtype = p->type ? p->type->dtype : DGK_DT_NONE;
        t->rank = p->is_tensor ? p->type->rank : 0;
        t->scales_tensor = p->scales.present ? p->scales.of : -1;
        t->scale_block[0] = (int)p->scales.block_rows;
        t->scale_block[1] = (int)p->scales.block_cols;
        t->scale_mn_major = p->scales.mn_major;
        for (int a = 0; a < t->rank && a < DGK_IR_MAX_RANK; a++) {
            t->ext[a] = p->type->ext[a].known ? p->type->ext[a].value : -1;
            t->ext_expr[a] = p->type->ext[a].expr;
        }
    }
}

static int build_kernel(const dgk_kernel *kn, dgk_ir_kernel *k, dgk_diags *d, dgk_arena *a)
{
    irb b = {.a = a, .d = d, .k = k, .info = kn->info, .region = DGK_IR_PROLOGUE, .unroll = 1};
    k->name = kn->name.id;
    k->loc = kn->name.loc;
    k->ast = kn;
    build_tensors(&b);
    lower_block(&b, kn->body);
    if (a->failed) {
        dgk_error(d, kn->name.loc, "out of memory building the tile IR");
        b.nerr++;
    }
    return b.nerr;
}

int dgk_ir_build(const dgk_module *m, dgk_ir_module *out, dgk_diags *d, dgk_arena *a)
{
    int n = 0, nerr = 0;
    for (const dgk_kernel *k = m->kernels; k; k = k->next)
        n++;
    memset(out, 0, sizeof *out);
    out->kernels = DGK_NEW_ARRAY(a, dgk_ir_kernel, n ? n : 1);
    if (!out->kernels)
        return 1;
    for (const dgk_kernel *k = m->kernels; k; k = k->next) {
        if (!k->info) {
            dgk_error(d, k->name.loc, "internal: kernel was not checked");
            nerr++;
            continue;
        }
        nerr += build_kernel(k, &out->kernels[out->nkernels++], d, a);
    }
    return nerr;
}
