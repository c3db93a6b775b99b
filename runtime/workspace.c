/* workspace.c - the workspace buffers of one op (workspace.h: split-K and tail_split partial sums and
 * counters, a dynamic schedule's tile counters): bound per launch by op.c, which takes
 * the sizes from the plan (dgk_plan_partial_bytes, dgk_plan_counter_bytes); the
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
        return dgk_fail(DGK_ENOMEM, "dgk_op_launch: out of memory keeping a workspace buffer (split-K, tail_split, tile counters)");
    k[w->nkept++] = p;
    w->kept = k;
    return DGK_OK;
}

/* cuMemAlloc is one of the calls a global-mode capture forbids: on this thread while it
 * captures, and on every thread while another thread captures in global mode (an eager
 * launch's first use of a stream would then fail and invalidate that other capture). It
 * touches no stream, so it always runs in relaxed mode and the thread's mode is put back. */
static CUresult alloc(const dgk_cuda_api *cu, CUdeviceptr *p, size_t bytes)
{
    CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
    CUresult r = cu->cuThreadExchangeStreamCaptureMode(&mode);
    if (r != CUDA_SUCCESS)
        return r;
    r = cu->cuMemAlloc(p, bytes);
    CUresult back = cu->cuThreadExchangeStreamCaptureMode(&mode);
    if (r == CUDA_SUCCESS && back != CUDA_SUCCESS) {
        cu->cuMemFree(*p);
        *p = 0;
        return back;
    }
    return r;
}

/* A new buffer of `need` bytes in *p, zeroed on `stream` (ordered before the launch, and
 * captured with it) when `zero`. */
static dgk_status fresh(const dgk_cuda_api *cu, CUdeviceptr *p, size_t need, int zero, CUstream stream)
{
    *p = 0;
    CUresult r = alloc(cu, p, need);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_launch: allocating a workspace buffer (split-K, tail_split, tile counters) (cuMemAlloc in "
                                    "relaxed capture mode, cuThreadExchangeStreamCaptureMode)");
    if (zero && (r = cu->cuMemsetD8Async(*p, 0, need, stream)) != CUDA_SUCCESS) {
        cu->cuMemFree(*p);
        *p = 0;
        return dgk_cuda_fail(cu, r, "dgk_op_launch: zeroing the workspace counters (split-K, tail_split, tile counters) (cuMemsetD8Async)");
    }
    return DGK_OK;
}

/* Replaces `b` by a buffer of `need` bytes if it is smaller, keeping the old one. */
static dgk_status grow(dgk_workspace *w, const dgk_cuda_api *cu, dgk_buffer *b, size_t need, int zero, CUstream stream)
{
    if (need <= b->bytes)
        return DGK_OK;
    CUdeviceptr p;
    dgk_status s = fresh(cu, &p, need, zero, stream);
    if (s == DGK_OK && b->ptr && (s = keep(w, b->ptr)) != DGK_OK)
        cu->cuMemFree(p);
    if (s == DGK_OK)
        *b = (dgk_buffer){p, need};
    return s;
}

/* A new buffer of `need` bytes (none for 0) that the op keeps until it is freed. */
static dgk_status fresh_kept(dgk_workspace *w, const dgk_cuda_api *cu, CUdeviceptr *p, size_t need, int zero,
                             CUstream stream)
{
    dgk_status s = need ? fresh(cu, p, need, zero, stream) : DGK_OK;
    if (s == DGK_OK && need && (s = keep(w, *p)) != DGK_OK)
        cu->cuMemFree(*p);
    return s;
}

/* A captured launch: buffers of its own, kept with the op. */
static dgk_status bind_captured(dgk_workspace *w, const dgk_cuda_api *cu, size_t partial_bytes, size_t counter_bytes,
                                CUstream stream, CUdeviceptr *partials, CUdeviceptr *counters)
{
    dgk_status s = fresh_kept(w, cu, partials, partial_bytes, 0, stream);
    return s == DGK_OK ? fresh_kept(w, cu, counters, counter_bytes, 1, stream) : s;
}

/* A stream is known by the driver's id, unique for the life of the process, not by its
 * handle: a destroyed stream's handle may come back for a new stream while the old one's
 * work still runs (cuStreamDestroy returns at once; on the H100 the next cuStreamCreate
 * did return the same handle, with a new id: rt_gpu_test's stream_ids), and
 * CU_STREAM_PER_THREAD (and NULL under per-thread default-stream semantics) is one handle
 * for a stream per thread. Asked only of a stream that is not capturing: on a capturing
 * stream cuStreamGetId fails with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidates
 * the capture, in any capture mode (driver 580, tests/gpu/results/2026-11-26-H100-concurrent/). */
static dgk_status stream_id(const dgk_cuda_api *cu, CUstream stream, unsigned long long *id)
{
    CUresult r = cu->cuStreamGetId(stream, id);
    return r == CUDA_SUCCESS ? DGK_OK
                             : dgk_cuda_fail(cu, r, "dgk_op_launch: identifying the launch's stream (cuStreamGetId); "
                                                    "pass a live stream of the op's context");
}

/* Waits until the slot's last stream has finished with its buffers. That stream may have
 * been destroyed since, or be another thread's per-thread stream, so its handle cannot be
 * waited on: wait for the whole context, which holds its work in either case. */
static dgk_status drain(const dgk_cuda_api *cu)
{
    CUresult r = cu->cuCtxSynchronize();
    return r == CUDA_SUCCESS ? DGK_OK
                             : dgk_cuda_fail(cu, r, "dgk_op_launch: waiting for the context before taking over the "
                                                    "workspace slot of another stream (cuCtxSynchronize); more than "
                                                    "64 streams launched the op");
}

/* The slot of stream `id`: its own, a new one, or the least recently used one, taken
 * over once the context has finished with it. */
static dgk_status slot_for(dgk_workspace *w, const dgk_cuda_api *cu, unsigned long long id, dgk_ws_slot **out)
{
    int lru = 0;
    for (int i = 0; i < w->nslots; i++) {
        if (w->slot[i].stream_id == id)
            return *out = &w->slot[i], DGK_OK;
        if (w->slot[i].last_use < w->slot[lru].last_use)
            lru = i;
    }
    if (w->nslots < DGK_WS_STREAMS) {
        *out = &w->slot[w->nslots++];
        **out = (dgk_ws_slot){.stream_id = id};
        return DGK_OK;
    }
    dgk_status s = drain(cu);
    if (s == DGK_OK)
        w->slot[lru].stream_id = id;
    *out = &w->slot[lru];
    return s;
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
    unsigned long long id;
    dgk_ws_slot *sl;
    if ((s = stream_id(cu, stream, &id)) != DGK_OK || (s = slot_for(w, cu, id, &sl)) != DGK_OK)
        return s;
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
