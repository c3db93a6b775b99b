/* test_fp8_wgrad.c - the FP8 weight-gradient GEMM (dgk_gemm_fp8_wgrad_nt, kernel
 * gemm_fp8_wgrad in stdlib/gemm_fp8.dgk) without a GPU: the entry point's argument
 * checks (each failure names the argument; a consistent call gets as far as the NULL
 * context, so every check ran and passed), the stage count it compiles with, and the
 * compiler's lowering of the stock kernel for every candidate tile (B scales per column
 * by TMA into each stage, promotion reading them from the stage, f32 TMA reduce-add),
 * the error for a tile whose accumulators do not fit, the heuristic's wide tiles, and
 * the register rule's FP8 forms (compiler/regs.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "compiler/regs.h"
#include "dgk.h"
#include "dgkc.h"
#include "stdlib/source.h"
#include "stdlib/stock.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

enum { M = 256, N = 384, K = 512 };

static char mem[16];

static dgk_tensor t2(dgk_dtype_id dt, int64_t a, int64_t b)
{
    return dgk_tensor_make(mem, dt, 2, (int64_t[]){a, b});
}

typedef struct args {
    dgk_tensor a, sa, b, sb, d;
} args;

static args consistent(void)
{
    return (args){t2(DGK_DTYPE_E4M3, M, K), t2(DGK_DTYPE_F32, K / 128, M), t2(DGK_DTYPE_E4M3, N, K),
                  t2(DGK_DTYPE_F32, K / 128, N), t2(DGK_DTYPE_F32, M, N)};
}

static dgk_status call(const args *x)
{
    return dgk_gemm_fp8_wgrad_nt(NULL, &x->a, &x->sa, &x->b, &x->sb, &x->d, NULL);
}

START_TEST(consistent_call_reaches_the_context_check)
{
    args x = consistent();
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("dgk_gemm_fp8_wgrad_nt: ctx is NULL");
    /* a padded SA row stride (M rounded up to 4) is fine: only extents are checked */
    x.sa.stride[0] = M + 4;
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
}
END_TEST

START_TEST(null_tensors_are_named)
{
    args x = consistent();
    ck_assert_int_eq(dgk_gemm_fp8_wgrad_nt(NULL, &x.a, &x.sa, &x.b, NULL, &x.d, NULL), DGK_EINVAL);
    ck_msg_has("dgk_gemm_fp8_wgrad_nt: sb is NULL");
    ck_assert_int_eq(dgk_gemm_fp8_wgrad_nt(NULL, &x.a, NULL, &x.b, &x.sb, &x.d, NULL), DGK_EINVAL);
    ck_msg_has("sa is NULL");
    ck_assert_int_eq(dgk_gemm_fp8_wgrad_nt(NULL, &x.a, &x.sa, &x.b, &x.sb, NULL, NULL), DGK_EINVAL);
    ck_msg_has("d is NULL");
}
END_TEST

START_TEST(dtypes_and_ranks_are_named)
{
    args x = consistent();
    x.d = t2(DGK_DTYPE_BF16, M, N);
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("d must be f32 (the gradient is accumulated into it)");
    x = consistent();
    x.b = t2(DGK_DTYPE_BF16, N, K);
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("a and b must be e4m3");
    x = consistent();
    x.sb = t2(DGK_DTYPE_BF16, K / 128, N);
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("sa and sb must be f32");
    x = consistent();
    x.sb = dgk_tensor_make(mem, DGK_DTYPE_F32, 1, (int64_t[]){N});
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("a, sa, b, sb and d must be 2-D tensors");
}
END_TEST

START_TEST(extents_must_agree)
{
    args x = consistent();
    x.a = t2(DGK_DTYPE_E4M3, M, K + 64);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("K = 576 is not a multiple of 128");
    x = consistent();
    x.b = t2(DGK_DTYPE_E4M3, N, K / 2);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("b is [384, 256]; it must be [N, K] with K = 512 like a");
    x = consistent();
    x.d = t2(DGK_DTYPE_F32, M, N + 8);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("d is [256, 392]; it must be [M, N] = [256, 384]");
    x = consistent();
    x.sa = t2(DGK_DTYPE_F32, M, K / 128);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("sa is [256, 4]; it must be [K / 128, M] = [4, 256]");
    /* the dense FP8 GEMM's B scale layout ([N / 128, K / 128]) is not the wgrad one */
    x = consistent();
    x.sb = t2(DGK_DTYPE_F32, N / 128, K / 128);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("sb is [3, 4]; it must be [K / 128, N] = [4, 384]");
}
END_TEST

/* ---- the compiler side ---- */

static dgkc_unit *lower(int bm, int bn)
{
    char v[2][16];
    snprintf(v[0], sizeof v[0], "%d", bm);
    snprintf(v[1], sizeof v[1], "%d", bn);
    dgkc_unit *u = dgkc_unit_new("stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, strlen(dgk_stdlib_gemm_fp8));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, "BM", v[0]), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "BN", v[1]), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "N", "4096"), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "K", "7168"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    return u;
}

#define HAS(text, s) ck_assert_msg(strstr((text), (s)) != NULL, "generated code lacks \"%s\"", (s))

/* Every tile the entry point can pick lowers, the planner fitting the stages beside the
 * staged f32 output tile: the tight count (one stage more would not fit), 4 at 128 x 128,
 * more for smaller tiles (7 at 64 x 128; the kernel once fixed 4 for every tile) and 3
 * for the wider ones (128 x 144 .. 128 x 192). */
START_TEST(every_candidate_lowers)
{
    gemm_shape s = {4096, 4096, 7168, 1, 4, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    ck_assert_int_ge(n, 3);
    for (int i = 0; i < n; i++) {
        dgkc_unit *u = lower(c[i].bm, c[i].bn);
        int k = dgkc_kernel_index(u, "gemm_fp8_wgrad");
        ck_assert_int_ge(k, 0);
        ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", k), DGKC_OK);
        const dgk_plan *p = dgkc_kernel_plan(u, k);
        ck_assert(p->fp8.enabled && p->fp8.sb_per_column && !p->fp8.sb_straddle && p->epi.accumulate);
        ck_assert_int_le(p->smem.total, 232448);
        /* 4 stages up to 128 x 128; the wider tiles' staged f32 output leaves 3 */
        ck_assert_int_ge(p->stages, c[i].bm * c[i].bn <= 128 * 128 ? 4 : 3);
        /* one stage more needs at least its operand and scale bytes (its barriers and the
         * staging's alignment only add to that), so this is a lower bound on the excess */
        int stage = p->smem.a_stage_bytes + p->smem.b_stage_bytes + p->smem.sa_stage_bytes + p->smem.sb_stage_bytes;
        if (p->stages < 16)
            ck_assert_int_gt(p->smem.total + stage, 232448);
        if (c[i].bm == 128 && c[i].bn == 128)
            ck_assert_int_eq(p->stages, 4);
        if (c[i].bm == 64 && c[i].bn == 128)
            ck_assert_int_eq(p->stages, 7);
        dgkc_unit_free(u);
    }
}
END_TEST

/* A tile whose accumulators do not fit is refused with the numbers (64 x 256: one
 * consumer warpgroup of 240 registers a thread; the promoted FP8 accumulator takes 256). */
START_TEST(too_wide_tile_is_refused)
{
    dgkc_unit *u = lower(64, 256);
    int k = dgkc_kernel_index(u, "gemm_fp8_wgrad");
    ck_assert_int_ne(dgkc_plan_kernel(u, "sm_90a", k), DGKC_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dgkc_print_diagnostics(u, f);
    fclose(f);
    HAS(text, "a 64 x 256 FP8 (promoted) tile needs 256 accumulator registers per consumer thread, more than the "
              "240 a thread has with 1 consumer warpgroup (40 kept for addressing); use a smaller BN or BM");
    free(text);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(plan_and_code)
{
    dgkc_unit *u = lower(128, 128);
    int k = dgkc_kernel_index(u, "gemm_fp8_wgrad");
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", k, &cu, NULL), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, k);
    const dgk_kernel_arg *sb = &p->args[p->fp8.sb_arg];
    ck_assert_int_eq(sb->kind, DGK_ARG_TMA);
    ck_assert_str_eq(sb->name, "tma_SB");
    ck_assert_int_eq(sb->tma.box[0], 128);
    ck_assert_int_eq(sb->tma.box[1], 1);
    ck_assert_int_eq(p->fp8.sb_stride_arg, -1);
    ck_assert_int_eq(p->fp8.block_n, 1);
    ck_assert_int_eq(p->smem.sb_stage_bytes, 512);
    ck_assert_int_eq(p->smem.sb_off, p->smem.sa_off + 4 * p->smem.sa_stage_bytes);
    ck_assert_int_eq(p->epi.out_dtype, DGK_DT_F32);
    HAS(cu, "dgk_tma_load_2d(smem_sb + stage * SB_STAGE_BYTES, &tma_SB, bar, n_block * BN, kb);");
    HAS(cu, "STAGE_TX_BYTES = 33792");
    HAS(cu, "const dgk_u32 sb_base = dgk_smem_u32(smem_sb) + 4 * (2 * (lane % 4));");
    HAS(cu, "acc[mi][ni][i + 3] += t[mi][ni][i + 3] * (sa[mi][1] * sb1);");
    /* a stage is released after its block's promotion has read its B scales */
    HAS(cu, "promote(acc, tmp0, sa0, sb_base + held0 * SB_STAGE_BYTES);\n"
            "                release_stage(&empty_bar[held0], lane);");
    HAS(cu, "dgk_tma_reduce_add_2d(");
    ck_assert_ptr_null(strstr(cu, "ptr_SB"));
    dgkc_unit_free(u);
}
END_TEST

/* The wider tiles are candidates for the weight gradient too: at M = 576 one wave of
 * 128 x 160 tiles (19% faster on the H100 than the 64 x 128 picked before), at
 * M = 2112 128 x 192 (3% faster); 128 x 128 stays where K is long. */
START_TEST(heuristic_wide_tiles)
{
    static const struct {
        int64_t m, k;
        int bm, bn;
    } want[] = {{576, 7168, 128, 160}, {2112, 7168, 128, 192}, {7168, 16384, 128, 128}, {4096, 7168, 128, 128}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        gemm_shape s = {want[i].m, 4096, want[i].k, 1, 4, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0};
        gemm_config c = gemm_heuristic(&s, 132);
        ck_assert_msg(c.bm == want[i].bm && c.bn == want[i].bn && c.split == 1, "%lld x 4096 x %lld: %d x %d",
                      (long long)want[i].m, (long long)want[i].k, c.bm, c.bn);
    }
}
END_TEST

/* The register rule's FP8 forms: 128-row warpgroups at BN = 128 promote one m64 block at
 * a time, without pieces (both N halves' wgmmas would read A twice); at BN = 80 the whole
 * temporary fits and goes in 4 pieces; per-column B scales never take pieces. */
START_TEST(register_rule_forms)
{
    dgk_regs_fit f;
    ck_assert(dgk_regs_fit_tile(2, 128, 128, 1, 0, &f));
    ck_assert(f.per_m64 && !f.pieces && !f.overlap);
    ck_assert(dgk_regs_fit_tile(2, 128, 80, 1, 0, &f));
    ck_assert(!f.per_m64 && f.pieces == 4);
    ck_assert(dgk_regs_fit_tile(2, 64, 192, 1, 0, &f));
    ck_assert(!f.per_m64 && f.pieces == 2);
    ck_assert(dgk_regs_fit_tile(2, 64, 160, 1, 1, &f));
    ck_assert(!f.per_m64 && !f.pieces && !f.overlap);
    ck_assert(dgk_regs_fit_tile(2, 64, 128, 1, 1, &f));
    ck_assert(f.overlap && !f.pieces);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("fp8_wgrad");
    TCase *tc = tcase_create("entry_point");
    tcase_add_test(tc, consistent_call_reaches_the_context_check);
    tcase_add_test(tc, null_tensors_are_named);
    tcase_add_test(tc, dtypes_and_ranks_are_named);
    tcase_add_test(tc, extents_must_agree);
    suite_add_tcase(s, tc);
    tc = tcase_create("heuristic");
    tcase_add_test(tc, heuristic_wide_tiles);
    tcase_add_test(tc, register_rule_forms);
    suite_add_tcase(s, tc);
    tc = tcase_create("lowering");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_candidate_lowers);
    tcase_add_test(tc, too_wide_tile_is_refused);
    tcase_add_test(tc, plan_and_code);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
