/* plan_pipeline.c - warp roles, register budgets, the FP8 K loop's form and the stage
 * count.
 * Roles: warpgroup 0 produces (TMA), one or two consumer warpgroups run wgmma. BM = 64
 * is one consumer; BM = 128 and 256 split across two, 64 or 128 rows each; a swapped
 * tile (BM < 64, plan_swap.c) splits B's rows instead, 64 per consumer (BN 64 or 128).
 * Registers: the budget and the FP8 temporaries' form come from regs.c, the rule the
 * stock heuristic uses too.
 * The FP8 loop form (pieces or one temporary, early wait, unroll): plan_loop_form, once
 * K, split-K and l2_stream are known.
 * Stages: as many as the shared-memory budget holds, at most MAX_STAGES, or the
 * pipeline's `stages S` if it fits. */
#include "plan_int.h"
#include "regs.h"

#include "../backend/sm90/sm90.h"

/* At most 16: only tiles of 64 x 64 and smaller reach it. A decode-sized GEMM (M = 1:
 * every CTA streams B and waits on memory) gains from the depth: 1x4096x7168 BF16 with
 * 64 x 64 tiles took 32.7 us with 13 stages against 35.2 us with 8 (H100, 2026-11-26). */
enum { MAX_STAGES = 16, MIN_STAGES = 2 };

int plan_roles(planner *pl)
{
    dgk_plan *p = pl->p;
    dgk_regs_fit f;
    /* swapped operands: B's rows are split, 64 per warpgroup, and each holds all BM rows */
    p->consumer_wgs = p->swap_ab ? p->bn / 64 : p->bm == 64 ? 1 : 2;
    p->wg_rows = p->swap_ab ? 64 : p->bm / p->consumer_wgs;
    if (p->wg_rows % 64) {
        plan_error(pl, p->a.loc, "BM = %d does not split into warpgroups of 64 or 128 rows", p->bm);
        return 0;
    }
    int fits = dgk_regs_fit_tile(p->consumer_wgs, p->wg_rows, p->swap_ab ? p->bm : dgk_plan_acc_cols(p), p->fp8.enabled,
                                 p->fp8.sb_per_column, &f);
    p->producer_regs = DGK_PRODUCER_REGS;
    p->consumer_regs = f.consumer_regs;
    p->fp8.overlap = f.overlap;
    /* a swapped tile's accumulator is small (64 x BM per warpgroup): whole temporaries */
    p->fp8.per_m64 = p->swap_ab ? 0 : f.per_m64;
    p->fp8.pieces = p->swap_ab ? 0 : f.pieces; /* plan_loop_form may drop them again */
    if (!fits) {
        plan_error(pl, p->b.loc,
                   "a %d x %d %stile%s needs %d accumulator registers per consumer thread, more than the %d a thread has with %d consumer warpgroup%s (%d kept for addressing); use a smaller BN or BM",
                   p->bm, p->bn, p->fp8.enabled ? "FP8 (promoted) " : "", p->dual.enabled ? " with two accumulators" : "",
                   f.acc, p->consumer_regs, p->consumer_wgs, p->consumer_wgs == 1 ? "" : "s", f.reserve);
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

/* plan_loop_form: fp8.unroll, the temporary's form in one-wave launches, fp8.early_wait,
 * fp8.sb_bytes_warp, fp8.sb_loads (5: plan.h says why).
 * (1) The 256 x 128 per-m64 loop unrolled by 8 (DeepGEMM unrolls its loop so): ptxas
 * then issues the next K block's full-barrier try among the last promotion's FFMAs,
 * which the loop's back edge kept it from. FP8 4096 x 7168 x K, 2-CTA clusters along N,
 * kernel time with DeepGEMM's method, three rounds on one H100: K = 4096 -0.1%, 8192
 * +0.3%, 12288 +0.9%, 16384 +0.7%, 24576 +1.1%, 32768 +1.3%; beside DeepGEMM's kernel at
 * 16384 0.983 -> 0.991-0.992. Fewer K blocks lost (another H100): 4096x7168x2048 (16
 * blocks) -1.1%, 4096x4096x7168 (56, no cluster) -0.5%; unrolling by 4 gained less at
 * 16384 (+0.5%), by 2 lost (-0.6%; 0.978-0.979 of DeepGEMM). Hence at 96 K blocks per
 * work unit and more, with K a compile-time constant (the stock kernels'), no split.
 * Timed on gemm_fp8_nt only; other 256 x 128 kernels (masked, user) follow untimed.
 * (2) A launch whose tiles all run at once (l2_stream, stdlib/gemm_heuristic.c) of tiles
 * in pieces: one whole temporary per K block instead (DeepGEMM's form), its loop unrolled
 * (by 8 when timed here; by 2 since, (3)). Two shapes of the FP8 set have such tiles:
 * 4096x576x7168 (128 x 144, 56 K blocks) +1.2% and +1.3% on two H100s, two rounds each
 * (0.992 -> 1.003x and 1.012 -> 1.025x of per-tensor cuBLASLt), 128x24576x1536 (128 x
 * 192, 12 blocks) -1.7%; the set level (0.9999). Hence from 32 K blocks, a threshold
 * between the two, not timed itself; other tiles and clustered ones (whose early wait
 * goes) follow untimed. Over several waves the pieces stay ahead (4096x2112x7168 -2.0%,
 * 32768x6144x7168 -0.7%, contiguous grouped -0.8..-2.4%), yet a kernel that sets
 * `l2_stream 1` there itself (or DGK_GEMM_L2=1) takes the whole form too; unrolling the
 * pieces' loop by 8 lost 1.0% (six dense shapes' geometric mean, up to 1.9%) and 1.3-2.0%
 * on contiguous grouped.
 * (tests/gpu/results/2026-11-28-H100-unroll/) The price is compile time (NVRTC, cold, this
 * machine): 256 x 128 at K = 16384 0.25 -> 1.3-1.6 s; by 4, 0.57 s, for less speed
 * (0.989-0.992 of DeepGEMM against 0.993-0.994).
 * (3) The one-wave loop is unrolled by 2 (by 4 with UE8M0 scales), not 8: a kernel that
 * runs once per SM fetches its code once, and 4096x576x7168's by 8 (70 KB: four copies of
 * the loop, one per sb_split; 25 KB by 2) lost 1.0-1.1 us of its 27 when its code was not
 * in the SMs' instruction caches (another kernel run between calls, as in a model;
 * dgk-bench --cold-code), cuBLASLt's 0.1 us. Kernel time, us, medians of 20, against
 * per-tensor cuBLASLt in the same runs (tests/gpu/results/2026-11-28-H100-cold-code/):
 * f32 scales, code cached / not, by 8: 26.95 / 28.03, by 4: 27.06 / 27.45, by 2: 27.10 /
 * 27.26, by 1: 27.59 / 27.74 (one H100, two rounds); by 8 against 2 on another, three
 * rounds: 26.68 / 27.69 against 26.69 / 26.82 (cold 0.998x of cuBLASLt against 1.030x).
 * UE8M0 scales (their decode is more work per K block), three rounds on a third: by 8
 * 28.08 / 29.05, by 4 28.24 / 28.52, by 2 29.00 / 29.23 (timed before (4) moved their
 * bytes out of the TMA thread). A long kernel pays the fetch once in many tiles: the FP8
 * set's geometric mean moved 0.3% with the caches emptied.
 * (4) UE8M0 B scales are bytes, which neither TMA nor cp.async copies here, so a thread
 * loads each K block's and stores it into the stage (backend/sm90/emit_fp8_sb.c). In the
 * TMA thread the first load of the tile's rows, a miss with every stage free at the
 * launch's start (no wait to hide it), held the next stages' TMA loads behind its store:
 * UE8M0 kernels ran up to 0.9 us slower than f32 at short shapes (1.1-8.4% at M <= 128,
 * N <= 7168). One thread of the producer warpgroup's second warp takes the bytes instead:
 * in every launch, M <= 128 and N <= 7168 +1.4..+6.7%, but M = 4096 multi-wave shapes
 * -1.2..-3.3% (there a tile's first miss hides behind the previous tile; why the warp
 * costs them was not measured);
 * in one-wave launches (l2_stream, the stock rule's) only, the FP8 set's UE8M0 runner
 * 1.065x -> 1.083x of per-tensor cuBLASLt, M = 4096 level (H100s,
 * tests/gpu/results/2026-11-28-H100-cold-code/bytes-warp/). l2_stream is taken only by
 * persistent schedules (sema_sched.c); the emitter walks the persistent tiles only. */
enum { UNROLL = 8, UNROLL_MIN_KBLOCKS = 96, ONE_WAVE_UNROLL = 2, ONE_WAVE_UNROLL_UE8M0 = 4,
       ONE_WAVE_MIN_KBLOCKS = 32 };

int plan_loop_form(planner *pl)
{
    dgk_plan *p = pl->p;
    int64_t k_blocks = p->k.arg < 0 && p->bk > 0 ? (p->k.value + p->bk - 1) / p->bk : 0;
    int unsplit = p->split.slices <= 1 && !p->split.tail && p->sched.kind != DGK_SCHED_K_GROUPED;
    dgk_plan_fp8 *f = &p->fp8;
    f->unroll = f->per_m64 && unsplit && k_blocks >= UNROLL_MIN_KBLOCKS ? UNROLL : 0;
    if (f->pieces && p->l2_stream && unsplit && k_blocks >= ONE_WAVE_MIN_KBLOCKS) {
        f->pieces = 0; /* the one temporary whole, in the pieces' registers */
        f->unroll = f->sa_ue8m0 || f->sb_ue8m0 ? ONE_WAVE_UNROLL_UE8M0 : ONE_WAVE_UNROLL;
    }
    /* faster only in clusters (plan.h, fp8.early_wait) */
    f->early_wait = f->pieces && (p->cluster_m > 1 || p->cluster_n > 1);
    f->sb_bytes_warp = f->enabled && f->sb_ue8m0 && !f->sb_per_column && p->l2_stream &&
                       p->sched.kind == DGK_SCHED_PERSISTENT; /* (4) */
    /* (5) plan.h, fp8.sb_loads: K at launch, f32 scales per stage */
    f->sb_loads = f->enabled && !f->sb_per_column && !f->sb_ue8m0 && !f->sb_tile && !f->sb_tma && p->k.arg >= 0;
    return 1;
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
