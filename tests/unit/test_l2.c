/* test_l2.c - the L2 eviction policy of the operand loads without a GPU: the schedule
 * modifier `l2_stream` (persistent schedules; compiler/plan.c, plan.h l2_stream), the
 * producer code it makes (A and B loaded with evict_first, the scales never), the
 * refusals, and the stock rule that asks for it (stdlib/gemm_heuristic.c gemm_l2_rule:
 * when a launch's tiles all run at once) with its -D L2=1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "dgkc_fixture.h"
#include "compiler/plan.h"
#include "dgkc.h"
#include "stdlib/source.h"
#include "stdlib/stock.h"

/* One stock kernel with up to 6 definitions "NAME=VALUE". */
typedef struct l2_case {
    const char *file, *src, *kernel, *defs[6];
    int stream; /* the plan's l2_stream */
    int mc;     /* B multicast (a cluster along M) */
} l2_case;

static dgkc_unit *lower(const l2_case *c)
{
    int n = 0;
    while (n < 6 && c->defs[n])
        n++;
    return fixture_lower(c->file, c->src, c->defs, n);
}

#define FP8 "stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_nt"
#define BF16 "stdlib/gemm_bf16.dgk", dgk_stdlib_gemm_bf16, "gemm_bf16_nt"
#define CONTIG "stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous"
#define MASKED "stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_masked"

static const l2_case cases[] = {
    {FP8, {"N=576", "K=7168", "BN=144", "L2=1"}, 1, 0},
    {FP8, {"N=576", "K=7168", "BN=144"}, 0, 0},
    {FP8, {"N=4096", "K=7168", "BM=64", "BN=64", "SPLIT=2", "L2=1"}, 1, 0},
    {FP8, {"N=576", "K=7168", "BN=144", "CLUSTER=2", "L2=1"}, 1, 1},
    {FP8, {"N=576", "K=7168", "BN=144", "CLUSTER=2"}, 0, 1},
    {BF16, {"N=576", "K=7168", "BN=144", "L2=1"}, 1, 0},
    {BF16, {"N=2112", "K=7168", "BN=176"}, 0, 0},
    {CONTIG, {"N=576", "K=7168", "BN=144"}, 0, 0},
    {MASKED, {"N=576", "K=7168", "BN=144"}, 0, 0},
};

START_TEST(l2_stream_per_kernel)
{
    const l2_case *c = &cases[_i];
    dgkc_unit *u = lower(c);
    int k = dgkc_kernel_index(u, c->kernel);
    ck_assert_int_ge(k, 0);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", k, &cu, NULL), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, k);
    ck_assert_int_eq(p->l2_stream, c->stream);
    if (!c->stream) {
        ck_assert_msg(!strstr(cu, "_hint(") && !strstr(cu, "l2_first"), "case %d: hinted loads without l2_stream", _i);
    } else {
        /* the policy once, before the tile loop; A and B hinted, every one of their loads */
        const char *policy = strstr(cu, "const dgk_u64 l2_first = dgk_l2_policy_evict_first();");
        const char *loop = strstr(cu, "for (int tile") ? strstr(cu, "for (int tile") : strstr(cu, "for (int unit");
        ck_assert_msg(policy && loop && policy < loop && count_of(cu, "l2_policy_evict_first()") == 1,
                      "case %d: the policy", _i);
        ck_assert_int_eq(count_of(cu, "dgk_tma_load_2d_hint(smem_a"), 1);
        ck_assert_int_eq(count_of(cu, c->mc ? "dgk_tma_load_2d_mc_hint(smem_b" : "dgk_tma_load_2d_hint(smem_b"), 1);
        ck_assert_msg(!strstr(cu, "dgk_tma_load_2d(smem_a") && !strstr(cu, "dgk_tma_load_2d(smem_b") &&
                          !strstr(cu, "dgk_tma_load_2d_mc(smem_b"),
                      "case %d: an unhinted operand load", _i);
        /* the A scales of FP8 kernels come by TMA too, unhinted (B's per tile, by cp.async or by TMA) */
        ck_assert_msg(!strstr(cu, "_hint(smem_sa"), "case %d: scales hinted", _i);
        if (strstr(c->kernel, "fp8"))
            ck_assert_int_eq(count_of(cu, "dgk_tma_load_2d(smem_sa"), 1);
    }
    /* --dump-plan says so */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dgkc_dump_plan(u, "sm_90a", k, f), 0);
    fclose(f);
    ck_assert_int_eq(strstr(text, "  L2: A and B loaded with evict_first (l2_stream 1)") != NULL, c->stream);
    free(text);
    dgkc_unit_free(u);
}
END_TEST

/* A BF16 kernel with schedule `%s`. */
static const char fmt[] =
    "kernel g<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N])\n"
    "{\n"
    "    schedule %s -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 64) {\n"
    "        acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T);\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
    "}\n";

/* The checker's message for schedule `sched`, which must be refused. */
static char *refusal(const char *sched)
{
    static char src[1024];
    snprintf(src, sizeof src, fmt, sched);
    dgkc_unit *u = dgkc_unit_new("t.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_ne(dgkc_check(u), DGKC_OK);
    char *text = fixture_diagnostics(u);
    dgkc_unit_free(u);
    return text;
}

START_TEST(l2_stream_refusals)
{
    char *m = refusal("persistent (cdiv(M, BM), cdiv(N, BN)) l2_stream 2");
    ck_assert_msg(strstr(m, "l2_stream") && strstr(m, "evict_first"), "%s", m);
    free(m);
    m = refusal("grid (cdiv(M, BM), cdiv(N, BN)) l2_stream 1");
    ck_assert_msg(strstr(m, "l2_stream"), "%s", m);
    free(m);
}
END_TEST

/* The stock rule: on the final tile, split (at most one slice per K block) and clusters
 * (along M and N), whether the launch's CTAs fit on the SMs. */
START_TEST(l2_stock_rule)
{
    static const struct {
        int64_t m, n;
        gemm_config c;
        int sms, want;
    } rules[] = {
        {4096, 576, {128, 144, 1, 1, 1, 0, 0, 0}, 132, 1},  /* 32 x 4 = 128 tiles */
        {4096, 576, {128, 144, 1, 1, 1, 0, 0, 0}, 114, 0},  /* an H100 PCIe */
        {4096, 4096, {256, 128, 1, 1, 1, 0, 0, 0}, 132, 0}, /* 16 x 32 */
        {64, 4096, {64, 64, 2, 1, 1, 0, 0, 0}, 132, 1},     /* 64 tiles x 2 slices */
        {64, 4096, {64, 64, 3, 1, 1, 0, 0, 0}, 132, 0},     /* x 3 */
        {4096, 576, {128, 144, 1, 2, 1, 0, 0, 0}, 132, 1},  /* 16 clusters of 2 x 4 */
        {4160, 576, {128, 144, 1, 2, 1, 0, 0, 0}, 132, 0},  /* 17 x 2 x 4 = 136 CTAs */
        {1024, 4224, {256, 128, 1, 1, 2, 0, 0, 0}, 132, 0}, /* 4 x 17 clusters of 2 along N: 136 */
        {4224, 576, {128, 144, 1, 1, 1, 0, 0, 0}, 132, 1},  /* 33 x 4: exactly the SMs */
        {64, 4096, {64, 64, 4, 1, 1, 0, 0, 0}, 132, 1},     /* K = 256: 2 K blocks, so 2 slices */
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        gemm_shape s = {rules[i].m, rules[i].n, rules[i].c.split == 4 ? 256 : 7168, 1, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
        gemm_config c = rules[i].c;
        gemm_l2_rule(&s, rules[i].sms, &c);
        ck_assert_msg(c.l2_stream == rules[i].want, "rule %zu: %d", i, c.l2_stream);
    }
}
END_TEST

/* DGK_GEMM_L2 replaces the rule's choice both ways; without it the choice stands. */
START_TEST(l2_override)
{
    gemm_shape s = {4096, 4096, 7168, 1, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
    gemm_config c = {256, 128, 1, 1, 1, 0, 0, 0};
    gemm_l2_rule(&s, 132, &c);
    setenv("DGK_GEMM_L2", "1", 1);
    gemm_l2_override(&c);
    ck_assert_int_eq(c.l2_stream, 1);
    s.m = 64;
    gemm_l2_rule(&s, 132, &c);
    ck_assert_int_eq(c.l2_stream, 1);
    setenv("DGK_GEMM_L2", "0", 1);
    gemm_l2_override(&c);
    ck_assert_int_eq(c.l2_stream, 0);
    unsetenv("DGK_GEMM_L2");
    gemm_l2_rule(&s, 132, &c);
    gemm_l2_override(&c);
    ck_assert_int_eq(c.l2_stream, 1);
}
END_TEST

/* The defines: L2=1 for a tunable kernel only. */
START_TEST(l2_defines)
{
    gemm_shape s = {64, 4096, 7168, 1, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
    gemm_config c = {64, 64, 1, 1, 1, 0, 1, 0};
    const stock_kernel dense = {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_nt", 1, 0};
    const stock_kernel masked = {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_masked", 0, 0};
    char d[STOCK_CONFIG_DEFINES][48];
    const char *defs[STOCK_CONFIG_DEFINES];
    int n = stock_config_defines(&dense, &s, &c, d, defs), found = 0;
    for (int i = 0; i < n; i++)
        found += strcmp(defs[i], "L2=1") == 0;
    ck_assert_int_eq(found, 1);
    n = stock_config_defines(&masked, &s, &c, d, defs);
    for (int i = 0; i < n; i++)
        ck_assert_str_ne(defs[i], "L2=1");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("l2");
    TCase *tc = tcase_create("modifier");
    tcase_add_loop_test(tc, l2_stream_per_kernel, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, l2_stream_refusals);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    tc = tcase_create("stock");
    tcase_add_test(tc, l2_stock_rule);
    tcase_add_test(tc, l2_override);
    tcase_add_test(tc, l2_defines);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
