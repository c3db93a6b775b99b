/* harness_icache.cu - --cold-code: the SMs' instruction caches emptied before a timed run.
 * The L2 flush (a memset, harness_time.c) evicts a kernel's code from L2 but not from the
 * SMs' own instruction caches, which the memset's tiny kernel leaves alone: the same
 * kernel timed run after run starts with its code cached, as DeepGEMM's bench_kineto
 * times it, while in a model other kernels run in between. A kernel whose code is large
 * pays for that difference: FP8 4096x576x7168 (70 KB of code, its loop unrolled by 8 in
 * four copies) ran 3.3% slower with another such kernel timed in turn, per-tensor cuBLASLt
 * 0.5% (tests/gpu/results/2026-11-28-H100-cold-code/). This kernel runs about 384 KB of
 * straight-line code (24576 FFMAs in four independent chains, which no compiler folds or
 * re-rolls) on every SM, more than an SM's instruction caches hold, so the kernel timed
 * next fetches its code from L2 or HBM as after unrelated work. */
#include "harness.h"
#include "harness_dev.h"

#define IC_STEP a = fmaf(a, 0.999999f, 1.0f); b = fmaf(b, 0.999999f, 2.0f); \
                c = fmaf(c, 0.999999f, 3.0f); d = fmaf(d, 0.999999f, 4.0f);
#define IC_X4 IC_STEP IC_STEP IC_STEP IC_STEP
#define IC_X16 IC_X4 IC_X4 IC_X4 IC_X4
#define IC_X64 IC_X16 IC_X16 IC_X16 IC_X16
#define IC_X256 IC_X64 IC_X64 IC_X64 IC_X64
#define IC_X1024 IC_X256 IC_X256 IC_X256 IC_X256

/* Under GH_EMU (the harness run on the CPU) there is no instruction cache to empty: the
 * same kernel runs with a short body, so the path is exercised without a host compiler
 * building 24576 statements. */
__global__ void icache_evict_k(float *sink, float x)
{
    float a = x, b = x + 1.0f, c = x + 2.0f, d = x + 3.0f;
#if defined(GH_EMU)
    IC_X4
#else
    IC_X1024 IC_X1024 IC_X1024 IC_X1024 IC_X1024 IC_X1024 /* 6144 steps, 4 FFMAs each */
#endif
    if (a + b + c + d == 0.0f) /* never true: keeps the chains live */
        sink[0] = a;
}

int gh_icache_evict(int sms, cudaStream_t s)
{
    /* four one-warp blocks per SM: the block scheduler spreads them over the SMs (not a
     * guarantee that each runs one; the 576 kernel's 1 us, cold-code/, says they did) */
    GH_LAUNCH(icache_evict_k, 4 * (sms > 0 ? sms : 1), 32, s, (float *)NULL, 1.0f);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}
