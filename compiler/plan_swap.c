/* plan_swap.c - tiles of fewer rows than wgmma's M (BM = 8 .. 56): swap-AB (plan.h,
 * dgk_plan.swap_ab). A wgmma computes 64 rows per warpgroup; a tile of 20 useful rows in
 * 64 spends two thirds of its tensor work (and, in a memory-bound kernel, the clock that
 * power costs) on rows nobody reads. With the operands swapped the B tile's rows are
 * wgmma's M and the BM rows its N, which may be as small as 8.
 * Input: the mainloop match (plan_mainloop.c: operands, tile, FP8 facts) and the schedule
 * (plan_schedule). Output: plan->swap_ab and the warp roles it implies, or an error that
 * says which part of the kernel a swapped tile cannot take yet. */
#include "plan_int.h"

/* What a swapped tile is lowered with; each refusal names the construct. */
static int check_swap(planner *pl)
{
    dgk_plan *p = pl->p;
    const dgk_ir_kernel *k = pl->k;
    dgk_loc sched = k->sched_loc.src ? k->sched_loc : k->loc;
    if (p->bm % 8) {
        plan_error(pl, p->a.loc, "BM = %d: a tile of fewer than 64 rows is computed with the operands swapped (its rows become wgmma's N), so BM must be a multiple of 8", p->bm);
        return 0;
    }
    if (p->bn != 64 && p->bn != 128) {
        plan_error(pl, p->b.loc, "BN = %d with BM = %d: a tile of fewer than 64 rows puts B's rows on wgmma's M, 64 per consumer warpgroup, so BN must be 64 or 128", p->bn, p->bm);
        return 0;
    }
    if (p->a.major != DGK_MAJOR_K || p->b.major != DGK_MAJOR_K) {
        plan_error(pl, p->a.major != DGK_MAJOR_K ? p->a.loc : p->b.loc, "BM = %d (swapped operands) is lowered for K-major A and B only: store A as [M, K] and B as [N, K] (use B[...]^T)", p->bm);
        return 0;
    }
    if (p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS || p->sched.kind == DGK_SCHED_K_GROUPED) {
        plan_error(pl, sched, "BM = %d (swapped operands) is not lowered for the %s schedule; use BM = 64 or more", p->bm, dgk_sched_kind_name(p->sched.kind));
        return 0;
    }
    if (p->cluster_m > 1 || p->cluster_n > 1) {
        plan_error(pl, sched, "BM = %d (swapped operands) is not lowered with clusters; drop the cluster modifier", p->bm);
        return 0;
    }
    if (p->fp8.sb_per_column) {
        plan_error(pl, p->fp8.loc, "B scaled 1x128 with BM = %d (swapped operands) is not lowered; use BM = 64 or more", p->bm);
        return 0;
    }
    if (p->fp8.enabled && p->bm < 16) {
        /* ptxas 13.0 (C7514): the promotion's reads of an m64n8 temporary serialize every wgmma */
        plan_error(pl, p->a.loc, "BM = %d with FP8 promotion: ptxas serializes the promoted m64n%d wgmmas; use BM = 16 or more", p->bm, p->bm);
        return 0;
    }
    if (p->fp8.sa_ue8m0 && p->bm % 16) {
        plan_error(pl, p->fp8.loc, "ue8m0 A scales with BM = %d: a stage's scale row of %d bytes is no TMA box (a multiple of 16 bytes); use BM = 16, 32 or 48", p->bm, p->bm);
        return 0;
    }
    return 1;
}

int plan_swap(planner *pl)
{
    dgk_plan *p = pl->p;
    if (p->bm >= 64)
        return 1;
    if (!check_swap(pl))
        return 0;
    p->swap_ab = 1;
    /* skip_idle skips a warpgroup whose rows all lie past the group's valid rows; every
     * warpgroup of a swapped tile holds all of the tile's rows, so none ever does (a tile
     * with no valid row is not scheduled at all) */
    p->sched.skip_idle = 0;
    p->mma.inst_n = p->bm;
    p->mma.n_insts = 1;
    return 1;
}
