/* grouped_concurrent.c - one shape computed by one runner from three places at once
 * (grouped.h, gg_concurrent_run): two CUDA graphs, captured on one stream, replayed side
 * by side on two streams, and an eager call on a third. The stock contiguous kernels take their tiles from
 * device counters (`dynamic 1`); were two overlapping launches to share them, each would
 * take some of the other's tiles (left poisoned in its own D) and the counters would be
 * left non-zero for the next round. runtime/workspace.c gives each stream and each
 * captured launch its own; this is the GPU test of that. The shape is small (about 40
 * tiles), so the three kernels fit on the card together and do overlap. GPU only: the
 * CPU emulation has no graphs. */
#include "grouped.h"

#include <string.h>

enum { NSTREAMS = 3 };

typedef struct conc {
    cudaStream_t s[NSTREAMS];
    cudaGraphExec_t exec[2];
    gg_problem p[NSTREAMS];
    gg_buffers b[NSTREAMS];
} conc;

static int cuda_ok(cudaError_t e, const char *what)
{
    if (e == cudaSuccess)
        return GH_OK;
    gh_set_error("%s: %s", what, cudaGetErrorString(e));
    return GH_ERROR;
}

/* Captures the runner on case i's buffers into exec[i]. Both graphs are captured on the
 * first stream (as a program with one capture stream does) and replayed on two: buffers
 * bound per capturing stream would be shared by the two graphs. Global capture mode (the
 * strictest, PyTorch's default): the library may not make calls that mode forbids. */
static int capture(conc *x, const gg_runner *r, int i)
{
    cudaGraph_t g = NULL;
    GH_TRY(cuda_ok(cudaStreamBeginCapture(x->s[0], cudaStreamCaptureModeGlobal), "cudaStreamBeginCapture"));
    int st = r->fn(&x->p[i], &x->b[i], x->s[0]);
    cudaError_t e = cudaStreamEndCapture(x->s[0], &g);
    if (st != GH_OK)
        return st;
    GH_TRY(cuda_ok(e, "cudaStreamEndCapture"));
    e = cudaGraphInstantiate(&x->exec[i], g, 0);
    cudaGraphDestroy(g);
    return cuda_ok(e, "cudaGraphInstantiate");
}

/* Judges the three cases after a round; 1 when one failed. */
static int judge_all(gg_case c[3], const gg_runner *r, gg_verdict v[3], cudaStream_t s, int *failed)
{
    *failed = 0;
    for (int i = 0; i < NSTREAMS; i++) {
        GH_TRY(gg_case_judge(&c[i], r, &v[i], s));
        *failed |= !v[i].pass;
    }
    return GH_OK;
}

/* One round: poison the three D, then the two graphs and the eager call queued back to
 * back on their streams, then wait for all. */
static int one_round(conc *x, gg_case c[3], const gg_runner *r, gg_verdict v[3])
{
    for (int i = 0; i < NSTREAMS; i++)
        GH_TRY(gg_case_poison(&c[i], x->s[i]));
    GH_TRY(cuda_ok(cudaDeviceSynchronize(), "poisoning D"));
    for (int i = 0; i < 2; i++)
        GH_TRY(cuda_ok(cudaGraphLaunch(x->exec[i], x->s[i]), "cudaGraphLaunch"));
    v[2].status = r->fn(&x->p[2], &x->b[2], x->s[2]);
    if (v[2].status != GH_OK)
        return GH_ERROR;
    return cuda_ok(cudaDeviceSynchronize(), "the concurrent round");
}

static int run(conc *x, gg_case c[3], const gg_runner *r, int rounds, gg_verdict v[3], int *round)
{
    for (int i = 0; i < NSTREAMS; i++) {
        GH_TRY(cuda_ok(cudaStreamCreateWithFlags(&x->s[i], cudaStreamNonBlocking), "cudaStreamCreate"));
        GH_TRY(gg_case_buffers(&c[i], r->in, &x->p[i], &x->b[i], x->s[i]));
    }
    /* the warm-up a program does before capturing: an eager call on the capture stream
     * (it also compiles the op, which a capture would not allow) */
    *round = -1;
    GH_TRY(gg_case_run(&c[0], r, &v[0], x->s[0]));
    if (v[0].status != GH_OK || !v[0].pass)
        return GH_OK;
    for (int i = 0; i < 2; i++)
        GH_TRY(capture(x, r, i));
    for (*round = 0; *round < rounds; ++*round) {
        int failed;
        GH_TRY(one_round(x, c, r, v));
        GH_TRY(judge_all(c, r, v, x->s[0], &failed));
        if (failed)
            return GH_OK;
    }
    --*round;
    return GH_OK;
}

int gg_concurrent_run(gg_case c[3], const gg_runner *r, int rounds, gg_verdict v[3], int *round)
{
    conc x;
    memset(&x, 0, sizeof x);
    memset(v, 0, 3 * sizeof *v);
    int st = run(&x, c, r, rounds, v, round);
    for (int i = 0; i < 2; i++)
        if (x.exec[i])
            cudaGraphExecDestroy(x.exec[i]);
    for (int i = 0; i < NSTREAMS; i++)
        if (x.s[i])
            cudaStreamDestroy(x.s[i]);
    return st;
}
