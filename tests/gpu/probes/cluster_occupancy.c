/* cluster_occupancy.c - how many clusters of a cubin's kernel the card keeps resident at once
 * (cuOccupancyMaxActiveClusters), for cluster sizes 1, 2 and 4 at the kernel's shared memory.
 * A persistent grid of sm_count / size clusters runs in one wave only if all of them fit.
 * Build on the GPU machine: gcc cluster_occupancy.c -I/usr/local/cuda/include -lcuda
 * usage: cluster_occupancy FILE.cubin KERNEL SMEM_BYTES THREADS */
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(x) do { CUresult r_ = (x); if (r_ != CUDA_SUCCESS) { const char *s_; cuGetErrorString(r_, &s_); \
    fprintf(stderr, "%s: %s\n", #x, s_); return 1; } } while (0)

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s FILE.cubin KERNEL SMEM_BYTES THREADS\n", argv[0]);
        return 2;
    }
    CUdevice dev; CUcontext ctx; CUmodule mod; CUfunction f;
    CHECK(cuInit(0));
    CHECK(cuDeviceGet(&dev, 0));
    CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
    CHECK(cuCtxSetCurrent(ctx));
    CHECK(cuModuleLoad(&mod, argv[1]));
    CHECK(cuModuleGetFunction(&f, mod, argv[2]));
    int smem = atoi(argv[3]), threads = atoi(argv[4]), sms;
    CHECK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
    CHECK(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
    CHECK(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1));
    for (int size = 1; size <= 4; size *= 2) {
        CUlaunchAttribute attr = {0};
        attr.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
        attr.value.clusterDim.x = size, attr.value.clusterDim.y = 1, attr.value.clusterDim.z = 1;
        CUlaunchConfig cfg = {0};
        cfg.gridDimX = sms / size * size, cfg.gridDimY = 1, cfg.gridDimZ = 1;
        cfg.blockDimX = threads, cfg.blockDimY = 1, cfg.blockDimZ = 1;
        cfg.sharedMemBytes = smem;
        cfg.attrs = &attr, cfg.numAttrs = 1;
        int clusters = -1;
        CHECK(cuOccupancyMaxActiveClusters(&clusters, f, &cfg));
        printf("%s: cluster %d: %d resident clusters (%d CTAs) of %d SMs; a persistent grid launches %d clusters\n",
               argv[2], size, clusters, clusters * size, sms, sms / size);
    }
    return 0;
}
