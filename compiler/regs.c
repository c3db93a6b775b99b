/* regs.c - the consumer register budget (regs.h).
 * 65536 registers per SM are shared by 128 * (1 + consumers) threads; the producer drops
 * to DGK_PRODUCER_REGS, so each consumer thread can hold its accumulator: f32, wg_rows *
 * BN / 128 per thread, twice that for a promoted FP8 tile, which keeps a per-K-block
 * temporary, three times with two temporaries (overlap), or 1.5 times with 128-row
 * warpgroups whose temporary is one m64 block (per_m64).
 * Reserves, measured with ptxas over the stock configurations (`make check-kernels`):
 * REG_RESERVE for addressing, loop state and the epilogue; FP8_RESERVE for a promoted
 * tile with one temporary, which reads its scales from the stage and needs little else
 * (128 x 192: 192 accumulator registers in the 232 a consumer has, 0 spills);
 * OVERLAP_RESERVE beside two temporaries or an m64 one. */
#include "regs.h"

enum { REG_RESERVE = 48, FP8_RESERVE = 40, OVERLAP_RESERVE = 32 };

int dgk_regs_fit_tile(int consumer_wgs, int wg_rows, int bn, int fp8, int sb_per_column, dgk_regs_fit *out)
{
    dgk_regs_fit f = {0, 0, REG_RESERVE, 0, 0, 0};
    /* what is left for each consumer thread, rounded down to setmaxnreg's step of 8 */
    int left = (65536 - 128 * DGK_PRODUCER_REGS) / (128 * consumer_wgs);
    f.consumer_regs = left > 240 ? 240 : left - left % 8;
    f.acc = wg_rows * bn / 128 * (fp8 ? 2 : 1);
    /* FP8: a second temporary lets block k be promoted while block k+1's wgmma runs */
    if (fp8 && f.acc / 2 * 3 + OVERLAP_RESERVE <= f.consumer_regs) {
        f.overlap = 1;
        f.acc = f.acc / 2 * 3;
        f.reserve = OVERLAP_RESERVE;
    } else if (fp8 && f.acc + REG_RESERVE > f.consumer_regs && wg_rows > 64 && !sb_per_column &&
               f.acc / 2 + f.acc / 2 / (wg_rows / 64) + OVERLAP_RESERVE <= f.consumer_regs) {
        /* 128-row warpgroups: a temporary of one m64 block, promoted block by block */
        f.per_m64 = 1;
        f.acc = f.acc / 2 + f.acc / 2 / (wg_rows / 64);
        f.reserve = OVERLAP_RESERVE;
    } else if (fp8) {
        f.reserve = FP8_RESERVE;
    }
    /* one temporary of the whole block: in two N-half pieces per m64 block, whose halves
     * are wgmma N's. Not for per_m64 (BM = 256): there the halves' wgmmas read each A
     * row block twice, shared memory ran at 88% of its wavefronts against 68% with whole
     * m64 x BN wgmmas, and the m64 loop took 1-2% fewer cycles (ncu, 256 x 128,
     * tests/gpu/results/2026-11-26-H100-fp8-m64/) */
    if (fp8 && !f.overlap && !f.per_m64 && !sb_per_column && bn % 16 == 0)
        f.pieces = wg_rows / 64 * 2;
    *out = f;
    return f.acc + f.reserve <= f.consumer_regs;
}
