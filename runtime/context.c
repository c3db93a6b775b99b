/* context.c - dgk_init / dgk_destroy: opens the driver (cuda_api.c), retains the device's
 * primary context, reads the properties the planner and launch checks need (SM count,
 * shared-memory limits, compute capability -> target) and owns the loaded kernels, the
 * memo and a per-context arena. */
#include <stdlib.h>
#include <string.h>

#include "context.h"

/* CUdevice attribute -> dgk_device_props field. */
typedef struct prop_row {
    CUdevice_attribute attr;
    size_t offset;
} prop_row;

static const prop_row prop_rows[] = {
    {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, offsetof(dgk_device_props, cc_major)},
    {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, offsetof(dgk_device_props, cc_minor)},
    {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, offsetof(dgk_device_props, sm_count)},
    {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, offsetof(dgk_device_props, max_threads_per_block)},
    {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, offsetof(dgk_device_props, smem_per_block)},
    {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, offsetof(dgk_device_props, smem_per_block_optin)},
    {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, offsetof(dgk_device_props, smem_per_sm)},
    {CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, offsetof(dgk_device_props, l2_bytes)},
    {CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH, offsetof(dgk_device_props, cluster_launch)},
};

static dgk_status read_props(dgk_context *ctx, int ordinal)
{
    const dgk_cuda_api *cu = ctx->cu;
    dgk_device_props *p = &ctx->props;
    p->ordinal = ordinal;
    for (size_t i = 0; i < sizeof prop_rows / sizeof prop_rows[0]; i++) {
        CUresult r = cu->cuDeviceGetAttribute((int *)((char *)p + prop_rows[i].offset),
                                              prop_rows[i].attr, ctx->dev);
        if (r != CUDA_SUCCESS)
            return dgk_cuda_fail(cu, r, "dgk_init: cuDeviceGetAttribute");
    }
    CUresult r = cu->cuDeviceGetName(p->name, sizeof p->name, ctx->dev);
    if (r == CUDA_SUCCESS)
        r = cu->cuDriverGetVersion(&p->driver_version);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_init: cuDeviceGetName");
    p->arch = dgk_arch_for_cc(p->cc_major, p->cc_minor);
    return DGK_OK;
}

static dgk_status open_device(dgk_context *ctx, int ordinal)
{
    const dgk_cuda_api *cu = ctx->cu;
    int count = 0;
    CUresult r = cu->cuInit(0);
    if (r == CUDA_ERROR_NO_DEVICE)
        return dgk_fail(DGK_ENODEVICE, "dgk_init: the CUDA driver sees no device (cuInit: CUDA_ERROR_NO_DEVICE)");
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_init: cuInit");
    if ((r = cu->cuDeviceGetCount(&count)) != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_init: cuDeviceGetCount");
    if (ordinal < 0 || ordinal >= count)
        return dgk_fail(DGK_ENODEVICE, "dgk_init: ordinal = %d, but the machine has %d CUDA device%s",
                        ordinal, count, count == 1 ? "" : "s");
    if ((r = cu->cuDeviceGet(&ctx->dev, ordinal)) != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_init: cuDeviceGet");
    if ((r = cu->cuDevicePrimaryCtxRetain(&ctx->cuctx, ctx->dev)) != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_init: cuDevicePrimaryCtxRetain");
    if ((r = cu->cuCtxSetCurrent(ctx->cuctx)) != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_init: cuCtxSetCurrent");
    return read_props(ctx, ordinal);
}

dgk_status dgk_init(int ordinal, dgk_context **out)
{
    if (!out)
        return dgk_fail(DGK_EINVAL, "dgk_init: out is NULL");
    *out = NULL;
    const dgk_cuda_api *cu;
    dgk_status s = dgk_cuda(&cu);
    if (s != DGK_OK)
        return s;
    dgk_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return dgk_fail(DGK_ENOMEM, "dgk_init: out of memory");
    ctx->cu = cu;
    pthread_mutex_init(&ctx->lock, NULL);
    dgk_arena_init(&ctx->arena);
    if ((s = open_device(ctx, ordinal)) != DGK_OK) {
        dgk_destroy(ctx);
        return s;
    }
    *out = ctx;
    return DGK_OK;
}

void dgk_destroy(dgk_context *ctx)
{
    if (!ctx)
        return;
    if (ctx->cuctx) {
        ctx->cu->cuCtxSetCurrent(ctx->cuctx);
        dgk_ops_free(ctx); /* their split-K buffers go back while the context lives */
        dgk_kernels_free(ctx);
        ctx->cu->cuDevicePrimaryCtxRelease(ctx->dev);
    }
    dgk_ops_free(ctx);
    dgk_memo_free(ctx);
    dgk_arena_free(&ctx->arena);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

dgk_status dgk_device_props_get(const dgk_context *ctx, dgk_device_props *out)
{
    if (!ctx || !out)
        return dgk_fail(DGK_EINVAL, "dgk_device_props_get: %s is NULL", ctx ? "out" : "ctx");
    *out = ctx->props;
    return DGK_OK;
}

dgk_status dgk_context_make_current(dgk_context *ctx)
{
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "dgk_context_make_current: ctx is NULL");
    CUresult r = ctx->cu->cuCtxSetCurrent(ctx->cuctx);
    return r == CUDA_SUCCESS ? DGK_OK : dgk_cuda_fail(ctx->cu, r, "dgk_context_make_current");
}

void *dgk_context_alloc(dgk_context *ctx, size_t size)
{
    if (!ctx) {
        dgk_fail(DGK_EINVAL, "dgk_context_alloc: ctx is NULL");
        return NULL;
    }
    pthread_mutex_lock(&ctx->lock);
    void *p = dgk_arena_alloc(&ctx->arena, size);
    pthread_mutex_unlock(&ctx->lock);
    if (!p)
        dgk_fail(DGK_ENOMEM, "dgk_context_alloc: out of memory for %zu bytes", size);
    return p;
}
