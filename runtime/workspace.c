/* workspace.c - the workspace buffers of one op (workspace.h: split-K partial sums and
 * counters, a dynamic schedule's tile counters): bound per launch by op.c, which takes
 * the sizes from the plan (dgk_plan_split_partial_bytes, dgk_plan_counter_bytes); the
 * memory comes from the driver table. An eager launch takes one uncontended lock (op.c
 * holds it until the kernel is queued), asks whether its stream is capturing, finds its
 * stream's slot and does nothing else unless a buffer must grow. */
#include "workspace.h"

#include <stdlib.h>

#include "rt.h"

void dgk_workspace_init(dgk_workspace *w)
{
    pthread_mutex_init(&w->lock, NULL);
    w->nslots = 0;
    w->uses = 0;
    w->kept = NULL;
    w->nkept = 0;
}

void dgk_workspace_lock(dgk_workspace *w)
{
    pthread_mutex_lock(&w->lock);
}

void dgk_workspace_unlock(dgk_workspace *w)
{
    pthread_mutex_unlock(&w->lock);
}

/* Keeps a buffer until the op is freed: a queued launch or a captured CUDA graph may use
 * it (freeing it earlier would need a device-wide wait, and graphs would break). */
static dgk_status keep(dgk_workspace *w, CUdeviceptr p)
{
    CUdeviceptr *k = realloc(w->kept, sizeof *k * (size_t)(w->nkept + 1));
    if (!k)
        return dgk_fail(DGK_ENOMEM, "dgk_op_launch: out of memory keeping a workspace buffer (split-K, tile counters)");
    k[w->nkept++] = p;
    w->kept = k;
    return DGK_OK;
}

/* cuMemAlloc is one of the calls a global-mode capture forbids on this thread; it does
 * not touch any stream, so it runs in relaxed mode and the thread's mode is put back. */
static CUresult alloc(const dgk_cuda_api *cu, CUdeviceptr *p, size_t bytes, int capturing)
{
    CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
    if (capturing && cu->cuThreadExchangeStreamCaptureMode(&mode) != CUDA_SUCCESS)
        capturing = 0; /* the allocation reports what is wrong */
    CUresult r = cu->cuMemAlloc(p, bytes);
    if (capturing)
        cu->cuThreadExchangeStreamCaptureMode(&mode);
    return r;
}

/* A new buffer of `need` bytes in *p, zeroed on `stream` (ordered before the launch, and
 * captured with it) when `zero`. */
static dgk_status fresh(const dgk_cuda_api *cu, CUdeviceptr *p, size_t need, int zero, CUstream stream, int capturing)
{
    *p = 0;
    CUresult r = alloc(cu, p, need, capturing);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_launch: allocating a workspace buffer (split-K, tile counters) (cuMemAlloc)");
    if (zero && (r = cu->cuMemsetD8Async(*p, 0, need, stream)) != CUDA_SUCCESS) {
        cu->cuMemFree(*p);
        *p = 0;
        return dgk_cuda_fail(cu, r, "dgk_op_launch: zeroing the workspace counters (split-K, tile counters) (cuMemsetD8Async)");
    }
    return DGK_OK;
}

/* Replaces `b` by a buffer of `need` bytes if it is smaller, keeping the old one. */
static dgk_status grow(dgk_workspace *w, const dgk_cuda_api *cu, dgk_buffer *b, size_t need, int zero, CUstream stream)
{
    if (need <= b->bytes)
        return DGK_OK;
    CUdeviceptr p;
    dgk_status s = fresh(cu, &p, need, zero, stream, 0);
    if (s == DGK_OK && b->ptr && (s = keep(w, b->ptr)) != DGK_OK)
        cu->cuMemFree(p);
    if (s == DGK_OK)
        *b = (dgk_buffer){p, need};
    return s;
}

/* A captured launch: buffers of its own, kept with the op. */
static dgk_status bind_captured(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                                CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters)
{
    dgk_status s = DGK_OK;
    if (partial_bytes && (s = fresh(cu, partials, partial_bytes, 0, stream, 1)) == DGK_OK &&
        (s = keep(w, *partials)) != DGK_OK)
        cu->cuMemFree(*partials);
    if (s == DGK_OK && counter_bytes && (s = fresh(cu, counters, counter_bytes, 1, stream, 1)) == DGK_OK &&
        (s = keep(w, *counters)) != DGK_OK)
        cu->cuMemFree(*counters);
    return s;
}

/* The handle CU_STREAM_PER_THREAD is one value for a different stream in each thread. */
static int owns(const dgk_ws_slot *sl, CUstream stream)
{
    return sl->stream == stream && (stream != CU_STREAM_PER_THREAD || pthread_equal(sl->thread, pthread_self()));
}

/* Waits until the slot's stream has finished with its buffers. Another thread's
 * per-thread stream cannot be named from this one: wait for the whole context instead. */
static dgk_status drain(const dgk_ws_slot *sl, const dgk_cuda_api *cu)
{
    int ctx = sl->stream == CU_STREAM_PER_THREAD && !pthread_equal(sl->thread, pthread_self());
    CUresult r = ctx ? cu->cuCtxSynchronize() : cu->cuStreamSynchronize(sl->stream);
    if (r == CUDA_SUCCESS)
        return DGK_OK;
    return dgk_cuda_fail(cu, r, ctx ? "dgk_op_launch: waiting for another thread's per-thread stream to free a workspace slot (cuCtxSynchronize)"
                                    : "dgk_op_launch: waiting for another stream to free a workspace slot (cuStreamSynchronize)");
}

/* The slot of `stream`: its own, a new one, or the least recently used one once its
 * stream has finished with it. */
static dgk_status slot_for(dgk_workspace *w, const dgk_cuda_api *cu, CUstream stream, dgk_ws_slot **out)
{
    int lru = 0;
    for (int i = 0; i < w->nslots; i++) {
        if (owns(&w->slot[i], stream))
            return *out = &w->slot[i], DGK_OK;
        if (w->slot[i].last_use < w->slot[lru].last_use)
            lru = i;
    }
    if (w->nslots < DGK_WS_STREAMS) {
        *out = &w->slot[w->nslots++];
        **out = (dgk_ws_slot){.stream = stream, .thread = pthread_self()};
        return DGK_OK;
    }
    *out = &w->slot[lru];
    return drain(*out, cu);
}

static dgk_status capturing(const dgk_cuda_api *cu, CUstream stream, int *yes)
{
    CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_NONE;
    CUresult r = cu->cuStreamIsCapturing(stream, &st);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_launch: asking whether the stream is being captured (cuStreamIsCapturing)");
    if (st == CU_STREAM_CAPTURE_STATUS_INVALIDATED)
        return dgk_fail(DGK_ECUDA, "dgk_op_launch: the stream's CUDA graph capture has been invalidated by an "
                                   "earlier call; end the capture (cuStreamEndCapture) and capture again");
    *yes = st == CU_STREAM_CAPTURE_STATUS_ACTIVE;
    return DGK_OK;
}

dgk_status dgk_workspace_bind(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                              CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters)
{
    *partials = *counters = 0;
    int cap = 0;
    dgk_status s = capturing(cu, stream, &cap);
    if (s != DGK_OK || cap)
        return s != DGK_OK ? s : bind_captured(w, cu, partial_bytes, counter_bytes, stream, partials, counters);
    dgk_ws_slot *sl;
    if ((s = slot_for(w, cu, stream, &sl)) != DGK_OK)
        return s;
    sl->stream = stream;
    sl->thread = pthread_self();
    sl->last_use = ++w->uses;
    if ((s = grow(w, cu, &sl->partials, partial_bytes, 0, stream)) == DGK_OK)
        s = grow(w, cu, &sl->counters, counter_bytes, 1, stream);
    *partials = sl->partials.ptr;
    *counters = sl->counters.ptr;
    return s;
}

void dgk_workspace_free(dgk_workspace *w, const dgk_cuda_api *cu)
{
    for (int i = 0; cu && i < w->nslots; i++) {
        if (w->slot[i].partials.ptr)
            cu->cuMemFree(w->slot[i].partials.ptr);
        if (w->slot[i].counters.ptr)
            cu->cuMemFree(w->slot[i].counters.ptr);
    }
    for (int i = 0; cu && i < w->nkept; i++)
        cu->cuMemFree(w->kept[i]);
    free(w->kept);
    w->kept = NULL;
    w->nkept = 0;
    w->nslots = 0;
    pthread_mutex_destroy(&w->lock);
}
