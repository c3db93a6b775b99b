/* test_k_grouped.c - the K-grouped weight gradients without a GPU: the argument checks
 * of dgk_k_grouped_fp8_gemm_nt_contiguous and dgk_k_grouped_bf16_gemm_tn_contiguous (each
 * failure names the argument; a consistent call gets as far as the NULL context, so every
 * check ran and passed), and the compiler's lowering of kbegin/kend (the k_grouped plan and
 * the generated per-group K range, stacked-K loads and 3-D reduce-add) for both kernels. */
#include <string.h>

#include "compiler/plan.h"
#include "dgk.h"
#include "dgkc.h"
#include "stdlib/source.h"
#include "stdlib/stock.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

enum { G = 4, M = 256, N = 384, KT = 1024 };

static char mem[16];
static int ks[G] = {256, 0, 128, 640};

static dgk_tensor t1(dgk_dtype_id dt, int64_t a)
{
    return dgk_tensor_make(mem, dt, 1, (int64_t[]){a});
}

static dgk_tensor t2(dgk_dtype_id dt, int64_t a, int64_t b)
{
    return dgk_tensor_make(mem, dt, 2, (int64_t[]){a, b});
}

static dgk_tensor t3(dgk_dtype_id dt, int64_t a, int64_t b, int64_t c)
{
    return dgk_tensor_make(mem, dt, 3, (int64_t[]){a, b, c});
}

typedef struct args {
    dgk_tensor a, sa, b, sb, d, offs;
    int *ks;
    int g;
} args;

static args consistent(void)
{
    args x = {t2(DGK_DTYPE_E4M3, M, KT), t2(DGK_DTYPE_F32, KT / 128, M), t2(DGK_DTYPE_E4M3, N, KT),
              t2(DGK_DTYPE_F32, KT / 128, N), t3(DGK_DTYPE_F32, G, M, N), t1(DGK_DTYPE_I32, G + 1), ks, G};
    return x;
}

static dgk_status call(const args *x)
{
    return dgk_k_grouped_fp8_gemm_nt_contiguous(NULL, &x->a, &x->sa, &x->b, &x->sb, &x->d, x->ks, x->g, &x->offs, NULL);
}

START_TEST(consistent_call_reaches_the_context_check)
{
    args x = consistent();
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("dgk_k_grouped_fp8_gemm_nt_contiguous: ctx is NULL");
    ck_assert_int_eq(dgk_k_grouped_alignment(), 128);
    /* every group empty: still validated (and then nothing to launch) */
    int zero[2] = {0, 0};
    x = consistent();
    x.a = t2(DGK_DTYPE_E4M3, M, 0);
    x.b = t2(DGK_DTYPE_E4M3, N, 0);
    x.sa = t2(DGK_DTYPE_F32, 0, M);
    x.sb = t2(DGK_DTYPE_F32, 0, N);
    x.d = t3(DGK_DTYPE_F32, 2, M, N);
    x.offs = t1(DGK_DTYPE_I32, 3);
    x.ks = zero;
    x.g = 2;
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
}
END_TEST

START_TEST(null_arguments_are_named)
{
    args x = consistent();
    ck_assert_int_eq(dgk_k_grouped_fp8_gemm_nt_contiguous(NULL, &x.a, NULL, &x.b, &x.sb, &x.d, ks, G, &x.offs, NULL),
                     DGK_EINVAL);
    ck_msg_has("sa is NULL");
    ck_assert_int_eq(dgk_k_grouped_fp8_gemm_nt_contiguous(NULL, &x.a, &x.sa, &x.b, &x.sb, &x.d, NULL, G, &x.offs, NULL),
                     DGK_EINVAL);
    ck_msg_has("ks is NULL");
    ck_assert_int_eq(dgk_k_grouped_fp8_gemm_nt_contiguous(NULL, &x.a, &x.sa, &x.b, &x.sb, &x.d, ks, G, NULL, NULL),
                     DGK_EINVAL);
    ck_msg_has("offsets is NULL");
    x.g = 0;
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("num_groups = 0 must be positive");
}
END_TEST

START_TEST(dtypes_and_ranks_are_named)
{
    args x = consistent();
    x.a.dtype = DGK_DTYPE_BF16;
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("a must be e4m3");
    x = consistent();
    x.d.dtype = DGK_DTYPE_BF16;
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("d must be f32");
    x = consistent();
    x.d = t2(DGK_DTYPE_F32, M, N);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("d must be 3-D [G, M, N]");
    x = consistent();
    x.offs.dtype = DGK_DTYPE_I64;
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("offsets must be i32");
    x = consistent();
    x.sb.dtype = DGK_DTYPE_BF16;
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("sb must be f32");
}
END_TEST

/* SA and SB are loaded by TMA one row per K block: 16-byte row strides, checked up front
 * with the padded stride in the message (a dense [K / 128, 130] f32 row is 520 bytes). */
START_TEST(scale_rows_must_suit_tma)
{
    args x = consistent();
    int64_t stride[2] = {132, 1};
    x.sa = t2(DGK_DTYPE_F32, KT / 128, 130);
    x.a = t2(DGK_DTYPE_E4M3, 130, KT);
    x.d = t3(DGK_DTYPE_F32, G, 130, N);
    ck_assert_int_eq(call(&x), DGK_EALIGN);
    ck_msg_has("sa's row stride is 130 elements = 520 bytes");
    ck_msg_has("dgk_fp8_scale_stride(130, dtype) = 132");
    memcpy(x.sa.stride, stride, sizeof stride);
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
}
END_TEST

START_TEST(extents_must_agree)
{
    args x = consistent();
    x.b = t2(DGK_DTYPE_E4M3, N, KT + 128);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("b must be [N, K] with a's K");
    x = consistent();
    x.sb = t2(DGK_DTYPE_F32, N / 128, KT / 128);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("sb must be [K / 128, N]");
    x = consistent();
    x.sa = t2(DGK_DTYPE_F32, KT / 128, M + 4);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("sa must be [K / 128, M]");
    x = consistent();
    x.d = t3(DGK_DTYPE_F32, G + 1, M, N);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("d must be [G, M, N] with G = num_groups");
    x = consistent();
    x.offs = t1(DGK_DTYPE_I32, G);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("offsets must be [G + 1]");
    x = consistent();
    x.a = t2(DGK_DTYPE_E4M3, M, KT + 64);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("the stacked K = 1088 is not a multiple of 128");
}
END_TEST

START_TEST(group_sizes_are_checked_on_the_host)
{
    args x = consistent();
    int bad[G] = {256, 64, 64, 640};
    x.ks = bad;
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("ks[1] = 64 must be a non-negative multiple of 128");
    int neg[G] = {384, -128, 128, 640};
    x.ks = neg;
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("ks[1] = -128");
    int short_sum[G] = {256, 0, 128, 512};
    x.ks = short_sum;
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("ks add up to 896, but a and b hold K = 1024");
}
END_TEST

/* ---- the BF16 form: A [K, M], B [K, N], no scales ---- */

typedef struct bargs {
    dgk_tensor a, b, d, offs;
    int *ks;
    int g;
} bargs;

static bargs bf16_consistent(void)
{
    bargs x = {t2(DGK_DTYPE_BF16, KT, M), t2(DGK_DTYPE_BF16, KT, N), t3(DGK_DTYPE_F32, G, M, N),
               t1(DGK_DTYPE_I32, G + 1), ks, G};
    return x;
}

static dgk_status bf16_call(const bargs *x)
{
    return dgk_k_grouped_bf16_gemm_tn_contiguous(NULL, &x->a, &x->b, &x->d, x->ks, x->g, &x->offs, NULL);
}

START_TEST(bf16_consistent_call_reaches_the_context_check)
{
    bargs x = bf16_consistent();
    ck_assert_int_eq(bf16_call(&x), DGK_EINVAL);
    ck_msg_has("dgk_k_grouped_bf16_gemm_tn_contiguous: ctx is NULL");
    ck_assert_int_eq(dgk_k_grouped_bf16_gemm_tn_contiguous(NULL, &x.a, NULL, &x.d, ks, G, &x.offs, NULL), DGK_EINVAL);
    ck_msg_has("dgk_k_grouped_bf16_gemm_tn_contiguous: b is NULL");
    x.g = -1;
    ck_assert_int_eq(bf16_call(&x), DGK_EINVAL);
    ck_msg_has("num_groups = -1 must be positive");
}
END_TEST

/* The operands are K-outer: a [K, M], b [K, N]; the FP8 form's [M, K] is refused by its
 * extents, a wrong dtype by name. */
START_TEST(bf16_operands_are_checked)
{
    bargs x = bf16_consistent();
    x.a.dtype = DGK_DTYPE_E4M3;
    ck_assert_int_eq(bf16_call(&x), DGK_EDTYPE);
    ck_msg_has("a must be bf16");
    x = bf16_consistent();
    x.b = t2(DGK_DTYPE_BF16, N, KT);
    ck_assert_int_eq(bf16_call(&x), DGK_ESHAPE);
    ck_msg_has("b must be [K, N] with a's K");
    x = bf16_consistent();
    x.d = t3(DGK_DTYPE_F32, G, N, M);
    ck_assert_int_eq(bf16_call(&x), DGK_ESHAPE);
    ck_msg_has("d must be [G, M, N] with G = num_groups");
    x = bf16_consistent();
    x.a = t2(DGK_DTYPE_BF16, KT + 64, M);
    x.b = t2(DGK_DTYPE_BF16, KT + 64, N);
    ck_assert_int_eq(bf16_call(&x), DGK_ESHAPE);
    ck_msg_has("the stacked K = 1088 is not a multiple of 128");
    int bad[G] = {256, 64, 64, 640};
    x = bf16_consistent();
    x.ks = bad;
    ck_assert_int_eq(bf16_call(&x), DGK_ESHAPE);
    ck_msg_has("ks[1] = 64 must be a non-negative multiple of 128");
}
END_TEST

/* TMA reads the K-outer operands row by row: rows of M (N) elements, multiples of 8. */
START_TEST(bf16_rows_must_suit_tma)
{
    bargs x = bf16_consistent();
    x.a = t2(DGK_DTYPE_BF16, KT, 260);
    x.d = t3(DGK_DTYPE_F32, G, 260, N);
    ck_assert_int_eq(bf16_call(&x), DGK_EALIGN);
    ck_msg_has("a is stored [1024, 260] with rows of 260 elements");
    ck_msg_has("M must be a multiple of 8");
    int64_t stride[2] = {264, 1};
    memcpy(x.a.stride, stride, sizeof stride);
    ck_assert_int_eq(bf16_call(&x), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
    x = bf16_consistent();
    x.b = t2(DGK_DTYPE_BF16, KT, 390);
    x.d = t3(DGK_DTYPE_F32, G, M, 390);
    ck_assert_int_eq(bf16_call(&x), DGK_EALIGN);
    ck_msg_has("N must be a multiple of 8");
}
END_TEST

/* gemm_shape.min_stages (the BF16 form asks for 4): 128 x 192 keeps 3 stages beside its
 * 96 KB f32 output tile, so it leaves the candidates and the six DeepGEMM shapes' picks
 * move from 128 x 192 to 128 x 128 (k_grouped.c's compile_op shape: every group's rows
 * stacked as M, one group's K). */
START_TEST(bf16_tile_leaves_room_for_4_stages)
{
    static const int shapes[6][4] = {{4, 4096, 7168, 8192}, {4, 7168, 2048, 8192}, {8, 4096, 7168, 4096},
                                     {8, 7168, 2048, 4096}, {16, 4096, 7168, 2048}, {16, 7168, 2048, 2048}};
    for (int i = 0; i < 6; i++) {
        gemm_shape s = {.m = (int64_t)shapes[i][0] * shapes[i][1], .n = shapes[i][2], .k = shapes[i][3],
                        .in_bytes = 2, .out_bytes = 4, .b_mn_major = 1};
        gemm_config three = gemm_heuristic(&s, 132);
        s.min_stages = 4;
        gemm_config four = gemm_heuristic(&s, 132);
        ck_assert_msg(three.bm == 128 && three.bn == 192, "shape %d: 3 stages picked %dx%d", i, three.bm, three.bn);
        ck_assert_msg(four.bm == 128 && four.bn == 128, "shape %d: 4 stages picked %dx%d", i, four.bm, four.bn);
        gemm_config c[16];
        int n = gemm_candidates(&s, c, 16);
        ck_assert_int_gt(n, 0);
        for (int j = 0; j < n; j++)
            ck_assert_msg(!(c[j].bm == 128 && c[j].bn == 192), "128 x 192 is a candidate with 4 stages");
    }
}
END_TEST

/* ---- the compiler side ---- */

#define HAS(text, s) ck_assert_msg(strstr((text), (s)) != NULL, "generated code lacks \"%s\"", (s))

START_TEST(k_grouped_plan_and_code)
{
    const char *src = dgk_stdlib_k_grouped_fp8;
    dgkc_unit *u = dgkc_unit_new("stdlib/k_grouped_fp8.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, "N", "7168"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    int i = dgkc_kernel_index(u, "k_grouped_fp8_wgrad");
    ck_assert_int_ge(i, 0);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", i, &cu, NULL), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, i);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_K_GROUPED);
    ck_assert_str_eq(p->args[p->sched.group_arg].name, "ptr_OFFS");
    ck_assert_str_eq(p->args[p->sched.groups.arg].sym, "G");
    ck_assert(!p->a.grouped && !p->b.grouped && p->epi.out_grouped && p->epi.accumulate && !p->epi.out_guard_rows);
    ck_assert(p->fp8.enabled && p->fp8.sb_per_column);
    ck_assert_int_eq(p->args[p->epi.out_arg].tma.rank, 3);
    ck_assert_int_eq(p->cluster_m * p->cluster_n, 1);
    /* each tile's K blocks are its group's; an empty group is skipped */
    HAS(cu, "k_first = __ldg(offsets + group) / BK;");
    HAS(cu, "k_blocks = __ldg(offsets + group + 1) / BK - k_first;");
    HAS(cu, "return k_blocks > 0;");
    HAS(cu, "const int tiles = cluster_tiles(M, 7168, G);");
    HAS(cu, "if (!tile_coords(tile, M, 7168, ptr_OFFS, m_block, n_block, group, k_first, k_blocks))");
    /* loads at the stacked K offset, scale rows at the same K block */
    HAS(cu, "dgk_tma_load_2d(smem_a + stage * A_STAGE_BYTES, &tma_A, bar, (k_first + kb) * BK, m_block * BM);");
    HAS(cu, "dgk_tma_load_2d(smem_b + stage * B_STAGE_BYTES, &tma_B, bar, (k_first + kb) * BK, n_block * BN);");
    HAS(cu, "dgk_tma_load_2d(smem_sa + stage * SA_STAGE_BYTES, &tma_SA, bar, m_block * BM, k_first + kb);");
    HAS(cu, "dgk_tma_load_2d(smem_sb + stage * SB_STAGE_BYTES, &tma_SB, bar, n_block * BN, k_first + kb);");
    /* D[g] accumulated by a 3-D reduce-add */
    HAS(cu, "dgk_tma_reduce_add_3d(&tma_D, staging + box * D_BOX_BYTES, col0 + box * D_BOX_COLS, row0, group);");
    /* debug builds check the device offsets */
    HAS(cu, "if (o < 0 || o % BK != 0 || o > k || (g > 0 && o < __ldg(offsets + g - 1)))");
    HAS(cu, "debug_check(ptr_OFFS, G, KT);");
    dgkc_unit_free(u);
}
END_TEST

/* The BF16 kernel: both operands MN-major (K-outer) at the stacked K offset, no scales,
 * D[g] accumulated; the debug check asks the device offsets for multiples of its BK. */
START_TEST(k_grouped_bf16_plan_and_code)
{
    const char *src = dgk_stdlib_k_grouped_bf16;
    dgkc_unit *u = dgkc_unit_new("stdlib/k_grouped_bf16.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, "N", "7168"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    int i = dgkc_kernel_index(u, "k_grouped_bf16_wgrad");
    ck_assert_int_ge(i, 0);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", i, &cu, NULL), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, i);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_K_GROUPED);
    ck_assert_str_eq(p->args[p->sched.group_arg].name, "ptr_OFFS");
    ck_assert(!p->fp8.enabled);
    ck_assert(p->a.major == DGK_MAJOR_MN && p->b.major == DGK_MAJOR_MN);
    ck_assert(p->epi.out_grouped && p->epi.accumulate && !p->epi.out_guard_rows);
    ck_assert_int_eq(p->bk, 64);
    HAS(cu, "k_first = __ldg(offsets + group) / BK;");
    HAS(cu, "return k_blocks > 0;");
    HAS(cu, "(k_first + kb) * BK");
    HAS(cu, "dgk_tma_reduce_add_3d(&tma_D, staging + box * D_BOX_BYTES, col0 + box * D_BOX_COLS, row0, group);");
    HAS(cu, "if (o < 0 || o % BK != 0 || o > k || (g > 0 && o < __ldg(offsets + g - 1)))");
    dgkc_unit_free(u);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("k_grouped");
    TCase *tc = tcase_create("entry_point");
    tcase_add_test(tc, consistent_call_reaches_the_context_check);
    tcase_add_test(tc, null_arguments_are_named);
    tcase_add_test(tc, dtypes_and_ranks_are_named);
    tcase_add_test(tc, extents_must_agree);
    tcase_add_test(tc, scale_rows_must_suit_tma);
    tcase_add_test(tc, group_sizes_are_checked_on_the_host);
    tcase_add_test(tc, bf16_consistent_call_reaches_the_context_check);
    tcase_add_test(tc, bf16_operands_are_checked);
    tcase_add_test(tc, bf16_rows_must_suit_tma);
    suite_add_tcase(s, tc);
    tc = tcase_create("lowering");
    tcase_add_test(tc, k_grouped_plan_and_code);
    tcase_add_test(tc, k_grouped_bf16_plan_and_code);
    tcase_add_test(tc, bf16_tile_leaves_room_for_4_stages);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
