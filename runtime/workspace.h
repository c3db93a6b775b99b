/* workspace.h - the device buffers a split-K op (compiler/plan.h, dgk_plan_split) sums
 * its partials through: the partial sums and the arrival counters; a dynamic schedule
 * (dgk_plan_sched.dynamic) uses the counter buffer for its tile counters. Owned by one op,
 * freed with it. op.c binds them as the kernel's DGK_ARG_WORKSPACE arguments. Driver
 * calls go through the dgk_cuda_api table, so tests can hand it a fake one.
 *
 * Two launches that may run at the same time must never share buffers (the counters
 * would hand one launch's tiles to the other and be left non-zero), so a launch gets:
 * - captured into a CUDA graph: buffers of its own, kept until the op is freed (the graph
 *   may be replayed any time, beside other graphs and eager launches of the op); its
 *   counters are zeroed by a memset captured just before the kernel;
 * - otherwise: the buffers of its stream's slot. Launches on one stream are ordered by
 *   the stream, so they share a slot; each other stream gets a slot of its own, up to
 *   DGK_WS_STREAMS; past that, the least recently used slot is taken over after waiting
 *   for the context (cuCtxSynchronize). A stream is known by its cuStreamGetId, not its
 *   handle: a destroyed stream's handle may name a new stream while the old one's work
 *   still runs, and CU_STREAM_PER_THREAD names a different stream in each thread.
 * Counters are zeroed when allocated (cuMemsetD8Async on the launch's stream); the
 * kernels set back to 0 every counter they use, so they stay zero between launches. */
#ifndef DGK_WORKSPACE_H
#define DGK_WORKSPACE_H

#include <pthread.h>

#include "cuda_api.h"

/* 64: PyTorch hands out streams from pools of 32 per priority, so a program that takes a
 * fresh torch.cuda.Stream() per batch cycles through up to 64; slots are allocated only
 * when a stream first uses them. */
enum { DGK_WS_STREAMS = 64 };

typedef struct dgk_buffer {
    CUdeviceptr ptr;
    size_t bytes;
} dgk_buffer;

/* The buffers of the eager launches on one stream. */
typedef struct dgk_ws_slot {
    dgk_buffer partials, counters;
    unsigned long long stream_id; /* cuStreamGetId: handles are reused, ids are not */
    unsigned long last_use;    /* for taking over the least recently used slot */
} dgk_ws_slot;

typedef struct dgk_workspace {
    pthread_mutex_t lock;
    dgk_ws_slot slot[DGK_WS_STREAMS];
    int nslots;
    unsigned long uses;
    CUdeviceptr *kept;         /* outgrown buffers and captured launches' own, freed with the op */
    int nkept;
} dgk_workspace;

void dgk_workspace_init(dgk_workspace *w);
/* Held from the bind until the launch that uses the buffers is queued: another thread's
 * bind then sees that launch on its stream, and never grows the buffers or takes over
 * the slot halfway through a bind. */
void dgk_workspace_lock(dgk_workspace *w);
void dgk_workspace_unlock(dgk_workspace *w);
/* With the lock held: the buffers for a launch on `stream` that needs `partial_bytes`
 * and `counter_bytes`, in *partials and *counters (the rules above). Growing a slot's
 * buffer allocates a new one and keeps the old until the op is freed (queued launches
 * may still use it). Allocation during a capture switches this thread to relaxed capture
 * mode for the cuMemAlloc (as graph-aware allocators do); so does every allocation, which
 * another thread's global-mode capture would otherwise forbid. Errors name the driver call. */
dgk_status dgk_workspace_bind(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters);
/* Frees every buffer, kept ones included (the context must be current and the op's
 * launches and graphs finished). */
void dgk_workspace_free(dgk_workspace *w, const dgk_cuda_api *cu);

#endif
