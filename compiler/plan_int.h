/* plan_int.h - what the planning passes share. Not for use outside compiler/plan_*.c.
 *
 *   plan.c           driver: IR kernel -> dgk_plan, pass order
 *   plan_affine.c    index expressions of the IR as c0 + sum(coef * coord) + ck * k
 *   plan_mainloop.c  the pipeline body: mma operands, their layout, FP8 promotion
 *   plan_epilogue.c  the epilogue: stored value -> elementwise program, output store
 *   plan_pipeline.c  stages from the shared-memory budget, warp roles, registers
 *   plan_group.c     the m-grouped schedules: group variable, group subscripts, group args
 *   plan_split.c     split-K: which kernels may spread K over CTAs, the workspace argument
 *   plan_swap.c      tiles below 64 rows: the operands swapped in the wgmma
 *   plan_dual.c      two accumulators sharing the A tile (the SwiGLU form)
 *   plan_simt.c      elementwise kernels (no pipeline): threads, shared copies, reductions
 *   plan_abi.c       kernel parameters and launch facts
 *   plan_print.c     dgkc --dump-plan */
#ifndef DGK_PLAN_INT_H
#define DGK_PLAN_INT_H

#include "ir.h"
#include "plan.h"

typedef struct planner {
    dgk_arena *a;
    dgk_diags *d;
    const dgk_ir_kernel *k;
    dgk_plan *p;
    int nerr;
    /* facts found while matching, used by later passes */
    int acc;                 /* op id of the accumulator (ACC_INIT) */
    int mma;                 /* op id of the mma */
    int update;              /* op id of the ACC_UPDATE in the mainloop */
    int a_load, b_load;      /* LOAD_TILE ops of the operands */
    int sa_load, sb_load;    /* scale loads (FP8 promotion), -1 if none */
    int m_coord, n_coord;    /* schedule variable index that walks M / N blocks */
    int m_axis_a, k_axis_a;  /* tensor axes of A holding M and K */
    int n_axis_b, k_axis_b;
    int store;               /* the epilogue's STORE */
    int g_coord;             /* schedule variable naming the group (grouped schedules), else -1 */
    /* two accumulators (plan_dual.c): the second's ACC_INIT (-1: one accumulator), and
     * the second B tile's row offset dual_row + dual_mul * (shape symbol dual_sym) */
    int acc2;
    int64_t dual_row, dual_mul;
    const char *dual_sym;
} planner;

void plan_error(planner *pl, dgk_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* plan_affine.c */
typedef struct plan_aff {
    int ok;                  /* representable */
    int64_t c0;              /* constant term */
    int64_t coord[3];        /* coefficient of each schedule variable */
    int64_t kvar;            /* coefficient of the pipeline variable */
    int64_t sym;             /* plan_affine_sym: coefficient of shape symbol sym_name */
    const char *sym_name;
} plan_aff;

plan_aff plan_affine(const dgk_ir_kernel *k, int op);
/* The same with one shape symbol allowed as a term (sym * sym_name). */
plan_aff plan_affine_sym(const dgk_ir_kernel *k, int op);
/* x - y (not ok where either is, or where their shape symbols differ). */
plan_aff plan_aff_sub(plan_aff x, plan_aff y);
/* The form is a constant (c0): no schedule or pipeline variable. */
int plan_aff_is_const(const plan_aff *f);
/* The start is exactly coef * (one schedule variable) (returns its index, or -1). */
int plan_aff_single_coord(const plan_aff *f, int64_t coef);

/* plan_mainloop.c */
int plan_mainloop(planner *pl);
/* The factors of a product tree (at most 4, -1 for more); the load under RESHAPE /
 * TRANSPOSE ops (-1 if none), *transposed set when an odd number of transposes. */
int plan_factors(const planner *pl, int id, int *out, int n);
int plan_strip_to_load(const planner *pl, int id, int *transposed);
/* plan_epilogue.c */
int plan_epilogue(planner *pl);
int plan_store_passes(planner *pl);
int plan_epilogue_rows(planner *pl);
/* plan_pipeline.c */
int plan_roles(planner *pl);
int plan_loop_form(planner *pl);
int plan_stages(planner *pl);
/* plan_group.c */
int plan_sched_kind(const char *name, dgk_sched_kind *kind, int *g_coord);
int plan_group_check(planner *pl);
int plan_group_point(planner *pl, int idx, dgk_loc loc, const char *tensor);
int plan_group_args(planner *pl);
/* plan_split.c */
int plan_split(planner *pl);
int plan_dynamic(planner *pl);
/* plan_dual.c */
int plan_dual_order(planner *pl, int *u1, int *u2);
int plan_dual_match(planner *pl, int u2);
int plan_dual_tiles(planner *pl);
int plan_dual_args(planner *pl);
/* plan_swap.c */
int plan_swap(planner *pl);
/* plan_simt.c */
int plan_simt(planner *pl);
/* plan_abi.c */
int plan_arg_tensor(planner *pl, dgk_arg_kind kind, int tensor, dgk_tma_info tma);
int plan_arg_shape(planner *pl, int tensor, int axis, dgk_plan_dim *dim);
int plan_arg_scalar(planner *pl, int param);
int plan_arg_stride(planner *pl, int tensor, int axis);
int plan_arg_workspace(planner *pl, int axis, dgk_loc loc, const char *name);
int plan_arg_extent(planner *pl, int tensor, int axis, dgk_plan_dim *dim);
int plan_abi_finish(planner *pl);

#endif
