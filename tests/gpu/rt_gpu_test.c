/* rt_gpu_test.c - the runtime on a real GPU (make gpu-check-rt). Compiles with NVRTC and
 * launches, through libdgk only, a self-contained test kernel (CUDA C with inline PTX,
 * below: a runtime test, not an operator) that
 *   - loads 2-D tiles with TMA (cp.async.bulk.tensor) from a descriptor built by
 *     dgk_tma_encode and passed by value, completing on an mbarrier (expect_tx +
 *     try_wait.parity), with and without the 128-byte swizzle, over a tensor whose edge
 *     tiles are partly out of bounds;
 *   - runs as 2-CTA clusters (cluster dims launch attribute) and reads its partner CTA's
 *     tile through distributed shared memory (mapa + ld.shared::cluster), so a launch
 *     without the cluster would fail or read garbage;
 *   - uses more than 48 KB of dynamic shared memory (the attribute must be raised);
 * and checks every output element against the host. Then two dependent kernels on one
 * stream, with programmatic dependent launch on and off: the second executes
 * griddepcontrol.wait and reads what the first wrote. Then the stream ids the workspace
 * keys its slots by (runtime/workspace.c): CU_STREAM_PER_THREAD must be another stream
 * in another thread, and a stream made after one was destroyed another stream even when
 * its handle is the same. Prints PASS/FAIL lines; exits non-zero on any failure. */
#define _XOPEN_SOURCE 700 /* nftw with FTW_PHYS */
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgk.h"
#include "runtime/cuda_api.h"

/* The CUDA C source, written as tokens so it needs no escaping (no # lines inside). */
#define CUDA_SOURCE(...) #__VA_ARGS__

static const char kernels_src[] = CUDA_SOURCE(
    struct __align__(64) tensor_map { unsigned long long opaque[16]; };
    enum { TILE_ROWS = 16, TILE_COLS = 32, TILE_ELEMS = TILE_ROWS * TILE_COLS };

    __device__ unsigned smem_addr(const void *p) { return (unsigned)__cvta_generic_to_shared(p); }

    __device__ void cluster_sync()
    {
        asm volatile("barrier.cluster.arrive.release.aligned;\n"
                     "barrier.cluster.wait.acquire.aligned;" ::: "memory");
    }

    __device__ void wait_phase(unsigned bar, unsigned parity)
    {
        unsigned done = 0;
        while (!done)
            asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;"
                         " selp.u32 %0, 1, 0, p; }"
                         : "=r"(done) : "r"(bar), "r"(parity) : "memory");
    }

    /* Where element (r, c) of a 16 x 32 f32 tile sits: row-major 128-byte rows, with the
       16-byte chunk index XORed by (row % 8) under the 128-byte swizzle. */
    __device__ unsigned tile_offset(int r, int c, int swizzled)
    {
        unsigned chunk = (unsigned)c / 4u, within = (unsigned)c % 4u;
        if (swizzled)
            chunk ^= (unsigned)r % 8u;
        return (unsigned)r * 128u + chunk * 16u + within * 4u;
    }

    /* out = 2 * own tile + partner tile (partner = the other CTA of the cluster, the tile
       next to ours along columns). info[block] = cluster rank + 10 * cluster size. */
    extern "C" __global__ void tma_cluster(const __grid_constant__ tensor_map tmap, float *out,
                                           int *info, int rows, int cols, int swizzled)
    {
        extern __shared__ unsigned char dsmem[];
        __shared__ __align__(8) unsigned long long bar;
        unsigned rank, nrank;
        asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
        asm volatile("mov.u32 %0, %%cluster_nctarank;" : "=r"(nrank));
        unsigned tile = (smem_addr(dsmem) + 1023u) & ~1023u; /* 128B swizzle wants 1024 */
        unsigned mbar = smem_addr(&bar);
        if (threadIdx.x == 0) {
            asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(mbar) : "memory");
            asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;"
                         :: "r"(mbar), "r"(TILE_ELEMS * 4) : "memory");
            asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                         " [%0], [%1, {%2, %3}], [%4];"
                         :: "r"(tile), "l"((unsigned long long)&tmap),
                            "r"((int)blockIdx.x * TILE_COLS), "r"((int)blockIdx.y * TILE_ROWS),
                            "r"(mbar)
                         : "memory");
        }
        wait_phase(mbar, 0);
        cluster_sync(); /* the partner's tile has landed too */
        unsigned remote;
        asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(tile), "r"(rank ^ 1u));
        for (int i = threadIdx.x; i < TILE_ELEMS; i += blockDim.x) {
            int r = i / TILE_COLS, c = i % TILE_COLS;
            unsigned off = tile_offset(r, c, swizzled);
            float mine, theirs;
            asm volatile("ld.shared.f32 %0, [%1];" : "=f"(mine) : "r"(tile + off) : "memory");
            asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(theirs) : "r"(remote + off) : "memory");
            int gr = (int)blockIdx.y * TILE_ROWS + r, gc = (int)blockIdx.x * TILE_COLS + c;
            if (gr < rows && gc < cols)
                out[(long long)gr * cols + gc] = 2.0f * mine + theirs;
        }
        if (threadIdx.x == 0)
            info[blockIdx.y * gridDim.x + blockIdx.x] = (int)(rank + 10u * nrank);
        cluster_sync(); /* keep our tile alive until the partner has read it */
    }

    /* PDL pair. The producer lets its dependent start at once, then spins and writes; the
       consumer notes whether the producer's last element was there before its wait
       (informational: it shows the overlap), waits, and reads. */
    extern "C" __global__ void pdl_producer(float *buf, int n, long long spin)
    {
        asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
        long long t0 = clock64();
        while (clock64() - t0 < spin)
            ;
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n)
            buf[i] = 0.5f * (float)i + 1.0f;
    }

    extern "C" __global__ void pdl_consumer(const float *buf, float *out, int n, int *early)
    {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i == 0)
            *early = ((volatile const float *)buf)[n - 1] != 0.5f * (float)(n - 1) + 1.0f;
        asm volatile("griddepcontrol.wait;" ::: "memory");
        if (i < n)
            out[i] = 3.0f * buf[i];
    }
);

static int failures;
static const dgk_cuda_api *cu;

static void result(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    printf("%s %s", ok ? "PASS" : "FAIL", name);
    if (fmt) {
        printf(": ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
    }
    printf("\n");
    fflush(stdout);
    failures += !ok;
}

/* A failed dgk call ends the current test with its status and message. */
#define TRY(name, call)                                                                  \
    do {                                                                                 \
        dgk_status s_ = (call);                                                          \
        if (s_ != DGK_OK) {                                                              \
            result(0, name, "%s: %s: %s", #call, dgk_status_name(s_), dgk_last_error()); \
            return;                                                                      \
        }                                                                                \
    } while (0)

#define TRY_CU(name, call)                                                               \
    do {                                                                                 \
        CUresult r_ = (call);                                                            \
        if (r_ != CUDA_SUCCESS) {                                                        \
            result(0, name, "%s: CUresult %d", #call, (int)r_);                          \
            return;                                                                      \
        }                                                                                \
    } while (0)

static dgk_program program(const char *kernel, dgk_arch arch)
{
    dgk_program p = {.source = kernels_src, .source_name = "rt_gpu_test.cu", .kernel = kernel,
                     .arch = arch};
    return p;
}

/* ---- TMA + mbarrier + 2-CTA cluster ---- */

enum { ROWS = 40, COLS = 128, TR = 16, TC = 32, SMEM = 100 * 1024 };

static float input_at(int r, int c)
{
    return (float)((r * 131 + c * 7) % 97) * 0.25f - 3.0f;
}

static int check_tma_output(const float *out, const int *info, int gx, int gy, char *why, size_t n)
{
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) {
            int partner_c = ((c / TC) ^ 1) * TC + c % TC;
            float want = 2.0f * input_at(r, c) + input_at(r, partner_c);
            if (out[r * COLS + c] != want)
                return snprintf(why, n, "out[%d][%d] = %g, expected %g", r, c, out[r * COLS + c], want), 0;
        }
    for (int b = 0; b < gx * gy; b++)
        if (info[b] != (b % gx) % 2 + 20)
            return snprintf(why, n, "block %d reports cluster rank+10*size %d, expected %d", b,
                            info[b], (b % gx) % 2 + 20), 0;
    return 1;
}

static void test_tma_cluster(dgk_context *ctx, dgk_tma_swizzle swizzle)
{
    const char *name = swizzle ? "tma_mbarrier_cluster_swizzle128" : "tma_mbarrier_cluster";
    dgk_program p = program("tma_cluster", DGK_ARCH_SM90A);
    dgk_kernel *k;
    TRY(name, dgk_kernel_get(ctx, &p, &k));
    float host_in[ROWS * COLS], host_out[ROWS * COLS];
    int gx = COLS / TC, gy = (ROWS + TR - 1) / TR, host_info[16];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            host_in[r * COLS + c] = input_at(r, c);
    CUdeviceptr in, out, info;
    TRY_CU(name, cu->cuMemAlloc(&in, sizeof host_in));
    TRY_CU(name, cu->cuMemAlloc(&out, sizeof host_out));
    TRY_CU(name, cu->cuMemAlloc(&info, sizeof host_info));
    TRY_CU(name, cu->cuMemcpyHtoD(in, host_in, sizeof host_in));
    TRY_CU(name, cu->cuMemsetD8(out, 0xff, sizeof host_out));   /* poison: NaN */
    TRY_CU(name, cu->cuMemsetD8(info, 0xff, sizeof host_info));
    dgk_tma_desc d = {.dtype = DGK_TMA_F32, .rank = 2, .base = (const void *)(uintptr_t)in,
                      .shape = {COLS, ROWS}, .strides = {1, COLS}, .box = {TC, TR},
                      .swizzle = swizzle};
    dgk_tensor_map tmap;
    TRY(name, dgk_tma_encode(&d, &tmap));
    int rows = ROWS, cols = COLS, swz = swizzle != DGK_TMA_SWIZZLE_NONE;
    void *args[] = {&tmap, &out, &info, &rows, &cols, &swz};
    dgk_launch_cfg cfg = {.grid = {(uint32_t)gx, (uint32_t)gy}, .block = {128},
                          .cluster = {2, 1, 1}, .smem_bytes = SMEM};
    TRY(name, dgk_launch(k, &cfg, args));
    TRY_CU(name, cu->cuCtxSynchronize());
    TRY_CU(name, cu->cuMemcpyDtoH(host_out, out, sizeof host_out));
    TRY_CU(name, cu->cuMemcpyDtoH(host_info, info, (size_t)(gx * gy) * sizeof(int)));
    char why[200];
    if (check_tma_output(host_out, host_info, gx, gy, why, sizeof why))
        result(1, name, "%d x %d f32 via %d x %d boxes, %d CTAs in clusters of 2, %d B dynamic smem, %d registers",
               ROWS, COLS, TR, TC, gx * gy, SMEM, dgk_kernel_report(k)->registers);
    else
        result(0, name, "%s", why);
    cu->cuMemFree(in);
    cu->cuMemFree(out);
    cu->cuMemFree(info);
}

/* ---- programmatic dependent launch ---- */

enum { N = 1 << 20, BLOCK = 256 };

static void test_pdl(dgk_context *ctx, int pdl)
{
    const char *name = pdl ? "pdl_on" : "pdl_off";
    dgk_program pp = program("pdl_producer", DGK_ARCH_SM90A);
    dgk_program pc = program("pdl_consumer", DGK_ARCH_SM90A);
    dgk_kernel *kp, *kc;
    TRY(name, dgk_kernel_get(ctx, &pp, &kp));
    TRY(name, dgk_kernel_get(ctx, &pc, &kc));
    CUstream stream;
    CUdeviceptr buf, out, early;
    TRY_CU(name, cu->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
    TRY_CU(name, cu->cuMemAlloc(&buf, N * sizeof(float)));
    TRY_CU(name, cu->cuMemAlloc(&out, N * sizeof(float)));
    TRY_CU(name, cu->cuMemAlloc(&early, sizeof(int)));
    int n = N, early_runs = 0, runs = 5, bad = -1;
    long long spin = 20000;
    float *host = malloc(N * sizeof(float));
    for (int run = 0; run < runs && bad < 0; run++) {
        TRY_CU(name, cu->cuMemsetD8(buf, 0, N * sizeof(float)));
        TRY_CU(name, cu->cuMemsetD8(out, 0xff, N * sizeof(float)));
        TRY_CU(name, cu->cuCtxSynchronize());
        void *a1[] = {&buf, &n, &spin}, *a2[] = {&buf, &out, &n, &early};
        dgk_launch_cfg c1 = {.grid = {N / BLOCK}, .block = {BLOCK}, .stream = stream};
        dgk_launch_cfg c2 = {.grid = {N / BLOCK}, .block = {BLOCK}, .stream = stream, .pdl = pdl};
        TRY(name, dgk_launch(kp, &c1, a1));
        TRY(name, dgk_launch(kc, &c2, a2));
        TRY_CU(name, cu->cuStreamSynchronize(stream));
        int e = 0;
        TRY_CU(name, cu->cuMemcpyDtoH(host, out, N * sizeof(float)));
        TRY_CU(name, cu->cuMemcpyDtoH(&e, early, sizeof e));
        early_runs += e;
        for (int i = 0; i < N && bad < 0; i++)
            if (host[i] != 3.0f * (0.5f * (float)i + 1.0f))
                bad = i;
    }
    if (bad >= 0)
        result(0, name, "out[%d] = %g, expected %g", bad, host[bad], 3.0f * (0.5f * (float)bad + 1.0f));
    else if (!pdl && early_runs)
        result(0, name, "without PDL the consumer saw the producer unfinished in %d runs", early_runs);
    else
        result(1, name, "%d runs of %d elements correct; consumer started before the producer finished in %d of %d runs",
               runs, N, early_runs, runs);
    free(host);
    cu->cuMemFree(buf);
    cu->cuMemFree(out);
    cu->cuMemFree(early);
    cu->cuStreamDestroy(stream);
}

/* ---- errors a GPU is needed to reach ---- */

static void test_gpu_errors(dgk_context *ctx)
{
    const char *name = "gpu_error_paths";
    dgk_program p = program("tma_cluster", DGK_ARCH_SM100A);
    dgk_kernel *k, *again;
    dgk_cache_stats before, after;
    if (dgk_kernel_get(ctx, &p, &k) != DGK_EARCH) {
        result(0, name, "an sm_100a program on this device was not DGK_EARCH");
        return;
    }
    p.arch = DGK_ARCH_SM90A;
    dgk_cache_stats_get(&before);
    TRY(name, dgk_kernel_get(ctx, &p, &k));
    TRY(name, dgk_kernel_get(ctx, &p, &again));
    dgk_cache_stats_get(&after);
    if (k != again || after.module_loads != before.module_loads || after.compiles != before.compiles) {
        result(0, name, "asking for a loaded kernel again loaded or compiled it again");
        return;
    }
    dgk_device_props props;
    dgk_device_props_get(ctx, &props);
    void *args[6] = {0};
    dgk_launch_cfg cfg = {.grid = {4, 3}, .block = {128}, .cluster = {2, 1, 1},
                          .smem_bytes = (uint32_t)props.smem_per_block_optin};
    if (dgk_launch(k, &cfg, args) != DGK_ESMEM) {
        result(0, name, "smem_bytes = the whole opt-in limit plus static smem was not DGK_ESMEM");
        return;
    }
    result(1, name, "DGK_EARCH for sm_100a, one load per program, DGK_ESMEM: %s", dgk_last_error());
}

/* ---- stream ids (the workspace's slot keys) ---- */

/* This thread's CU_STREAM_PER_THREAD id, with device 0's primary context current (the one
 * dgk_init uses); 0 on any error. */
static void *per_thread_stream_id(void *arg)
{
    unsigned long long *id = arg;
    CUdevice dev;
    CUcontext c;
    *id = 0;
    if (cu->cuDeviceGet(&dev, 0) != CUDA_SUCCESS || cu->cuDevicePrimaryCtxRetain(&c, dev) != CUDA_SUCCESS)
        return NULL;
    if (cu->cuCtxSetCurrent(c) != CUDA_SUCCESS || cu->cuStreamGetId(CU_STREAM_PER_THREAD, id) != CUDA_SUCCESS)
        *id = 0;
    cu->cuDevicePrimaryCtxRelease(dev);
    return NULL;
}

static void test_stream_ids(void)
{
    const char *name = "stream_ids";
    unsigned long long mine = 0, other = 0, legacy = 0, first = 0, second = 0;
    pthread_t t;
    per_thread_stream_id(&mine);
    if (pthread_create(&t, NULL, per_thread_stream_id, &other) != 0 || pthread_join(t, NULL) != 0) {
        result(0, name, "could not run a second thread");
        return;
    }
    CUstream a, b;
    TRY(name, cu->cuStreamGetId(CU_STREAM_LEGACY, &legacy) == CUDA_SUCCESS ? DGK_OK : DGK_ECUDA);
    TRY(name, cu->cuStreamCreate(&a, CU_STREAM_NON_BLOCKING) == CUDA_SUCCESS ? DGK_OK : DGK_ECUDA);
    cu->cuStreamGetId(a, &first);
    cu->cuStreamDestroy(a);
    TRY(name, cu->cuStreamCreate(&b, CU_STREAM_NON_BLOCKING) == CUDA_SUCCESS ? DGK_OK : DGK_ECUDA);
    cu->cuStreamGetId(b, &second);
    cu->cuStreamDestroy(b);
    if (!mine || !other || mine == other || mine == legacy || other == legacy)
        result(0, name, "per-thread stream ids %llu (this thread), %llu (another), legacy %llu: not three streams",
               mine, other, legacy);
    else if (!first || first == second)
        result(0, name, "a stream made after another was destroyed has its id %llu (handles %s)", first,
               a == b ? "the same" : "different");
    else
        result(1, name, "per-thread %llu / %llu, legacy %llu; recreated stream %llu -> %llu (handle %s)", mine, other,
               legacy, first, second, a == b ? "reused" : "new");
}

/* --compile-only: NVRTC for every kernel, no GPU needed (checks the source anywhere). */
static int compile_only(void)
{
    static const char *const names[] = {"tma_cluster", "pdl_producer", "pdl_consumer"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        dgk_program p = program(names[i], DGK_ARCH_SM90A);
        dgk_binary *b;
        dgk_status s = dgk_compile(&p, &b, NULL);
        if (s != DGK_OK) {
            result(0, names[i], "%s", dgk_last_error());
            continue;
        }
        const dgk_func_report *f = dgk_report_find(dgk_binary_report(b), names[i]);
        result(1, names[i], "compiled: %d registers, %d B spill stores", f->registers, f->spill_store_bytes);
        dgk_binary_release(b);
    }
    return failures ? 1 : 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

/* rm -rf of the temporary cache directory made at start. */
static void remove_tree(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int run_tests(void)
{
    dgk_context *ctx;
    dgk_status s = dgk_init(0, &ctx);
    if (s != DGK_OK || dgk_cuda(&cu) != DGK_OK) {
        result(0, "init", "%s: %s", dgk_status_name(s), dgk_last_error());
        return 1;
    }
    dgk_device_props p;
    dgk_device_props_get(ctx, &p);
    printf("device %d: %s, cc %d.%d (%s), %d SMs, smem/block opt-in %d B, smem/SM %d B, L2 %d B, "
           "clusters %s, driver %d\n",
           p.ordinal, p.name, p.cc_major, p.cc_minor, dgk_arch_name(p.arch), p.sm_count,
           p.smem_per_block_optin, p.smem_per_sm, p.l2_bytes, p.cluster_launch ? "yes" : "no",
           p.driver_version);
    if (p.arch == DGK_ARCH_SM90A && p.sm_count > 0 && p.smem_per_block_optin > 48 * 1024)
        result(1, "device_props", NULL);
    else
        result(0, "device_props", "this test needs an sm_90a device with more than 48 KB opt-in smem");
    test_tma_cluster(ctx, DGK_TMA_SWIZZLE_NONE);
    test_tma_cluster(ctx, DGK_TMA_SWIZZLE_128B);
    test_pdl(ctx, 0);
    test_pdl(ctx, 1);
    test_gpu_errors(ctx);
    test_stream_ids();
    dgk_destroy(ctx);
    printf("rt_gpu_test: %d failed\n", failures);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/dgk-gpu-test-XXXXXX";
    int own_dir = !getenv("DGK_CACHE_DIR") && mkdtemp(dir);
    if (own_dir)
        setenv("DGK_CACHE_DIR", dir, 1);   /* cold compiles, not someone's old cache */
    int rc = argc > 1 && strcmp(argv[1], "--compile-only") == 0 ? compile_only() : run_tests();
    if (own_dir)
        remove_tree(dir);
    return rc;
}
