// tile_timeline.cu - where a dgk FP8 GEMM kernel spends its time, tile by tile: the stock
// dgk_gemm_fp8_nt (its heuristic, or DGK_GEMM_* overrides) compiled through ts_nvcc.sh,
// which instruments the generated kernel (ts_edit.py) with %globaltimer / clock64 records
// per CTA and tile; each run follows DeepGEMM's 8e9-byte flush memset. Prints per tile
// round (the CTAs' i-th tiles): when it starts, the wait for its first stage, its K loop
// (and the part of it spent waiting on full stages), its epilogue, and the gap to the next
// tile; the raw records of the median run go to OUT. `contig G ROWS ...` times the m-grouped
// contiguous FP8 GEMM (group ids, G groups of ROWS rows) instead.
// Build (here, with the CUDA toolkit; from the repository root):
//   nvcc -O2 -std=c++17 -arch=sm_90a -Iinclude tests/gpu/probes/timeline/tile_timeline.cu \
//     build/lib/libdgk.a -lcuda -lnvrtc -ldl -lpthread -o build/ab/tile_timeline
// Run on the GPU from the repository root (python3 and nvcc needed there):
//   build/ab/tile_timeline M N K REPS OUT.txt
//   build/ab/tile_timeline contig G ROWS N K REPS OUT.txt
#include "../dg_probe.cuh"
#include <cstring>
#include <string>

enum { MAX_CTAS = 1024, MAX_TILES = 64, SLOTS = 32 };

static const unsigned long long *at(const std::vector<unsigned long long> &ts, int cta, int it) {
    return ts.data() + ((size_t)cta * MAX_TILES + it) * SLOTS;
}
static double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// a tile round's medians over the CTAs that ran it, in us (clock64 at `ghz`)
static void report(const std::vector<unsigned long long> &ts, int ctas, int consumers, int k_blocks, double ghz) {
    unsigned long long g0 = ~0ull;
    for (int c = 0; c < ctas; ++c)
        if (at(ts, c, 0)[0]) g0 = std::min(g0, at(ts, c, 0)[0]);
    printf("round ctas  start_us  first_us  loop_us  perkb_us  wait_us  epi_us  gap_us  end_us\n");
    for (int it = 0; it < MAX_TILES; ++it) {
        std::vector<double> st, fi, lo, wa, ep, gp, en;
        for (int c = 0; c < ctas; ++c) {
            const unsigned long long *r = at(ts, c, it);
            for (int w = 0; w < consumers; ++w) {
                const unsigned long long *gt = r + 4 * w, *ck = r + 16 + 4 * w;
                if (!gt[0] || !gt[3]) continue;
                st.push_back((gt[0] - g0) / 1e3);
                en.push_back((gt[3] - g0) / 1e3);
                fi.push_back((ck[1] - ck[0]) / ghz / 1e3);
                lo.push_back((ck[2] - ck[1]) / ghz / 1e3);
                wa.push_back(r[14 + w] / ghz / 1e3);
                ep.push_back((ck[3] - ck[2]) / ghz / 1e3);
                const unsigned long long *nx = at(ts, c, it + 1 < MAX_TILES ? it + 1 : it);
                if (it + 1 < MAX_TILES && nx[16 + 4 * w]) gp.push_back((nx[16 + 4 * w] - ck[3]) / ghz / 1e3);
            }
        }
        if (st.empty()) break;
        printf("%5d %4zu %9.2f %9.2f %8.2f %9.3f %8.2f %7.2f %7.2f %7.2f\n", it, st.size() / consumers, median(st), median(fi),
               median(lo), median(lo) / std::max(1, k_blocks - 1), median(wa), median(ep), median(gp), median(en));
    }
}

int main(int argc, char **argv) {
    // `contig G ROWS N K REPS OUT`: the m-grouped contiguous FP8 GEMM, G groups of ROWS rows
    // each (group ids, no padding); else `M N K REPS OUT`: the dense FP8 GEMM
    const int contig = argc > 1 && !strcmp(argv[1], "contig"), G = contig ? atoi(argv[2]) : 1;
    if (argc < 6 + 2 * contig) {
        fprintf(stderr, "usage: %s M N K REPS OUT.txt | contig G ROWS N K REPS OUT.txt  (from the repository root)\n", argv[0]);
        return 2;
    }
    argv += 2 * contig;
    const int M = atoi(argv[1]) * G, N = atoi(argv[2]), K = atoi(argv[3]), reps = atoi(argv[4]);
    const int kb = K / 128, ld_sa = align_up(M, 4);
    const size_t ts_bytes = (size_t)MAX_CTAS * MAX_TILES * SLOTS * 8;
    unsigned long long *ts;
    CK(cudaMalloc(&ts, ts_bytes));
    char addr[64];
    snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)(uintptr_t)ts);
    setenv("DGKX_TS_ADDR", addr, 1);
    if (!getenv("DGK_USE_NVCC")) setenv("DGK_USE_NVCC", "tests/gpu/probes/timeline/ts_nvcc.sh", 1);
    __nv_fp8_e4m3 *A, *B; float *SA, *SB; __nv_bfloat16 *D; void *flush;
    const size_t sb_count = (size_t)G * ((N + 127) / 128) * kb;
    CK(cudaMalloc(&A, (size_t)M * K)); CK(cudaMalloc(&B, (size_t)G * N * K));
    CK(cudaMalloc(&SA, (size_t)kb * ld_sa * 4)); CK(cudaMalloc(&SB, sb_count * 4));
    CK(cudaMalloc(&D, (size_t)M * N * 2));
    const size_t flush_bytes = 8000000000ull;
    CK(cudaMalloc(&flush, flush_bytes));
    fill_fp8<<<1024, 256>>>(A, (size_t)M * K, 1); fill_fp8<<<1024, 256>>>(B, (size_t)G * N * K, 2);
    fill_scale<<<256, 256>>>(SA, (size_t)kb * ld_sa, 3); fill_scale<<<256, 256>>>(SB, sb_count, 4);
    CK(cudaDeviceSynchronize());
    dgk_context *ctx; CG(dgk_init(0, &ctx));
    int64_t sa_shape[2] = {kb, M}, a_shape[2] = {M, K}, b_shape[2] = {N, K}, sb_shape[2] = {(N + 127) / 128, kb}, d_shape[2] = {M, N};
    dgk_tensor ta = dgk_tensor_make(A, DGK_DTYPE_E4M3, 2, a_shape), tb = dgk_tensor_make(B, DGK_DTYPE_E4M3, 2, b_shape);
    dgk_tensor tsa = dgk_tensor_make(SA, DGK_DTYPE_F32, 2, sa_shape); tsa.stride[0] = ld_sa;
    dgk_tensor tsb = dgk_tensor_make(SB, DGK_DTYPE_F32, 2, sb_shape), td = dgk_tensor_make(D, DGK_DTYPE_BF16, 2, d_shape);
    // the grouped form: B [G, N, K], SB [G, cdiv(N, 128), kb], one group id per row
    int64_t gb_shape[3] = {G, N, K}, gsb_shape[3] = {G, (N + 127) / 128, kb}, id_shape[1] = {M};
    std::vector<int> ids(M);
    for (int r = 0; r < M; ++r) ids[r] = r / (M / G);
    int *gid; CK(cudaMalloc(&gid, (size_t)M * 4));
    CK(cudaMemcpy(gid, ids.data(), (size_t)M * 4, cudaMemcpyHostToDevice));
    dgk_tensor tgb = dgk_tensor_make(B, DGK_DTYPE_E4M3, 3, gb_shape), tgsb = dgk_tensor_make(SB, DGK_DTYPE_F32, 3, gsb_shape);
    dgk_tensor tid = dgk_tensor_make(gid, DGK_DTYPE_I32, 1, id_shape);
    auto launch = [&]() {
        if (contig) CG(dgk_m_grouped_gemm_fp8_nt_contiguous(ctx, &ta, &tsa, &tgb, &tgsb, &td, &tid, nullptr));
        else CG(dgk_gemm_fp8_nt(ctx, &ta, &tsa, &tb, &tsb, &td, nullptr));
    };
    cudaEvent_t ev[2]; for (auto &e : ev) CK(cudaEventCreate(&e));
    std::vector<std::vector<unsigned long long>> runs;
    std::vector<float> us;
    for (int i = 0; i < 2 + reps; ++i) {
        CK(cudaMemset(ts, 0, ts_bytes));
        CK(cudaMemsetAsync(flush, i & 0xff, flush_bytes));
        CK(cudaEventRecord(ev[0]));
        launch();
        CK(cudaEventRecord(ev[1]));
        CK(cudaEventSynchronize(ev[1]));
        float ms; CK(cudaEventElapsedTime(&ms, ev[0], ev[1]));
        if (i < 2) continue;
        us.push_back(ms * 1000);
        runs.emplace_back(ts_bytes / 8);
        CK(cudaMemcpy(runs.back().data(), ts, ts_bytes, cudaMemcpyDeviceToHost));
    }
    std::vector<int> order(us.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = (int)i;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return us[a] < us[b]; });
    const int med = order[order.size() / 2];
    const std::vector<unsigned long long> &t = runs[med];
    int ctas = 0, consumers = 1;
    for (int c = 0; c < MAX_CTAS; ++c) {
        if (at(t, c, 0)[0]) ctas = c + 1;
        if (at(t, c, 0)[4]) consumers = 2;
    }
    // clock64 rate: each CTA's first to last record, cycles over ns
    std::vector<double> rate;
    for (int c = 0; c < ctas; ++c) {
        int last = 0;
        while (last + 1 < MAX_TILES && at(t, c, last + 1)[3]) ++last;
        const unsigned long long *a = at(t, c, 0), *b = at(t, c, last);
        if (b[3] > a[0] + 1000) rate.push_back((double)(b[19] - a[16]) / (double)(b[3] - a[0]));
    }
    const double ghz = median(rate);
    if (ctas == 0) {  // an uninstrumented kernel (DGK_USE_NVCC set to nvcc itself): times only
        printf("%dx%dx%d: %zu runs, event time median %.2f us (%.1f TFLOPS, min %.2f), no records\n", M, N, K, us.size(), us[med],
               2.0 * M * N * K / us[med] / 1e6, us[order[0]]);
        return 0;
    }
    printf("%dx%dx%d: %zu runs, event time median %.2f us (%.1f TFLOPS, min %.2f), %d CTAs, %d consumers, %d K blocks, SM clock %.3f GHz\n",
           M, N, K, us.size(), us[med], 2.0 * M * N * K / us[med] / 1e6, us[order[0]], ctas, consumers, kb, ghz);
    report(t, ctas, consumers, kb, ghz);
    FILE *f = fopen(argv[5], "w");
    if (!f) { perror(argv[5]); return 1; }
    fprintf(f, "# %dx%dx%d median run %.2f us; cta it slots[0..31] (0-15 globaltimer ns, 16-31 clock64; see ts_edit.py)\n", M, N, K, us[med]);
    for (int c = 0; c < ctas; ++c)
        for (int it = 0; it < MAX_TILES && at(t, c, it)[0]; ++it) {
            fprintf(f, "%d %d", c, it);
            for (int s = 0; s < SLOTS; ++s) fprintf(f, " %llu", at(t, c, it)[s]);
            fprintf(f, "\n");
        }
    fclose(f);
    return 0;
}
