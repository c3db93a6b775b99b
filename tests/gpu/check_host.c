/* check_host.c - gh-host-check: the harness's pure host logic tested without a GPU
 * (make gpu-harness-host-check). Above all the cuBLASLt layout mapping: a CPU
 * emulation of cuBLAS's column-major D = op(A) op(B), fed the operands as
 * gh_lt_map_of describes them, must equal our row-major product in every layout.
 * Also the shape sets (DeepGEMM's list, counts), the registry's claims, flag parsing,
 * names and problem arithmetic. Prints one line per failed check and a summary;
 * exits non-zero on any failure. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void expect(int ok, const char *what)
{
    if (ok)
        passed++;
    else {
        failed++;
        printf("FAIL  %s\n", what);
    }
}

/* --- cuBLASLt layout mapping --------------------------------------------------------- */

/* Our definition: D[m][n] = sum_k A(m,k) B(k,n) with the layout's storage. */
static long ours(const gh_problem *p, const long *a, const long *b, int m, int n)
{
    int ak = gh_layout_a_kmajor(p->layout), bk = gh_layout_b_kmajor(p->layout);
    long acc = 0;
    for (int k = 0; k < p->k; k++)
        acc += a[ak ? m * p->k + k : k * p->m + m] * b[bk ? n * p->k + k : k * p->n + n];
    return acc;
}

/* cuBLAS's definition: column-major D(i,j) = sum_l op(A)(i,l) op(B)(l,j), A stored
 * rows_a x cols_a with lda, op = transpose when trans. */
static long blas(const gh_lt_map *m, const long *A, const long *B, int i, int j)
{
    long acc = 0;
    for (int l = 0; l < m->k; l++) {
        long x = m->trans_a ? A[l + i * m->lda] : A[i + l * m->lda];
        long y = m->trans_b ? B[j + l * m->ldb] : B[l + j * m->ldb];
        acc += x * y;
    }
    return acc;
}

static int map_consistent(const gh_lt_map *m)
{
    int64_t opa_rows = m->trans_a ? m->cols_a : m->rows_a, opa_cols = m->trans_a ? m->rows_a : m->cols_a;
    int64_t opb_rows = m->trans_b ? m->cols_b : m->rows_b, opb_cols = m->trans_b ? m->rows_b : m->cols_b;
    return opa_rows == m->m && opa_cols == m->k && opb_rows == m->k && opb_cols == m->n &&
           m->lda >= m->rows_a && m->ldb >= m->rows_b && m->ldd >= m->m;
}

static void test_lt_map_layout(gh_layout l, int M, int N, int K)
{
    gh_problem p = {M, N, K, l, GH_BF16, GH_BF16, GH_RECIPE_NONE, 0};
    gh_lt_map m;
    long *a = malloc(sizeof(long) * M * K), *b = malloc(sizeof(long) * N * K);
    char what[96];
    for (int i = 0; i < M * K; i++)
        a[i] = (i * 7 + 3) % 11 - 5;
    for (int i = 0; i < N * K; i++)
        b[i] = (i * 5 + 1) % 13 - 6;
    gh_lt_map_of(&p, &m);
    snprintf(what, sizeof what, "lt map %s %dx%dx%d: shapes consistent", gh_layout_name(l), M, N, K);
    expect(map_consistent(&m), what);
    int ok = 1;
    /* cuBLAS's A is our B, its B our A; D(i = n, j = m) lands at d[m * ldd + n]. */
    for (int mm = 0; mm < M; mm++)
        for (int nn = 0; nn < N; nn++)
            ok &= ours(&p, a, b, mm, nn) == blas(&m, b, a, nn, mm);
    snprintf(what, sizeof what, "lt map %s %dx%dx%d: product equals ours", gh_layout_name(l), M, N, K);
    expect(ok && m.ldd == N, what);
    free(a);
    free(b);
}

static void test_lt_map(void)
{
    for (int l = 0; l < GH_LAYOUT_COUNT; l++) {
        test_lt_map_layout((gh_layout)l, 3, 5, 7);
        test_lt_map_layout((gh_layout)l, 8, 2, 4);
    }
    gh_problem p = {64, 2112, 7168, GH_NT, GH_E4M3, GH_BF16, GH_RECIPE_BLOCK, 0};
    gh_lt_map m;
    gh_lt_map_of(&p, &m);
    expect(m.trans_a == 1 && m.trans_b == 0, "lt map NT is cuBLAS TN (what FP8 requires)");
}

/* --- shapes ----------------------------------------------------------------------------- */

static int has_shape(const gh_shape *v, int n, int m, int nn, int k, gh_layout l, gh_dtype out, int c)
{
    for (int i = 0; i < n; i++)
        if (v[i].m == m && v[i].n == nn && v[i].k == k && v[i].layout == l && v[i].out == out &&
            v[i].has_c == c)
            return 1;
    return 0;
}

static void test_shapes(void)
{
    static gh_shape v[GH_MAX_SHAPES];
    static const int ms[] = {1, 64, 128, 4096};
    static const int nk[][2] = {{2112, 7168}, {576, 7168}, {24576, 1536}, {32768, 512},
                                {7168, 16384}, {4096, 7168}, {7168, 2048}};
    int n = gh_shapes_bench("full", v, GH_MAX_SHAPES), all = 1;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 7; j++)
            all &= has_shape(v, n, ms[i], nk[j][0], nk[j][1], GH_NT, GH_BF16, 0);
    expect(n == 28 && all, "bench full = DeepGEMM's 4 M x 7 (N,K), NT, bf16 out");
    expect(gh_shapes_bench("quick", v, GH_MAX_SHAPES) == 6, "bench quick has 6 shapes");
    expect(gh_shapes_bench("tiny", v, GH_MAX_SHAPES) == 12, "bench tiny has 12 shapes");
    expect(gh_shapes_check("tiny", GH_BF16, v, GH_MAX_SHAPES) == 24 &&
               gh_shapes_check("tiny", GH_E4M3, v, GH_MAX_SHAPES) == 18,
           "check tiny has 24 bf16 / 18 fp8 cases");
    expect(gh_shapes_bench("nope", v, GH_MAX_SHAPES) == -1, "unknown shape set is an error");
    n = gh_shapes_check("1x2112x7168,129x200x384", GH_BF16, v, GH_MAX_SHAPES);
    expect(n == 8 && v[0].layout == GH_NT && v[2].layout == GH_TN && v[4].m == 129 && v[7].layout == GH_TT,
           "listed shapes come in every layout (--layout and the runners pick)");
    expect(gh_shapes_bench("4096x7168x16384,1x576x7168", v, GH_MAX_SHAPES) == 2 && v[1].m == 1,
           "the bench times a listed shape once (its sections set the layout)");
    n = gh_shapes_check("full", GH_BF16, v, GH_MAX_SHAPES);
    expect(n == 72, "check full bf16 has 72 cases");
    expect(has_shape(v, n, 4096, 129280, 7168, GH_NT, GH_F32, 0) &&
               has_shape(v, n, 4096, 129280, 7168, GH_NT, GH_F32, 1) &&
               has_shape(v, n, 1, 256, 7168, GH_NT, GH_F32, 0) &&
               has_shape(v, n, 4096, 7168, 16384, GH_TT, GH_BF16, 0) &&
               has_shape(v, n, 128, 7168, 2048, GH_NT, GH_BF16, 1),
           "check full bf16 has f32-out, C, and TT cases");
    n = gh_shapes_check("full", GH_E4M3, v, GH_MAX_SHAPES);
    int nt_only = 1;
    for (int i = 0; i < n; i++)
        nt_only &= v[i].layout == GH_NT;
    expect(n == 45 && nt_only, "check full fp8 has 45 cases, all NT");
    n = gh_shapes_check("full", GH_BF16, v, 10);
    expect(n == 10, "a shape list is cut at max");
    n = gh_shapes_accumulate("full", v, GH_MAX_SHAPES);
    all = 1;
    for (int i = 0; i < n; i++)
        all &= v[i].layout == GH_NT && v[i].out == GH_F32 && v[i].has_c;
    expect(n == 36 && all && has_shape(v, n, 1, 2112, 7168, GH_NT, GH_F32, 1) &&
               has_shape(v, n, 4096, 129280, 7168, GH_NT, GH_F32, 1),
           "accumulate full = 4 M x 9 (N,K), NT, f32 out, +C");
    expect(gh_shapes_accumulate("quick", v, GH_MAX_SHAPES) == 6 &&
               gh_shapes_accumulate("tiny", v, GH_MAX_SHAPES) == 16 &&
               gh_shapes_accumulate("nope", v, GH_MAX_SHAPES) == -1,
           "accumulate quick 6, tiny 16, unknown set an error");
    expect(gh_unchanged_allowed(1000, 0) == 8 && gh_unchanged_allowed(4096ull * 129280, 0) == 60 &&
               gh_unchanged_allowed(4096ull * 7168, 1) == 1476 && gh_unchanged_allowed(4096ull * 7168, 1) < 128 * 128,
           "unchanged elements allowed: 8 + n / 1e7; one FP8 K block 8 + n / 2e4, still below one tile");
    n = gh_shapes_wgrad_bench("full", v, GH_MAX_SHAPES);
    all = 1;
    for (int i = 0; i < n; i++)
        all &= v[i].layout == GH_NT && v[i].out == GH_F32 && v[i].has_c && v[i].n == 4096 && v[i].k % 128 == 0;
    for (int j = 0; j < 7; j++)
        all &= has_shape(v, n, nk[j][0], 4096, nk[j][1], GH_NT, GH_F32, 1);
    expect(n == 7 && all, "wgrad bench full = DeepGEMM's wgrad GEMMs: M = N_dense, N = 4096, K = K_dense, f32 +C");
    expect(gh_shapes_wgrad_bench("quick", v, GH_MAX_SHAPES) == 3 && has_shape(v, 3, 24576, 4096, 1536, GH_NT, GH_F32, 1) &&
               gh_shapes_wgrad_bench("tiny", v, GH_MAX_SHAPES) == 2 && gh_shapes_wgrad_bench("nope", v, GH_MAX_SHAPES) == -1,
           "wgrad bench quick 3, tiny 2, unknown set an error");
    expect(gh_shapes_wgrad_bench("large", v, GH_MAX_SHAPES) == 7 &&
               gh_shapes_wgrad_bench("256x512x1024,128x64x256", v, GH_MAX_SHAPES) == 2 &&
               has_shape(v, 2, 256, 512, 1024, GH_NT, GH_F32, 1) && has_shape(v, 2, 128, 64, 256, GH_NT, GH_F32, 1),
           "wgrad bench large = full; listed MxNxK shapes as f32 +C");
}

/* --- registry, options, names ------------------------------------------------------------- */

static void test_registry(void)
{
    gh_problem bf = {128, 256, 512, GH_TN, GH_BF16, GH_F32, GH_RECIPE_NONE, 1};
    gh_problem f8 = {128, 256, 512, GH_NT, GH_E4M3, GH_BF16, GH_RECIPE_NONE, 0};
    const gh_runner *lt16 = gh_runner_find("cublaslt-bf16");
    const gh_runner *blk = gh_runner_find("cublaslt-fp8-block");
    int unique = 1;
    for (int i = 0; i < gh_runner_count; i++)
        for (int j = i + 1; j < gh_runner_count; j++)
            unique &= strcmp(gh_runners[i].name, gh_runners[j].name) != 0;
    expect(unique, "runner names are unique");
    expect(lt16 && blk && gh_runner_find("cublaslt-fp8-tensor"), "the three baselines are registered");
    const gh_runner *ltw = gh_runner_find("cublaslt-fp8-wgrad");
    gh_problem wp = {128, 256, 512, GH_NT, GH_E4M3, GH_F32, GH_RECIPE_NONE, 1};
    expect(ltw && ltw->kind == GH_BASELINE && ltw->recipe == GH_RECIPE_WGRAD && gh_runner_applies(ltw, &wp) &&
               !gh_runner_applies(ltw, &f8),
           "cublaslt-fp8-wgrad: a 1x128/1x128 f32-accumulating baseline, not a dense one");
    expect(lt16 && gh_runner_applies(lt16, &bf) && !gh_runner_applies(lt16, &f8),
           "cublaslt-bf16 takes bf16 in any layout, not fp8");
    expect(blk && gh_runner_applies(blk, &f8) && blk->recipe == GH_RECIPE_BLOCK,
           "cublaslt-fp8-block takes fp8 NT with block scales");
    f8.layout = GH_NN;
    expect(blk && !gh_runner_applies(blk, &f8), "FP8 runners do not claim NN");
#ifndef GH_EMU
    const gh_runner *wg = gh_runner_find("dgk-fp8-wgrad");
    gh_problem acc = {128, 256, 512, GH_NT, GH_E4M3, GH_F32, GH_RECIPE_NONE, 1};
    expect(wg && wg->recipe == GH_RECIPE_WGRAD && (wg->caps & GH_CAP_ACCUMULATE) && gh_runner_applies(wg, &acc),
           "dgk-fp8-wgrad accumulates f32 from C with 1x128/1x128 scales");
    acc.has_c = 0;
    expect(wg && !gh_runner_applies(wg, &acc), "an accumulating runner needs C (D's start)");
    acc.has_c = 1;
    acc.out = GH_BF16;
    expect(wg && !gh_runner_applies(wg, &acc), "an accumulating runner needs f32 out");
    const gh_runner *ue = gh_runner_find("dgk-fp8-ue8m0");
    gh_problem dense = {128, 256, 512, GH_NT, GH_E4M3, GH_BF16, GH_RECIPE_NONE, 0};
    expect(ue && ue->recipe == GH_RECIPE_BLOCK_UE8M0 && gh_runner_applies(ue, &dense) && !(ue->caps & GH_CAP_ACCUMULATE),
           "dgk-fp8-ue8m0 takes the dense FP8 cases with power-of-two scales");
    const gh_runner *tn = gh_runner_find("dgk-bf16-tn");
    gh_problem t7 = {7, 264, 256, GH_TN, GH_BF16, GH_BF16, GH_RECIPE_NONE, 0}, t8 = t7, n4 = t7;
    t8.m = 8;
    n4.m = 8, n4.n = 260;
    expect(tn && !gh_runner_applies(tn, &t7) && gh_runner_applies(tn, &t8) && !gh_runner_applies(tn, &n4) &&
               gh_runner_applies(lt16, &t7),
           "dgk-bf16-tn claims only TMA-addressable rows (M, N multiples of 8), cuBLASLt any");
#endif
}

static void test_opts(void)
{
    gh_opts o;
    char *ok[] = {"x", "--dtype", "fp8", "--layout", "tt", "--runner", "a,bb", "--seed", "0x10",
                  "--quick", "--reps", "7"};
    char *bad1[] = {"x", "--dtype", "fp16"};
    char *bad2[] = {"x", "--frobnicate"};
    char *all[] = {"x", "--layout", "all"};
    gh_opts_default(&o);
    expect(gh_opts_parse(&o, 12, ok) == 0 && !o.want_in[GH_BF16] && o.want_in[GH_E4M3] &&
               o.layouts == 1u << GH_TT && o.seed == 16 && o.reps == 7 &&
               strcmp(o.shapes, "quick") == 0,
           "flags parse");
    expect(gh_name_in_list(o.runners, "bb") && gh_name_in_list(o.runners, "a") &&
               !gh_name_in_list(o.runners, "b") && gh_name_in_list(NULL, "zz"),
           "--runner lists match whole names");
    gh_opts_default(&o);
    expect(gh_opts_parse(&o, 3, bad1) == -1 && gh_opts_parse(&o, 2, bad2) == -1,
           "bad flags are errors");
    gh_opts_default(&o);
    expect(gh_opts_parse(&o, 3, all) == 0 && o.layouts == 0xfu, "--layout all");
    char *sec[] = {"x", "--sections", "wgrad"};
    char *sec_bad[] = {"x", "--sections", "both"};
    gh_opts_default(&o);
    expect(o.sections == (GH_SECTION_DENSE | GH_SECTION_WGRAD), "both bench sections by default");
    expect(gh_opts_parse(&o, 3, sec) == 0 && o.sections == GH_SECTION_WGRAD, "--sections wgrad");
    expect(gh_opts_parse(&o, 3, sec_bad) == -1, "--sections takes dense, wgrad or all");
    char *sus[] = {"x", "--sustain", "900"};
    char *sus_bad[] = {"x", "--sustain", "long"};
    gh_opts_default(&o);
    expect(o.sustain_ms == 0, "no sustained timing by default");
    expect(gh_opts_parse(&o, 3, sus) == 0 && o.sustain_ms == 900, "--sustain 900");
    expect(gh_opts_parse(&o, 3, sus_bad) == -1, "--sustain takes milliseconds");
    char *checkish[] = {"x", "--dtype", "fp8", "--no-self-test"}, *benchish[] = {"x", "--dtype", "fp8", "--reps", "3", "--sections", "dense"};
    gh_opts_default(&o);
    expect(gh_opts_parse(&o, 4, checkish) == 0 && o.bench_only == NULL, "check flags are not bench-only");
    gh_opts_default(&o);
    expect(gh_opts_parse(&o, 7, benchish) == 0 && o.bench_only && strcmp(o.bench_only, "--reps") == 0,
           "the first bench-only flag is recorded (the check programs refuse it)");
    char *grouped_spec[] = {"x", "--shapes", "masked:2x20:4096x7168"}, *colon[] = {"x", "--shapes", "128:256:512"};
    gh_opts_default(&o);
    expect(gh_opts_parse(&o, 3, grouped_spec) == -1 && gh_opts_parse(&o, 3, colon) == -1,
           "dense programs refuse grouped specs (masked:/contig:) and other text with ':' up front");
    gh_opts_default(&o);
    o.grouped_specs = 1;
    expect(gh_opts_parse(&o, 3, grouped_spec) == 0 && strcmp(o.shapes, "masked:2x20:4096x7168") == 0,
           "the grouped programs take their specs through to gg_specs_*");
    char *kt[] = {"x", "--kernel-time"};
    gh_opts_default(&o);
    expect(o.kernel_time == 0, "no kernel time by default");
    expect(gh_opts_parse(&o, 2, kt) == 0 && o.kernel_time && o.bench_only && strcmp(o.bench_only, "--kernel-time") == 0,
           "--kernel-time turns kernel time on and is bench-only");
    char *fl[] = {"x", "--flush-mb", "7630"}, *fl_bad[] = {"x", "--flush-mb", "0"};
    gh_opts_default(&o);
    expect(o.flush_mb == 0, "the timer's default flush unless asked");
    expect(gh_opts_parse(&o, 3, fl) == 0 && o.flush_mb == 7630 && o.bench_only && strcmp(o.bench_only, "--flush-mb") == 0,
           "--flush-mb 7630 (DeepGEMM's 8e9 bytes) is taken and is bench-only");
    expect(gh_opts_parse(&o, 3, fl_bad) == -1, "--flush-mb takes a positive size");
    char *cc[] = {"x", "--cold-code"};
    gh_opts_default(&o);
    expect(o.cold_code == 0, "code stays cached between runs unless asked (DeepGEMM's method)");
    expect(gh_opts_parse(&o, 2, cc) == 0 && o.cold_code && o.bench_only && strcmp(o.bench_only, "--cold-code") == 0,
           "--cold-code is taken and is bench-only");
}

/* The DeepGEMM table dgk-bench sets kernel time beside (DESIGN.md "Performance anchors"). */
static void test_anchors(void)
{
    expect(gh_deepgemm_tflops(GH_E4M3, 4096, 7168, 16384) == 1467, "DeepGEMM FP8 4096x7168x16384: 1467");
    expect(gh_deepgemm_tflops(GH_BF16, 4096, 576, 7168) == 660, "DeepGEMM BF16 4096x576x7168: 660");
    expect(gh_deepgemm_tflops(GH_BF16, 1, 2112, 7168) == 0, "no DeepGEMM BF16 number at M = 1");
    expect(gh_deepgemm_tflops(GH_E4M3, 1, 2112, 7168) == 0, "FP8 M = 1 left out (the table rounds it to 2 TFLOPS)");
    expect(gh_deepgemm_tflops(GH_E4M3, 4096, 7168, 4096) == 0, "a shape not in the table: 0");
}

static void test_names(void)
{
    gh_problem p = {4096, 7168, 16384, GH_NT, GH_E4M3, GH_BF16, GH_RECIPE_BLOCK, 0};
    double bytes = 4096.0 * 16384 + 7168.0 * 16384 + 2.0 * 4096 * 7168 +
                   4.0 * (128.0 * 4096 + 56.0 * 128);
    char s[128];
    expect(gh_layout_parse("nt") == GH_NT && gh_layout_parse("TN") == GH_TN &&
               gh_layout_parse("NX") == -1,
           "layout names parse");
    expect(gh_problem_bytes(&p) == bytes, "problem bytes = A + B + scales + D");
    expect(gh_problem_flops(&p) == 2.0 * 4096 * 7168 * 16384, "problem flops = 2MNK");
    p.recipe = GH_RECIPE_WGRAD;
    expect(gh_problem_bytes(&p) == 4096.0 * 16384 + 7168.0 * 16384 + 2.0 * 4096 * 7168 + 4.0 * 128 * (4096 + 7168),
           "wgrad scale bytes = 4 (K/128) (M + N)");
    expect(strcmp(gh_recipe_name(GH_RECIPE_WGRAD), "1x128/1x128") == 0, "wgrad recipe name");
    p.recipe = GH_RECIPE_BLOCK;
    expect(gh_diff_bar(&p) == 1e-3, "fp8 bar is 1e-3");
    p.in = GH_BF16;
    expect(gh_diff_bar(&p) == 1e-5, "bf16 bar is 1e-5");
    p.has_c = 1;
    gh_problem_str(&p, s, sizeof s);
    expect(strcmp(s, "bf16 NT M=4096 N=7168 K=16384 out=bf16 +C") == 0, "problem string");
    double v[] = {5, 1, 4, 2, 3};
    expect(gh_median(v, 5) == 3 && v[0] == 1 && v[4] == 5, "median (sorts)");
    expect(gh_align(333, 4) == 336 && gh_cdiv(2112, 128) == 17, "align / cdiv");
}

int main(void)
{
    test_lt_map();
    test_shapes();
    test_registry();
    test_opts();
    test_names();
    test_anchors();
    printf("gh-host-check: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
