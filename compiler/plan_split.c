/* plan_split.c - split-K (`split_k S`) and tail_split (`tail_split 1`, masked schedules),
 * SPEC.md section 6: decides whether a kernel may spread an output tile's K reduction
 * over work units and, if so, adds the workspace arguments the units sum their partials
 * through (dgk_plan_split in plan.h says how). Input: the IR schedule's split_k and
 * tail_split values and the epilogue plan (run after plan_epilogue).
 * Output: plan->split. The pipeline is the K reduction by construction here: the
 * mainloop match (plan_mainloop.c) only accepts operand tiles whose K start is k * BK. */
#include "plan_int.h"

/* tail_split 1 (masked schedules; sema allows it nowhere else): the last partial wave's
 * tiles are reduced like split-K's. What it is not lowered with, and why. */
static int plan_tail_split(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    dgk_plan *p = pl->p;
    p->split.loc = k->sched_tail_split_loc;
    if (p->cluster_m > 1 || p->cluster_n > 1) {
        plan_error(pl, k->sched_tail_split_loc, "tail_split 1 is not lowered with a cluster (a CTA's K slice of a tail "
                   "tile would have to be its peer's too); drop tail_split or the %s modifier",
                   p->cluster_m > 1 ? "cluster" : "cluster_n");
        return 0;
    }
    if (p->epi.accumulate) {
        plan_error(pl, k->sched_tail_split_loc, "tail_split 1 with an accumulating store (`D += ...`) is not lowered: "
                   "the sum of a tile's K slices must be formed before the epilogue runs once per tile; drop "
                   "tail_split or store with `=`");
        return 0;
    }
    p->split.tail = 1;
    p->split.ws_arg = plan_arg_workspace(pl, 0, k->sched_tail_split_loc, "split_partials");
    p->split.counters_arg = plan_arg_workspace(pl, 1, k->sched_tail_split_loc, "split_counters");
    return p->split.ws_arg >= 0 && p->split.counters_arg >= 0;
}

int plan_split(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    dgk_plan *p = pl->p;
    p->split.loc = k->sched_split_loc;
    if (k->sched_tail_split)
        return plan_tail_split(pl);
    if (k->sched_split <= 1)
        return 1; /* split_k 1 is the plain kernel, byte for byte */
    if (p->sched.kind != DGK_SCHED_PERSISTENT) {
        plan_error(pl, k->sched_split_loc, "split_k %d needs a persistent schedule, not %s: the work units of "
                   "a tile's K slices are walked by the persistent loop", k->sched_split, dgk_sched_kind_name(p->sched.kind));
        return 0;
    }
    if (p->epi.accumulate) {
        plan_error(pl, k->sched_split_loc, "split_k %d with an accumulating store (`D += ...`) is not lowered: "
                   "the sum of the K slices must be formed before the epilogue runs once per tile; "
                   "drop split_k or store with `=`", k->sched_split);
        return 0;
    }
    p->split.slices = k->sched_split;
    p->split.ws_arg = plan_arg_workspace(pl, 0, k->sched_split_loc, "split_partials");
    p->split.counters_arg = plan_arg_workspace(pl, 1, k->sched_split_loc, "split_counters");
    return p->split.ws_arg >= 0 && p->split.counters_arg >= 0;
}
