/* plan_group.c - the grouped schedules (m_grouped_contiguous, m_grouped_masked,
 * k_grouped): which schedule variable is the group, the check that a grouped tensor's
 * leading subscript is exactly that variable (a point), the k_grouped pipeline range
 * (kbegin(g) / BK .. kend(g) / BK), and the kernel arguments the grouped tile scheduler
 * reads (the group tensor, the group count). Dense kernels pass through untouched:
 * pl->g_coord stays -1 and nothing here adds an argument. */
#include "plan_int.h"

#include <string.h>

/* The schedule kinds the sm90 backend lowers, with the schedule variable that names the
 * group (-1: none) and the modifier the grouped ones need. */
static const struct {
    dgk_sched_kind kind;
    int g_coord;
} lowered[] = {
    {DGK_SCHED_GRID, -1},
    {DGK_SCHED_PERSISTENT, -1},
    {DGK_SCHED_M_GROUPED_CONTIGUOUS, 2}, /* -> (i, j, g) */
    {DGK_SCHED_M_GROUPED_MASKED, 0},     /* -> (g, i, j) */
    {DGK_SCHED_K_GROUPED, 0},            /* -> (g, i, j) */
};

int plan_sched_kind(const char *name, dgk_sched_kind *kind, int *g_coord)
{
    for (size_t i = 0; i < sizeof lowered / sizeof lowered[0]; i++)
        if (name && strcmp(name, dgk_sched_kind_name(lowered[i].kind)) == 0) {
            *kind = lowered[i].kind;
            *g_coord = lowered[i].g_coord;
            return 1;
        }
    return 0;
}

/* Clusters on grouped schedules, on the m-grouped ones. The two CTAs of a cluster along N
 * take the same row block, so they always share its group and its A tile (multicast), and
 * both compute the tile or both skip it (padding, rows past masked_m): their stage fills
 * stay in step, which the cluster's release protocol needs (backend/sm90/emit_producer.c).
 * Along M (B multicast) masked and contiguous with group offsets pair row blocks of one
 * group (contiguous: blocks of one swath, emit_sched.c); with group ids a pair may hold
 * two groups, and then each CTA loads its own B (decided per tile). A CTA whose block
 * holds no row of the group still runs the stages (emit_consumer.c, emit_idle_block).
 * The CTAs walk cluster tiles in a fixed stride: a dynamic schedule hands tiles to single
 * CTAs. */
static int plan_group_cluster(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    dgk_sched_kind kind = pl->p->sched.kind;
    int along_m = k->sched_cluster > 1, along_n = k->sched_cluster_n > 1;
    const char *mod = along_m ? "cluster" : "cluster_n";
    int value = along_m ? k->sched_cluster : k->sched_cluster_n;
    if (!along_m && !along_n)
        return 1;
    if (kind == DGK_SCHED_K_GROUPED) {
        plan_error(pl, k->sched_loc, "k_grouped is lowered without clusters on sm90; drop `%s %d`", mod, value);
        return 0;
    }
    if (k->sched_dynamic) {
        plan_error(pl, k->sched_dynamic_loc, "`dynamic %d` hands tiles to single CTAs, and the two CTAs of a cluster must take tiles together: use `dynamic 0` with `%s %d`",
                   k->sched_dynamic, mod, value);
        return 0;
    }
    return 1;
}

/* The grouped schedule's modifiers as the sm90 scheduler takes them. */
int plan_group_check(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    if (pl->g_coord < 0)
        return 1;
    if (!plan_group_cluster(pl))
        return 0;
    pl->p->sched.offsets = k->sched_offsets && pl->p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS;
    if (k->sched_tensor < 0 || k->sched_tensor >= k->ntensors) {
        plan_error(pl, k->sched_loc, "a grouped schedule needs its group tensor (`group_ids T`, `masked T` or `group_offsets T`)");
        return 0;
    }
    return 1;
}

/* Subscript `idx` of a grouped tensor's leading axis must be the group variable itself. */
int plan_group_point(planner *pl, int idx, dgk_loc loc, const char *tensor)
{
    plan_aff f = plan_affine(pl->k, idx);
    if (pl->g_coord >= 0 && plan_aff_single_coord(&f, 1) == pl->g_coord)
        return 1;
    if (pl->g_coord < 0)
        plan_error(pl, loc, "`%s` has a leading group axis, which only the grouped schedules (m_grouped_contiguous, m_grouped_masked, k_grouped) lower on sm90", tensor);
    else
        plan_error(pl, loc, "the leading subscript of `%s` must be the schedule's group variable (the `g` %s binds)",
                   tensor, pl->g_coord == 0 ? "first in `-> (g, i, j)`" : "last in `-> (i, j, g)`");
    return 0;
}

/* `OFFS[g + c] / BK` with OFFS the schedule's group_offsets: what kbegin(g) / BK (c = 0)
 * and kend(g) / BK (c = 1) lower to. */
static int is_krange(const planner *pl, int id, int64_t c)
{
    const dgk_ir_kernel *k = pl->k;
    if (id < 0 || id >= k->nops)
        return 0;
    const dgk_ir_op *div = &k->ops[id];
    if (div->opcode != DGK_IR_SCALAR || div->fn >= 0 || div->op != DGK_OP_DIV || div->nargs != 2)
        return 0;
    const dgk_ir_op *ld = &k->ops[div->args[0]], *bk = &k->ops[div->args[1]];
    if (ld->opcode != DGK_IR_LOAD_SCALAR || ld->tensor != k->sched_tensor || ld->nargs != 1)
        return 0;
    if (bk->opcode != DGK_IR_CONST || bk->is_float || bk->imm != pl->p->bk)
        return 0;
    plan_aff f = plan_affine(k, ld->args[0]);
    return f.ok && f.c0 == c && !f.kvar && f.coord[pl->g_coord] == 1 && f.coord[1] == 0 && f.coord[2] == 0;
}

/* k_grouped: the pipeline runs over the tile's group's K blocks, and nothing else (the
 * producer loads each block at its stacked K offset). The offsets must be multiples of
 * BK; the stock entry point checks that on the host. */
static int check_krange(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    if (is_krange(pl, k->pipe_lo, 0) && is_krange(pl, k->pipe_hi, 1))
        return 1;
    plan_error(pl, k->pipe_loc, "a k_grouped pipeline runs over its group's K blocks: write `pipeline k in kbegin(g) / %d .. kend(g) / %d` (the K tile's extent, with g the schedule's group variable)",
               pl->p->bk, pl->p->bk);
    return 0;
}

/* G for the tile count: the schedule's first extent (a shape symbol or a constant). */
static int sched_groups(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    const dgk_ir_op *g = k->nsched > 0 ? &k->ops[k->sched_extents[0]] : NULL;
    if (g && g->opcode == DGK_IR_CONST && !g->is_float && g->imm > 0) {
        pl->p->sched.groups.value = g->imm;
        return 1;
    }
    if (g && g->opcode == DGK_IR_SHAPE)
        return plan_arg_shape(pl, g->tensor, g->axis, &pl->p->sched.groups);
    plan_error(pl, k->sched_loc, "the group count (the k_grouped schedule's first extent) must be a shape symbol or a constant");
    return 0;
}

/* The group tensor as a raw pointer; for masked schedules also G, its length; for
 * k_grouped ones the pipeline range and G (the schedule's first extent); for contiguous
 * ones G from B when B is grouped, and D as a pointer and row stride (partial blocks skip
 * padding rows). */
int plan_group_args(planner *pl)
{
    dgk_plan *p = pl->p;
    const dgk_ir_kernel *k = pl->k;
    if (pl->g_coord < 0)
        return 1;
    const dgk_ir_tensor *t = &k->tensors[k->sched_tensor];
    if (t->dtype != DGK_DT_I32 || t->rank != 1) {
        plan_error(pl, t->loc, "the group tensor `%s` must be i32 of rank 1", t->name);
        return 0;
    }
    p->sched.group_arg = plan_arg_tensor(pl, DGK_ARG_PTR, k->sched_tensor, (dgk_tma_info){0});
    p->sched.groups.arg = -1;
    if (p->sched.kind == DGK_SCHED_M_GROUPED_MASKED)
        return plan_arg_shape(pl, k->sched_tensor, 0, &p->sched.groups);
    if (p->sched.kind == DGK_SCHED_K_GROUPED)
        return check_krange(pl) && sched_groups(pl);
    /* contiguous: G from the grouped operand B [G, N, K], for the debug builds' check of
     * the group ids (-1 or 0 .. G - 1) and the offsets form's search; the padding rows of
     * a group's last block are not stored */
    if (p->b.grouped && !plan_arg_shape(pl, k->ops[pl->b_load].tensor, 0, &p->sched.groups))
        return 0;
    if (p->sched.offsets && !p->b.grouped) {
        plan_error(pl, k->sched_loc, "m_grouped_contiguous with group_offsets finds a block's group among G groups, which it takes from B: slice B as `B[g, ...]` from a [G, N, K] tensor");
        return 0;
    }
    int d = k->ops[pl->store].tensor;
    p->epi.out_guard_rows = 1;
    p->epi.out_ptr_arg = plan_arg_tensor(pl, DGK_ARG_PTR, d, (dgk_tma_info){0});
    p->epi.out_stride_arg = plan_arg_stride(pl, d, 0);
    return p->sched.group_arg >= 0 && p->epi.out_ptr_arg >= 0 && p->epi.out_stride_arg >= 0;
}
