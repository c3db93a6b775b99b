/* grouped_concurrent.c - one shape computed by one runner from four places at once
 * (grouped.h, gg_concurrent_run): two CUDA graphs, captured on one stream, replayed side
 * by side on two streams, and eager calls on a third and a fourth. The stock contiguous kernels take their tiles from
 * device counters (`dynamic 1`); were two overlapping launches to share them, each would
 * take some of the other's tiles (left poisoned in its own D) and the counters would be
 * left non-zero for the next round. runtime/workspace.c gives each stream and each
 * captured launch its own; this is the GPU test of that. The shape is small (about 40
 * tiles), so the four kernels fit on the card together, and all four wait on one
 * event that a host function releases once they are queued, so they do overlap. GPU only: the
 * CPU emulation has no graphs. */
#include "grouped.h"

#include <string.h>

enum { NSTREAMS = GG_CONCURRENT };

typedef struct conc {
    cudaStream_t s[NSTREAMS], gate_stream;
    cudaEvent_t gate;          /* recorded after gate_fn: every stream waits on it */
    volatile int open;         /* set once every launch is queued */
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

/* Judges the cases after a round; *failed when one failed. */
static int judge_all(gg_case c[NSTREAMS], const gg_runner *r, gg_verdict v[NSTREAMS], cudaStream_t s, int *failed)
{
    *failed = 0;
    for (int i = 0; i < NSTREAMS; i++) {
        GH_TRY(gg_case_judge(&c[i], r, &v[i], s));
        *failed |= !v[i].pass;
    }
    return GH_OK;
}

/* Holds the gate stream (and so every stream waiting on its event) until the host has
 * queued every launch: the kernels then become ready together and overlap, rather than
 * the first running alone while the host queues the others. */
static void CUDART_CB gate_fn(void *arg)
{
    const volatile int *open = arg;
    while (!*open)
        ;
}

/* One round: poison every D; close the gate; queue the two graphs and the eager calls
 * behind it on their streams; open it; wait for all. */
static int one_round(conc *x, gg_case c[NSTREAMS], const gg_runner *r, gg_verdict v[NSTREAMS])
{
    for (int i = 0; i < NSTREAMS; i++)
        GH_TRY(gg_case_poison(&c[i], x->s[i]));
    GH_TRY(cuda_ok(cudaDeviceSynchronize(), "poisoning D"));
    x->open = 0;
    GH_TRY(cuda_ok(cudaLaunchHostFunc(x->gate_stream, gate_fn, (void *)&x->open), "cudaLaunchHostFunc"));
    GH_TRY(cuda_ok(cudaEventRecord(x->gate, x->gate_stream), "cudaEventRecord"));
    for (int i = 0; i < NSTREAMS; i++)
        GH_TRY(cuda_ok(cudaStreamWaitEvent(x->s[i], x->gate, 0), "cudaStreamWaitEvent"));
    int st = GH_OK;
    for (int i = 0; i < 2 && st == GH_OK; i++)
        st = cuda_ok(cudaGraphLaunch(x->exec[i], x->s[i]), "cudaGraphLaunch");
    for (int i = 2; i < NSTREAMS && st == GH_OK; i++)
        if ((v[i].status = r->fn(&x->p[i], &x->b[i], x->s[i])) != GH_OK)
            st = GH_ERROR; /* the runner set the error */
    x->open = 1;   /* always: a closed gate would hang the synchronize */
    GH_TRY(st);
    return cuda_ok(cudaDeviceSynchronize(), "the concurrent round");
}

static int run(conc *x, gg_case c[NSTREAMS], const gg_runner *r, int rounds, gg_verdict v[NSTREAMS], int *round)
{
    GH_TRY(cuda_ok(cudaStreamCreateWithFlags(&x->gate_stream, cudaStreamNonBlocking), "cudaStreamCreate"));
    GH_TRY(cuda_ok(cudaEventCreateWithFlags(&x->gate, cudaEventDisableTiming), "cudaEventCreate"));
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

int gg_concurrent_run(gg_case c[NSTREAMS], const gg_runner *r, int rounds, gg_verdict v[NSTREAMS], int *round)
{
    conc x;
    memset(&x, 0, sizeof x);
    memset(v, 0, NSTREAMS * sizeof *v);
    int st = run(&x, c, r, rounds, v, round);
    x.open = 1;
    cudaDeviceSynchronize(); /* nothing queued may outlive the streams and the cases' buffers */
    if (x.gate)
        cudaEventDestroy(x.gate);
    if (x.gate_stream)
        cudaStreamDestroy(x.gate_stream);
    for (int i = 0; i < 2; i++)
        if (x.exec[i])
            cudaGraphExecDestroy(x.exec[i]);
    for (int i = 0; i < NSTREAMS; i++)
        if (x.s[i])
            cudaStreamDestroy(x.s[i]);
    return st;
}
