/* launch.c - dgk_launch: checks a launch against the limits module.c read at load, raises
 * the kernel's dynamic shared memory attribute when a launch needs more than it allows
 * now (48 KB by default), and calls cuLaunchKernelEx with the cluster-dimension and
 * programmatic-stream-serialization (PDL) attributes. The hot path: integer compares
 * and one driver call; text is formatted only when a check fails. */
#include "context.h"

enum { MAX_PORTABLE_CLUSTER = 8, MAX_GRID_YZ = 65535, MAX_BLOCK_Z = 64 };

static uint32_t dim(const uint32_t *v, int i)
{
    return i > 0 && v[i] == 0 ? 1 : v[i];
}

static dgk_status check_dims(const char *what, const uint32_t *v, const uint32_t *limit)
{
    for (int i = 0; i < 3; i++)
        if (dim(v, i) == 0 || dim(v, i) > limit[i])
            return dgk_fail(DGK_ESHAPE, "dgk_launch: cfg->%s[%d] = %u; must be 1..%u", what, i,
                            v[i], limit[i]);
    return DGK_OK;
}

static dgk_status check_block(const dgk_kernel *k, const dgk_launch_cfg *c)
{
    static const uint32_t block_limit[3] = {1024, 1024, MAX_BLOCK_Z};
    dgk_status s = check_dims("block", c->block, block_limit);
    uint64_t threads = (uint64_t)dim(c->block, 0) * dim(c->block, 1) * dim(c->block, 2);
    if (s == DGK_OK && threads > (uint64_t)k->max_threads)
        s = dgk_fail(DGK_ESHAPE, "dgk_launch: cfg->block is %ux%ux%u = %llu threads; kernel %s allows at most %d",
                     dim(c->block, 0), dim(c->block, 1), dim(c->block, 2),
                     (unsigned long long)threads, k->name, k->max_threads);
    return s;
}

static dgk_status check_cluster(const dgk_kernel *k, const dgk_launch_cfg *c)
{
    const uint32_t *v = c->cluster;
    if (!v[0] && !v[1] && !v[2])
        return DGK_OK;
    if (!k->cluster_launch)
        return dgk_fail(DGK_EARCH, "dgk_launch: cfg->cluster is set, but the device cannot launch clusters");
    uint32_t d[3] = {v[0] ? v[0] : 1, v[1] ? v[1] : 1, v[2] ? v[2] : 1};
    uint64_t n = (uint64_t)d[0] * d[1] * d[2];
    if (n > MAX_PORTABLE_CLUSTER)
        return dgk_fail(DGK_ESHAPE, "dgk_launch: cfg->cluster is %ux%ux%u = %llu CTAs; at most %d are portable",
                        d[0], d[1], d[2], (unsigned long long)n, MAX_PORTABLE_CLUSTER);
    for (int i = 0; i < 3; i++)
        if (dim(c->grid, i) % d[i] != 0)
            return dgk_fail(DGK_ESHAPE, "dgk_launch: cfg->grid[%d] = %u is not a multiple of cfg->cluster[%d] = %u",
                            i, dim(c->grid, i), i, d[i]);
    return DGK_OK;
}

dgk_status dgk_launch_check(const dgk_kernel *k, const dgk_launch_cfg *c, void **args)
{
    static const uint32_t grid_limit[3] = {0x7fffffffu, MAX_GRID_YZ, MAX_GRID_YZ};
    if (!k || !c)
        return dgk_fail(DGK_EINVAL, "dgk_launch: %s is NULL", k ? "cfg" : "k");
    if (!args && k->takes_params)
        return dgk_fail(DGK_EINVAL, "dgk_launch: args is NULL, but kernel %s takes parameters", k->name);
    dgk_status s = check_dims("grid", c->grid, grid_limit);
    if (s == DGK_OK)
        s = check_block(k, c);
    if (s == DGK_OK)
        s = check_cluster(k, c);
    if (s == DGK_OK && c->smem_bytes > (uint32_t)(k->max_dyn_smem > 0 ? k->max_dyn_smem : 0))
        s = dgk_fail(DGK_ESMEM,
                     "dgk_launch: cfg->smem_bytes = %u exceeds the %d bytes of dynamic shared memory "
                     "kernel %s may use (the device's per-block limit minus %d bytes of static smem)",
                     c->smem_bytes, k->max_dyn_smem, k->name, k->static_smem);
    return s;
}

/* Rare: the first launch that needs more than the attribute allows now. It is raised to
 * the kernel's limit in one step, so it only ever grows once and concurrent launches
 * can never lower it under each other. */
static dgk_status raise_smem(dgk_kernel *k)
{
    CUresult r = k->cu->cuFuncSetAttribute(k->fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                           k->max_dyn_smem);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(k->cu, r, "dgk_launch: raising the dynamic shared memory attribute");
    atomic_store_explicit(&k->dyn_smem_attr, k->max_dyn_smem, memory_order_relaxed);
    return DGK_OK;
}

dgk_status dgk_launch(dgk_kernel *k, const dgk_launch_cfg *c, void **args)
{
    dgk_status s = dgk_launch_check(k, c, args);
    if (s != DGK_OK)
        return s;
    if ((int)c->smem_bytes > atomic_load_explicit(&k->dyn_smem_attr, memory_order_relaxed) &&
        (s = raise_smem(k)) != DGK_OK)
        return s;
    CUlaunchAttribute attrs[2];
    unsigned n = 0;
    if (c->cluster[0] || c->cluster[1] || c->cluster[2]) {
        attrs[n].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
        attrs[n].value.clusterDim.x = dim(c->cluster, 0) ? dim(c->cluster, 0) : 1;
        attrs[n].value.clusterDim.y = dim(c->cluster, 1);
        attrs[n].value.clusterDim.z = dim(c->cluster, 2);
        n++;
    }
    if (c->pdl) {
        attrs[n].id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
        attrs[n].value.programmaticStreamSerializationAllowed = 1;
        n++;
    }
    CUlaunchConfig lc = {
        .gridDimX = dim(c->grid, 0), .gridDimY = dim(c->grid, 1), .gridDimZ = dim(c->grid, 2),
        .blockDimX = dim(c->block, 0), .blockDimY = dim(c->block, 1), .blockDimZ = dim(c->block, 2),
        .sharedMemBytes = c->smem_bytes, .hStream = (CUstream)c->stream,
        .attrs = attrs, .numAttrs = n,
    };
    CUresult r = k->cu->cuLaunchKernelEx(&lc, k->fn, args, NULL);
    return r == CUDA_SUCCESS ? DGK_OK : dgk_cuda_fail(k->cu, r, "dgk_launch: cuLaunchKernelEx");
}
