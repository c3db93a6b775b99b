// dg_vs_dgk_grouped.cu - a same-run baseline for the m-grouped FP8 GEMMs: DeepGEMM's SM90
// FP8 1D2D kernel in its MGroupedMasked form (or, with -DCONTIG=1, MGroupedContiguous:
// rows stacked, an id per row, -1 for padding) from its header, instantiated here with the
// config given by -D: SG groups, SN, SK, CBM, CBN, CST stages, CMC cluster size, CMCA
// multicast on A (DeepGEMM's heuristic at 54e2261 picks 128 x 192, 4 stages, a 2-CTA
// cluster with B multicast for the 192- and 1024-row masked cases and for DeepGEMM's
// contiguous shapes), against dgk_m_grouped_gemm_fp8_nt_masked / _contiguous (the stock
// heuristic, or DGK_GEMM_* overrides) on the same inputs. The rows per group are drawn as
// dgk-grouped-bench draws them (grouped_shapes.c gg_draw_rows: expected x U(0.7, 1.3),
// from the bench's seed and the spec's index in its --shapes list), or with -DEXACT=1 every
// group EXPECTED_M rows (the bench's masked-exact: specs); contiguous groups start at
// multiples of 128 rows. Inputs: uniform e4m3 bytes and scales, or with -DBENCH_DATA=1
// the bench's (harness_rand.cu normal BF16 quantized by harness_quant.cu, A per token, B
// per 128x128 block, as DeepGEMM's tests quantize torch.randn): the data moves the power a
// kernel draws, and the bench's ran our kernel 3% slower than the uniform bytes on one
// card. Interleaved runs, each after an 8e9-byte memset
// (DeepGEMM's bench_kineto), CUDA events, medians; both outputs checked on 4096 sampled
// valid elements against a double-precision dot product.
// Not built by make: it needs DeepGEMM's and CUTLASS's headers, which the repository
// does not carry. Build (here, with the CUDA toolkit), then run the binary on the GPU:
//   nvcc -O3 -std=c++20 -gencode arch=compute_90a,code=sm_90a --expt-relaxed-constexpr \
//     --expt-extended-lambda -I$CUTLASS/include -I$DEEPGEMM/deep_gemm/include -Iinclude \
//     -DSG=6 -DSN=6144 -DSK=7168 tests/gpu/probes/dg_vs_dgk_grouped.cu build/gpu/libgh.a \
//     build/lib/libdgk.a -lcuda -lnvrtc -ldl -lpthread
//   ./a.out EXPECTED_M SEED CASE_NO [REPS [SUSTAIN_MS]]   (EXPECTED_M: rows per group;
//   SUSTAIN_MS > 0: also each kernel back to back, twice in turn, with NVML energy per call:
//   the harness's gh_sustain, so link build/gpu/libgh.a)
#include <deep_gemm/impls/sm90_fp8_gemm_1d2d.cuh>
#include <cuda_bf16.h>
#include <cmath>
#include "dg_probe.cuh"
#ifndef SG
#define SG 6
#endif
#ifndef SN
#define SN 6144
#endif
#ifndef SK
#define SK 7168
#endif
#ifndef CBM
#define CBM 128
#endif
#ifndef CBN
#define CBN 192
#endif
#ifndef CST
#define CST 4
#endif
#ifndef CMC
#define CMC 2
#endif
#ifndef CMCA
#define CMCA 0
#endif
#ifndef CONTIG
#define CONTIG 0
#endif
#ifndef EXACT
#define EXACT 0
#endif
#ifndef BENCH_DATA
#define BENCH_DATA 0
#endif
constexpr int MMAX = 4096;  // masked: room per group
constexpr uint32_t NMATH = CBM <= 64 ? 128 : 256;
constexpr int swz(int bytes) { return bytes % 128 == 0 ? 128 : bytes % 64 == 0 ? 64 : bytes % 32 == 0 ? 32 : 16; }
constexpr int SWD = swz(CBN * 2);
using namespace deep_gemm;
static auto kern = &sm90_fp8_gemm_1d2d_impl<cute::UMMA::Major::K, 0, SN, SK, SG, CBM, CBN, 128, 128, 128, SWD, CST, 128, NMATH,
                                            CMC, (bool)CMCA, 132, CONTIG ? GemmType::MGroupedContiguous : GemmType::MGroupedMasked,
                                            cutlass::bfloat16_t,
                                            epilogue::transform::EpilogueIdentity>;

// the bench's draw (harness_rand.cu gh_seed_mix, grouped_shapes.c gg_draw_rows)
static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t seed_mix(uint64_t seed, uint64_t label) { return mix64(seed ^ mix64(label + 0x632be59bd9b4e019ull)); }
static int draw_rows(int expected, uint64_t case_seed, int g) {
    double u = (double)(seed_mix(case_seed, 0x6700u + (uint64_t)g) >> 11) * 0x1p-53;
    int r = EXACT ? expected : (int)lround(expected * (0.7 + 0.6 * u));
    return r < 0 ? 0 : r > MMAX && !CONTIG ? MMAX : r;  // masked: at most the room per group
}

// sampled reference over valid rows: D row a_row0[g] + r, column c, in double; SA holds
// group g's scale of row r and K block kb at (g * sa_group + kb) * sa_ld + sa_row0[g] + r
// (masked: [G, kb, MMAX]; contiguous: [kb, M])
__global__ void ref_sample(const __nv_fp8_e4m3 *A, const float *SA, const __nv_fp8_e4m3 *B, const float *SB,
                           const __nv_bfloat16 *D, const int *rows, const int *a_row0, const int *sa_row0, int sa_group,
                           long long sa_ld, int G, int N, int K, double *err, int samples) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= samples) return;
    uint32_t h = s * 2654435761u + 12345; h ^= h >> 13; h *= 2246822519u; h ^= h >> 16;
    int g = h % G, n = rows[g];
    if (n == 0) { err[s] = 0; return; }
    int r = (h / G) % n, c = (h / G / n) % N;
    const int kb = K / 128, nb = (N + 127) / 128;
    const long long row = a_row0[g] + r;
    double acc = 0;
    for (int k = 0; k < K; ++k)
        acc += (double)(float)A[row * K + k] * (double)(float)B[((size_t)g * N + c) * K + k] *
               SA[((long long)g * sa_group + k / 128) * sa_ld + sa_row0[g] + r] * SB[((size_t)g * nb + c / 128) * kb + k / 128];
    double d = (double)__bfloat162float(D[row * N + c]);
    err[s] = fabs(d - acc) / (fabs(acc) + 1e-2);
}
struct row_layout {  // where each group's rows are (device arrays) and how SA is laid out
    int *rows, *a_row0, *sa_row0;
    int sa_group;
    long long sa_ld;
};
static double max_err(const __nv_fp8_e4m3 *A, const float *SA, const __nv_fp8_e4m3 *B, const float *SB,
                      const __nv_bfloat16 *D, const row_layout &l, double *err) {
    std::vector<double> h(4096);
    ref_sample<<<16, 256>>>(A, SA, B, SB, D, l.rows, l.a_row0, l.sa_row0, l.sa_group, l.sa_ld, SG, SN, SK, err, 4096);
    CK(cudaMemcpy(h.data(), err, 4096 * 8, cudaMemcpyDeviceToHost));
    double e = 0;
    for (double v : h) e = std::max(e, v != v ? 1e30 : v);
    return e;
}
static int *upload(const std::vector<int> &v) {
    int *p;
    CK(cudaMalloc(&p, v.size() * 4));
    CK(cudaMemcpy(p, v.data(), v.size() * 4, cudaMemcpyHostToDevice));
    return p;
}

#if BENCH_DATA
// the bench's inputs (grouped_case.c quant_a / quant_b): normal BF16 drawn on the GPU,
// A quantized per token into SA [kb][M] (contiguous) or [G][kb][MMAX] (masked), B per
// 128x128 block of each group into SB [G][nb][kb]
static void bench_inputs(__nv_fp8_e4m3 *A, float *SA, __nv_fp8_e4m3 *B, float *SB, long long M, uint64_t case_seed) {
    const int kb = SK / 128, nb = (SN + 127) / 128;
    void *a16, *b16;
    CK(cudaMalloc(&a16, (size_t)M * SK * 2)); CK(cudaMalloc(&b16, (size_t)SG * SN * SK * 2));
    if (gh_fill_random(a16, GH_BF16, (size_t)M * SK, seed_mix(case_seed, 0xa), 0) != GH_OK ||
        gh_fill_random(b16, GH_BF16, (size_t)SG * SN * SK, seed_mix(case_seed, 0xb), 0) != GH_OK) {
        printf("fill: %s\n", gh_error()); exit(1);
    }
    int rc = GH_OK;
    if (CONTIG)
        rc = gh_quant_1x128(a16, (int)M, SK, A, SA, M, 0, 0);
    for (int g = 0; !CONTIG && g < SG && rc == GH_OK; ++g) {
        const size_t row0 = (size_t)g * MMAX * SK;
        rc = gh_quant_1x128((char *)a16 + 2 * row0, MMAX, SK, (char *)A + row0, SA + (size_t)g * kb * MMAX, MMAX, 0, 0);
    }
    for (int g = 0; g < SG && rc == GH_OK; ++g) {
        const size_t row0 = (size_t)g * SN * SK;
        rc = gh_quant_128x128((char *)b16 + 2 * row0, SN, SK, (char *)B + row0, SB + (size_t)g * nb * kb, kb, 0, 0);
    }
    if (rc != GH_OK) { printf("quantize: %s\n", gh_error()); exit(1); }
    CK(cudaDeviceSynchronize()); CK(cudaFree(a16)); CK(cudaFree(b16));
}
#endif

int main(int argc, char **argv) {
    if (argc < 4) { printf("usage: %s EXPECTED_M SEED CASE_NO [REPS [SUSTAIN_MS]]\n", argv[0]); return 2; }
    const int sustain_ms = argc > 5 ? atoi(argv[5]) : 0;
    const int G = SG, N = SN, K = SK, expected = atoi(argv[1]), reps = argc > 4 ? atoi(argv[4]) : 20;
    const uint64_t case_seed = seed_mix(strtoull(argv[2], nullptr, 0), strtoull(argv[3], nullptr, 0));
    const int kb = K / 128, nb = (N + 127) / 128;
    std::vector<int> rows(G), a_row0(G), sa_row0(G, 0);
    long long valid = 0, blocks = 0, M = 0;
    for (int g = 0; g < G; ++g) {
        rows[g] = draw_rows(expected, case_seed, g), valid += rows[g], blocks += (rows[g] + CBM - 1) / CBM;
        a_row0[g] = CONTIG ? (int)M : g * MMAX;
        M = CONTIG ? M + (rows[g] + 127) / 128 * 128 : M + MMAX;  // contiguous: each group from a multiple of 128
    }
    std::vector<int> ids(CONTIG ? M : 0, -1);  // contiguous: each row's group, -1 for padding
    for (int g = 0; CONTIG && g < G; ++g)
        for (int r = 0; r < rows[g]; ++r) ids[a_row0[g] + r] = g;
    if (CONTIG) sa_row0 = a_row0;
    row_layout lay = {upload(rows), upload(a_row0), upload(sa_row0), CONTIG ? 0 : kb, CONTIG ? M : MMAX};
    int *groups = CONTIG ? upload(ids) : lay.rows;  // the kernels' group tensor: ids per row, or masked_m
    __nv_fp8_e4m3 *A, *B; float *SA, *SB; __nv_bfloat16 *D1, *D2; void *flush; double *err;
    const size_t a_n = (size_t)M * K, b_n = (size_t)G * N * K, d_n = (size_t)M * N, sa_n = (size_t)kb * M;
    CK(cudaMalloc(&A, a_n)); CK(cudaMalloc(&B, b_n));
    CK(cudaMalloc(&SA, sa_n * 4)); CK(cudaMalloc(&SB, (size_t)G * nb * kb * 4));
    CK(cudaMalloc(&D1, d_n * 2)); CK(cudaMalloc(&D2, d_n * 2));
    const size_t flush_bytes = 8000000000ull;
    CK(cudaMalloc(&flush, flush_bytes)); CK(cudaMalloc(&err, 4096 * 8));
#if BENCH_DATA
    bench_inputs(A, SA, B, SB, M, case_seed);
#else
    fill_fp8<<<1024, 256>>>(A, a_n, 1); fill_fp8<<<1024, 256>>>(B, b_n, 2);
    fill_scale<<<256, 256>>>(SA, sa_n, 3); fill_scale<<<256, 256>>>(SB, (size_t)G * nb * kb, 4);
#endif
    CK(cudaDeviceSynchronize());
    // DeepGEMM's kernel and its launch (shared memory as its heuristic sizes it)
    const int smem = dg_smem_bytes(CBM, CBN, CST, kb);
    CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    const uint64_t sa_inner = CONTIG ? M : MMAX, sa_outer = CONTIG ? kb : (uint64_t)kb * G;
    CUtensorMap ta = tmap2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, A, K, M, K, 128, CBM, CU_TENSOR_MAP_SWIZZLE_128B);
    CUtensorMap tb = tmap2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, B, K, (uint64_t)N * G, K, 128, CBN, CU_TENSOR_MAP_SWIZZLE_128B);
    CUtensorMap td = tmap2d(CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, D1, N, M, (uint64_t)N * 2, SWD / 2, CBM, swmode(SWD));
    CUtensorMap tsa = tmap2d(CU_TENSOR_MAP_DATA_TYPE_FLOAT32, SA, sa_inner, sa_outer, sa_inner * 4, CBM, 1, CU_TENSOR_MAP_SWIZZLE_NONE);
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(132); cfg.blockDim = dim3(128 + NMATH); cfg.dynamicSmemBytes = smem;
    cudaLaunchAttribute at[1]; at[0].id = cudaLaunchAttributeClusterDimension;
    at[0].val.clusterDim.x = CMC; at[0].val.clusterDim.y = 1; at[0].val.clusterDim.z = 1;
    cfg.attrs = at; cfg.numAttrs = 1;
    const uint32_t shape_m = CONTIG ? (uint32_t)M : MMAX;
    auto launch_dg = [&]() {
        CK(cudaLaunchKernelEx(&cfg, kern, SB, groups, shape_m, (uint32_t)N, (uint32_t)K, ta, tb, td, tsa));
    };
    // dgk on the same inputs
    dgk_context *ctx; CG(dgk_init(0, &ctx));
    int64_t b_shape[3] = {G, N, K}, sb_shape[3] = {G, nb, kb};
    dgk_tensor tb_ = dgk_tensor_make(B, DGK_DTYPE_E4M3, 3, b_shape), tsb_ = dgk_tensor_make(SB, DGK_DTYPE_F32, 3, sb_shape);
#if CONTIG
    int64_t a_shape[2] = {M, K}, sa_shape[2] = {kb, M}, d_shape[2] = {M, N}, g_shape[1] = {M};
    dgk_tensor ta_ = dgk_tensor_make(A, DGK_DTYPE_E4M3, 2, a_shape), tsa_ = dgk_tensor_make(SA, DGK_DTYPE_F32, 2, sa_shape);
    dgk_tensor td_ = dgk_tensor_make(D2, DGK_DTYPE_BF16, 2, d_shape), tg_ = dgk_tensor_make(groups, DGK_DTYPE_I32, 1, g_shape);
    auto launch_dgk = [&]() { CG(dgk_m_grouped_gemm_fp8_nt_contiguous(ctx, &ta_, &tsa_, &tb_, &tsb_, &td_, &tg_, nullptr)); };
#else
    int64_t a_shape[3] = {G, MMAX, K}, sa_shape[3] = {G, kb, MMAX}, d_shape[3] = {G, MMAX, N}, g_shape[1] = {G};
    dgk_tensor ta_ = dgk_tensor_make(A, DGK_DTYPE_E4M3, 3, a_shape), tsa_ = dgk_tensor_make(SA, DGK_DTYPE_F32, 3, sa_shape);
    dgk_tensor td_ = dgk_tensor_make(D2, DGK_DTYPE_BF16, 3, d_shape), tg_ = dgk_tensor_make(groups, DGK_DTYPE_I32, 1, g_shape);
    auto launch_dgk = [&]() { CG(dgk_m_grouped_gemm_fp8_nt_masked(ctx, &ta_, &tsa_, &tb_, &tsb_, &td_, &tg_, expected, nullptr)); };
#endif
    // correctness, both
    CK(cudaMemset(D1, 0xff, d_n * 2)); CK(cudaMemset(D2, 0xff, d_n * 2));
    launch_dg(); launch_dgk(); CK(cudaDeviceSynchronize());
    double e1 = max_err(A, SA, B, SB, D1, lay, err), e2 = max_err(A, SA, B, SB, D2, lay, err);
    // timing: interleaved, flushed
    double m1, m2;
    time_interleaved(launch_dg, launch_dgk, reps, flush, flush_bytes, m1, m2);
    double fl = 2.0 * valid * N * K;
    printf("%s%s %dx%d %dx%d valid %lld blocks %lld | DG(bm %d bn %d st %d mc %d onA %d) %.2f us %.1f TF maxrel %.2e | "
           "dgk %.2f us %.1f TF maxrel %.2e | dgk/DG speed %.3f\n",
           CONTIG ? "contig" : "masked", BENCH_DATA ? " bench-data" : "", G, expected, N, K, valid, blocks, CBM, CBN, CST, CMC, CMCA, m1, fl / m1 / 1e6, e1, m2,
           fl / m2 / 1e6, e2, m1 / m2);
    for (int round = 0; sustain_ms > 0 && round < 2; ++round)
        for (int which = 0; which < 2; ++which) {
            gh_sustained r;
            int rc = which == 0 ? gh_sustain(as_launch_fn<decltype(launch_dg)>, &launch_dg, 0, m1, sustain_ms, &r)
                                : gh_sustain(as_launch_fn<decltype(launch_dgk)>, &launch_dgk, 0, m2, sustain_ms, &r);
            if (rc != GH_OK) { printf("back to back: %s\n", gh_error()); return 1; }
            printf("back to back %s: %.2f us %.1f TF, %.1f mJ/call, %.0f W, SM %.0f MHz (%d calls)\n", which ? "dgk" : "DG",
                   r.us, fl / r.us / 1e6, r.mj, r.watts, r.mhz, r.calls);
        }
    return 0;
}
