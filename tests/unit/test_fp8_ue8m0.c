/* test_fp8_ue8m0.c - FP8 GEMM with UE8M0 (power-of-two byte) scales without a GPU: the
 * dgk_gemm_fp8_nt argument checks for both scale dtypes (scale shapes, SA's TMA row
 * alignment; a consistent call gets as far as the NULL context; the weight gradient's
 * TMA-read scale rows too), and the lowering of
 * stock gemm_fp8_nt with -D TS=ue8m0 for every candidate tile: A scales staged as BM
 * bytes by TMA, B scales read as bytes, both widened with dgk_ue8m0_to_f32, the B-scale
 * bytes loaded and stored by a warp of their own; and the planner's refusal of UE8M0 1x128 B scales (the weight-gradient form). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgk.h"
#include "dgkc.h"
#include "stdlib/source.h"
#include "stdlib/stock.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

enum { M = 200, N = 384, K = 512 };

static _Alignas(16) char mem[64];

static dgk_tensor t2(dgk_dtype_id dt, int64_t a, int64_t b)
{
    return dgk_tensor_make(mem, dt, 2, (int64_t[]){a, b});
}

typedef struct args {
    dgk_tensor a, sa, b, sb, d;
} args;

/* SA [K/128, M] with its row stride padded for TMA. */
static args consistent(dgk_dtype_id ts)
{
    args x = {t2(DGK_DTYPE_E4M3, M, K), t2(ts, K / 128, M), t2(DGK_DTYPE_E4M3, N, K), t2(ts, N / 128, K / 128),
              t2(DGK_DTYPE_BF16, M, N)};
    x.sa.stride[0] = dgk_fp8_scale_stride(M, ts);
    x.sa.stride[1] = 1;
    return x;
}

static dgk_status call(const args *x)
{
    return dgk_gemm_fp8_nt(NULL, &x->a, &x->sa, &x->b, &x->sb, &x->d, NULL);
}

START_TEST(consistent_calls_reach_the_context_check)
{
    const dgk_dtype_id ts[2] = {DGK_DTYPE_F32, DGK_DTYPE_UE8M0};
    for (int i = 0; i < 2; i++) {
        args x = consistent(ts[i]);
        ck_assert_int_eq(call(&x), DGK_EINVAL);
        ck_msg_has("dgk_gemm_fp8_nt: ctx is NULL");
        x.d = t2(DGK_DTYPE_F32, M, N);
        ck_assert_int_eq(call(&x), DGK_EINVAL);
        ck_msg_has("ctx is NULL");
    }
    /* f32 rows of 200 are 800 bytes, already whole 16-byte units */
    args x = consistent(DGK_DTYPE_F32);
    x.sa = t2(DGK_DTYPE_F32, K / 128, M);
    ck_assert_int_eq(call(&x), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
}
END_TEST

START_TEST(scale_dtypes_must_match)
{
    args x = consistent(DGK_DTYPE_UE8M0);
    x.sb = t2(DGK_DTYPE_F32, N / 128, K / 128);
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
    ck_msg_has("sa and sb must both be f32 or both ue8m0");
    x = consistent(DGK_DTYPE_UE8M0);
    x.sa.dtype = x.sb.dtype = DGK_DTYPE_E4M3;
    ck_assert_int_eq(call(&x), DGK_EDTYPE);
}
END_TEST

/* UE8M0 SA rows of M = 200 bytes are not whole 16-byte units: the message gives the
 * padded stride (208). */
START_TEST(sa_rows_must_suit_tma)
{
    args x = consistent(DGK_DTYPE_UE8M0);
    x.sa = t2(DGK_DTYPE_UE8M0, K / 128, M);
    ck_assert_int_eq(call(&x), DGK_EALIGN);
    ck_msg_has("sa's row stride is 200 elements = 200 bytes; TMA needs a multiple of 16 bytes: pad it to dgk_fp8_scale_stride(200, dtype) = 208");
    x = consistent(DGK_DTYPE_F32);
    x.sa.stride[0] = M + 2;
    ck_assert_int_eq(call(&x), DGK_EALIGN);
    ck_msg_has("= 808 bytes");
    x = consistent(DGK_DTYPE_UE8M0);
    x.sa.data = mem + 8;
    ck_assert_int_eq(call(&x), DGK_EALIGN);
    ck_msg_has("not 16-byte aligned");
}
END_TEST

/* The weight gradient's SA and SB are TMA rows too (f32: M, N padded to 4). */
START_TEST(wgrad_scale_rows_must_suit_tma)
{
    enum { WM = 256, WN = 130 };
    dgk_tensor a = t2(DGK_DTYPE_E4M3, WM, K), b = t2(DGK_DTYPE_E4M3, WN, K), d = t2(DGK_DTYPE_F32, WM, WN);
    dgk_tensor sa = t2(DGK_DTYPE_F32, K / 128, WM), sb = t2(DGK_DTYPE_F32, K / 128, WN);
    ck_assert_int_eq(dgk_gemm_fp8_wgrad_nt(NULL, &a, &sa, &b, &sb, &d, NULL), DGK_EALIGN);
    ck_msg_has("dgk_gemm_fp8_wgrad_nt: sb's row stride is 130 elements = 520 bytes; TMA needs a multiple of 16 bytes: pad it to dgk_fp8_scale_stride(130, dtype) = 132");
    sb.stride[0] = dgk_fp8_scale_stride(WN, DGK_DTYPE_F32);
    sb.stride[1] = 1;
    ck_assert_int_eq(dgk_gemm_fp8_wgrad_nt(NULL, &a, &sa, &b, &sb, &d, NULL), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
    sa.stride[0] = WM + 1;
    sa.stride[1] = 1;
    ck_assert_int_eq(dgk_gemm_fp8_wgrad_nt(NULL, &a, &sa, &b, &sb, &d, NULL), DGK_EALIGN);
    ck_msg_has("sa's row stride is 257 elements");
}
END_TEST

START_TEST(scale_shapes_are_checked)
{
    args x = consistent(DGK_DTYPE_UE8M0);
    x.sa = t2(DGK_DTYPE_UE8M0, M, K / 128);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("sa must be [K / 128, M] = [4, 200]");
    x = consistent(DGK_DTYPE_UE8M0);
    x.sb = t2(DGK_DTYPE_UE8M0, K / 128, N / 128);
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("sb is [4, 3]; it must be [cdiv(N, 128), K / 128] = [3, 4]");
    x = consistent(DGK_DTYPE_F32);
    x.sb = dgk_tensor_make(mem, DGK_DTYPE_F32, 1, (int64_t[]){12});
    ck_assert_int_eq(call(&x), DGK_ESHAPE);
    ck_msg_has("a, b, sb and d must be 2-D tensors");
}
END_TEST

/* ---- the compiler side ---- */

static dgkc_unit *lower(const char *kernel, int bm, int bn, const char *ts)
{
    char v[2][16];
    snprintf(v[0], sizeof v[0], "%d", bm);
    snprintf(v[1], sizeof v[1], "%d", bn);
    dgkc_unit *u = dgkc_unit_new("stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, strlen(dgk_stdlib_gemm_fp8));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, "BM", v[0]), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "BN", v[1]), DGKC_OK);
    if (ts)
        ck_assert_int_eq(dgkc_define(u, "TS", ts), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "N", "4096"), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "K", "7168"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", dgkc_kernel_index(u, kernel)), DGKC_OK);
    return u;
}

#define HAS(text, s) ck_assert_msg(strstr((text), (s)) != NULL, "generated code lacks \"%s\"", (s))

/* Every tile the entry point may pick plans with byte scales, in no more shared memory
 * than the f32 form (the A scale stages shrink to BM bytes). */
START_TEST(every_candidate_lowers)
{
    gemm_shape s = {4096, 4096, 7168, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    gemm_config c[16];
    int n = gemm_candidates(&s, c, 16);
    ck_assert_int_ge(n, 3);
    for (int i = 0; i < n; i++) {
        dgkc_unit *u = lower("gemm_fp8_nt", c[i].bm, c[i].bn, "ue8m0"), *f = lower("gemm_fp8_nt", c[i].bm, c[i].bn, NULL);
        const dgk_plan *p = dgkc_kernel_plan(u, dgkc_kernel_index(u, "gemm_fp8_nt"));
        const dgk_plan *pf = dgkc_kernel_plan(f, dgkc_kernel_index(f, "gemm_fp8_nt"));
        ck_assert(p->fp8.enabled && p->fp8.sa_ue8m0 && p->fp8.sb_ue8m0);
        ck_assert(!pf->fp8.sa_ue8m0 && !pf->fp8.sb_ue8m0);
        ck_assert_int_eq(p->smem.sa_stage_bytes, (c[i].bm + 127) / 128 * 128);
        ck_assert_int_eq(p->args[p->fp8.sa_arg].dtype, DGK_DT_UE8M0);
        ck_assert_int_eq(p->args[p->fp8.sb_arg].dtype, DGK_DT_UE8M0);
        ck_assert_int_ge(p->stages, pf->stages);
        ck_assert_int_le(p->smem.total, 232448);
        dgkc_unit_free(u);
        dgkc_unit_free(f);
    }
}
END_TEST

START_TEST(code_reads_bytes)
{
    dgkc_unit *u = lower("gemm_fp8_nt", 128, 128, "ue8m0");
    int k = dgkc_kernel_index(u, "gemm_fp8_nt");
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", k, &cu, NULL), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, k);
    HAS(cu, "sa[mi][0] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + (mi * 64)));");
    HAS(cu, "sa[mi][1] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + (mi * 64 + 8)));");
    HAS(cu, "const dgk_u32 sa_base = dgk_smem_u32(smem_sa) + 1 * (consumer * WG_ROWS");
    HAS(cu, "const dgk_ue8m0 *__restrict__ ptr_SB");
    HAS(cu, "const dgk_ue8m0 *const sb_lo_ptr = ptr_SB");
    HAS(cu, "enum { SA_STAGE_BYTES = 128 };");
    char tx[64];
    snprintf(tx, sizeof tx, "STAGE_TX_BYTES = %d };", 128 * 128 + 128 * 128 + 128);
    HAS(cu, tx);
    ck_assert_int_eq(p->args[p->fp8.sa_arg].tma.box[0], 128);
    ck_assert_ptr_null(strstr(cu, "dgk_ld_shared_f32(addr"));
    dgkc_unit_free(u);
}
END_TEST

/* The text between `from` and the next `to`, for asserting what one part of the generated
 * kernel holds (a static buffer: the next call overwrites it). */
static const char *between(const char *cu, const char *from, const char *to)
{
    static char part[16384];
    const char *a = strstr(cu, from), *b = a ? strstr(a, to) : NULL;
    ck_assert_msg(a && b, "no \"%s\" .. \"%s\" in the generated code", from, to);
    size_t n = (size_t)(b - a) < sizeof part - 1 ? (size_t)(b - a) : sizeof part - 1;
    memcpy(part, a, n);
    part[n] = 0;
    return part;
}

/* The stock kernel specialized with `defs` (name, value pairs), planned for sm_90a. */
static dgkc_unit *lower_defs(const char *const (*defs)[2], size_t n)
{
    dgkc_unit *u = dgkc_unit_new("stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, strlen(dgk_stdlib_gemm_fp8));
    ck_assert_ptr_nonnull(u);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(dgkc_define(u, defs[i][0], defs[i][1]), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", dgkc_kernel_index(u, "gemm_fp8_nt")), DGKC_OK);
    return u;
}

/* In a one-wave launch (L2=1) the B-scale bytes are loaded and stored by one thread of the
 * producer warpgroup's second warp (fp8.sb_bytes_warp), never by the TMA thread, whose
 * first load of the tile's rows would hold back the next stages' TMA loads
 * (plan_pipeline.c); the full barrier still takes the bytes' arrival, and in a cluster the
 * warp touches its own CTA's barriers only. Over several waves (no L2=1) the TMA thread
 * keeps them, and f32 scales (copied per tile by TMA) have no such warp. */
START_TEST(byte_scales_have_their_own_warp)
{
    dgkc_unit *u = lower("gemm_fp8_nt", 128, 144, "ue8m0");
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_kernel_plan(u, dgkc_kernel_index(u, "gemm_fp8_nt"))->fp8.sb_bytes_warp, 0);
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", dgkc_kernel_index(u, "gemm_fp8_nt"), &cu, NULL), DGKC_OK);
    ck_assert_ptr_null(strstr(cu, "producer_warp"));
    HAS(cu, "const dgk_u32 sb_lo_b = dgk_ldg_u8(sb_lo_ptr + kb);");
    dgkc_unit_free(u);

    static const char *const f32[][2] = {{"BM", "128"}, {"BN", "144"}, {"L2", "1"}, {"M", "4096"}, {"N", "576"}, {"K", "7168"}};
    u = lower_defs(f32, sizeof f32 / sizeof *f32);
    ck_assert_int_eq(dgkc_kernel_plan(u, dgkc_kernel_index(u, "gemm_fp8_nt"))->fp8.sb_bytes_warp, 0);
    dgkc_unit_free(u);

    static const char *const one_wave[][2] = {{"BM", "128"}, {"BN", "144"}, {"TS", "ue8m0"}, {"L2", "1"},
                                              {"M", "4096"}, {"N", "576"}, {"K", "7168"}, {"CLUSTER", "1"}};
    for (int cluster = 1; cluster <= 2; cluster++) {
        const char *defs[8][2];
        memcpy(defs, one_wave, sizeof defs);
        defs[7][1] = cluster == 2 ? "2" : "1";
        u = lower_defs((const char *const (*)[2])defs, 8);
        int k = dgkc_kernel_index(u, "gemm_fp8_nt");
        ck_assert_int_eq(dgkc_kernel_plan(u, k)->fp8.sb_bytes_warp, 1);
        ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", k, &cu, NULL), DGKC_OK);
        HAS(cu, "dgk_mbar_init(&full_bar[s], 2);");
        HAS(cu, "const int producer_warp = dgk_warp_id();");
        const char *tma = between(cu, "if (producer_warp == 0 && dgk_elect_one())", "} else if (producer_warp == 1");
        ck_assert_ptr_null(strstr(tma, "dgk_ldg_u8"));
        ck_assert_ptr_null(strstr(tma, "dgk_st_shared_u8"));
        ck_assert_ptr_null(strstr(tma, "dgk_mbar_arrive(bar)"));
        HAS(tma, "dgk_tma_load_2d");
        if (cluster == 2)
            HAS(tma, "dgk_mbar_arrive_cluster(&peer_bar[stage], cta_rank ^ 1);");
        const char *bytes = between(cu, "} else if (producer_warp == 1 && dgk_elect_one())", "} else {");
        const char *order[] = {"const dgk_u32 sb_lo_b = dgk_ldg_u8(sb_lo_ptr + kb);",
                               "const dgk_u32 sb_hi_b = dgk_ldg_u8(sb_hi_ptr + kb);",
                               "dgk_mbar_wait(&empty_bar[stage], phase ^ 1);", "dgk_st_shared_u8(sb_dst, sb_lo_b);",
                               "dgk_st_shared_u8(sb_dst + 4, sb_hi_b);", "dgk_mbar_arrive(bar);",
                               "if (++stage == STAGES) { stage = 0; phase ^= 1; }"};
        const char *at = bytes;
        for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
            at = strstr(at, order[i]);
            ck_assert_msg(at != NULL, "cluster %d: the bytes warp lacks, in order, \"%s\"", cluster, order[i]);
        }
        ck_assert_ptr_null(strstr(bytes, "dgk_tma_load"));
        ck_assert_ptr_null(strstr(bytes, "peer_bar"));
        ck_assert_ptr_null(strstr(bytes, "arrive_cluster"));
        dgkc_unit_free(u);
    }
}
END_TEST

static const char wgrad_ue8m0[] =
    "kernel w<BM = 128, BN = 128>(\n"
    "    A : e4m3[M, K], SA : ue8m0[cdiv(K, 128), M] scales(A, 1, 128),\n"
    "    B : e4m3[N, K], SB : ue8m0[cdiv(K, 128), N] scales(B, 1, 128),\n"
    "    D : f32[M, N])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 128) {\n"
    "        acc += mma(A[i*BM +: BM, k*128 +: 128], B[j*BN +: BN, k*128 +: 128]^T)\n"
    "               * SA[k, i*BM +: BM][:, new] * SB[k, j*BN +: BN];\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] += acc;\n"
    "}\n";

START_TEST(ue8m0_per_column_b_scales_are_refused)
{
    dgkc_unit *u = dgkc_unit_new("w.dgk", wgrad_ue8m0, strlen(wgrad_ue8m0));
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    ck_assert_int_ne(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dgkc_print_diagnostics(u, f);
    fclose(f);
    ck_assert_msg(strstr(text, "w.dgk:3:") && strstr(text, "1x128 B scales (`SB[k, j * BN +: BN]`) are lowered as f32 only on sm90"),
                  "diagnostics: %s", text);
    free(text);
    dgkc_unit_free(u);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("fp8_ue8m0");
    TCase *tc = tcase_create("entry_point");
    tcase_add_test(tc, consistent_calls_reach_the_context_check);
    tcase_add_test(tc, scale_dtypes_must_match);
    tcase_add_test(tc, sa_rows_must_suit_tma);
    tcase_add_test(tc, scale_shapes_are_checked);
    tcase_add_test(tc, wgrad_scale_rows_must_suit_tma);
    suite_add_tcase(s, tc);
    tc = tcase_create("lowering");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_candidate_lowers);
    tcase_add_test(tc, code_reads_bytes);
    tcase_add_test(tc, byte_scales_have_their_own_warp);
    tcase_add_test(tc, ue8m0_per_column_b_scales_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
