/* test_dual.c - two accumulators sharing the A tile (plan.h, dgk_plan_dual; the SwiGLU
 * form of examples/gemm_swiglu.dgk): the plan (one wgmma over both B tiles, the second's
 * row offset, N the output's columns, the second scale row), the emitted code (the second
 * B load, the second scale row, the epilogue's acc2 at column c + BN), and every form the
 * planner refuses, each with its message. (check-kernels compiles the example's kernels
 * with NVRTC and checks ptxas's report; dgk-swiglu-check runs them on the GPU.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgkc.h"
#include "check_main.h"
#include "dgkc_fixture.h"

/* The example's FP8 kernel; `BODY2` is the second update, `EPI` the stored value. */
#define FP8_HEAD_NO_GATE                                                                               \
    "kernel s<BM = 128, BN = 64>(X : e4m3[M, K], SX : f32[cdiv(K, 128), M] scales(X, 1, 128),"        \
    " W : e4m3[N2, K], SW : f32[cdiv(N2, 128), cdiv(K, 128)] scales(W, 128, 128), H : bf16[M, I])"     \
    " where N2 == 2 * I, I % 128 == 0 {"                                                              \
    " schedule persistent (cdiv(M, BM), cdiv(I, BN)) swizzle 8 -> (i, j);"                            \
    " var gate = zeros(f32[BM, BN]); var up = zeros(f32[BM, BN]);"                                    \
    " pipeline k in 0 .. cdiv(K, 128) {"
#define FP8_HEAD                                                                                       \
    FP8_HEAD_NO_GATE                                                                                   \
    " gate += mma(X[i*BM +: BM, k*128 +: 128], W[j*BN +: BN, k*128 +: 128]^T)"                        \
    " * SX[k, i*BM +: BM][:, new] * SW[j*BN / 128, k];"
#define FP8_UP                                                                                         \
    " up += mma(X[i*BM +: BM, k*128 +: 128], W[I + j*BN +: BN, k*128 +: 128]^T)"                      \
    " * SX[k, i*BM +: BM][:, new] * SW[(I + j*BN) / 128, k]; }"
#define SWIGLU " H[i*BM +: BM, j*BN +: BN] = bf16(silu(gate) * up); }"

static const char fp8_src[] = FP8_HEAD FP8_UP SWIGLU;

/* BF16 with a constant offset (W's rows specialized), and a tile of 64 columns. */
static const char bf16_src[] =
    "kernel b<BM = 128, BN = 128>(X : bf16[M, K], W : bf16[512, K], H : f32[M, 256]) {"
    " schedule persistent (cdiv(M, BM), cdiv(256, BN)) -> (i, j);"
    " var g = zeros(f32[BM, BN]); var u = zeros(f32[BM, BN]);"
    " pipeline k in 0 .. cdiv(K, 64) {"
    " g += mma(X[i*BM +: BM, k*64 +: 64], W[j*BN +: BN, k*64 +: 64]^T);"
    " u += mma(X[i*BM +: BM, k*64 +: 64], W[256 + j*BN +: BN, k*64 +: 64]^T); }"
    " H[i*BM +: BM, j*BN +: BN] = g * sigmoid(g) * u + 2.0 * g - u; }";

START_TEST(dual_fp8_plan)
{
    dgkc_unit *u = fixture_lower("s.dgk", fp8_src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "s", &p);
    ck_assert(p->dual.enabled);
    ck_assert_int_eq(p->bn, 64);
    ck_assert_int_eq(p->mma.inst_n, 128); /* one wgmma over both B tiles */
    ck_assert_int_eq(p->mma.n_insts, 1);
    ck_assert(p->fp8.sb_straddle);       /* the second tile's scale from column BN on */
    ck_assert(!p->fp8.sb_tma && !p->fp8.sb_per_column);
    ck_assert_int_ge(p->dual.row_arg, 0);
    ck_assert_str_eq(p->args[p->dual.row_arg].sym, "I");
    ck_assert_int_eq(p->dual.row_c, 0);
    ck_assert_int_eq(p->dual.row_mul, 1);
    ck_assert_str_eq(p->args[p->n.arg].sym, "I");        /* N: the output's columns */
    ck_assert_str_eq(p->args[p->dual.b_rows.arg].sym, "N2");
    ck_assert(!dgk_plan_fits_rows(p, &p->b));
    int acc2 = 0;
    for (int i = 0; i < p->epi.nops; i++)
        acc2 += p->epi.ops[i].op == DGK_EPI_ACC2;
    ck_assert_int_eq(acc2, 1);
    /* B's stage: both tiles, the second at B_DUAL_BYTES */
    ck_assert_int_eq(p->smem.b_stage_bytes, 2 * 64 * 128);
    static const char *const want[] = {
        "enum { B_DUAL_BYTES = 8192 };",
        "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3",
        "dgk_tma_load_2d(smem_b + stage * B_STAGE_BYTES, &tma_W, bar, kb * BK, n_block * BN);",
        "dgk_tma_load_2d(smem_b + B_DUAL_BYTES + stage * B_STAGE_BYTES, &tma_W, bar, kb * BK, I + n_block * BN);",
        "const int sb_rows = (N2 + 127) / 128;", /* B's scale rows bound both tiles' */
        "const int sb_row2 = min(max((I + n_block * BN) / 128, 0), sb_rows - 1);",
        "const float *const sb_hi_ptr = ptr_SW + (long long)sb_row2 * stride_SW_0;",
        "const float sb_hi_b = dgk_ldg_f32(sb_hi_ptr + kb);", /* K at launch: plan.h fp8.sb_loads */
        "dgk_st_shared_b32(sb_dst + 4, __float_as_uint(sb_hi_b));",
        "constexpr int SB_SPLIT = BN;",
        "float epilogue_value(float acc, float acc2, int row, int col, int dgk_m, int dgk_n)",
        "const float v2 = acc2;",
        "for (int i = 0; i < INST_N / 4; i += 8) {",
        "epilogue_value(acc[mi][ni][i + 0], acc[mi][ni][i + 0 + INST_N / 4], row0 + r + 0, col0 + c + 0, M, I);",
        "const int tiles = cluster_tiles(M, I);",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    ck_assert_ptr_null(strstr(cu, "switch (sb_split)")); /* the split is the constant BN */
    dgkc_unit_free(u);
}
END_TEST

/* A constant offset; f32 output through st.shared pairs; an epilogue reading both twice. */
START_TEST(dual_bf16_constant_row)
{
    dgkc_unit *u = fixture_lower("b.dgk", bf16_src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "b", &p);
    ck_assert(p->dual.enabled);
    ck_assert_int_eq(p->mma.inst_n, 256);
    ck_assert_int_eq(p->dual.row_arg, -1);
    ck_assert_int_eq(p->dual.row_c, 256);
    ck_assert(!p->fp8.enabled && !p->fp8.sb_straddle);
    for (int i = 0; i < p->nargs; i++) /* B's rows are passed only for FP8's scale rows */
        ck_assert(p->args[i].kind != DGK_ARG_SHAPE || p->args[i].param != 1);
    static const char *const want[] = {
        "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16",
        "&tma_W, bar, kb * BK, 256 + n_block * BN);",
        "for (int i = 0; i < INST_N / 4; i += 4) {",
        "acc[mi][ni][i + 3], acc[mi][ni][i + 3 + INST_N / 4], row0 + r + 8, col0 + c + 1",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    dgkc_unit_free(u);
}
END_TEST

/* `2 * I + 128`: a symbol times a constant plus a constant. */
START_TEST(dual_scaled_symbol_row)
{
    static const char src[] =
        "kernel t(X : bf16[M, K], W : bf16[R, K], H : bf16[M, I]) where R == 3 * I + 128 {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 64)) -> (i, j);"
        " var g = zeros(f32[128, 64]); var u = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], W[j*64 +: 64, k*64 +: 64]^T);"
        " u += mma(X[i*128 +: 128, k*64 +: 64], W[2 * I + 128 + j*64 +: 64, k*64 +: 64]^T); }"
        " H[i*128 +: 128, j*64 +: 64] = bf16(g * u); }";
    dgkc_unit *u = fixture_lower("t.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "t", &p);
    ck_assert_int_eq(p->dual.row_c, 128);
    ck_assert_int_eq(p->dual.row_mul, 2);
    ck_assert_msg(strstr(cu, "kb * BK, (2 * I + 128) + n_block * BN);") != NULL, "%s", strstr(cu, "B_DUAL_BYTES +"));
    dgkc_unit_free(u);
    /* specialized, the offset is a constant */
    const char *defs[1] = {"I=512"};
    u = fixture_lower("t.dgk", src, defs, 1);
    cu = fixture_emit(u, "t", &p);
    ck_assert_int_eq(p->dual.row_arg, -1);
    ck_assert_int_eq(p->dual.row_c, 2 * 512 + 128);
    ck_assert_ptr_nonnull(strstr(cu, "kb * BK, 1152 + n_block * BN);"));
    dgkc_unit_free(u);
}
END_TEST

/* The m-grouped contiguous schedule (an MoE expert's gate/up projection): both B tiles at
 * the tile's group, the second scale row from the group's scales. */
START_TEST(dual_grouped)
{
    static const char src[] =
        "kernel g(X : e4m3[M, K], SX : f32[cdiv(K, 128), M] scales(X, 1, 128), W : e4m3[G, N2, K],"
        " SW : f32[G, cdiv(N2, 128), cdiv(K, 128)] scales(W, 128, 128), GID : i32[M], H : bf16[M, I])"
        " where N2 == 2 * I, I % 128 == 0 {"
        " schedule m_grouped_contiguous (cdiv(M, 128), cdiv(I, 64)) group_ids GID -> (i, j, e);"
        " var gate = zeros(f32[128, 64]); var up = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 128) {"
        " gate += mma(X[i*128 +: 128, k*128 +: 128], W[e, j*64 +: 64, k*128 +: 128]^T)"
        " * SX[k, i*128 +: 128][:, new] * SW[e, j*64 / 128, k];"
        " up += mma(X[i*128 +: 128, k*128 +: 128], W[e, I + j*64 +: 64, k*128 +: 128]^T)"
        " * SX[k, i*128 +: 128][:, new] * SW[e, (I + j*64) / 128, k]; }"
        " H[i*128 +: 128, j*64 +: 64] = bf16(silu(gate) * up); }";
    dgkc_unit *u = fixture_lower("g.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "g", &p);
    ck_assert(p->dual.enabled && p->b.grouped && p->fp8.sb_grouped);
    static const char *const want[] = {
        "dgk_tma_load_3d(smem_b + B_DUAL_BYTES + stage * B_STAGE_BYTES, &tma_W, bar, kb * BK, I + n_block * BN, group);",
        "const float *const sb_hi_ptr = sb_group + (long long)sb_row2 * stride_SW_1;",
    };
    fixture_has_all(cu, want, sizeof want / sizeof want[0]);
    dgkc_unit_free(u);
}
END_TEST

/* B stored MN-major ([K, N2], BF16): the second tile's chunks after the first's, its rows
 * the inner coordinate; and the masked schedule with UE8M0 scales (both scale rows' bytes
 * loaded and stored by the producer thread). */
START_TEST(dual_mn_major_and_masked_ue8m0)
{
    static const char src[] =
        "kernel mn(X : bf16[M, K], W : bf16[K, N2], H : bf16[M, I]) where N2 == 2 * I {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 128)) -> (i, j);"
        " var g = zeros(f32[128, 128]); var u = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], W[k*64 +: 64, j*128 +: 128]);"
        " u += mma(X[i*128 +: 128, k*64 +: 64], W[k*64 +: 64, I + j*128 +: 128]); }"
        " H[i*128 +: 128, j*128 +: 128] = bf16(silu(g) * u); }"
        "kernel ms(X : e4m3[G, MM, K], SX : ue8m0[G, cdiv(K, 128), MM] scales(X, 1, 128), W : e4m3[G, N2, K],"
        " SW : ue8m0[G, cdiv(N2, 128), cdiv(K, 128)] scales(W, 128, 128), CNT : i32[G], H : bf16[G, MM, I])"
        " where N2 == 2 * I, I % 128 == 0 {"
        " schedule m_grouped_masked (G, cdiv(MM, 128), cdiv(I, 64)) masked CNT -> (g, i, j);"
        " var gate = zeros(f32[128, 64]); var up = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 128) {"
        " gate += mma(X[g, i*128 +: 128, k*128 +: 128], W[g, j*64 +: 64, k*128 +: 128]^T)"
        " * SX[g, k, i*128 +: 128][:, new] * SW[g, j*64 / 128, k];"
        " up += mma(X[g, i*128 +: 128, k*128 +: 128], W[g, I + j*64 +: 64, k*128 +: 128]^T)"
        " * SX[g, k, i*128 +: 128][:, new] * SW[g, (I + j*64) / 128, k]; }"
        " H[g, i*128 +: 128, j*64 +: 64] = bf16(silu(gate) * up); }";
    dgkc_unit *u = fixture_lower("mm.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "mn", &p);
    ck_assert(p->dual.enabled && p->b.major == DGK_MAJOR_MN);
    ck_assert_int_eq(p->mma.inst_n, 256);
    static const char *const want_mn[] = {
        "enum { B_CHUNK_ROWS = 64, B_CHUNKS = 2,",
        "enum { B_DUAL_BYTES = 16384 };",
        "dgk_tma_load_2d(smem_b + B_DUAL_BYTES + stage * B_STAGE_BYTES + c * B_CHUNK_BYTES, &tma_W, bar, I + n_block * BN + c * B_CHUNK_ROWS, kb * BK);",
    };
    fixture_has_all(cu, want_mn, sizeof want_mn / sizeof want_mn[0]);
    cu = fixture_emit(u, "ms", &p);
    ck_assert(p->dual.enabled && p->fp8.sb_ue8m0 && p->sched.kind == DGK_SCHED_M_GROUPED_MASKED);
    static const char *const want_ms[] = {
        "const dgk_ue8m0 *const sb_hi_ptr = sb_group + (long long)sb_row2 * stride_SW_1;",
        "const dgk_u32 sb_hi_b = dgk_ldg_u8(sb_hi_ptr + kb);",
        "dgk_st_shared_u8(sb_dst + 4, sb_hi_b);",
        "dgk_tma_load_3d(smem_b + B_DUAL_BYTES + stage * B_STAGE_BYTES, &tma_W, bar, kb * BK, I + n_block * BN, group);",
    };
    fixture_has_all(cu, want_ms, sizeof want_ms / sizeof want_ms[0]);
    dgkc_unit_free(u);
}
END_TEST

/* `up` written before `gate` (its B tile R rows further) plans as the pair in the other
 * order: the epilogue still reads `gate` as ACC and `up` as ACC2. */
START_TEST(dual_either_order)
{
    static const char src[] = FP8_HEAD_NO_GATE
        " up += mma(X[i*BM +: BM, k*128 +: 128], W[I + j*BN +: BN, k*128 +: 128]^T)"
        " * SX[k, i*BM +: BM][:, new] * SW[(I + j*BN) / 128, k];"
        " gate += mma(X[i*BM +: BM, k*128 +: 128], W[j*BN +: BN, k*128 +: 128]^T)"
        " * SX[k, i*BM +: BM][:, new] * SW[j*BN / 128, k]; }" SWIGLU;
    dgkc_unit *u = fixture_lower("o.dgk", src, NULL, 0);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "s", &p);
    ck_assert(p->dual.enabled);
    ck_assert_str_eq(p->args[p->dual.row_arg].sym, "I");
    ck_assert_int_eq(p->dual.row_mul, 1);
    /* silu(gate) * up: op 0 the first accumulator (gate) under silu, op 2 the second */
    ck_assert_int_eq(p->epi.ops[0].op, DGK_EPI_ACC);
    ck_assert_int_eq(p->epi.ops[1].op, DGK_EPI_SILU);
    ck_assert_int_eq(p->epi.ops[2].op, DGK_EPI_ACC2);
    ck_assert_ptr_nonnull(strstr(cu, "kb * BK, I + n_block * BN);"));
    dgkc_unit_free(u);
}
END_TEST

/* Both B tiles off `j * BN`: which is the first is unclear, so it is an error. */
START_TEST(dual_negative_row)
{
    static const char src[] =
        "kernel n(X : bf16[M, K], W : bf16[R, K], H : bf16[M, I]) where R == 2 * I {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 64)) -> (i, j);"
        " var g = zeros(f32[128, 64]); var u = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], W[I + j*64 +: 64, k*64 +: 64]^T);"
        " u += mma(X[i*128 +: 128, k*64 +: 64], W[I - 64 + j*64 +: 64, k*64 +: 64]^T); }"
        " H[i*128 +: 128, j*64 +: 64] = bf16(g * u); }";
    dgkc_unit *u = fixture_lower("n.dgk", src, NULL, 0);
    fixture_plan_fails(u, "n", "one must start at `j * BN` and the other a fixed number of rows after it", "both tiles offset");
}
END_TEST

/* `src` is fp8_src with `from` replaced by `to`. */
static char *edited(const char *src, const char *from, const char *to)
{
    const char *at = strstr(src, from);
    ck_assert_msg(at != NULL, "no \"%s\" to replace", from);
    size_t n = strlen(src) + strlen(to) + 1;
    char *out = malloc(n);
    ck_assert_ptr_nonnull(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
    return out;
}

/* Each refused form, with the message that says why. */
START_TEST(dual_refused)
{
    static const struct { const char *from, *to, *want; } cases[] = {
        {"W[I + j*BN +: BN, k*128 +: 128]^T) * SX[k, i*BM +: BM][:, new] * SW[(I + j*BN) / 128, k]",
         "W[2 * j*BN +: BN, k*128 +: 128]^T) * SX[k, i*BM +: BM][:, new] * SW[(2 * j*BN) / 128, k]",
         "must start a fixed number of rows after the first's"},
        {"BM = 128, BN = 64", "BM = 128, BN = 128", "needs 256 accumulator registers"},
        {"I % 128 == 0", "I % 64 == 0", "declare `where I % 128 == 0`"},
        {"schedule persistent (cdiv(M, BM), cdiv(I, BN)) swizzle 8", "schedule persistent (cdiv(M, BM), cdiv(I, BN)) swizzle 8 cluster 2",
         "not lowered with a cluster along M"},
        {"schedule persistent (cdiv(M, BM), cdiv(I, BN)) swizzle 8", "schedule persistent (cdiv(M, BM), cdiv(I, BN)) swizzle 8 split_k 2",
         "not lowered with split-K"},
        {"BM = 128, BN = 64", "BM = 32, BN = 64", "not lowered with tiles of fewer than 64 rows"},
        {"BM = 128, BN = 64", "BM = 8, BN = 32", "not lowered with tiles of fewer than 64 rows"},
        {"var up = zeros(f32[BM, BN]);", "var up = full(f32[BM, BN], 1.0);", "accumulator starts at `zeros(...)`"},
        {"var gate = zeros(f32[BM, BN]);", "var gate = full(f32[BM, BN], 1.0);", "accumulator starts at `zeros(...)`"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *src = edited(fp8_src, cases[i].from, cases[i].to);
        dgkc_unit *u = fixture_lower("r.dgk", src, NULL, 0);
        if (cases[i].want)
            fixture_plan_fails(u, "s", cases[i].want, cases[i].to);
        else {
            ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
            dgkc_unit_free(u);
        }
        free(src);
    }
}
END_TEST

/* Forms of the second update that are not the shared-A pair. */
START_TEST(dual_refused_forms)
{
    static const struct { const char *up, *epi, *want; } cases[] = {
        /* a third update */
        {" up += mma(X[i*BM +: BM, k*128 +: 128], W[I + j*BN +: BN, k*128 +: 128]^T) * SX[k, i*BM +: BM][:, new] * SW[(I + j*BN) / 128, k];"
         " gate += mma(X[i*BM +: BM, k*128 +: 128], W[j*BN +: BN, k*128 +: 128]^T) * SX[k, i*BM +: BM][:, new] * SW[j*BN / 128, k]; }",
         SWIGLU, "at most two accumulator updates"},
        /* the first accumulator updated twice */
        {" gate += mma(X[i*BM +: BM, k*128 +: 128], W[I + j*BN +: BN, k*128 +: 128]^T) * SX[k, i*BM +: BM][:, new] * SW[(I + j*BN) / 128, k]; }",
         SWIGLU, "updates one accumulator twice"},
        /* unscaled beside scaled */
        {" up += mma(X[i*BM +: BM, k*128 +: 128], W[I + j*BN +: BN, k*128 +: 128]^T); }", SWIGLU,
         "both accumulators are updated the same way"},
        /* a row reduction of the pair */
        {FP8_UP, " H[i*BM +: BM, j*BN +: BN] = bf16(silu(gate) * up / amax(abs(up), 1)[:, new]); }",
         "not lowered with row reductions"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[4096];
        snprintf(src, sizeof src, "%s%s%s", FP8_HEAD, cases[i].up, cases[i].epi);
        dgkc_unit *u = dgkc_unit_new("f.dgk", src, strlen(src));
        ck_assert_ptr_nonnull(u);
        if (dgkc_check(u) != DGKC_OK || dgkc_lower(u) != DGKC_OK) {
            char *text = fixture_diagnostics(u);
            ck_assert_msg(0, "case %zu does not check: %s", i, text);
        }
        fixture_plan_fails(u, "s", cases[i].want, cases[i].up);
    }
}
END_TEST

/* The second B tile from another tensor, and another A tile. */
START_TEST(dual_refused_tensors)
{
    static const char other_b[] =
        "kernel o(X : bf16[M, K], WG : bf16[I, K], WU : bf16[I, K], H : bf16[M, I]) {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 64)) -> (i, j);"
        " var g = zeros(f32[128, 64]); var u = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], WG[j*64 +: 64, k*64 +: 64]^T);"
        " u += mma(X[i*128 +: 128, k*64 +: 64], WU[j*64 +: 64, k*64 +: 64]^T); }"
        " H[i*128 +: 128, j*64 +: 64] = bf16(g * u); }";
    fixture_plan_fails(fixture_lower("o.dgk", other_b, NULL, 0), "o", "stack the two weights as rows of one tensor", "other B");
    static const char other_a[] =
        "kernel a(X : bf16[M, K], Y : bf16[M, K], W : bf16[N2, K], H : bf16[M, I]) where N2 == 2 * I {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 64)) -> (i, j);"
        " var g = zeros(f32[128, 64]); var u = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], W[j*64 +: 64, k*64 +: 64]^T);"
        " u += mma(Y[i*128 +: 128, k*64 +: 64], W[I + j*64 +: 64, k*64 +: 64]^T); }"
        " H[i*128 +: 128, j*64 +: 64] = bf16(g * u); }";
    fixture_plan_fails(fixture_lower("a.dgk", other_a, NULL, 0), "a", "must share the A tile", "other A");
    static const char wide[] =
        "kernel w(X : bf16[M, K], W : bf16[N2, K], H : bf16[M, I]) where N2 == 2 * I {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 192)) -> (i, j);"
        " var g = zeros(f32[128, 192]); var u = zeros(f32[128, 192]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], W[j*192 +: 192, k*64 +: 64]^T);"
        " u += mma(X[i*128 +: 128, k*64 +: 64], W[I + j*192 +: 192, k*64 +: 64]^T); }"
        " H[i*128 +: 128, j*192 +: 192] = bf16(g * u); }";
    fixture_plan_fails(fixture_lower("w.dgk", wide, NULL, 0), "w", "BN must be at most 128", "BN 192");
    /* a square B tile (BN = BK = 64) passes the mma's shape check untransposed too */
    static const char layouts[] =
        "kernel l(X : bf16[M, K], W : bf16[N2, K], H : bf16[M, I]) where N2 == 2 * I {"
        " schedule persistent (cdiv(M, 128), cdiv(I, 64)) -> (i, j);"
        " var g = zeros(f32[128, 64]); var u = zeros(f32[128, 64]);"
        " pipeline k in 0 .. cdiv(K, 64) {"
        " g += mma(X[i*128 +: 128, k*64 +: 64], W[j*64 +: 64, k*64 +: 64]^T);"
        " u += mma(X[i*128 +: 128, k*64 +: 64], W[I + j*64 +: 64, k*64 +: 64]); }"
        " H[i*128 +: 128, j*64 +: 64] = bf16(g * u); }";
    fixture_plan_fails(fixture_lower("l.dgk", layouts, NULL, 0), "l", "two accumulators share one B layout", "B layouts");
}
END_TEST

static Suite *dual_suite(void)
{
    Suite *s = suite_create("dual");
    TCase *tc = tcase_create("dual");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, dual_fp8_plan);
    tcase_add_test(tc, dual_bf16_constant_row);
    tcase_add_test(tc, dual_scaled_symbol_row);
    tcase_add_test(tc, dual_grouped);
    tcase_add_test(tc, dual_either_order);
    tcase_add_test(tc, dual_mn_major_and_masked_ue8m0);
    tcase_add_test(tc, dual_negative_row);
    tcase_add_test(tc, dual_refused);
    tcase_add_test(tc, dual_refused_forms);
    tcase_add_test(tc, dual_refused_tensors);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(dual_suite)
