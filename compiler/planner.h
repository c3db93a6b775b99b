/* planner.h - the planning passes' entry points: tile IR kernel -> dgk_plan.
 * The passes live in compiler/plan_*.c (see plan_int.h for which decides what). */
#ifndef DGK_PLANNER_H
#define DGK_PLANNER_H

#include <stdio.h>

#include "ir.h"
#include "plan.h"

/* Plans one kernel for `target`. Returns the number of errors (each at the source
 * construct that cannot take the fast path, saying why); *out is set on success. */
int dgk_plan_kernel(const dgk_ir_kernel *k, dgk_target target, dgk_diags *d, dgk_arena *a, dgk_plan **out);

/* dgkc --dump-plan: every decision, one per line, deterministic. */
void dgk_plan_print(const dgk_plan *p, FILE *out);

#endif
