/* gemm_heuristic.c - picks the tile of a stock GEMM from the problem shape and the SM
 * count; the compiler then sizes the pipeline (stages) and warp roles for that tile.
 * A small cost model, fitted to a tile sweep of the BF16 NT kernel on an H200
 * (tests/gpu/sweep_tiles.sh, tests/gpu/results/): each CTA spends per 128-byte K block
 * the longest of loading its A and B rows (~80 GB/s per SM from L2, ~7 TB/s for all
 * active CTAs together), its wgmma work (~6.5 dense BF16 TFLOPS per SM, FP8 below) and a fixed
 * ~0.15 us of pipeline overhead; tiles run
 * in whole waves over the SMs; no tile choice beats reading every operand once from
 * HBM (~3 TB/s). Ties go to the larger tile. Within 4% of the sweep's best per shape
 * (geometric mean over DeepGEMM's dense shapes). Candidates are tiles the planner
 * accepts with zero spills. */
#include <stdio.h>
#include <stdlib.h>

#include "stock.h"

/* FP8 (promoted) rates, fitted to H200 sweeps of gemm_fp8_nt on the M = 4096 shapes
 * (2026-11-26, tests/gpu/results/2026-11-26-H200-fp8/): a K block took 0.415 us with
 * 128 x 128 tiles (L2-bound: ~10.4 TB/s over all SMs) and 0.82 us with 256 x 128 (wgmma
 * and promotion: ~10.2 TFLOPS per SM). */
#define FP8_TFLOPS_SM 10.2e12
#define FP8_L2_BYTES_S 10.4e12

static const gemm_config candidates[] = {
    {64, 32, 1}, {64, 64, 1}, {64, 128, 1}, {128, 64, 1}, {128, 128, 1}, {128, 176, 1}, {128, 192, 1}, {128, 256, 1}, {256, 128, 1},
};

/* Accumulator registers per consumer thread must leave room for addressing, and for C's
 * values when the epilogue adds C: ptxas spills a 128-register accumulator with C (seen
 * in `make check-kernels`). FP8 promotion adds a temporary: as large as the accumulator
 * with 64-row warpgroups, one m64 block of it (half) with 128-row ones (BM = 256), which
 * the planner then promotes block by block with a smaller reserve (plan_pipeline.c). */
static int fits_registers(const gemm_shape *s, int bm, int bn)
{
    int wg_rows = bm == 64 ? 64 : bm / 2;
    int acc = wg_rows * bn / 128, budget = bm == 64 ? 240 : 232;
    if (s->has_c && acc > 96)
        return 0;
    if (s->fp8 && wg_rows > 64)
        return acc + bn / 2 <= budget - 32;
    return acc * (s->fp8 ? 2 : 1) <= budget - 48;
}

/* Three stages of operands plus the whole output tile staged for the TMA store must fit
 * the 227 KB a CTA may use (the planner then fits as many stages as it can). */
static int fits_smem(const gemm_shape *s, int bm, int bn)
{
    int bk = 128 / s->in_bytes;
    int64_t stage = (int64_t)(bm + bn) * bk * s->in_bytes + (s->fp8 ? bm * 4 : 0);
    return 3 * stage + (int64_t)bm * bn * s->out_bytes + 1024 <= 232448;
}

static int valid(const gemm_shape *s, int bm, int bn)
{
    if (s->b_mn_major && bn % 64)
        return 0;
    if (bm == 64 && bn > 192)
        return 0; /* one consumer warpgroup: ptxas spills past this with an f32 epilogue */
    if (!fits_smem(s, bm, bn))
        return 0;
    if (s->fp8 && 128 % bn)
        return 0; /* an FP8 N tile lies inside one 128-wide B scale block */
    return fits_registers(s, bm, bn);
}

/* Estimated microseconds for the whole GEMM with tile bm x bn. */
static double cost(const gemm_shape *s, int bm, int bn, int sms)
{
    int64_t tiles = ((s->m + bm - 1) / bm) * ((s->n + bn - 1) / bn);
    int64_t waves = (tiles + sms - 1) / sms, active = tiles < sms ? tiles : sms;
    int kb_k = 128 / s->in_bytes;
    int64_t kblocks = (s->k + kb_k - 1) / kb_k;
    double bytes = (double)(bm + bn) * 128.0, flops = 2.0 * bm * bn * kb_k;
    double t = bytes / 80e9, tl2 = active * bytes / (s->fp8 ? FP8_L2_BYTES_S : 7e12);
    double tf = flops / (s->fp8 ? FP8_TFLOPS_SM : 6.5e12);
    if (tl2 > t)
        t = tl2;
    if (tf > t)
        t = tf;
    if (t < 0.15e-6)
        t = 0.15e-6;
    if (bn < 64)
        t += 0.08e-6; /* narrow wgmma: A re-read from shared memory per instruction */
    double total = (double)waves * (double)kblocks * t;
    double hbm = ((double)s->m * s->k + (double)s->n * s->k) * s->in_bytes / 3.0e12 +
                 (double)s->m * s->n * s->out_bytes / 3.0e12;
    return (total > hbm ? total : hbm) * 1e6;
}

int gemm_candidates(const gemm_shape *s, gemm_config *out, int max)
{
    int n = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && n < max; i++)
        if (valid(s, candidates[i].bm, candidates[i].bn))
            out[n++] = candidates[i];
    return n;
}

gemm_config gemm_heuristic(const gemm_shape *s, int sm_count)
{
    return gemm_heuristic_bm(s, sm_count, 0);
}

gemm_config gemm_heuristic_bm(const gemm_shape *s, int sm_count, int bm)
{
    gemm_config best = {bm ? bm : 128, 128, 1}, cands[16];
    double best_cost = 0;
    int have = 0, n = gemm_candidates(s, cands, 16);
    for (int i = 0; i < n; i++) {
        gemm_config c = cands[i];
        if (bm ? c.bm != bm : c.bm > 64 && c.bm / 2 >= s->m) /* half the tile or more would be empty */
            continue;
        double t = cost(s, c.bm, c.bn, sm_count);
        if (!have || t < best_cost || (t == best_cost && c.bm * c.bn > best.bm * best.bn)) {
            best = c;
            best_cost = t;
            have = 1;
        }
    }
    return best;
}

void gemm_tile_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_TILE"), *cl = getenv("DGK_GEMM_CLUSTER");
    int bm, bn, cluster;
    if (e && sscanf(e, "%dx%d", &bm, &bn) == 2)
        c->bm = bm, c->bn = bn;
    if (cl && sscanf(cl, "%d", &cluster) == 1)
        c->cluster = cluster;
}
