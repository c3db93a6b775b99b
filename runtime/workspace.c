/* workspace.c - the workspace buffers of one op (workspace.h: split-K partial sums and
 * counters, a dynamic schedule's tile counters): bound per launch by op.c,
 * which takes the sizes from the plan (dgk_plan_split_partial_bytes, dgk_plan_counter_bytes); the memory comes from
 * the driver table. A launch takes one uncontended lock (op.c holds it until the kernel
 * is queued) and does nothing else unless the stream changed or a buffer must grow. */
#include "workspace.h"

#include <stdlib.h>

#include "rt.h"

void dgk_workspace_init(dgk_workspace *w)
{
    pthread_mutex_init(&w->lock, NULL);
    w->partials = w->counters = (dgk_buffer){0, 0};
    w->retired = NULL;
    w->nretired = 0;
    w->stream = NULL;
    w->thread = pthread_self();
    w->used = 0;
}

void dgk_workspace_lock(dgk_workspace *w)
{
    pthread_mutex_lock(&w->lock);
}

void dgk_workspace_unlock(dgk_workspace *w)
{
    pthread_mutex_unlock(&w->lock);
}

/* The handle CU_STREAM_PER_THREAD is one value for a different stream in each thread. */
static int other_thread(const dgk_workspace *w)
{
    return w->stream == CU_STREAM_PER_THREAD && !pthread_equal(w->thread, pthread_self());
}

static int same_stream(const dgk_workspace *w, CUstream stream)
{
    return w->stream == stream && !other_thread(w);
}

/* The last launch's stream has finished with the buffers. Another thread's per-thread
 * stream cannot be named from this one: wait for the whole context instead. */
static dgk_status drain(dgk_workspace *w, const dgk_cuda_api *cu)
{
    if (!w->used)
        return DGK_OK;
    int ctx = other_thread(w);
    CUresult r = ctx ? cu->cuCtxSynchronize() : cu->cuStreamSynchronize(w->stream);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, ctx ? "dgk_op_launch: waiting for another thread's per-thread stream of an op with a workspace (cuCtxSynchronize)"
                                        : "dgk_op_launch: waiting for the previous stream of an op with a workspace (cuStreamSynchronize)");
    w->used = 0;
    return DGK_OK;
}

/* Keeps an outgrown buffer until the op is freed: a launch still queued, or a captured
 * CUDA graph, may use it (freeing would need a device-wide wait, and graphs would break). */
static dgk_status retire(dgk_workspace *w, CUdeviceptr p)
{
    CUdeviceptr *r = realloc(w->retired, sizeof *r * (size_t)(w->nretired + 1));
    if (!r)
        return dgk_fail(DGK_ENOMEM, "dgk_op_launch: out of memory growing the workspace (split-K buffers, tile counters)");
    r[w->nretired++] = p;
    w->retired = r;
    return DGK_OK;
}

/* Replaces `b` by a buffer of `need` bytes; zeroed on `stream` when `zero`. */
static dgk_status grow(dgk_workspace *w, const dgk_cuda_api *cu, dgk_buffer *b, size_t need, int zero, CUstream stream)
{
    CUdeviceptr p = 0;
    CUresult r = cu->cuMemAlloc(&p, need);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_launch: allocating a workspace buffer (split-K, tile counters) (cuMemAlloc)");
    if (zero && (r = cu->cuMemsetD8Async(p, 0, need, stream)) != CUDA_SUCCESS) {
        cu->cuMemFree(p);
        return dgk_cuda_fail(cu, r, "dgk_op_launch: zeroing the workspace counters (split-K, tile counters) (cuMemsetD8Async)");
    }
    dgk_status s = b->ptr ? retire(w, b->ptr) : DGK_OK;
    if (s != DGK_OK) {
        cu->cuMemFree(p);
        return s;
    }
    *b = (dgk_buffer){p, need};
    return DGK_OK;
}

static dgk_status bind_locked(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream)
{
    dgk_status s = DGK_OK;
    if (w->used && !same_stream(w, stream))
        s = drain(w, cu);
    if (s == DGK_OK && partial_bytes > w->partials.bytes)
        s = grow(w, cu, &w->partials, partial_bytes, 0, stream);
    if (s == DGK_OK && counter_bytes > w->counters.bytes)
        s = grow(w, cu, &w->counters, counter_bytes, 1, stream);
    if (s == DGK_OK) {
        w->stream = stream;
        w->thread = pthread_self();
        w->used = 1;
    }
    return s;
}

dgk_status dgk_workspace_bind(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters)
{
    dgk_status s = bind_locked(w, cu, partial_bytes, counter_bytes, stream);
    *partials = w->partials.ptr;
    *counters = w->counters.ptr;
    return s;
}

void dgk_workspace_free(dgk_workspace *w, const dgk_cuda_api *cu)
{
    if (cu && w->partials.ptr)
        cu->cuMemFree(w->partials.ptr);
    if (cu && w->counters.ptr)
        cu->cuMemFree(w->counters.ptr);
    for (int i = 0; cu && i < w->nretired; i++)
        cu->cuMemFree(w->retired[i]);
    free(w->retired);
    w->retired = NULL;
    w->nretired = 0;
    w->partials = w->counters = (dgk_buffer){0, 0};
    w->used = 0;
    pthread_mutex_destroy(&w->lock);
}
