/* test_store_passes.c - `store_passes P`: the output tile stored in P column passes, each
 * staged through 1 / P of the staging buffer (plan.h, epi.passes), so more stages fit
 * beside an f32 tile (the weight gradients' D +=). The plan's shared memory, the emitted
 * pass loop (a pass writes its columns only, at its own staging column, after the
 * previous pass's store has read the buffer) and the forms that cannot take it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgkc.h"
#include "check_main.h"
#include "dgkc_fixture.h"

static const char kgrouped[] =
    "kernel e<BN = 256, PASSES = 4>(A : bf16[KT, M], B : bf16[KT, N], D : f32[G, M, N], OFFS : i32[G + 1]) {"
    " schedule k_grouped (G, cdiv(M, 128), cdiv(N, BN)) group_offsets OFFS store_passes PASSES -> (g, i, j);"
    " var acc = zeros(f32[128, BN]); pipeline k in kbegin(g) / 64 .. kend(g) / 64 {"
    " acc += mma(A[k*64 +: 64, i*128 +: 128]^T, B[k*64 +: 64, j*BN +: BN]); }"
    " D[g, i*128 +: 128, j*BN +: BN] += acc; }";

/* 128 x 256 f32: whole, the staging (128 KB) leaves 2 stages; in 4 passes (32 KB), 4. */
START_TEST(passes_free_stages)
{
    static const struct { const char *passes; int want_passes, staging, stages; } cases[] = {
        {"PASSES=1", 1, 128 * 256 * 4, 2}, {"PASSES=2", 2, 128 * 256 * 2, 3}, {"PASSES=4", 4, 128 * 256, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *defs[2] = {"N=7168", cases[i].passes};
        dgkc_unit *u = fixture_lower("kg.dgk", kgrouped, defs, 2);
        const dgk_plan *p;
        const char *cu = fixture_emit(u, "e", &p);
        ck_assert_int_eq(p->epi.passes, cases[i].want_passes);
        ck_assert_int_eq(p->smem.epi_bytes, cases[i].staging);
        ck_assert_int_eq(p->stages, cases[i].stages);
        if (cases[i].want_passes == 4) {
            static const char *const want[] = {
                "enum { D_PASSES = 4, D_PASS_BOXES = 2, D_PASS_COLS = 64 };",
                "dgk_u8 *const staging = smem_d + consumer * (D_PASS_BOXES * D_BOX_BYTES);",
                "for (int pass = 0; pass < D_PASSES; ++pass) {",
                "if ((ni * INST_N + 2 * i) / D_PASS_COLS != pass) continue;",
                "staging_offset(r, c - pass * D_PASS_COLS), x0, x1);",
                "for (int box = 0; box < D_PASS_BOXES; ++box)",
                "dgk_tma_reduce_add_3d(&tma_D, staging + box * D_BOX_BYTES, col0 + (pass * D_PASS_BOXES + box) * D_BOX_COLS, row0, group);",
            };
            fixture_has_all(cu, want, sizeof want / sizeof want[0]);
            /* the previous pass's store has read the buffer before this pass writes it */
            const char *loop = strstr(cu, "for (int pass = 0;");
            const char *wait = strstr(loop, "dgk_tma_store_wait_read<0>();");
            const char *write = strstr(loop, "dgk_st_shared_v2f32");
            ck_assert(wait && write && wait < write);
        } else if (cases[i].want_passes == 1) {
            ck_assert_ptr_null(strstr(cu, "D_PASSES"));
        }
        dgkc_unit_free(u);
    }
}
END_TEST

/* bf16 output through stmatrix: its 16-column steps keep to a pass. */
START_TEST(passes_with_stmatrix)
{
    static const char src[] =
        "kernel e(A : bf16[G, M, K], B : bf16[G, N, K], MASK : i32[G], D : bf16[G, M, N]) {"
        " schedule m_grouped_masked (G, cdiv(M, 128), cdiv(N, 256)) masked MASK store_passes 2 -> (g, i, j);"
        " var acc = zeros(f32[128, 256]); pipeline k in 0 .. cdiv(K, 64) {"
        " acc += mma(A[g, i*128 +: 128, k*64 +: 64], B[g, j*256 +: 256, k*64 +: 64]^T); }"
        " D[g, i*128 +: 128, j*256 +: 256] = bf16(acc); }";
    dgkc_unit *u = fixture_lower("m.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    ck_assert_int_eq(p->epi.passes, 2);
    ck_assert_msg(strstr(cu, "const int sc = ni * INST_N + 2 * i + (lane / 16) * 8 - pass * D_PASS_COLS;") != NULL, "%s", cu);
    ck_assert_msg(strstr(cu, "dgk_stmatrix_x4(") != NULL, "stmatrix");
    dgkc_unit_free(u);
}
END_TEST

/* The forms that stage the whole tile, and a count that does not split the boxes. */
START_TEST(passes_refused)
{
    static const struct { const char *src, *want; } bad[] = {
        {"kernel e(A : bf16[M, K], B : bf16[G, N, K], GID : i32[M], D : bf16[M, N]) {"
         " schedule m_grouped_contiguous (cdiv(M, 128), cdiv(N, 128)) group_ids GID store_passes 2 -> (i, j, g);"
         " var acc = zeros(f32[128, 128]); pipeline k in 0 .. cdiv(K, 64) {"
         " acc += mma(A[i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T); }"
         " D[i*128 +: 128, j*128 +: 128] = bf16(acc); }",
         "store_passes 2 is not lowered here: the contiguous schedule copies a group's last rows from the whole staged tile"},
        {"kernel e(A : bf16[G, M, K], B : bf16[G, N, K], MASK : i32[G], D : bf16[G, M, N]) {"
         " schedule m_grouped_masked (G, cdiv(M, 32), cdiv(N, 128)) masked MASK store_passes 2 -> (g, i, j);"
         " var acc = zeros(f32[32, 128]); pipeline k in 0 .. cdiv(K, 64) {"
         " acc += mma(A[g, i*32 +: 32, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T); }"
         " D[g, i*32 +: 32, j*128 +: 128] = bf16(acc); }",
         "store_passes 2 is not lowered here: the swapped store (BM < 64) stages all its rows at once"},
        {"kernel e(A : bf16[M, K], B : bf16[N, K], D : f32[M, N]) {"
         " schedule persistent (cdiv(M, 128), cdiv(N, 128)) split_k 2 store_passes 2 -> (i, j);"
         " var acc = zeros(f32[128, 128]); pipeline k in 0 .. cdiv(K, 64) {"
         " acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); }"
         " D[i*128 +: 128, j*128 +: 128] = acc; }",
         "store_passes 2 is not lowered here: split-K's slices stage the whole tile"},
        {"kernel e(A : bf16[M, K], B : bf16[N, K], D : f32[M, N]) {"
         " schedule persistent (cdiv(M, 128), cdiv(N, 96)) store_passes 2 -> (i, j);"
         " var acc = zeros(f32[128, 96]); pipeline k in 0 .. cdiv(K, 64) {"
         " acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*96 +: 96, k*64 +: 64]^T); }"
         " D[i*128 +: 128, j*96 +: 96] = acc; }",
         "store_passes 2 must divide the tile's 3 TMA boxes of 32 columns (BN = 96)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        fixture_plan_fails(fixture_lower("bad.dgk", bad[i].src, NULL, 0), "e", bad[i].want, bad[i].want);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("store_passes");
    TCase *tc = tcase_create("passes");
    tcase_add_test(tc, passes_free_stages);
    tcase_add_test(tc, passes_with_stmatrix);
    tcase_add_test(tc, passes_refused);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
