/* harness_time.cu - kernel timing as METHOD.md asks: warm-up runs first (module load,
 * JIT, handle creation and heuristics stay out), then many runs, each after writing a
 * buffer larger than L2 so every run reads its inputs from HBM, with CUDA events
 * around the runner call alone; the median is reported with min and max for spread.
 * The flush is enqueued before the start event, so it keeps the GPU busy while the
 * host enqueues the runner and launch gaps do not show up in the time.
 * Several runners of one problem are timed interleaved (run i of each, then run i + 1
 * of each, each round starting one runner later): an H100 at its power limit lowers its
 * clock over milliseconds, and timed one after the other the runner that came second
 * inherited the clock the first had driven down (BF16 4096x7168x16384: all 30 runs of
 * ours at 1351-1355 us right after cuBLASLt's at 1181-1299,
 * tests/gpu/results/2026-11-26-H100-suite-656d0a4/; interleaved, the ratio of the two
 * medians was 0.996-1.015 over four passes, tests/gpu/results/2026-11-26-H100-interleaved/).
 * With kernel time on (gh_timer_kernel_time) each timed run is also tagged for CUPTI
 * (harness_ktime.c), and the median of its kernels' summed GPU time is kept beside the
 * event time: what a profiler reports, as DeepGEMM's table in DESIGN.md was taken. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int gh_timer_init(gh_timer *t, size_t l2_bytes, int flush_mb, int warmup, int reps)
{
    t->flush_bytes = (size_t)256 << 20;
    if (t->flush_bytes < 4 * l2_bytes)
        t->flush_bytes = 4 * l2_bytes;
    if (flush_mb > 0)
        t->flush_bytes = (size_t)flush_mb << 20;
    t->warmup = warmup;
    t->reps = reps;
    t->cold_code_sms = 0;
    t->nev = 2 * reps * GH_TIMER_MAX_RUNNERS;
    t->ev = calloc((size_t)t->nev, sizeof(cudaEvent_t));
    if (!t->ev) {
        gh_set_error("gh_timer_init: out of host memory");
        return GH_ERROR;
    }
    GH_TRY(gh_malloc(&t->flush, t->flush_bytes));
    for (int i = 0; i < t->nev; i++)
        GH_CUDA(cudaEventCreate(&t->ev[i]));
    return GH_OK;
}

void gh_timer_cold_code(gh_timer *t, int sms)
{
    t->cold_code_sms = sms;
}

int gh_timer_kernel_time(gh_timer *t)
{
    GH_TRY(gh_ktime_open());
    t->kus = calloc((size_t)t->reps * GH_TIMER_MAX_RUNNERS, sizeof *t->kus);
    t->kcount = calloc((size_t)t->reps * GH_TIMER_MAX_RUNNERS, sizeof *t->kcount);
    if (!t->kus || !t->kcount) {
        gh_set_error("gh_timer_kernel_time: out of host memory");
        return GH_ERROR;
    }
    t->kernel_time = 1;
    return GH_OK;
}

void gh_timer_free(gh_timer *t)
{
    if (t->ev)
        for (int i = 0; i < t->nev; i++)
            if (t->ev[i])
                cudaEventDestroy(t->ev[i]);
    free(t->ev);
    free(t->kus);
    free(t->kcount);
    gh_free(t->flush);
    t->ev = NULL;
    t->kus = NULL;
    t->kcount = NULL;
    t->flush = NULL;
}

/* GH_TIME_TRACE=FILE appends one line per timed run: the host clock when the runs were
 * collected (CLOCK_REALTIME, ms; lines up with `nvidia-smi --query-gpu=timestamp,...`
 * logs), runner, shape, run index and its time. For telling clock or power changes on
 * the card from the kernel's own spread. */
static FILE *trace_file;
static double trace_ms;

static void trace_open(const gh_timer *t)
{
    const char *path = getenv("GH_TIME_TRACE");
    struct timespec ts;
    (void)t;
    if (!path)
        return;
    if (!trace_file)
        trace_file = fopen(path, "a");
    clock_gettime(CLOCK_REALTIME, &ts);
    trace_ms = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void trace_rep(const gh_call *c, int i, double us)
{
    if (trace_file)
        fprintf(trace_file, "%.1f %s %s %d %.3f\n", trace_ms, c->name, c->shape, i, us), fflush(trace_file);
}

static int run_once(const gh_call *c, cudaStream_t s)
{
    int rc = c->launch(c->ctx, s);
    if (rc != GH_OK)
        return rc;
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

int gh_timer_kernel_median(gh_timer *t, int n, int j, const char *name, gh_timing *out)
{
    double *us = malloc(sizeof(double) * (size_t)t->reps);
    if (!us) {
        gh_set_error("kernel time: out of host memory");
        return GH_ERROR;
    }
    out->kernels = 0;
    for (int i = 0; i < t->reps; i++) {
        const int at = i * n + j;
        if (t->kcount[at] == 0) {
            free(us);
            gh_set_error("kernel time: CUPTI recorded no kernel for %s's run %d (%s)", name, i, gh_ktime_seen());
            return GH_ERROR;
        }
        us[i] = t->kus[at];
        out->kernels = t->kcount[at] > out->kernels ? t->kcount[at] : out->kernels;
    }
    out->kernel_us = gh_median(us, t->reps);
    free(us);
    return GH_OK;
}

/* The median, min and max of call j's timed runs (events 2 * (i * n + j) and + 1). */
static int collect(gh_timer *t, int n, int j, const gh_call *c, gh_timing *out)
{
    double *us = malloc(sizeof(double) * (size_t)t->reps);
    if (!us) {
        gh_set_error("gh_time_calls: out of host memory");
        return GH_ERROR;
    }
    for (int i = 0; i < t->reps; i++) {
        float ms = 0;
        cudaError_t e = cudaEventElapsedTime(&ms, t->ev[2 * (i * n + j)], t->ev[2 * (i * n + j) + 1]);
        if (e != cudaSuccess) {
            free(us);
            gh_set_error("cudaEventElapsedTime: %s", cudaGetErrorString(e));
            return GH_ERROR;
        }
        us[i] = 1000.0 * ms;
        trace_rep(c, i, us[i]);
    }
    out->median_us = gh_median(us, t->reps);
    out->min_us = us[0];
    out->max_us = us[t->reps - 1];
    free(us);
    return t->kernel_time ? gh_timer_kernel_median(t, n, j, c->name, out) : GH_OK;
}

/* Runs call j once (its warm-up or a timed run); a failure is kept in out->rc / why.
 * tag > 0: a timed run, its launches tagged for kernel time. */
static void run_kept(const gh_call *c, cudaStream_t s, gh_timing *out, uint64_t tag)
{
    out->rc = tag ? gh_ktime_push(tag) : GH_OK;
    if (out->rc == GH_OK)
        out->rc = run_once(c, s);
    if (out->rc != GH_OK) /* the runner's own reason, before a pop could overwrite it */
        snprintf(out->why, sizeof out->why, "%s", gh_error());
    if (tag && gh_ktime_pop() != GH_OK && out->rc == GH_OK) {
        out->rc = GH_ERROR;
        snprintf(out->why, sizeof out->why, "%s", gh_error());
    }
}

/* The timed rounds: round i starts with runner i mod n, so no runner always follows the
 * same one (the clock a run gets depends on the power the runs before it drew); a runner
 * that fails while timed drops out and the others keep their runs. */
static int timed_rounds(gh_timer *t, int n, const gh_call *c, cudaStream_t s, gh_timing *out, int live)
{
    for (int i = 0; i < t->reps && live; i++)
        for (int jj = 0; jj < n; jj++) {
            const int j = (i + jj) % n;
            if (out[j].rc != GH_OK)
                continue;
            if (t->cold_code_sms > 0)
                GH_TRY(gh_icache_evict(t->cold_code_sms, s));
            GH_CUDA(cudaMemsetAsync(t->flush, i & 0xff, t->flush_bytes, s));
            GH_CUDA(cudaEventRecord(t->ev[2 * (i * n + j)], s));
            run_kept(&c[j], s, &out[j], t->kernel_time ? (uint64_t)(i * n + j + 1) : 0);
            GH_CUDA(cudaEventRecord(t->ev[2 * (i * n + j) + 1], s));
            live -= out[j].rc != GH_OK;
        }
    GH_CUDA(cudaStreamSynchronize(s));
    return GH_OK;
}

int gh_time_calls(gh_timer *t, int n, const gh_call *c, cudaStream_t s, gh_timing *out)
{
    if (n < 1 || n > GH_TIMER_MAX_RUNNERS) {
        gh_set_error("gh_time_calls: %d calls (1 .. %d)", n, GH_TIMER_MAX_RUNNERS);
        return GH_ERROR;
    }
    int live = 0;
    for (int j = 0; j < n; j++) {
        memset(&out[j], 0, sizeof out[j]);
        for (int i = 0; i < t->warmup && out[j].rc == GH_OK; i++)
            run_kept(&c[j], s, &out[j], 0);
        live += out[j].rc == GH_OK;
    }
    if (t->kernel_time)
        GH_TRY(gh_ktime_begin());
    int rc = timed_rounds(t, n, c, s, out, live);
    if (t->kernel_time && rc != GH_OK)
        gh_ktime_abort(); /* nothing of a failed timing reaches the next one */
    GH_TRY(rc);
    if (t->kernel_time)
        GH_TRY(gh_ktime_end(t->kus, t->kcount, t->reps * n));
    trace_open(t);
    for (int j = 0; j < n; j++)
        if (out[j].rc == GH_OK)
            GH_TRY(collect(t, n, j, &c[j], &out[j]));
    return GH_OK;
}

int gh_runner_launch(void *ctx, cudaStream_t s)
{
    const gh_runner_call *rc = ctx;
    return rc->r->fn(rc->p, rc->b, s);
}

int gh_time_runners(gh_timer *t, int n, const gh_runner *const *r, const gh_problem *p, const gh_buffers *b,
                    cudaStream_t s, gh_timing *out)
{
    gh_runner_call ctx[GH_TIMER_MAX_RUNNERS];
    gh_call c[GH_TIMER_MAX_RUNNERS];
    if (n < 1 || n > GH_TIMER_MAX_RUNNERS) {
        gh_set_error("gh_time_runners: %d runners (1 .. %d)", n, GH_TIMER_MAX_RUNNERS);
        return GH_ERROR;
    }
    for (int j = 0; j < n; j++) {
        ctx[j] = (gh_runner_call){r[j], &p[j], &b[j]};
        c[j] = (gh_call){.name = r[j]->name, .launch = gh_runner_launch, .ctx = &ctx[j]};
        snprintf(c[j].shape, sizeof c[j].shape, "%dx%dx%d", p[j].m, p[j].n, p[j].k);
    }
    return gh_time_calls(t, n, c, s, out);
}
