/* grouped_check_main.c - dgk-grouped-check: correctness of the grouped (MoE) GEMM
 * runners (grouped_runners.def: dgk's contiguous and masked entry points, BF16 and
 * FP8) on DeepGEMM's grouped shapes and the edge cases. First the self-tests (a naive
 * grouped GEMM, correct and with planted faults, on the tiny specs: the verdict must
 * tell them apart), then per spec one case (fresh inputs from the run's seed, the
 * per-group reference) and every applicable runner on it; then every contiguous runner
 * from two CUDA graphs and two more streams at once (grouped_concurrent.c; not with
 * --no-concurrent, for runs under compute-sanitizer). One
 * PASS/FAIL/SKIP line per (spec, runner); the last line is "grouped-check: N passed, M failed"; the exit
 * status is non-zero on any failure. */
#include "grouped.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: dgk-grouped-check [options]\n"
    "  --mode contig|masked|all grouped layouts to check (default all)\n"
    "  --dtype bf16|fp8|all     input dtypes (default all)\n"
    "  --shapes SET             tiny|quick|full, or specs masked:GxROWS:NxK / contig:GxROWS:NxK\n"
    "                           [,...], K a multiple of 128 (default full; --quick = --shapes quick);\n"
    "                           contig-exact:/masked-exact:GxROWS:NxK: every group ROWS rows\n"
    "                           (not drawn 0.7-1.3x)\n"
    "  --runner NAME[,NAME]     only these runners (default all; --list shows them)\n"
    "  --seed N                 reproduce a run (default: fresh, printed)\n"
    "  --no-self-test           skip the self-tests (naive runner, planted faults)\n"
    "  --no-concurrent          skip the runs from two CUDA graphs and two streams at once (slow\n"
    "                           under compute-sanitizer)\n"
    "  --list                   list the registered runners and exit\n";

typedef struct tally {
    int passed, failed, skipped;
} tally;

#define MAX_RECALL 40
static char recall[MAX_RECALL][400];
static int nrecall;

static void report(tally *t, int result, const char *what, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* result: 0 PASS, 1 FAIL, 2 SKIP. */
static void report(tally *t, int result, const char *what, const char *fmt, ...)
{
    static const char *const tag[] = {"PASS", "FAIL", "SKIP"};
    char line[600];
    int len = snprintf(line, sizeof line, "%s  %-52s ", tag[result], what);
    va_list ap;
    va_start(ap, fmt);
    if (len >= 0 && (size_t)len < sizeof line)
        vsnprintf(line + len, sizeof line - (size_t)len, fmt, ap);
    va_end(ap);
    printf("%s\n", line);
    fflush(stdout);
    if (result == 1 && nrecall < MAX_RECALL)
        memcpy(recall[nrecall++], line, sizeof line);
    int *count[] = {&t->passed, &t->failed, &t->skipped};
    (*count[result])++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int context_alive(void)
{
    void *p = NULL;
    if (cudaDeviceSynchronize() != cudaSuccess || cudaMalloc(&p, 16) != cudaSuccess)
        return 0;
    cudaFree(p);
    return cudaGetLastError() == cudaSuccess;
}

/* What went wrong (or the numbers when nothing did), after the runner's name. */
static void describe(const gg_case *c, const gg_verdict *v, char *buf, size_t len)
{
    if (v->status != GH_OK)
        snprintf(buf, len, "error: %s", gh_error());
    else if (v->unwritten || v->nonfinite)
        snprintf(buf, len, "unwritten %zu, non-finite %zu (first at row %lld col %lld), diff %.2e",
                 v->unwritten, v->nonfinite, (long long)v->first_bad_row,
                 (long long)v->first_bad_col, v->diff);
    else if (v->padding_touched)
        snprintf(buf, len, "padding written: %zu elements (first in row %lld), diff %.2e",
                 v->padding_touched, (long long)v->first_touched_row, v->diff);
    else if (v->has_q)
        snprintf(buf, len, "diff %.2e %s %.0e (worst group %d)  max|err| %.3g (ref rms %.3g)  recipe-exact diff %.1e %s %.0e%s",
                 v->diff, v->diff < v->bar ? "<" : ">=", v->bar, v->diff_group, v->max_abs, v->ref_rms, v->diff_q,
                 v->diff_q < v->bar_q ? "<" : ">=", v->bar_q,
                 gh_recipe_noise(v->diff, v->bar, v->recipe_diff) ? "  (the quantized inputs alone are at this diff)" : "");
    else
        snprintf(buf, len, "diff %.2e %s %.0e (worst group %d)  max|err| %.3g (ref rms %.3g)",
                 v->diff, v->diff < v->bar ? "<" : ">=", v->bar, v->diff_group, v->max_abs,
                 v->ref_rms);
    (void)c;
}

/* "rows 33280 (valid 32514; 4 groups 6107..10421)" */
static void rows_str(const gg_case *c, char *buf, size_t len)
{
    int lo = c->rows[0], hi = c->rows[0];
    for (int g = 1; g < c->spec.groups; g++) {
        lo = c->rows[g] < lo ? c->rows[g] : lo;
        hi = c->rows[g] > hi ? c->rows[g] : hi;
    }
    snprintf(buf, len, "rows %lld, valid %lld, per group %d..%d", (long long)c->m_rows,
             (long long)c->valid_rows, lo, hi);
}

typedef struct run_state {
    const gh_opts *o;
    unsigned modes;
    tally t;
    cudaStream_t s;
    int case_no;
    int dead;
} run_state;

static int runner_wanted(const run_state *st, const gg_runner *r, const gg_spec *sp)
{
    return r->mode == sp->mode && st->o->want_in[r->in] && gh_name_in_list(st->o->runners, r->name);
}

/* A fault "can show" on a case: padding needs contig padding rows, the rest valid rows. */
static int can_show(const gg_case *c, const gg_self *x)
{
    if (x->must_pass)
        return 1;
    if (x->r.fn == gg_fault_padding)
        return c->spec.mode == GG_CONTIG && c->m_rows > c->valid_rows;
    return c->valid_rows > 0;
}

static int run_one(run_state *st, gg_case *c, const gg_runner *r, int must_pass, const char *what)
{
    gg_verdict v;
    char why[400];
    GH_TRY(gg_case_run(c, r, &v, st->s));
    describe(c, &v, why, sizeof why);
    int ok = must_pass ? v.pass : !v.pass && v.status == GH_OK;
    report(&st->t, ok ? 0 : 1, what, "%-26s %s%s", r->name,
           must_pass ? "" : ok ? "caught as it must be: " : "NOT CAUGHT: ", why);
    if (v.status == GH_ERROR && !context_alive()) {
        st->dead = 1;
        return GH_ERROR;
    }
    return GH_OK;
}

static int self_tests(run_state *st)
{
    static gg_spec specs[GG_MAX_SPECS];
    int n = gg_specs_check("tiny", (1u << GG_MODE_COUNT) - 1, specs, GG_MAX_SPECS);
    for (int i = 0; i < n; i++) {
        gg_case c;
        char what[128];
        snprintf(what, sizeof what, "self-test ");
        gg_spec_str(&specs[i], what + strlen(what), sizeof what - strlen(what));
        int rc = gg_case_setup(&c, &specs[i], gh_seed_mix(st->o->seed, 0x5e1f00u + (uint64_t)i), st->s);
        for (int j = 0; rc == GH_OK && j < gg_selftest_count; j++) {
            const gg_self *x = &gg_selftests[j];
            if (x->r.mode == specs[i].mode && can_show(&c, x))
                rc = run_one(st, &c, &x->r, x->must_pass, what);
        }
        if (rc != GH_OK)
            report(&st->t, 1, what, "harness: %s", gh_error());
        gg_case_free(&c);
        if (st->dead)
            return GH_ERROR;
    }
    return GH_OK;
}

static int check_spec(run_state *st, const gg_spec *sp)
{
    const gg_runner *use[16];
    int n = 0;
    for (int i = 0; i < gg_runner_count && n < 16; i++)
        if (runner_wanted(st, &gg_runners[i], sp))
            use[n++] = &gg_runners[i];
    if (n == 0)
        return GH_OK;
    char what[128], rows[96];
    gg_spec_str(sp, what, sizeof what);
    gg_case c;
    int rc = gg_case_setup(&c, sp, gh_seed_mix(st->o->seed, (uint64_t)st->case_no++), st->s);
    if (rc == GH_OK) {
        rows_str(&c, rows, sizeof rows);
        printf("--    %s: %s\n", what, rows);
    }
    for (int i = 0; rc == GH_OK && i < n; i++)
        rc = run_one(st, &c, use[i], 1, what);
    if (rc != GH_OK && !st->dead)
        report(&st->t, 1, what, "harness: %s", gh_error());
    gg_case_free(&c);
    return st->dead ? GH_ERROR : GH_OK;
}

static int check_all(run_state *st)
{
    static gg_spec specs[GG_MAX_SPECS];
    int n = gg_specs_check(st->o->shapes, st->modes, specs, GG_MAX_SPECS);
    for (int i = 0; i < n; i++)
        GH_TRY(check_spec(st, &specs[i]));
    return GH_OK;
}

#ifndef GH_EMU
/* One PASS/FAIL line for a runner's concurrent run: the first launch that went wrong. */
static void report_concurrent(run_state *st, const gg_runner *r, const gg_spec *sp, const gg_case *c,
                              const gg_verdict *v, int rc, int round)
{
    static const char *const where[GG_CONCURRENT] = {"graph 1", "graph 2", "eager stream 1", "eager stream 2"};
    char what[128], why[400], at[64];
    gg_spec_str(sp, what, sizeof what);
    strncat(what, " concurrent", sizeof what - strlen(what) - 1);
    if (rc != GH_OK) {
        report(&st->t, 1, what, "%-26s harness: %s", r->name, gh_error());
        return;
    }
    int bad = 0;
    while (bad < GG_CONCURRENT && v[bad].status == GH_OK && v[bad].pass)
        bad++;
    if (bad == GG_CONCURRENT) {
        report(&st->t, 0, what, "%-26s 2 graphs + 2 streams at once, %d rounds: all correct", r->name, round + 1);
        return;
    }
    describe(&c[bad], &v[bad], why, sizeof why);
    if (round < 0)
        snprintf(at, sizeof at, "the warm-up call on the capture stream");
    else
        snprintf(at, sizeof at, "round %d, %s", round, where[bad]);
    report(&st->t, 1, what, "%-26s %s: %s", r->name, at, why);
}

/* One shape, every runner of its mode: four copies of the case, computed at once. */
static int check_concurrent_spec(run_state *st, const gg_spec *spec)
{
    const gg_spec sp = *spec;
    for (int i = 0; i < gg_runner_count; i++) {
        const gg_runner *r = &gg_runners[i];
        if (!runner_wanted(st, r, &sp) || strncmp(r->name, "cublaslt-", 9) == 0)
            continue; /* the cuBLASLt baseline shares one workspace (grouped_runners_lt.c) */
        gg_case c[GG_CONCURRENT];
        gg_verdict v[GG_CONCURRENT];
        int round = -1, rc = GH_OK;
        uint64_t seed = gh_seed_mix(st->o->seed, 0xc0c0u + (uint64_t)i);
        memset(c, 0, sizeof c);
        for (int j = 0; j < GG_CONCURRENT && rc == GH_OK; j++)
            rc = gg_case_setup(&c[j], &sp, seed, st->s);
        if (rc == GH_OK)
            rc = gg_concurrent_run(c, r, 50, v, &round);
        report_concurrent(st, r, &sp, c, v, rc, round);
        for (int j = 0; j < GG_CONCURRENT; j++)
            gg_case_free(&c[j]);
        if (rc != GH_OK && !context_alive())
            return st->dead = 1, GH_ERROR;
    }
    return GH_OK;
}

/* Every contiguous runner, and every masked one at a K where the FP8 kernel cuts its tail
 * tiles by K (tail_split: each of these few tiles is a tail tile), from two CUDA graphs
 * and two more streams at once (grouped_concurrent.c): the workspace counters must not be
 * shared between launches. */
static int check_concurrent(run_state *st)
{
    static const gg_spec specs[2] = {
        {.mode = GG_CONTIG, .groups = 4, .rows = 256, .n = 512, .k = 512},
        {.mode = GG_MASKED, .groups = 6, .rows = 200, .max_m = 512, .n = 512, .k = 6144},
    };
    for (int s = 0; s < 2; s++) {
        int rc = (st->modes & (1u << specs[s].mode)) ? check_concurrent_spec(st, &specs[s]) : GH_OK;
        if (rc != GH_OK)
            return rc;
    }
    return GH_OK;
}
#endif

static void header(const run_state *st)
{
    gh_device d;
    char dev[512], date[64];
    if (gh_device_info(&d) == GH_OK)
        gh_device_str(&d, dev, sizeof dev);
    else
        snprintf(dev, sizeof dev, "(device query failed: %s)", gh_error());
    gh_now_str(date, sizeof date);
    printf("dgk-grouped-check  %s\n", dev);
    printf("  %s, seed 0x%016llx (--seed to reproduce), shapes %s, contiguous alignment %d rows\n",
           date, (unsigned long long)st->o->seed, st->o->shapes, gg_alignment());
    printf("  every valid output row is compared; bars per group: bf16 diff < 1e-5, fp8 diff < "
           "1e-3 against the BF16 product of the unquantized inputs; contig padding rows must "
           "keep their poison; masked rows past masked_m are not checked\n");
}


/* Removes --no-concurrent from argv (the shared option parser does not know it); returns
 * whether it was there. */
static int take_no_concurrent(int *argc, char **argv)
{
    int out = 1, found = 0;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--no-concurrent") == 0)
            found = 1;
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return found;
}

static int parse(int argc, char **argv, gh_opts *o, unsigned *modes)
{
    gh_opts_default(o);
    o->grouped_specs = 1;
    if (gg_take_mode(&argc, argv, modes) != 0 || gh_opts_parse(o, argc, argv) != 0 ||
        !gg_specs_known(o->shapes, *modes, gg_specs_check)) {
        fprintf(stderr, "dgk-grouped-check: %s\n%s", gh_error(), usage);
        return -1;
    }
    if (o->bench_only) {
        fprintf(stderr, "dgk-grouped-check: %s is a dgk-grouped-bench option\n%s", o->bench_only, usage);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    gh_opts o;
    run_state st;
    memset(&st, 0, sizeof st);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return fputs(usage, stdout), 0;
    int concurrent = !take_no_concurrent(&argc, argv);
    if (parse(argc, argv, &o, &st.modes) != 0)
        return 2;
    if (o.list)
        return gg_runners_print(stdout), 0;
    st.o = &o;
    double t0 = now_s();
    header(&st);
    int rc = cudaStreamCreate(&st.s) == cudaSuccess ? GH_OK : GH_ERROR;
    if (rc != GH_OK)
        gh_set_error("cudaStreamCreate failed: is there a GPU?");
    if (rc == GH_OK && o.self_test)
        rc = self_tests(&st);
    if (rc == GH_OK)
        rc = check_all(&st);
#ifndef GH_EMU
    if (rc == GH_OK && concurrent)
        rc = check_concurrent(&st);
#else
    (void)concurrent; /* the emulator has no streams to run at once */
#endif
    if (rc != GH_OK) {
        printf("FATAL  %s; remaining cases not run\n", gh_error());
        st.t.failed++;
    }
    if (nrecall)
        printf("\nfailures%s:\n", st.t.failed > nrecall ? " (first 40)" : "");
    for (int i = 0; i < nrecall; i++)
        printf("%s\n", recall[i]);
    printf("grouped-check: %d passed, %d failed (%d skipped; %.1f s)\n", st.t.passed, st.t.failed,
           st.t.skipped, now_s() - t0);
    return st.t.failed ? 1 : 0;
}
