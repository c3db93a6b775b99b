/* test_emit_names.c - every identifier the SM90 emitters write is one a kernel parameter
 * may not take (backend/sm90/emit_names.c): the generated code of the stock kernels (in
 * several configurations), the examples and the golden kernels is scanned, and each
 * identifier outside comments, strings, preprocessor lines and member accesses that is
 * not one of the kernel's own parameters (or its name) must be refused as a parameter
 * name. A new local in an emitter fails here until it is listed, rather than shadowing a
 * user's shape symbol of that name. Then the refusals themselves: a keyword, a CUDA name,
 * a helper's name, as a shape symbol, a scalar or the kernel's name, each an error at
 * the declaration. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sm90/emit_internal.h"
#include "compiler/plan.h"
#include "dgkc.h"
#include "check_main.h"
#include "dgkc_fixture.h"
#include "stdlib/source.h"

/* Whether `id` is kernel i's name or one of its parameters. */
static int own_name(const dgk_plan *p, const char *id)
{
    if (strcmp(id, p->name) == 0)
        return 1;
    size_t n = strlen(p->name);
    if (strncmp(id, p->name, n) == 0 && strcmp(id + n, "_impl") == 0)
        return 1;
    for (int a = 0; a < p->nargs; a++)
        if (p->args[a].name && strcmp(id, p->args[a].name) == 0)
            return 1;
    return 0;
}

/* Appends `id` to `missing` (space separated) once. */
static void note(char *missing, size_t cap, const char *id)
{
    char word[160];
    snprintf(word, sizeof word, " %s ", id);
    if (strstr(missing, word))
        return;
    size_t len = strlen(missing);
    snprintf(missing + len, cap - len, "%s", len ? word + 1 : word); /* " a b c " */
}

/* Scans `code` from `s` to `end` (kernel plan `p`): identifiers not refused go to
 * `missing`; returns how many identifiers were checked. */
static int scan_range(const char *code, const char *s, const char *end, const dgk_plan *p, char *missing, size_t cap)
{
    const dgk_sm90_code kind = p->simt ? DGK_SM90_CODE_SIMT : DGK_SM90_CODE_GEMM;
    int checked = 0, line_start = 1;
    char prev = 0;
    while (s < end && *s) {
        if (line_start) {
            const char *t = s;
            while (*t == ' ' || *t == '\t')
                t++;
            if (*t == '#') { /* a preprocessor line */
                s = strchr(t, '\n') ? strchr(t, '\n') : t + strlen(t);
                continue;
            }
        }
        line_start = *s == '\n';
        if (s[0] == '/' && s[1] == '/') {
            s = strchr(s, '\n') ? strchr(s, '\n') : s + strlen(s);
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else if (*s == '"' || *s == '\'') {
            char q = *s++;
            while (*s && *s != q)
                s += s[0] == '\\' && s[1] ? 2 : 1;
            s += *s != 0;
            prev = q;
        } else if (isdigit((unsigned char)*s)) {
            while (isalnum((unsigned char)*s) || *s == '.' || *s == '_')
                s++;
            prev = '0';
        } else if (isalpha((unsigned char)*s) || *s == '_') {
            const char *b = s;
            while (isalnum((unsigned char)*s) || *s == '_')
                s++;
            char id[128];
            snprintf(id, sizeof id, "%.*s", (int)(s - b), b);
            if (prev != '.' && prev != '>' && !own_name(p, id)) {
                checked++;
                if (!dgk_sm90_name_clash(id, kind))
                    note(missing, cap, id);
            }
            prev = 'a';
        } else {
            if (!isspace((unsigned char)*s))
                prev = *s == '>' ? (s > code && s[-1] == '-' ? '>' : 'c') : *s; /* `->`, not a comparison */
            s++;
        }
    }
    return checked;
}

/* The end of the function whose definition starts at `s`: past the brace matching its
 * first `{` (the generated code has no braces in strings or comments that matter here:
 * those are skipped too). */
static const char *function_end(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        if (s[0] == '/' && s[1] == '/') {
            while (*s && *s != '\n')
                s++;
        } else if (*s == '"') {
            for (s++; *s && *s != '"'; s += s[0] == '\\' && s[1] ? 2 : 1)
                ;
        } else if (*s == '{') {
            depth++;
        } else if (*s == '}' && --depth == 0) {
            return s + 1;
        }
    }
    return s;
}

/* The scopes a kernel parameter's name is declared in: the kernel itself, and the
 * epilogue's functions, which take the parameters they read under the same names. The
 * other helpers (namespace scope) see none of them, so their own locals cannot clash. */
static int scan(const char *code, const dgk_plan *p, char *missing, size_t cap)
{
    static const char *const starts[] = {"extern \"C\" __global__", "static __device__ __forceinline__ float epilogue_"};
    int checked = 0;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        for (const char *at = strstr(code, starts[i]); at; at = strstr(at + 1, starts[i]))
            checked += scan_range(code, at, function_end(at), p, missing, cap);
    return checked;
}

/* Every kernel of `src` (with the definitions) that plans: emitted and scanned. Returns
 * the number of kernels scanned. */
static int scan_source(const char *name, const char *src, const char *const *defs, int ndefs, char *missing, size_t cap)
{
    dgkc_unit *u = fixture_lower(name, src, defs, ndefs);
    int kernels = 0;
    for (int k = 0; k < dgkc_kernel_count(u); k++) {
        const char *code = NULL;
        if (dgkc_emit_kernel(u, "sm_90a", k, &code, NULL) != DGKC_OK)
            continue;
        const dgk_plan *p = dgkc_kernel_plan(u, k);
        ck_assert_ptr_nonnull(p);
        ck_assert_int_gt(scan(code, p, missing, cap), 100);
        kernels++;
    }
    dgkc_unit_free(u);
    return kernels;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s (the tests run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq((long)fread(s, 1, (size_t)n, f), n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* The stock kernels in the configurations whose code differs most: clusters, split-K,
 * 256-row FP8 tiles, UE8M0 scales, the grouped forms with their modifiers, store passes
 * (`kernels`: how many of the file's kernels plan in that configuration at least; the
 * others refuse it, e.g. tail_split with a cluster). */
START_TEST(generated_names_are_refused)
{
    static const struct {
        const char *name, *src;
        const char *defs[4];
        int ndefs, kernels;
    } stock[] = {
        {"gemm_bf16.dgk", dgk_stdlib_gemm_bf16, {0}, 0, 4},
        {"gemm_bf16.dgk", dgk_stdlib_gemm_bf16, {"BM=32", "TD=f32", "HAS_C=true"}, 3, 1}, /* swapped: nt only */
        {"gemm_fp8.dgk", dgk_stdlib_gemm_fp8, {0}, 0, 2},
        {"gemm_fp8.dgk", dgk_stdlib_gemm_fp8, {"BM=256", "CLUSTER=2"}, 2, 1},
        {"gemm_fp8.dgk", dgk_stdlib_gemm_fp8, {"BN=144", "TS=ue8m0", "CLUSTER_N=2", "L2=1"}, 4, 2},
        {"gemm_fp8.dgk", dgk_stdlib_gemm_fp8, {"BM=64", "BN=64", "SPLIT=3"}, 3, 2},
        {"grouped_bf16.dgk", dgk_stdlib_grouped_bf16, {0}, 0, 4},
        {"grouped_fp8.dgk", dgk_stdlib_grouped_fp8, {0}, 0, 3},
        {"grouped_fp8.dgk", dgk_stdlib_grouped_fp8, {"DYN=0", "CLUSTER=2", "TAIL=1"}, 3, 2},
        {"grouped_fp8.dgk", dgk_stdlib_grouped_fp8, {"BM=32", "SKIP=1"}, 2, 1},
        {"k_grouped_bf16.dgk", dgk_stdlib_k_grouped_bf16, {"BN=256", "PASSES=4"}, 2, 1},
        {"k_grouped_fp8.dgk", dgk_stdlib_k_grouped_fp8, {0}, 0, 1},
        {"fp8_prep.dgk", dgk_stdlib_fp8_prep, {0}, 0, 3},
    };
    char missing[4096] = "";
    for (size_t i = 0; i < sizeof stock / sizeof stock[0]; i++) {
        int n = scan_source(stock[i].name, stock[i].src, stock[i].defs, stock[i].ndefs, missing, sizeof missing);
        ck_assert_msg(n >= stock[i].kernels, "%s (%zu): %d kernels emitted, want %d", stock[i].name, i, n,
                      stock[i].kernels);
    }
    ck_assert_msg(missing[0] == '\0', "generated names a kernel parameter could take:%s", missing);
}
END_TEST

/* The examples and the golden kernels (read from the repository). */
START_TEST(example_and_golden_names_are_refused)
{
    static const char *const files[] = {
        "examples/gemm_bias_relu.dgk", "examples/gemm_quant_fp8.dgk", "examples/moe_expert_epilogue.dgk",
        "examples/rmsnorm_fp8.dgk", "examples/row_softmax.dgk", "examples/gemm_swiglu.dgk",
        "tests/golden/emit/dual_fp8.dgk",
        "tests/golden/emit/contig_ids_fp8_cluster_m.dgk", "tests/golden/emit/contig_offsets_fp8_cluster_m.dgk",
        "tests/golden/emit/elementwise.dgk", "tests/golden/emit/elementwise_update.dgk",
        "tests/golden/emit/gemm_fp8_256.dgk", "tests/golden/emit/gemm_fp8_cluster_n_tma.dgk",
        "tests/golden/emit/gemm_fp8_rows.dgk", "tests/golden/emit/gemm_fp8_wgrad.dgk", "tests/golden/emit/gemm_small.dgk",
        "tests/golden/emit/gemm_split.dgk", "tests/golden/emit/gemm_split_fp8.dgk",
    };
    char missing[4096] = "";
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *src = read_text(files[i]);
        ck_assert_msg(scan_source(files[i], src, NULL, 0, missing, sizeof missing) >= 1, "%s: no kernel emitted", files[i]);
        free(src);
    }
    ck_assert_msg(missing[0] == '\0', "generated names a kernel parameter could take:%s", missing);
}
END_TEST

/* A parameter, shape symbol or kernel named like a keyword, a CUDA name or a helper is an
 * error at its declaration (NVRTC failed on the generated code before). */
START_TEST(clashing_names_are_errors)
{
    static const struct { const char *shape, *scalar, *kernel, *want; } bad[] = {
        {"M", "alpha", "promote", "kernel name 'promote' is the name of a helper function the SM90 emitter generates"},
        {"float", "alpha", "g", "kernel parameter name 'float' is a C++ keyword; rename it"},
        {"M", "threadIdx", "g", "kernel parameter name 'threadIdx' is a name CUDA C defines; rename it"},
        {"M", "fmaxf", "g", "kernel parameter name 'fmaxf' is a name CUDA C defines; rename it"},
        {"M", "_Tmp", "g", "kernel parameter name '_Tmp' is reserved"},
        {"M", "lane", "g", "kernel parameter name 'lane' collides with a name the SM90 emitter generates; rename it"},
        {"M", "alpha", "unsigned", "kernel name 'unsigned' is a C++ keyword; rename it"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src,
                 "kernel %s(A : bf16[%s, K], B : bf16[N, K], %s : f32, D : bf16[%s, N]) {"
                 " schedule persistent (cdiv(%s, 128), cdiv(N, 128)) -> (i, j); var acc = zeros(f32[128, 128]);"
                 " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); }"
                 " D[i*128 +: 128, j*128 +: 128] = bf16(acc * %s); }",
                 bad[i].kernel, bad[i].shape, bad[i].scalar, bad[i].shape, bad[i].shape, bad[i].scalar);
        dgkc_unit *u = dgkc_unit_new("n.dgk", src, strlen(src));
        ck_assert_ptr_nonnull(u);
        int ok = dgkc_check(u) == DGKC_OK && dgkc_lower(u) == DGKC_OK;
        if (ok)
            ok = dgkc_emit(u, "sm_90a", &(const char *){NULL}, NULL) == DGKC_OK;
        ck_assert_msg(!ok, "%s: emitted", bad[i].want);
        char *text = fixture_diagnostics(u);
        ck_assert_msg(strstr(text, bad[i].want) != NULL, "%s\nwant: %s", text, bad[i].want);
        free(text);
        dgkc_unit_free(u);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("emit_names");
    TCase *tc = tcase_create("names");
    tcase_add_test(tc, generated_names_are_refused);
    tcase_add_test(tc, example_and_golden_names_are_refused);
    tcase_add_test(tc, clashing_names_are_errors);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
