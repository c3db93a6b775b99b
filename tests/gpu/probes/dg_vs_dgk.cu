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
#include <cuda_bf16.h>
#include "dg_probe.cuh"
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
    const int smem = dg_smem_bytes(CBM, CBN, CST, kb);
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
    double m1, m2;
    time_interleaved(launch_dg, launch_dgk, reps, flush, flush_bytes, m1, m2);
    double fl = 2.0 * M * N * K;
    printf("%dx%dx%d DG(bm %d bn %d st %d mc %d onA %d smem %d) %.2f us %.1f TF maxrel %.2e | dgk %.2f us %.1f TF maxrel %.2e | dgk/DG speed %.3f\n",
           M, N, K, CBM, CBN, CST, CMC, CMCA, smem, m1, fl / m1 / 1e6, e1, m2, fl / m2 / 1e6, e2, m1 / m2);
    return 0;
}
