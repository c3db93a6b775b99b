/* tma_stream.cu - a probe, not a stock kernel: streams a GEMM's operand tiles through the
 * TMA / mbarrier pipeline the SM90 emitter writes (one producer thread, two consumer
 * warpgroups, full and empty barriers per stage), with no math, to see what a 2-CTA
 * cluster and TMA multicast do to load time and L2 traffic on this card.
 *
 * Why: a clustered FP8 GEMM at 4096x576x7168 ran 5-8% slower than without a cluster and
 * moved more bytes out of L2, not fewer (tests/gpu/results/2026-11-26-H100-clusters-energy/);
 * cuBLASLt runs the same shape with a 1 x 2 cluster. This separates the load pipeline from
 * the rest of the kernel.
 *
 * Modes (each CTA reads one BM x K tile of A and one BN x K tile of B; CTAs 2p and 2p+1
 * share the B tile):
 *   solo      no cluster, every load unicast
 *   c2-uni    cluster of 2 at launch, every load unicast (placement alone)
 *   c2-split  cluster of 2, B multicast, each CTA issues half of B's rows (dgk's way)
 *   c2-rank0  cluster of 2, B multicast, rank 0 issues all of B (DeepGEMM's way)
 *   c2-nosync c2-uni without the two cluster barriers (no CTA touches a peer)
 *   -p128, -p0 B's TMA map with 128-byte or no L2 promotion instead of 256 bytes
 * `delay` cycles per stage stand in for the consumers' math (about 680 at 128 x 144 FP8).
 * With M = 128 every CTA streams its own B tile from HBM, as the masked grouped GEMM does
 * for groups of a few rows (run it with VARIANTS=solo,... : the cluster variants need
 * pairs of M blocks).
 *
 * Build (device machine): nvcc -O3 -std=c++17 -arch=sm_90a -o tma_stream tma_stream.cu -lcuda
 * Run: ./tma_stream [M N K [delay ...]]   (REPS=n: n timed runs, no warm-up, for ncu) */
#include "../../../backend/sm90/device.cuh"

#include <cuda.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <algorithm>
#include <string>
#include <vector>

enum { BM = 128, BN = 144, BK = 128, THREADS = 384, CONSUMER_WARPS = 8 };
enum { A_BYTES = BM * BK, B_BYTES = BN * BK, STAGE_TX = A_BYTES + B_BYTES };
enum mode { SOLO, C2_UNI, C2_SPLIT, C2_RANK0, C2_NOSYNC };
/* How a clustered CTA starts and ends. SYNC_BOTH: barrier.cluster (release / acquire) after
 * the barrier inits and again before exit, as the emitter writes it. TAIL: a relaxed
 * cluster arrive after the inits (the init fence already releases them), and at the end
 * the producer waits until every stage it filled was released by every consumer of the
 * cluster, so no peer can still arrive on this CTA's barriers; no closing cluster barrier. */
enum ending { SYNC_BOTH, TAIL };

static constexpr int smem_bytes(int stages) { return stages * STAGE_TX + 2 * stages * 8 + 1024; }

template <int MODE, int STAGES, int END>
__global__ void __launch_bounds__(THREADS, 1)
stream(const __grid_constant__ dgk_tensormap tma_a, const __grid_constant__ dgk_tensormap tma_b,
       const __grid_constant__ dgk_tensormap tma_b_half, int m_blocks, int k_blocks, int delay)
{
    constexpr bool MC = MODE == C2_SPLIT || MODE == C2_RANK0;
    constexpr int CLUSTER = MODE == SOLO ? 1 : 2;
    constexpr bool SYNC = CLUSTER > 1 && MODE != C2_NOSYNC;
    extern __shared__ __align__(1024) unsigned char smem_raw[];
    unsigned char *smem = (unsigned char *)(((unsigned long long)smem_raw + 1023) & ~1023ull);
    dgk_u64 *full = (dgk_u64 *)(smem + STAGES * STAGE_TX), *empty = full + STAGES;
    const int m_block = blockIdx.x % m_blocks, n_block = blockIdx.x / m_blocks;
    if (threadIdx.x == 0) {
        for (int s = 0; s < STAGES; ++s) {
            dgk_mbar_init(&full[s], 1);
            dgk_mbar_init(&empty[s], CONSUMER_WARPS * (MC ? CLUSTER : 1));
        }
        dgk_fence_mbar_init();
    }
    if (SYNC && END == TAIL) {
        dgk_cluster_arrive_relaxed();
        dgk_cluster_wait();
    } else if (SYNC)
        dgk_cluster_sync();
    else
        __syncthreads();
    const int warpgroup = dgk_warpgroup_id();
    const dgk_u32 rank = CLUSTER > 1 ? dgk_cluster_rank() : 0;
    if (warpgroup == 0) {
        if (dgk_warp_id() == 0 && dgk_elect_one()) {
            int stage = 0;
            dgk_u32 phase = 0;
            for (int kb = 0; kb < k_blocks; ++kb) {
                dgk_mbar_wait(&empty[stage], phase ^ 1);
                dgk_u64 *bar = &full[stage];
                dgk_mbar_arrive_expect_tx(bar, STAGE_TX);
                unsigned char *a = smem + stage * STAGE_TX, *b = a + A_BYTES;
                dgk_tma_load_2d(a, &tma_a, bar, kb * BK, m_block * BM);
                if (MODE == C2_SPLIT)
                    dgk_tma_load_2d_mc(b + rank * (B_BYTES / 2), &tma_b_half, bar, kb * BK,
                                       n_block * BN + (int)rank * (BN / 2), 3);
                else if (MODE == C2_RANK0) {
                    if (rank == 0) dgk_tma_load_2d_mc(b, &tma_b, bar, kb * BK, n_block * BN, 3);
                } else
                    dgk_tma_load_2d(b, &tma_b, bar, kb * BK, n_block * BN);
                if (++stage == STAGES) { stage = 0; phase ^= 1; }
            }
            if (SYNC && END == TAIL)
                for (int i = 0; i < STAGES; ++i) {
                    dgk_mbar_wait(&empty[stage], phase ^ 1);
                    if (++stage == STAGES) { stage = 0; phase ^= 1; }
                }
        }
    } else {
        const int lane = dgk_lane_id();
        int stage = 0;
        dgk_u32 phase = 0;
        for (int kb = 0; kb < k_blocks; ++kb) {
            if (lane == 0) {
                dgk_mbar_wait(&full[stage], phase);
                const long long t0 = clock64();
                while (clock64() - t0 < delay) {}
                dgk_mbar_arrive(&empty[stage]);
                // the peer's producer multicasts into this stage too: it waits for this warp
                if (MC) dgk_mbar_arrive_cluster(&empty[stage], rank ^ 1u);
            }
            __syncwarp();
            if (++stage == STAGES) { stage = 0; phase ^= 1; }
        }
    }
    // no CTA leaves while its peer may still multicast into it or arrive on its barriers
    if (SYNC && END == SYNC_BOTH) dgk_cluster_sync();
}

#define CK(x)                                                                                               \
    do {                                                                                                    \
        cudaError_t e_ = (x);                                                                               \
        if (e_ != cudaSuccess) { fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); exit(1); } \
    } while (0)

static CUtensorMap map_2d(void *base, int rows, int cols, int box_rows,
                          CUtensorMapL2promotion promo = CU_TENSOR_MAP_L2_PROMOTION_L2_256B)
{
    CUtensorMap m;
    cuuint64_t dims[2] = {(cuuint64_t)cols, (cuuint64_t)rows}, strides[1] = {(cuuint64_t)cols};
    cuuint32_t box[2] = {BK, (cuuint32_t)box_rows}, estr[2] = {1, 1};
    CUresult r = cuTensorMapEncodeTiled(&m, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, base, dims, strides, box, estr,
                                        CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                        promo, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS) { fprintf(stderr, "cuTensorMapEncodeTiled: %d\n", (int)r); exit(1); }
    return m;
}

typedef void (*kernel_fn)(dgk_tensormap, dgk_tensormap, dgk_tensormap, int, int, int);
struct variant {
    const char *name;
    kernel_fn fn;
    int cluster, stages;
    int b_promo;  /* B's L2 promotion in bytes (256: as the GEMMs) */
};
static const variant variants[] = {
    {"solo-s4", stream<SOLO, 4, SYNC_BOTH>, 1, 4, 256},
    {"solo", stream<SOLO, 5, SYNC_BOTH>, 1, 5, 256},
    {"solo-s6", stream<SOLO, 6, SYNC_BOTH>, 1, 6, 256},
    {"c2-nosync", stream<C2_NOSYNC, 5, SYNC_BOTH>, 2, 5, 256},
    {"c2-uni", stream<C2_UNI, 5, SYNC_BOTH>, 2, 5, 256},
    {"c2-uni-tail", stream<C2_UNI, 5, TAIL>, 2, 5, 256},
    {"c2-split", stream<C2_SPLIT, 5, SYNC_BOTH>, 2, 5, 256},
    {"c2-split-tail", stream<C2_SPLIT, 5, TAIL>, 2, 5, 256},
    {"c2-split-s6-tail", stream<C2_SPLIT, 6, TAIL>, 2, 6, 256},
    {"c2-rank0", stream<C2_RANK0, 5, SYNC_BOTH>, 2, 5, 256},
    {"solo-p128", stream<SOLO, 5, SYNC_BOTH>, 1, 5, 128},
    {"solo-p0", stream<SOLO, 5, SYNC_BOTH>, 1, 5, 0},
    {"solo-s6-p0", stream<SOLO, 6, SYNC_BOTH>, 1, 6, 0},
};
enum { VARIANTS = sizeof variants / sizeof variants[0] };

static void launch(const variant &v, const CUtensorMap *ta, const CUtensorMap (*tb)[3], const CUtensorMap *tbh,
                   int m_blocks, int n_blocks, int k_blocks, int delay)
{
    cudaLaunchConfig_t cfg = {};
    cudaLaunchAttribute attr[1];
    cfg.gridDim = dim3(m_blocks * n_blocks);
    cfg.blockDim = dim3(THREADS);
    cfg.dynamicSmemBytes = smem_bytes(v.stages);
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = v.cluster;
    attr[0].val.clusterDim.y = attr[0].val.clusterDim.z = 1;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    dgk_tensormap a, b, bh;
    memcpy(&a, ta, sizeof a);
    memcpy(&b, &tb[0][v.b_promo == 256 ? 0 : v.b_promo == 128 ? 1 : 2], sizeof b);
    memcpy(&bh, tbh, sizeof bh);
    CK(cudaLaunchKernelEx(&cfg, v.fn, a, b, bh, m_blocks, k_blocks, delay));
}

int main(int argc, char **argv)
{
    const int M = argc > 3 ? atoi(argv[1]) : 4096, N = argc > 3 ? atoi(argv[2]) : 576;
    const int K = argc > 3 ? atoi(argv[3]) : 7168;
    std::vector<int> delays;
    for (int i = 4; i < argc; ++i) delays.push_back(atoi(argv[i]));
    if (delays.empty()) delays = {0, 680};
    if (M % BM || N % BN || K % BK || K < 0) { fprintf(stderr, "M %% 128, N %% 144 and K %% 128 must be 0\n"); return 2; }
    // VARIANTS=name,name: only those (the cluster ones need an even M / 128: CTAs 2p, 2p+1 share B)
    const char *only = getenv("VARIANTS");
    const int m_blocks = M / BM, n_blocks = N / BN, k_blocks = K / BK;
    const int KA = K > BK ? K : BK;  // K = 0 times launch, barriers and the cluster syncs alone
    unsigned char *a, *b, *flush;
    const size_t flush_bytes = 256u << 20;
    CK(cudaMalloc(&a, (size_t)M * KA));
    CK(cudaMalloc(&b, (size_t)N * KA));
    CK(cudaMalloc(&flush, flush_bytes));
    CK(cudaMemset(a, 1, (size_t)M * KA));
    CK(cudaMemset(b, 2, (size_t)N * KA));
    const CUtensorMap ta = map_2d(a, M, KA, BM), tbh = map_2d(b, N, KA, BN / 2);
    const CUtensorMap tb[3] = {map_2d(b, N, KA, BN), map_2d(b, N, KA, BN, CU_TENSOR_MAP_L2_PROMOTION_L2_128B),
                               map_2d(b, N, KA, BN, CU_TENSOR_MAP_L2_PROMOTION_NONE)};
    for (const variant &v : variants)
        CK(cudaFuncSetAttribute(v.fn, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes(v.stages)));
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    printf("tma_stream  %s, %d SMs; M=%d N=%d K=%d, tile %dx%d, %d CTAs\n", prop.name,
           prop.multiProcessorCount, M, N, K, BM, BN, m_blocks * n_blocks);
    if ((m_blocks * n_blocks) % 2 == 0) {
        cudaLaunchConfig_t cfg = {};
        cudaLaunchAttribute attr[1];
        cfg.gridDim = dim3(m_blocks * n_blocks);
        cfg.blockDim = dim3(THREADS);
        cfg.dynamicSmemBytes = smem_bytes(5);
        attr[0].id = cudaLaunchAttributeClusterDimension;
        attr[0].val.clusterDim.x = 2;
        attr[0].val.clusterDim.y = attr[0].val.clusterDim.z = 1;
        cfg.attrs = attr;
        cfg.numAttrs = 1;
        int clusters = 0;
        CK(cudaOccupancyMaxActiveClusters(&clusters, (void *)stream<C2_UNI, 5, SYNC_BOTH>, &cfg));
        printf("co-resident 2-CTA clusters at %d bytes of shared memory: %d\n", smem_bytes(5), clusters);
    }
    // REPS=n: n timed runs and no warm-up (for ncu, which replays each launch itself)
    const int reps = getenv("REPS") ? atoi(getenv("REPS")) : 20, warmup = getenv("REPS") ? 0 : 3;
    if (reps < 1) { fprintf(stderr, "REPS must be at least 1\n"); return 2; }
    printf("%-16s %6s %10s %10s %12s %12s   (us: median of %d, L2 flushed; warm: no flush; GB/s into shared memory;\n"
           "    B GB/s: B's bytes once / the flushed time, its HBM rate when every CTA reads its own B)\n",
           "mode", "delay", "flushed", "warm", "GB/s flushed", "B GB/s", reps);
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    const double bytes = (double)m_blocks * n_blocks * k_blocks * STAGE_TX;
    for (int d : delays)
        for (const variant &v : variants) {
            if (only && !strstr(("," + std::string(only) + ",").c_str(), ("," + std::string(v.name) + ",").c_str()))
                continue;
            if (v.cluster > 1 && m_blocks % 2) {
                fprintf(stderr, "%s: a cluster variant needs an even number of M blocks\n", v.name);
                return 2;
            }
            float med[2];
            for (int warm = 0; warm < 2; ++warm) {
                std::vector<float> t;
                for (int rep = 0; rep < warmup + reps; ++rep) {
                    if (!warm) CK(cudaMemsetAsync(flush, rep & 0xff, flush_bytes));
                    CK(cudaEventRecord(e0));
                    launch(v, &ta, &tb, &tbh, m_blocks, n_blocks, k_blocks, d);
                    CK(cudaEventRecord(e1));
                    CK(cudaEventSynchronize(e1));
                    float ms;
                    CK(cudaEventElapsedTime(&ms, e0, e1));
                    if (rep >= warmup) t.push_back(ms * 1000.f);
                }
                std::sort(t.begin(), t.end());
                med[warm] = t[t.size() / 2];
            }
            printf("%-16s %6d %10.2f %10.2f %12.0f %12.0f\n", v.name, d, med[0], med[1], bytes / med[0] / 1e3,
                   (double)N * K / med[0] / 1e3);
        }
    CK(cudaDeviceSynchronize());
    return 0;
}
