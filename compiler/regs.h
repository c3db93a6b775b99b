/* regs.h - the sm90 consumer warpgroups' register budget and what a tile's accumulators
 * cost in it. One rule for two users: the planner (plan_pipeline.c), which lays a kernel
 * out and refuses a tile that does not fit, and the stock heuristic
 * (stdlib/gemm_heuristic.c), which must only offer tiles the planner accepts and ptxas
 * compiles with zero spills. */
#ifndef DGK_REGS_H
#define DGK_REGS_H

enum { DGK_PRODUCER_REGS = 40 };

/* What the rule decided for one tile. FP8 (promoted) tiles hold a temporary beside the
 * accumulator; see plan.h's dgk_plan_fp8 for overlap, per_m64 and pieces. */
typedef struct dgk_regs_fit {
    int consumer_regs;  /* per consumer thread, after setmaxnreg */
    int acc;            /* accumulator and temporary registers per consumer thread */
    int reserve;        /* kept beside them for addressing, loop state and the epilogue */
    int overlap;        /* FP8: two whole temporaries */
    int per_m64;        /* FP8, 128-row warpgroups: a temporary of one m64 block */
    int pieces;         /* FP8, one temporary: pieces per K block (0: none) */
} dgk_regs_fit;

/* The budget of a tile with `consumer_wgs` consumer warpgroups of `wg_rows` rows each and
 * BN = bn columns; fp8: promoted FP8, sb_per_column: its B scales are per column (the
 * weight gradient, which promotes from the stage and cannot cut the temporary). Fills
 * *out and returns 1 when acc + reserve fits consumer_regs, else 0. */
int dgk_regs_fit_tile(int consumer_wgs, int wg_rows, int bn, int fp8, int sb_per_column, dgk_regs_fit *out);

#endif
