/* plan_epilogue.c - the epilogue: finds the one tile store after the pipeline, checks
 * that it writes the block the mainloop computed (D[m block * BM +: BM, n block * BN +:
 * BN]), and turns the stored expression into the plan's per-element program
 * (dgk_epi_op list). Builtins and operators map through tables; tensor reads become
 * ROW/COL vectors, a TILE of a tensor of the output's block (bias, residual, C), or an
 * ELEM (a scale); reductions over the tile's columns become ROWMAX/ROWMIN/ROWSUM, and
 * stores of such per-row values beside the tile row vector stores (dgk_epi_vstore). */
#include "plan_int.h"

#include <string.h>

#include "builtins.h"

/* What an epilogue value varies with (a bit set): a row value is the same along a row
 * (ROW vectors, row reductions), a column value along a column (COL vectors); the
 * accumulator and tiles vary with both, constants and scalars with neither. */
enum { SPACE_ROW = 1, SPACE_COL = 2, SPACE_TILE = 3 };

typedef struct epi_ctx {
    planner *pl;
    int *memo;               /* IR op id -> epilogue op index + 1 (0 = not yet) */
    dgk_epi_op *ops;
    unsigned char *space;    /* per op: SPACE_* bits */
    int nops, cap;
} epi_ctx;

static const struct { int fn; dgk_epi_opcode op; } builtin_ops[] = {
    {DGK_BI_ABS, DGK_EPI_ABS},   {DGK_BI_EXP, DGK_EPI_EXP},       {DGK_BI_EXP2, DGK_EPI_EXP2},
    {DGK_BI_LOG, DGK_EPI_LOG},   {DGK_BI_SQRT, DGK_EPI_SQRT},     {DGK_BI_RSQRT, DGK_EPI_RSQRT},
    {DGK_BI_RELU, DGK_EPI_RELU}, {DGK_BI_SILU, DGK_EPI_SILU},     {DGK_BI_SIGMOID, DGK_EPI_SIGMOID},
    {DGK_BI_TANH, DGK_EPI_TANH}, {DGK_BI_GELU, DGK_EPI_GELU},     {DGK_BI_MIN, DGK_EPI_MIN},
    {DGK_BI_MAX, DGK_EPI_MAX},   {DGK_BI_CLAMP, DGK_EPI_CLAMP},   {DGK_BI_WHERE, DGK_EPI_WHERE},
};

static const struct { dgk_op op; int arity; dgk_epi_opcode epi; } operator_ops[] = {
    {DGK_OP_ADD, 2, DGK_EPI_ADD}, {DGK_OP_SUB, 2, DGK_EPI_SUB}, {DGK_OP_MUL, 2, DGK_EPI_MUL},
    {DGK_OP_DIV, 2, DGK_EPI_DIV}, {DGK_OP_NEG, 1, DGK_EPI_NEG}, {DGK_OP_SUB, 1, DGK_EPI_NEG},
    {DGK_OP_LT, 2, DGK_EPI_LT},   {DGK_OP_LE, 2, DGK_EPI_LE},   {DGK_OP_GT, 2, DGK_EPI_GT},
    {DGK_OP_GE, 2, DGK_EPI_GE},   {DGK_OP_EQ, 2, DGK_EPI_EQ},   {DGK_OP_NE, 2, DGK_EPI_NE},
    {DGK_OP_LAND, 2, DGK_EPI_AND}, {DGK_OP_LOR, 2, DGK_EPI_OR}, {DGK_OP_NOT, 1, DGK_EPI_NOT},
};

static const dgk_ir_op *OPK(const epi_ctx *c, int id)
{
    return &c->pl->k->ops[id];
}

/* The SPACE_* bits of `op`, whose operands are ops of c already. */
static int space_of(const epi_ctx *c, const dgk_epi_op *op)
{
    switch (op->op) {
    case DGK_EPI_ACC:
    case DGK_EPI_ACC2:
    case DGK_EPI_TILE: return SPACE_TILE;
    case DGK_EPI_ROW: return SPACE_ROW;
    case DGK_EPI_COL: return SPACE_COL;
    default: break;
    }
    if (dgk_epi_is_row_reduce(op))
        return SPACE_ROW;
    int n = dgk_epi_op_arity(op->op), xs[3] = {op->a, op->b, op->c}, bits = 0;
    for (int i = 0; i < n; i++)
        bits |= c->space[xs[i]];
    return bits;
}

static int push(epi_ctx *c, dgk_epi_op op)
{
    if (c->nops == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        dgk_epi_op *n = DGK_NEW_ARRAY(c->pl->a, dgk_epi_op, cap);
        unsigned char *sp = DGK_NEW_ARRAY(c->pl->a, unsigned char, cap);
        if (!n || !sp)
            return -1;
        if (c->nops) {
            memcpy(n, c->ops, sizeof *n * (size_t)c->nops);
            memcpy(sp, c->space, (size_t)c->nops);
        }
        c->ops = n;
        c->space = sp;
        c->cap = cap;
    }
    c->ops[c->nops] = op;
    c->space[c->nops] = (unsigned char)space_of(c, &op);
    return c->nops++;
}

static int lower_epi(epi_ctx *c, int id);

/* The point subscript on axis `axis` of a tensor read (dgk_epi_op.point): the schedule's
 * group variable, the tile's block index along M or N (the schedule variable itself), or
 * a non-negative constant index, checked against the axis's extent when that is known
 * here (and on the device either way: point_ext). Anything else is not lowered, with an
 * error: the value would otherwise be read from another row. `what` names the read in
 * the messages ("an epilogue vector's other subscript"). */
static int lower_point(epi_ctx *c, const dgk_ir_op *L, int axis, const char *what, dgk_epi_op *e)
{
    planner *pl = c->pl;
    const dgk_ir_tensor *t = &pl->k->tensors[L->tensor];
    const dgk_ir_op *sub = &pl->k->ops[L->args[axis]];
    const dgk_loc at = sub->opcode == DGK_IR_TILE_COORD ? L->loc : sub->loc; /* a schedule variable's is its binding's */
    plan_aff f = plan_affine(pl->k, L->args[axis]);
    const int is_const = plan_aff_is_const(&f);
    const int coord = plan_aff_single_coord(&f, 1);
    if (pl->g_coord >= 0 && coord == pl->g_coord) {
        e->point = DGK_EPI_POINT_GROUP;
    } else if (coord >= 0 && (coord == pl->m_coord || coord == pl->n_coord)) {
        e->point = coord == pl->m_coord ? DGK_EPI_POINT_MBLOCK : DGK_EPI_POINT_NBLOCK;
    } else if (is_const && f.c0 < 0) {
        plan_error(pl, at, "index %lld of `%s`'s axis %d is negative", (long long)f.c0, t->name, axis);
        return 0;
    } else if (is_const && t->ext[axis] >= 0 && f.c0 >= t->ext[axis]) {
        plan_error(pl, at, "index %lld is past `%s`'s axis %d, which has %lld entries", (long long)f.c0, t->name, axis,
                   (long long)t->ext[axis]);
        return 0;
    } else if (is_const) {
        e->point = DGK_EPI_POINT_CONST;
        e->index = f.c0;
    } else {
        plan_error(pl, at, "%s (`%s`'s axis %d) must be a constant index, %sa schedule variable of the tile's block "
                   "(a runtime index is not lowered in a GEMM epilogue)", what, t->name, axis,
                   pl->g_coord >= 0 ? "the group variable or " : "");
        return 0;
    }
    e->bounded = 1;
    return plan_arg_extent(pl, L->tensor, axis, &e->point_ext);
}

/* A vector along the tile's rows (ROW) or columns (COL) on axis `ax` of a tensor of one
 * or two axes (the other one at a point), bounded by its own extents. */
static int lower_vector(epi_ctx *c, const dgk_ir_op *L, const dgk_ir_op *top, int ax, dgk_epi_op *e)
{
    planner *pl = c->pl;
    /* its axis in the broadcast result says row or column; a vector not broadcast (rank 1)
     * is a row vector when it starts at the tile's first row (`R[i*BM +: BM]`, beside a
     * row reduction; check_broadcast refuses it as a column of the tile), else a column */
    plan_aff f = plan_affine(pl->k, L->args[ax]);
    int col = top->type.rank == 1 ? plan_aff_single_coord(&f, pl->p->bm) != pl->m_coord
                                  : top->type.rank == 2 && top->type.ext[0] == 1;
    int coord = plan_aff_single_coord(&f, col ? pl->p->bn : pl->p->bm);
    if (coord != (col ? pl->n_coord : pl->m_coord)) {
        plan_error(pl, L->loc, "an epilogue %s vector must start at the tile's %s (a schedule variable times %d)",
                   col ? "column" : "row", col ? "first column" : "first row", col ? pl->p->bn : pl->p->bm);
        return 0;
    }
    if (L->ext[ax] != (col ? pl->p->bn : pl->p->bm)) {
        plan_error(pl, L->loc, "an epilogue %s vector is %d long (the tile's %s); this one is %lld", col ? "column" : "row",
                   col ? pl->p->bn : pl->p->bm, col ? "BN" : "BM", (long long)L->ext[ax]);
        return 0;
    }
    if (L->nargs > 2) {
        plan_error(pl, L->loc, "an epilogue vector is read from a tensor of one or two axes; `%s` has %d",
                   pl->k->tensors[L->tensor].name, L->nargs);
        return 0;
    }
    e->op = col ? DGK_EPI_COL : DGK_EPI_ROW;
    e->arg = plan_arg_tensor(pl, DGK_ARG_PTR, L->tensor, (dgk_tma_info){0});
    e->bounded = 1;
    if (e->arg < 0 || !plan_arg_extent(pl, L->tensor, ax, &e->ext))
        return 0;
    if (L->nargs == 1)
        return 1;
    e->point_inner = ax == 0;
    e->arg2 = plan_arg_stride(pl, L->tensor, 0);
    return e->arg2 >= 0 && lower_point(c, L, 1 - ax, "an epilogue vector's other subscript", e);
}

/* A BM x BN tile of a 2-D tensor, or of a 3-D one at a point of axis 0 (the group's
 * residual, `R[g, i*BM +: BM, j*BN +: BN]`), bounded by its own extents. */
static int lower_tile(epi_ctx *c, const dgk_ir_op *L, const dgk_ir_op *top, int transposed, dgk_epi_op *e)
{
    planner *pl = c->pl;
    const char *name = pl->k->tensors[L->tensor].name;
    const int r = L->nargs - 2; /* the rows' axis */
    if (transposed) {
        plan_error(pl, top->loc, "a transposed tile (`^T`) is not lowered in an sm90 epilogue: read `%s` with its rows "
                   "along the output's rows", name);
        return 0;
    }
    plan_aff fr = plan_affine(pl->k, L->args[r]), fc = plan_affine(pl->k, L->args[r + 1]);
    if (plan_aff_single_coord(&fr, pl->p->bm) != pl->m_coord || plan_aff_single_coord(&fc, pl->p->bn) != pl->n_coord ||
        L->ext[r] != pl->p->bm || L->ext[r + 1] != pl->p->bn) {
        plan_error(pl, L->loc, "an epilogue tile must be the output tile's block: [%sm * %d +: %d, n * %d +: %d]",
                   r ? "a point, " : "", pl->p->bm, pl->p->bm, pl->p->bn, pl->p->bn);
        return 0;
    }
    e->op = DGK_EPI_TILE;
    e->bounded = 1;
    e->arg = plan_arg_tensor(pl, DGK_ARG_PTR, L->tensor, (dgk_tma_info){0});
    e->arg2 = plan_arg_stride(pl, L->tensor, r);
    if (e->arg < 0 || e->arg2 < 0 || !plan_arg_extent(pl, L->tensor, r, &e->ext) ||
        !plan_arg_extent(pl, L->tensor, r + 1, &e->ext_cols))
        return 0;
    if (!r)
        return 1;
    if (!lower_point(c, L, 0, "an epilogue tile's leading subscript", e))
        return 0;
    e->arg3 = plan_arg_stride(pl, L->tensor, 0);
    return e->arg3 >= 0;
}

/* One element of a 1-D tensor at a point (`S[g]`: an expert's scale; `S[0]`). */
static int lower_elem(epi_ctx *c, const dgk_ir_op *L, dgk_epi_op *e)
{
    planner *pl = c->pl;
    if (L->nargs != 1) {
        plan_error(pl, L->loc, "an epilogue reads one element of a 1-D tensor (`S[g]`, `S[0]`); `%s` has %d axes",
                   pl->k->tensors[L->tensor].name, L->nargs);
        return 0;
    }
    e->op = DGK_EPI_ELEM;
    e->arg = plan_arg_tensor(pl, DGK_ARG_PTR, L->tensor, (dgk_tma_info){0});
    return e->arg >= 0 && lower_point(c, L, 0, "the subscript of an epilogue element", e);
}

/* The dtypes an epilogue read converts to f32 (the device header's dgk_load_f32). */
static const dgk_dtype read_dtypes[] = {DGK_DT_F32, DGK_DT_BF16, DGK_DT_F16, DGK_DT_E4M3, DGK_DT_E5M2, DGK_DT_UE8M0, DGK_DT_I32};

/* Whether `dt` is one of the `n` dtypes of `set` (the tables of this file). */
static int dtype_in(const dgk_dtype *set, size_t n, dgk_dtype dt)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == dt)
            return 1;
    return 0;
}
#define DTYPE_IN(set, dt) dtype_in((set), sizeof(set) / sizeof((set)[0]), (dt))

/* A tensor read in the epilogue: a vector along N (COL) or M (ROW) (of a 1-D tensor, or
 * of a 2-D one at a point of its other axis), a BM x BN tile, or one element. */
static int lower_read(epi_ctx *c, int id)
{
    planner *pl = c->pl;
    int ld = id, transposed = 0;
    while (OPK(c, ld)->opcode == DGK_IR_RESHAPE || OPK(c, ld)->opcode == DGK_IR_TRANSPOSE) {
        transposed ^= OPK(c, ld)->opcode == DGK_IR_TRANSPOSE;
        ld = OPK(c, ld)->args[0];
    }
    const dgk_ir_op *L = OPK(c, ld), *top = OPK(c, id);
    dgk_epi_op e = {.loc = L->loc, .a = -1, .b = -1, .c = -1};
    e.dtype = pl->k->tensors[L->tensor].dtype;
    if (!DTYPE_IN(read_dtypes, e.dtype)) {
        plan_error(pl, L->loc, "an sm90 epilogue reads f32, bf16, f16, e4m3, e5m2, ue8m0 or i32 tensors; `%s` is %s",
                   pl->k->tensors[L->tensor].name, dgk_dtype_name(e.dtype));
        return -1;
    }
    int ax = -1, n = 0;
    for (int i = 0; i < L->nargs; i++)
        if (L->ext[i])
            ax = i, n++;
    const int tile = n == 2 && L->nargs <= 3 && L->ext[L->nargs - 2] && L->ext[L->nargs - 1];
    int ok;
    if (n == 0)
        ok = lower_elem(c, L, &e);
    else if (n == 1)
        ok = lower_vector(c, L, top, ax, &e);
    else if (tile)
        ok = lower_tile(c, L, top, transposed, &e);
    else {
        plan_error(pl, L->loc, "this tensor read is not lowered in an sm90 epilogue (elements, vectors along M or N and "
                   "BM x BN tiles are)");
        return -1;
    }
    return ok ? push(c, e) : -1;
}

static int lower_fn(epi_ctx *c, const dgk_ir_op *op, dgk_epi_op *e)
{
    for (size_t i = 0; i < sizeof builtin_ops / sizeof builtin_ops[0]; i++)
        if (builtin_ops[i].fn == op->fn) {
            e->op = builtin_ops[i].op;
            return 1;
        }
    plan_error(c->pl, op->loc, "builtin %s is not lowered in an sm90 epilogue", dgk_builtin_info_of((dgk_builtin)op->fn)->name);
    return 0;
}

static int lower_operator(epi_ctx *c, const dgk_ir_op *op, dgk_epi_op *e)
{
    for (size_t i = 0; i < sizeof operator_ops / sizeof operator_ops[0]; i++)
        if (operator_ops[i].op == op->op && operator_ops[i].arity == op->nargs) {
            e->op = operator_ops[i].epi;
            return 1;
        }
    plan_error(c->pl, op->loc, "operator %s is not lowered in an sm90 epilogue", dgk_op_spelling(op->op));
    return 0;
}

/* The dtypes an epilogue casts to: the float formats round through theirs, the integer
 * ones convert toward zero (backend/sm90/emit_epilogue.c). */
static const dgk_dtype cast_dtypes[] = {DGK_DT_F32,   DGK_DT_BF16, DGK_DT_F16, DGK_DT_E4M3, DGK_DT_E5M2,
                                        DGK_DT_UE8M0, DGK_DT_I32,  DGK_DT_U32, DGK_DT_I64,  DGK_DT_BOOL};

/* A row value (a reduction over the tile's columns) is indexed by row: in a tile
 * expression it must be broadcast along the rows (`s[:, new]`); as a plain rank-1 operand
 * it would broadcast along the columns, and beside a column vector it would mix the two
 * indexings. Either is an error rather than a value read at the wrong index. */
static int check_broadcast(epi_ctx *c, const dgk_ir_op *op, const int *xs)
{
    int bits = 0;
    for (int i = 0; i < op->nargs && i < 3; i++) {
        const dgk_ir_type *t = &OPK(c, op->args[i])->type;
        bits |= c->space[xs[i]];
        if (op->type.rank == 2 && t->rank == 1 && c->space[xs[i]] == SPACE_ROW) {
            plan_error(c->pl, OPK(c, op->args[i])->loc, "this row value (one per row of the tile) would broadcast along "
                       "the columns here: write it as `s[:, new]`");
            return 0;
        }
    }
    if (op->type.rank < 2 && bits == SPACE_TILE) {
        plan_error(c->pl, op->loc, "this combines a row value with a column value as one vector; broadcast them to the "
                   "tile first (`r[:, new]`, `v[new, :]`)");
        return 0;
    }
    return 1;
}

/* Whether `op` is integer arithmetic, which the epilogue (computing in f32) would not do
 * as the language means: an op whose result is an integer (`T / 3`), a comparison of a
 * runtime integer (`T == 16777217`), a reduction of integers. Integer literals and
 * compile-time parameters that meet a float (`acc * 2`, `acc / BK`), shape symbols used as
 * values (`acc * K`) and casts (`f32(x)`) are f32 values, not integer arithmetic. */
static int integer_arithmetic(epi_ctx *c, const dgk_ir_op *op)
{
    if (op->opcode != DGK_IR_EW && op->opcode != DGK_IR_SCALAR && op->opcode != DGK_IR_REDUCE)
        return 0;
    int bad = op->opcode != DGK_IR_REDUCE && dgk_dtype_is_integer(op->type.dtype);
    for (int i = 0; i < op->nargs && !bad; i++) {
        const dgk_ir_op *x = OPK(c, op->args[i]);
        bad = dgk_dtype_is_integer(x->type.dtype) && x->opcode != DGK_IR_CONST && x->opcode != DGK_IR_SHAPE &&
              (op->opcode == DGK_IR_REDUCE || op->type.dtype == DGK_DT_BOOL);
    }
    if (bad)
        plan_error(c->pl, op->loc, "integer arithmetic is not lowered in an sm90 epilogue: compute in f32 (f32(x) of "
                   "each integer operand)");
    return bad;
}

/* Elementwise ops and casts: operands first, then the op. */
static int lower_compute(epi_ctx *c, int id)
{
    const dgk_ir_op *op = OPK(c, id);
    if (integer_arithmetic(c, op))
        return -1;
    dgk_epi_op e = {.loc = op->loc, .a = -1, .b = -1, .c = -1};
    int xs[3] = {-1, -1, -1};
    for (int i = 0; i < op->nargs && i < 3; i++)
        if ((xs[i] = lower_epi(c, op->args[i])) < 0)
            return -1;
    e.a = xs[0];
    e.b = xs[1];
    e.c = xs[2];
    if (!check_broadcast(c, op, xs))
        return -1;
    if (op->opcode == DGK_IR_CAST) {
        e.op = DGK_EPI_CAST;
        e.dtype = op->type.dtype;
        if (!DTYPE_IN(cast_dtypes, e.dtype)) {
            plan_error(c->pl, op->loc, "a cast to %s is not lowered in an sm90 epilogue", dgk_dtype_name(e.dtype));
            return -1;
        }
    } else if (op->opcode == DGK_IR_SELECT) {
        e.op = DGK_EPI_WHERE;
    } else if (!(op->fn >= 0 ? lower_fn(c, op, &e) : lower_operator(c, op, &e))) {
        return -1;
    }
    return push(c, e);
}

static const struct { int fn; dgk_epi_opcode op; } reduce_ops[] = {
    {DGK_BI_AMAX, DGK_EPI_ROWMAX}, {DGK_BI_AMIN, DGK_EPI_ROWMIN}, {DGK_BI_SUM, DGK_EPI_ROWSUM},
};

/* A reduction of a BM x BN tile value over its columns (axis 1): one value per row. */
static int lower_reduce(epi_ctx *c, int id)
{
    planner *pl = c->pl;
    const dgk_ir_op *op = OPK(c, id);
    const dgk_ir_type *t = &OPK(c, op->args[0])->type;
    dgk_epi_op e = {.loc = op->loc, .a = -1, .b = -1, .c = -1, .op = DGK_EPI_COUNT};
    for (size_t i = 0; i < sizeof reduce_ops / sizeof reduce_ops[0]; i++)
        if (reduce_ops[i].fn == op->fn)
            e.op = reduce_ops[i].op;
    if (e.op == DGK_EPI_COUNT) {
        plan_error(pl, op->loc, "reduction %s is not lowered in an sm90 epilogue (amax, amin and sum are)",
                   dgk_builtin_info_of((dgk_builtin)op->fn)->name);
        return -1;
    }
    if (integer_arithmetic(c, op))
        return -1;
    if (t->rank != 2 || t->ext[0] != pl->p->bm || t->ext[1] != pl->p->bn || op->axis != 1) {
        plan_error(pl, op->loc, "an sm90 epilogue reduces a %d x %d tile over its columns (axis 1), one value per row; "
                   "this is a reduction over axis %d of a rank-%d value", pl->p->bm, pl->p->bn, op->axis, t->rank);
        return -1;
    }
    if ((e.a = lower_epi(c, op->args[0])) < 0)
        return -1;
    return push(c, e);
}

/* `s[:, new]` / `v[new, :]` of a computed value (not a tensor read): a row value
 * broadcast along the rows, or a column value along the columns; the value itself. */
static int lower_broadcast(epi_ctx *c, int id)
{
    planner *pl = c->pl;
    const dgk_ir_op *op = OPK(c, id), *src = OPK(c, op->args[0]);
    const int rows = op->type.rank == 2 && op->type.ext[1] == 1 && src->type.rank == 1;
    const int cols = op->type.rank == 2 && op->type.ext[0] == 1 && src->type.rank == 1;
    if (op->opcode != DGK_IR_RESHAPE || !(rows || cols)) {
        plan_error(pl, op->loc, "an sm90 epilogue broadcasts a computed vector with `s[:, new]` (along the rows) or "
                   "`v[new, :]` (along the columns); this %s is not lowered",
                   op->opcode == DGK_IR_TRANSPOSE ? "transpose" : "reshape");
        return -1;
    }
    int x = lower_epi(c, op->args[0]);
    if (x < 0)
        return -1;
    if (c->space[x] == (rows ? SPACE_COL : SPACE_ROW)) {
        plan_error(pl, op->loc, "this broadcasts a %s value along the %s", rows ? "column" : "row", rows ? "rows" : "columns");
        return -1;
    }
    return x;
}

/* Whether a chain of reshapes and transposes from `id` ends at a tensor read. */
static int reads_tensor(const epi_ctx *c, int id)
{
    while (OPK(c, id)->opcode == DGK_IR_RESHAPE || OPK(c, id)->opcode == DGK_IR_TRANSPOSE)
        id = OPK(c, id)->args[0];
    return OPK(c, id)->opcode == DGK_IR_LOAD_TILE || OPK(c, id)->opcode == DGK_IR_LOAD_SCALAR;
}

static int lower_epi_uncached(epi_ctx *c, int id)
{
    planner *pl = c->pl;
    const dgk_ir_op *op = OPK(c, id);
    dgk_epi_op e = {.loc = op->loc, .a = -1, .b = -1, .c = -1};
    /* the IR holds one iteration of the loop: a value computed in it (`s = s * S[g]`)
     * would be read as after one iteration */
    if (op->region == DGK_IR_MAINLOOP && op->opcode != DGK_IR_CONST && op->opcode != DGK_IR_PARAM &&
        !(op->opcode == DGK_IR_ACC_INIT && (id == pl->acc || id == pl->acc2))) {
        plan_error(pl, op->loc, "this value is computed inside the pipeline, which carries only the accumulator out of "
                   "its loop: compute it after the pipeline");
        return -1;
    }
    switch (op->opcode) {
    case DGK_IR_ACC_INIT:
        if (id != pl->acc && id != pl->acc2)
            break;
        e.op = id == pl->acc ? DGK_EPI_ACC : DGK_EPI_ACC2;
        return push(c, e);
    case DGK_IR_CONST:
        e.op = DGK_EPI_CONST;
        e.imm = op->is_float ? op->fimm : (double)op->imm;
        return push(c, e);
    case DGK_IR_PARAM:
        e.op = DGK_EPI_SCALAR;
        e.arg = plan_arg_scalar(pl, op->param);
        return push(c, e);
    case DGK_IR_RESHAPE:
    case DGK_IR_TRANSPOSE:
        return reads_tensor(c, id) ? lower_read(c, id) : lower_broadcast(c, id);
    case DGK_IR_LOAD_SCALAR:
    case DGK_IR_LOAD_TILE:
        return lower_read(c, id);
    case DGK_IR_REDUCE:
        return lower_reduce(c, id);
    case DGK_IR_SHAPE: {
        /* a shape symbol's value: a constant, or the kernel's SHAPE argument */
        dgk_plan_dim d;
        if (!plan_arg_extent(pl, op->tensor, op->axis, &d))
            return -1;
        e.op = d.arg < 0 ? DGK_EPI_CONST : DGK_EPI_SCALAR;
        e.imm = (double)d.value;
        e.arg = d.arg;
        return push(c, e);
    }
    case DGK_IR_SCALAR: /* a scale computed from scalars (`SA[0] * SB[0]`): f32 per element */
    case DGK_IR_EW:
    case DGK_IR_CAST:
    case DGK_IR_SELECT:
        return lower_compute(c, id);
    default:
        break;
    }
    plan_error(pl, op->loc, "this value (%s) is not lowered in an sm90 epilogue", dgk_ir_opcode_name(op->opcode));
    return -1;
}

static int lower_epi(epi_ctx *c, int id)
{
    if (c->memo[id])
        return c->memo[id] - 1;
    int r = lower_epi_uncached(c, id);
    if (r >= 0)
        c->memo[id] = r + 1;
    return r;
}

/* Whether STORE `st` writes a vector (a row vector store) rather than a tile. */
static int stores_vector(const planner *pl, const dgk_ir_op *st)
{
    return pl->k->ops[st->args[st->nargs - 1]].type.rank == 1;
}

/* The single tile STORE of the epilogue region (row vector stores may sit beside it). */
static int find_store(planner *pl)
{
    int found = -1;
    for (int i = 0; i < pl->k->nops; i++) {
        const dgk_ir_op *op = &pl->k->ops[i];
        if (op->region != DGK_IR_EPILOGUE || op->opcode != DGK_IR_STORE || stores_vector(pl, op))
            continue;
        if (found >= 0) {
            plan_error(pl, op->loc, "sm90 epilogues store one output tile; this is a second store");
            return -1;
        }
        found = i;
    }
    if (found < 0)
        plan_error(pl, pl->k->loc, "kernel %s stores no output tile after its pipeline", pl->k->name);
    return found;
}

/* Whether the kernel reads tensor `t` anywhere (an operand, a scale, an epilogue read). */
static int reads_tensor_anywhere(const planner *pl, int t)
{
    for (int i = 0; i < pl->k->nops; i++) {
        const dgk_ir_op *op = &pl->k->ops[i];
        if ((op->opcode == DGK_IR_LOAD_TILE || op->opcode == DGK_IR_LOAD_SCALAR) && op->tensor == t)
            return 1;
    }
    return 0;
}

/* The dtypes a row vector store writes (the device header's dgk_put). */
static const dgk_dtype vstore_dtypes[] = {DGK_DT_F32, DGK_DT_BF16, DGK_DT_F16, DGK_DT_E4M3, DGK_DT_E5M2, DGK_DT_UE8M0};

/* `V[i*BM +: BM] = s` (or at a point of V's other axis): where, as a ROW read of V would
 * be (lower_vector), and the value, a row value of the program. */
static int lower_vstore(epi_ctx *c, const dgk_ir_op *st, dgk_epi_vstore *vs)
{
    planner *pl = c->pl;
    const dgk_ir_tensor *t = &pl->k->tensors[st->tensor];
    const dgk_ir_op *val = OPK(c, st->args[st->nargs - 1]);
    if (st->op != DGK_OP_ASSIGN) {
        plan_error(pl, st->loc, "a row vector is stored with `=` in an sm90 epilogue; `%s` is not lowered", dgk_op_spelling(st->op));
        return 0;
    }
    if (!DTYPE_IN(vstore_dtypes, t->dtype)) {
        plan_error(pl, st->loc, "an sm90 epilogue stores row vectors of f32, bf16, f16, e4m3, e5m2 or ue8m0; `%s` is %s",
                   t->name, dgk_dtype_name(t->dtype));
        return 0;
    }
    if (reads_tensor_anywhere(pl, st->tensor) || st->tensor == pl->k->ops[pl->store].tensor) {
        plan_error(pl, st->loc, "`%s` is stored as a row vector and also read or stored as a tile by this kernel; an sm90 "
                   "epilogue writes it only as a row vector", t->name);
        return 0;
    }
    int ax = -1, n = 0;
    for (int i = 0; i < st->nargs - 1; i++)
        if (st->ext[i])
            ax = i, n++;
    if (n != 1 || st->nargs - 1 > 2) {
        plan_error(pl, st->loc, "a row vector is stored into a slice `V[i*BM +: BM]` of a 1-D tensor, or of a 2-D one at "
                   "a point of its other axis");
        return 0;
    }
    dgk_ir_op where = *st;  /* the slice as a read of V: its starts, extents and axes */
    where.nargs = st->nargs - 1;
    dgk_ir_op top = {.loc = st->loc, .type = {.rank = 2, .ext = {pl->p->bm, 1}}};  /* indexed by row */
    vs->at = (dgk_epi_op){.loc = st->loc, .a = -1, .b = -1, .c = -1, .dtype = t->dtype};
    if (!lower_vector(c, &where, &top, ax, &vs->at))
        return 0;
    if ((vs->value = lower_epi(c, st->args[st->nargs - 1])) < 0)
        return 0;
    if (c->space[vs->value] & SPACE_COL) {
        plan_error(pl, val->loc, "a stored row vector must be the same along each row (a reduction over the tile's "
                   "columns, row vectors, scalars); this value varies along the columns");
        return 0;
    }
    return 1;
}

/* Every row vector store of the epilogue, after the tile's program (plan.h tile_nops). */
static int lower_vstores(epi_ctx *c)
{
    planner *pl = c->pl;
    dgk_plan_epilogue *ep = &pl->p->epi;
    int n = 0;
    for (int i = 0; i < pl->k->nops; i++)
        n += pl->k->ops[i].region == DGK_IR_EPILOGUE && pl->k->ops[i].opcode == DGK_IR_STORE &&
             stores_vector(pl, &pl->k->ops[i]);
    if (!n)
        return 1;
    ep->vstores = DGK_NEW_ARRAY(pl->a, dgk_epi_vstore, n);
    if (!ep->vstores)
        return 0;
    for (int i = 0; i < pl->k->nops; i++) {
        const dgk_ir_op *op = &pl->k->ops[i];
        if (op->region == DGK_IR_EPILOGUE && op->opcode == DGK_IR_STORE && stores_vector(pl, op) &&
            !lower_vstore(c, op, &ep->vstores[ep->nvstores++]))
            return 0;
    }
    return 1;
}

static int check_store_target(planner *pl, const dgk_ir_op *st)
{
    const dgk_ir_tensor *d = &pl->k->tensors[st->tensor];
    int g = d->rank == 3; /* [G, M, N]: a leading group subscript */
    if ((d->rank != 2 && d->rank != 3) || st->nargs != d->rank + 1) {
        plan_error(pl, st->loc, "the output `%s` must be a 2-D tensor (or 3-D with a leading group axis) stored as a whole tile", d->name);
        return 0;
    }
    if (g && !plan_group_point(pl, st->args[0], st->loc, d->name))
        return 0;
    pl->p->epi.out_grouped = g;
    plan_aff fr = plan_affine(pl->k, st->args[g]), fc = plan_affine(pl->k, st->args[g + 1]);
    if (plan_aff_single_coord(&fr, pl->p->bm) != pl->m_coord || plan_aff_single_coord(&fc, pl->p->bn) != pl->n_coord) {
        plan_error(pl, st->loc, "the store must write the tile the mainloop computed: `%s[m * %d +: %d, n * %d +: %d]` with the schedule variables of A and B",
                   d->name, pl->p->bm, pl->p->bm, pl->p->bn, pl->p->bn);
        return 0;
    }
    const dgk_ir_type *vt = &pl->k->ops[st->args[g + 2]].type;
    if (vt->rank != 2 || vt->ext[0] != pl->p->bm || vt->ext[1] != pl->p->bn) {
        plan_error(pl, st->loc, "the stored tile must be %d x %d (the accumulator's shape)", pl->p->bm, pl->p->bn);
        return 0;
    }
    return 1;
}

static const dgk_dtype out_dtypes[] = {DGK_DT_BF16, DGK_DT_F16, DGK_DT_F32, DGK_DT_E4M3, DGK_DT_E5M2};

static int check_out_dtype(planner *pl, const dgk_ir_op *st, dgk_dtype dt)
{
    if (DTYPE_IN(out_dtypes, dt))
        return 1;
    plan_error(pl, st->loc, "sm90 epilogues store bf16, f16, f32, e4m3 or e5m2 tiles; `%s` is %s", pl->k->tensors[st->tensor].name, dgk_dtype_name(dt));
    return 0;
}

/* The TMA store box: one whole swizzle span per row (128, 64 or 32 bytes) when such a
 * box divides the columns a consumer warpgroup stores (BN, or with swapped operands its
 * wg_rows columns), else unswizzled rows of 16 bytes. */
static void choose_out_box(dgk_plan *p, int out_bytes)
{
    static const dgk_swizzle spans[] = {DGK_SWIZZLE_128B, DGK_SWIZZLE_64B, DGK_SWIZZLE_32B};
    int wg_cols = p->swap_ab ? p->wg_rows : p->bn;
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        int cols = (int)spans[i] / out_bytes;
        if (wg_cols % cols == 0) {
            p->epi.out_box_cols = cols;
            p->epi.out_swizzle = spans[i];
            return;
        }
    }
    p->epi.out_box_cols = 16 / out_bytes;
    p->epi.out_swizzle = DGK_SWIZZLE_NONE;
}

int plan_epilogue(planner *pl)
{
    dgk_plan *p = pl->p;
    if ((pl->store = find_store(pl)) < 0)
        return 0;
    const dgk_ir_op *st = &pl->k->ops[pl->store];
    if (!check_store_target(pl, st))
        return 0;
    const dgk_ir_tensor *d = &pl->k->tensors[st->tensor];
    if (!check_out_dtype(pl, st, d->dtype))
        return 0;
    epi_ctx c = {.pl = pl};
    c.memo = DGK_NEW_ARRAY(pl->a, int, pl->k->nops);
    int value = c.memo ? lower_epi(&c, st->args[st->nargs - 1]) : -1;
    if (value < 0)
        return 0;
    if (value != c.nops - 1) { /* the tile's program ends at its value (plan.h tile_nops) */
        plan_error(pl, st->loc, "internal: the stored tile's value is not its program's last op");
        return 0;
    }
    const int tile_nops = c.nops;
    if (!lower_vstores(&c))
        return 0;
    p->epi.ops = c.ops;
    p->epi.nops = c.nops;
    p->epi.tile_nops = c.nops > tile_nops ? tile_nops : 0;
    p->epi.out_dtype = d->dtype;
    p->epi.accumulate = st->op == DGK_OP_ADD_ASSIGN;
    if (st->op != DGK_OP_ASSIGN && st->op != DGK_OP_ADD_ASSIGN) {
        plan_error(pl, st->loc, "an output tile is written with `=` or accumulated with `+=`; `%s` is not lowered", dgk_op_spelling(st->op));
        return 0;
    }
    if (p->epi.accumulate && d->dtype != DGK_DT_F32 && d->dtype != DGK_DT_BF16) {
        plan_error(pl, st->loc, "`+=` into an output needs f32 or bf16 (TMA reduce-add); `%s` is %s", d->name, dgk_dtype_name(d->dtype));
        return 0;
    }
    p->epi.loc = st->loc;
    choose_out_box(p, dgk_dtype_bits(d->dtype) / 8);
    const int wg_cols = p->swap_ab ? p->wg_rows : p->bn;
    if (wg_cols % p->epi.out_box_cols) { /* e4m3 / e5m2: boxes of whole 16-byte pieces */
        plan_error(pl, st->loc, "%s tiles are stored in TMA boxes of %d columns (16 bytes), which must divide the %d "
                   "columns a warpgroup stores (BN = %d): choose BN a multiple of %d", dgk_dtype_name(d->dtype),
                   p->epi.out_box_cols, wg_cols, p->bn, p->epi.out_box_cols);
        return 0;
    }
    int g = p->epi.out_grouped;
    /* a box per consumer warpgroup: its rows, or with swapped operands all BM rows */
    int rows = p->swap_ab ? p->bm : p->wg_rows;
    dgk_tma_info tma = {.rank = 2 + g, .box = {p->epi.out_box_cols, rows, g}, .swizzle = p->epi.out_swizzle};
    p->epi.out_arg = plan_arg_tensor(pl, DGK_ARG_TMA, st->tensor, tma);
    return p->epi.out_arg >= 0;
}

/* `store_passes P` (plan.h, epi.passes): P must split each consumer warpgroup's staging
 * boxes evenly, on the store path that writes a warpgroup's rows box by box; the swapped
 * store (every warpgroup holds all BM rows), the contiguous schedule's guarded copy of a
 * group's last rows and split-K's slices read the whole staged tile, so there it is an
 * error. */
int plan_store_passes(planner *pl)
{
    dgk_plan *p = pl->p;
    const int passes = pl->k->sched_store_passes ? pl->k->sched_store_passes : 1;
    const dgk_loc at = pl->k->sched_store_passes_loc;
    const int boxes = p->bn / p->epi.out_box_cols;
    p->epi.passes = 1;
    if (passes == 1)
        return 1;
    const char *why = p->swap_ab              ? "the swapped store (BM < 64) stages all its rows at once"
                      : p->epi.out_guard_rows ? "the contiguous schedule copies a group's last rows from the whole staged tile"
                      : p->split.slices > 1 || p->split.tail ? "split-K's slices stage the whole tile"
                                                             : NULL;
    if (why) {
        plan_error(pl, at, "store_passes %d is not lowered here: %s", passes, why);
        return 0;
    }
    if (boxes % passes || p->bn / passes % 16) {
        plan_error(pl, at, "store_passes %d must divide the tile's %d TMA boxes of %d columns (BN = %d) into passes of a "
                   "multiple of 16 columns", passes, boxes, p->epi.out_box_cols, p->bn);
        return 0;
    }
    p->epi.passes = passes;
    return 1;
}

/* Row reductions and row vector stores (the epilogue's row pass, emit_epi_rows.c) need
 * each consumer warpgroup to hold whole rows of the final accumulator: not so with
 * swapped operands (a warpgroup holds a column slice of every row) or split-K (a unit
 * holds part of the sum). There it is an error at the first such op. (The contiguous
 * schedule's padding rows are skipped by the row stores as by the tile's.) */
int plan_epilogue_rows(planner *pl)
{
    const dgk_plan *p = pl->p;
    const dgk_plan_epilogue *ep = &p->epi;
    if (!dgk_epi_has_rows(ep))
        return 1;
    dgk_loc at = ep->nvstores ? ep->vstores[0].at.loc : ep->loc;
    for (int i = 0; i < ep->nops; i++)
        if (dgk_epi_is_row_reduce(&ep->ops[i])) {
            at = ep->ops[i].loc;
            break;
        }
    const char *why = p->swap_ab                             ? "with swapped operands (BM < 64) a warpgroup holds a slice of every row"
                      : p->split.slices > 1 || p->split.tail ? "split-K's (or tail_split's) slices hold parts of the sum"
                                                             : NULL;
    if (why) {
        plan_error(pl, at, "a row reduction or row vector store is not lowered here: %s", why);
        return 0;
    }
    /* every column block of a row computes its own value: a store not at the tile's column
     * block would be written by each of them, the last one winning; on the masked and
     * k-grouped schedules every group's tiles cover the same rows, so it must be at the
     * group (and then, a vector having one point, N <= BN) */
    const int one_block = p->n.arg < 0 && p->n.value <= p->bn;
    const int per_group = p->sched.kind == DGK_SCHED_M_GROUPED_MASKED || p->sched.kind == DGK_SCHED_K_GROUPED;
    for (int s = 0; s < ep->nvstores; s++) {
        const dgk_epi_op *st = &ep->vstores[s].at;
        if (per_group && st->point != DGK_EPI_POINT_GROUP) {
            plan_error(pl, st->loc, "this row vector would be written by every group's tiles (they cover the same rows "
                       "here): store it at the group (`V[g, i*BM +: BM]`)");
            return 0;
        }
        if (!one_block && st->point != DGK_EPI_POINT_NBLOCK) {
            plan_error(pl, st->loc, "this row vector would be written by every column block of its rows (the output's "
                       "column extent is not known to be at most BN = %d): store it at the tile's column block (`V[j, "
                       "i*BM +: BM]`)%s or give that extent <= %d at compile time", p->bn,
                       per_group ? ", which the group's point leaves no room for," : "", p->bn);
            return 0;
        }
    }
    return 1;
}
