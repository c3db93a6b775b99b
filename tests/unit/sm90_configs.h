/* sm90_configs.h - the GEMM configurations the SM90 emitter tests compile: a sample of
 * about ten that covers every lowering choice (BF16 NT/NN/TN/TT via the transpose bits,
 * FP8 with promotion and B-scale straddling, BM 64/128/256, BN 64..256 including 112 and
 * 160, 3-8 stages, 1 or 2 consumer warpgroups, clusters with A or B multicast, bf16/f32
 * outputs, accumulate, a bias+SiLU epilogue, compile-time and runtime N/K, FP8 promotion
 * serial and overlapped). */
#ifndef DGK_SM90_CONFIGS_H
#define DGK_SM90_CONFIGS_H

#include "sm90_fixture.h"

#define K_ DGK_MAJOR_K
#define MN_ DGK_MAJOR_MN
#define BF DGK_DT_BF16
#define F8 DGK_DT_E4M3
#define F32 DGK_DT_F32

/*  name               ab  A    B    BM   BN  st wg cm cn out  silu fp8 pers grp  N      K     acc nomc ovl */
static const sm90_cfg sm90_sample[] = {
    {"bf16_nt_128x256", BF, K_,  K_,  128, 256, 3, 2, 1, 1, BF,  1,   0,  1,   8,  7168,  4096, 0, 0, 0},
    {"bf16_nn_128x128", BF, K_,  MN_, 128, 128, 4, 2, 1, 1, F32, 0,   0,  1,   8,  4096,  4096, 0, 0, 0},
    {"bf16_tn_64x128",  BF, MN_, K_,  64,  128, 8, 1, 1, 1, BF,  0,   0,  1,   4,  0,     0,    0, 0, 0},
    {"bf16_tt_256x112", BF, MN_, MN_, 256, 112, 3, 2, 1, 1, BF,  0,   0,  1,   8,  2112,  7168, 0, 0, 0},
    {"bf16_nt_256x128_mcA", BF, K_, K_, 256, 128, 3, 2, 1, 2, BF, 0,  0,  1,   8,  0,     0,    0, 0, 0},
    {"bf16_nt_128x160_mcB", BF, K_, K_, 128, 160, 4, 2, 2, 1, F32, 0, 0,  1,   1,  6144,  2048, 1, 0, 0},
    {"fp8_nt_128x128",  F8, K_,  K_,  128, 128, 5, 2, 1, 1, BF,  0,   1,  1,   8,  4096,  7168, 0, 0, 0},
    {"fp8_nt_128x112_mcA", F8, K_, K_, 128, 112, 6, 2, 1, 2, BF, 0,   1,  1,   8,  7168,  16384, 0, 0, 1},
    {"fp8_nt_64x160",   F8, K_,  K_,  64,  160, 5, 1, 1, 1, BF,  1,   1,  0,   0,  576,   0,    0, 0, 0},
    {"fp8_nt_128x128_mcB", F8, K_, K_, 128, 128, 5, 2, 2, 1, BF, 0,   1,  1,   8,  4096,  7168, 0, 0, 1},
    {"fp8_nt_128x256_pertensor", F8, K_, K_, 128, 256, 3, 2, 1, 1, BF, 0, 0, 1, 8, 24576, 1536, 0, 0, 0},
};

#undef K_
#undef MN_
#undef BF
#undef F8
#undef F32

#endif
