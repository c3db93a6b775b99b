/* check_main.c - dgk-gemm-check: correctness of every registered GEMM runner (the
 * cuBLASLt baselines and the dgk entry points) on DeepGEMM's dense shapes. Each case
 * draws fresh random inputs from the run's seed, poisons D, runs the runner once, and
 * requires every element written and finite and diff < 1e-5 (BF16) or < 1e-3 (FP8,
 * against the BF16 product of the unquantized inputs, so quantization error counts).
 * Accumulating runners (D += A*B, the FP8 weight gradient) run on their own shapes
 * (f32 out, D starting as C) and must change every element.
 * One PASS/FAIL/SKIP line per (case, runner); the last line is "N passed, M failed";
 * the exit status is non-zero on any failure. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: dgk-gemm-check [options]\n"
    "  --dtype bf16|fp8|all     input dtypes to check (default all)\n"
    "  --layout NT|NN|TN|TT|all only this layout (default all)\n"
    "  --shapes SET           tiny|quick|full or shapes MxNxK[,...] (default full; --quick = --shapes quick)\n"
    "  --runner NAME[,NAME]     only these runners (default all; --list shows them)\n"
    "  --seed N                 reproduce a run (default: fresh, printed)\n"
    "  --no-self-test           skip the harness self-tests\n"
    "  --list                   list the registered runners and exit\n";

/* The FAIL lines again at the end, so a truncated log tail still shows them. */
#define MAX_RECALL 40
static char recall[MAX_RECALL][320];
static int nrecall;

void check_report(check_tally *t, check_result r, const char *what, const char *fmt, ...)
{
    static const char *const tag[] = {"PASS", "FAIL", "SKIP"};
    char line[320];
    int len = snprintf(line, sizeof line, "%s  %-50s ", tag[r], what);
    va_list ap;
    va_start(ap, fmt);
    if (len >= 0 && (size_t)len < sizeof line)
        vsnprintf(line + len, sizeof line - (size_t)len, fmt, ap);
    va_end(ap);
    printf("%s\n", line);
    fflush(stdout);
    if (r == CHECK_FAIL && nrecall < MAX_RECALL)
        memcpy(recall[nrecall++], line, sizeof line);
    if (r == CHECK_PASS)
        t->passed++;
    else if (r == CHECK_FAIL)
        t->failed++;
    else
        t->skipped++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* After a runner error: is the CUDA context still usable? (An illegal address is
 * sticky: every later call would fail too.) */
static int context_alive(void)
{
    void *p = NULL;
    if (cudaDeviceSynchronize() != cudaSuccess || cudaMalloc(&p, 16) != cudaSuccess)
        return 0;
    cudaFree(p);
    return cudaGetLastError() == cudaSuccess;
}

static void report_verdict(check_tally *t, const gh_runner *r, const gh_case *c,
                           const gh_verdict *v, const char *what)
{
    const gh_compare *m = &v->cmp;
    if (v->status == GH_UNSUPPORTED && r->kind == GH_BASELINE) {
        check_report(t, CHECK_SKIP, what, "%-20s unsupported: %s", r->name, gh_error());
    } else if (v->status != GH_OK) {
        check_report(t, CHECK_FAIL, what, "%-20s %s: %s", r->name,
                     v->status == GH_UNSUPPORTED ? "unsupported although claimed" : "error",
                     gh_error());
    } else if (m->unwritten || m->nonfinite) {
        check_report(t, CHECK_FAIL, what,
                     "%-20s unwritten %zu, non-finite %zu (first at row %lld col %lld), diff %.2e",
                     r->name, m->unwritten, m->nonfinite, (long long)(m->first_bad / c->p.n),
                     (long long)(m->first_bad % c->p.n), m->diff);
    } else if (m->repeat_differ) {
        check_report(t, CHECK_FAIL, what,
                     "%-20s not deterministic: %zu words of D differ between two runs on the same inputs (diff %.2e)",
                     r->name, m->repeat_differ, m->diff);
    } else if (v->has_q) {
        /* FP8: the unquantized bar, and the exact product of the quantized operands */
        int noise = gh_recipe_noise(m->diff, v->bar, v->recipe_diff);
        check_report(t, v->pass ? CHECK_PASS : CHECK_FAIL, what,
                     "%-20s diff %.2e %s %.0e  max|err| %.3g (ref rms %.3g)  recipe-exact diff %.1e %s %.0e%s",
                     r->name, m->diff, m->diff < v->bar ? "<" : ">=", v->bar, m->max_abs, m->ref_rms, v->diff_q,
                     v->diff_q < v->bar_q ? "<" : ">=", v->bar_q,
                     noise ? "  (the quantized inputs alone are at this diff: the draw's, not the kernel's)" : "");
    } else {
        check_report(t, v->pass ? CHECK_PASS : CHECK_FAIL, what,
                     "%-20s diff %.2e %s %.0e  max|err| %.3g (ref rms %.3g)", r->name, m->diff,
                     v->pass ? "<" : ">=", v->bar, m->max_abs, m->ref_rms);
    }
}

typedef struct run_state {
    const gh_opts *o;
    check_tally t;
    cudaStream_t s;
    int case_no;
    int dead;  /* the CUDA context is lost */
} run_state;

/* All applicable, selected runners on one shape: the accumulating ones on their own
 * shape set (`accumulate`), the others on the dense sets. */
static int check_shape(run_state *st, const gh_problem *p, int accumulate)
{
    const gh_runner *use[64];
    int n = 0;
    for (int i = 0; i < gh_runner_count && n < 64; i++)
        if (gh_runner_applies(&gh_runners[i], p) && gh_name_in_list(st->o->runners, gh_runners[i].name) &&
            !(gh_runners[i].caps & GH_CAP_ACCUMULATE) == !accumulate)
            use[n++] = &gh_runners[i];
    if (n == 0)
        return GH_OK;
    char what[128];
    gh_problem_str(p, what, sizeof what);
    gh_case c;
    int rc = gh_case_setup(&c, p, gh_seed_mix(st->o->seed, (uint64_t)st->case_no++), st->s);
    for (int i = 0; rc == GH_OK && i < n; i++) {
        gh_verdict v;
        rc = gh_case_run(&c, use[i], &v, st->s);
        if (rc == GH_OK)
            report_verdict(&st->t, use[i], &c, &v, what);
        if (rc == GH_OK && v.status == GH_ERROR && !context_alive())
            st->dead = 1, rc = GH_ERROR;
    }
    if (rc != GH_OK)
        check_report(&st->t, CHECK_FAIL, what, "harness: %s", gh_error());
    gh_case_free(&c);
    return st->dead ? GH_ERROR : GH_OK;
}

static int check_set(run_state *st, gh_dtype in, const gh_shape *shapes, int n, int accumulate)
{
    for (int i = 0; i < n; i++) {
        const gh_shape *sh = &shapes[i];
        if (st->o->layouts && !(st->o->layouts & (1u << sh->layout)))
            continue;
        gh_problem p = {sh->m, sh->n, sh->k, sh->layout, in, sh->out, GH_RECIPE_NONE, sh->has_c};
        GH_TRY(check_shape(st, &p, accumulate));
    }
    return GH_OK;
}

static int check_dtype(run_state *st, gh_dtype in)
{
    static gh_shape shapes[GH_MAX_SHAPES];
    int n = gh_shapes_check(st->o->shapes, in, shapes, GH_MAX_SHAPES);
    GH_TRY(check_set(st, in, shapes, n, 0));
    if (in != GH_E4M3)
        return GH_OK;
    n = gh_shapes_accumulate(st->o->shapes, shapes, GH_MAX_SHAPES);
    return check_set(st, in, shapes, n, 1);
}

static void header(const gh_opts *o)
{
    gh_device d;
    char dev[512], lt[64], date[64];
    if (gh_device_info(&d) == GH_OK)
        gh_device_str(&d, dev, sizeof dev);
    else
        snprintf(dev, sizeof dev, "(device query failed: %s)", gh_error());
    gh_cublaslt_version(lt, sizeof lt);
    gh_now_str(date, sizeof date);
    printf("dgk-gemm-check  %s\n", dev);
    printf("  %s, %s, seed 0x%016llx (--seed to reproduce), shapes %s\n", lt, date,
           (unsigned long long)o->seed, o->shapes);
    printf("  every output element is compared (no sampling); bars: bf16 diff < 1e-5, fp8 "
           "diff < 1e-3 against the BF16 product of the unquantized inputs\n");
}

int main(int argc, char **argv)
{
    gh_opts o;
    gh_opts_default(&o);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return fputs(usage, stdout), 0;
    if (gh_opts_parse(&o, argc, argv) != 0) {
        fprintf(stderr, "dgk-gemm-check: %s\n%s", gh_error(), usage);
        return 2;
    }
    if (o.bench_only) {
        fprintf(stderr, "dgk-gemm-check: %s is a dgk-bench option\n%s", o.bench_only, usage);
        return 2;
    }
    if (o.list)
        return gh_runners_print(stdout), 0;
    run_state st = {&o, {0, 0, 0}, NULL, 0, 0};
    double t0 = now_s();
    header(&o);
    int rc = cudaStreamCreate(&st.s) == cudaSuccess ? GH_OK : GH_ERROR;
    if (rc != GH_OK)
        gh_set_error("cudaStreamCreate failed: is there a GPU?");
    if (rc == GH_OK && o.self_test)
        rc = check_selftests(&st.t, o.seed, st.s);
    for (int in = 0; rc == GH_OK && in < GH_DTYPE_COUNT; in++)
        if (o.want_in[in])
            rc = check_dtype(&st, (gh_dtype)in);
    if (rc != GH_OK) {
        printf("FATAL  %s; remaining cases not run\n", gh_error());
        st.t.failed++;
    }
    gh_cublaslt_release();
    if (nrecall)
        printf("\nfailures%s:\n", st.t.failed > nrecall ? " (first 40)" : "");
    for (int i = 0; i < nrecall; i++)
        printf("%s\n", recall[i]);
    if (rc == GH_OK && st.t.passed + st.t.failed == 0) {
        /* a selection that checks nothing must not read as a pass */
        printf("FAIL   no case ran: no runner takes the selected dtype, layout and shapes\n");
        st.t.failed++;
    }
    printf("gemm-check: %d passed, %d failed (%d skipped; %.1f s)\n", st.t.passed, st.t.failed,
           st.t.skipped, now_s() - t0);
    return st.t.failed ? 1 : 0;
}
