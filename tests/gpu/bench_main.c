/* bench_main.c - dgk-bench: GEMM speed of every registered runner against the
 * cuBLASLt baselines measured in the same process on the same card, on DeepGEMM's
 * dense shapes. Per (shape, runner): the result is first verified against the
 * reference (a wrong result is reported, never timed); then the shape's runners are
 * timed together as harness_time.c describes (median of --reps runs, L2 flushed before
 * each, the runners' runs interleaved). Prints one line per
 * (shape, runner) with time, TFLOPS, GB/s and the ratio to each baseline of its dtype
 * (baseline time / runner time: > 1 is faster), then the geometric mean of the
 * ratios; --md and --csv write the same numbers under a header naming the card, the
 * CUDA and driver versions and the date. With FP8 NT a second section times the
 * accumulating runners (the FP8 weight gradient, f32 D += A*B) on DeepGEMM's wgrad
 * shapes against the cuBLASLt baselines that take an f32 D with a C addend.
 * --kernel-time adds each point's kernel time from CUPTI (harness_ktime.c), its ratios,
 * and the ratio to DeepGEMM's table in DESIGN.md, which was taken with that timer. */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dgk-bench [options]\n"
    "  --dtype bf16|fp8|all     input dtypes (default all)\n"
    "  --layout NT|NN|TN|TT|all layouts (default NT; FP8 is NT only)\n"
    "  --shapes SET           tiny|quick|full|large or shapes MxNxK[,...] (default full; --quick = --shapes quick)\n"
    "  --runner NAME[,NAME]     runners to time besides the cuBLASLt baselines\n"
    "                           (default all; --list shows them)\n"
    "  --warmup N --reps N      runs before / timed runs per point (default 5 / 30)\n"
    "  --flush-mb N             the L2 flush before each run: an N MB memset (default 256;\n"
    "                           7630 = 8e9 bytes, DeepGEMM's bench_kineto, which also cools the card)\n"
    "  --cold-code              before each run also empty the SMs' instruction caches\n"
    "                           (a kernel of ~384 KB of code on every SM): kernels start\n"
    "                           with their code uncached, as after other work in a model\n"
    "                           (DeepGEMM's method leaves it cached)\n"
    "  --csv FILE --md FILE     also write the results as CSV / a markdown report\n"
    "  --sections dense|wgrad|all  FP8 NT: dense GEMMs, the weight gradient (f32 D += A*B,\n"
    "                           DeepGEMM's wgrad shapes), or both (default all)\n"
    "  --sustain MS             also run each point's runners back to back for about MS\n"
    "                           each (in 3 alternating rounds, after as long untimed):\n"
    "                           time per call warm, at the clock the card's power limit\n"
    "                           allows, with energy, power and SM clock from NVML\n"
    "  --kernel-time            also each run's kernel time from CUPTI (the GPU time of\n"
    "                           the kernels it launched, what a profiler reports), its\n"
    "                           ratios, and the ratio to DeepGEMM's table in DESIGN.md\n"
    "                           (taken with the profiler's kernel time)\n"
    "  --seed N                 input seed (default fresh)\n"
    "  --no-verify              time without checking results first\n"
    "  --list                   list the registered runners and exit\n";

#define MAX_RUN GH_TIMER_MAX_RUNNERS /* a shape's runners are timed together */

enum { CELL_EMPTY, CELL_TIMED, CELL_FAILED };

typedef struct cell {
    int state;
    gh_timing tm;
    gh_sustained sus;   /* --sustain: the rounds together (calls 0: not run) */
    int power_rounds;   /* --sustain: rounds with a power reading (NaN: too few refreshes) */
    int power_calls;    /* and their calls, which weigh the energy per call */
    double tflops, gbps, diff;
    double ktflops;     /* --kernel-time: TFLOPS by kernel time */
    char note[160];
} cell;

typedef struct section {
    gh_dtype in;
    gh_layout layout;
    int wgrad;  /* the weight-gradient section: f32 D += A*B (accumulating runners) */
    int nshapes, nrun;
    gh_shape shapes[GH_MAX_SHAPES];
    const gh_runner *run[MAX_RUN];
    cell cells[GH_MAX_SHAPES][MAX_RUN];
} section;

typedef struct bench {
    const gh_opts *o;
    gh_timer timer;
    cudaStream_t s;
    FILE *md, *csv;
    char card[512];
    int case_no;
    int dead;
} bench;

static section sec; /* large: static storage, one section at a time */

/* The geometric means of every section, printed again at the very end so that the
 * tail of a long log still has them. */
static char summary[16384];
static size_t summary_len;

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (summary_len < sizeof summary) {
        va_start(ap, fmt);
        int n = vsnprintf(summary + summary_len, sizeof summary - summary_len, fmt, ap);
        va_end(ap);
        summary_len += n > 0 ? (size_t)n : 0;
    }
}

/* --- choosing runners ---------------------------------------------------------------- */

/* What D is in a section, for headings and reports. */
static const char *out_title(const section *x)
{
    return x->wgrad ? "f32 out, D += A*B (weight gradient)" : "bf16 out";
}

/* The runners whose claim covers the section's problems: BF16 output without C, or for
 * the weight gradient f32 output with C (accumulating runners, and the baselines that
 * compute D = A*B + C in f32). */
static void pick_runners(bench *b, section *x)
{
    gh_problem p = {64, 256, 256, x->layout, x->in, x->wgrad ? GH_F32 : GH_BF16, GH_RECIPE_NONE, x->wgrad};
    x->nrun = 0;
    for (int i = 0; i < gh_runner_count && x->nrun < MAX_RUN; i++) {
        const gh_runner *r = &gh_runners[i];
        int wanted = r->kind == GH_BASELINE || gh_name_in_list(b->o->runners, r->name);
        if (wanted && gh_runner_applies(r, &p))
            x->run[x->nrun++] = r;
    }
}

static double ratio(const section *x, int shape, int base, int run)
{
    const cell *cb = &x->cells[shape][base], *cr = &x->cells[shape][run];
    if (cb->state != CELL_TIMED || cr->state != CELL_TIMED)
        return 0.0;
    return cb->tm.median_us / cr->tm.median_us;
}

/* --sustain: the ratio of the sustained times (0 when the point ran none). */
static double sus_ratio(const section *x, int shape, int base, int run)
{
    const cell *cb = &x->cells[shape][base], *cr = &x->cells[shape][run];
    return cb->sus.calls && cr->sus.calls ? cb->sus.us / cr->sus.us : 0.0;
}

/* --kernel-time: the ratio of the kernel times (0 when either has none). */
static double kratio(const section *x, int shape, int base, int run)
{
    const cell *cb = &x->cells[shape][base], *cr = &x->cells[shape][run];
    if (cb->state != CELL_TIMED || cr->state != CELL_TIMED || cb->tm.kernel_us <= 0 || cr->tm.kernel_us <= 0)
        return 0.0;
    return cb->tm.kernel_us / cr->tm.kernel_us;
}

/* --kernel-time: kernel-time TFLOPS over DeepGEMM's number for the shape in DESIGN.md's
 * table (0 when the table has none; BF16 output only, as the table was taken). */
static double deepgemm_ratio(const section *x, int shape, int run)
{
    const gh_shape *sh = &x->shapes[shape];
    const cell *c = &x->cells[shape][run];
    double dg = x->wgrad || x->layout != GH_NT ? 0.0 : gh_deepgemm_tflops(x->in, sh->m, sh->n, sh->k);
    return c->state == CELL_TIMED && c->ktflops > 0 && dg > 0 ? c->ktflops / dg : 0.0;
}

/* --- one point ------------------------------------------------------------------------- */

static void fail_cell(cell *c, const char *what, const char *why)
{
    c->state = CELL_FAILED;
    snprintf(c->note, sizeof c->note, "%s: %s", what, why);
}

static int verify(bench *b, gh_case *gc, const gh_runner *r, cell *c)
{
    gh_verdict v;
    GH_TRY(gh_case_run(gc, r, &v, b->s));
    c->diff = v.cmp.diff;
    if (v.status != GH_OK)
        fail_cell(c, v.status == GH_UNSUPPORTED ? "unsupported" : "error", gh_error());
    else if (!v.pass) {
        char why[96];
        snprintf(why, sizeof why, "diff %.2e (bar %.0e), unwritten %zu, non-finite %zu",
                 v.cmp.diff, v.bar, v.cmp.unwritten, v.cmp.nonfinite);
        fail_cell(c, "WRONG", why);
    }
    return GH_OK;
}

/* Times every runner of the shape that was not failed by its check, interleaved
 * (gh_time_runners: run i of each, round i starting with runner i mod n). */
static int measure_shape(bench *b, gh_case *gc, section *x, int si)
{
    const gh_runner *r[MAX_RUN];
    gh_problem p[MAX_RUN];
    gh_buffers buf[MAX_RUN];
    gh_timing tm[MAX_RUN];
    int at[MAX_RUN], n = 0;
    for (int ri = 0; ri < x->nrun; ri++) {
        if (x->cells[si][ri].state == CELL_FAILED)
            continue;
        r[n] = x->run[ri];
        p[n] = gh_case_problem(gc, r[n]);
        GH_TRY(gh_case_buffers(gc, p[n].recipe, &buf[n], b->s));
        at[n++] = ri;
    }
    if (!n)
        return GH_OK;
    GH_TRY(gh_time_runners(&b->timer, n, r, p, buf, b->s, tm));
    for (int j = 0; j < n; j++) {
        cell *c = &x->cells[si][at[j]];
        if (tm[j].rc != GH_OK) {
            fail_cell(c, tm[j].rc == GH_UNSUPPORTED ? "unsupported" : "error", tm[j].why);
            continue;
        }
        c->state = CELL_TIMED;
        c->tm = tm[j];
        c->tflops = gh_problem_flops(&p[j]) / (c->tm.median_us * 1e-6) / 1e12;
        c->gbps = gh_problem_bytes(&p[j]) / (c->tm.median_us * 1e-6) / 1e9;
        if (c->tm.kernel_us > 0)
            c->ktflops = gh_problem_flops(&p[j]) / (c->tm.kernel_us * 1e-6) / 1e12;
    }
    return GH_OK;
}

/* --sustain: every timed runner of the shape back to back, in rounds that alternate the
 * runners so that a drift of the card's temperature reaches them all alike. */
enum { SUSTAIN_ROUNDS = 3 };

static int sustain_rounds(bench *b, gh_case *gc, section *x, int si)
{
    for (int round = 0; round < SUSTAIN_ROUNDS; round++)
        for (int ri = 0; ri < x->nrun; ri++) {
            cell *c = &x->cells[si][ri];
            gh_problem p = gh_case_problem(gc, x->run[ri]);
            gh_buffers buf;
            gh_sustained one;
            if (c->state != CELL_TIMED)
                continue;
            GH_TRY(gh_case_buffers(gc, p.recipe, &buf, b->s));
            GH_TRY(gh_sustain_runner(x->run[ri], &p, &buf, b->s, c->tm.median_us,
                                     b->o->sustain_ms / SUSTAIN_ROUNDS, &one));
            gh_sustained *t = &c->sus; /* sums over the rounds; sustain_shape takes the means */
            t->calls += one.calls;
            t->us += one.us * one.calls;
            t->mhz += one.mhz;
            if (isfinite(one.watts)) { /* a round short of two counter refreshes has none */
                t->mj += one.mj * one.calls;
                t->watts += one.watts;
                c->power_rounds++;
                c->power_calls += one.calls;
            }
        }
    return GH_OK;
}

static int sustain_shape(bench *b, gh_case *gc, section *x, int si)
{
    int rc = sustain_rounds(b, gc, x, si);
    for (int ri = 0; ri < x->nrun; ri++) {
        cell *c = &x->cells[si][ri];
        gh_sustained *t = &c->sus;
        if (rc != GH_OK || !t->calls) {
            memset(t, 0, sizeof *t); /* nothing half-summed is printed */
            continue;
        }
        t->us /= t->calls;
        /* the rounds that read a power: one without (NaN) would make the means NaN */
        t->mj = c->power_calls ? t->mj / c->power_calls : NAN;
        t->watts = c->power_rounds ? t->watts / c->power_rounds : NAN;
        t->mhz /= SUSTAIN_ROUNDS;
    }
    return rc;
}

/* --- printing -------------------------------------------------------------------------- */

typedef double (*ratio_fn)(const section *x, int shape, int base, int run);

/* One column per baseline of the section: `fmt` with the ratio rf gives for runner ri at
 * shape si, or `none` where there is no ratio (a baseline or the runner not timed). */
static void put_ratios(FILE *out, const section *x, ratio_fn rf, int si, int ri, const char *fmt, const char *none)
{
    for (int bi = 0; bi < x->nrun; bi++) {
        if (x->run[bi]->kind != GH_BASELINE)
            continue;
        double r = rf(x, si, bi, ri);
        if (r > 0)
            fprintf(out, fmt, r);
        else
            fputs(none, out);
    }
}

static void print_point(const section *x, int si, int ri)
{
    const gh_shape *sh = &x->shapes[si];
    const cell *c = &x->cells[si][ri];
    printf("%6d %6d %6d  %-22s ", sh->m, sh->n, sh->k, x->run[ri]->name);
    if (c->state != CELL_TIMED) {
        printf("%s\n", c->note);
        fflush(stdout);
        return;
    }
    printf("%10.2f %9.1f %9.1f", c->tm.median_us, c->tflops, c->gbps);
    put_ratios(stdout, x, ratio, si, ri, "  x%.3f", "       -");
    printf("   [%.1f..%.1f]", c->tm.min_us, c->tm.max_us);
    if (c->diff > 0)
        printf(" diff %.1e", c->diff);
    printf("\n");
    if (c->tm.kernel_us > 0) {
        printf("%20s  %-22s %10.2f %9.1f %9s", "", "  kernel time", c->tm.kernel_us, c->ktflops, "");
        put_ratios(stdout, x, kratio, si, ri, "  x%.3f", "       -");
        printf("   %d kernel%s", c->tm.kernels, c->tm.kernels == 1 ? "" : "s");
        if (x->run[ri]->kind != GH_BASELINE && deepgemm_ratio(x, si, ri) > 0)
            printf(", x%.3f of DeepGEMM's table (%.0f TFLOPS)", deepgemm_ratio(x, si, ri),
                   gh_deepgemm_tflops(x->in, sh->m, sh->n, sh->k));
        printf("\n");
    }
    fflush(stdout);
}

/* One --sustain line: time per call back to back, TFLOPS, the ratio to each baseline's
 * sustained time, energy per call, mean power and SM clock. */
static void print_sustained(const section *x, int si, int ri)
{
    const gh_shape *sh = &x->shapes[si];
    const cell *c = &x->cells[si][ri];
    if (!c->sus.calls)
        return;
    gh_problem p = {sh->m, sh->n, sh->k, x->layout, x->in, sh->out, GH_RECIPE_NONE, sh->has_c};
    printf("%6d %6d %6d  %-22s %10.2f %9.1f %9s", sh->m, sh->n, sh->k, x->run[ri]->name, c->sus.us,
           gh_problem_flops(&p) / (c->sus.us * 1e-6) / 1e12, "warm");
    put_ratios(stdout, x, sus_ratio, si, ri, "  x%.3f", "       -");
    printf("   %d calls, %.2f mJ/call, %.0f W, SM %.0f MHz\n", c->sus.calls, c->sus.mj, c->sus.watts, c->sus.mhz);
    fflush(stdout);
}

static void print_section_head(const section *x)
{
    printf("\n== %s %s, %s: median us, TFLOPS, GB/s, ratio = baseline time / runner time "
           "(vs", gh_dtype_name(x->in), gh_layout_name(x->layout), out_title(x));
    for (int bi = 0; bi < x->nrun; bi++)
        if (x->run[bi]->kind == GH_BASELINE)
            printf(" %s", x->run[bi]->name);
    printf("), [min..max] us\n");
    printf("%6s %6s %6s  %-22s %10s %9s %9s\n", "M", "N", "K", "runner", "us", "TFLOPS", "GB/s");
}

static double geomean_of(const section *x, ratio_fn rf, int bi, int ri, int *count)
{
    double logs = 0;
    *count = 0;
    for (int si = 0; si < x->nshapes; si++) {
        double r = rf(x, si, bi, ri);
        if (r > 0) {
            logs += log(r);
            (*count)++;
        }
    }
    return *count ? exp(logs / *count) : 0.0;
}

static double geomean(const section *x, int bi, int ri, int *count)
{
    return geomean_of(x, ratio, bi, ri, count);
}

/* Geometric means of `rf` per runner and baseline, to stdout (and the closing summary). */
static void say_geomeans_of(const section *x, ratio_fn rf, const char *what)
{
    say("geometric mean of %s (%s %s%s):\n", what, gh_dtype_name(x->in), gh_layout_name(x->layout),
        x->wgrad ? " weight gradient" : "");
    for (int ri = 0; ri < x->nrun; ri++) {
        say("  %-22s", x->run[ri]->name);
        for (int bi = 0; bi < x->nrun; bi++) {
            int n = 0;
            double g = x->run[bi]->kind == GH_BASELINE ? geomean_of(x, rf, bi, ri, &n) : 0.0;
            if (x->run[bi]->kind == GH_BASELINE)
                say("  vs %s: %.3f (%d shapes)", x->run[bi]->name, g, n);
        }
        say("\n");
    }
}

/* --kernel-time: per runner under test, the geometric mean of deepgemm_ratio. */
static void say_deepgemm_geomeans(const section *x)
{
    for (int ri = 0; ri < x->nrun; ri++) {
        double logs = 0;
        int n = 0;
        for (int si = 0; si < x->nshapes; si++)
            if (deepgemm_ratio(x, si, ri) > 0)
                logs += log(deepgemm_ratio(x, si, ri)), n++;
        if (n && x->run[ri]->kind != GH_BASELINE)
            say("  %-22s  kernel-time TFLOPS / DeepGEMM's table (DESIGN.md, another run): %.3f (%d shapes)\n",
                x->run[ri]->name, exp(logs / n), n);
    }
}

static void md_baseline_columns(const section *x, FILE *md, const char *fmt)
{
    for (int bi = 0; bi < x->nrun; bi++)
        if (x->run[bi]->kind == GH_BASELINE)
            fprintf(md, fmt, x->run[bi]->name);
}

static void md_geomeans(const section *x, FILE *md)
{
    fprintf(md, "\nGeometric mean of (baseline time / runner time) over the shapes both ran "
                "(shape count in parentheses):\n\n| runner |");
    md_baseline_columns(x, md, " vs %s |");
    fprintf(md, "\n|:--|");
    md_baseline_columns(x, md, "--:|");
    fprintf(md, "\n");
    for (int ri = 0; ri < x->nrun; ri++) {
        fprintf(md, "| %s |", x->run[ri]->name);
        for (int bi = 0; bi < x->nrun; bi++) {
            int n;
            if (x->run[bi]->kind == GH_BASELINE) {
                double g = geomean(x, bi, ri, &n);
                fprintf(md, " %.3f (%d) |", g, n);
            }
        }
        fprintf(md, "\n");
    }
}

static void md_row(const section *x, FILE *md, int si, int ri)
{
    const gh_shape *sh = &x->shapes[si];
    const cell *c = &x->cells[si][ri];
    fprintf(md, "| %d | %d | %d | %s |", sh->m, sh->n, sh->k, x->run[ri]->name);
    if (c->state != CELL_TIMED) {
        fprintf(md, " %s | | |", c->note);
        md_baseline_columns(x, md, " |");
        fprintf(md, " |\n");
        return;
    }
    fprintf(md, " %.2f | %.1f | %.1f |", c->tm.median_us, c->tflops, c->gbps);
    put_ratios(md, x, ratio, si, ri, " %.3f |", " - |");
    fprintf(md, " %.1e |\n", c->diff);
}

static void md_section(const section *x, FILE *md)
{
    fprintf(md, "\n## %s %s (%s)\n\n| M | N | K | runner | us | TFLOPS | GB/s |",
            gh_dtype_name(x->in), gh_layout_name(x->layout), out_title(x));
    md_baseline_columns(x, md, " vs %s |");
    fprintf(md, " diff |\n|--:|--:|--:|:--|--:|--:|--:|");
    md_baseline_columns(x, md, "--:|");
    fprintf(md, "--:|\n");
    for (int si = 0; si < x->nshapes; si++)
        for (int ri = 0; ri < x->nrun; ri++)
            md_row(x, md, si, ri);
    md_geomeans(x, md);
}

/* --kernel-time: the section's kernel times as their own table. */
static void md_kernel_section(const section *x, FILE *md)
{
    fprintf(md, "\nKernel time (CUPTI: the GPU time of the kernels a run launched, median of the same runs):\n\n"
                "| M | N | K | runner | kernel us | TFLOPS |");
    md_baseline_columns(x, md, " vs %s |");
    fprintf(md, " vs DeepGEMM's table |\n|--:|--:|--:|:--|--:|--:|");
    md_baseline_columns(x, md, "--:|");
    fprintf(md, "--:|\n");
    for (int si = 0; si < x->nshapes; si++)
        for (int ri = 0; ri < x->nrun; ri++) {
            const gh_shape *sh = &x->shapes[si];
            const cell *c = &x->cells[si][ri];
            if (c->state != CELL_TIMED || c->tm.kernel_us <= 0)
                continue;
            fprintf(md, "| %d | %d | %d | %s | %.2f | %.1f |", sh->m, sh->n, sh->k, x->run[ri]->name, c->tm.kernel_us,
                    c->ktflops);
            put_ratios(md, x, kratio, si, ri, " %.3f |", " - |");
            if (x->run[ri]->kind != GH_BASELINE && deepgemm_ratio(x, si, ri) > 0)
                fprintf(md, " %.3f (%.0f) |\n", deepgemm_ratio(x, si, ri), gh_deepgemm_tflops(x->in, sh->m, sh->n, sh->k));
            else
                fprintf(md, " - |\n");
        }
}

static void csv_section(const section *x, FILE *csv)
{
    for (int si = 0; si < x->nshapes; si++)
        for (int ri = 0; ri < x->nrun; ri++) {
            const gh_shape *sh = &x->shapes[si];
            const cell *c = &x->cells[si][ri];
            fprintf(csv, "%s,%s,%s,%d,%d,%d,%s,%s,", gh_dtype_name(x->in),
                    gh_layout_name(x->layout), x->wgrad ? "f32+=" : "bf16", sh->m, sh->n, sh->k, x->run[ri]->name,
                    x->run[ri]->kind == GH_BASELINE ? "baseline" : "under-test");
            if (c->state != CELL_TIMED) {
                fprintf(csv, ",,,,,,\"%s\",,\n", c->note);
                continue;
            }
            fprintf(csv, "%.3f,%.3f,%.3f,%.2f,%.2f,%.3e,ok,", c->tm.median_us, c->tm.min_us, c->tm.max_us,
                    c->tflops, c->gbps, c->diff);
            if (c->tm.kernel_us > 0) /* the kernel-time columns stay empty without --kernel-time */
                fprintf(csv, "%.3f,%d\n", c->tm.kernel_us, c->tm.kernels);
            else
                fputs(",\n", csv);
        }
}

/* --- sections ------------------------------------------------------------------------- */

static int bench_shape(bench *b, section *x, int si)
{
    const gh_shape *sh = &x->shapes[si];
    gh_problem p = {sh->m, sh->n, sh->k, x->layout, x->in, sh->out, GH_RECIPE_NONE, sh->has_c};
    gh_case gc;
    int rc = gh_case_setup(&gc, &p, gh_seed_mix(b->o->seed, (uint64_t)b->case_no++), b->s);
    for (int ri = 0; ri < x->nrun; ri++) {
        cell *c = &x->cells[si][ri];
        memset(c, 0, sizeof *c);
        if (rc == GH_OK && b->o->verify)
            rc = verify(b, &gc, x->run[ri], c);
    }
    if (rc == GH_OK)
        rc = measure_shape(b, &gc, x, si);
    for (int ri = 0; rc != GH_OK && ri < x->nrun; ri++)
        if (x->cells[si][ri].state != CELL_FAILED)
            fail_cell(&x->cells[si][ri], "harness", gh_error());
    if (rc == GH_OK && b->o->sustain_ms > 0)
        rc = sustain_shape(b, &gc, x, si);
    for (int ri = 0; ri < x->nrun; ri++)
        print_point(x, si, ri);
    for (int ri = 0; b->o->sustain_ms > 0 && ri < x->nrun; ri++)
        print_sustained(x, si, ri);
    gh_case_free(&gc);
    if (rc != GH_OK && cudaDeviceSynchronize() != cudaSuccess)
        b->dead = 1;
    return b->dead ? GH_ERROR : GH_OK;
}

static int bench_section(bench *b, gh_dtype in, gh_layout layout, int wgrad)
{
    section *x = &sec;
    gh_shape all[GH_MAX_SHAPES];
    int n = wgrad ? gh_shapes_wgrad_bench(b->o->shapes, all, GH_MAX_SHAPES)
                  : gh_shapes_bench(b->o->shapes, all, GH_MAX_SHAPES);
    memset(x, 0, sizeof *x);
    x->in = in;
    x->layout = layout;
    x->wgrad = wgrad;
    for (int i = 0; i < n; i++) {
        x->shapes[x->nshapes] = all[i];
        x->shapes[x->nshapes++].layout = layout;
    }
    pick_runners(b, x);
    print_section_head(x);
    int rc = GH_OK;
    for (int si = 0; rc == GH_OK && si < x->nshapes; si++)
        rc = bench_shape(b, x, si);
    say_geomeans_of(x, ratio, "ratios");
    if (b->o->kernel_time) {
        say_geomeans_of(x, kratio, "kernel-time ratios");
        say_deepgemm_geomeans(x);
    }
    if (b->o->sustain_ms > 0)
        say_geomeans_of(x, sus_ratio, "sustained (warm, back to back) ratios");
    if (b->md)
        md_section(x, b->md);
    if (b->md && b->o->kernel_time)
        md_kernel_section(x, b->md);
    if (b->csv)
        csv_section(x, b->csv);
    return rc;
}

/* --- setup ------------------------------------------------------------------------------- */

static void md_header(const bench *b, FILE *md)
{
    char lt[64], date[64];
    gh_cublaslt_version(lt, sizeof lt);
    gh_now_str(date, sizeof date);
    fprintf(md, "# dgk GEMM benchmark\n\n");
    fprintf(md, "- Card: %s\n- %s\n- Date: %s\n- Seed: 0x%016llx, shapes %s\n", b->card, lt,
            date, (unsigned long long)b->o->seed, b->o->shapes);
    fprintf(md, "- Method: CUDA events around each runner call; before each of %d timed runs "
                "(after %d warm-up runs) a %zu MB memset flushes L2; the runners of a shape take "
                "their runs in turn (run i of each, round i starting with runner i mod n); the median is reported. "
                "TFLOPS = 2MNK / t. GB/s = bytes of A, B (and scales), D once each / t. "
                "Ratio = baseline time / runner time (> 1: faster than the baseline). %s\n",
            b->o->reps, b->o->warmup, b->timer.flush_bytes >> 20,
            b->o->verify ? "Every result was verified against the reference before timing."
                         : "Results were NOT verified (--no-verify).");
    if (b->o->cold_code)
        fprintf(md, "- Cold code (--cold-code): before each timed run's flush a kernel of ~384 KB of "
                    "straight-line code ran on every SM, so each run started with its code out of the SMs' "
                    "instruction caches and L2, as after other kernels in a model.\n");
    if (b->o->kernel_time)
        fprintf(md, "- Kernel time (--kernel-time): for the same runs, the GPU time of the kernels each run "
                    "launched, from CUPTI's activity records (start to end of each kernel, summed per run), "
                    "median over the runs: what a profiler reports, as DeepGEMM's numbers in DESIGN.md were taken.\n");
}

static int open_outputs(bench *b)
{
    if (b->o->md && !(b->md = fopen(b->o->md, "w"))) {
        gh_set_error("cannot write %s", b->o->md);
        return GH_ERROR;
    }
    if (b->o->csv && !(b->csv = fopen(b->o->csv, "w"))) {
        gh_set_error("cannot write %s", b->o->csv);
        return GH_ERROR;
    }
    if (b->md)
        md_header(b, b->md);
    if (b->csv)
        fprintf(b->csv, "dtype,layout,out,m,n,k,runner,kind,median_us,min_us,max_us,tflops,gbps,diff,status,"
                        "kernel_us,kernels\n");
    return GH_OK;
}

static int start(bench *b)
{
    gh_device d;
    char lt[64], date[64];
    GH_TRY(gh_device_info(&d));
    gh_device_str(&d, b->card, sizeof b->card);
    GH_CUDA(cudaStreamCreate(&b->s));
    GH_TRY(gh_timer_init(&b->timer, d.l2_bytes, b->o->flush_mb, b->o->warmup, b->o->reps));
    if (b->o->cold_code)
        gh_timer_cold_code(&b->timer, d.sms);
    if (b->o->kernel_time)
        GH_TRY(gh_timer_kernel_time(&b->timer));
    gh_cublaslt_version(lt, sizeof lt);
    gh_now_str(date, sizeof date);
    printf("dgk-bench  %s\n  %s, %s, seed 0x%016llx, shapes %s, %d warm-up + %d timed runs, "
           "interleaved across runners, L2 flush %zu MB%s%s\n", b->card, lt, date, (unsigned long long)b->o->seed, b->o->shapes,
           b->o->warmup, b->o->reps, b->timer.flush_bytes >> 20, b->o->cold_code ? " after emptying the instruction caches" : "",
           b->o->kernel_time ? ", kernel time from CUPTI" : "");
    return open_outputs(b);
}

static int run_all(bench *b)
{
    for (int in = 0; in < GH_DTYPE_COUNT; in++) {
        if (!b->o->want_in[in])
            continue;
        for (int l = 0; l < GH_LAYOUT_COUNT; l++) {
            unsigned want = b->o->layouts ? b->o->layouts : 1u << GH_NT;
            if (!(want & (1u << l)))
                continue;
            if (in == GH_E4M3 && l != GH_NT) {
                printf("\n== fp8 %s: skipped (SM90 FP8 operands are K-major: NT only)\n",
                       gh_layout_name((gh_layout)l));
                continue;
            }
            if (in != GH_E4M3 || (b->o->sections & GH_SECTION_DENSE))
                GH_TRY(bench_section(b, (gh_dtype)in, (gh_layout)l, 0));
            if (in == GH_E4M3 && (b->o->sections & GH_SECTION_WGRAD))
                GH_TRY(bench_section(b, (gh_dtype)in, (gh_layout)l, 1));
        }
    }
    return GH_OK;
}

int main(int argc, char **argv)
{
    gh_opts o;
    bench b;
    gh_opts_default(&o);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return fputs(usage, stdout), 0;
    if (gh_opts_parse(&o, argc, argv) != 0) {
        fprintf(stderr, "dgk-bench: %s\n%s", gh_error(), usage);
        return 2;
    }
    if (o.list)
        return gh_runners_print(stdout), 0;
    memset(&b, 0, sizeof b);
    b.o = &o;
    int rc = start(&b);
    if (rc == GH_OK)
        rc = run_all(&b);
    if (summary_len)
        printf("\n== summary (card: %s)\n%s", b.card, summary);
    if (rc != GH_OK)
        printf("FATAL  %s\n", gh_error());
    if (b.md)
        fclose(b.md);
    if (b.csv)
        fclose(b.csv);
    gh_cublaslt_release();
    gh_timer_free(&b.timer);
    return rc == GH_OK ? 0 : 1;
}
