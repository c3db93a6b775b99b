// dg_probe.cuh - what the DeepGEMM-beside-dgk probes share (dg_vs_dgk.cu: dense,
// dg_vs_dgk_grouped.cu: m-grouped): error checks, random FP8 inputs and scales, 2-D TMA
// maps, DeepGEMM's shared-memory size for its SM90 FP8 1D2D kernel, the interleaved,
// flushed timing of two launches (DeepGEMM's bench_kineto flush: an 8e9-byte memset
// before each run; CUDA events; medians), and a launch (a lambda) as the harness's
// gh_launch_fn, for gh_sustain's back-to-back runs with NVML energy (harness_sustain.c).
#pragma once
#include <cuda.h>
#include <cuda_fp8.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
extern "C" {
#include "dgk.h"
}
#include "../harness.h"

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { printf("%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); exit(1); } } while (0)
#define CD(x) do { CUresult r_ = (x); if (r_ != CUDA_SUCCESS) { printf("%s:%d %s: %d\n", __FILE__, __LINE__, #x, (int)r_); exit(1); } } while (0)
#define CG(x) do { dgk_status s_ = (x); if (s_ != DGK_OK) { printf("%s: %s\n", #x, dgk_last_error()); exit(1); } } while (0)

__global__ void fill_fp8(__nv_fp8_e4m3 *p, size_t n, uint32_t seed) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint32_t h = (uint32_t)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
        float v = ((h & 0xffff) / 65535.0f * 2.0f - 1.0f) * 448.0f;
        p[i] = __nv_fp8_e4m3(v);
    }
}
__global__ void fill_scale(float *p, size_t n, uint32_t seed) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint32_t h = (uint32_t)i * 2246822519u ^ seed; h ^= h >> 13; h *= 2654435761u; h ^= h >> 16;
        p[i] = (0.5f + (h & 1023) / 1023.0f) / 448.0f;
    }
}
static CUtensorMap tmap2d(CUtensorMapDataType dt, void *p, uint64_t inner, uint64_t outer, uint64_t stride_bytes, uint32_t bi, uint32_t bo,
                          CUtensorMapSwizzle sw) {
    CUtensorMap m;
    cuuint64_t dims[2] = {inner, outer}, strides[1] = {stride_bytes};
    cuuint32_t box[2] = {bi, bo}, es[2] = {1, 1};
    CD(cuTensorMapEncodeTiled(&m, dt, 2, p, dims, strides, box, es, CU_TENSOR_MAP_INTERLEAVE_NONE, sw,
                              CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
    return m;
}
static CUtensorMapSwizzle swmode(int m) {
    return m == 128 ? CU_TENSOR_MAP_SWIZZLE_128B : m == 64 ? CU_TENSOR_MAP_SWIZZLE_64B : m == 32 ? CU_TENSOR_MAP_SWIZZLE_32B : CU_TENSOR_MAP_SWIZZLE_NONE;
}
static int align_up(int a, int b) { return (a + b - 1) / b * b; }
// the dynamic shared memory DeepGEMM's heuristic gives its SM90 FP8 1D2D kernel
static int dg_smem_bytes(int bm, int bn, int stages, int kb) {
    const int smem_cd = align_up(bm * bn * 2, 1024), smem_bar = 16 * 8 * 2;
    const int per_stage = bm * 128 + bn * 128 + align_up(bm * 4, 128);
    const int extra_sfb = align_up(kb * 4 * (128 % bn == 0 ? 1 : 2), 8);
    return smem_cd + smem_bar + extra_sfb + stages * per_stage;
}
// medians (us) of `reps` runs of a and of b, interleaved, each after the flush memset
template <class A, class B>
static void time_interleaved(A launch_a, B launch_b, int reps, void *flush, size_t flush_bytes, double &ma, double &mb) {
    cudaEvent_t ev[2]; for (auto &e : ev) CK(cudaEventCreate(&e));
    std::vector<float> ta, tb;
    for (int i = 0; i < 3 + reps; ++i) {
        for (int w = 0; w < 2; ++w) {
            int which = (i + w) % 2;
            CK(cudaMemsetAsync(flush, i & 0xff, flush_bytes));
            CK(cudaEventRecord(ev[0]));
            if (which == 0) launch_a(); else launch_b();
            CK(cudaEventRecord(ev[1]));
            CK(cudaEventSynchronize(ev[1]));
            float ms; CK(cudaEventElapsedTime(&ms, ev[0], ev[1]));
            if (i >= 3) (which == 0 ? ta : tb).push_back(ms * 1000);
        }
    }
    std::sort(ta.begin(), ta.end()); std::sort(tb.begin(), tb.end());
    ma = ta[ta.size() / 2], mb = tb[tb.size() / 2];
    for (auto &e : ev) CK(cudaEventDestroy(e));
}

// a lambda `launch()` as a gh_launch_fn (ctx: the lambda; the probes launch on stream 0)
template <class L>
static int as_launch_fn(void *ctx, cudaStream_t) {
    (*static_cast<L *>(ctx))();
    return GH_OK;
}
