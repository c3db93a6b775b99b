/* test_unit.c - the libdgkc API of include/dgkc.h as compiler/unit.c implements it:
 * argument checks, -D validation, stage order (each stage once, check after a clean
 * parse only), lexical errors reported once across --dump-tokens and parse, and the
 * rendered diagnostics. */
#include "check_main.h"
#include "compiler/unit.h"
#include "dgkc.h"

static char *render(const dgkc_unit *u)
{
    char *s = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&s, &n);
    dgkc_print_diagnostics(u, m);
    fclose(m);
    return s;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

START_TEST(null_arguments)
{
    ck_assert_int_eq(dgkc_parse(NULL), DGKC_EARG);
    ck_assert_int_eq(dgkc_check(NULL), DGKC_EARG);
    ck_assert_int_eq(dgkc_define(NULL, "A", "1"), DGKC_EARG);
    ck_assert_int_eq(dgkc_dump_ast(NULL, stdout), DGKC_EARG);
    ck_assert_int_eq(dgkc_dump_tokens(NULL, stdout), DGKC_EARG);
    ck_assert_int_eq(dgkc_error_count(NULL), 0);
    dgkc_print_diagnostics(NULL, stdout);
    dgkc_unit_free(NULL);
    dgkc_unit *u = dgkc_unit_new(NULL, NULL, 0);
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, NULL, "1"), DGKC_EARG);
    ck_assert_int_eq(dgkc_dump_ast(u, NULL), DGKC_EARG);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK); /* an empty module */
    ck_assert_str_eq(u->src.name, "<input>");
    dgkc_unit_free(u);
}
END_TEST

/* The unit keeps its own NUL-terminated copy of the text. */
START_TEST(source_copy)
{
    char text[] = "kernel k() { }";
    dgkc_unit *u = dgkc_unit_new("a.dgk", text, 8); /* "kernel k" */
    text[0] = 'X';
    ck_assert_str_eq(u->src.text, "kernel k");
    ck_assert_uint_eq(u->src.len, 8);
    ck_assert_int_eq(dgkc_parse(u), DGKC_EUSER);
    char *r = render(u);
    ck_assert_str_eq(r, "a.dgk:1:9: error: unexpected end of file, expected '<' or '('\n"
                        "    kernel k\n"
                        "            ^\n");
    free(r);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(defines)
{
    dgkc_unit *u = dgkc_unit_new("d.dgk", "", 0);
    const char *good[][2] = {{"BM", "128"}, {"_x9", "-0x10"}, {"B", "true"}, {"T", "bf16"}, {"N", "1_024"}};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(dgkc_define(u, good[i][0], good[i][1]), DGKC_OK);
    const dgk_define *d = u->defines;
    for (int i = 0; i < 5; i++, d = d->next) {
        ck_assert_str_eq(d->name, good[i][0]);
        ck_assert_str_eq(d->value, good[i][1]);
    }
    ck_assert_ptr_null(d);
    ck_assert_int_eq(dgkc_error_count(u), 0);
    const char *bad[][2] = {{"", "1"}, {"9a", "1"}, {"a-b", "1"}, {"A", ""}, {"A", "1.5"}, {"A", "0x"},
                            {"A", "9223372036854775808"}, {"A", "b c"}, {"A", "1__0"}};
    for (int i = 0; i < 9; i++)
        ck_assert_msg(dgkc_define(u, bad[i][0], bad[i][1]) == DGKC_EUSER, "-D %s=%s accepted", bad[i][0], bad[i][1]);
    ck_assert_int_eq(dgkc_error_count(u), 9);
    char *r = render(u);
    ck_assert_ptr_nonnull(strstr(r, "dgk: error: -D 9a=1: '9a' is not a name (expected an identifier like BM)\n"));
    free(r);
    /* the unit still parses; the check fails because of the bad -D */
    ck_assert_int_eq(dgkc_parse(u), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_EUSER);
    dgkc_unit_free(u);
}
END_TEST

/* Each stage runs once; a failed parse is not checked. */
START_TEST(stages)
{
    const char *src = "kernel k() { x = ; }";
    dgkc_unit *u = dgkc_unit_new("s.dgk", src, strlen(src));
    ck_assert_int_eq(dgkc_check(u), DGKC_EUSER);
    ck_assert_int_eq(u->parsed, DGKC_STAGE_FAILED);
    ck_assert_int_eq(u->checked, DGKC_STAGE_NOT_RUN);
    ck_assert_int_eq(dgkc_parse(u), DGKC_EUSER);
    ck_assert_int_eq(dgkc_check(u), DGKC_EUSER);
    ck_assert_int_eq(dgkc_error_count(u), 1); /* not reported again */
    FILE *null = fopen("/dev/null", "w");
    ck_assert_int_eq(dgkc_dump_ast(u, null), DGKC_EUSER);
    fclose(null);
    dgkc_unit_free(u);
    src = "kernel k(D : f32[M]) { schedule grid (M) -> (i); }"; /* sema wants a schedule */
    u = dgkc_unit_new("s.dgk", src, strlen(src));
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(u->checked, DGKC_STAGE_OK);
    ck_assert_str_eq(u->module->kernels->name.id, "k");
    dgkc_unit_free(u);
}
END_TEST

/* A lexical error is reported once whether tokens are dumped before or after parsing. */
START_TEST(lexical_errors_once)
{
    const char *src = "kernel k() { x = 1 @ 2; }";
    for (int order = 0; order < 2; order++) {
        dgkc_unit *u = dgkc_unit_new("l.dgk", src, strlen(src));
        char *toks = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&toks, &n);
        if (order == 0) {
            ck_assert_int_eq(dgkc_dump_tokens(u, m), DGKC_EUSER);
            ck_assert_int_eq(dgkc_check(u), DGKC_EUSER);
        } else {
            ck_assert_int_eq(dgkc_check(u), DGKC_EUSER);
            ck_assert_int_eq(dgkc_dump_tokens(u, m), DGKC_EUSER);
        }
        fclose(m);
        ck_assert_ptr_nonnull(strstr(toks, "1:18 INT 1 = 1\n1:22 INT 2 = 2\n1:23 SEMI ;\n"));
        char *r = render(u);
        ck_assert_int_eq(count(r, "stray character '@'"), 1);
        ck_assert_int_eq(dgkc_error_count(u), 1);
        free(r);
        free(toks);
        dgkc_unit_free(u);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("unit");
    TCase *api = tcase_create("api");
    tcase_add_test(api, null_arguments);
    tcase_add_test(api, source_copy);
    suite_add_tcase(s, api);
    TCase *def = tcase_create("defines");
    tcase_add_test(def, defines);
    suite_add_tcase(s, def);
    TCase *st = tcase_create("stages");
    tcase_add_test(st, stages);
    tcase_add_test(st, lexical_errors_once);
    suite_add_tcase(s, st);
    return s;
}

DGK_CHECK_MAIN(make_suite)
