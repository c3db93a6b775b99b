/* workspace.h - the device buffers a split-K op (compiler/plan.h, dgk_plan_split) sums
 * its partials through: the partial sums and the arrival counters; a dynamic schedule
 * (dgk_plan_sched.dynamic) uses the counter buffer for its tile counters. Owned by one op,
 * allocated on the first launch that needs them, grown when a launch needs more, the
 * counters zeroed when allocated (the kernels set back to 0 every counter they use, so
 * they stay zero between launches, CUDA graph replays included), freed with the op.
 * op.c binds them as the kernel's DGK_ARG_WORKSPACE arguments. Driver calls go through
 * the dgk_cuda_api table, so tests can hand it a fake one. */
#ifndef DGK_WORKSPACE_H
#define DGK_WORKSPACE_H

#include <pthread.h>

#include "cuda_api.h"

typedef struct dgk_buffer {
    CUdeviceptr ptr;
    size_t bytes;
} dgk_buffer;

typedef struct dgk_workspace {
    pthread_mutex_t lock;
    dgk_buffer partials, counters;
    CUdeviceptr *retired;   /* outgrown buffers, kept until the op is freed (graphs may hold them) */
    int nretired;
    CUstream stream;    /* the stream of the last launch bound to it */
    pthread_t thread;   /* the thread of that launch: CU_STREAM_PER_THREAD names a
                         * different stream in each thread */
    int used;           /* some launch was bound to it since the last wait */
} dgk_workspace;

void dgk_workspace_init(dgk_workspace *w);
/* Held from the bind until the launch that uses the buffers is queued: another thread's
 * bind then sees that launch on its stream (and waits for it when it switches streams),
 * and never grows the buffers or changes the stream halfway through a bind. */
void dgk_workspace_lock(dgk_workspace *w);
void dgk_workspace_unlock(dgk_workspace *w);
/* With the lock held: the buffers for a launch on `stream` that needs `partial_bytes`
 * and `counter_bytes`, in *partials and *counters. Rules (launches that may overlap must
 * not share them):
 * - a launch on another stream than the last one first waits for that stream
 *   (cuStreamSynchronize), so two streams never run one op's kernels on its buffers at once;
 *   CU_STREAM_PER_THREAD from two threads is two streams, and the other thread's one
 *   cannot be named here, so that switch waits for the whole context (cuCtxSynchronize);
 * - growing allocates a new buffer and keeps the old one until the op is freed (queued
 *   launches and captured CUDA graphs may still use it, and its counters are zero); a
 *   new counter buffer is zeroed by cuMemsetD8Async on `stream`, ordered before the
 *   launch.
 * Errors name the driver call. */
dgk_status dgk_workspace_bind(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters);
/* Frees the buffers, outgrown ones included (the context must be current and the op's
 * launches finished). */
void dgk_workspace_free(dgk_workspace *w, const dgk_cuda_api *cu);

#endif
