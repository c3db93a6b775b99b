/* workspace.c - the split-K buffers of one op (workspace.h): bound per launch by op.c,
 * which takes the sizes from the plan (dgk_plan_split_*_bytes); the memory comes from
 * the driver table. The launch path takes one uncontended lock and does nothing else
 * unless the stream changed or a buffer must grow. */
#include "workspace.h"

#include "rt.h"

void dgk_workspace_init(dgk_workspace *w)
{
    pthread_mutex_init(&w->lock, NULL);
    w->partials = w->counters = (dgk_buffer){0, 0};
    w->stream = NULL;
    w->used = 0;
}

/* The last launch's stream has finished with the buffers. */
static dgk_status drain(dgk_workspace *w, const dgk_cuda_api *cu)
{
    if (!w->used)
        return DGK_OK;
    CUresult r = cu->cuStreamSynchronize(w->stream);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_launch: waiting for the previous stream of a split-K op (cuStreamSynchronize)");
    w->used = 0;
    return DGK_OK;
}

/* Replaces `b` by a buffer of `need` bytes; zeroed on `stream` when `zero`. */
static dgk_status grow(dgk_workspace *w, const dgk_cuda_api *cu, dgk_buffer *b, size_t need, int zero, CUstream stream)
{
    dgk_status s = drain(w, cu);
    if (s != DGK_OK)
        return s;
    if (b->ptr)
        cu->cuMemFree(b->ptr);
    *b = (dgk_buffer){0, 0};
    CUdeviceptr p = 0;
    CUresult r = cu->cuMemAlloc(&p, need);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_launch: allocating a split-K buffer (cuMemAlloc)");
    if (zero && (r = cu->cuMemsetD8Async(p, 0, need, stream)) != CUDA_SUCCESS) {
        cu->cuMemFree(p);
        return dgk_cuda_fail(cu, r, "dgk_op_launch: zeroing the split-K counters (cuMemsetD8Async)");
    }
    *b = (dgk_buffer){p, need};
    return DGK_OK;
}

static dgk_status bind_locked(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream)
{
    dgk_status s = DGK_OK;
    if (w->used && w->stream != stream)
        s = drain(w, cu);
    if (s == DGK_OK && partial_bytes > w->partials.bytes)
        s = grow(w, cu, &w->partials, partial_bytes, 0, stream);
    if (s == DGK_OK && counter_bytes > w->counters.bytes)
        s = grow(w, cu, &w->counters, counter_bytes, 1, stream);
    if (s == DGK_OK) {
        w->stream = stream;
        w->used = 1;
    }
    return s;
}

dgk_status dgk_workspace_bind(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters)
{
    pthread_mutex_lock(&w->lock);
    dgk_status s = bind_locked(w, cu, partial_bytes, counter_bytes, stream);
    *partials = w->partials.ptr;
    *counters = w->counters.ptr;
    pthread_mutex_unlock(&w->lock);
    return s;
}

void dgk_workspace_free(dgk_workspace *w, const dgk_cuda_api *cu)
{
    if (cu && w->partials.ptr)
        cu->cuMemFree(w->partials.ptr);
    if (cu && w->counters.ptr)
        cu->cuMemFree(w->counters.ptr);
    w->partials = w->counters = (dgk_buffer){0, 0};
    w->used = 0;
    pthread_mutex_destroy(&w->lock);
}
