/* module.c - dgk_kernel_get: a program becomes a launchable kernel on a context. The
 * binary comes through the cache (compile.c); cuModuleLoadData loads it, the entry's
 * attributes (static smem, thread limit, parameter count) are read once here so that
 * dgk_launch can check a launch without asking the driver. The context keeps every
 * kernel it loaded, by cache key and kernel name, so asking again is a table lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"

static dgk_kernel *find(dgk_context *ctx, const uint8_t key[16], const char *name)
{
    for (dgk_kernel *k = ctx->kernels; k; k = k->next)
        if (memcmp(k->key, key, 16) == 0 && strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static void kernel_free(dgk_kernel *k)
{
    if (k->module)
        k->cu->cuModuleUnload(k->module);
    dgk_binary_release(k->bin);
    free(k->name);
    free(k);
}

void dgk_kernels_free(dgk_context *ctx)
{
    while (ctx->kernels) {
        dgk_kernel *k = ctx->kernels;
        ctx->kernels = k->next;
        kernel_free(k);
    }
}

/* Whether the function takes parameters: the driver answers for index 0 only if there is
 * one. (Counting them all would end on a call the driver fails, which
 * compute-sanitizer reports as an error on every kernel load.) */
static int takes_params(const dgk_cuda_api *cu, CUfunction fn)
{
    size_t offset, size;
    return cu->cuFuncGetParamInfo(fn, 0, &offset, &size) == CUDA_SUCCESS;
}

static dgk_status read_attrs(dgk_kernel *k)
{
    const dgk_cuda_api *cu = k->cu;
    int dyn = 0;
    CUresult r = cu->cuFuncGetAttribute(&k->static_smem, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, k->fn);
    if (r == CUDA_SUCCESS)
        r = cu->cuFuncGetAttribute(&k->max_threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, k->fn);
    if (r == CUDA_SUCCESS)
        r = cu->cuFuncGetAttribute(&dyn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, k->fn);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_kernel_get: cuFuncGetAttribute");
    atomic_init(&k->dyn_smem_attr, dyn);
    k->max_dyn_smem = k->ctx->props.smem_per_block_optin - k->static_smem;
    k->cluster_launch = k->ctx->props.cluster_launch;
    k->takes_params = takes_params(cu, k->fn);
    return DGK_OK;
}

static dgk_status load(dgk_context *ctx, const dgk_program *p, dgk_binary *bin, dgk_kernel *k)
{
    const dgk_cuda_api *cu = ctx->cu;
    char what[300];
    CUresult r = cu->cuCtxSetCurrent(ctx->cuctx);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_kernel_get: cuCtxSetCurrent");
    r = cu->cuModuleLoadData(&k->module, bin->image);
    dgk_stat_add(DGK_STAT_MODULE_LOADS);
    snprintf(what, sizeof what, "dgk_kernel_get: cuModuleLoadData (kernel %s, %s)", p->kernel,
             dgk_arch_name(p->arch));
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, what);
    r = cu->cuModuleGetFunction(&k->fn, k->module, p->kernel);
    if (r != CUDA_SUCCESS)
        return dgk_fail(DGK_ENOTFOUND, "dgk_kernel_get: the module has no function \"%s\"", p->kernel);
    return read_attrs(k);
}

static dgk_status check(dgk_context *ctx, const dgk_program *p, dgk_kernel **out)
{
    if (!out)
        return dgk_fail(DGK_EINVAL, "dgk_kernel_get: out is NULL");
    *out = NULL;
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "dgk_kernel_get: ctx is NULL");
    dgk_status s = dgk_program_check("dgk_kernel_get", p);
    if (s == DGK_OK && p->arch != ctx->props.arch)
        s = dgk_fail(DGK_EARCH,
                     "dgk_kernel_get: prog->arch is %s, but device %d (%s) is compute capability "
                     "%d.%d (target %s)",
                     dgk_arch_name(p->arch), ctx->props.ordinal, ctx->props.name,
                     ctx->props.cc_major, ctx->props.cc_minor, dgk_arch_name(ctx->props.arch));
    return s;
}

static dgk_kernel *new_kernel(dgk_context *ctx, const dgk_program *p, const uint8_t key[16],
                              dgk_binary *bin)
{
    dgk_kernel *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->ctx = ctx;
    k->cu = ctx->cu;
    memcpy(k->key, key, 16);
    k->bin = bin;
    const dgk_func_report *f = dgk_report_find(&bin->report, p->kernel);
    if (f)
        k->report = *f;
    if (!(k->name = strdup(p->kernel))) {
        free(k);
        return NULL;
    }
    return k;
}

/* Publishes k unless another thread loaded the same program meanwhile. */
static dgk_kernel *publish(dgk_context *ctx, dgk_kernel *k)
{
    pthread_mutex_lock(&ctx->lock);
    dgk_kernel *old = find(ctx, k->key, k->name);
    if (!old) {
        k->next = ctx->kernels;
        ctx->kernels = k;
    }
    pthread_mutex_unlock(&ctx->lock);
    if (old)
        kernel_free(k);
    return old ? old : k;
}

dgk_status dgk_kernel_get(dgk_context *ctx, const dgk_program *p, dgk_kernel **out)
{
    dgk_status s = check(ctx, p, out);
    if (s != DGK_OK)
        return s;
    dgk_env env;
    uint8_t key[16];
    dgk_env_read(&env);
    dgk_compile_key(p, &env, key);
    pthread_mutex_lock(&ctx->lock);
    *out = find(ctx, key, p->kernel);
    pthread_mutex_unlock(&ctx->lock);
    if (*out)
        return DGK_OK;
    dgk_binary *bin;
    if ((s = dgk_compile_keyed(p, key, &env, &bin, NULL)) != DGK_OK)
        return s;
    dgk_kernel *k = new_kernel(ctx, p, key, bin);
    if (!k) {
        dgk_binary_release(bin);
        return dgk_fail(DGK_ENOMEM, "dgk_kernel_get: out of memory");
    }
    if ((s = load(ctx, p, bin, k)) != DGK_OK) {
        kernel_free(k);
        return s;
    }
    *out = publish(ctx, k);
    return DGK_OK;
}

const dgk_func_report *dgk_kernel_report(const dgk_kernel *k)
{
    return k ? &k->report : NULL;
}
