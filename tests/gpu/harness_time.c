/* harness_time.cu - kernel timing as METHOD.md asks: warm-up runs first (module load,
 * JIT, handle creation and heuristics stay out), then many runs, each after writing a
 * buffer larger than L2 so every run reads its inputs from HBM, with CUDA events
 * around the runner call alone; the median is reported with min and max for spread.
 * The flush is enqueued before the start event, so it keeps the GPU busy while the
 * host enqueues the runner and launch gaps do not show up in the time. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int gh_timer_init(gh_timer *t, size_t l2_bytes, int warmup, int reps)
{
    t->flush_bytes = (size_t)256 << 20;
    if (t->flush_bytes < 4 * l2_bytes)
        t->flush_bytes = 4 * l2_bytes;
    t->warmup = warmup;
    t->reps = reps;
    t->ev = calloc((size_t)2 * reps, sizeof(cudaEvent_t));
    if (!t->ev) {
        gh_set_error("gh_timer_init: out of host memory");
        return GH_ERROR;
    }
    GH_TRY(gh_malloc(&t->flush, t->flush_bytes));
    for (int i = 0; i < 2 * reps; i++)
        GH_CUDA(cudaEventCreate(&t->ev[i]));
    return GH_OK;
}

void gh_timer_free(gh_timer *t)
{
    if (t->ev)
        for (int i = 0; i < 2 * t->reps; i++)
            if (t->ev[i])
                cudaEventDestroy(t->ev[i]);
    free(t->ev);
    gh_free(t->flush);
    t->ev = NULL;
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

static void trace_rep(const gh_runner *r, const gh_problem *p, int i, double us)
{
    if (trace_file)
        fprintf(trace_file, "%.1f %s %dx%dx%d %d %.3f\n", trace_ms, r->name, p->m, p->n, p->k, i, us), fflush(trace_file);
}

static int run_once(const gh_runner *r, const gh_problem *p, const gh_buffers *b,
                    cudaStream_t s)
{
    int rc = r->fn(p, b, s);
    if (rc != GH_OK)
        return rc;
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

int gh_time_runner(gh_timer *t, const gh_runner *r, const gh_problem *p,
                              const gh_buffers *b, cudaStream_t s, gh_timing *out)
{
    for (int i = 0; i < t->warmup; i++)
        GH_TRY(run_once(r, p, b, s));
    for (int i = 0; i < t->reps; i++) {
        GH_CUDA(cudaMemsetAsync(t->flush, i & 0xff, t->flush_bytes, s));
        GH_CUDA(cudaEventRecord(t->ev[2 * i], s));
        GH_TRY(run_once(r, p, b, s));
        GH_CUDA(cudaEventRecord(t->ev[2 * i + 1], s));
    }
    GH_CUDA(cudaStreamSynchronize(s));
    double *us = malloc(sizeof(double) * (size_t)t->reps);
    if (!us) {
        gh_set_error("gh_time_runner: out of host memory");
        return GH_ERROR;
    }
    trace_open(t);
    for (int i = 0; i < t->reps; i++) {
        float ms = 0;
        cudaError_t e = cudaEventElapsedTime(&ms, t->ev[2 * i], t->ev[2 * i + 1]);
        if (e != cudaSuccess) {
            free(us);
            gh_set_error("cudaEventElapsedTime: %s", cudaGetErrorString(e));
            return GH_ERROR;
        }
        us[i] = 1000.0 * ms;
        trace_rep(r, p, i, us[i]);
    }
    out->median_us = gh_median(us, t->reps);
    out->min_us = us[0];
    out->max_us = us[t->reps - 1];
    free(us);
    return GH_OK;
}
