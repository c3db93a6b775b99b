/* plan_pipeline.c - warp roles, register budgets and the stage count.
 * Roles: warpgroup 0 produces (TMA), one or two consumer warpgroups run wgmma. BM = 64
 * is one consumer; BM = 128 and 256 split across two, 64 or 128 rows each.
 * Registers: 65536 per SM shared by 128 * (1 + consumers) threads; the producer drops
 * to PRODUCER_REGS so consumers can hold their accumulators (f32, BM/consumers * BN /
 * 128 per thread, twice that for FP8 promotion, which keeps a per-K-block temporary, or
 * 1.5 times with BM = 256, whose temporary holds one m64 row block at a time).
 * Stages: as many as the shared-memory budget holds, at most MAX_STAGES, or the
 * pipeline's `stages S` if it fits. */
#include "plan_int.h"

#include "../backend/sm90/sm90.h"

/* REG_RESERVE: registers kept for addressing, loop state and the epilogue beside the
 * accumulators. FP8_RESERVE: the same for a promoted FP8 tile with one temporary, which
 * reads its scales from the stage and needs little else: 128 x 192 (192 accumulator
 * registers) fits the 232 a consumer has, with 0 spills (ptxas, checked in CI). */
enum { PRODUCER_REGS = 40, MAX_STAGES = 8, MIN_STAGES = 2, REG_RESERVE = 48, FP8_RESERVE = 40, OVERLAP_RESERVE = 32 };

int plan_roles(planner *pl)
{
    dgk_plan *p = pl->p;
    p->consumer_wgs = p->bm == 64 ? 1 : 2;
    p->wg_rows = p->bm / p->consumer_wgs;
    if (p->wg_rows % 64) {
        plan_error(pl, p->a.loc, "BM = %d does not split into warpgroups of 64 or 128 rows", p->bm);
        return 0;
    }
    p->producer_regs = PRODUCER_REGS;
    /* what is left for each consumer thread, rounded down to setmaxnreg's step of 8 */
    int left = (65536 - 128 * PRODUCER_REGS) / (128 * p->consumer_wgs);
    left = left > 240 ? 240 : left - left % 8;
    p->consumer_regs = left;
    int acc = p->wg_rows * p->bn / 128 * (p->fp8.enabled ? 2 : 1);
    /* FP8: a second temporary lets block k be promoted while block k+1's wgmma runs,
     * when the registers hold three accumulator-sized arrays */
    if (p->fp8.enabled && acc / 2 * 3 + OVERLAP_RESERVE <= p->consumer_regs)
        p->fp8.overlap = 1;
    /* FP8 with 128-row warpgroups: a temporary of one m64 block, promoted block by block */
    if (p->fp8.enabled && acc + REG_RESERVE > p->consumer_regs && p->wg_rows > 64 && !p->fp8.sb_per_column &&
        acc / 2 + acc / 2 / (p->wg_rows / 64) + OVERLAP_RESERVE <= p->consumer_regs) {
        p->fp8.per_m64 = 1;
        acc = acc / 2 + acc / 2 / (p->wg_rows / 64);
    }
    /* FP8 with one temporary: in two N-half pieces per m64 block (plan.h), promoting one
     * while the next one's wgmmas run; the halves must be wgmma N's (multiples of 8) */
    if (p->fp8.enabled && !p->fp8.overlap && !p->fp8.sb_per_column && p->bn % 16 == 0)
        p->fp8.pieces = p->wg_rows / 64 * 2;
    int reserve = p->fp8.enabled && !p->fp8.per_m64 ? FP8_RESERVE : REG_RESERVE;
    if (acc + reserve > p->consumer_regs && !p->fp8.per_m64) {
        plan_error(pl, p->b.loc,
                   "a %d x %d %s tile needs %d accumulator registers per consumer thread, more than the %d a thread has with %d consumer warpgroups (%d kept for addressing); use a smaller BN or BM",
                   p->bm, p->bn, p->fp8.enabled ? "FP8 (promoted)" : "", acc, p->consumer_regs, p->consumer_wgs, reserve);
        return 0;
    }
    p->launch.threads = 128 * (1 + p->consumer_wgs);
    return 1;
}

static int smem_for(dgk_plan *p, int stages)
{
    p->stages = stages;
    return dgk_sm90_plan_smem(p);
}

int plan_stages(planner *pl)
{
    dgk_plan *p = pl->p;
    int want = pl->k->pipe_stages;
    if (want) {
        int bytes = smem_for(p, want);
        if (want < MIN_STAGES) {
            plan_error(pl, p->stages_loc, "a pipeline needs at least %d stages to overlap loads with mma; it has %d", MIN_STAGES, want);
            return 0;
        }
        if (bytes > DGK_SM90_SMEM_MAX) {
            plan_error(pl, p->stages_loc, "%d stages of a %d x %d x %d tile need %d bytes of shared memory, more than sm90's %d",
                       want, p->bm, p->bn, p->bk, bytes, DGK_SM90_SMEM_MAX);
            for (int s = want - 1; s >= MIN_STAGES; s--)
                if (smem_for(p, s) <= DGK_SM90_SMEM_MAX) {
                    dgk_note(pl->d, p->stages_loc, "at most %d stages fit with this tile", s);
                    break;
                }
            return 0;
        }
        return 1;
    }
    for (int s = MAX_STAGES; s >= MIN_STAGES; s--)
        if (smem_for(p, s) <= DGK_SM90_SMEM_MAX)
            return 1;
    plan_error(pl, p->tile_loc, "even %d stages of a %d x %d x %d tile exceed sm90's %d bytes of shared memory",
               MIN_STAGES, p->bm, p->bn, p->bk, DGK_SM90_SMEM_MAX);
    return 0;
}
