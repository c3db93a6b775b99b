// dg_vs_dgk.cu - a same-run baseline: DeepGEMM's SM90 FP8 1D2D kernel (its header,
// instantiated here with the config given by -D: SN, SK, CBM, CBN, CST stages, CMC
// cluster size, CMCA multicast on A) against dgk_gemm_fp8_nt (the stock heuristic, or
// DGK_GEMM_* overrides) on the same inputs: interleaved runs, each after an 8e9-byte
// memset (DeepGEMM's bench_kineto), CUDA events, medians; both outputs checked on 4096
// sampled elements against a double-precision dot product (the relative error printed
// is dominated by near-zero elements; equal for both when both are right).
// Not built by make: it needs DeepGEMM's and CUTLASS's headers, which the repository
// does not carry. Build (here, with the CUDA toolkit), then run the binary on the GPU:
//   nvcc -O3 -std=c++20 -gencode arch=compute_90a,code=sm_90a --expt-relaxed-constexpr \
//     --expt-extended-lambda -I$CUTLASS/include -I$DEEPGEMM/deep_gemm/include -Iinclude \
//     -DSN=7168 -DSK=16384 -DCBM=256 -DCBN=128 -DCST=3 -DCMC=2 -DCMCA=1 \
//     tests/gpu/probes/dg_vs_dgk.cu build/lib/libdgk.a -lcuda -lnvrtc -ldl -lpthread
//   ./a.out M REPS
// Used for tests/gpu/results/2026-11-27-H100-cluster-forward/ (DeepGEMM 54e2261).
#include <deep_gemm/impls/sm90_fp8_gemm_1d2d.cuh>
#include <cuda.h>
#include <cuda_fp8.h>
#include <cuda_bf16.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
extern "C" {
#include "dgk.h"
}
#ifndef SN
#define SN 7168
#endif
#ifndef SK
#define SK 16384
#endif
#ifndef CBM
#define CBM 256
#endif
#ifndef CBN
#define CBN 128
#endif
#ifndef CST
#define CST 3
#endif
#ifndef CMC
#define CMC 2
#endif
#ifndef CMCA
#define CMCA 1
#endif
constexpr uint32_t NMATH = CBM <= 64 ? 128 : 256;
constexpr int swz(int bytes) { return bytes % 128 == 0 ? 128 : bytes % 64 == 0 ? 64 : bytes % 32 == 0 ? 32 : 16; }
constexpr int SWD = swz(CBN * 2);
using namespace deep_gemm;
static auto kern = &sm90_fp8_gemm_1d2d_impl<cute::UMMA::Major::K, 0, SN, SK, 1, CBM, CBN, 128, 128, 128, SWD, CST, 128, NMATH,
                                            CMC, (bool)CMCA, 132, GemmType::Normal, cutlass::bfloat16_t,
                                            epilogue::transform::EpilogueIdentity>;
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
// sampled reference: D[r, c] in double
__global__ void ref_sample(const __nv_fp8_e4m3 *A, const float *SA, int lda_sa, const __nv_fp8_e4m3 *B, const float *SB,
                           const __nv_bfloat16 *D, int M, int N, int K, double *err, int samples) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= samples) return;
    uint32_t h = s * 2654435761u + 12345; h ^= h >> 13; h *= 2246822519u; h ^= h >> 16;
    int r = h % M, c = (h / M) % N;
    if (s == 0) r = M - 1, c = N - 1;
    double acc = 0;
    for (int k = 0; k < K; ++k)
        acc += (double)(float)A[(size_t)r * K + k] * (double)(float)B[(size_t)c * K + k] * SA[(size_t)(k / 128) * lda_sa + r] *
               SB[(size_t)(c / 128) * (K / 128) + k / 128];
    double d = (double)__bfloat162float(D[(size_t)r * N + c]);
    err[s] = fabs(d - acc) / (fabs(acc) + 1e-2);
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

int main(int argc, char **argv) {
    const int M = argc > 1 ? atoi(argv[1]) : 4096, N = SN, K = SK, reps = argc > 2 ? atoi(argv[2]) : 20;
    const int kb = K / 128, ld_sa = align_up(M, 4);
    __nv_fp8_e4m3 *A, *B; float *SA, *SB; __nv_bfloat16 *D1, *D2; void *flush; double *err;
    CK(cudaMalloc(&A, (size_t)M * K)); CK(cudaMalloc(&B, (size_t)N * K));
    CK(cudaMalloc(&SA, (size_t)kb * ld_sa * 4)); CK(cudaMalloc(&SB, (size_t)(N / 128 + 1) * kb * 4));
    CK(cudaMalloc(&D1, (size_t)M * N * 2)); CK(cudaMalloc(&D2, (size_t)M * N * 2));
    const size_t flush_bytes = 8000000000ull;
    CK(cudaMalloc(&flush, flush_bytes)); CK(cudaMalloc(&err, 4096 * 8));
    fill_fp8<<<1024, 256>>>(A, (size_t)M * K, 1); fill_fp8<<<1024, 256>>>(B, (size_t)N * K, 2);
    fill_scale<<<256, 256>>>(SA, (size_t)kb * ld_sa, 3); fill_scale<<<256, 256>>>(SB, (size_t)(N / 128 + 1) * kb, 4);
    CK(cudaDeviceSynchronize());
    // DeepGEMM's kernel and its launch
    const int smem_cd = align_up(CBM * CBN * 2, 1024), smem_bar = 16 * 8 * 2;
    const int per_stage = CBM * 128 + CBN * 128 + align_up(CBM * 4, 128);
    const int extra_sfb = align_up(kb * 4 * (128 % CBN == 0 ? 1 : 2), 8);
    const int smem = smem_cd + smem_bar + extra_sfb + CST * per_stage;
    CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    CUtensorMap ta = tmap2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, A, K, M, K, 128, CBM, CU_TENSOR_MAP_SWIZZLE_128B);
    CUtensorMap tb = tmap2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, B, K, N, K, 128, CBN, CU_TENSOR_MAP_SWIZZLE_128B);
    CUtensorMap td = tmap2d(CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, D1, N, M, (uint64_t)N * 2, SWD / 2, CBM, swmode(SWD));
    CUtensorMap tsa = tmap2d(CU_TENSOR_MAP_DATA_TYPE_FLOAT32, SA, ld_sa, kb, (uint64_t)ld_sa * 4, CBM, 1, CU_TENSOR_MAP_SWIZZLE_NONE);
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(132); cfg.blockDim = dim3(128 + NMATH); cfg.dynamicSmemBytes = smem;
    cudaLaunchAttribute at[1]; at[0].id = cudaLaunchAttributeClusterDimension;
    at[0].val.clusterDim.x = CMC; at[0].val.clusterDim.y = 1; at[0].val.clusterDim.z = 1;
    cfg.attrs = at; cfg.numAttrs = 1;
    auto launch_dg = [&]() {
        CK(cudaLaunchKernelEx(&cfg, kern, SB, (int *)nullptr, (uint32_t)M, (uint32_t)N, (uint32_t)K, ta, tb, td, tsa));
    };
    // dgk on the same inputs
    dgk_context *ctx; CG(dgk_init(0, &ctx));
    int64_t sa_shape[2] = {kb, M}, a_shape[2] = {M, K}, b_shape[2] = {N, K}, sb_shape[2] = {(N + 127) / 128, kb}, d_shape[2] = {M, N};
    dgk_tensor ta_ = dgk_tensor_make(A, DGK_DTYPE_E4M3, 2, a_shape), tb_ = dgk_tensor_make(B, DGK_DTYPE_E4M3, 2, b_shape);
    dgk_tensor tsa_ = dgk_tensor_make(SA, DGK_DTYPE_F32, 2, sa_shape); tsa_.stride[0] = ld_sa;
    dgk_tensor tsb_ = dgk_tensor_make(SB, DGK_DTYPE_F32, 2, sb_shape), td_ = dgk_tensor_make(D2, DGK_DTYPE_BF16, 2, d_shape);
    auto launch_dgk = [&]() { CG(dgk_gemm_fp8_nt(ctx, &ta_, &tsa_, &tb_, &tsb_, &td_, nullptr)); };
    // correctness, both
    CK(cudaMemset(D1, 0xff, (size_t)M * N * 2)); CK(cudaMemset(D2, 0xff, (size_t)M * N * 2));
    launch_dg(); launch_dgk(); CK(cudaDeviceSynchronize());
    double e1 = 0, e2 = 0; std::vector<double> h(4096);
    ref_sample<<<16, 256>>>(A, SA, ld_sa, B, SB, D1, M, N, K, err, 4096); CK(cudaMemcpy(h.data(), err, 4096 * 8, cudaMemcpyDeviceToHost));
    for (double v : h) e1 = std::max(e1, v != v ? 1e30 : v);
    ref_sample<<<16, 256>>>(A, SA, ld_sa, B, SB, D2, M, N, K, err, 4096); CK(cudaMemcpy(h.data(), err, 4096 * 8, cudaMemcpyDeviceToHost));
    for (double v : h) e2 = std::max(e2, v != v ? 1e30 : v);
    // timing: interleaved, flushed
    cudaEvent_t ev[4]; for (auto &e : ev) CK(cudaEventCreate(&e));
    std::vector<float> t1, t2;
    for (int i = 0; i < 3 + reps; ++i) {
        for (int w = 0; w < 2; ++w) {
            int which = (i + w) % 2;
            CK(cudaMemsetAsync(flush, i & 0xff, flush_bytes));
            CK(cudaEventRecord(ev[0]));
            if (which == 0) launch_dg(); else launch_dgk();
            CK(cudaEventRecord(ev[1]));
            CK(cudaEventSynchronize(ev[1]));
            float ms; CK(cudaEventElapsedTime(&ms, ev[0], ev[1]));
            if (i >= 3) (which == 0 ? t1 : t2).push_back(ms * 1000);
        }
    }
    std::sort(t1.begin(), t1.end()); std::sort(t2.begin(), t2.end());
    double fl = 2.0 * M * N * K;
    double m1 = t1[t1.size() / 2], m2 = t2[t2.size() / 2];
    printf("%dx%dx%d DG(bm %d bn %d st %d mc %d onA %d smem %d) %.2f us %.1f TF maxrel %.2e | dgk %.2f us %.1f TF maxrel %.2e | dgk/DG speed %.3f\n",
           M, N, K, CBM, CBN, CST, CMC, CMCA, smem, m1, fl / m1 / 1e6, e1, m2, fl / m2 / 1e6, e2, m1 / m2);
    return 0;
}
