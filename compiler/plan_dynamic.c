/* plan_dynamic.c - `dynamic 1` on an m_grouped_contiguous schedule (SPEC.md section 6):
 * the CTAs take their tiles from a device counter as they free up instead of in a fixed
 * stride (dgk_plan_sched.dynamic in plan.h says how). Input: the IR schedule's dynamic
 * value, set by plan_schedule. Output: the counter workspace argument, added here (after
 * the other arguments, where split-K adds its own) so the kernel's ABI keeps the user's
 * parameters first. The emitted protocol relies on every tile having a K block (the end
 * of a tile is a stage the consumers see): K = 0 never launches, its operands' TMA maps
 * cannot be encoded with a zero extent (runtime/tma.c). */
#include "plan_int.h"

int plan_dynamic(planner *pl)
{
    dgk_plan *p = pl->p;
    if (!p->sched.dynamic)
        return 1; /* dynamic 0 is the fixed stride, byte for byte (counter_arg stays -1) */
    /* no split_k to share the counter buffer with: sema takes `dynamic` on
     * m_grouped_contiguous only, which has none (emit_check.c re-validates the plan) */
    p->sched.counter_arg = plan_arg_workspace(pl, 1, pl->k->sched_dynamic_loc, "tile_counters");
    return p->sched.counter_arg >= 0;
}
