/* configs.c - prints every configuration the stock GEMM entry points can compile, one
 * `dgkc build` argument list per line (file, kernel, -D definitions), for
 * tests/kernels/run.sh. The tiles come from the heuristic's own candidate list
 * (gemm_candidates), so a tile added there is compiled and checked in CI. */
#include <stdio.h>

#include "stdlib/stock.h"

typedef struct stock_form {
    const char *file, *kernel;
    int in_bytes, b_mn_major, fp8, has_c_param;
} stock_form;

static const stock_form forms[] = {
    {"stdlib/gemm_bf16.dgk", "gemm_bf16_nt", 2, 0, 0, 1},
    {"stdlib/gemm_bf16.dgk", "gemm_bf16_nn", 2, 1, 0, 1},
    {"stdlib/gemm_bf16.dgk", "gemm_bf16_tn", 2, 1, 0, 1},
    {"stdlib/gemm_bf16.dgk", "gemm_bf16_tt", 2, 0, 0, 1},
    {"stdlib/gemm_fp8.dgk", "gemm_fp8_nt", 1, 0, 1, 0},
};

/* Every candidate tile; with split > 1 also as split-K (-D SPLIT), which the heuristic
 * may pick with any candidate tile (its reduction must fit the registers too). */
static void print_form(const stock_form *f, int out_bytes, int has_c, int split)
{
    gemm_shape s = {4096, 4096, 7168, f->in_bytes, out_bytes, f->b_mn_major, f->fp8, has_c, 0, 0, 0, 0, 0, 0, 0};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    for (int i = 0; i < n; i++) {
        printf("%s %s -D BM=%d -D BN=%d -D TD=%s -D N=4096 -D K=7168", f->file, f->kernel, c[i].bm, c[i].bn,
               out_bytes == 4 ? "f32" : "bf16");
        if (f->has_c_param)
            printf(" -D HAS_C=%s", has_c ? "true" : "false");
        if (split > 1)
            printf(" -D SPLIT=%d", split);
        putchar('\n');
    }
}

/* l2_stream (-D L2=1, the stock rule's for launches whose tiles all run at once): every
 * candidate tile of the dense kernels with bf16 output (N = 576, where the rule takes it
 * at M = 4096), then with split-K, with a cluster along M (B multicast with the policy)
 * and along N (A multicast). */
static void print_l2(void)
{
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        gemm_shape s = {4096, 576, 7168, forms[i].in_bytes, 2, forms[i].b_mn_major, forms[i].fp8, 0, 0, 0, 0, 0, 0, 0, 0};
        gemm_config c[16];
        int n = gemm_candidates(&s, c, 16);
        for (int t = 0; t < n; t++)
            printf("%s %s -D BM=%d -D BN=%d -D N=576 -D K=7168 -D L2=1\n", forms[i].file, forms[i].kernel, c[t].bm, c[t].bn);
    }
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=64 -D BN=64 -D N=4096 -D K=7168 -D SPLIT=2 -D L2=1\n");
    printf("stdlib/gemm_bf16.dgk gemm_bf16_nt -D BM=64 -D BN=64 -D N=4096 -D K=7168 -D SPLIT=3 -D L2=1\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=144 -D N=576 -D K=7168 -D CLUSTER=2 -D L2=1\n");
    /* the one-wave loop form (one whole temporary, unrolled) with UE8M0 scales */
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=144 -D TS=ue8m0 -D N=576 -D K=7168 -D L2=1\n");
    /* ... whose B-scale bytes have a warp of their own (fp8.sb_bytes_warp): in clusters and split */
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=144 -D TS=ue8m0 -D N=576 -D K=7168 -D CLUSTER=2 -D L2=1\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=144 -D TS=ue8m0 -D N=576 -D K=7168 -D CLUSTER_N=2 -D L2=1\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=64 -D BN=64 -D TS=ue8m0 -D N=4096 -D K=7168 -D SPLIT=2 -D L2=1\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=256 -D BN=128 -D N=7168 -D K=16384 -D CLUSTER_N=2 -D L2=1\n");
}

/* The m-grouped kernels (stdlib/grouped.c): bf16 output, no C; contiguous ones with
 * BM = 128 only (the groups' row alignment), masked ones with any candidate tile. */
typedef struct grouped_form {
    const char *file, *kernel;
    int in_bytes, fp8, bm;       /* bm: the fixed BM, 0 = any */
    int b_mn_major;              /* B stored [G, K, N] (the nn form) */
} grouped_form;

static const grouped_form grouped[] = {
    {"stdlib/grouped_bf16.dgk", "m_grouped_bf16_nt_contiguous", 2, 0, 128, 0},
    {"stdlib/grouped_bf16.dgk", "m_grouped_bf16_nn_contiguous", 2, 0, 128, 1},
    {"stdlib/grouped_bf16.dgk", "m_grouped_bf16_nt_contiguous_offsets", 2, 0, 128, 0},
    {"stdlib/grouped_bf16.dgk", "m_grouped_bf16_nt_masked", 2, 0, 0, 0},
    {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_contiguous", 1, 1, 128, 0},
    {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_contiguous_offsets", 1, 1, 128, 0},
    {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_masked", 1, 1, 0, 0},
};

/* The masked ones (bm 0) also with skip_idle (-D SKIP=1), which stdlib/grouped.c sets for
 * groups of few expected rows, and the FP8 masked one with tail_split (-D TAIL=1), which
 * DGK_GEMM_TAIL=1 forces (no stock rule takes it). */
static void print_grouped(const grouped_form *f)
{
    gemm_shape s = {.m = 4096, .n = 4096, .k = 7168, .in_bytes = f->in_bytes, .out_bytes = 2, .b_mn_major = f->b_mn_major,
                    .fp8 = f->fp8};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    static const char *const mods[] = {"", " -D SKIP=1", " -D TAIL=1"};
    for (int m = 0; m < (f->bm ? 1 : f->fp8 ? 3 : 2); m++)
        for (int i = 0; i < n; i++)
            if (!f->bm || c[i].bm == f->bm)
                printf("%s %s -D BM=%d -D BN=%d -D N=4096 -D K=7168%s\n", f->file, f->kernel, c[i].bm, c[i].bn,
                       mods[m]);
}

/* The FP8 weight gradient (dgk_gemm_fp8_wgrad_nt): f32 D accumulated into, every FP8
 * candidate tile (the planner fits the stages). */
static void print_wgrad(void)
{
    gemm_shape s = {4096, 4096, 7168, 1, 4, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    for (int i = 0; i < n; i++)
        printf("stdlib/gemm_fp8.dgk gemm_fp8_wgrad -D BM=%d -D BN=%d -D N=4096 -D K=7168\n", c[i].bm, c[i].bn);
}

/* The K-grouped FP8 weight gradient (dgk_k_grouped_fp8_gemm_nt_contiguous, stdlib/k_grouped.c):
 * every FP8 candidate tile with N compiled in (M and the stacked K stay runtime). */
static void print_k_grouped(void)
{
    gemm_shape s = {4096, 7168, 4096, 1, 4, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    for (int i = 0; i < n; i++)
        printf("stdlib/k_grouped_fp8.dgk k_grouped_fp8_wgrad -D BM=%d -D BN=%d -D N=7168\n", c[i].bm, c[i].bn);
}

/* The K-grouped BF16 weight gradient (dgk_k_grouped_bf16_gemm_tn_contiguous): every BF16
 * candidate tile for its operands (B stored [K, N]), f32 output with 4 stages beside it
 * (stdlib/k_grouped.c), N compiled in; and its wide tile in store passes. */
static void print_k_grouped_bf16(void)
{
    gemm_shape s = {.m = 4096, .n = 7168, .k = 4096, .in_bytes = 2, .out_bytes = 4, .b_mn_major = 1, .min_stages = 4};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    for (int i = 0; i < n; i++)
        printf("stdlib/k_grouped_bf16.dgk k_grouped_bf16_wgrad -D BM=%d -D BN=%d -D N=7168\n", c[i].bm, c[i].bn);
    /* the wide tile of stdlib/k_grouped.c's wide_rule, stored in 4 passes */
    printf("stdlib/k_grouped_bf16.dgk k_grouped_bf16_wgrad -D BM=128 -D BN=256 -D N=7168 -D PASSES=4\n");
}

/* dgk_gemm_fp8_nt with UE8M0 scales (-D TS=ue8m0): every FP8 candidate tile, both outputs. */
static void print_ue8m0(void)
{
    for (int out = 2; out <= 4; out += 2) {
        gemm_shape s = {4096, 4096, 7168, 1, out, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
        gemm_config c[16];
        int n = gemm_candidates(&s, c, 16);
        for (int i = 0; i < n; i++)
            printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=%d -D BN=%d -D TD=%s -D TS=ue8m0 -D N=4096 -D K=7168\n",
                   c[i].bm, c[i].bn, out == 4 ? "f32" : "bf16");
    }
}

/* The elementwise preparation kernels (stdlib/fp8_prep.c), with both scale dtypes. */
static void print_prep(void)
{
    static const char *const kernels[] = {"fp8_scales_to_mn_major", "fp8_quant_1x128", "fp8_quant_128x128"};
    for (int i = 0; i < 3; i++)
        for (int ue8m0 = 0; ue8m0 <= 1; ue8m0++)
            printf("stdlib/fp8_prep.dgk %s -D TS=%s\n", kernels[i], ue8m0 ? "ue8m0" : "f32");
}

/* Tiles of fewer than 64 rows (the operands swapped, compiler/plan_swap.c): the ones the
 * heuristic picks for masked groups of 1..64 expected rows, for both masked kernels; and
 * for the dense NT kernels, which take one when a caller forces it (DGK_GEMM_TILE), the
 * smallest and largest BM with both BN and both outputs, UE8M0 scales, and split-K. */
static void print_swap(void)
{
    int seen[64] = {0};
    for (int fp8 = 0; fp8 <= 1; fp8++)
        for (int rows = 1; rows <= 64; rows++) {
            gemm_shape s = {20 * 32, 4096, 7168, fp8 ? 1 : 2, 2, 0, fp8, 0, 0, 0, rows, 0, 0, 0, 0};
            gemm_config c = gemm_heuristic_bm(&s, 132, 0);
            if (c.bm >= 64 || seen[c.bm] & (1 << fp8))
                continue;
            seen[c.bm] |= 1 << fp8;
            if (fp8)
                printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_masked -D BM=%d -D BN=%d -D N=4096 -D K=7168\n", c.bm, c.bn);
            else
                printf("stdlib/grouped_bf16.dgk m_grouped_bf16_nt_masked -D BM=%d -D BN=%d -D N=4096 -D K=7168 -D SKIP=1\n",
                       c.bm, c.bn);
        }
    /* few groups take BN = 64 (one consumer warpgroup) */
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_masked -D BM=32 -D BN=64 -D N=4096 -D K=7168\n");
    printf("stdlib/grouped_bf16.dgk m_grouped_bf16_nt_masked -D BM=16 -D BN=64 -D N=4096 -D K=7168 -D SKIP=1\n");
    /* FP8 from BM = 16: the planner refuses BM = 8 there */
    static const int tiles[][3] = {{8, 64, 0}, {16, 64, 1}, {56, 128, 1}};
    for (int t = 0; t < 3; t++)
        for (int out = 2; out <= 4; out += 2) {
            const char *td = out == 4 ? "f32" : "bf16";
            int bm = tiles[t][0], bn = tiles[t][1];
            if (tiles[t][2])
                printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=%d -D BN=%d -D TD=%s -D N=4096 -D K=7168\n", bm, bn, td);
            printf("stdlib/gemm_bf16.dgk gemm_bf16_nt -D BM=%d -D BN=%d -D TD=%s -D N=4096 -D K=7168 -D HAS_C=true\n",
                   bm, bn, td);
        }
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=16 -D BN=128 -D TD=bf16 -D TS=ue8m0 -D N=4096 -D K=7168\n");
    /* with split-K: the workspace slot of a consumer is its 64 B rows x BM */
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=16 -D BN=128 -D TD=bf16 -D N=4096 -D K=7168 -D SPLIT=4\n");
    printf("stdlib/gemm_bf16.dgk gemm_bf16_nt -D BM=8 -D BN=64 -D TD=f32 -D N=4096 -D K=7168 -D HAS_C=true -D SPLIT=3\n");
}

int main(void)
{
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        for (int out = 2; out <= 4; out += 2)
            for (int c = 0; c <= forms[i].has_c_param; c++)
                print_form(&forms[i], out, c, 1);
    /* split-K with a cluster of 2 (DGK_GEMM_CLUSTER=2 DGK_GEMM_SPLIT=S): both CTAs of a
     * cluster run the same K slice, B multicast */
    printf("stdlib/gemm_bf16.dgk gemm_bf16_nt -D BM=128 -D BN=128 -D TD=bf16 -D N=4096 -D K=7168 -D HAS_C=true "
           "-D CLUSTER=2 -D SPLIT=3\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=128 -D TD=bf16 -D N=4096 -D K=7168 -D CLUSTER=2 -D SPLIT=4\n");
    /* the heuristic's 2-CTA cluster along N (FP8 256 x 128 over 6 waves or more: A multicast,
     * peer barriers; 256 x 128 fits bf16 output only), f32 and UE8M0 scales */
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=256 -D BN=128 -D TD=bf16 -D N=7168 -D K=16384 -D CLUSTER_N=2\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=256 -D BN=128 -D TD=bf16 -D TS=ue8m0 -D N=7168 -D K=16384 -D CLUSTER_N=2\n");
    /* 256 x 128 without a cluster at 128 K blocks: the B scales copied per tile (sb_tile)
     * and the K loop unrolled by 8 (fp8.unroll), the form of M = 1024-2048 at K = 16384 */
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=256 -D BN=128 -D TD=bf16 -D N=4096 -D K=16384\n");
    /* the heuristic's 2-CTA cluster along M (FP8 128 x 192 over 16 waves or more: B
     * multicast issued whole by rank 0), f32 and UE8M0 scales */
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=192 -D TD=bf16 -D N=6144 -D K=7168 -D CLUSTER=2\n");
    printf("stdlib/gemm_fp8.dgk gemm_fp8_nt -D BM=128 -D BN=192 -D TD=bf16 -D TS=ue8m0 -D N=6144 -D K=7168 -D CLUSTER=2\n");
    /* the m-grouped kernels' cluster along N (DGK_GEMM_CLUSTER_N=2; the contiguous ones with
     * the fixed stride it needs): A multicast, a 3-D multicast for masked */
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_contiguous -D BM=128 -D BN=192 -D N=6144 -D K=7168 -D CLUSTER_N=2 -D DYN=0\n");
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_masked -D BM=128 -D BN=128 -D N=4096 -D K=7168 -D CLUSTER_N=2\n");
    /* masked with a cluster along M (B multicast, a CTA with no valid row runs idle stages);
     * with skip_idle, the heuristic's pick for FP8 groups of 160-192 rows at K >= 6144 */
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_masked -D BM=128 -D BN=192 -D N=6144 -D K=7168 -D CLUSTER=2\n");
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_masked -D BM=128 -D BN=192 -D N=6144 -D K=7168 -D CLUSTER=2 -D SKIP=1\n");
    printf("stdlib/grouped_bf16.dgk m_grouped_bf16_nt_masked -D BM=128 -D BN=128 -D N=4096 -D K=7168 -D CLUSTER=2 -D SKIP=1\n");
    printf("stdlib/grouped_bf16.dgk m_grouped_bf16_nt_contiguous_offsets -D BM=128 -D BN=128 -D N=4096 -D K=7168 -D CLUSTER_N=2 -D DYN=0\n");
    /* contiguous with offsets and a cluster along M (the heuristic's pick for FP8 at K <=
     * 4096: B multicast, the partner of a group's odd last block idle); BF16 when forced */
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_contiguous_offsets -D BM=128 -D BN=192 -D N=6144 -D K=7168 -D CLUSTER=2 -D DYN=0\n");
    printf("stdlib/grouped_bf16.dgk m_grouped_bf16_nt_contiguous_offsets -D BM=128 -D BN=128 -D N=4096 -D K=7168 -D CLUSTER=2 -D DYN=0\n");
    /* group ids with a cluster along M (the heuristic's pick for FP8; B multicast per tile
     * when the pair is of one group) */
    printf("stdlib/grouped_fp8.dgk m_grouped_fp8_nt_contiguous -D BM=128 -D BN=192 -D N=6144 -D K=7168 -D CLUSTER=2 -D DYN=0\n");
    printf("stdlib/grouped_bf16.dgk m_grouped_bf16_nt_contiguous -D BM=128 -D BN=128 -D N=4096 -D K=7168 -D CLUSTER=2 -D DYN=0\n");
    /* the fused MoE up-projection (dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous, stdlib/
     * grouped_swiglu.c): one tile, K and I compiled in as the entry point does */
    printf("stdlib/moe_fp8.dgk m_grouped_fp8_swiglu_nt_contiguous -D K=7168 -D I=2048 -D N2=4096\n");
    /* split-K: every layout and tile with bf16 output; the NT forms with every output and C */
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        for (int out = 2; out <= (i == 0 || forms[i].fp8 ? 4 : 2); out += 2)
            for (int c = 0; c <= (i == 0 ? 1 : 0); c++)
                print_form(&forms[i], out, c, forms[i].fp8 ? 4 : 3);
    for (size_t i = 0; i < sizeof grouped / sizeof grouped[0]; i++)
        print_grouped(&grouped[i]);
    print_l2();
    print_wgrad();
    print_k_grouped();
    print_k_grouped_bf16();
    print_ue8m0();
    print_swap();
    print_prep();
    return 0;
}
