/* plan_simt.c - plans an elementwise kernel: a `grid` schedule whose body has no pipeline
 * (scale layouts, quantization, masks). Such a kernel runs on CUDA cores, one CTA per
 * tile; the plan says how many threads, which tiles also live in shared memory (those
 * read at other positions than the thread's own), how each reduction is split, and the
 * kernel's arguments and grid. See dgk_plan_simt in plan.h for the execution model. */
#include "plan_int.h"

#include <string.h>

#include "builtins.h"
#include "../backend/sm90/sm90.h"

enum { SIMT_MAX_THREADS = 512, SIMT_MIN_THREADS = 128, SIMT_ALIGN = 16 };

/* Which IR ops an elementwise kernel lowers; the others need the GEMM path. */
static const char *const not_lowered[DGK_IR_OPCODE_COUNT] = {
    [DGK_IR_LOOP_VAR] = "a pipeline variable",
    [DGK_IR_MMA] = "`mma` needs a `pipeline` (the GEMM path)",
    [DGK_IR_ACC_UPDATE] = "updating a tile `var` is lowered only as a GEMM accumulator; bind a new `let` instead",
};

/* Bytes of one element as the kernel computes with it: floats (any width) as f32. */
static int value_bytes(dgk_dtype t)
{
    if (t == DGK_DT_BOOL)
        return 1;
    return t == DGK_DT_I64 ? 8 : 4;
}

/* Lanes per row when a warp can reduce op (a REDUCE) in registers: the last axis, of a
 * length L that groups of vec divide, with L / vec dividing 32, so every row is whole
 * within one warp (a row starts at a group index that is a multiple of L / vec); 0 when
 * not. */
static int warp_lanes(const dgk_ir_kernel *k, const dgk_plan_simt *s, const dgk_ir_op *op)
{
    const dgk_ir_type *in = &k->ops[op->args[0]].type;
    if (op->opcode != DGK_IR_REDUCE || in->rank < 2 || op->axis != in->rank - 1)
        return 0;
    int64_t len = in->ext[in->rank - 1];
    if (len % s->vec || 32 % (len / s->vec))
        return 0;
    return (int)(len / s->vec);
}

/* Marks the tile operands that a user reads at other positions than its own: those get a
 * shared copy. */
static void mark_shared(const dgk_ir_kernel *k, const dgk_plan_simt *s, int *shared)
{
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i];
        int first = 0, last = op->nargs;
        dgk_ir_type own = op->type;
        switch (op->opcode) {
        case DGK_IR_REDUCE:
            shared[op->args[0]] |= !warp_lanes(k, s, op);
            continue;
        case DGK_IR_TRANSPOSE:
            shared[op->args[0]] = 1;
            continue;
        case DGK_IR_STORE:
            first = op->nargs - 1;
            own = dgk_ir_store_shape(op);
            break;
        case DGK_IR_EW:
        case DGK_IR_SELECT:
        case DGK_IR_CAST:
            break;
        default:
            continue;
        }
        for (int a = first; a < last; a++) {
            const dgk_ir_type *t = &k->ops[op->args[a]].type;
            if (t->rank > 0 && !dgk_ir_same_shape(t, &own))
                shared[op->args[a]] = 1;
        }
    }
}

/* The tile an op computes, or for a store the slice it writes (a scalar stored into a
 * slice writes every element of it). */
static dgk_ir_type tile_of(const dgk_ir_op *op)
{
    return op->opcode == DGK_IR_STORE ? dgk_ir_store_shape(op) : op->type;
}

static int check_ops(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i];
        dgk_ir_type t = tile_of(op);
        if (not_lowered[op->opcode]) {
            plan_error(pl, op->loc, "not lowered in an elementwise kernel: %s", not_lowered[op->opcode]);
            continue;
        }
        for (int a = 0; a < t.rank; a++)
            if (t.ext[a] <= 0)
                plan_error(pl, op->loc, "internal: a tile extent is not known at compile time");
        if (t.rank > 0 && dgk_ir_numel(&t) > (int64_t)1 << 20)
            plan_error(pl, op->loc, "a tile of %lld elements is too large for one CTA (at most 1048576)",
                       (long long)dgk_ir_numel(&t));
    }
    return !pl->nerr;
}

/* Groups of 4 elements per thread once the largest tile (or stored slice) fills
 * SIMT_MIN_THREADS threads with them; then threads enough for it to give each thread one
 * group, a whole number of warps, at most SIMT_MAX_THREADS (larger tiles give each thread
 * several). */
static void pick_threads(const dgk_ir_kernel *k, dgk_plan_simt *s)
{
    int64_t most = 1;
    for (int i = 0; i < k->nops; i++) {
        dgk_ir_type t = tile_of(&k->ops[i]);
        if (t.rank > 0 && dgk_ir_numel(&t) > most)
            most = dgk_ir_numel(&t);
    }
    s->vec = most >= 4 * SIMT_MIN_THREADS ? 4 : 1;
    most = (most + s->vec - 1) / s->vec;
    s->threads = most >= SIMT_MAX_THREADS ? SIMT_MAX_THREADS : (int)((most + 31) / 32 * 32);
}

static int align_up(int64_t x)
{
    return (int)((x + SIMT_ALIGN - 1) / SIMT_ALIGN * SIMT_ALIGN);
}

/* Shared copies and reduction partials, laid out in op order. */
static int plan_smem(planner *pl, dgk_plan_simt *s, const int *shared)
{
    const dgk_ir_kernel *k = pl->k;
    int64_t off = 0;
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i];
        s->smem_off[i] = s->part_off[i] = -1;
        s->parts[i] = 1;
        if (shared[i]) {
            int64_t last = op->type.ext[op->type.rank - 1];
            /* a row of a multiple of 32 words would put a column in one bank */
            s->smem_ld[i] = (int)(op->type.rank > 1 && last % 32 == 0 ? last + 1 : last);
            s->smem_off[i] = (int)off;
            off = align_up(off + dgk_ir_numel(&op->type) / last * s->smem_ld[i] * value_bytes(op->type.dtype));
        }
        s->lanes[i] = warp_lanes(k, s, op);
        if (s->lanes[i]) {
            s->part_off[i] = (int)off; /* the outputs, one per row */
            off = align_up(off + dgk_ir_numel(&op->type) * value_bytes(op->type.dtype));
        } else if (op->opcode == DGK_IR_REDUCE) {
            const dgk_ir_type *in = &k->ops[op->args[0]].type;
            int64_t outs = op->type.rank ? dgk_ir_numel(&op->type) : 1, len = in->ext[op->axis], p = 1;
            while (p * 2 * outs <= s->threads && p * 2 <= len)
                p *= 2;
            s->parts[i] = (int)p;
            if (p > 1) {
                s->part_off[i] = (int)off;
                off = align_up(off + outs * p * value_bytes(op->type.dtype));
            }
        }
        if (off > DGK_SM90_SMEM_MAX) {
            plan_error(pl, op->loc,
                       "kernel %s needs %lld bytes of shared memory up to here for tiles read across threads "
                       "(broadcast operands, transposes, reductions); a CTA has %d",
                       k->name, (long long)off, DGK_SM90_SMEM_MAX);
            return 0;
        }
    }
    pl->p->launch.smem_bytes = (int)off;
    return 1;
}

/* A grid extent: a constant, a shape, or one of them divided by a constant. */
static int grid_extent(planner *pl, int id, dgk_plan_extent *x)
{
    const dgk_ir_op *op = &pl->k->ops[id];
    x->div = 1;
    x->round_up = 0;
    if (op->opcode == DGK_IR_CONST && !op->is_float && op->imm >= 0) {
        x->dim = (dgk_plan_dim){.value = op->imm, .arg = -1};
        return 1;
    }
    if (op->opcode == DGK_IR_SHAPE)
        return plan_arg_extent(pl, op->tensor, op->axis, &x->dim);
    int cdiv = op->opcode == DGK_IR_SCALAR && op->fn == DGK_BI_CDIV;
    int div = op->opcode == DGK_IR_SCALAR && op->fn < 0 && op->op == DGK_OP_DIV;
    if ((cdiv || div) && op->nargs == 2) {
        const dgk_ir_op *d = &pl->k->ops[op->args[1]];
        const dgk_ir_op *n = &pl->k->ops[op->args[0]];
        if (d->opcode == DGK_IR_CONST && !d->is_float && d->imm > 0 && (n->opcode == DGK_IR_SHAPE || n->opcode == DGK_IR_CONST)) {
            if (!grid_extent(pl, op->args[0], x))
                return 0;
            x->div = d->imm;
            x->round_up = cdiv;
            return 1;
        }
    }
    plan_error(pl, op->loc,
               "a grid extent of an elementwise kernel must be a constant, a shape (`M`) or one divided by a constant "
               "(`cdiv(M, 128)`, `M / 4`): the launch computes the grid from it");
    return 0;
}

/* The dtypes an elementwise kernel loads and stores (the device header's dgk_load_f32 /
 * dgk_to_f32 / dgk_put, and plain integers). */
static int tensor_dtype_ok(dgk_dtype t)
{
    return t == DGK_DT_F32 || t == DGK_DT_BF16 || t == DGK_DT_F16 || t == DGK_DT_E4M3 || t == DGK_DT_E5M2 ||
           t == DGK_DT_UE8M0 || t == DGK_DT_I32 || t == DGK_DT_U32 || t == DGK_DT_I64;
}

/* The scalar dtypes the launch binds (runtime/op.c: f32, i64, the others as i32) and the
 * emitted kernel reads as they are. */
static int scalar_dtype_ok(dgk_dtype t)
{
    return t == DGK_DT_F32 || t == DGK_DT_I32 || t == DGK_DT_U32 || t == DGK_DT_I64;
}

/* Arguments in order of first use: each tensor's pointer, row strides and extents, the
 * scalars. */
static int plan_simt_args(planner *pl, dgk_plan_simt *s)
{
    const dgk_ir_kernel *k = pl->k;
    for (int i = 0; i < k->nsched && i < 3; i++)
        if (!grid_extent(pl, k->sched_extents[i], &s->ext[i]))
            return 0;
    s->next = k->nsched;
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i];
        if (op->opcode == DGK_IR_PARAM && s->scalar_arg[op->param] < 0) {
            if (!scalar_dtype_ok(k->tensors[op->param].dtype)) {
                plan_error(pl, k->tensors[op->param].loc,
                           "an elementwise kernel takes scalar parameters of f32, i32, u32 or i64 (what the launch "
                           "passes), not %s: take an f32 and cast it inside",
                           dgk_dtype_name(k->tensors[op->param].dtype));
                return 0;
            }
            s->scalar_arg[op->param] = plan_arg_scalar(pl, op->param);
        }
        int t = op->tensor;
        if (op->opcode == DGK_IR_SHAPE && !plan_arg_extent(pl, t, op->axis, &s->extent[t][op->axis]))
            return 0;
        if ((op->opcode != DGK_IR_LOAD_SCALAR && op->opcode != DGK_IR_LOAD_TILE && op->opcode != DGK_IR_STORE) ||
            s->ptr_arg[t] >= 0)
            continue;
        if (!tensor_dtype_ok(k->tensors[t].dtype)) {
            plan_error(pl, k->tensors[t].loc, "an elementwise kernel cannot load or store %s tensors",
                       dgk_dtype_name(k->tensors[t].dtype));
            return 0;
        }
        s->ptr_arg[t] = plan_arg_tensor(pl, DGK_ARG_PTR, t, (dgk_tma_info){0});
        int rank = k->tensors[t].rank;
        for (int a = 0; a + 1 < rank; a++)
            s->stride_arg[t][a] = plan_arg_stride(pl, t, a);
        for (int a = 0; a < rank; a++)
            if (!plan_arg_extent(pl, t, a, &s->extent[t][a]))
                return 0;
    }
    return !pl->nerr && !pl->a->failed;
}

static int alloc_simt(planner *pl, dgk_plan_simt *s)
{
    const dgk_ir_kernel *k = pl->k;
    int n = k->nops ? k->nops : 1, nt = k->ntensors ? k->ntensors : 1;
    s->smem_off = DGK_NEW_ARRAY(pl->a, int, n);
    s->smem_ld = DGK_NEW_ARRAY(pl->a, int, n);
    s->parts = DGK_NEW_ARRAY(pl->a, int, n);
    s->part_off = DGK_NEW_ARRAY(pl->a, int, n);
    s->lanes = DGK_NEW_ARRAY(pl->a, int, n);
    s->ptr_arg = DGK_NEW_ARRAY(pl->a, int, nt);
    typedef int axis_args[4];
    typedef dgk_plan_dim axis_dims[4];
    s->stride_arg = DGK_NEW_ARRAY(pl->a, axis_args, nt);
    s->extent = DGK_NEW_ARRAY(pl->a, axis_dims, nt);
    s->scalar_arg = DGK_NEW_ARRAY(pl->a, int, nt);
    if (!s->smem_off || !s->smem_ld || !s->parts || !s->part_off || !s->lanes || !s->ptr_arg || !s->stride_arg || !s->extent ||
        !s->scalar_arg)
        return 0;
    for (int t = 0; t < nt; t++) {
        s->ptr_arg[t] = s->scalar_arg[t] = -1;
        for (int a = 0; a < 4; a++)
            s->stride_arg[t][a] = -1, s->extent[t][a] = (dgk_plan_dim){.value = 0, .arg = -1};
    }
    return 1;
}

int plan_simt(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    dgk_plan *p = pl->p;
    dgk_plan_simt *s = DGK_NEW(pl->a, dgk_plan_simt);
    int *shared = DGK_NEW_ARRAY(pl->a, int, k->nops ? k->nops : 1);
    if (!s || !shared || !alloc_simt(pl, s) || !check_ops(pl))
        return 0;
    s->k = k;
    pick_threads(k, s);
    mark_shared(k, s, shared);
    if (!plan_smem(pl, s, shared) || !plan_simt_args(pl, s))
        return 0;
    p->sched.kind = DGK_SCHED_GRID;
    p->cluster_m = p->cluster_n = 1;
    p->sched.loc = k->sched_loc;
    p->launch.threads = s->threads;
    p->launch.cluster[0] = p->launch.cluster[1] = p->launch.cluster[2] = 1;
    p->launch.grid = DGK_GRID_TILES;
    p->smem.total = p->launch.smem_bytes;
    p->simt = s;
    return 1;
}
