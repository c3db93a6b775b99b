/* test_robust.c - the front end on hostile input: empty and comment-only files, binary
 * junk, 100000-deep nesting of every kind, huge literals, 10 MB files. Each must give
 * diagnostics (or none) and return, never crash, hang or recurse without bound; and a
 * 5,000-line valid file must parse and check well under a second. Generated at test
 * time; nothing large is committed. */
#include <time.h>

#include "check_main.h"
#include "dgkc.h"
#include "lex_util.h"

/* Growable text built by the generators below. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void repeat(text *t, const char *s, size_t times)
{
    for (size_t i = 0; i < times; i++)
        puts_(t, s);
}

/* Runs dgkc_check and renders the diagnostics; returns the status. *report gets the
 * rendered text (caller frees). */
static int check_text(const char *s, size_t len, char **report)
{
    dgkc_unit *u = dgkc_unit_new("r.dgk", s, len);
    ck_assert_ptr_nonnull(u);
    int rc = dgkc_check(u);
    size_t size = 0;
    FILE *mem = open_memstream(report, &size);
    dgkc_print_diagnostics(u, mem);
    fclose(mem);
    ck_assert_int_eq(rc == DGKC_OK, dgkc_error_count(u) == 0);
    dgkc_unit_free(u);
    return rc;
}

/* Asserts checking `s` fails with a report that contains `want`. */
static void ck_fails_with(const char *s, size_t len, const char *want)
{
    char *report = NULL;
    ck_assert_int_eq(check_text(s, len, &report), DGKC_EUSER);
    ck_assert_msg(strstr(report, want) != NULL, "report lacks '%s':\n%.2000s", want, report);
    ck_assert_uint_lt(strlen(report), 100000); /* bounded, however bad the input */
    free(report);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- trivial files */

START_TEST(empty_and_comments)
{
    char *report = NULL;
    ck_assert_int_eq(check_text("", 0, &report), DGKC_OK);
    ck_assert_str_eq(report, "");
    free(report);
    const char *c = "// only\n/* comments\n here */\n\n";
    ck_assert_int_eq(check_text(c, strlen(c), &report), DGKC_OK);
    free(report);
    ck_fails_with("/* never closed", 15, "r.dgk:1:1: error: unterminated comment");
}
END_TEST

/* ---------------------------------------------------------------- binary junk */

START_TEST(binary_junk)
{
    enum { N = 1 << 16 };
    char *junk = malloc(N);
    uint32_t x = 12345;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < N; i++) {
            x = x * 1103515245u + 12345u; /* any fixed LCG: reproducible junk */
            junk[i] = (char)(x >> 24);
        }
        char *report = NULL;
        ck_assert_int_eq(check_text(junk, N, &report), DGKC_EUSER);
        ck_assert_uint_lt(strlen(report), 100000);
        ck_assert_ptr_nonnull(strstr(report, "error: "));
        free(report);
    }
    free(junk);
}
END_TEST

START_TEST(junk_tokens_everywhere)
{
    /* every token, in a bad order, repeated: the parser recovers or stops at the limit */
    const char *soup = "kernel < > ( ) [ ] { } , ; : ? . .. +: -> ^T = += -= *= max= + - * / % << >> & | ^ ~ ! "
                       "== != <= >= && || where var let schedule pipeline stages for in if else return true false "
                       "new x 1 2.5 ";
    text t = {0};
    repeat(&t, soup, 2000);
    ck_fails_with(t.s, t.len, "too many errors");
    free(t.s);
}
END_TEST

/* ---------------------------------------------------------------- deep nesting */

START_TEST(nested_parens)
{
    text t = {0};
    puts_(&t, "kernel k() { x = ");
    repeat(&t, "(", 100000);
    puts_(&t, "1");
    repeat(&t, ")", 100000);
    puts_(&t, "; }");
    /* `kernel k() { x = ` is 17 bytes and leaves one bracket open (`{`): the 256th
     * `(` is the 257th open bracket */
    ck_fails_with(t.s, t.len, "r.dgk:1:273: error: brackets nested too deeply (more than 256 levels)");
    free(t.s);
}
END_TEST

START_TEST(nested_braces)
{
    text t = {0};
    puts_(&t, "kernel k() ");
    repeat(&t, "{", 100000);
    repeat(&t, "}", 100000);
    ck_fails_with(t.s, t.len, "r.dgk:1:13: error: unexpected '{', expected '}' or a statement");
    ck_fails_with(t.s, t.len, "too many errors");
    free(t.s);
    t = (text){0};
    puts_(&t, "kernel k() {");
    repeat(&t, "if c {\n", 100000);
    ck_fails_with(t.s, t.len, "r.dgk:256:6: error: brackets nested too deeply");
    free(t.s);
}
END_TEST

START_TEST(nested_brackets_and_calls)
{
    text t = {0};
    puts_(&t, "kernel k() { x = ");
    repeat(&t, "f(a[", 50000);
    ck_fails_with(t.s, t.len, "error: brackets nested too deeply");
    free(t.s);
}
END_TEST

START_TEST(unary_chain)
{
    text t = {0};
    puts_(&t, "kernel k() { x = ");
    repeat(&t, "-", 100000);
    puts_(&t, "1; }");
    ck_fails_with(t.s, t.len, "error: expression nested too deeply (the parser's stack is full)");
    free(t.s);
    t = (text){0};
    puts_(&t, "kernel k() { x = ");
    repeat(&t, "!~", 150);
    puts_(&t, "1; }");
    /* reported where the tree gets too deep: 256 operators from the innermost */
    ck_fails_with(t.s, t.len, "r.dgk:1:62: error: expression nested too deeply (more than 256 levels)");
    free(t.s);
}
END_TEST

/* a+a+...+a is left-deep: the tree grows while Lemon's stack does not. */
START_TEST(binary_chain)
{
    text t = {0};
    puts_(&t, "kernel k() { x = 1");
    repeat(&t, "+1", 100000);
    puts_(&t, "; }");
    ck_fails_with(t.s, t.len, "r.dgk:1:529: error: expression nested too deeply (more than 256 levels)");
    free(t.s);
    t = (text){0};
    puts_(&t, "kernel k() { x = a");
    repeat(&t, "^T", 100000);
    puts_(&t, "; }");
    ck_fails_with(t.s, t.len, "error: expression nested too deeply (more than 256 levels)");
    free(t.s);
}
END_TEST

/* Just under the limits parses, checks and prints. */
START_TEST(deep_but_legal)
{
    text t = {0};
    puts_(&t, "kernel k() { var x = ");
    repeat(&t, "(", 250);
    puts_(&t, "1");
    repeat(&t, "+1)", 250);
    puts_(&t, "; }");
    dgkc_unit *u = dgkc_unit_new("ok.dgk", t.s, t.len);
    ck_assert_int_eq(dgkc_parse(u), DGKC_OK);
    FILE *null = fopen("/dev/null", "w");
    ck_assert_int_eq(dgkc_dump_ast(u, null), DGKC_OK);
    fclose(null);
    dgkc_unit_free(u);
    free(t.s);
}
END_TEST

/* ---------------------------------------------------------------- huge tokens */

START_TEST(huge_literals)
{
    text t = {0};
    puts_(&t, "kernel k() { x = ");
    repeat(&t, "9", 100000);
    puts_(&t, "; y = 1.");
    repeat(&t, "5", 100000);
    puts_(&t, "e99999; ");
    repeat(&t, "z", 100000);
    puts_(&t, " = 0; }");
    char *report = NULL;
    ck_assert_int_eq(check_text(t.s, t.len, &report), DGKC_EUSER);
    ck_assert_ptr_nonnull(strstr(report, "r.dgk:1:18: error: integer literal too large"));
    ck_assert_ptr_nonnull(strstr(report, "error: float literal"));
    ck_assert_ptr_nonnull(strstr(report, "error: identifier is too long (100000 bytes; at most 255)"));
    ck_assert_uint_lt(strlen(report), 10000); /* source lines are shown cut short */
    free(report);
    free(t.s);
}
END_TEST

/* ---------------------------------------------------------------- 10 MB files */

enum { TEN_MB = 10 << 20 };

START_TEST(ten_mb_of_bad_statements)
{
    text t = {0};
    puts_(&t, "kernel k() {\n");
    while (t.len < TEN_MB)
        puts_(&t, "  x = y +;\n");
    puts_(&t, "}\n");
    double t0 = now();
    ck_fails_with(t.s, t.len, "too many errors");
    ck_assert_double_lt(now() - t0, 5.0);
    free(t.s);
}
END_TEST

START_TEST(ten_mb_comment_then_error)
{
    text t = {0};
    size_t lines = 0;
    puts_(&t, "/*\n");
    while (t.len < TEN_MB) {
        puts_(&t, "   a long comment line with \xe2\x9c\x93 UTF-8 in it, and * and / but not both\n");
        lines++;
    }
    puts_(&t, "*/\nkernel k() {\n  x = ;\n}\n");
    char want[64];
    snprintf(want, sizeof want, "r.dgk:%zu:7: error: unexpected ';'", lines + 4);
    ck_fails_with(t.s, t.len, want);
    free(t.s);
}
END_TEST

START_TEST(ten_mb_one_line)
{
    text t = {0};
    puts_(&t, "kernel k() { x = 1; ");
    while (t.len < TEN_MB)
        puts_(&t, "         ");
    puts_(&t, "@ }");
    char want[64];
    snprintf(want, sizeof want, "r.dgk:1:%zu: error: stray character '@'", t.len - 2);
    ck_fails_with(t.s, t.len, want);
    free(t.s);
}
END_TEST

/* ---------------------------------------------------------------- speed */

/* A valid 5,000-line file (kernels written to SPEC sections 2-8) parses and checks in
 * well under a second. */
START_TEST(five_thousand_lines)
{
    static const char *kernel_text =
        "kernel gemm_%d<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N])\n"
        "  where K %% 64 == 0\n"
        "{\n"
        "    schedule grid (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
        "    var acc = zeros(f32[BM, BN]);\n"
        "    pipeline k in 0 .. K / 64 {\n"
        "        acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T);\n"
        "    }\n"
        "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
        "}\n";
    text t = {0};
    int lines = 0;
    for (int i = 0; lines < 5000; i++, lines += 10) {
        char buf[1024];
        snprintf(buf, sizeof buf, kernel_text, i);
        puts_(&t, buf);
    }
    double t0 = now();
    dgkc_unit *u = dgkc_unit_new("big.dgk", t.s, t.len);
    int rc = dgkc_check(u);
    double dt = now() - t0;
    if (rc != DGKC_OK)
        dgkc_print_diagnostics(u, stderr);
    ck_assert_int_eq(rc, DGKC_OK);
    ck_assert_msg(dt < 1.0, "5000 lines took %.3f s", dt);
    dgkc_unit_free(u);
    free(t.s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("robust");
    struct { const char *name; const TTest *tests[8]; } cases[] = {
        {"trivial", {empty_and_comments}},
        {"junk", {binary_junk, junk_tokens_everywhere}},
        {"nesting", {nested_parens, nested_braces, nested_brackets_and_calls, unary_chain, binary_chain,
                     deep_but_legal}},
        {"huge_tokens", {huge_literals}},
        {"ten_mb", {ten_mb_of_bad_statements, ten_mb_comment_then_error, ten_mb_one_line}},
        {"speed", {five_thousand_lines}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 60); /* generous for sanitizer builds; a hang still fails */
        for (int j = 0; j < 8 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}

DGK_CHECK_MAIN(make_suite)
