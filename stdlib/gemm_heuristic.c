/* gemm_heuristic.c - picks the tile of a stock GEMM from the problem shape and the SM
 * count. The compiler then sizes the pipeline (stages) and warp roles for that tile.
 * Candidates respect what the SM90 planner accepts: BM in {64, 128, 256}; BN a multiple
 * of 16 from 32 up to 256 (of 64 when B is MN-major); the accumulator (twice it for FP8
 * promotion) within a consumer thread's registers. */
#include <stdio.h>
#include <stdlib.h>

#include "stock.h"

static const int bm_candidates[] = {64, 128, 256};

static int fits_registers(const gemm_shape *s, int bm, int bn)
{
    int wg_rows = bm == 64 ? 64 : bm / 2;
    int acc = wg_rows * bn / 128 * (s->fp8 ? 2 : 1);
    return acc <= (bm == 64 ? 240 : 232) - 48;
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
    if (s->fp8 && bm == 256)
        return 0;
    return fits_registers(s, bm, bn);
}

typedef struct score {
    int64_t waves;
    double last_wave;   /* fraction of SMs busy in the last wave */
    int64_t area;
} score;

static score score_of(const gemm_shape *s, int bm, int bn, int sms)
{
    int64_t tiles = ((s->m + bm - 1) / bm) * ((s->n + bn - 1) / bn);
    score r;
    r.waves = (tiles + sms - 1) / sms;
    r.last_wave = (double)(tiles - (r.waves - 1) * sms) / sms;
    r.area = (int64_t)bm * bn;
    return r;
}

static int better(score a, score b)
{
    if (a.waves != b.waves)
        return a.waves < b.waves;
    if (a.last_wave != b.last_wave)
        return a.last_wave > b.last_wave;
    return a.area > b.area;
}

gemm_config gemm_heuristic(const gemm_shape *s, int sm_count)
{
    gemm_config best = {128, 128};
    score best_score = {0, 0, 0};
    int have = 0;
    for (size_t i = 0; i < sizeof bm_candidates / sizeof bm_candidates[0]; i++) {
        int bm = bm_candidates[i];
        if (bm > 64 && s->m <= 64)
            continue; /* small M: a 64-row tile wastes nothing */
        for (int bn = 32; bn <= 256; bn += 16) {
            if (!valid(s, bm, bn))
                continue;
            score sc = score_of(s, bm, bn, sm_count);
            if (!have || better(sc, best_score)) {
                best = (gemm_config){bm, bn};
                best_score = sc;
                have = 1;
            }
        }
    }
    return best;
}

void gemm_tile_override(gemm_config *c)
{
    const char *e = getenv("DGK_GEMM_TILE");
    int bm, bn;
    if (e && sscanf(e, "%dx%d", &bm, &bn) == 2)
        *c = (gemm_config){bm, bn};
}
