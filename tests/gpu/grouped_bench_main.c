/* grouped_bench_main.c - dgk-grouped-bench: speed of the grouped (MoE) GEMM runners
 * on DeepGEMM's grouped shapes. Per (spec, runner): the result is first verified as
 * dgk-grouped-check does (a wrong result is reported, never timed), then timed with
 * harness_time.c's method (L2 flush before each run, CUDA events around the runner
 * alone, median of --reps), the spec's runners interleaved as dgk-bench's are (their
 * ratios, e.g. group ids against offsets, are then not the card's clock drift). TFLOPS count valid rows only (2 * sum(valid rows) * N *
 * K); GB/s count valid rows of A and D, every group's B, scales and group metadata
 * once each. DeepGEMM's FP8 numbers measured on an H100 (shared/DESIGN.md "Performance
 * anchors") are printed beside ours, the ratio by DeepGEMM's own count of the work (a
 * contiguous problem's padding rows included, gg_problem_flops_as_deepgemm; where that
 * count differs, a contiguous line also prints our TFLOPS by it); with
 * --kernel-time also our kernel time from CUPTI (harness_ktime.c), which is what those
 * numbers are (the profiler's kernel time). --md and --csv write the same numbers under
 * a header naming the card and the date. */
#include "grouped.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dgk-grouped-bench [options]\n"
    "  --mode contig|masked|all grouped layouts (default all)\n"
    "  --dtype bf16|fp8|all     input dtypes (default all)\n"
    "  --shapes SET             tiny|quick|full, or specs masked:GxROWS:NxK / contig:GxROWS:NxK\n"
    "                           [,...], K a multiple of 128 (default full; --quick = --shapes quick);\n"
    "                           contig-exact:/masked-exact:GxROWS:NxK: every group ROWS rows\n"
    "                           (not drawn 0.7-1.3x)\n"
    "  --runner NAME[,NAME]     only these runners (default all; --list shows them)\n"
    "  --warmup N --reps N      runs before / timed runs per point (default 5 / 30)\n"
    "  --flush-mb N             the L2 flush before each run: an N MB memset (default 256;\n"
    "                           7630 = 8e9 bytes, DeepGEMM's bench_kineto, which also cools the card)\n"
    "  --cold-code              before each run also empty the SMs' instruction caches\n"
    "                           (a kernel of ~384 KB of code on every SM): kernels start\n"
    "                           with their code uncached, as after other work in a model\n"
    "                           (DeepGEMM's method leaves it cached)\n"
    "  --csv FILE --md FILE     also write the results as CSV / a markdown report\n"
    "  --sustain MS             also run each point back to back for about MS (after as\n"
    "                           long untimed): time per call at the card's power limit,\n"
    "                           with energy, power and SM clock from NVML\n"
    "  --kernel-time            also each run's kernel time from CUPTI (what a profiler\n"
    "                           reports, as DeepGEMM's numbers were taken) and its ratio\n"
    "                           to DeepGEMM's\n"
    "  --seed N                 input seed (default fresh)\n"
    "  --no-verify              time without checking results first\n"
    "  --list                   list the registered runners and exit\n";

typedef struct point {
    int timed;
    gh_timing tm;
    gh_sustained sus;  /* --sustain (calls 0: not run) */
    double sus_tflops;
    double tflops, gbps, diff, deepgemm;
    double ktflops;    /* --kernel-time: TFLOPS by kernel time */
    double dg_tflops, dg_ktflops, dg_sus_tflops; /* the same by DeepGEMM's count (gg_problem_flops_as_deepgemm) */
    int dg_counts_more;           /* that count differs from ours (contiguous with padding rows) */
    int64_t valid_rows;
    char note[200];
} point;

typedef struct bench {
    const gh_opts *o;
    unsigned modes;
    gh_timer timer;
    cudaStream_t s;
    FILE *md, *csv;
    char card[512];
    int case_no, dead;
    double log_ratio; /* sum of log(ours / DeepGEMM) over the points that have both */
    int nratio;
    double log_kratio; /* the same with our kernel time (--kernel-time) */
    int nkratio;
} bench;

/* --- timing ---------------------------------------------------------------------------- */

/* A grouped runner on its problem, as a gh_call's and gh_sustain's launch. */
typedef struct grouped_call {
    const gg_runner *r;
    const gg_problem *p;
    const gg_buffers *b;
} grouped_call;

static int grouped_launch(void *ctx, cudaStream_t s)
{
    const grouped_call *c = ctx;
    return c->r->fn(c->p, c->b, s);
}

/* --- one point ------------------------------------------------------------------------- */

static int verify(bench *b, gg_case *c, const gg_runner *r, point *pt)
{
    gg_verdict v;
    GH_TRY(gg_case_run(c, r, &v, b->s));
    pt->diff = v.diff;
    if (v.status != GH_OK)
        snprintf(pt->note, sizeof pt->note, "error: %s", gh_error());
    else if (!v.pass)
        snprintf(pt->note, sizeof pt->note,
                 "WRONG: diff %.2e (bar %.0e), unwritten %zu, non-finite %zu, padding written %zu",
                 v.diff, v.bar, v.unwritten, v.nonfinite, v.padding_touched);
    return v.status == GH_OK && v.pass ? GH_OK : GH_UNSUPPORTED;
}

/* Points of a spec's runners after their timing: TFLOPS, GB/s and, with --sustain, the
 * back-to-back rate (each runner alone, after the interleaved timing). */
static int finish_point(bench *b, const gg_runner *r, const gg_problem *p, const gg_buffers *buf, const gh_timing *tm,
                        point *pt)
{
    if (tm->rc != GH_OK) {
        snprintf(pt->note, sizeof pt->note, "error: %s", tm->why);
        return GH_OK;
    }
    pt->tm = *tm;
    pt->timed = 1;
    const double flops = gg_problem_flops(p), dg_flops = gg_problem_flops_as_deepgemm(p);
    pt->dg_counts_more = dg_flops != flops;
    pt->tflops = flops / (pt->tm.median_us * 1e-6) / 1e12;
    pt->dg_tflops = dg_flops / (pt->tm.median_us * 1e-6) / 1e12;
    pt->gbps = gg_problem_bytes(p) / (pt->tm.median_us * 1e-6) / 1e9;
    if (pt->tm.kernel_us > 0) {
        pt->ktflops = flops / (pt->tm.kernel_us * 1e-6) / 1e12;
        pt->dg_ktflops = dg_flops / (pt->tm.kernel_us * 1e-6) / 1e12;
    }
    if (b->o->sustain_ms > 0) {
        grouped_call call = {r, p, buf};
        GH_TRY(gh_sustain(grouped_launch, &call, b->s, pt->tm.median_us, b->o->sustain_ms, &pt->sus));
        pt->sus_tflops = flops / (pt->sus.us * 1e-6) / 1e12;
        pt->dg_sus_tflops = dg_flops / (pt->sus.us * 1e-6) / 1e12;
    }
    return GH_OK;
}

/* Every runner of the spec is verified (a wrong result is reported, never timed), then
 * the verified ones are timed together, interleaved (gh_time_calls: round i starts with
 * runner i mod n), so that no runner inherits the clock another drove down: timed one
 * after the other, the contiguous runner by offsets ran 3-14% slower than the one by
 * ids in suite 4cdba46, and 0-2% interleaved in separate processes
 * (tests/gpu/results/2026-11-26-H100-fp8-overlap/offsets/). */
static int measure_all(bench *b, gg_case *c, const gg_runner *const *r, int n, point *pt)
{
    gg_problem p[GH_TIMER_MAX_RUNNERS];
    gg_buffers buf[GH_TIMER_MAX_RUNNERS];
    grouped_call ctx[GH_TIMER_MAX_RUNNERS];
    gh_call calls[GH_TIMER_MAX_RUNNERS];
    gh_timing tm[GH_TIMER_MAX_RUNNERS];
    int which[GH_TIMER_MAX_RUNNERS], m = 0;
    for (int j = 0; j < n; j++) {
        memset(&pt[j], 0, sizeof pt[j]);
        pt[j].deepgemm = gg_deepgemm_tflops(&c->spec, r[j]->in);
        pt[j].valid_rows = c->valid_rows;
        if (b->o->verify) {
            int v = verify(b, c, r[j], &pt[j]);
            if (v == GH_UNSUPPORTED)
                continue;
            GH_TRY(v);
        }
        GH_TRY(gg_case_buffers(c, r[j]->in, &p[j], &buf[j], b->s));
        ctx[m] = (grouped_call){r[j], &p[j], &buf[j]};
        calls[m] = (gh_call){.name = r[j]->name, .launch = grouped_launch, .ctx = &ctx[m]};
        snprintf(calls[m].shape, sizeof calls[m].shape, "%s:%dx%d:%dx%d", gg_mode_name(c->spec.mode), c->spec.groups,
                 c->spec.rows, c->spec.n, c->spec.k);
        which[m++] = j;
    }
    if (m == 0)
        return GH_OK;
    if (gh_time_calls(&b->timer, m, calls, b->s, tm) != GH_OK) {
        for (int q = 0; q < m; q++)
            snprintf(pt[which[q]].note, sizeof pt[which[q]].note, "error: %s", gh_error());
        return GH_OK;
    }
    for (int q = 0; q < m; q++) {
        const int j = which[q];
        GH_TRY(finish_point(b, r[j], &p[j], &buf[j], &tm[q], &pt[j]));
    }
    return GH_OK;
}

/* --- printing -------------------------------------------------------------------------- */

/* contig: nominal rows per group; masked: expected rows "/" max_m. */
static void rows_cell(const gg_spec *s, char *buf, size_t len)
{
    if (s->mode == GG_MASKED)
        snprintf(buf, len, "%d/%d", s->rows, s->max_m);
    else
        snprintf(buf, len, "%d", s->rows);
}

static void spec_cols(const gg_spec *s, char *buf, size_t len)
{
    char rows[32];
    rows_cell(s, rows, sizeof rows);
    snprintf(buf, len, "%-6s %3d %9s %5d %5d", gg_mode_name(s->mode), s->groups, rows, s->n, s->k);
}

/* DeepGEMM's TFLOPS for the point and ours over it (`tflops` by DeepGEMM's count), or
 * dashes where the table has none; the ratio is added to a geometric mean when `logs`
 * is given. */
static void put_vs_deepgemm(const point *pt, double tflops, double *logs, int *n)
{
    if (pt->deepgemm <= 0) {
        printf("  %6s  %6s", "-", "-");
        return;
    }
    printf("  %6.0f  x%.3f", pt->deepgemm, tflops / pt->deepgemm);
    if (logs) {
        *logs += log(tflops / pt->deepgemm);
        (*n)++;
    }
}

/* Ends a timed line: where DeepGEMM counts the work differently (contiguous padding
 * rows), our TFLOPS by its count, which the "vs DG" ratio is (bars_summary.awk reads it). */
static void put_dg_count(const point *pt, double dg_tflops)
{
    if (pt->dg_counts_more)
        printf("; %.1f TFLOPS as DeepGEMM counts (every row of A)", dg_tflops);
    printf("\n");
}

static void print_point(bench *b, const gg_spec *s, const gg_runner *r, const point *pt)
{
    char cols[64];
    spec_cols(s, cols, sizeof cols);
    printf("%s %7lld  %-24s ", cols, (long long)pt->valid_rows, r->name);
    if (!pt->timed) {
        printf("%s\n", pt->note);
        fflush(stdout);
        return;
    }
    printf("%10.2f %8.1f %8.1f", pt->tm.median_us, pt->tflops, pt->gbps);
    put_vs_deepgemm(pt, pt->dg_tflops, &b->log_ratio, &b->nratio);
    printf("   [%.1f..%.1f] diff %.1e", pt->tm.min_us, pt->tm.max_us, pt->diff);
    put_dg_count(pt, pt->dg_tflops);
    if (pt->tm.kernel_us > 0) {
        printf("%s %7s  %-24s %10.2f %8.1f %8s", cols, "", "  kernel time", pt->tm.kernel_us, pt->ktflops, "");
        put_vs_deepgemm(pt, pt->dg_ktflops, &b->log_kratio, &b->nkratio);
        printf("   %d kernel%s", pt->tm.kernels, pt->tm.kernels == 1 ? "" : "s");
        put_dg_count(pt, pt->dg_ktflops);
    }
    if (pt->sus.calls) {
        printf("%s %7lld  %-24s %10.2f %8.1f %8s", cols, (long long)pt->valid_rows, r->name, pt->sus.us, pt->sus_tflops,
               "warm");
        if (pt->deepgemm > 0)
            printf("  %6.0f  x%.3f", pt->deepgemm, pt->dg_sus_tflops / pt->deepgemm);
        printf("   %d calls, %.2f mJ/call, %.0f W, SM %.0f MHz\n", pt->sus.calls, pt->sus.mj, pt->sus.watts,
               pt->sus.mhz);
    }
    fflush(stdout);
}

static void md_point(const bench *b, FILE *md, const gg_spec *s, const gg_runner *r, const point *pt)
{
    char rows[32];
    rows_cell(s, rows, sizeof rows);
    fprintf(md, "| %s | %d | %s | %d | %d | %lld | %s |", gg_mode_name(s->mode), s->groups, rows,
            s->n, s->k, (long long)pt->valid_rows, r->name);
    if (!pt->timed) {
        fprintf(md, " %s | | | | | |%s\n", pt->note, b->o->kernel_time ? " | |" : "");
        return;
    }
    fprintf(md, " %.2f | %.1f | %.1f |", pt->tm.median_us, pt->tflops, pt->gbps);
    if (pt->deepgemm > 0)
        fprintf(md, " %.0f | %.3f |", pt->deepgemm, pt->dg_tflops / pt->deepgemm);
    else
        fprintf(md, " - | - |");
    fprintf(md, " %.1e |", pt->diff);
    if (b->o->kernel_time && pt->deepgemm > 0)
        fprintf(md, " %.2f | %.3f |", pt->tm.kernel_us, pt->dg_ktflops / pt->deepgemm);
    else if (b->o->kernel_time)
        fprintf(md, " %.2f | - |", pt->tm.kernel_us);
    fprintf(md, "\n");
}

static void csv_point(FILE *csv, const gg_spec *s, const gg_runner *r, const point *pt)
{
    fprintf(csv, "%s,%d,%d,%d,%d,%d,%lld,%s,%s,", gg_mode_name(s->mode), s->groups, s->rows,
            s->max_m, s->n, s->k, (long long)pt->valid_rows, gh_dtype_name(r->in), r->name);
    if (!pt->timed) {
        fprintf(csv, ",,,,,%.0f,,\"%s\",,,\n", pt->deepgemm, pt->note);
        return;
    }
    fprintf(csv, "%.3f,%.3f,%.3f,%.2f,%.2f,%.0f,%.3e,ok,", pt->tm.median_us, pt->tm.min_us, pt->tm.max_us,
            pt->tflops, pt->gbps, pt->deepgemm, pt->diff);
    if (pt->tm.kernel_us > 0) /* the kernel-time columns stay empty without --kernel-time */
        fprintf(csv, "%.3f,%d,", pt->tm.kernel_us, pt->tm.kernels);
    else
        fputs(",,", csv);
    fprintf(csv, "%.2f\n", pt->dg_tflops);
}

/* --- specs ------------------------------------------------------------------------------- */

static int bench_spec(bench *b, const gg_spec *s)
{
    const gg_runner *r[GH_TIMER_MAX_RUNNERS];
    point pt[GH_TIMER_MAX_RUNNERS];
    int n = 0;
    for (int i = 0; i < gg_runner_count; i++) {
        const gg_runner *g = &gg_runners[i];
        if (g->mode != s->mode || !b->o->want_in[g->in] || !gh_name_in_list(b->o->runners, g->name))
            continue;
        if (n == GH_TIMER_MAX_RUNNERS) {
            gh_set_error("more than %d runners for one spec", GH_TIMER_MAX_RUNNERS);
            return GH_ERROR;
        }
        r[n++] = g;
    }
    if (n == 0)
        return GH_OK;
    gg_case c;
    int rc = gg_case_setup(&c, s, gh_seed_mix(b->o->seed, (uint64_t)b->case_no++), b->s);
    if (rc == GH_OK)
        rc = measure_all(b, &c, r, n, pt);
    for (int j = 0; j < n; j++) {
        if (rc != GH_OK) {
            memset(&pt[j], 0, sizeof pt[j]);
            snprintf(pt[j].note, sizeof pt[j].note, "harness: %s", gh_error());
        }
        print_point(b, s, r[j], &pt[j]);
        if (b->md)
            md_point(b, b->md, s, r[j], &pt[j]);
        if (b->csv)
            csv_point(b->csv, s, r[j], &pt[j]);
    }
    gg_case_free(&c);
    if (rc != GH_OK && cudaDeviceSynchronize() != cudaSuccess)
        b->dead = 1;
    return b->dead ? GH_ERROR : GH_OK;
}

static int run_all(bench *b)
{
    static gg_spec specs[GG_MAX_SPECS];
    int n = gg_specs_bench(b->o->shapes, b->modes, specs, GG_MAX_SPECS);
    printf("\n%-6s %3s %9s %5s %5s %7s  %-24s %10s %8s %8s  %6s  %6s\n", "layout", "G", "rows",
           "N", "K", "valid", "runner", "us", "TFLOPS", "GB/s", "DG TF", "vs DG");
    for (int i = 0; i < n; i++)
        GH_TRY(bench_spec(b, &specs[i]));
    return GH_OK;
}

/* --- setup ------------------------------------------------------------------------------- */

static void md_header(const bench *b, FILE *md)
{
    char date[64];
    gh_now_str(date, sizeof date);
    fprintf(md, "# dgk grouped GEMM benchmark\n\n");
    fprintf(md, "- Card: %s\n- Date: %s\n- Seed: 0x%016llx, shapes %s\n", b->card, date,
            (unsigned long long)b->o->seed, b->o->shapes);
    fprintf(md, "- Method: CUDA events around each runner call; before each of %d timed runs "
                "(after %d warm-up runs) a %zu MB memset flushes L2; the median is reported. "
                "TFLOPS = 2 x (valid rows) x N x K / t; GB/s = valid rows of A and D, all of B, "
                "scales and group metadata once each / t. %s\n",
            b->o->reps, b->o->warmup, b->timer.flush_bytes >> 20,
            b->o->verify ? "Every result was verified against the reference before timing."
                         : "Results were NOT verified (--no-verify).");
    fprintf(md, "- Reference: no cuBLASLt grouped baseline exists here; \"DeepGEMM TF\" is "
                "DeepGEMM's FP8 grouped GEMM measured on an NVIDIA H100 80GB HBM3 on 2026-11-25 "
                "with the profiler's kernel time (shared/DESIGN.md), not in this run: compare "
                "with care (different timer; FP8 only; rows are drawn per run). \"ours / DeepGEMM\" "
                "counts our work as DeepGEMM's tests do: a contiguous problem's every row of A "
                "(each group padded to the alignment) rather than its valid rows, so it is our "
                "TFLOPS x (rows of A / valid rows) over DeepGEMM's.\n");
    fprintf(md, "- rows: contig = nominal rows per group (each drawn 0.7-1.3x, padded to %d "
                "rows); masked = expected rows per group / max_m (masked_m drawn 0.7-1.3x of "
                "the expected). valid rows = the rows that count (drawn from the seed).\n\n",
            gg_alignment());
    if (b->o->cold_code)
        fprintf(md, "- Cold code (--cold-code): before each timed run's flush a kernel of ~384 KB of "
                    "straight-line code ran on every SM, so each run started with its code out of the SMs' "
                    "instruction caches and L2, as after other kernels in a model.\n");
    if (b->o->kernel_time)
        fprintf(md, "- kernel us (--kernel-time): for the same runs, the GPU time of the kernels each run "
                    "launched, from CUPTI's activity records, median over the runs; \"kernel / DeepGEMM\" "
                    "compares it with DeepGEMM's profiler kernel time, the same kind of number.\n\n");
    fprintf(md, "| layout | G | rows | N | K | valid rows | runner | us | TFLOPS | GB/s | "
                "DeepGEMM TF | ours / DeepGEMM | diff |%s\n",
            b->o->kernel_time ? " kernel us | kernel / DeepGEMM |" : "");
    fprintf(md, "|:--|--:|--:|--:|--:|--:|:--|--:|--:|--:|--:|--:|--:|%s\n", b->o->kernel_time ? "--:|--:|" : "");
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
        fprintf(b->csv, "layout,groups,rows,max_m,n,k,valid_rows,dtype,runner,median_us,min_us,"
                        "max_us,tflops,gbps,deepgemm_tflops,diff,status,kernel_us,kernels,tflops_as_deepgemm\n");
    return GH_OK;
}

static int start(bench *b)
{
    gh_device d;
    char date[64];
    GH_TRY(gh_device_info(&d));
    gh_device_str(&d, b->card, sizeof b->card);
    GH_CUDA(cudaStreamCreate(&b->s));
    if (b->o->reps > 1024) {
        gh_set_error("--reps %d: at most 1024", b->o->reps);
        return GH_ERROR;
    }
    GH_TRY(gh_timer_init(&b->timer, d.l2_bytes, b->o->flush_mb, b->o->warmup, b->o->reps));
    if (b->o->cold_code)
        gh_timer_cold_code(&b->timer, d.sms);
    if (b->o->kernel_time)
        GH_TRY(gh_timer_kernel_time(&b->timer));
    gh_now_str(date, sizeof date);
    printf("dgk-grouped-bench  %s\n  %s, seed 0x%016llx, shapes %s, %d warm-up + %d timed runs, "
           "L2 flush %zu MB%s; DG TF = DeepGEMM FP8 on an H100 (shared/DESIGN.md, not this run), "
           "vs DG by its count of the work (contiguous: every row of A)\n",
           b->card, date, (unsigned long long)b->o->seed, b->o->shapes, b->o->warmup, b->o->reps,
           b->timer.flush_bytes >> 20, b->o->cold_code ? " after emptying the instruction caches" : "");
    return open_outputs(b);
}

static void summary(const bench *b)
{
    char line[160];
    if (b->nratio)
        snprintf(line, sizeof line, "geometric mean of ours / DeepGEMM TFLOPS: %.3f (%d points; "
                 "DeepGEMM's numbers from DESIGN.md)", exp(b->log_ratio / b->nratio), b->nratio);
    else
        snprintf(line, sizeof line, "no point with a DeepGEMM number was timed");
    printf("\n== summary (card: %s)\n%s\n", b->card, line);
    if (b->md)
        fprintf(b->md, "\n%s.\n", line);
    if (b->nkratio) {
        snprintf(line, sizeof line, "geometric mean of ours by kernel time / DeepGEMM TFLOPS: %.3f (%d points; "
                 "the same kind of timer as DeepGEMM's)", exp(b->log_kratio / b->nkratio), b->nkratio);
        printf("%s\n", line);
        if (b->md)
            fprintf(b->md, "%s.\n", line);
    }
}


int main(int argc, char **argv)
{
    gh_opts o;
    bench b;
    memset(&b, 0, sizeof b);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return fputs(usage, stdout), 0;
    gh_opts_default(&o);
    o.grouped_specs = 1;
    if (gg_take_mode(&argc, argv, &b.modes) != 0 || gh_opts_parse(&o, argc, argv) != 0 ||
        !gg_specs_known(o.shapes, b.modes, gg_specs_bench)) {
        fprintf(stderr, "dgk-grouped-bench: %s\n%s", gh_error(), usage);
        return 2;
    }
    if (o.list)
        return gg_runners_print(stdout), 0;
    b.o = &o;
    int rc = start(&b);
    if (rc == GH_OK)
        rc = run_all(&b);
    summary(&b);
    if (rc != GH_OK)
        printf("FATAL  %s\n", gh_error());
    if (b.md)
        fclose(b.md);
    if (b.csv)
        fclose(b.csv);
    gh_timer_free(&b.timer);
    return rc == GH_OK ? 0 : 1;
}
