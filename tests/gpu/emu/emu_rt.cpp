/* emu_rt.cpp - the CPU side of the harness emulation (see emu.h): a fiber per CUDA
 * thread (ucontext), run block by block in phases between barriers; a CUDA runtime
 * whose device memory is host memory and whose streams are synchronous; cuBLASLt
 * entry points that report "not supported" (its baselines SKIP under emulation). */
#include "emu.h"

#include <chrono>
#include <cublasLt.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

dim3 threadIdx, blockIdx, blockDim, gridDim;

enum { MAX_THREADS = 1024, STACK_BYTES = 64 * 1024 };

struct fiber {
    ucontext_t ctx;
    bool done;
};

static ucontext_t sched;
static fiber *fibers;
static char *stacks;
static int current;
static const std::function<void()> *body;
static unsigned char slots[MAX_THREADS][16];

static void fiber_main(void)
{
    (*body)();
    fibers[current].done = true; /* returning resumes uc_link, the scheduler */
}

void emu_barrier(void)
{
    swapcontext(&fibers[current].ctx, &sched);
}

/* Two phases: everyone posts its value, then everyone reads its partner's. */
void emu_warp_exchange(const void *mine, void *out, int lane, size_t bytes)
{
    int me = (int)threadIdx.x;
    memcpy(slots[me], mine, bytes);
    emu_barrier();
    memcpy(out, slots[(me & ~31) | lane], bytes);
    emu_barrier();
}

static void start_fiber(int t)
{
    fiber *f = &fibers[t];
    getcontext(&f->ctx);
    f->ctx.uc_stack.ss_sp = stacks + (size_t)t * STACK_BYTES;
    f->ctx.uc_stack.ss_size = STACK_BYTES;
    f->ctx.uc_link = &sched;
    f->done = false;
    makecontext(&f->ctx, fiber_main, 0);
}

/* Each pass resumes every live thread once; a thread runs to its next barrier (or
 * its end), so after a pass all live threads stand at the same barrier. */
static void run_block(int nt)
{
    for (int t = 0; t < nt; t++)
        start_fiber(t);
    for (int live = nt; live > 0;) {
        live = 0;
        for (int t = 0; t < nt; t++) {
            if (fibers[t].done)
                continue;
            current = t;
            threadIdx = dim3((unsigned)t, 0, 0);
            swapcontext(&sched, &fibers[t].ctx);
            live += !fibers[t].done;
        }
    }
}

void emu_launch(dim3 grid, dim3 block, const std::function<void()> &f)
{
    int nt = (int)block.x;
    if (block.y != 1 || block.z != 1 || nt > MAX_THREADS || nt % 32) {
        fprintf(stderr, "emu: unsupported block shape %ux%ux%u\n", block.x, block.y, block.z);
        abort();
    }
    if (!stacks) {
        stacks = (char *)malloc((size_t)MAX_THREADS * STACK_BYTES);
        fibers = new fiber[MAX_THREADS];
    }
    blockDim = block;
    gridDim = grid;
    body = &f;
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                blockIdx = dim3(x, y, z);
                run_block(nt);
            }
}

/* --- the CUDA runtime, synchronous, on host memory ---------------------------------- */

cudaError_t cudaMalloc(void **p, size_t n)
{
    *p = aligned_alloc(256, (n + 255) / 256 * 256);
    if (*p)
        memset(*p, 0xcd, n); /* like fresh device memory: not zero */
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFree(void *p)
{
    free(p);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void *d, const void *s, size_t n, cudaMemcpyKind)
{
    memmove(d, s, n);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, cudaMemcpyKind, cudaStream_t)
{
    memmove(d, s, n);
    return cudaSuccess;
}

cudaError_t cudaMemcpy2DAsync(void *d, size_t dpitch, const void *s, size_t spitch, size_t width,
                              size_t rows, cudaMemcpyKind, cudaStream_t)
{
    for (size_t r = 0; r < rows; r++)
        memmove((char *)d + r * dpitch, (const char *)s + r * spitch, width);
    return cudaSuccess;
}

cudaError_t cudaMemset(void *p, int v, size_t n)
{
    memset(p, v, n);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *p, int v, size_t n, cudaStream_t)
{
    memset(p, v, n);
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t *s)
{
    static int token;
    *s = (cudaStream_t)&token;
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
const char *cudaGetErrorString(cudaError_t e) { return e ? "emulated error" : "no error"; }

cudaError_t cudaGetDevice(int *d)
{
    *d = 0;
    return cudaSuccess;
}

/* no PCI device: the harness then measures no energy (NVML is not opened) */
cudaError_t cudaDeviceGetPCIBusId(char *, int, int)
{
    return cudaErrorInvalidDevice;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "CPU emulation (no GPU)");
    p->multiProcessorCount = 1;
    p->l2CacheSize = 1 << 20;
    p->major = 9;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int *v)
{
    *v = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int *v)
{
    *v = 0;
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    *e = (cudaEvent_t) new double(0.0);
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e)
{
    delete (double *)e;
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t)
{
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    *(double *)e = std::chrono::duration<double, std::milli>(now).count();
    return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end)
{
    *ms = (float)(*(double *)end - *(double *)start);
    return cudaSuccess;
}

/* --- cuBLASLt: not available --------------------------------------------------------- */

#define NOT_HERE return CUBLAS_STATUS_NOT_SUPPORTED

cublasStatus_t cublasLtCreate(cublasLtHandle_t *) { NOT_HERE; }
cublasStatus_t cublasLtDestroy(cublasLtHandle_t) { NOT_HERE; }
cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *, cublasComputeType_t, cudaDataType_t) { NOT_HERE; }
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t) { NOT_HERE; }
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t, cublasLtMatmulDescAttributes_t,
                                              const void *, size_t) { NOT_HERE; }
cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *, cudaDataType, uint64_t, uint64_t,
                                          int64_t) { NOT_HERE; }
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t) { NOT_HERE; }
cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *) { NOT_HERE; }
cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t) { NOT_HERE; }
cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t,
                                                    cublasLtMatmulPreferenceAttributes_t,
                                                    const void *, size_t) { NOT_HERE; }
cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t, cublasLtMatmulDesc_t,
                                              cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                              cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                              cublasLtMatmulPreference_t, int,
                                              cublasLtMatmulHeuristicResult_t *, int *) { NOT_HERE; }
cublasStatus_t cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t, const void *, const void *,
                              cublasLtMatrixLayout_t, const void *, cublasLtMatrixLayout_t,
                              const void *, const void *, cublasLtMatrixLayout_t, void *,
                              cublasLtMatrixLayout_t, const cublasLtMatmulAlgo_t *, void *, size_t,
                              cudaStream_t) { NOT_HERE; }
const char *cublasLtGetStatusString(cublasStatus_t) { return "cuBLASLt is not emulated"; }
size_t cublasLtGetVersion(void) { return 0; }
