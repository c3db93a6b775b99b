/* plan_group.c - the m-grouped schedules (m_grouped_contiguous, m_grouped_masked): which
 * schedule variable is the group, the check that a grouped tensor's leading subscript is
 * exactly that variable (a point), and the kernel arguments the grouped tile scheduler
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

/* The grouped schedule's modifiers as the sm90 scheduler takes them. */
int plan_group_check(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    if (pl->g_coord < 0)
        return 1;
    if (k->sched_cluster > 1) {
        plan_error(pl, k->sched_loc, "grouped schedules run without clusters on sm90 (neighbouring tiles may belong to different groups, so no operand can be multicast); drop `cluster %d`",
                   k->sched_cluster);
        return 0;
    }
    if (k->sched_offsets) {
        plan_error(pl, k->sched_loc, "m_grouped_contiguous with group_offsets is not lowered on sm90 yet; give each row's group with `group_ids T`");
        return 0;
    }
    if (k->sched_tensor < 0 || k->sched_tensor >= k->ntensors) {
        plan_error(pl, k->sched_loc, "a grouped schedule needs its group tensor (`group_ids T` or `masked T`)");
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
        plan_error(pl, loc, "`%s` has a leading group axis, which only the grouped schedules (m_grouped_contiguous, m_grouped_masked) lower on sm90", tensor);
    else
        plan_error(pl, loc, "the leading subscript of `%s` must be the schedule's group variable (the `g` %s binds)",
                   tensor, pl->g_coord == 0 ? "first in `-> (g, i, j)`" : "last in `-> (i, j, g)`");
    return 0;
}

/* The group tensor as a raw pointer; for masked schedules also G, its length; for
 * contiguous ones D as a pointer and row stride (partial blocks skip padding rows). */
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
    /* contiguous: the padding rows of a group's last block are not stored */
    int d = k->ops[pl->store].tensor;
    p->epi.out_guard_rows = 1;
    p->epi.out_ptr_arg = plan_arg_tensor(pl, DGK_ARG_PTR, d, (dgk_tma_info){0});
    p->epi.out_stride_arg = plan_arg_stride(pl, d, 0);
    return p->sched.group_arg >= 0 && p->epi.out_ptr_arg >= 0 && p->epi.out_stride_arg >= 0;
}
