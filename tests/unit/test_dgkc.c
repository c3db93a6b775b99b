/* test_dgkc.c - the dgkc command (compiler/dgkc_main.c) run as a program: exit status
 * 0/1/2, where output goes, -D, stdin, and files that are missing, directories or
 * binary. Finds dgkc next to this test binary (BUILD/tests/.. -> BUILD/bin/dgkc). */
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "lex_util.h"

static char dgkc[PATH_MAX + 32];
static char dir[] = "/tmp/dgkc_test_XXXXXX";

static void setup(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(dgkc, sizeof dgkc, "%s/../bin/dgkc", self);
    ck_assert_msg(access(dgkc, X_OK) == 0, "no dgkc at %s", dgkc);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Writes a file under the temp dir; returns its path (static buffer per call slot). */
static const char *file(const char *name, const char *data, size_t len)
{
    static char paths[4][PATH_MAX];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

static char out[1 << 16], err[1 << 16];

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs `dgkc ARGS` (ARGS is shell text) with stdin from `in` (or /dev/null); fills
 * out/err and returns the exit status. */
static int run(const char *args, const char *in)
{
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s <%s >out.txt 2>err.txt", dir, dgkc, args, in ? in : "/dev/null");
    int st = system(cmd);
    ck_assert(WIFEXITED(st));
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/out.txt", dir);
    slurp(p, out, sizeof out);
    snprintf(p, sizeof p, "%s/err.txt", dir);
    slurp(p, err, sizeof err);
    return WEXITSTATUS(st);
}

#define ck_has(buf, s) ck_assert_msg(strstr((buf), (s)) != NULL, "'%s' not in:\n%s", (s), (buf))

/* Valid to the checker too (SPEC sections 3-8), and declares every name the -D tests
 * set, since -D of an undeclared name is an error. */
static const char good[] = "kernel k<BM = 64, USE = false, T: dtype = f32, X = 0, Y = 0, Z = 1>(A : f32[M, N]) {\n"
                           "  schedule grid (cdiv(M, BM)) -> (i);\n"
                           "  A[i*BM +: BM, 0 +: 8] = zeros(f32[BM, 8]);\n"
                           "}\n";

/* ---------------------------------------------------------------- status codes */

START_TEST(check_ok_and_errors)
{
    file("good.dgk", good, strlen(good));
    ck_assert_int_eq(run("check good.dgk", NULL), 0);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(err, "");
    file("bad.dgk", "kernel k() { x = ; }\n", 21);
    ck_assert_int_eq(run("check bad.dgk", NULL), 1);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(err, "bad.dgk:1:18: error: unexpected ';', expected an expression\n"
                          "    kernel k() { x = ; }\n"
                          "                     ^\n");
}
END_TEST

START_TEST(usage_errors)
{
    file("good.dgk", good, strlen(good));
    struct { const char *args; const char *msg; } cases[] = {
        {"", "no command given"},
        {"frobnicate good.dgk", "unknown command 'frobnicate'"},
        {"check --frob good.dgk", "unknown option '--frob'"},
        {"check", "no input file"},
        {"check good.dgk good.dgk", "more than one input file"},
        {"check -D", "-D needs an argument"},
        {"check -D BM good.dgk", "-D BM: expected NAME=VALUE"},
        {"check -D 1X=3 good.dgk", "'1X' is not a name"},
        {"check -D BM=1.5 good.dgk", "the value must be an integer, true, false or a dtype name"},
        {"check -D BM=99999999999999999999 good.dgk", "does not fit in 64 bits"},
        {"check -D BM=9223372036854775808 good.dgk", "does not fit in 64 bits"},
        {"check -D BM=1_ good.dgk", "the value must be an integer"},
        {"check missing.dgk", "cannot read 'missing.dgk': No such file or directory"},
        {"check .", "cannot read '.': Is a directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(run(cases[i].args, NULL) == 2, "dgkc %s: not exit 2", cases[i].args);
        ck_has(err, cases[i].msg);
        ck_assert_str_eq(out, "");
    }
}
END_TEST

START_TEST(unreadable_file)
{
    if (geteuid() == 0)
        return; /* root reads anything: nothing to test */
    const char *p = file("secret.dgk", good, strlen(good));
    chmod(p, 0);
    ck_assert_int_eq(run("check secret.dgk", NULL), 2);
    ck_has(err, "cannot read 'secret.dgk': Permission denied");
}
END_TEST

START_TEST(help_and_version)
{
    ck_assert_int_eq(run("--help", NULL), 0);
    ck_has(out, "usage: dgkc COMMAND");
    ck_has(out, "check");
    ck_has(out, "-D NAME=VALUE");
    ck_assert_int_eq(run("check --help", NULL), 0);
    ck_has(out, "usage:");
    ck_assert_int_eq(run("--version", NULL), 0);
    ck_assert_str_eq(out, "dgkc 0.1.0\n");
}
END_TEST

/* ---------------------------------------------------------------- features */

START_TEST(defines)
{
    /* sema rejects -D names no kernel declares, so this kernel declares them all */
    static const char defs[] = "kernel k<BM = 64, USE: bool = false, T: dtype = f32, X = 0, Y = 0, Z = 0>(A : f32[N]) {\n"
                               "  schedule grid (1) -> (i);\n}\n";
    file("good.dgk", defs, strlen(defs));
    ck_assert_int_eq(run("check -D BM=128 -DN=0x40 -D USE=true -D T=bf16 -D X=-1 -D Y=-9223372036854775808 -D Z=1_000 good.dgk", NULL), 0);
    ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(dumps)
{
    file("good.dgk", good, strlen(good));
    ck_assert_int_eq(run("--dump-tokens good.dgk", NULL), 0);
    ck_has(out, "1:1 KERNEL kernel\n1:8 IDENT k\n1:9 LT <\n");
    ck_has(out, "1:15 INT 64 = 64\n");
    ck_has(out, "4:2 EOF\n");
    ck_assert_int_eq(run("--dump-ast good.dgk", NULL), 0);
    ck_has(out, "module\n  kernel k @1:1\n    ctparam BM int (implied) @1:10\n");
    ck_assert_int_eq(run("check --dump-ast --dump-tokens good.dgk", NULL), 0);
    ck_has(out, "1:1 KERNEL kernel\n");
    ck_has(out, "module\n");
    /* a lexical error is reported once, though both the dump and the parser lex */
    file("lexbad.dgk", "kernel k() { x = 1 @ 2; }", 25);
    ck_assert_int_eq(run("check --dump-tokens lexbad.dgk", NULL), 1);
    ck_has(err, "lexbad.dgk:1:20: error: stray character '@'");
    ck_assert_ptr_null(strstr(strstr(err, "stray") + 1, "stray"));
}
END_TEST

START_TEST(stdin_input)
{
    const char *p = file("good.dgk", good, strlen(good));
    ck_assert_int_eq(run("check -", p), 0);
    p = file("bad.dgk", "kernel k() {", 12);
    ck_assert_int_eq(run("check -", p), 1);
    ck_has(err, "<stdin>:1:13: error: unexpected end of file");
}
END_TEST

START_TEST(binary_and_big_files)
{
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + (i >> 3));
    file("junk.bin", junk, sizeof junk);
    ck_assert_int_eq(run("check junk.bin", NULL), 1);
    ck_has(err, "junk.bin:1:1: error: NUL byte in source");
    size_t n = 10 << 20;
    char *big = malloc(n);
    memset(big, '\n', n);
    memcpy(big + n - 6, "kern@\n", 6);
    file("big.dgk", big, n);
    free(big);
    ck_assert_int_eq(run("check big.dgk", NULL), 1);
    char want[64];
    snprintf(want, sizeof want, "big.dgk:%zu:5: error: stray character '@'", n - 5);
    ck_has(err, want);
}
END_TEST

/* --kernel narrows --dump-plan to one kernel: another kernel's plan error in the same
 * file is not reported, and a name the file lacks is. */
START_TEST(dump_plan_one_kernel)
{
    static const char two[] =
        "kernel g<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N]) {\n"
        "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
        "    var acc = zeros(f32[BM, BN]);\n"
        "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T); }\n"
        "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
        "}\n"
        "kernel h<BM = 256, BN = 256>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N]) {\n"
        "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
        "    var acc = zeros(f32[BM, BN]);\n"
        "    pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T); }\n"
        "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
        "}\n";
    file("two.dgk", two, strlen(two));
    ck_assert_int_eq(run("--dump-plan two.dgk", NULL), 1);
    ck_has(out, "plan g (sm_90a)\n");
    ck_has(err, "two.dgk:10:");
    ck_assert_int_eq(run("--dump-plan --kernel g two.dgk", NULL), 0);
    ck_has(out, "plan g (sm_90a)\n");
    ck_assert_ptr_null(strstr(out, "plan h"));
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(run("--dump-plan --kernel nope two.dgk", NULL), 1);
    ck_has(err, "dgkc: error: two.dgk has no kernel named 'nope'");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dgkc");
    struct { const char *name; const TTest *tests[8]; } cases[] = {
        {"status", {check_ok_and_errors, usage_errors, unreadable_file, help_and_version}},
        {"features", {defines, dumps, dump_plan_one_kernel, stdin_input, binary_and_big_files}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        for (int j = 0; j < 8 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}

DGK_CHECK_MAIN(make_suite)
