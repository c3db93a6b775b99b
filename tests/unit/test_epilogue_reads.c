/* test_epilogue_reads.c - the epilogue's tile and element reads on every GEMM schedule:
 * a tile of a 2-D tensor bounded by its own extents (once only by the output's, so a
 * residual with fewer rows than the output was read past its end), a tile of a 3-D tensor
 * at a point of axis 0 (`R[g, i*BM +: BM, j*BN +: BN]`, a group's residual), and one
 * element of a 1-D tensor at a point (`S[g]` an expert's scale, `S[0]` a per-tensor one).
 * Each must lower to exactly the address and bounds its form means; the forms that cannot
 * be lowered are errors that say why. (Vectors: test_grouped.c, epilogue_vector_forms.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgkc.h"
#include "check_main.h"
#include "dgkc_fixture.h"

/* The four schedules, their output's tile written with `%s` the read under test. T2 is a
 * 2-D tensor of extents of its own (X0, X1: no bound is elided), R2 one of the output's,
 * T3 a 3-D one, E a 1-D one. */
static const struct {
    const char *name, *params, *sched, *mma, *store;
    int grouped;
} sch[] = {
    {"persistent",
     "A : bf16[M, K], B : bf16[N, K], T2 : f32[X0, X1], R2 : bf16[M, N], T3 : f32[X2, X0, X1], E : f32[X2], U : u32[4], D : bf16[M, N]",
     "schedule persistent (cdiv(M, 128), cdiv(N, 128)) -> (i, j);",
     "acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T);",
     "D[i*128 +: 128, j*128 +: 128] = bf16(acc * %s);", 0},
    {"contiguous",
     "A : bf16[M, K], B : bf16[G, N, K], T2 : f32[X0, X1], R2 : bf16[M, N], T3 : f32[X2, X0, X1], E : f32[X2], U : u32[4], GID : i32[M], "
     "D : bf16[M, N]",
     "schedule m_grouped_contiguous (cdiv(M, 128), cdiv(N, 128)) group_ids GID -> (i, j, g);",
     "acc += mma(A[i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T);",
     "D[i*128 +: 128, j*128 +: 128] = bf16(acc * %s);", 1},
    {"masked",
     "A : bf16[G, M, K], B : bf16[G, N, K], T2 : f32[X0, X1], R2 : bf16[M, N], T3 : f32[X2, X0, X1], E : f32[X2], "
     "U : u32[4], MASK : i32[G], D : bf16[G, M, N]",
     "schedule m_grouped_masked (G, cdiv(M, 128), cdiv(N, 128)) masked MASK -> (g, i, j);",
     "acc += mma(A[g, i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T);",
     "D[g, i*128 +: 128, j*128 +: 128] = bf16(acc * %s);", 1},
    {"k_grouped",
     "A : bf16[KT, M], B : bf16[KT, N], T2 : f32[X0, X1], R2 : bf16[M, N], T3 : f32[X2, X0, X1], E : f32[X2], "
     "U : u32[4], D : f32[G, M, N], OFFS : i32[G + 1]",
     "schedule k_grouped (G, cdiv(M, 128), cdiv(N, 128)) group_offsets OFFS -> (g, i, j);",
     "acc += mma(A[k*64 +: 64, i*128 +: 128]^T, B[k*64 +: 64, j*128 +: 128]);",
     "D[g, i*128 +: 128, j*128 +: 128] += acc * %s;", 1},
};

/* The kernel `e` of schedule `si` with `expr` in its store. */
static void kernel_src(char *src, size_t n, size_t si, const char *expr)
{
    char store[256];
    snprintf(store, sizeof store, sch[si].store, expr);
    const char *pipe = strcmp(sch[si].name, "k_grouped") == 0 ? "kbegin(g) / 64 .. kend(g) / 64" : "0 .. cdiv(K, 64)";
    snprintf(src, n, "kernel e(%s) { %s var acc = zeros(f32[128, 128]); pipeline k in %s { %s } %s }", sch[si].params,
             sch[si].sched, pipe, sch[si].mma, store);
}

/* Every tile and element form on every schedule: the read's exact text, and the group
 * parameter exactly when the read is at the group. */
START_TEST(tile_and_element_forms)
{
    static const struct { const char *expr, *read; int point; } forms[] = {
        /* the output's own extents: no bound beyond the output's */
        {"f32(R2[i*128 +: 128, j*128 +: 128])",
         "row < dgk_m && col < dgk_n ? dgk_load_f32(ptr_R2 + (long long)row * stride_R2_0 + col) : 0.0f", 0},
        {"T2[i*128 +: 128, j*128 +: 128]",
         "row < dgk_m && col < dgk_n && row < X0 && col < X1 ? dgk_load_f32(ptr_T2 + (long long)row * stride_T2_0 + col) : 0.0f", 0},
        {"T3[P, i*128 +: 128, j*128 +: 128]",
         "row < dgk_m && col < dgk_n && row < X0 && col < X1 && P < X2 ? dgk_load_f32(ptr_T3 + (long long)P * stride_T3_0 + "
         "(long long)row * stride_T3_1 + col) : 0.0f", 1},
        {"E[P]", "P < X2 ? dgk_load_f32(ptr_E + P) : 0.0f", 1},
    };
    static const char *const points[2][2] = {{"2", "2LL"}, {"g", "group"}};
    int checked = 0;
    for (size_t si = 0; si < sizeof sch / sizeof sch[0]; si++)
        for (size_t fi = 0; fi < sizeof forms / sizeof forms[0]; fi++)
            for (int pi = 0; pi < (forms[fi].point ? 1 + sch[si].grouped : 1); pi++) {
                char expr[96], want[320], src[1200];
                fixture_with_point(expr, sizeof expr, forms[fi].expr, points[pi][0]);
                fixture_with_point(want, sizeof want, forms[fi].read, points[pi][1]);
                kernel_src(src, sizeof src, si, expr);
                dgkc_unit *u = fixture_lower("reads.dgk", src, NULL, 0);
                const dgk_plan *p;
                const char *cu = fixture_emit(u, "e", &p);
                ck_assert_msg(strstr(cu, want) != NULL, "%s, %s: want \"%s\"", sch[si].name, expr, want);
                int at_group = forms[fi].point && pi == 1;
                ck_assert_msg((strstr(cu, "int dgk_n, int group") != NULL) == at_group, "%s, %s: group parameter",
                              sch[si].name, expr);
                ck_assert_int_eq(p->epi.ops[1].point, forms[fi].point ? (pi ? DGK_EPI_POINT_GROUP : DGK_EPI_POINT_CONST)
                                                                      : DGK_EPI_POINT_NONE);
                dgkc_unit_free(u);
                checked++;
            }
    ck_assert_int_eq(checked, 4 * 4 + 3 * 2); /* the grouped schedules read at the group too */
}
END_TEST

/* A constant point against a known extent is checked here, not on the device; a
 * per-tensor scale of one entry costs one load and no test. */
START_TEST(known_extents_are_checked_here)
{
    static const char *const src =
        "kernel s(A : bf16[M, K], B : bf16[N, K], SA : f32[1], SB : f32[1], D : bf16[M, N]) {"
        " schedule persistent (cdiv(M, 128), cdiv(N, 128)) -> (i, j); var acc = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*128 +: 128] = bf16(acc * (SA[0] * SB[0])); }";
    dgkc_unit *u = fixture_lower("s.dgk", src, NULL, 0);
    int k = dgkc_kernel_index(u, "s");
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", k, &cu, NULL), DGKC_OK);
    ck_assert_msg(strstr(cu, "const float v1 = dgk_load_f32(ptr_SA + 0LL);") != NULL, "%s", cu);
    ck_assert_msg(strstr(cu, "const float v2 = dgk_load_f32(ptr_SB + 0LL);") != NULL, "%s", cu);
    dgkc_unit_free(u);
}
END_TEST

/* The reads that are not lowered: each an error at the read that says why. */
START_TEST(unlowered_reads_are_errors)
{
    static const struct { size_t sched; const char *expr, *want; } bad[] = {
        {0, "E[i + 1]", "the subscript of an epilogue element (`E`'s axis 0) must be a constant index, a schedule variable "
                        "of the tile's block (a runtime index is not lowered in a GEMM epilogue)"},
        {2, "E[i + 1]", "the subscript of an epilogue element (`E`'s axis 0) must be a constant index, the group variable or "
                        "a schedule variable of the tile's block"},
        {0, "E[0 - 1]", "index -1 of `E`'s axis 0 is negative"},
        {0, "f32(X2 / 2)", "integer arithmetic is not lowered in an sm90 epilogue: compute in f32 (f32(x) of each integer operand)"},
        {2, "where(f32(MASK[g]) > 0.0 && MASK[g] != 3, 1.0, 2.0)", "integer arithmetic is not lowered in an sm90 epilogue"},
        {0, "f32(i8(acc))", "a cast to i8 is not lowered in an sm90 epilogue"},
        {0, "f32(U[0])", "an sm90 epilogue reads f32, bf16, f16, e4m3, e5m2, ue8m0 or i32 tensors; `U` is u32"},
        {0, "T2[i*128 +: 1, j*128 +: 128]", "an epilogue tile must be the output tile's block: [m * 128 +: 128, n * 128 +: 128]"},
        {0, "E[j*128 +: 1][new, :]", "an epilogue column vector is 128 long (the tile's BN); this one is 1"},
        {0, "T2[0, 1]", "an epilogue reads one element of a 1-D tensor (`S[g]`, `S[0]`); `T2` has 2 axes"},
        {2, "T3[2 * j, i*128 +: 128, j*128 +: 128]", "an epilogue tile's leading subscript (`T3`'s axis 0) must be a "
                                                     "constant index, the group variable or a schedule variable"},
        {2, "T3[g, j*128 +: 128, i*128 +: 128]", "an epilogue tile must be the output tile's block: [a point, m * 128 +: 128, n * 128 +: 128]"},
        {0, "T2[i*128 +: 128, j*128 +: 128]^T", "a transposed tile (`^T`) is not lowered in an sm90 epilogue"},
        {2, "T3[g, i*128 +: 128, 3][:, new]", "an epilogue vector is read from a tensor of one or two axes; `T3` has 3"},
        {2, "T3[i*128 +: 128, 0, j*128 +: 128]", "this tensor read is not lowered in an sm90 epilogue (elements, vectors "
                                                 "along M or N and BM x BN tiles are)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char src[1200];
        kernel_src(src, sizeof src, bad[i].sched, bad[i].expr);
        fixture_plan_fails(fixture_lower("bad.dgk", src, NULL, 0), "e", bad[i].want, bad[i].expr);
    }
}
END_TEST

/* A value computed inside the pipeline is refused: the IR holds one iteration, so `s = s *
 * S[g]` in the loop would be read as S[g] once (a review found it lowered so). A scalar
 * computed before the pipeline is read as it is. */
START_TEST(loop_values_are_refused)
{
    static const char *const fmt =
        "kernel e(A : bf16[G, M, K], B : bf16[G, N, K], S : f32[G], MASK : i32[G], D : bf16[G, M, N]) {"
        " schedule m_grouped_masked (G, cdiv(M, 128), cdiv(N, 128)) masked MASK -> (g, i, j);"
        " var acc = zeros(f32[128, 128]); var s = 1.0; %s"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[g, i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T); %s }"
        " D[g, i*128 +: 128, j*128 +: 128] = bf16(acc * s); }";
    char src[1024];
    snprintf(src, sizeof src, fmt, "", "s = s * S[g];");
    fixture_plan_fails(fixture_lower("loop.dgk", src, NULL, 0), "e",
                       "this value is computed inside the pipeline, which carries only the accumulator out of its loop: "
                       "compute it after the pipeline", "s = s * S[g] in the loop");
    snprintf(src, sizeof src, fmt, "s = S[g] * 2.0;", "");
    dgkc_unit *u = fixture_lower("before.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    ck_assert_msg(strstr(cu, "const float v1 = group < G ? dgk_load_f32(ptr_S + group) : 0.0f;") != NULL, "%s", cu);
    dgkc_unit_free(u);
}
END_TEST

/* Integer casts convert toward zero (they were dropped: `f32(i32(acc))` read as acc), a
 * shape symbol is read as its argument, and the swapped store's loop no longer shadows a
 * kernel symbol named g (it hid `g` from the epilogue's call: the extent read as the loop
 * index). */
START_TEST(casts_shapes_and_names)
{
    static const char *const src =
        "kernel e(A : bf16[G, M, K], B : bf16[G, N, K], E : f32[g], MASK : i32[G], D : bf16[G, M, N]) {"
        " schedule m_grouped_masked (G, cdiv(M, 32), cdiv(N, 128)) masked MASK -> (gg, i, j);"
        " var acc = zeros(f32[32, 128]); pipeline k in 0 .. cdiv(K, 64) {"
        " acc += mma(A[gg, i*32 +: 32, k*64 +: 64], B[gg, j*128 +: 128, k*64 +: 64]^T); }"
        " D[gg, i*32 +: 32, j*128 +: 128] = bf16(f32(i32(acc)) * E[1] + f32(u32(acc)) + f32(bool(acc)) + f32(g)); }";
    dgkc_unit *u = fixture_lower("casts.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    ck_assert_int_eq(p->swap_ab, 1);
    static const char *const want[] = {
        "const float v1 = (float)(int)v0;", "const float v3 = 1LL < g ? dgk_load_f32(ptr_E + 1LL) : 0.0f;",
        "(float)(unsigned)v0;", "(v0 != 0.0f ? 1.0f : 0.0f);", "= (float)g;", "for (int dgk_c8 = 0; dgk_c8 < INST_N / 8; ++dgk_c8)",
        "M, N, ptr_E, g);",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    ck_assert_ptr_null(strstr(cu, "for (int g "));
    dgkc_unit_free(u);
}
END_TEST

/* Comparisons and logic are 1 or 0 (what `where` tests), on tiles and on scalars; they
 * were "operator > is not lowered in an sm90 epilogue". */
START_TEST(comparisons_and_logic)
{
    char src[1200];
    kernel_src(src, sizeof src, 0, "where((acc < 1.0 || acc >= 2.0) && !(acc == 0.5) && acc != E[0] && E[1] <= 3.0 && "
                                   "E[2] > 0.0, 1.0, 2.0)");
    dgkc_unit *u = fixture_lower("cmp.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    static const char *const want[] = {
        "const float v2 = v0 < v1 ? 1.0f : 0.0f;", "const float v4 = v0 >= v3 ? 1.0f : 0.0f;",
        "const float v5 = v2 != 0.0f || v4 != 0.0f ? 1.0f : 0.0f;", "const float v7 = v0 == v6 ? 1.0f : 0.0f;",
        "const float v8 = v7 == 0.0f ? 1.0f : 0.0f;", "const float v9 = v5 != 0.0f && v8 != 0.0f ? 1.0f : 0.0f;",
        "const float v11 = v0 != v10 ? 1.0f : 0.0f;", "<= v", " > v",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    dgkc_unit_free(u);
}
END_TEST

/* Integer literals, compile-time parameters and shape symbols that meet an f32 value are
 * f32 values (the review of the integer check found `acc * 2` refused); integer arithmetic
 * (`X2 / 2`, a comparison of an integer read) is refused: the other tests. */
START_TEST(integer_literals_are_f32_values)
{
    char src[1200];
    kernel_src(src, sizeof src, 0, "max(acc * 2 + 1, 0) / 4 * f32(X0) * (E[0] * 2)");
    dgkc_unit *u = fixture_lower("lit.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "e", &p);
    static const char *const want[] = {"= 2.0f;", "= 1.0f;", "= 0.0f;", "= 4.0f;", "= (float)X0;"};
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    dgkc_unit_free(u);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("epilogue_reads");
    TCase *tc = tcase_create("reads");
    tcase_add_test(tc, tile_and_element_forms);
    tcase_add_test(tc, known_extents_are_checked_here);
    tcase_add_test(tc, unlowered_reads_are_errors);
    tcase_add_test(tc, loop_values_are_refused);
    tcase_add_test(tc, casts_shapes_and_names);
    tcase_add_test(tc, comparisons_and_logic);
    tcase_add_test(tc, integer_literals_are_f32_values);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
