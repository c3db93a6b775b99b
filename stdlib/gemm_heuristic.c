/* gemm_heuristic.c - picks the tile (and split-K slices) of a stock GEMM from the
 * problem shape and the SM count; the compiler then sizes the pipeline (stages) and warp
 * roles for that tile. A cost model (cost() below) prices every candidate: whole waves of
 * work units over the SMs, each a K loop whose blocks take the longest of their L2
 * traffic (per SM, and over all active SMs), their wgmma work (narrower tiles and FP8
 * without overlapped promotion run slower) and a floor, plus fixed costs per unit
 * (pipeline fill, epilogue; for split-K the partial's write, the last unit's reads and
 * the fences); never less than reading every operand once from HBM. A tile's traffic
 * counts only the operand rows that exist (M = 1 moves one row of A). Its constants are
 * fitted to timed sweeps (see `model` below). Candidates the HBM floor ties are ranked by
 * the estimate before it, then the larger tile wins.
 * Candidates are tiles the planner accepts with zero spills.
 * Split-K (kernels with `split_k SPLIT`) is costed only for tiles that leave SMs idle,
 * with at most one slice per K block, and picked when the model has it 10% faster than
 * the best unsplit tile (its margin of error). */
#include <stdio.h>
#include <stdlib.h>

#include "compiler/regs.h"
#include "stock.h"

static const gemm_config candidates[] = {
    {64, 32, 1, 1, 1, 0, 0, 0},   {64, 64, 1, 1, 1, 0, 0, 0},   {64, 128, 1, 1, 1, 0, 0, 0},  {128, 64, 1, 1, 1, 0, 0, 0},  {128, 128, 1, 1, 1, 0, 0, 0},
    {128, 144, 1, 1, 1, 0, 0, 0}, {128, 160, 1, 1, 1, 0, 0, 0}, {128, 176, 1, 1, 1, 0, 0, 0}, {128, 192, 1, 1, 1, 0, 0, 0}, {128, 256, 1, 1, 1, 0, 0, 0},
    {256, 128, 1, 1, 1, 0, 0, 0},
};

/* The planner's register rule (compiler/regs.c), with the kernel's B-scale form (per
 * column: no per-m64 temporary, no pieces), plus one of the stock kernels': ptxas spills
 * a 128-register accumulator when the epilogue also reads C (seen in
 * `make check-kernels`). */
static int fits_registers(const gemm_shape *s, int bm, int bn)
{
    int wg_rows = bm == 64 ? 64 : bm / 2;
    dgk_regs_fit f;
    if (s->has_c && wg_rows * bn / 128 > 96)
        return 0;
    return dgk_regs_fit_tile(bm == 64 ? 1 : 2, wg_rows, bn, s->fp8, s->sb_per_column, &f);
}

/* Three stages (s->min_stages when more) of operands (and their scale rows: A's, and B's
 * when per column, 128-byte aligned as the planner lays them out) plus the whole output
 * tile staged for the TMA store must fit the 227 KB a CTA may use (the planner then fits
 * as many stages as it can). */
static int fits_smem(const gemm_shape *s, int bm, int bn)
{
    int bk = 128 / s->in_bytes, stages = s->min_stages > 3 ? s->min_stages : 3;
    int64_t stage = (int64_t)(bm + bn) * bk * s->in_bytes + (s->fp8 ? bm * 4 : 0) +
                    (s->sb_per_column ? (bn * 4 + 127) / 128 * 128 : 0);
    return stages * stage + (int64_t)bm * bn * s->out_bytes + 1024 <= 232448;
}

static int gcd(int a, int b)
{
    return b ? gcd(b, a % b) : a;
}

static int valid(const gemm_shape *s, int bm, int bn)
{
    if (s->b_mn_major && bn % 64)
        return 0;
    if (bm == 64 && bn > 192)
        return 0; /* one consumer warpgroup: ptxas spills past this with an f32 epilogue */
    if (!fits_smem(s, bm, bn))
        return 0;
    /* a block-scaled FP8 N tile may straddle two 128-wide B scale blocks, not three (SPEC
     * 7.6; the weight gradients' sources share BN with a block-scaled kernel, so that
     * holds for them too), and with an f32 output staged beside it such a tile keeps 3
     * stages, not 4 (not timed for the dense f32 output: left out there). B scaled per
     * column (the weight gradients) takes such tiles: 128 x 160 runs 576 x 4096 x 7168
     * 19% faster than 64 x 128 (one wave), 128 x 192 2112 x 4096 x 7168 3% faster
     * (tests/gpu/results/2026-11-26-H100-wgrad-tiles/). */
    if (s->fp8 && 128 % bn && ((s->out_bytes > 2 && !s->sb_per_column) || bn - gcd(bn, 128) > 128))
        return 0;
    return fits_registers(s, bm, bn);
}

static int64_t tile_count(const gemm_shape *s, int bm, int bn)
{
    return ((s->m + bm - 1) / bm) * ((s->n + bn - 1) / bn);
}

static int64_t k_blocks(const gemm_shape *s)
{
    int kb_k = 128 / s->in_bytes;
    return (s->k + kb_k - 1) / kb_k;
}

/* The cost model's constants, fitted (tools/fit_heuristic.py) to timed points of
 * gemm_bf16_nt and gemm_fp8_nt with tiles and split-K forced: first on an H200 (621
 * points, DeepGEMM's dense shapes, tests/gpu/results/2026-11-26-H200-heuristic/); then,
 * once short operands moved only their rows and small tiles got up to 16 stages, the
 * memory and split-K terms on that H200's large shapes plus an H100 small-M sweep; last
 * every constant but the wgmma rates and the HBM floor, on an H100 small-M sweep that
 * adds 64 x 32 tiles unsplit and in 2-8 slices (tests/gpu/results/2026-11-26-H100-small-m-32/);
 * the fit moved sm_bytes_s, l2_bytes_s_fp8, narrow and split_write_bytes_s. (Freed, the
 * HBM floor went to 0.8 TB/s, which no card has.) The fit minimizes the time lost by this file's pick per shape
 * against the best measured configuration: 0.74% on that sweep (1.99% with the constants
 * before), 0.28% and 0.44% on the H200 large-shape sweeps (unchanged). */
static const struct cost_model {
    double sm_bytes_s;           /* L2 -> one SM */
    double l2_bytes_s, l2_bytes_s_fp8; /* L2 -> all active SMs together */
    double l2_bytes_s_fp8_big;   /* the same, block-scaled FP8 whose A and B both exceed half
                                  * of l2_fit_bytes (l2_rate). Measured (the FP8 tile sweep of
                                  * tests/gpu/results/2026-11-28-H100-bars/tile-sweep/fit/),
                                  * 128 x 128 runs at 0.84-0.88 of 128 x 192's or 256 x 128's
                                  * speed on such shapes (2048x7168x16384, 4096x7168x16384,
                                  * 8192x4096x7168) and level with them or ahead where the
                                  * operands fit (4096x4096x2048 / 4096, 2048x7168x2048): its
                                  * traffic per flop, a third above 256 x 128's, then binds.
                                  * On that sweep 7.6e12..8.6e12 all flip 2048x7168x16384 from
                                  * 128 x 128 to 128 x 192 (the pick 14.7% slower than the
                                  * best, now the best) and no other pick of it or of the
                                  * earlier sweeps (l2-fit/l2fit.txt). Timed old against new
                                  * (2026-11-28-H100-l2-fit/): dense 2048x7168x16384 387 ->
                                  * 339 us; contiguous (3 of the 9 grouped picks it flips on
                                  * a grid of 2700 shapes) 2-16% faster */
    double l2_fit_bytes;         /* the L2 of an H100 / H200 (50 MB) */
    double flops_s, flops_s_fp8; /* one SM's wgmma rate at BN = 256 */
    double flops_s_fp8_serial;   /* FP8 with BN > 128 at BM <= 128 and B scaled per column (the
                                  * weight gradients): one temporary, promoted whole */
    double flops_s_fp8_pieces;   /* the same tiles block-scaled, promoted in pieces. Fitted
                                  * first as the serial rate (9.8e12), which priced 128 x 192
                                  * level with 128 x 128 per flop; measured, 128 x 192 ran
                                  * 8% faster than 128 x 128 at 32768x4096x4096 (1264 against
                                  * 1166 TFLOPS, dense) and 12% in the grouped contiguous
                                  * kernel at 4 x 8192 rows, 4096x4096 (1250 against 1113),
                                  * where wave counts had the model pick 128 x 128; and 3.7%
                                  * faster than 256 x 128 with its cluster at 4096x24576x1536
                                  * (1316-1321 against 1270-1273). 10.3e12 flips those picks
                                  * and no other of DeepGEMM's dense or grouped shapes; from
                                  * 10.39e12 on, 4096x7168x16384 would take 128 x 192, 5.5%
                                  * slower than 256 x 128 there (kernel time, H100,
                                  * tests/gpu/results/2026-11-27-H100-tile-rates/) */
    double flops_s_fp8_m64;      /* FP8 at BM = 256: promoted one m64 block at a time (the
                                  * fit gave 10.2e12; an H100 sweep had 256 x 128 7-12% ahead
                                  * of 128 x 128 at 4096 x 7168 x 16384, so it is set to the
                                  * 128-row rate: the same regret on the H200 data) */
    double bn_penalty;           /* the rate divides by 1 + bn_penalty * (256 / BN - 1) */
    double kblock_floor, narrow; /* per K block: least time; extra for BN < 64 */
    double prologue;             /* per work unit: pipeline fill, epilogue */
    double prologue_fp8_256, prologue_fp8_192, prologue_fp8_160; /* the same for block-scaled
                                  * FP8 tiles of those forms (tile_prologue) */
    double split_fixed;          /* per split unit: fences, counter, fixup */
    double split_write_bytes_s, split_read_bytes_s; /* partials, per SM */
    double hbm_bytes_s;          /* every operand read once (fitted well under the H100's
                                  * 3.35e12 peak; a guess at why: the timed calls follow a
                                  * memset flush, so their reads also pay L2 write-backs) */
    double launch_us;
} model = {
    81.28e9, 9.8e12, 11.23e12, 8.0e12, 50e6, 5.6e12, 12.2e12, 9.8e12, 10.3e12, 12.2e12, 0.4536,
    0.063e-6, 0.012e-6, 1.0e-6, 1.8e-6, 1.2e-6, 0.8e-6, 3.36e-6, 5.0e9, 47.04e9, 2.699e12, 4.0,
};

/* Per work unit. Block-scaled FP8 tiles ramp up at each tile's start by form: per-tile
 * timelines (tests/gpu/probes/timeline/) put the K loop's excess over its long-K rate at
 * ~3500-3800 cycles per tile for 256 x 128 in its cluster, 840-1340 for 128 x 192, 300-1000
 * for 128 x 160 and ~700 for 128 x 128 (tests/gpu/results/2026-11-28-H100-epilogue-round/
 * timeline/kseries*, two H100s); with one constant for every form the model priced 256 x
 * 128 below 128 x 160 at 4096x7168 for K <= 4096, where 128 x 160 ran 2.5-8.4% faster
 * (2026-11-28-H100-suite-71c458c/tiles-7168/; 5.3-6.7% at K = 2048 on three cards). At 4
 * K blocks or fewer the stages hold most of a tile and 256 x 128 measured best
 * (4096x32768x512), so the one constant stays there; so it does for grouped shapes and
 * the weight gradients (not swept). Per-form values fitted on tools/fit_heuristic.py's
 * sweeps: the 2026-11-28 FP8 tile sweep 1.23 -> 0.48% regret, the 48-shape one 0.71 ->
 * 0.59%, small M unchanged; the H200 sets 0.55 -> 1.21% and 0.44 -> 0.50%: 4096x7168x2048
 * to 128 x 160, 23% slower there with 2026-11-26's kernels (128 x 144 / 160 then ran 115-130
 * us against 94 for 128 x 128), and 4096x24576x1536, which the cluster rule takes as 128 x
 * 192 whatever the model says. On a grid of 2700 shapes 16 dense FP8 picks change, listed
 * in tiles-7168/prologue/; of DeepGEMM's dense and grouped sets only 4096x7168x2048. As
 * stock picks against the one constant (2026-11-28-H100-prologue-picks/): 13 of the 16
 * faster, +4.4% by geometric mean, 4096x7168x2048 +3.4%; 192x16384x2048 3.3% slower. */
static double tile_prologue(const gemm_shape *s, int bm, int bn, int64_t kblocks)
{
    if (!s->fp8 || s->sb_per_column || s->contig_cluster_m || s->group_rows > 0 || kblocks <= 4)
        return model.prologue;
    if (bm == 256)
        return model.prologue_fp8_256;
    if (bn == 192)
        return model.prologue_fp8_192;
    return bn == 160 ? model.prologue_fp8_160 : model.prologue;
}

static double flops_rate(const gemm_shape *s, int bm, int bn)
{
    double pieces = s->sb_per_column ? model.flops_s_fp8_serial : model.flops_s_fp8_pieces;
    double r = !s->fp8 ? model.flops_s : bm == 256 ? model.flops_s_fp8_m64 : bn > 128 ? pieces : model.flops_s_fp8;
    return r / (1.0 + model.bn_penalty * (256.0 / bn - 1.0));
}

/* L2 -> the active SMs. Block-scaled FP8 whose operands both exceed half the L2 streams at
 * l2_bytes_s_fp8_big (see the table). A masked group is its own GEMM (its rows, its B):
 * there the rows are a group's (group_rows; with all G x rows, 8 x 512 rows at 4096x7168
 * took 128 x 192 and ran 5% slower). Not the weight gradients (B per column, BN > 128
 * promoted serially): their 128 x 192 ran 3% slower to 2% faster than 128 x 128 on such
 * shapes, so they keep the one rate (tests/gpu/results/2026-11-28-H100-l2-fit/). */
static double l2_rate(const gemm_shape *s)
{
    if (!s->fp8)
        return model.l2_bytes_s;
    int64_t rows = s->group_rows > 0 ? s->group_rows : s->m;
    double smaller = (double)(rows < s->n ? rows : s->n) * (double)s->k * s->in_bytes;
    return !s->sb_per_column && 2 * smaller > model.l2_fit_bytes ? model.l2_bytes_s_fp8_big : model.l2_bytes_s_fp8;
}

/* Estimated microseconds for the whole GEMM with tile bm x bn, K cut into `split` slices
 * per tile (1: none): whole waves of work units, each a K loop whose blocks take the
 * longest of their L2 traffic (per SM, and over all active SMs), their wgmma work and a
 * floor, plus its fixed costs; never less than reading every operand once from HBM.
 * `*waves_us` gets the estimate before that floor: where the floor ties candidates, it
 * still ranks them. */
static double cost(const gemm_shape *s, int bm, int bn, int split, int sms, double *waves_us)
{
    int64_t units = tile_count(s, bm, bn) * split;
    int64_t waves = (units + sms - 1) / sms, active = units < sms ? units : sms;
    int kb_k = 128 / s->in_bytes;
    int64_t kblocks = (k_blocks(s) + split - 1) / split;
    /* a tile moves the rows that exist (the planner fits a short operand's box to them) */
    double rows_a = s->m < bm ? (double)s->m : bm, rows_b = s->n < bn ? (double)s->n : bn;
    double bytes = (rows_a + rows_b) * 128.0, flops = 2.0 * bm * bn * kb_k;
    double t = bytes / model.sm_bytes_s;
    double tl2 = active * bytes / l2_rate(s);
    double tf = flops / flops_rate(s, bm, bn);
    t = t > tl2 ? t : tl2;
    t = t > tf ? t : tf;
    t = t > model.kblock_floor ? t : model.kblock_floor;
    if (bn < 64)
        t += model.narrow; /* narrow wgmma: A re-read from shared memory per instruction */
    double unit = (double)kblocks * t + tile_prologue(s, bm, bn, kblocks);
    double hbm = (((double)s->m * s->k + (double)s->n * s->k) * s->in_bytes + (double)s->m * s->n * s->out_bytes);
    if (split > 1) {
        double slot = (double)bm * bn * 4.0;
        unit += model.split_fixed + slot / model.split_write_bytes_s + (split - 1) * slot / model.split_read_bytes_s;
        hbm += 2.0 * (double)units * slot;
    }
    double total = (double)waves * unit, floor = hbm / model.hbm_bytes_s;
    *waves_us = total * 1e6 + model.launch_us;
    return (total > floor ? total : floor) * 1e6 + model.launch_us;
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

/* Whether a candidate costing (t, w) (cost() and its *waves_us) beats the best so far:
 * the lower cost, then the lower estimate before the HBM floor, then the larger tile. */
static int beats(double t, double w, int area, double best_t, double best_w, int best_area)
{
    if (t != best_t)
        return t < best_t;
    return w != best_w ? w < best_w : area > best_area;
}

/* The best tile with K cut into `split` slices when split > 1 (only tiles that leave
 * SMs idle, and at most one slice per K block), or unsplit when split == 1. Returns the
 * cost, or -1 when no candidate qualifies. */
static double best_tile(const gemm_shape *s, int sms, int bm, int split, gemm_config *best)
{
    gemm_config cands[16];
    double best_cost = -1, best_waves = 0;
    int n = gemm_candidates(s, cands, 16);
    for (int i = 0; i < n; i++) {
        gemm_config c = cands[i];
        if (bm ? c.bm != bm : c.bm > 64 && c.bm / 2 >= s->m) /* half the tile or more would be empty */
            continue;
        if (split > 1 && (tile_count(s, c.bm, c.bn) >= sms || split > k_blocks(s)))
            continue;
        /* split-K was timed with tiles of 64 x 32 (the smallest candidate) to 128 x 128
         * only (64 x 32 on the H100, tests/gpu/results/2026-11-26-H100-small-m-narrow/:
         * picked at N = 576 and 256 with M <= 128, 3.4% faster there than the 64 x 64
         * splits it replaced) */
        if (split > 1 && c.bm * c.bn > 128 * 128)
            continue;
        double w, t = cost(s, c.bm, c.bn, split, sms, &w);
        if (best_cost < 0 || beats(t, w, c.bm * c.bn, best_cost, best_waves, best->bm * best->bn)) {
            *best = (gemm_config){c.bm, c.bn, split, 1, 1, 0, 0, 0};
            best_cost = t;
            best_waves = w;
        }
    }
    return best_cost;
}

/* Masked groups of few rows: a tile of BM < 64 rows, computed with the operands swapped
 * (compiler/plan_swap.c), holding a group's expected rows and the 1.3x a group may have
 * beyond them (more rows would read the group's B a second time), else 0. Measured at 32
 * x 20 rows on the H100: 580 -> 559 us and 113 -> 105 us by kernel time at (N, K) =
 * (6144, 7168) and (4096, 2048), 6 x 20 within 2% (tests/gpu/results/2026-11-26-H100-
 * masked-swap/). */
static int masked_swap_bm(int rows, int fp8)
{
    if (rows <= 0 || rows > 32)
        return 0; /* none of these fit 32 rows (and 13 x rows must not overflow) */
    int want = (rows * 13 + 9) / 10, bm = (want + 7) / 8 * 8;
    if (fp8 && bm < 16)
        bm = 16; /* the planner refuses FP8 at BM = 8 (ptxas serializes it) */
    return bm <= 32 ? bm : 0;
}

/* The swapped tile's BN (its B rows, 64 per consumer warpgroup): 128 when the groups'
 * tiles fill the SMs once, else 64 when that does, else 0: with fewer tiles than SMs a
 * memory-bound kernel streams B through part of the card, and the unswapped candidates
 * (narrow tiles such as 64 x 32) keep it all busy. G = M / rows (M = G x expected rows). */
static int masked_swap_bn(const gemm_shape *s, int sms)
{
    int64_t groups = s->m / s->masked_rows;
    for (int bn = 128; bn >= 64; bn /= 2)
        if (groups * ((s->n + bn - 1) / bn) >= sms)
            return bn;
    return 0;
}

/* FP8 masked groups of 160-192 expected rows (two row blocks, the second at most half full:
 * the kernel's skip_idle), K >= 6144: a 2-CTA cluster along M, the pair taking a group's two
 * blocks of one column tile and rank 0 multicasting its B tile (DeepGEMM's pick there too);
 * 128 x 192 tiles, the ones measured (the one 128 x 128 point was level).
 * Unclustered, the fixed stride of an even CTA count gave every second block (the cheap,
 * half-idle one) to the same CTAs, and each B tile was read for both blocks. H100, kernel
 * time, 128 x 192 tiles, against the same kernel unclustered
 * (tests/gpu/results/2026-11-27-H100-masked-rows/, 21 points each at K = 6144-8192): with
 * masked_m = expected_m +0.1% to +17.8% (+8.5% on average; 32 x 192 rows at 6144x7168
 * +11.9%), with rows drawn 0.7-1.3x -3.0% to +4.7% (+0.8%; 160 rows drawn put a sixth of the groups
 * in one block, whose pair then idles: fewer expected rows are not taken); at K = 2048 it
 * lost 1-3%, and with more blocks per group (16 x 320, 8 x 512, 8 x 704 rows) up to 20%. */
static int masked_pair_cluster(const gemm_shape *s, gemm_config c)
{
    return s->fp8 && s->k >= 6144 && s->masked_rows >= 160 && s->masked_rows <= 192 && c.bm == 128 && c.bn == 192 &&
           c.split <= 1;
}

/* Masked groups of more rows: the dense rule's tile, but 128 rows at most. A group's
 * last row block is part empty (the counts vary around the expected rows), on average
 * half a block, which 256-row tiles double: at 4096x2048 the dense rule's 256 x 128 took
 * 106.5 us for 6 x 1024 rows and 133.8 us for 32 x 192 where 128 x 192 took 98.3 and 129.7
 * (H100, kernel time, one seed: tests/gpu/results/2026-11-26-H100-masked-tiles/); the
 * other DeepGEMM shapes already got 128 x 192. */
static gemm_config masked_tile(const gemm_shape *s, int sm_count)
{
    gemm_shape dense = *s;
    dense.masked_rows = 0;
    dense.group_rows = s->masked_rows;
    gemm_config c = gemm_heuristic_bm(&dense, sm_count, 0);
    if (c.bm > 128)
        c = gemm_heuristic_bm(&dense, sm_count, 128);
    if (masked_pair_cluster(s, c))
        c.cluster = 2;
    return c;
}

/* FP8 with 16 waves or more of 128 x 192 tiles runs 128 x 192 in 2-CTA clusters along M,
 * rank 0 multicasting B's whole tile (backend/sm90/emit_producer.c), whatever the model
 * picked (it prices no cluster). Kernel time with DeepGEMM's method on one H100, two
 * passes, against the heuristic's pick without this rule
 * (tests/gpu/results/2026-11-27-H100-tile-rates/clusters/): 32768x4096x4096 1407-1413
 * against 1287-1288 TFLOPS (the model's 128 x 192 alone; 256 x 128 ran 1385-1391),
 * 32768x4096x2048 1353-1357 / 1232-1240, 32768x7168x3072 1407-1409 / 1339-1357,
 * 32768x6144x7168 1418-1422 / 1392-1400, 16384x6144x7168 1415-1423 / 1396-1403 (31
 * waves), 4096x32768x512 1024-1030 / 966-1014 (41), 4096x24576x1536 1329-1338 /
 * 1316-1322 (31). Below 16 waves it lost: 4096x7168x2048 (9 waves) 1258-1262 / 1275-1277,
 * 4096x7168x16384 1370-1379 against 256 x 128 with its cluster 1407-1439. BF16 measured
 * with clusters along M: no gain (0 to -1.4%), no rule. Needs an even count of row
 * blocks (pairs) and N within 4% of whole 192-column tiles. */
static int wide_b_cluster(const gemm_shape *s, int sms)
{
    int64_t m_tiles = (s->m + 127) / 128, n_tiles = (s->n + 191) / 192;
    return s->fp8 && s->can_split && valid(s, 128, 192) && m_tiles % 2 == 0 && m_tiles * n_tiles >= 16 * (int64_t)sms &&
           n_tiles * 192 * 100 <= s->n * 104;
}

/* Contiguous grouped FP8, 128 x 192 tiles: a cluster along M (B multicast by rank 0, a
 * fixed stride instead of the dynamic counter). DeepGEMM's contiguous set, kernel time
 * against the dynamic kernel without a cluster (tests/gpu/results/
 * 2026-11-27-H100-contig-cluster/): with group ids (pairs of blocks 2u, 2u + 1 in swaths
 * of GROUP blocks; a pair of two groups loads B per CTA) +2.2..+9.7% on all 8 shapes, 4 x
 * 8192 6144x7168 1400 -> 1432 TFLOPS (ids-swath/), and +1.5..+4% at the three shapes
 * another card ran (swath-pairs/). With group offsets (pairs of one group's swath; a
 * group's odd last block pairs with an idle CTA) +0.8..+4.8% at K = 2048..4096 on two
 * cards; at 6144x7168 it was +0.3/+0.9% on one and -2.6/-2.3% on the other (rule/, ab/,
 * ab2/) until clustered tiles took the early wait (plan.h fp8.early_wait), after which
 * it ran +2.0..+2.4% there in three rounds (4 x 8192 2305 -> 2255 us, 8 x 4096 2198 ->
 * 2155; tests/gpu/results/2026-11-27-H100-early-wait/offsets-cluster/): so at every K,
 * like the ids form. Many waves at these sizes (>= 16 asked for, as dense). */
static int contig_b_cluster(const gemm_shape *s, int sms, gemm_config c)
{
    return s->contig_cluster_m && s->fp8 && c.bm == 128 && c.bn == 192 && c.split <= 1 &&
           tile_count(s, 128, 192) >= 16 * (int64_t)sms;
}

/* FP8 256 x 128 tiles over 6 waves or more run as 2-CTA clusters along N, multicasting
 * A (DeepGEMM's pick there too). With stage releases forwarded by the producers
 * (backend/sm90/emit_producer.c), kernel time with DeepGEMM's method on one H100:
 * 4096x7168x16384 +1.0% (and +1.3% against the same kernel unclustered beside DeepGEMM),
 * 4096x24576x1536 +1.4%, 4096x32768x512 +1.1%, 4096x7168x2048 -0.3% (noise);
 * 4096x4096x7168 (3.9 waves) -0.2%, so not there; other tiles lost: 128 x 192 at
 * 4096x2112x7168 -15%, one wave of 128 x 144 at 4096x576x7168 -5%
 * (tests/gpu/results/2026-11-27-H100-cluster-forward/). Kernels with clusters only (the
 * tunable dense ones, can_split), and an even count of column tiles (cluster tiles are
 * pairs of them). The cluster along M (wide_b_cluster) comes first. */
static gemm_config with_cluster(const gemm_shape *s, int sms, int bm, gemm_config c)
{
    if (c.split <= 1 && (bm == 0 || bm == 128) && wide_b_cluster(s, sms))
        return (gemm_config){128, 192, 1, 2, 1, c.swizzle, 0, 0};
    if (contig_b_cluster(s, sms, c))
        c.cluster = 2;
    int64_t n_tiles = (s->n + c.bn - 1) / c.bn;
    /* an odd count of column tiles would give the last cluster a CTA past N */
    if (s->fp8 && s->can_split && c.bm == 256 && c.bn == 128 && c.split <= 1 &&
        tile_count(s, c.bm, c.bn) >= 6 * (int64_t)sms && n_tiles % 2 == 0)
        c.cluster_n = 2;
    return c;
}

gemm_config gemm_heuristic_bm(const gemm_shape *s, int sm_count, int bm)
{
    int swap_bm = bm ? 0 : masked_swap_bm(s->masked_rows, s->fp8);
    int swap_bn = swap_bm ? masked_swap_bn(s, sm_count) : 0;
    if (swap_bn)
        return (gemm_config){swap_bm, swap_bn, 1, 1, 1, 0, 0, 0};
    if (!bm && s->masked_rows > 0)
        return masked_tile(s, sm_count);
    gemm_config best = {bm ? bm : 128, 128, 1, 1, 1, 0, 0, 0};
    double best_cost = best_tile(s, sm_count, bm, 1, &best);
    gemm_config split_best = best, by_split[17];
    double split_cost_us = -1, cost_of[17];
    for (int split = 2; s->can_split && split <= 16; split++) {
        cost_of[split] = best_tile(s, sm_count, bm, split, &by_split[split]);
        if (cost_of[split] >= 0 && (split_cost_us < 0 || cost_of[split] < split_cost_us))
            split_cost_us = cost_of[split];
    }
    /* the fewest slices within 5% of the best: each slice adds fixed costs the model prices
     * from one card (the H200), and the H100 paid more for them (64 x 576 x 7168: 8 slices
     * 0.88x of cuBLASLt) */
    double least = split_cost_us;
    for (int split = 16; s->can_split && least >= 0 && split >= 2; split--)
        if (cost_of[split] >= 0 && cost_of[split] <= 1.05 * least)
            split_best = by_split[split], split_cost_us = cost_of[split];
    if (best_cost >= 0 && split_cost_us >= 0 && split_cost_us < 0.9 * best_cost)
        return split_best;
    return with_cluster(s, sm_count, bm, best);
}

void gemm_tile_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_TILE"), *cl = getenv("DGK_GEMM_CLUSTER"), *cn = getenv("DGK_GEMM_CLUSTER_N");
    int bm, bn, cluster;
    if (e && sscanf(e, "%dx%d", &bm, &bn) == 2) {
        c->bm = bm;
        c->bn = bn;
    }
    /* a forced tile or cluster is the whole configuration: the heuristic's clusters (along
     * M or N, with_cluster) stay only when neither the tile nor any cluster is forced; an
     * axis not forced then has none. Both axes forced above 1 is the compiler's error. */
    int forced = e || cl || cn;
    if (forced && !cn)
        c->cluster_n = 1;
    if (forced && !cl)
        c->cluster = 1;
    if (cl && sscanf(cl, "%d", &cluster) == 1)
        c->cluster = cluster;
    if (cn && sscanf(cn, "%d", &cluster) == 1)
        c->cluster_n = cluster;
}

void gemm_split_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_SPLIT");
    int split;
    if (e && sscanf(e, "%d", &split) == 1)
        c->split = split; /* out of 1..16: the compiler's error says so */
}

void gemm_passes_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_PASSES");
    int p;
    if (e && sscanf(e, "%d", &p) == 1)
        c->passes = p;
}

void gemm_swizzle_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_SWIZZLE");
    int g;
    if (e && sscanf(e, "%d", &g) == 1)
        c->swizzle = g;
}

/* `l2_stream 1` (-D L2=1). A launch whose tiles all run at once reads each K block of A
 * and B with all the tiles that share it at about the same time and never again, so its
 * loads can take evict_first: the operands stream through L2 without displacing the
 * lines other kernels use. Measured on an H100 with DeepGEMM's method (an 8 GB memset
 * before each run, which leaves L2 full of dirty lines, then kernel time; the operands
 * displace those lines and pay for their write-backs): FP8 4096x576x7168 (128 tiles of
 * 128 x 144) 30.6 -> 28.6 us, 64x4096x7168 17.1 -> 14.9, 1x7168x16384 52.1 -> 47.5, BF16
 * 4096x576x7168 50.1 -> 45.6; warm back to back (every operand already in L2) unchanged
 * (tests/gpu/results/2026-11-27-H100-l2-hints/). Over more than one wave a later tile
 * rereads what an earlier one loaded: evict_first there cost up to 12% (FP8
 * 4096x24576x1536) and 24% (masked, 32 groups of 192 rows), hence this rule. It is a
 * modifier, not a decision the kernel makes per launch: a hinted load with the
 * evict_normal priority is not the unhinted one (FP8 4096x2112x7168 25% slower), and
 * choosing per launch between hinted and plain loads in the producer cost the kernels
 * that took the plain ones 2.5-4.4% (FP8 4096x2112x7168, 4096x4096x7168).
 * The kernel walks cluster tiles (row and column blocks rounded up to the cluster) times
 * min(S, K blocks) slices, which is what the runtime's grid counts too
 * (dgk_plan_work_ctas). */
void gemm_l2_rule(const gemm_shape *s, int sm_count, gemm_config *c)
{
    int64_t cm = c->cluster > 1 ? c->cluster : 1, cn = c->cluster_n > 1 ? c->cluster_n : 1;
    int64_t bk = s->in_bytes > 0 ? 128 / s->in_bytes : 64, k_blocks = (s->k + bk - 1) / bk;
    int64_t slices = c->split > 1 ? c->split : 1;
    if (slices > k_blocks)
        slices = k_blocks > 0 ? k_blocks : 1;
    int64_t ctas = (s->m + c->bm * cm - 1) / (c->bm * cm) * ((s->n + c->bn * cn - 1) / (c->bn * cn)) * slices * cm * cn;
    c->l2_stream = ctas <= sm_count;
}

void gemm_l2_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_L2");
    int v;
    if (e && sscanf(e, "%d", &v) == 1)
        c->l2_stream = v != 0;
}

void gemm_tail_override(gemm_shape *s, gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_TAIL");
    int t;
    if (s->masked_rows > 0 && e && sscanf(e, "%d", &t) == 1)
        s->tail_split = t != 0;
    if (s->tail_split) /* tail_split takes no cluster: the heuristic's (masked_pair_cluster) gives way */
        c->cluster = c->cluster_n = 1;
}

/* No stock rule takes tail_split (the masked kernels' last partial wave cut by K). It was
 * taken for FP8 at K >= 6144 without skip_idle when it ran 0.5-2.1% faster at 6 x 1024 rows,
 * 6144x7168 (tests/gpu/results/2026-11-27-H100-tail-split/); since the B scales are copied
 * once per tile (fp8.sb_tile, which a K-split kernel cannot take) and the kernels changed
 * around it, the same kernels without it ran faster at 14 of 18 FP8 points with K >= 6144
 * (6 x 1024, 8 x 512, 4 x 1536 rows, rows exact and drawn, K = 6272 too, where sb_tile does
 * not apply), +1.8% on average, from -2.2% to +3.5% (H100, kernel time,
 * tests/gpu/results/2026-11-27-H100-masked-rows/). The language keeps it; DGK_GEMM_TAIL=1
 * forces it on the stock kernels. */
