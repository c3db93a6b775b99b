/* plan_l2.c - the L2 eviction policy of the operand loads (plan.h, l2_stream), from the
 * schedule's `l2_stream 1` (persistent schedules; sema_sched.c). A launch whose tiles all
 * run at once reads each K block of A and B with all the tiles that share it at about the
 * same time and never again, so its loads can take evict_first: the operands stream
 * through L2 without displacing the lines other kernels use. Measured on an H100 with
 * DeepGEMM's method (an 8 GB memset before each run, which leaves L2 full of dirty lines,
 * then kernel time; the operands displace those lines and pay for their write-backs):
 * FP8 4096x576x7168 (128 tiles of 128 x 144) 30.6 -> 28.6 us, 64x4096x7168 17.1 -> 14.9,
 * 1x7168x16384 52.1 -> 47.5, BF16 4096x576x7168 50.1 -> 45.6; warm back to back (every
 * operand already in L2) unchanged (tests/gpu/results/2026-11-27-H100-l2-hints/). Over
 * more than one wave a later tile rereads what an earlier one loaded: evict_first there
 * cost up to 12% (FP8 4096x24576x1536) and 24% (masked, 32 groups of 192 rows), so the
 * stock entry points ask for it only when a launch's tiles fit on the card's SMs
 * (stdlib/gemm_heuristic.c). It is a modifier, not a decision the kernel makes per
 * launch: a hinted load with the evict_normal priority is not the unhinted one (FP8
 * 4096x2112x7168 25% slower), and choosing per launch between hinted and plain loads in
 * the producer cost the kernels that took the plain ones 2.5-4.4% (FP8 4096x2112x7168,
 * 4096x4096x7168). */
#include "plan_int.h"

void plan_l2(planner *pl)
{
    pl->p->l2_stream = pl->k->sched_l2_stream;
}
