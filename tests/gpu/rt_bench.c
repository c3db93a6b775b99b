/* rt_bench.c - what the runtime costs (make bench-rt), measured with the host's
 * monotonic clock on the machine it runs on:
 *   1. cold compile: NVRTC on an empty cache, for a GEMM-sized kernel. Until the backend
 *      emits its GEMM this is a STAND-IN: a hand-written FP32 SIMT GEMM (128x128x8 tile,
 *      8x8 per thread, double-buffered shared memory) with no wgmma, TMA or device header;
 *      also the first call (cold compile + module load) through dgk_kernel_get;
 *   2. warm from disk: dgk_kernel_get in a fresh process whose cache directory holds the
 *      entry (hash + read + verify + cuModuleLoadData + function lookup), then that
 *      process's first launch (host time, and time to completion, which includes any lazy
 *      module loading the driver deferred); and the read-and-verify part alone in-process;
 *   3. launch overhead on a cache hit: host time per launch of an empty kernel through
 *      dgk_memo_get + dgk_launch, in batches with the stream drained between batches, next
 *      to raw cuLaunchKernel and cuLaunchKernelEx on the same function measured the same
 *      way. Nothing is subtracted.
 * Prints one line per measurement and a summary against the targets (compile < 0.5 s,
 * disk hit < 2 ms, launch < 5 us). */
#define _XOPEN_SOURCE 700 /* nftw with FTW_PHYS */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nvrtc.h>

#include "dgk.h"
#include "runtime/context.h"

#define CUDA_SOURCE(...) #__VA_ARGS__

static const char gemm_src[] = CUDA_SOURCE(
    enum { BM = 128, BN = 128, BK = 8, TM = 8, TN = 8, PAD = 4 };

    /* C = alpha * A B + beta * C; A row-major M x K, B row-major K x N; M, N multiples of
       128, K a multiple of 8. 256 threads, each an 8 x 8 block of C. */
    extern "C" __global__ void __launch_bounds__(256)
    sgemm_128x128(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
                  int M, int N, int K, float alpha, float beta)
    {
        __shared__ __align__(16) float As[2][BK][BM + PAD];
        __shared__ __align__(16) float Bs[2][BK][BN + PAD];
        int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
        int a_row = threadIdx.x / 2, a_col = (threadIdx.x % 2) * 4;
        int b_row = threadIdx.x / 32, b_col = (threadIdx.x % 32) * 4;
        const float *a = A + (size_t)blockIdx.y * BM * K + (size_t)a_row * K + a_col;
        const float *b = B + (size_t)b_row * N + (size_t)blockIdx.x * BN + b_col;
        float acc[TM][TN];
        float ra[TM], rb[TN];
        _Pragma("unroll") for (int i = 0; i < TM; i++)
            _Pragma("unroll") for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;
        float4 la = *(const float4 *)a, lb = *(const float4 *)b;
        As[0][a_col + 0][a_row] = la.x;
        As[0][a_col + 1][a_row] = la.y;
        As[0][a_col + 2][a_row] = la.z;
        As[0][a_col + 3][a_row] = la.w;
        *(float4 *)&Bs[0][b_row][b_col] = lb;
        __syncthreads();
        int stage = 0;
        for (int k0 = 0; k0 < K; k0 += BK) {
            int more = k0 + BK < K;
            if (more) {
                la = *(const float4 *)(a + k0 + BK);
                lb = *(const float4 *)(b + (size_t)(k0 + BK) * N);
            }
            _Pragma("unroll") for (int kk = 0; kk < BK; kk++) {
                _Pragma("unroll") for (int i = 0; i < TM; i += 4)
                    *(float4 *)&ra[i] = *(const float4 *)&As[stage][kk][ty * TM + i];
                _Pragma("unroll") for (int j = 0; j < TN; j += 4)
                    *(float4 *)&rb[j] = *(const float4 *)&Bs[stage][kk][tx * TN + j];
                _Pragma("unroll") for (int i = 0; i < TM; i++)
                    _Pragma("unroll") for (int j = 0; j < TN; j++) acc[i][j] += ra[i] * rb[j];
            }
            if (more) {
                As[stage ^ 1][a_col + 0][a_row] = la.x;
                As[stage ^ 1][a_col + 1][a_row] = la.y;
                As[stage ^ 1][a_col + 2][a_row] = la.z;
                As[stage ^ 1][a_col + 3][a_row] = la.w;
                *(float4 *)&Bs[stage ^ 1][b_row][b_col] = lb;
            }
            __syncthreads();
            stage ^= 1;
        }
        size_t row0 = (size_t)blockIdx.y * BM + ty * TM, col0 = (size_t)blockIdx.x * BN + tx * TN;
        _Pragma("unroll") for (int i = 0; i < TM; i++)
            _Pragma("unroll") for (int j = 0; j < TN; j += 4) {
                float4 *c = (float4 *)&C[(row0 + i) * N + col0 + j];
                float4 v = *c;
                v.x = alpha * acc[i][j + 0] + beta * v.x;
                v.y = alpha * acc[i][j + 1] + beta * v.y;
                v.z = alpha * acc[i][j + 2] + beta * v.z;
                v.w = alpha * acc[i][j + 3] + beta * v.w;
                *c = v;
            }
    }

    extern "C" __global__ void empty_kernel(int a, float *p) {}
);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
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

static dgk_program program(const char *kernel)
{
    dgk_program p = {.source = gemm_src, .source_name = "rt_bench.cu", .kernel = kernel,
                     .arch = DGK_ARCH_SM90A};
    return p;
}

static void die(const char *what, dgk_status s)
{
    printf("FAIL %s: %s: %s\n", what, dgk_status_name(s), dgk_last_error());
    exit(1);
}

static char root[] = "/tmp/dgk-bench-XXXXXX";

static void use_cache_dir(const char *name)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    setenv("DGK_CACHE_DIR", dir, 1);
    dgk_cache_clear_memory();
}

/* ---- 1. cold compile ---- */

enum { COLD_RUNS = 3 };

static double bench_cold(dgk_context *ctx)
{
    double t[COLD_RUNS];
    dgk_program p = program("sgemm_128x128");
    for (int i = 0; i < COLD_RUNS; i++) {
        char name[32];
        snprintf(name, sizeof name, "cold%d", i);
        use_cache_dir(name);
        dgk_binary *b;
        dgk_origin o;
        double t0 = now();
        dgk_status s = dgk_compile(&p, &b, &o);
        t[i] = now() - t0;
        if (s != DGK_OK || o != DGK_ORIGIN_COMPILED)
            die("cold compile", s);
        const dgk_func_report *f = dgk_report_find(dgk_binary_report(b), p.kernel);
        size_t n;
        dgk_binary_image(b, &n);
        printf("cold_compile[%d]: %.3f s (sgemm_128x128 STAND-IN, no wgmma; %zu B cubin, %d registers, "
               "%d B spill stores)\n", i, t[i], n, f->registers, f->spill_store_bytes);
        dgk_binary_release(b);
    }
    use_cache_dir("first-call");
    dgk_kernel *k;
    double t0 = now();
    dgk_status s = dgk_kernel_get(ctx, &p, &k);
    double first = now() - t0;
    if (s != DGK_OK)
        die("first call", s);
    printf("first_call (cold compile + load, dgk_kernel_get): %.3f s\n", first);
    return median(t, COLD_RUNS);
}

/* ---- 2. warm from disk ---- */

enum { CHILDREN = 5, INPROC = 20 };

/* The first launch after loading: a 128 x 128 x 8 GEMM, one CTA. Host time of the launch
 * call, and until the kernel has finished. */
static void first_launch(dgk_context *ctx, dgk_kernel *k, double *host, double *done)
{
    const dgk_cuda_api *cu = ctx->cu;
    CUdeviceptr a, b, c;
    int m = 128, n = 128, kk = 8;
    float alpha = 1.0f, beta = 0.0f;
    if (cu->cuMemAlloc(&a, 128 * 8 * 4) || cu->cuMemAlloc(&b, 128 * 8 * 4) || cu->cuMemAlloc(&c, 128 * 128 * 4) ||
        cu->cuMemsetD8(a, 0, 128 * 8 * 4) || cu->cuMemsetD8(b, 0, 128 * 8 * 4) || cu->cuMemsetD8(c, 0, 128 * 128 * 4) ||
        cu->cuCtxSynchronize())
        die("child: buffers", DGK_ECUDA);
    void *args[] = {&a, &b, &c, &m, &n, &kk, &alpha, &beta};
    dgk_launch_cfg cfg = {.grid = {1, 1}, .block = {256}};
    double t0 = now();
    dgk_status s = dgk_launch(k, &cfg, args);
    *host = now() - t0;
    if (s != DGK_OK || cu->cuCtxSynchronize() != CUDA_SUCCESS)
        die("child: first launch", s);
    *done = now() - t0;
}

/* In a fresh process: one dgk_kernel_get served from disk, then the first launch. */
static int disk_child(void)
{
    dgk_context *ctx;
    dgk_status s = dgk_init(0, &ctx);
    if (s != DGK_OK)
        die("child init", s);
    dgk_program p = program("sgemm_128x128");
    dgk_kernel *k;
    double t0 = now();
    s = dgk_kernel_get(ctx, &p, &k);
    double t = now() - t0;
    dgk_cache_stats st;
    dgk_cache_stats_get(&st);
    if (s != DGK_OK || st.disk_hits != 1 || st.compiles != 0)
        die("child: kernel did not come from disk", s);
    double host, done;
    first_launch(ctx, k, &host, &done);
    printf("CHILD %.6f %.6f %.6f\n", t, host, done);
    dgk_destroy(ctx);
    return 0;
}

static double bench_disk(void)
{
    char self[512], cmd[700];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        die("readlink /proc/self/exe", DGK_EIO);
    self[n] = '\0';
    use_cache_dir("cold0");   /* holds the entry from the cold runs */
    snprintf(cmd, sizeof cmd, "'%s' --disk-child", self);
    double t[CHILDREN], host, done;
    for (int i = 0; i < CHILDREN; i++) {
        FILE *f = popen(cmd, "r");
        char line[256] = "";
        if (!f || !fgets(line, sizeof line, f) ||
            sscanf(line, "CHILD %lf %lf %lf", &t[i], &host, &done) != 3) {
            printf("FAIL disk child: %s", line);
            exit(1);
        }
        pclose(f);
        printf("disk_hit_new_process[%d]: %.3f ms (dgk_kernel_get: hash, read, verify, cuModuleLoadData, "
               "cuModuleGetFunction, attributes); then first launch %.3f ms host, %.3f ms to completion\n",
               i, t[i] * 1e3, host * 1e3, done * 1e3);
    }
    double r[INPROC];
    dgk_program p = program("sgemm_128x128");
    for (int i = 0; i < INPROC; i++) {
        dgk_binary *b;
        dgk_origin o;
        dgk_cache_clear_memory();
        double t0 = now();
        dgk_status s = dgk_compile(&p, &b, &o);
        r[i] = now() - t0;
        if (s != DGK_OK || o != DGK_ORIGIN_DISK)
            die("in-process disk hit", s);
        dgk_binary_release(b);
    }
    printf("disk_read_verify_in_process: median %.3f ms over %d (dgk_compile from disk, no module load)\n",
           median(r, INPROC) * 1e3, INPROC);
    return median(t, CHILDREN);
}

/* ---- 3. launch overhead ---- */

enum { BATCH = 100, BATCHES = 200, WARMUP = 2000 };
enum { VIA_DGK, VIA_DGK_PDL, VIA_CU, VIA_CU_EX };

typedef struct plan {
    dgk_kernel *k;
    dgk_launch_cfg cfg;
} plan;

static const uint64_t EMPTY_ID = 0x454d505459ull;

static void one_launch(dgk_context *ctx, int via, void **args, CUstream stream)
{
    const dgk_cuda_api *cu = ctx->cu;
    if (via == VIA_DGK || via == VIA_DGK_PDL) {
        plan *pl = dgk_memo_get(ctx, EMPTY_ID, via);
        dgk_launch(pl->k, &pl->cfg, args);
        return;
    }
    plan *pl = dgk_memo_get(ctx, EMPTY_ID, VIA_DGK);
    if (via == VIA_CU) {
        cu->cuLaunchKernel(pl->k->fn, 1, 1, 1, 32, 1, 1, 0, stream, args, NULL);
    } else {
        CUlaunchConfig lc = {.gridDimX = 1, .gridDimY = 1, .gridDimZ = 1, .blockDimX = 32,
                             .blockDimY = 1, .blockDimZ = 1, .hStream = stream};
        cu->cuLaunchKernelEx(&lc, pl->k->fn, args, NULL);
    }
}

static double per_launch_us(dgk_context *ctx, int via, void **args, CUstream stream)
{
    double t[BATCHES];
    for (int i = 0; i < WARMUP; i++)
        one_launch(ctx, via, args, stream);
    ctx->cu->cuStreamSynchronize(stream);
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now();
        for (int i = 0; i < BATCH; i++)
            one_launch(ctx, via, args, stream);
        t[b] = (now() - t0) / BATCH * 1e6;
        ctx->cu->cuStreamSynchronize(stream);
    }
    double best = t[0];
    for (int b = 1; b < BATCHES; b++)
        best = t[b] < best ? t[b] : best;
    double m = median(t, BATCHES);
    printf("  min %.2f us, median %.2f us", best, m);
    return m;
}

static double bench_launch(dgk_context *ctx)
{
    use_cache_dir("launch");
    dgk_program p = program("empty_kernel");
    dgk_kernel *k;
    dgk_status s = dgk_kernel_get(ctx, &p, &k);
    if (s != DGK_OK)
        die("empty kernel", s);
    CUstream stream;
    ctx->cu->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
    for (int via = VIA_DGK; via <= VIA_DGK_PDL; via++) {
        plan *pl = dgk_context_alloc(ctx, sizeof *pl);
        *pl = (plan){k, {.grid = {1}, .block = {32}, .stream = stream, .pdl = via == VIA_DGK_PDL}};
        dgk_memo_put(ctx, EMPTY_ID, (uint64_t)via, pl, NULL);
    }
    int a = 1;
    float *ptr = NULL;
    void *args[] = {&a, &ptr};
    static const char *const names[] = {
        "dgk_memo_get + dgk_launch", "dgk_memo_get + dgk_launch (PDL attribute)",
        "raw cuLaunchKernel", "raw cuLaunchKernelEx (no attributes)"};
    double m[4];
    for (int via = 0; via < 4; via++) {
        printf("launch_host_time %-45s:", names[via]);
        m[via] = per_launch_us(ctx, via, args, stream);
        printf(" (%d batches of %d, empty kernel)\n", BATCHES, BATCH);
    }
    printf("launch_overhead_over_raw_cuLaunchKernelEx: %.2f us\n", m[VIA_DGK] - m[VIA_CU_EX]);
    ctx->cu->cuStreamSynchronize(stream);
    ctx->cu->cuStreamDestroy(stream);
    return m[VIA_DGK];
}

/* --compile-only: the cold compiles alone, no GPU needed. */
static int compile_only(void)
{
    static const char *const names[] = {"sgemm_128x128", "empty_kernel"};
    for (int i = 0; i < 2; i++) {
        dgk_program p = program(names[i]);
        dgk_binary *b;
        use_cache_dir(names[i]);
        double t0 = now();
        dgk_status s = dgk_compile(&p, &b, NULL);
        if (s != DGK_OK)
            die(names[i], s);
        const dgk_func_report *f = dgk_report_find(dgk_binary_report(b), names[i]);
        printf("cold_compile %s: %.3f s, %d registers, %d B spill stores\n", names[i], now() - t0,
               f->registers, f->spill_store_bytes);
        dgk_binary_release(b);
    }
    return 0;
}


int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--disk-child") == 0)
        return disk_child();
    if (!mkdtemp(root))
        die("mkdtemp", DGK_EIO);
    setenv("DGK_PRINT_COMPILE", "0", 1);
    if (argc > 1 && strcmp(argv[1], "--compile-only") == 0) {
        int rc = compile_only();
        remove_tree(root);
        return rc;
    }
    dgk_context *ctx;
    dgk_status s = dgk_init(0, &ctx);
    if (s != DGK_OK)
        die("init", s);
    dgk_device_props p;
    dgk_device_props_get(ctx, &p);
    char date[32];
    time_t tt = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&tt));
    int major = 0, minor = 0;
    nvrtcVersion(&major, &minor);
    printf("rt_bench: %s, %d SMs, driver %d, NVRTC %d.%d, %s\n", p.name, p.sm_count,
           p.driver_version, major, minor, date);
    double cold = bench_cold(ctx);
    double disk = bench_disk();
    double launch = bench_launch(ctx);
    printf("SUMMARY cold compile (stand-in GEMM) median %.3f s [target < 0.5 s: %s]\n", cold, cold < 0.5 ? "met" : "MISSED");
    printf("SUMMARY disk hit, new process, median %.3f ms [target < 2 ms: %s]\n", disk * 1e3, disk < 2e-3 ? "met" : "MISSED");
    printf("SUMMARY launch host time on a cache hit, median %.2f us [target < 5 us: %s]\n", launch, launch < 5.0 ? "met" : "MISSED");
    dgk_destroy(ctx);
    remove_tree(root);
    return 0;
}
