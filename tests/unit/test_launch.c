/* test_launch.c - what libdgkc and the stdlib decide for a launch, without a GPU:
 * dgkc_check_launch (declared extents, shape symbols, `where` constraints), per-kernel
 * planning and emission (a kernel the backend cannot lower does not take its file's other
 * kernels down), the plan's kernel ABI, and the stock GEMM tile heuristic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "dgkc_fixture.h"
#include "compiler/plan.h"
#include "dgkc.h"
#include "runtime/rt.h"
#include "stdlib/source.h"
#include "stdlib/stock.h"

static const char fp8_src[] =
    "kernel f<BM = 128, BN = 128>(\n"
    "    A : e4m3[M, K], SA : f32[cdiv(K, 128), M] scales(A, 1, 128),\n"
    "    B : e4m3[N, K], SB : f32[cdiv(N, 128), cdiv(K, 128)] scales(B, 128, 128), D : bf16[M, N])\n"
    "  where K % 128 == 0\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 128) {\n"
    "        acc += mma(A[i*BM +: BM, k*128 +: 128], B[j*BN +: BN, k*128 +: 128]^T)\n"
    "               * SA[k, i*BM +: BM][:, new] * SB[j*BN / 128, k];\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
    "}\n";

static dgkc_unit *checked(const char *src)
{
    dgkc_unit *u = dgkc_unit_new("t.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    return u;
}

/* ranks/extents of (A, SA, B, SB, D) for M x N x K */
static void shapes(int64_t m, int64_t n, int64_t k, int *ranks, int64_t (*ext)[DGKC_MAX_RANK])
{
    int64_t e[5][2] = {{m, k}, {(k + 127) / 128, m}, {n, k}, {(n + 127) / 128, (k + 127) / 128}, {m, n}};
    for (int p = 0; p < 5; p++) {
        ranks[p] = 2;
        ext[p][0] = e[p][0];
        ext[p][1] = e[p][1];
    }
}

START_TEST(launch_good_shapes)
{
    dgkc_unit *u = checked(fp8_src);
    int ranks[5];
    int64_t ext[5][DGKC_MAX_RANK];
    char msg[256] = "";
    shapes(4096, 7168, 2048, ranks, ext);
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_OK);
    shapes(1, 576, 128, ranks, ext);
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_OK);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(launch_bad_shapes)
{
    dgkc_unit *u = checked(fp8_src);
    int ranks[5];
    int64_t ext[5][DGKC_MAX_RANK];
    char msg[256] = "";
    shapes(256, 256, 1024, ranks, ext);
    ext[2][1] = 512; /* B's K disagrees with A's */
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_EUSER);
    ck_assert_msg(strstr(msg, "B: extent 1 is 512") != NULL, "%s", msg);
    shapes(256, 256, 1000, ranks, ext); /* K % 128 != 0 */
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_EUSER);
    ck_assert_msg(strstr(msg, "constraint") != NULL, "%s", msg);
    shapes(256, 256, 1024, ranks, ext);
    ext[1][1] = 255; /* SA has the wrong number of rows of M */
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_EUSER);
    ck_assert_msg(strstr(msg, "SA") != NULL, "%s", msg);
    shapes(256, 256, 1024, ranks, ext);
    ranks[0] = -1; /* A, which binds M and K, missing */
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_EUSER);
    ck_assert_msg(strstr(msg, "missing") != NULL, "%s", msg);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(launch_specialized)
{
    dgkc_unit *u = dgkc_unit_new("t.dgk", fp8_src, strlen(fp8_src));
    ck_assert_int_eq(dgkc_define(u, "K", "2048"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    int ranks[5];
    int64_t ext[5][DGKC_MAX_RANK];
    char msg[256] = "";
    shapes(128, 128, 4096, ranks, ext);
    ck_assert_int_eq(dgkc_check_launch(u, 0, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg), DGKC_EUSER);
    ck_assert_msg(strstr(msg, "compiled for K = 2048") != NULL, "%s", msg);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(plan_abi_of_fp8)
{
    dgkc_unit *u = checked(fp8_src);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->fp8.enabled, 1);
    ck_assert_int_eq(p->bk, 128);
    ck_assert_int_eq(p->mma.inst_k, 32);
    ck_assert_int_eq(p->a.major, DGK_MAJOR_K);
    ck_assert_int_eq(p->args[p->a.arg].kind, DGK_ARG_TMA);
    ck_assert_int_eq(p->args[p->fp8.sa_arg].kind, DGK_ARG_TMA);
    ck_assert_int_eq(p->args[p->fp8.sb_arg].kind, DGK_ARG_PTR);
    ck_assert_int_eq(p->args[p->fp8.sa_arg].tma.box[0], 128);
    ck_assert_int_le(p->launch.smem_bytes, 232448);
    ck_assert_int_eq(p->launch.threads, 384);
    ck_assert_int_eq(p->m.arg >= 0, 1);
    ck_assert_str_eq(p->args[p->m.arg].sym, "M");
    dgkc_unit_free(u);
}
END_TEST

/* A K-major operand with a row extent known only at launch gets its TMA box fit to it
 * (a 1-row A moves one row per stage, not a 64- or 128-row box of zero fill); one shared
 * by multicast keeps its box. The runtime's descriptor shrinks box[1] to the extent. */
START_TEST(plan_fit_rows)
{
    dgkc_unit *u = checked(fp8_src);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, 0);
    ck_assert(dgk_plan_fits_rows(p, &p->a) && p->a.fit_rows_arg == p->m.arg);
    ck_assert(dgk_plan_fits_rows(p, &p->b) && p->b.fit_rows_arg == p->n.arg);
    ck_assert_int_eq(p->args[p->a.arg].tma.fit_rows, 1);
    ck_assert_int_eq(p->args[p->fp8.sa_arg].tma.fit_rows, 0);
    static uint8_t buf[256];
    int64_t a_shape[2][2] = {{1, 7168}, {4096, 7168}};
    uint32_t want[2] = {1, 128};
    for (int i = 0; i < 2; i++) {
        dgk_tensor a = dgk_tensor_make(buf, DGK_DTYPE_E4M3, 2, a_shape[i]);
        dgk_tma_desc d;
        dgk_op_tma_desc(&p->args[p->a.arg], &a, &d);
        ck_assert_uint_eq(d.box[0], 128);
        ck_assert_uint_eq(d.box[1], want[i]);
        ck_assert_uint_eq(d.shape[1], (uint64_t)a_shape[i][0]);
    }
    int64_t sa_shape[2] = {56, 4};
    dgk_tensor sa = dgk_tensor_make(buf, DGK_DTYPE_F32, 2, sa_shape);
    dgk_tma_desc d;
    dgk_op_tma_desc(&p->args[p->fp8.sa_arg], &sa, &d);
    ck_assert_uint_eq(d.box[0], 128); /* not fit: SA's box stays BM wide */
    dgkc_unit_free(u);

    const char *mc = strstr(fp8_src, "schedule persistent (cdiv(M, BM), cdiv(N, BN))");
    ck_assert_ptr_nonnull(mc);
    char src[2048];
    int head = (int)(mc - fp8_src) + (int)strlen("schedule persistent (cdiv(M, BM), cdiv(N, BN))");
    snprintf(src, sizeof src, "%.*s cluster_n 2%s", head, fp8_src, fp8_src + head);
    u = checked(src);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    p = dgkc_kernel_plan(u, 0);
    ck_assert_int_eq(p->a.multicast, 1);
    ck_assert_int_eq(dgk_plan_fits_rows(p, &p->a), 0); /* multicast chunks: each CTA loads its share */
    ck_assert_int_eq(p->args[p->a.arg].tma.fit_rows, 0);
    ck_assert(dgk_plan_fits_rows(p, &p->b) && p->b.fit_rows_arg == p->n.arg);
    dgkc_unit_free(u);
}
END_TEST

/* An output view whose rows are not a multiple of 16 bytes inside wider rows is refused
 * (the TMA store writes whole 16-byte pieces, so it would write past the view's last
 * column); dense outputs and views of whole 16-byte rows pass. */
START_TEST(store_rows_in_views)
{
    dgkc_unit *u = checked(fp8_src);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, 0);
    static uint8_t buf[256];
    const dgk_tensor *params[5] = {NULL, NULL, NULL, NULL, NULL};
    static const struct { int64_t cols, ld; int ok; } cases[] = {
        {250, 256, 0}, {249, 256, 0}, {248, 256, 1}, {256, 0, 1}, {7, 8, 0}, {8, 16, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t shape[2] = {64, cases[i].cols};
        dgk_tensor d = dgk_tensor_make(buf, DGK_DTYPE_BF16, 2, shape);
        if (cases[i].ld) {
            d.stride[0] = cases[i].ld;
            d.stride[1] = 1;
        }
        params[4] = &d;
        dgk_status st = dgk_op_check_store_rows(p, params);
        ck_assert_msg((st == DGK_OK) == cases[i].ok, "cols %lld ld %lld", (long long)cases[i].cols, (long long)cases[i].ld);
        if (!cases[i].ok) {
            ck_assert_int_eq(st, DGK_EALIGN);
            ck_assert_ptr_nonnull(strstr(dgk_last_error(), "would also overwrite columns"));
        }
    }
    /* a NULL D is not this check's to report (bind_arg names the parameter): no crash */
    params[4] = NULL;
    ck_assert_int_eq(dgk_op_check_store_rows(p, params), DGK_OK);
    dgkc_unit_free(u);
}
END_TEST

/* A BF16 operand stored with rows TMA cannot address (not a multiple of 16 bytes) is
 * refused up front, naming the extent to pad; the same call with M padded gets as far as
 * the missing context. */
START_TEST(bf16_rows_must_align)
{
    static _Alignas(16) char mem[64];
    dgk_tensor a = dgk_tensor_make(mem, DGK_DTYPE_BF16, 2, (int64_t[]){256, 7});
    dgk_tensor b = dgk_tensor_make(mem, DGK_DTYPE_BF16, 2, (int64_t[]){256, 264}); /* tn: a [K, M], b [K, N] */
    dgk_tensor d = dgk_tensor_make(mem, DGK_DTYPE_BF16, 2, (int64_t[]){7, 264});
    ck_assert_int_eq(dgk_gemm_bf16_tn(NULL, &a, &b, NULL, &d, NULL), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "dgk_gemm_bf16_tn: a is stored [256, 7]"));
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "M must be a multiple of 8"));
    b = dgk_tensor_make(mem, DGK_DTYPE_BF16, 2, (int64_t[]){256, 260});
    a = dgk_tensor_make(mem, DGK_DTYPE_BF16, 2, (int64_t[]){256, 8});
    ck_assert_int_eq(dgk_gemm_bf16_tn(NULL, &a, &b, NULL, &d, NULL), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "N must be a multiple of 8"));
    b = dgk_tensor_make(mem, DGK_DTYPE_BF16, 2, (int64_t[]){256, 264});
    ck_assert_int_eq(dgk_gemm_bf16_tn(NULL, &a, &b, NULL, &d, NULL), DGK_EINVAL);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "ctx is NULL"));
}
END_TEST

/* One kernel the backend cannot lower does not stop its neighbour. */
START_TEST(emit_per_kernel)
{
    const char *src =
        "kernel bad(X : f32[M, N], Y : f32[M, N]) {\n"
        "    schedule persistent (cdiv(M, 128), cdiv(N, 128)) -> (i, j);\n"
        "    Y[i*128 +: 128, j*128 +: 128] = X[i*128 +: 128, j*128 +: 128];\n"
        "}\n"
        "kernel good(A : bf16[M, K], B : bf16[N, K], D : f32[M, N]) {\n"
        "    schedule grid (cdiv(M, 64), cdiv(N, 64)) -> (i, j);\n"
        "    var acc = zeros(f32[64, 64]);\n"
        "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*64 +: 64, k*64 +: 64], B[j*64 +: 64, k*64 +: 64]^T); }\n"
        "    D[i*64 +: 64, j*64 +: 64] = acc;\n"
        "}\n";
    dgkc_unit *u = checked(src);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_kernel_index(u, "good"), 1);
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", 1, &cu, NULL), DGKC_OK);
    ck_assert_ptr_nonnull(strstr(cu, "__global__ void __launch_bounds__(256, 1)"));
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", 0, &cu, NULL), DGKC_EUSER);
    ck_assert_int_eq(dgkc_emit(u, "sm_90a", &cu, NULL), DGKC_EUSER);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_42", 1), DGKC_EARG);
    dgkc_unit_free(u);
}
END_TEST

/* A definition list too long for the op cache's key is an error with a message, before
 * the context is touched (none here), never a silently truncated key. */
START_TEST(stock_op_key_overflow)
{
    static const stock_kernel k = {"stdlib/x.dgk", "", "x", 0, 0};
    char big[600];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *defines[1] = {big};
    dgk_op *op = NULL;
    ck_assert_int_eq(stock_op(NULL, &k, defines, 1, &op), DGK_EINVAL);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "cache key"));
    ck_assert_ptr_null(op);
}
END_TEST

/* A forced cluster a stock kernel has no parameter for is an error naming it: a kernel
 * with only CLUSTER_N (as the contiguous ones had) refuses one along M, k-grouped any; the
 * dense ones and the m-grouped ones take both. */
START_TEST(stock_clusters_checked)
{
    static const stock_kernel dense = {"stdlib/x.dgk", "", "dense", 1, 0},
                              contiguous = {"stdlib/x.dgk", "", "contiguous", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_DYN},
                              masked = {"stdlib/x.dgk", "", "masked", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M},
                              offsets = {"stdlib/x.dgk", "", "offsets", 0, STOCK_CLUSTER_N | STOCK_CLUSTER_M | STOCK_CLUSTER_DYN},
                              kgrouped = {"stdlib/x.dgk", "", "kgrouped", 0, 0};
    gemm_config along_m = {128, 192, 1, 2, 1, 0, 0, 0}, along_n = {128, 192, 1, 1, 2, 0, 0, 0}, none = {128, 192, 1, 1, 1, 0, 0, 0};
    ck_assert_int_eq(stock_check_clusters(&dense, &along_m), DGK_OK);
    ck_assert_int_eq(stock_check_clusters(&dense, &along_n), DGK_OK);
    ck_assert_int_eq(stock_check_clusters(&masked, &along_m), DGK_OK);
    ck_assert_int_eq(stock_check_clusters(&contiguous, &along_n), DGK_OK);
    ck_assert_int_eq(stock_check_clusters(&offsets, &along_m), DGK_OK);
    ck_assert_int_eq(stock_check_clusters(&kgrouped, &none), DGK_OK);
    ck_assert_int_eq(stock_check_clusters(&contiguous, &along_m), DGK_EINVAL);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "contiguous has no CLUSTER (a cluster along M)"));
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "DGK_GEMM_CLUSTER?"));
    ck_assert_int_eq(stock_check_clusters(&kgrouped, &along_n), DGK_EINVAL);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "kgrouped has no CLUSTER_N (a cluster along N), but 2 was asked for"));
}
END_TEST

START_TEST(heuristic_choices)
{
    /* choices measured best or near it: 128 x 256 on the H200 sweep; 64 x 64 at
     * 64x7168x16384 (94.7 us on the H100 small-M sweep, tests/gpu/results/
     * 2026-11-26-H100-small-m-fit/, where 64 x 128 took 94.1) */
    gemm_shape big = {4096, 4096, 7168, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, small = {64, 7168, 16384, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    gemm_config c = gemm_heuristic(&big, 132);
    ck_assert_int_eq(c.bm, 128);
    ck_assert_int_eq(c.bn, 256);
    c = gemm_heuristic(&small, 132);
    ck_assert_int_eq(c.bm, 64);
    ck_assert_int_eq(c.bn, 64);
}
END_TEST

/* FP8 picks on 132 SMs at M = 4096, from the 2026-11-26 sweeps (tools/fit_heuristic.py
 * on an H200; an H100 sweep then set the 256-row rate equal to the 128-row one, 256 x 128
 * being 7-12% faster there at 4096 x 7168 x 16384): 256 x 128, but 128 x 160 at
 * 4096x7168x2048 (the per-form tile prologue: 5.3-6.7% faster than 256 x 128 on three
 * H100s, tests/gpu/results/2026-11-28-H100-suite-71c458c/tiles-7168/), 128 x 192 at N = 2112
 * (11 column tiles, 352 tiles in 3 waves; measured on an H100 2026-11-26 at 1204 TFLOPS
 * against 1000 for 128 x 128's 544 tiles) and 128 x 144 at N = 576 (exactly 4 column
 * tiles, one wave of 128), 128 x 192 at N = 24576, K = 1536 (by the model alone: these
 * kernels take no clusters, can_split 0; with clusters see heuristic_clusters in
 * test_splitk.c); the N tiles that do not divide 128 straddle scale blocks; never a tile
 * at least half empty (M = 128 keeps BM <= 128). */
START_TEST(heuristic_fp8_tiles)
{
    static const int64_t nk[][2] = {{2112, 7168}, {576, 7168}, {24576, 1536}, {32768, 512},
                                    {7168, 16384}, {4096, 7168}, {7168, 2048}};
    for (int j = 0; j < 7; j++) {
        gemm_shape big = {4096, nk[j][0], nk[j][1], 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, m128 = {128, nk[j][0], nk[j][1], 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
        gemm_config c = gemm_heuristic(&big, 132);
        ck_assert_int_eq(c.bm, j <= 2 || j == 6 ? 128 : 256);
        ck_assert_int_eq(c.bn, j == 0 || j == 2 ? 192 : j == 1 ? 144 : j == 6 ? 160 : 128);
        ck_assert_int_le(gemm_heuristic(&m128, 132).bm, 128);
    }
}
END_TEST

/* The contiguous grouped FP8 kernels (BM = 128, the groups' alignment) at DeepGEMM's
 * N = 4096 points: 128 x 192 for every stacked row count of 4 x 8192 or 8 x 4096 rows
 * varied 0.7-1.3x. The block-scaled BN > 128 rate once let wave counts tip some of these
 * to 128 x 128, 12% slower at 4 x 8192, 4096x4096 on the H100 (1113 against 1250 TFLOPS). */
START_TEST(heuristic_grouped_contiguous_tiles)
{
    for (int64_t m = 28000; m <= 40000; m += 500)
        for (int64_t k = 2048; k <= 4096; k += 2048) {
            gemm_shape s = {m, 4096, k, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
            gemm_config c = gemm_heuristic_bm(&s, 132, 128);
            ck_assert_msg(c.bm == 128 && c.bn == 192, "M %lld, K %lld: %d x %d", (long long)m, (long long)k, c.bm, c.bn);
        }
}
END_TEST

/* Contiguous grouped FP8: a cluster along M with many waves, with group ids (1) and group
 * offsets (2) at every K; none for other kernels or BF16 (contig_cluster_m / fp8 unset),
 * none with few tiles. */
START_TEST(heuristic_grouped_contiguous_cluster)
{
    static const struct { int64_t m, n, k; int fp8, contig, cluster; } cases[] = {
        {35310, 6144, 7168, 1, 1, 2}, {30526, 4096, 4096, 1, 1, 2}, {36082, 7168, 3072, 1, 1, 2},
        {30526, 4096, 4096, 1, 2, 2}, {30012, 4096, 2048, 1, 2, 2}, {35310, 6144, 7168, 1, 2, 2},
        {30526, 4096, 4096, 1, 0, 1}, {30526, 4096, 4096, 0, 1, 1}, {2048, 4096, 4096, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gemm_shape s = {.m = cases[i].m, .n = cases[i].n, .k = cases[i].k, .in_bytes = cases[i].fp8 ? 1 : 2,
                        .out_bytes = 2, .fp8 = cases[i].fp8, .contig_cluster_m = cases[i].contig};
        gemm_config c = gemm_heuristic_bm(&s, 132, 128);
        ck_assert_msg(c.cluster == cases[i].cluster && c.cluster_n == 1, "%lldx%lldx%lld fp8 %d contiguous %d: cluster %d x %d",
                      (long long)cases[i].m, (long long)cases[i].n, (long long)cases[i].k, cases[i].fp8,
                      cases[i].contig, c.cluster, c.cluster_n);
        if (c.cluster == 2)
            ck_assert(c.bm == 128 && c.bn == 192);
    }
}
END_TEST

/* Block-scaled FP8 whose operands both exceed half the L2 (gemm_heuristic.c, l2_rate):
 * 128 x 192 over 128 x 128, as measured on the H100 (tests/gpu/results/2026-11-28-H100-l2-fit/:
 * dense 2048x7168x16384 +14%, contiguous 2 x 2048 rows 4096x7168 +5%, 2 x 1024 rows
 * 7168x16384 +16%); contiguous 4096 rows at 4096x4096x4096 fit and keep 128 x 128; a masked
 * group's own rows decide (8 x 512 rows at 4096x7168: 128 x 192 ran 5% slower there), and
 * the weight gradients (B scaled per column) keep 128 x 128. */
START_TEST(heuristic_fp8_l2_rule)
{
    static const struct { int64_t m, n, k, masked; int bm, wgrad, bn; } cases[] = {
        {2048, 7168, 16384, 0, 0, 0, 192}, {4096, 4096, 4096, 0, 128, 0, 128}, {4096, 4096, 7168, 0, 128, 0, 192},
        {2048, 7168, 16384, 0, 128, 0, 192}, {4096, 4096, 7168, 512, 0, 0, 128}, {4096, 7168, 7168, 0, 0, 1, 128},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gemm_shape s = {.m = cases[i].m, .n = cases[i].n, .k = cases[i].k, .in_bytes = 1,
                        .out_bytes = cases[i].wgrad ? 4 : 2, .fp8 = 1, .sb_per_column = cases[i].wgrad,
                        .masked_rows = (int)cases[i].masked, .contig_cluster_m = cases[i].bm ? 1 : 0};
        gemm_config c = gemm_heuristic_bm(&s, 132, cases[i].bm);
        ck_assert_msg(c.bm == 128 && c.bn == cases[i].bn, "%lldx%lldx%lld masked %lld wgrad %d: %d x %d, want 128 x %d",
                      (long long)cases[i].m, (long long)cases[i].n, (long long)cases[i].k, (long long)cases[i].masked,
                      cases[i].wgrad, c.bm, c.bn, cases[i].bn);
    }
}
END_TEST

/* Block-scaled FP8 tile prologues by form (gemm_heuristic.c, tile_prologue): at 4096x7168
 * and 1024x7168 with K 1024-3072, 128 x 160 over 256 x 128 in its cluster (measured 2.5-8.4%
 * faster, tests/gpu/results/2026-11-28-H100-suite-71c458c/tiles-7168/); K = 16384 keeps
 * 256 x 128 with A multicast, K = 512 (4 K blocks: the one constant) and the 128 x 192
 * cluster rule keep theirs, and so do the grouped shapes: DeepGEMM's contiguous 4 x 8192
 * rows at 7168x3072 and the masked 6 x 1024 rows at 6144x7168 (128 x 192). */
START_TEST(heuristic_fp8_tile_prologue)
{
    static const struct { int64_t m, n, k, masked; int bm, contig, want_bm, want_bn, cluster, cluster_n; } cases[] = {
        {4096, 7168, 2048, 0, 0, 0, 128, 160, 1, 1}, {4096, 7168, 1024, 0, 0, 0, 128, 160, 1, 1},
        {1024, 7168, 2048, 0, 0, 0, 128, 160, 1, 1}, {4096, 7168, 16384, 0, 0, 0, 256, 128, 1, 2},
        {4096, 32768, 512, 0, 0, 0, 128, 192, 2, 1}, {4096, 24576, 1536, 0, 0, 0, 128, 192, 2, 1},
        {32768, 7168, 3072, 0, 128, 1, 128, 192, 2, 1}, {6144, 6144, 7168, 1024, 0, 0, 128, 192, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gemm_shape s = {.m = cases[i].m, .n = cases[i].n, .k = cases[i].k, .in_bytes = 1, .out_bytes = 2, .fp8 = 1,
                        .can_split = !cases[i].contig && !cases[i].masked, .masked_rows = (int)cases[i].masked,
                        .contig_cluster_m = cases[i].contig};
        gemm_config c = gemm_heuristic_bm(&s, 132, cases[i].bm);
        int cl = c.cluster > 1 ? c.cluster : 1, cn = c.cluster_n > 1 ? c.cluster_n : 1;
        ck_assert_msg(c.bm == cases[i].want_bm && c.bn == cases[i].want_bn && cl == cases[i].cluster &&
                          cn == cases[i].cluster_n,
                      "%lldx%lldx%lld masked %lld contig %d: %d x %d cluster %d / %d", (long long)cases[i].m,
                      (long long)cases[i].n, (long long)cases[i].k, (long long)cases[i].masked, cases[i].contig, c.bm,
                      c.bn, cl, cn);
    }
}
END_TEST

START_TEST(heuristic_candidates_respect_layout)
{
    gemm_config c[16];
    gemm_shape mn = {4096, 4096, 7168, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, f8 = {4096, 4096, 7168, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0},
               with_c = {4096, 4096, 7168, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    int n = gemm_candidates(&mn, c, 16);
    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(c[i].bn % 64, 0);
    n = gemm_candidates(&f8, c, 16);
    ck_assert_int_gt(n, 0);
    int bm256 = 0;
    for (int i = 0; i < n; i++) {
        /* a B tile straddles at most two 128-wide scale blocks (144, 160 and 192 do) */
        ck_assert(128 % c[i].bn == 0 || c[i].bn == 144 || c[i].bn == 160 || c[i].bn == 192);
        /* 128-row warpgroups promote one m64 block at a time: BN <= 128 fits */
        bm256 += c[i].bm == 256;
        ck_assert(c[i].bm < 256 || c[i].bn <= 128);
    }
    ck_assert_int_eq(bm256, 1);
    /* with an f32 output tile staged, 256 x 128 leaves no room for 3 stages */
    gemm_shape f8_f32 = f8;
    f8_f32.out_bytes = 4;
    n = gemm_candidates(&f8_f32, c, 16);
    for (int i = 0; i < n; i++)
        ck_assert_int_lt(c[i].bm, 256);
    n = gemm_candidates(&with_c, c, 16);
    for (int i = 0; i < n; i++)
        ck_assert_int_le((c[i].bm == 64 ? 64 : c[i].bm / 2) * c[i].bn / 128, 96);
}
END_TEST

START_TEST(heuristic_override)
{
    gemm_config c = {128, 128, 1, 1, 1, 0, 0, 0};
    setenv("DGK_GEMM_TILE", "64x32", 1);
    gemm_tile_override(&c);
    ck_assert_int_eq(c.bm, 64);
    ck_assert_int_eq(c.bn, 32);
    ck_assert_int_eq(c.cluster, 1);
    setenv("DGK_GEMM_TILE", "junk", 1);
    setenv("DGK_GEMM_CLUSTER", "2", 1);
    gemm_tile_override(&c);
    ck_assert_int_eq(c.bm, 64);
    ck_assert_int_eq(c.cluster, 2);
    unsetenv("DGK_GEMM_TILE");
    unsetenv("DGK_GEMM_CLUSTER");
    setenv("DGK_GEMM_SWIZZLE", "16", 1);
    gemm_swizzle_override(&c);
    ck_assert_int_eq(c.swizzle, 16);
    setenv("DGK_GEMM_SWIZZLE", "junk", 1);
    gemm_swizzle_override(&c);
    ck_assert_int_eq(c.swizzle, 16);
    unsetenv("DGK_GEMM_SWIZZLE");
}
END_TEST

/* DGK_GEMM_SWIZZLE reaches every stock GEMM kernel as -D SWIZZLE (stock.c, k_grouped.c),
 * and a -D no kernel of a file takes is an error: every kernel of every stock GEMM
 * source takes it, and its schedule walks that many row blocks per L2 group. */
START_TEST(stock_kernels_take_swizzle)
{
    static const struct { const char *name, *src; } files[] = {
        {"stdlib/gemm_bf16.dgk", dgk_stdlib_gemm_bf16},     {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8},
        {"stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16}, {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8},
        {"stdlib/k_grouped_fp8.dgk", dgk_stdlib_k_grouped_fp8},
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        dgkc_unit *u = dgkc_unit_new(files[f].name, files[f].src, strlen(files[f].src));
        ck_assert_ptr_nonnull(u);
        ck_assert_int_eq(dgkc_define(u, "SWIZZLE", "4"), DGKC_OK);
        ck_assert_msg(dgkc_check(u) == DGKC_OK && dgkc_lower(u) == DGKC_OK, "%s", files[f].name);
        int n = dgkc_kernel_count(u);
        ck_assert_int_ge(n, 1);
        for (int k = 0; k < n; k++) {
            ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", k), DGKC_OK);
            ck_assert_int_eq(dgkc_kernel_plan(u, k)->sched.group, 4);
        }
        dgkc_unit_free(u);
    }
}
END_TEST

/* Masked groups of few expected rows take a swapped tile (compiler/plan_swap.c) holding
 * 1.3x the expected rows, from BM = 16 for FP8 (BM = 8 serializes there); from 25 rows on,
 * the dense rule's tiles of 64 rows and more. Every swapped pick plans, with skip_idle
 * (which the entry point still passes) cleared, the B rows split 64 per warpgroup. */
START_TEST(heuristic_masked_swap)
{
    for (int fp8 = 0; fp8 <= 1; fp8++)
        for (int rows = 1; rows <= 200; rows++) {
            gemm_shape s = {32 * rows, 4096, 7168, fp8 ? 1 : 2, 2, 0, fp8, 0, 0, 0, rows, 0, 0, 0, 0};
            gemm_config c = gemm_heuristic_bm(&s, 132, 0);
            if (rows > 24) {
                ck_assert_int_ge(c.bm, 64);
                continue;
            }
            ck_assert_int_eq(c.bm % 8, 0);
            ck_assert_int_ge(10 * c.bm, 13 * rows);
            ck_assert_int_ge(c.bm, fp8 ? 16 : 8);
            ck_assert_int_le(c.bm, 32);
            ck_assert_int_eq(c.bn, 128); /* 32 groups x 32 column tiles fill 132 SMs */
            char bm[8];
            snprintf(bm, sizeof bm, "%d", c.bm);
            const char *file = fp8 ? "stdlib/grouped_fp8.dgk" : "stdlib/grouped_bf16.dgk";
            const char *src = fp8 ? dgk_stdlib_grouped_fp8 : dgk_stdlib_grouped_bf16;
            dgkc_unit *u = dgkc_unit_new(file, src, strlen(src));
            ck_assert_ptr_nonnull(u);
            ck_assert_int_eq(dgkc_define(u, "BM", bm), DGKC_OK);
            ck_assert_int_eq(dgkc_define(u, "SKIP", "1"), DGKC_OK);
            ck_assert_int_eq(dgkc_check(u), DGKC_OK);
            ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
            int k = dgkc_kernel_count(u) - 1; /* the masked kernel is each file's last */
            ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", k), DGKC_OK);
            const dgk_plan *p = dgkc_kernel_plan(u, k);
            ck_assert_str_eq(p->name, fp8 ? "m_grouped_fp8_nt_masked" : "m_grouped_bf16_nt_masked");
            ck_assert_int_eq(p->swap_ab, 1);
            ck_assert_int_eq(p->sched.skip_idle, 0);
            ck_assert_int_eq(p->mma.inst_n, c.bm);
            ck_assert_int_eq(p->consumer_wgs, 2);
            ck_assert_int_eq(p->wg_rows, 64);
            dgkc_unit_free(u);
        }
}
END_TEST

/* Expected rows far past the swapped tiles' 24 never take one, however large: 13 x rows
 * must not wrap (330382100 x 13 = 2^32 + 4 in 32 bits, which read as 4 rows once). */
START_TEST(heuristic_masked_swap_huge_rows)
{
    static const int rows[] = {25, 165191049, 165191050, 330382100, 2147483647};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (int fp8 = 0; fp8 <= 1; fp8++) {
            gemm_shape s = {rows[i], 32768, 7168, fp8 ? 1 : 2, 2, 0, fp8, 0, 0, 0, rows[i], 0, 0, 0, 0};
            gemm_config c = gemm_heuristic_bm(&s, 132, 0);
            ck_assert_msg(c.bm >= 64, "%d rows (fp8 %d): BM %d", rows[i], fp8, c.bm);
        }
}
END_TEST

/* Few groups of few rows: the swapped tile only when its tiles fill the SMs (BN = 64 to
 * get there), else the unswapped candidates, whose narrow tiles give more of them. */
START_TEST(heuristic_masked_swap_few_groups)
{
    static const struct { int groups, n, bm, bn; } want[] = {
        {32, 4096, 32, 128}, {6, 4096, 32, 128}, {4, 4096, 32, 64}, {3, 4096, 32, 64}, {2, 4096, 0, 0}, {1, 4096, 0, 0},
        {1, 32768, 32, 128}, {6, 2048, 32, 64},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        gemm_shape s = {20 * want[i].groups, want[i].n, 7168, 1, 2, 0, 1, 0, 0, 0, 20, 0, 0, 0, 0};
        gemm_config c = gemm_heuristic_bm(&s, 132, 0);
        if (want[i].bm) {
            ck_assert_int_eq(c.bm, want[i].bm);
            ck_assert_int_eq(c.bn, want[i].bn);
        } else {
            ck_assert_int_ge(c.bm, 64);
        }
    }
}
END_TEST

/* Masked groups of more rows take the dense rule's tile with 128 rows at most (the rule as
 * masked_tile asks it: a group's rows, which also keep the dense shapes' per-form tile
 * prologue out, unmeasured on masked kernels): at 4096x2048 128 x 192 where the dense rule
 * picks 256 x 128 (both measured). */
START_TEST(heuristic_masked_rows_cap)
{
    static const int64_t nk[][2] = {{6144, 7168}, {7168, 3072}, {4096, 4096}, {4096, 2048}};
    static const int groups[][2] = {{32, 192}, {6, 1024}, {8, 512}, {2, 4096}};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            gemm_shape s = {(int64_t)groups[i][0] * groups[i][1], nk[j][0], nk[j][1], 1, 2, 0, 1, 0, 0, 0, groups[i][1], 0, 0, 0, 0};
            gemm_shape dense = s;
            dense.masked_rows = 0;
            dense.group_rows = groups[i][1];
            gemm_config c = gemm_heuristic_bm(&s, 132, 0), d = gemm_heuristic_bm(&dense, 132, 0);
            ck_assert_int_le(c.bm, 128);
            if (d.bm <= 128) {
                ck_assert_int_eq(c.bm, d.bm);
                ck_assert_int_eq(c.bn, d.bn);
            }
            if (i < 2 && j == 3) {
                ck_assert_int_eq(c.bm, 128);
                ck_assert_int_eq(c.bn, 192);
            }
        }
}
END_TEST

/* FP8 masked groups of 160-192 expected rows at K >= 6144 take a 2-CTA cluster along M
 * with 128 x 192 tiles (gemm_heuristic.c masked_pair_cluster); not with other tiles (32 x 160
 * rows at 2048x8192 take 128 x 128), at shorter K, with more or fewer rows per group, or in
 * BF16. */
START_TEST(heuristic_masked_pair_cluster)
{
    static const struct { int groups, rows; int64_t n, k; int fp8, cluster; } cases[] = {
        {32, 192, 6144, 7168, 1, 2}, {32, 160, 4096, 7168, 1, 2}, {64, 192, 7168, 6144, 1, 2},
        {8, 192, 2048, 8192, 1, 2},  {32, 160, 2048, 8192, 1, 1}, {32, 192, 4096, 4096, 1, 1}, {32, 192, 4096, 2048, 1, 1},
        {32, 128, 6144, 7168, 1, 1}, {32, 159, 6144, 7168, 1, 1}, {32, 193, 6144, 7168, 1, 1}, {16, 320, 6144, 7168, 1, 1},
        {6, 1024, 6144, 7168, 1, 1}, {32, 192, 6144, 7168, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gemm_shape s = {.m = (int64_t)cases[i].groups * cases[i].rows, .n = cases[i].n, .k = cases[i].k,
                        .in_bytes = cases[i].fp8 ? 1 : 2, .out_bytes = 2, .fp8 = cases[i].fp8,
                        .masked_rows = cases[i].rows};
        gemm_config c = gemm_heuristic_bm(&s, 132, 0);
        ck_assert_msg(c.cluster == cases[i].cluster && c.cluster_n == 1, "%d x %d rows, %lldx%lld fp8 %d: cluster %d x %d",
                      cases[i].groups, cases[i].rows, (long long)cases[i].n, (long long)cases[i].k, cases[i].fp8,
                      c.cluster, c.cluster_n);
        if (c.cluster == 2)
            ck_assert(c.bm == 128 && c.split <= 1);
    }
}
END_TEST

/* The CTAs a persistent launch can occupy (dgk_plan_work_ctas, which sizes the runtime's
 * grid) count blocks as the kernel's tile walk does: rounded up to the cluster along each
 * axis. 3 x 5 blocks in a cluster along M are 2 x 5 cluster tiles, 20 CTAs (counting the
 * blocks first and rounding after gave 16: a second round of tiles on four clusters). The
 * contiguous walk pairs fixed blocks with group ids, any block with group offsets. */
static const dgk_plan *stock_plan(dgkc_unit **u, const char *name, const char *src, const char *kernel,
                                  const char *const *defs, int n)
{
    *u = fixture_lower(name, src, defs, n);
    int k = dgkc_kernel_index(*u, kernel);
    ck_assert_int_ge(k, 0);
    ck_assert_int_eq(dgkc_plan_kernel(*u, "sm_90a", k), DGKC_OK);
    return dgkc_kernel_plan(*u, k);
}

/* The FP8 stock kernel `kernel` (gemm_fp8.dgk, or grouped_fp8.dgk for the m_grouped_*
 * ones) with the definitions of `defs` up to the first NULL (at most `max`). */
static const dgk_plan *stock_fp8_plan(dgkc_unit **u, const char *kernel, const char *const *defs, int max)
{
    int n = 0;
    while (n < max && defs[n])
        n++;
    const int grouped = strncmp(kernel, "m_grouped", 9) == 0;
    return stock_plan(u, grouped ? "stdlib/grouped_fp8.dgk" : "stdlib/gemm_fp8.dgk",
                      grouped ? dgk_stdlib_grouped_fp8 : dgk_stdlib_gemm_fp8, kernel, defs, n);
}

START_TEST(plan_work_ctas)
{
    static const struct {
        const char *kernel;
        const char *defs[4];
        int64_t m, n, k, groups, ctas;
    } rows[] = {
        {"gemm_fp8_nt", {"BM=128", "BN=128", "CLUSTER=1"}, 300, 640, 2048, 1, 3 * 5},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "CLUSTER=2"}, 300, 640, 2048, 1, 4 * 5},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "CLUSTER_N=2"}, 300, 640, 2048, 1, 3 * 6},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "CLUSTER=2"}, 256, 640, 2048, 1, 2 * 5},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "SPLIT=3"}, 300, 640, 2048, 1, 3 * 5 * 3},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "SPLIT=3"}, 300, 640, 256, 1, 3 * 5 * 2}, /* 2 K blocks */
        {"m_grouped_fp8_nt_contiguous_offsets", {"BM=128", "BN=128", "CLUSTER=2", "DYN=0"}, 384, 640, 2048, 1, 3 * 2 * 5},
        {"m_grouped_fp8_nt_contiguous", {"BM=128", "BN=128", "CLUSTER=2", "DYN=0"}, 384, 640, 2048, 1, 4 * 5},
        {"m_grouped_fp8_nt_masked", {"BM=128", "BN=128"}, 300, 640, 2048, 4, 4 * 3 * 5},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        dgkc_unit *u;
        const dgk_plan *p = stock_fp8_plan(&u, rows[r].kernel, rows[r].defs, 4);
        ck_assert_msg(dgk_plan_work_ctas(p, rows[r].m, rows[r].n, rows[r].k, rows[r].groups) == rows[r].ctas,
                      "row %zu: %lld CTAs, want %lld", r,
                      (long long)dgk_plan_work_ctas(p, rows[r].m, rows[r].n, rows[r].k, rows[r].groups),
                      (long long)rows[r].ctas);
        dgkc_unit_free(u);
    }
}
END_TEST

/* fp8.sb_tile (the tile's B-scale rows by one cp.async.bulk per tile): taken with f32
 * 128x128 B scales, K a constant multiple of 512, every tile taking all K blocks and no
 * cluster along N; the SB arguments then carry the 16-byte requirement the launch checks,
 * and the emitted producer copies rows, not per-stage values. Each row fails when its
 * condition is dropped from the rule (K at launch: both `k.arg >= 0` and `k.value <= 0`
 * must go, a shape symbol's value being 0), and K = 65536 (rows of 2 KiB) stays per
 * stage. */
START_TEST(fp8_sb_tile_rule)
{
    static const struct {
        const char *kernel;
        const char *defs[5];
        int tile;
    } rows[] = {
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "CLUSTER=2"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7296"}, 0},              /* 57 K blocks: rows of 228 bytes */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168"}, 0},                        /* K at launch */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168", "CLUSTER_N=2"}, 0}, /* straddles: not sb_tma either */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "SPLIT=2"}, 0},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "TS=ue8m0"}, 0},
        {"m_grouped_fp8_nt_contiguous", {"BM=128", "BN=128", "N=4096", "K=7168"}, 1},
        {"m_grouped_fp8_nt_masked", {"BM=128", "BN=128", "N=4096", "K=7168"}, 1},
        {"m_grouped_fp8_nt_masked", {"BM=128", "BN=128", "N=4096", "K=7168", "TAIL=1"}, 0},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=32768"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=65536"}, 0},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        dgkc_unit *u;
        const dgk_plan *p = stock_fp8_plan(&u, rows[r].kernel, rows[r].defs, 5);
        ck_assert_msg(p->fp8.sb_tile == rows[r].tile, "row %zu: sb_tile %d", r, p->fp8.sb_tile);
        ck_assert_int_eq(p->fp8.sb_tma, 0);
        ck_assert_int_eq(p->args[p->fp8.sb_arg].align, rows[r].tile ? 16 : 0);
        ck_assert_int_eq(p->args[p->fp8.sb_stride_arg].align, rows[r].tile ? 16 : 0);
        if (p->fp8.sb_grouped)
            ck_assert_int_eq(p->args[p->fp8.sb_group_stride_arg].align, rows[r].tile ? 16 : 0);
        const char *cu = NULL;
        ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", dgkc_kernel_index(u, rows[r].kernel), &cu, NULL), DGKC_OK);
        ck_assert_msg((strstr(cu, "dgk_bulk_load(sb_slot, sb_lo_ptr, SB_ROW_BYTES, bar);") != NULL) == rows[r].tile, "row %zu", r);
        ck_assert_msg((strstr(cu, "+ (kb == 0 ? SB_SLOT_BYTES : 0));") != NULL) == rows[r].tile, "row %zu", r);
        ck_assert_msg((strstr(cu, "dgk_mbar_init(&full_bar[s], 2);") == NULL) == rows[r].tile, "row %zu", r);
        ck_assert_msg((count_of(cu, "read_sb(sb0, sb_at);  sb_at += 4;") > 0) == rows[r].tile, "row %zu", r);
        if (rows[r].tile && strcmp(rows[r].defs[1], "BN=144") == 0) /* straddling: two rows a tile */
            ck_assert_ptr_nonnull(strstr(cu, "dgk_bulk_load(sb_slot + SB_ROW_BYTES, sb_hi_ptr, SB_ROW_BYTES, bar);"));
        dgkc_unit_free(u);
    }
}
END_TEST

/* fp8.sb_tma (the B scales per stage by TMA, a box of four K blocks' values): taken in a
 * cluster along N with f32 scales, not grouped, one 128-column scale block per tile and K
 * a constant multiple of 512; SB is then a TMA argument with box {4, 1} and no stride, the
 * producer loads at (kb & ~3, sb_row) into 128-byte slots counted in the stage's bytes
 * (one full-barrier arrival), and the consumers read word sb_kb % 4, counting from the
 * slice's first K block under split-K. Each row fails when its condition is dropped. */
START_TEST(fp8_sb_tma_rule)
{
    static const struct {
        const char *kernel;
        const char *defs[6];
        int tma;
    } rows[] = {
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "K=16384", "CLUSTER_N=2"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "CLUSTER_N=2"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "CLUSTER_N=2", "SPLIT=2"}, 1},
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7296", "CLUSTER_N=2"}, 0}, /* rows of 228 bytes */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "CLUSTER_N=2"}, 0},           /* K at launch */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "CLUSTER_N=2", "TS=ue8m0"}, 0},
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168", "CLUSTER_N=2"}, 0},  /* straddles */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168"}, 0},                /* sb_tile */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "CLUSTER=2"}, 0},   /* sb_tile */
        {"m_grouped_fp8_nt_masked", {"BM=128", "BN=128", "N=4096", "K=7168", "CLUSTER_N=2"}, 0}, /* grouped */
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        dgkc_unit *u;
        const dgk_plan *p = stock_fp8_plan(&u, rows[r].kernel, rows[r].defs, 6);
        ck_assert_msg(p->fp8.sb_tma == rows[r].tma, "row %zu: sb_tma %d", r, p->fp8.sb_tma);
        const dgk_kernel_arg *sb = &p->args[p->fp8.sb_arg];
        ck_assert_int_eq(sb->kind, rows[r].tma ? DGK_ARG_TMA : DGK_ARG_PTR);
        ck_assert_int_eq(p->fp8.sb_stride_arg < 0, rows[r].tma);
        if (p->cluster_n > 1)
            ck_assert_int_eq(p->fp8.sb_tile, 0); /* never per tile in a cluster along N */
        if (rows[r].tma) {
            ck_assert_int_eq(sb->align, 16);
            ck_assert_int_eq(sb->tma.rank, 2);
            ck_assert_int_eq(sb->tma.box[0], 4);
            ck_assert_int_eq(sb->tma.box[1], 1);
        }
        const char *cu = NULL;
        ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", dgkc_kernel_index(u, rows[r].kernel), &cu, NULL), DGKC_OK);
        ck_assert_msg((strstr(cu, "dgk_tma_load_2d(smem_sb + stage * SB_STAGE_BYTES, &tma_SB, bar, (kb) & ~3, sb_row);") !=
                       NULL) == rows[r].tma, "row %zu", r);
        ck_assert_msg((strstr(cu, "+ 4 * (sb_kb & 3));  ++sb_kb;") != NULL) == rows[r].tma, "row %zu", r);
        ck_assert_msg((strstr(cu, "SB_STAGE_BYTES = 128 }") != NULL) == rows[r].tma, "row %zu", r);
        /* no cp.async where TMA, a per-tile copy or the producer thread (UE8M0 bytes, and f32
         * with K at launch: fp8.sb_loads) brings the scales */
        ck_assert_msg((strstr(cu, "dgk_cp_async_4(sb_dst") == NULL) ==
                          (rows[r].tma || p->fp8.sb_tile || p->fp8.sb_ue8m0 || p->fp8.sb_loads),
                      "row %zu", r);
        ck_assert_int_eq(p->fp8.sb_loads, p->k.arg >= 0 && !rows[r].tma && !p->fp8.sb_ue8m0);
        if (rows[r].tma) {
            ck_assert_ptr_nonnull(strstr(cu, "dgk_mbar_init(&full_bar[s], 1);"));
            ck_assert_ptr_nonnull(strstr(cu, p->split.slices > 1 ? "int sb_kb = k_first;" : "int sb_kb = 0;"));
            ck_assert_ptr_null(strstr(cu, "ptr_SB"));
        }
        dgkc_unit_free(u);
    }
}
END_TEST

/* fp8.unroll (plan_pipeline.c, plan_loop_form): the per-m64 K loop (BM = 256) is unrolled by 8 when a work
 * unit runs at least 96 K blocks of a compile-time K, without split-K or tail_split; a
 * one-wave launch (L2=1, l2_stream) of a tile in pieces holds its temporary whole instead
 * (no early wait either) and unrolls the loop by 2 from 32 K blocks, by 4 with UE8M0 scales
 * (by 8 its code cost more than it gained where it started uncached). No other loop is
 * unrolled, and only K loops are. Each row fails when its condition is dropped from
 * the rule, but K at launch: its k.value is 0, so `k.arg < 0` alone is not seen; the
 * k-grouped exclusion has no row (the stock k-grouped kernel has per-column B scales, so
 * neither per_m64 nor pieces, and K at launch). */
START_TEST(fp8_unroll_rule)
{
    static const struct {
        const char *kernel;
        const char *defs[6];
        int unroll, pieces;
    } rows[] = {
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "K=16384", "CLUSTER_N=2"}, 8, 0},
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "K=12288"}, 8, 0},                /* 96 K blocks, no cluster */
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "K=12160", "CLUSTER_N=2"}, 0, 0}, /* 95 */
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "CLUSTER_N=2"}, 0, 0},            /* K at launch */
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "K=16384", "SPLIT=2"}, 0, 0},     /* 64 per slice */
        {"gemm_fp8_nt", {"BM=256", "BN=128", "N=7168", "K=32768", "TS=ue8m0"}, 8, 0},
        {"m_grouped_fp8_nt_masked", {"BM=256", "BN=128", "N=7168", "K=16384"}, 8, 0},
        {"m_grouped_fp8_nt_masked", {"BM=256", "BN=128", "N=7168", "K=16384", "TAIL=1"}, 0, 0}, /* tail_split */
        {"gemm_fp8_nt", {"BM=128", "BN=192", "N=6144", "K=16384", "CLUSTER=2"}, 0, 2},   /* pieces, not per_m64, no L2 */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168", "L2=1"}, 2, 0},          /* one wave: whole */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168", "L2=1", "CLUSTER=2"}, 2, 0}, /* early wait dropped */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168", "L2=1", "TS=ue8m0"}, 4, 0},  /* UE8M0 scales */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=4096", "L2=1"}, 2, 0},          /* 32 K blocks */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=3968", "L2=1"}, 0, 2},          /* 31 */
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168", "L2=1", "SPLIT=2"}, 0, 2},
        {"gemm_fp8_nt", {"BM=128", "BN=144", "N=576", "K=7168"}, 0, 2},                  /* not one wave */
        {"gemm_fp8_nt", {"BM=128", "BN=128", "N=7168", "K=7168", "L2=1"}, 0, 0},         /* one wave, not in pieces */
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        dgkc_unit *u;
        const dgk_plan *p = stock_fp8_plan(&u, rows[r].kernel, rows[r].defs, 6);
        ck_assert_msg(p->fp8.unroll == rows[r].unroll, "row %zu: unroll %d", r, p->fp8.unroll);
        ck_assert_msg(p->fp8.pieces == rows[r].pieces, "row %zu: pieces %d", r, p->fp8.pieces);
        ck_assert_int_eq(p->fp8.per_m64, p->bm == 256);
        if (!p->fp8.pieces)
            ck_assert_msg(p->fp8.early_wait == 0, "row %zu: early_wait without pieces", r);
        const char *cu = NULL;
        ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", dgkc_kernel_index(u, rows[r].kernel), &cu, NULL), DGKC_OK);
        for (int by = 2; by <= 8; by++) {
            char pragma[32];
            snprintf(pragma, sizeof pragma, "#pragma unroll %d\n", by);
            const char *at = strstr(cu, pragma);
            ck_assert_msg((at != NULL) == (rows[r].unroll == by), "row %zu: unroll %d", r, by);
            /* each a K loop: one, or one per sb_split value where a tile straddles B-scale blocks */
            for (; at; at = strstr(at + 1, pragma)) {
                const char *next = strchr(at, '\n') + 1;
                ck_assert_msg(strncmp(next + strspn(next, " "), "for (int kb = 0; kb < k_blocks; ++kb)", 37) == 0,
                              "row %zu", r);
            }
        }
        dgkc_unit_free(u);
    }
}
END_TEST

/* The launch refuses a B-scale tensor the per-stage TMA load cannot read (fp8.sb_tma): an
 * address or a row stride not a multiple of 16 bytes, saying why, before the encoder. */
START_TEST(sb_tma_must_align)
{
    static _Alignas(16) uint8_t buf[56 * 130 * 4 + 16];
    dgkc_unit *u;
    const char *defs[] = {"BM=256", "BN=128", "N=7168", "K=16384", "CLUSTER_N=2"};
    const dgk_plan *p = stock_fp8_plan(&u, "gemm_fp8_nt", defs, 5);
    ck_assert_int_eq(p->fp8.sb_tma, 1);
    const dgk_kernel_arg *arg = &p->args[p->fp8.sb_arg];
    dgk_tensor sb = dgk_tensor_make(buf, DGK_DTYPE_F32, 2, (int64_t[]){56, 128}); /* [N/128, K/128] */
    ck_assert_int_eq(dgk_op_check_align(arg, &sb), DGK_OK);
    dgk_tensor off = dgk_tensor_make(buf + 4, DGK_DTYPE_F32, 2, (int64_t[]){56, 128});
    ck_assert_int_eq(dgk_op_check_align(arg, &off), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "tma_SB: the kernel loads it by TMA, so its address must be a multiple of 16 bytes"));
    dgk_tensor view = sb; /* rows of 129 values: a view into a wider buffer */
    view.stride[0] = 129, view.stride[1] = 1;
    ck_assert_int_eq(dgk_op_check_align(arg, &view), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "axis-0 stride must be a multiple of 16 bytes, not 516"));
    view.stride[0] = 132;
    ck_assert_int_eq(dgk_op_check_align(arg, &view), DGK_OK);
    dgkc_unit_free(u);
}
END_TEST

/* With fp8.sb_tile both sides take a ring slot per tile in the same order: the consumers
 * before any path that runs a tile's stages without mma (an idle CTA of a cluster, a
 * warpgroup skipping rows past masked_m), which would otherwise fall a slot behind. */
START_TEST(fp8_sb_ring_taken_before_skips)
{
    static const struct {
        const char *kernel;
        const char *defs[5];
        const char *skip;
    } rows[] = {
        {"m_grouped_fp8_nt_masked", {"BM=128", "BN=128", "N=4096", "K=7168", "SKIP=1"}, "if (consumer * WG_ROWS >= rows_left)"},
        {"m_grouped_fp8_nt_masked", {"BM=128", "BN=128", "N=4096", "K=7168", "CLUSTER=2"}, "if (rows_left <= 0)"},
        {"m_grouped_fp8_nt_contiguous", {"BM=128", "BN=128", "N=4096", "K=7168", "CLUSTER=2"}, "if (idle)"},
        {"m_grouped_fp8_nt_contiguous_offsets", {"BM=128", "BN=128", "N=4096", "K=7168", "CLUSTER=2"},
         "if (m_block * BM >= group_end)"},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        dgkc_unit *u;
        const char *defs[7] = {NULL};
        memcpy(defs, rows[r].defs, sizeof rows[r].defs);
        defs[5] = strstr(rows[r].kernel, "contiguous") ? "DYN=0" : NULL; /* fixed tiles: the cluster's idle path */
        const dgk_plan *p = stock_fp8_plan(&u, rows[r].kernel, defs, 6);
        ck_assert_int_eq(p->fp8.sb_tile, 1);
        const char *cu = NULL;
        ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", dgkc_kernel_index(u, rows[r].kernel), &cu, NULL), DGKC_OK);
        const char *consumers = strstr(cu, "dgk_setmaxnreg_inc<CONSUMER_REGS>();");
        ck_assert_ptr_nonnull(consumers);
        const char *take = strstr(consumers, "if (++sb_ring == SB_SLOTS) sb_ring = 0;"), *skip = strstr(consumers, rows[r].skip);
        ck_assert_msg(take && skip && take < skip, "row %zu: the consumers' slot is taken after `%s`", r, rows[r].skip);
        dgkc_unit_free(u);
    }
}
END_TEST

/* The launch refuses a B-scale tensor the per-tile row copy cannot read: an address or a
 * row stride (a group stride, grouped) not a multiple of 16 bytes, naming the argument.
 * (That bind_arg applies the check is shown on the GPU: dgk-prep-check's refusal case.) */
START_TEST(sb_rows_must_align)
{
    static _Alignas(16) uint8_t buf[64];
    dgkc_unit *u;
    const char *defs[] = {"BM=128", "BN=128", "N=4096", "K=7168"};
    const dgk_plan *p = stock_fp8_plan(&u, "m_grouped_fp8_nt_masked", defs, 4);
    const dgk_kernel_arg *ptr = &p->args[p->fp8.sb_arg], *row = &p->args[p->fp8.sb_stride_arg],
                         *grp = &p->args[p->fp8.sb_group_stride_arg];
    dgk_tensor sb = dgk_tensor_make(buf, DGK_DTYPE_F32, 3, (int64_t[]){2, 32, 56}); /* [G, N/128, K/128] */
    ck_assert_int_eq(dgk_op_check_align(ptr, &sb), DGK_OK);
    ck_assert_int_eq(dgk_op_check_align(row, &sb), DGK_OK);
    ck_assert_int_eq(dgk_op_check_align(grp, &sb), DGK_OK);
    dgk_tensor off = dgk_tensor_make(buf + 4, DGK_DTYPE_F32, 3, (int64_t[]){2, 32, 56});
    ck_assert_int_eq(dgk_op_check_align(ptr, &off), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "ptr_SB"));
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "its address must be a multiple of 16 bytes"));
    /* rows of 57 values (228 bytes): a view into a wider buffer */
    dgk_tensor view = sb;
    view.stride[0] = 32 * 57, view.stride[1] = 57, view.stride[2] = 1;
    ck_assert_int_eq(dgk_op_check_align(row, &view), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "axis-1 stride must be a multiple of 16 bytes, not 228"));
    view.stride[1] = 56, view.stride[0] = 32 * 56 + 1;
    ck_assert_int_eq(dgk_op_check_align(row, &view), DGK_OK);
    ck_assert_int_eq(dgk_op_check_align(grp, &view), DGK_EALIGN);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "axis-0 stride"));
    dgkc_unit_free(u);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("launch");
    TCase *t = tcase_create("check_launch");
    tcase_add_test(t, launch_good_shapes);
    tcase_add_test(t, launch_bad_shapes);
    tcase_add_test(t, launch_specialized);
    suite_add_tcase(s, t);
    t = tcase_create("plan");
    tcase_add_test(t, plan_abi_of_fp8);
    tcase_add_test(t, plan_fit_rows);
    tcase_add_test(t, store_rows_in_views);
    tcase_add_test(t, bf16_rows_must_align);
    tcase_add_test(t, emit_per_kernel);
    tcase_add_test(t, plan_work_ctas);
    tcase_add_test(t, fp8_sb_tile_rule);
    tcase_add_test(t, fp8_sb_tma_rule);
    tcase_add_test(t, fp8_sb_ring_taken_before_skips);
    tcase_add_test(t, sb_rows_must_align);
    tcase_add_test(t, sb_tma_must_align);
    tcase_add_test(t, fp8_unroll_rule);
    suite_add_tcase(s, t);
    t = tcase_create("heuristic");
    tcase_add_test(t, stock_op_key_overflow);
    tcase_add_test(t, heuristic_choices);
    tcase_add_test(t, heuristic_fp8_tiles);
    tcase_add_test(t, heuristic_grouped_contiguous_tiles);
    tcase_add_test(t, heuristic_grouped_contiguous_cluster);
    tcase_add_test(t, heuristic_fp8_l2_rule);
    tcase_add_test(t, heuristic_fp8_tile_prologue);
    tcase_add_test(t, stock_clusters_checked);
    tcase_add_test(t, heuristic_candidates_respect_layout);
    tcase_add_test(t, heuristic_override);
    tcase_add_test(t, stock_kernels_take_swizzle);
    tcase_add_test(t, heuristic_masked_swap);
    tcase_add_test(t, heuristic_masked_swap_few_groups);
    tcase_add_test(t, heuristic_masked_rows_cap);
    tcase_add_test(t, heuristic_masked_pair_cluster);
    tcase_add_test(t, heuristic_masked_swap_huge_rows);
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
