/* plan_abi.c - the emitted kernel's parameter list (dgk_kernel_arg) and launch facts.
 * Arguments are made on first use by the passes that need them and shared after that,
 * so a tensor read twice is passed once. Names are C identifiers made from the source
 * names (`tma_A`, `ptr_bias`, `M`), so the generated code reads like the .dgk. */
#include "plan_int.h"

#include <string.h>

static const char *const kind_prefix[] = {"tma_", "ptr_", "", "stride_", "", ""};

static int new_arg(planner *pl, dgk_kernel_arg arg)
{
    dgk_plan *p = pl->p;
    dgk_kernel_arg *args = DGK_NEW_ARRAY(pl->a, dgk_kernel_arg, p->nargs + 1);
    if (!args)
        return -1;
    if (p->nargs)
        memcpy(args, p->args, sizeof *args * (size_t)p->nargs);
    args[p->nargs] = arg;
    p->args = args;
    return p->nargs++;
}

static int find_arg(const dgk_plan *p, dgk_arg_kind kind, int param, int axis)
{
    for (int i = 0; i < p->nargs; i++)
        if (p->args[i].kind == kind && p->args[i].param == param && (kind != DGK_ARG_STRIDE || p->args[i].axis == axis))
            return i;
    return -1;
}

int plan_arg_tensor(planner *pl, dgk_arg_kind kind, int tensor, dgk_tma_info tma)
{
    int i = find_arg(pl->p, kind, tensor, 0);
    if (i >= 0)
        return i;
    const dgk_ir_tensor *t = &pl->k->tensors[tensor];
    dgk_kernel_arg a = {.kind = kind, .param = tensor, .dtype = t->dtype, .tma = tma, .loc = t->loc};
    a.name = dgk_arena_printf(pl->a, "%s%s", kind_prefix[kind], t->name);
    return new_arg(pl, a);
}

int plan_arg_stride(planner *pl, int tensor, int axis)
{
    int i = find_arg(pl->p, DGK_ARG_STRIDE, tensor, axis);
    if (i >= 0)
        return i;
    const dgk_ir_tensor *t = &pl->k->tensors[tensor];
    dgk_kernel_arg a = {.kind = DGK_ARG_STRIDE, .param = tensor, .axis = axis, .dtype = DGK_DT_I64, .loc = t->loc};
    a.name = dgk_arena_printf(pl->a, "stride_%s_%d", t->name, axis);
    return new_arg(pl, a);
}

int plan_arg_scalar(planner *pl, int param)
{
    int i = find_arg(pl->p, DGK_ARG_SCALAR, param, 0);
    if (i >= 0)
        return i;
    const dgk_ir_tensor *t = &pl->k->tensors[param];
    dgk_kernel_arg a = {.kind = DGK_ARG_SCALAR, .param = param, .dtype = t->dtype, .name = t->name, .loc = t->loc};
    return new_arg(pl, a);
}

/* A workspace buffer (axis 0: split-K's partial sums, 1: counters, split-K's or a
 * dynamic schedule's), bound by the runtime, not by a source parameter; `name` names the
 * kernel parameter. */
int plan_arg_workspace(planner *pl, int axis, dgk_loc loc, const char *name)
{
    for (int i = 0; i < pl->p->nargs; i++)
        if (pl->p->args[i].kind == DGK_ARG_WORKSPACE && pl->p->args[i].axis == axis)
            return i;
    dgk_kernel_arg a = {.kind = DGK_ARG_WORKSPACE, .param = -1, .axis = axis, .loc = loc,
                        .dtype = axis ? DGK_DT_I32 : DGK_DT_F32, .name = name};
    return new_arg(pl, a);
}

/* Extent `axis` of `tensor` as a problem dimension: a constant when specialized,
 * else a SHAPE argument named after its shape symbol. */
int plan_arg_shape(planner *pl, int tensor, int axis, dgk_plan_dim *dim)
{
    const dgk_ir_tensor *t = &pl->k->tensors[tensor];
    dim->arg = -1;
    if (t->ext[axis] > 0) {
        dim->value = t->ext[axis];
        return 1;
    }
    const dgk_expr *e = t->ext_expr[axis];
    if (!e || e->kind != DGK_EXPR_NAME) {
        plan_error(pl, t->loc, "sm90 lowering needs extent %d of `%s` to be a shape symbol or a constant", axis, t->name);
        return 0;
    }
    dim->value = 0;
    for (int i = 0; i < pl->p->nargs; i++)
        if (pl->p->args[i].kind == DGK_ARG_SHAPE && strcmp(pl->p->args[i].sym, e->u.name.id) == 0)
            return (dim->arg = i), 1;
    dgk_kernel_arg a = {.kind = DGK_ARG_SHAPE, .param = tensor, .axis = axis, .sym = e->u.name.id,
                        .name = e->u.name.id, .dtype = DGK_DT_I32, .loc = e->loc};
    dim->arg = new_arg(pl, a);
    return dim->arg >= 0;
}

/* Extent `axis` of `tensor` for bounds checks: as plan_arg_shape, and an extent written
 * as an expression (`f32[cdiv(K, 128), M]`) is bound from that axis of the tensor at
 * launch as a SHAPE argument of its own (`ext_SA_0`); the launch check has already
 * compared it with the expression. */
int plan_arg_extent(planner *pl, int tensor, int axis, dgk_plan_dim *dim)
{
    const dgk_ir_tensor *t = &pl->k->tensors[tensor];
    const dgk_expr *e = t->ext_expr[axis];
    if (t->ext[axis] > 0 || (e && e->kind == DGK_EXPR_NAME))
        return plan_arg_shape(pl, tensor, axis, dim);
    const char *sym = dgk_arena_printf(pl->a, "ext_%s_%d", t->name, axis);
    dim->value = 0;
    /* this tensor's axis, not a kernel symbol that happens to have the synthetic name (a
     * second argument of that name is then a compile error, never a shared bound) */
    for (int i = 0; sym && i < pl->p->nargs; i++)
        if (pl->p->args[i].kind == DGK_ARG_SHAPE && strcmp(pl->p->args[i].sym, sym) == 0 &&
            pl->p->args[i].param == tensor && pl->p->args[i].axis == axis)
            return (dim->arg = i), 1;
    dgk_kernel_arg a = {.kind = DGK_ARG_SHAPE, .param = tensor, .axis = axis, .sym = sym, .name = sym,
                        .dtype = DGK_DT_I32, .loc = t->loc};
    dim->arg = sym ? new_arg(pl, a) : -1;
    return dim->arg >= 0;
}

int plan_abi_finish(planner *pl)
{
    dgk_plan *p = pl->p;
    p->launch.smem_bytes = p->smem.total;
    p->launch.cluster[0] = p->cluster_m * p->cluster_n;
    p->launch.cluster[1] = p->launch.cluster[2] = 1;
    p->launch.grid = p->sched.kind == DGK_SCHED_GRID ? DGK_GRID_TILES : DGK_GRID_PERSISTENT;
    return !pl->a->failed;
}
