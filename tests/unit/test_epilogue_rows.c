/* test_epilogue_rows.c - the epilogue's row pass without a GPU: reductions over the tile's
 * columns (amax, amin, sum over axis 1) and per-row vectors stored beside the tile
 * (`QS[j, i*BM +: BM] = s`, the FP8 quantizing GEMM of examples/gemm_quant_fp8.dgk), and
 * e4m3 / e5m2 output tiles. Each form must plan to its ops and stores and emit exactly the
 * reduction, shuffles, address and bounds it means (the GPU check is dgk-quant-check);
 * the forms that are not lowered are errors that say why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgkc.h"
#include "check_main.h"
#include "dgkc_fixture.h"

/* A BM x 128 BF16 GEMM whose epilogue is `%s` (the tile store, then row vector stores). */
static const char *const dense =
    "kernel e<BM = 128, SPLIT = 1>(A : bf16[M, K], B : bf16[N, K], QS : f32[cdiv(N, 128), M], QK : f32[M, NB], L : f32[M],"
    " LB : bf16[M], LU : ue8m0[M], BIAS : f32[N], I : i32[M], Q : e4m3[M, N], D : bf16[M, N], Y : f32[X0]) {"
    " schedule persistent (cdiv(M, BM), cdiv(N, 128)) split_k SPLIT -> (i, j); var acc = zeros(f32[BM, 128]);"
    " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); } %s }";

/* `dense` with `body`, at BM `bm` and split_k `split`; n > 0: N given at compile time. */
static dgkc_unit *lower_dense_n(const char *body, int bm, int split, int n)
{
    char src[2048], defs[3][16];
    snprintf(src, sizeof src, dense, body);
    snprintf(defs[0], sizeof defs[0], "BM=%d", bm);
    snprintf(defs[1], sizeof defs[1], "SPLIT=%d", split);
    snprintf(defs[2], sizeof defs[2], "N=%d", n);
    const char *d[3] = {defs[0], defs[1], defs[2]};
    return fixture_lower("rows.dgk", src, d, n > 0 ? 3 : 2);
}

static dgkc_unit *lower_dense(const char *body, int bm, int split)
{
    return lower_dense_n(body, bm, split, 0);
}

/* The example's form: a row max, its scale stored MN-major at the tile's column block, the
 * tile stored as e4m3 divided by it. */
START_TEST(quantizing_epilogue)
{
    dgkc_unit *u = lower_dense("let s = max(amax(abs(acc), 1), 1e-4) / 448.0;"
                               " Q[i*BM +: BM, j*128 +: 128] = e4m3(acc / s[:, new]); QS[j, i*BM +: BM] = s;",
                               128, 1);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    const dgk_plan_epilogue *ep = &p->epi;
    ck_assert_int_eq(ep->out_dtype, DGK_DT_E4M3);
    ck_assert_int_eq(ep->nvstores, 1);
    ck_assert_int_eq(ep->ops[2].op, DGK_EPI_ROWMAX);
    ck_assert_int_eq(ep->ops[2].a, 1);
    ck_assert_int_eq(ep->vstores[0].value, 6);
    ck_assert_int_eq(ep->vstores[0].at.point, DGK_EPI_POINT_NBLOCK);
    ck_assert_int_eq(ep->vstores[0].at.dtype, DGK_DT_F32);
    ck_assert_int_eq(dgk_epi_tile_value(ep), 8);
    static const char *const want[] = {
        /* the written tensor is not const; the read ones are */
        "    float *__restrict__ ptr_QS,",
        "float epilogue_value(float acc, int row, int col, int dgk_m, int dgk_n, float dgk_red2)",
        "const float v2 = dgk_red2;", "const float v7 = v0 / v6;", "const float v8 = v7;  // the store rounds to e4m3",
        "float epilogue_op1(float acc, int row, int col, int dgk_m, int dgk_n)\n{",
        "float epilogue_op6(float acc, int row, int col, int dgk_m, int dgk_n, float dgk_red2)",
        "float dgk_red2[WG_M64][2];",
        "float dgk_lo = -__int_as_float(0x7f800000), dgk_hi = -__int_as_float(0x7f800000);",
        /* columns past N take no part (the accumulator holds stale values there) */
        "dgk_lo = fmaxf(dgk_lo, col0 + c + 0 < N ? epilogue_op1(acc[mi][ni][i + 0], row0 + r + 0, col0 + c + 0, M, N) : "
        "-__int_as_float(0x7f800000));",
        "dgk_hi = fmaxf(dgk_hi, col0 + c + 1 < N ? epilogue_op1(acc[mi][ni][i + 3], row0 + r + 8, col0 + c + 1, M, N) : "
        "-__int_as_float(0x7f800000));",
        "dgk_lo = fmaxf(dgk_lo, __shfl_xor_sync(0xffffffffu, dgk_lo, 1));",
        "dgk_hi = fmaxf(dgk_hi, __shfl_xor_sync(0xffffffffu, dgk_hi, 2));",
        "if (lane % 4 == 0) {",
        "const int r = mi * 64 + warp * 16 + lane / 4 + 8 * dgk_h, row = row0 + r, col = col0;",
        "if (row < dgk_m && (col / 128) < ext_QS_0)",
        "dgk_put(ptr_QS + (long long)(col / 128) * stride_QS_0 + row, epilogue_op6(0.0f, row0 + r, col0 + 0, M, N, "
        "dgk_red2[mi][dgk_h]));",
        "epilogue_value(acc[mi][ni][i + 2], row0 + r + 8, col0 + c + 0, M, N, dgk_red2[mi][1]);",
        "dgk_st_shared_b16(staging_addr + staging_offset(r, c), dgk_pack_e4m3x2(x0, x1));",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    ck_assert_ptr_null(strstr(cu, "const float *__restrict__ ptr_QS"));
    /* the row pass comes before the staging buffer is waited for */
    const char *pass = strstr(cu, "float dgk_red2[WG_M64][2];"), *wait = strstr(cu, "dgk_tma_store_wait_read<0>();");
    ck_assert(pass && wait && pass < wait);
    dgkc_unit_free(u);
}
END_TEST

/* The other reductions, a reduction of a value that depends on another one, 1-D and
 * K-major (a point on the inner axis) row vectors of each dtype, and a block point read. */
START_TEST(reductions_and_vector_forms)
{
    dgkc_unit *u = lower_dense_n("let m = amax(acc, 1); let e = exp(acc - m[:, new]); let s = sum(e, 1);"
                               " D[i*BM +: BM, j*128 +: 128] = bf16(e / s[:, new]);"
                               " L[i*BM +: BM] = log(s) + m; LB[i*BM +: BM] = bf16(amin(acc, 1));"
                               " QK[i*BM +: BM, j] = s; LU[i*BM +: BM] = ue8m0(m * Y[j]);",
                               64, 1, 96);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    ck_assert_int_eq(p->epi.nvstores, 4);
    static const char *const want[] = {
        "float dgk_red1[WG_M64][2];", "float dgk_red4[WG_M64][2];",
        "float dgk_lo = 0.0f, dgk_hi = 0.0f;", "dgk_lo = __fadd_rn(dgk_lo, __shfl_xor_sync(0xffffffffu, dgk_lo, 1));",
        /* sum(exp(acc - m)): its operand's function takes the max */
        "dgk_lo = __fadd_rn(dgk_lo, col0 + c + 0 < 96 ? epilogue_op3(acc[mi][ni][i + 0], row0 + r + 0, col0 + c + 0, M, "
        "96, ptr_Y, X0, dgk_red1[mi][0]) : 0.0f);",
        "float dgk_lo = __int_as_float(0x7f800000), dgk_hi = __int_as_float(0x7f800000);",
        "dgk_lo = fminf(dgk_lo, __shfl_xor_sync(0xffffffffu, dgk_lo, 2));",
        "if (row < dgk_m)\n", "dgk_put(ptr_L + row, epilogue_op",
        "dgk_put(ptr_LB + row, epilogue_op",
        "if (row < dgk_m && (col / 128) < NB)",
        "dgk_put(ptr_QK + (long long)row * stride_QK_0 + (col / 128), epilogue_op",
        "dgk_put(ptr_LU + row, epilogue_op",
        "(col / 128) < X0 ? dgk_load_f32(ptr_Y + (col / 128)) : 0.0f",
        "    dgk_ue8m0 *__restrict__ ptr_LU,",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    /* the sum is reduced after the max it reads */
    const char *max = strstr(cu, "float dgk_red1[WG_M64][2];"), *sum = strstr(cu, "float dgk_red4[WG_M64][2];");
    ck_assert(max && sum && max < sum);
    dgkc_unit_free(u);
}
END_TEST

/* --dump-plan names the reductions, the tile's value and each row vector store. */
START_TEST(plan_printout)
{
    dgkc_unit *u = lower_dense("let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc - s[:, new]);"
                               " QS[j, i*BM +: BM] = s;",
                               128, 1);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(dgkc_dump_plan(u, "sm_90a", dgkc_kernel_index(u, "e"), f), DGKC_OK);
    fclose(f);
    static const char *const want[] = {"    e1 = rowmax e0\n", "(stored into the tile)\n",
                                       "    row vector store: ptr_QS (f32) = e1 at n block * stride_QS_0 within M x ext_QS_0\n"};
    fixture_has_all(text, want, sizeof want / sizeof want[0]);
    free(text);
    dgkc_unit_free(u);
}
END_TEST

/* The forms that are not lowered: each an error that says why. */
START_TEST(unlowered_forms_are_errors)
{
    static const struct { const char *body; int bm, split; const char *want; } bad[] = {
        {"let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc / s);", 128, 1,
         "this row value (one per row of the tile) would broadcast along the columns here: write it as `s[:, new]`"},
        {"let s = amax(acc, 0); D[i*BM +: BM, j*128 +: 128] = bf16(acc / s[new, :]);", 128, 1,
         "an sm90 epilogue reduces a 128 x 128 tile over its columns (axis 1), one value per row; this is a reduction "
         "over axis 0"},
        {"D[i*BM +: BM, j*128 +: 128] = bf16(acc); L[i*BM +: BM] = amax(acc, 1) + BIAS[j*128 +: 128];", 128, 1,
         "this combines a row value with a column value as one vector"},
        {"let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc); L[i*BM +: BM] += s;", 128, 1,
         "a row vector is stored with `=` in an sm90 epilogue; `+=` is not lowered"},
        {"let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc + L[i*BM +: BM][:, new]); L[i*BM +: BM] = s;",
         128, 1, "`L` is stored as a row vector and also read or stored as a tile by this kernel"},
        {"let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc); I[i*BM +: BM] = i32(s);", 128, 1,
         "an sm90 epilogue stores row vectors of f32, bf16, f16, e4m3, e5m2 or ue8m0; `I` is i32"},
        {"let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc); QS[j + 1, i*BM +: BM] = s;", 128, 1,
         "an epilogue vector's other subscript (`QS`'s axis 0) must be a constant index, a schedule variable"},
        {"let s = amax(acc, 1); D[i*BM +: BM, j*128 +: 128] = bf16(acc / s[:, new]);", 32, 1,
         "a row reduction or row vector store is not lowered here: with swapped operands (BM < 64) a warpgroup holds a "
         "slice of every row"},
        {"D[i*BM +: BM, j*128 +: 128] = bf16(acc); L[i*BM +: BM] = amax(acc, 1);", 128, 2,
         "a row reduction or row vector store is not lowered here: split-K's (or tail_split's) slices hold parts of the sum"},
        {"D[i*BM +: BM, j*128 +: 128] = bf16(acc); L[i*BM +: BM] = amax(acc, 1);", 128, 1,
         "this row vector would be written by every column block of its rows (the output's column extent is not known to "
         "be at most BN = 128)"},
        {"D[i*BM +: BM, j*128 +: 128] = bf16(where(f32(I[i*BM +: BM][:, new] + 1) > 0.0, acc, 0.0));", 128, 1,
         "integer arithmetic is not lowered in an sm90 epilogue"},
        {"D[i*BM +: BM, j*128 +: 128] = bf16(acc * L[i*BM +: BM]);", 128, 1,
         "this row value (one per row of the tile) would broadcast along the columns here"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        fixture_plan_fails(lower_dense(bad[i].body, bad[i].bm, bad[i].split), "e", bad[i].want, bad[i].body);
}
END_TEST

/* On the contiguous schedule the row stores skip the padding rows as the tile store does:
 * a row whose id is not the tile's group, or at or past the group's end. */
START_TEST(contiguous_rows_skip_padding)
{
    static const char *const fmt =
        "kernel c(A : bf16[M, K], B : bf16[G, N, K], T : i32[%s], L : f32[NB, M], D : bf16[M, N]) {"
        " schedule m_grouped_contiguous (cdiv(M, 128), cdiv(N, 128)) %s T -> (i, j, g);"
        " var acc = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*128 +: 128] = bf16(acc); L[j, i*128 +: 128] = sum(acc, 1); }";
    static const struct { const char *ext, *kind, *want; } forms[] = {
        {"M", "group_ids", "if (row < dgk_m && (col / 128) < NB && __ldg(ptr_T + row) == group)\n"},
        {"G + 1", "group_offsets", "if (row < dgk_m && (col / 128) < NB && row < group_end)\n"},
    };
    for (size_t f = 0; f < 2; f++) {
        char src[1024];
        snprintf(src, sizeof src, fmt, forms[f].ext, forms[f].kind);
        dgkc_unit *u = fixture_lower("c.dgk", src, NULL, 0);
        const dgk_plan *p;
        const char *cu = fixture_emit(u, "c", &p);
        ck_assert_int_eq(p->epi.out_guard_rows, 1);
        ck_assert_msg(strstr(cu, forms[f].want) != NULL, "%s: lacks %s", forms[f].kind, forms[f].want);
        ck_assert_msg(strstr(cu, "dgk_put(ptr_L + (long long)(col / 128) * stride_L_0 + row, epilogue_op") != NULL, "%s",
                      forms[f].kind);
        dgkc_unit_free(u);
    }
}
END_TEST

/* On the masked schedule every group's tiles cover the same rows: a row store must be at
 * the group, and then (one point) N <= BN at compile time. */
START_TEST(masked_rows_per_group)
{
    static const char *const fmt =
        "kernel m(A : bf16[G, M, K], B : bf16[G, N, K], MASK : i32[G], L : f32[G, M], D : bf16[G, M, N]) {"
        " schedule m_grouped_masked (G, cdiv(M, 128), cdiv(N, 128)) masked MASK -> (g, i, j);"
        " var acc = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[g, i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T); }"
        " D[g, i*128 +: 128, j*128 +: 128] = bf16(acc); L[%s, i*128 +: 128] = amax(acc, 1); }";
    static const struct { const char *point, *n, *want; } forms[] = {
        {"j", NULL, "this row vector would be written by every group's tiles (they cover the same rows here)"},
        {"g", NULL, "which the group's point leaves no room for, or give that extent <= 128 at compile time"},
        {"g", "N=96", NULL},
    };
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        char src[1200];
        snprintf(src, sizeof src, fmt, forms[f].point);
        const char *defs[1] = {forms[f].n};
        dgkc_unit *u = fixture_lower("m.dgk", src, defs, forms[f].n ? 1 : 0);
        int rc = dgkc_plan_kernel(u, "sm_90a", dgkc_kernel_index(u, "m"));
        char *text = fixture_diagnostics(u);
        if (forms[f].want)
            ck_assert_msg(rc != DGKC_OK && strstr(text, forms[f].want) != NULL, "%s: %s", forms[f].point, text);
        else
            ck_assert_msg(rc == DGKC_OK, "%s: %s", forms[f].point, text);
        free(text);
        dgkc_unit_free(u);
    }
}
END_TEST

/* e5m2 tiles take the pair store too; a ue8m0 tile stays an error (golden plan_out_ue8m0);
 * an FP8 tile's BN must be a multiple of its 16-byte TMA box. */
START_TEST(fp8_tiles)
{
    static const char *const src =
        "kernel f(A : bf16[M, K], B : bf16[N, K], D : e5m2[M, N]) {"
        " schedule persistent (cdiv(M, 128), cdiv(N, 128)) -> (i, j); var acc = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*128 +: 128] = e5m2(acc); }";
    dgkc_unit *u = fixture_lower("f.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "f", &p);
    ck_assert_int_eq(p->epi.out_box_cols, 128);
    ck_assert_msg(strstr(cu, "dgk_pack_e5m2x2(x0, x1)") != NULL, "%s", cu);
    ck_assert_ptr_null(strstr(cu, "dgk_red"));
    dgkc_unit_free(u);
    static const char *const narrow =
        "kernel f(A : bf16[M, K], B : bf16[N, K], D : e4m3[M, N]) {"
        " schedule persistent (cdiv(M, 128), cdiv(N, 40)) -> (i, j); var acc = zeros(f32[128, 40]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*40 +: 40, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*40 +: 40] = e4m3(acc); }";
    fixture_plan_fails(fixture_lower("n.dgk", narrow, NULL, 0), "f",
                       "e4m3 tiles are stored in TMA boxes of 16 columns (16 bytes), which must divide the 40 columns a "
                       "warpgroup stores (BN = 40): choose BN a multiple of 16", "BN 40");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("epilogue_rows");
    TCase *tc = tcase_create("rows");
    tcase_add_test(tc, quantizing_epilogue);
    tcase_add_test(tc, reductions_and_vector_forms);
    tcase_add_test(tc, plan_printout);
    tcase_add_test(tc, unlowered_forms_are_errors);
    tcase_add_test(tc, contiguous_rows_skip_padding);
    tcase_add_test(tc, masked_rows_per_group);
    tcase_add_test(tc, fp8_tiles);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
