/* bk_sm90_run.c - runs kernels the SM90 emitter writes on a real GPU, standing in for the
 * runtime until it lands: builds a hand plan (tests/unit/sm90_fixture.h), emits it,
 * compiles with NVRTC, encodes TMA descriptors from the plan's ABI, launches with the
 * plan's launch facts (cluster, smem, persistent grid), checks the result against an
 * independent tiled f32 reference kernel with DeepGEMM's metric
 * diff = 1 - 2 sum(x y) / sum(x x + y y) (poisoned output, random inputs, ragged M), and
 * times it (median over runs, L2 flushed) next to cuBLAS for BF16.
 *
 *   bk_sm90_run                 correctness of every sample configuration + the bench list
 *   bk_sm90_run --quick         correctness only
 *   bk_sm90_run --bench-only    the bench list only
 * Build: make -f mk/bk.mk bk-sm90-run (gcc + CUDA toolkit only). See tests/gpu/README-bk.md. */
#include <cublas_v2.h>
#include <cuda.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sm90_configs.h"
#include "tests/unit/sm90_nvrtc.h"

#define CK(x) ck_((x), #x, __LINE__)
static void ck_(CUresult r, const char *what, int line)
{
    if (r != CUDA_SUCCESS) {
        const char *s = "?";
        cuGetErrorString(r, &s);
        fprintf(stderr, "line %d: %s failed: %s\n", line, what, s);
        exit(2);
    }
}

static int num_sms;

/* ---- host data --------------------------------------------------------------------- */

static uint32_t rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static uint16_t f2bf(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

static float bf2f(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* e4m3 of a value in [-1, 1) scaled to use the range: sign, 4-bit exponent, 3-bit mantissa. */
static uint8_t f2e4m3(float f)
{
    uint8_t s = f < 0 ? 0x80 : 0;
    float a = fabsf(f);
    if (a < 0x1p-9f)
        return s;
    int e;
    float m = frexpf(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    int exp = e - 1 + 7;     /* bias 7 */
    if (exp < 1)
        return s | (uint8_t)lrintf(a / 0x1p-9f); /* subnormal */
    int mant = (int)lrintf((m * 2 - 1) * 8);
    if (mant == 8) {
        mant = 0;
        exp++;
    }
    if (exp > 15 || (exp == 15 && mant == 7))
        return s | 0x7e; /* 448 */
    return s | (uint8_t)(exp << 3) | (uint8_t)mant;
}

/* ---- device buffers -------------------------------------------------------------------- */

typedef struct tensor {
    const char *name;
    CUdeviceptr ptr;
    int rank;
    int64_t dims[2];   /* outer, inner (row-major) */
    int64_t ld;        /* elements between rows */
    int elt;           /* bytes */
    CUtensorMapDataType tma_type;
} tensor;

static CUdeviceptr upload(const void *h, size_t bytes)
{
    CUdeviceptr d;
    CK(cuMemAlloc(&d, bytes ? bytes : 16));
    if (h)
        CK(cuMemcpyHtoD(d, h, bytes));
    return d;
}

typedef struct problem {
    const sm90_cfg *c;
    int m, n, k;
    tensor a, b, d, sa, sb, bias;
    float *ha, *hb, *hsa, *hsb, *hbias, *hc; /* f32 copies of what was uploaded */
} problem;

/* A row-major tensor of rows x cols (ld = cols rounded up to `align` elements). */
static void make_tensor(tensor *t, const char *name, int64_t rows, int64_t cols, int elt, int64_t align,
                        CUtensorMapDataType ty)
{
    t->name = name;
    t->rank = 2;
    t->dims[0] = rows;
    t->dims[1] = cols;
    t->ld = (cols + align - 1) / align * align;
    t->elt = elt;
    t->tma_type = ty;
}

/* Fills an operand with random values, returning the f32 values actually stored. */
static float *fill_operand(tensor *t, int fp8)
{
    size_t n = (size_t)t->dims[0] * (size_t)t->ld;
    float *f = calloc(n, sizeof *f);
    void *h = malloc(n * (size_t)t->elt);
    for (size_t i = 0; i < n; i++) {
        float v = frand();
        if (fp8) {
            uint8_t q = f2e4m3(v * 2.0f);
            ((uint8_t *)h)[i] = q;
            f[i] = NAN; /* the reference reads the device copy */
        } else {
            uint16_t q = f2bf(v);
            ((uint16_t *)h)[i] = q;
            f[i] = bf2f(q);
        }
    }
    t->ptr = upload(h, n * (size_t)t->elt);
    free(h);
    return f;
}

static float *fill_f32(tensor *t, float lo, float hi)
{
    size_t n = (size_t)t->dims[0] * (size_t)t->ld;
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = lo + (hi - lo) * (frand() + 1.0f) * 0.5f;
    t->ptr = upload(f, n * sizeof *f);
    return f;
}

static void setup(problem *p)
{
    const sm90_cfg *c = p->c;
    int fp8 = c->ab == DGK_DT_E4M3, oelt = dgk_dtype_bits(c->out) / 8;
    CUtensorMapDataType ab = fp8 ? CU_TENSOR_MAP_DATA_TYPE_UINT8 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
    if (c->a_major == DGK_MAJOR_K)
        make_tensor(&p->a, "A", p->m, p->k, fp8 ? 1 : 2, 16, ab);
    else
        make_tensor(&p->a, "A", p->k, p->m, 2, 8, ab);
    if (c->b_major == DGK_MAJOR_K)
        make_tensor(&p->b, "B", p->n, p->k, fp8 ? 1 : 2, 16, ab);
    else
        make_tensor(&p->b, "B", p->k, p->n, 2, 8, ab);
    p->ha = fill_operand(&p->a, fp8);
    p->hb = fill_operand(&p->b, fp8);
    make_tensor(&p->d, "D", p->m, p->n, oelt, 16 / oelt, c->out == DGK_DT_F32 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT32
                                                                                 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16);
    size_t dbytes = (size_t)p->m * (size_t)p->d.ld * (size_t)oelt;
    p->d.ptr = upload(NULL, dbytes);
    if (c->fp8_promote) {
        make_tensor(&p->sa, "SA", p->k / 128, p->m, 4, 4, CU_TENSOR_MAP_DATA_TYPE_FLOAT32);
        p->hsa = fill_f32(&p->sa, 0.5f, 2.0f);
        make_tensor(&p->sb, "SB", (p->n + 127) / 128, p->k / 128, 4, 1, CU_TENSOR_MAP_DATA_TYPE_FLOAT32);
        p->hsb = fill_f32(&p->sb, 0.5f, 2.0f);
    }
    if (c->bias_silu) {
        make_tensor(&p->bias, "bias", 1, p->n, 2, 8, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16);
        p->hbias = fill_operand(&p->bias, 0);
    }
}

/* ---- TMA descriptors and the argument list from the plan's ABI ------------------------- */

/* The fixture names tensor arguments tma_X / ptr_X and strides X_stride. */
static const tensor *tensor_for(const problem *p, const char *arg)
{
    const tensor *all[] = {&p->a, &p->b, &p->d, &p->sa, &p->sb, &p->bias};
    const char *us = strchr(arg, '_');
    int stride = us && strcmp(us, "_stride") == 0;
    const char *base = stride ? arg : us ? us + 1 : arg;
    size_t len = stride ? (size_t)(us - arg) : strlen(base);
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i]->name && strlen(all[i]->name) == len && strncmp(all[i]->name, base, len) == 0)
            return all[i];
    fprintf(stderr, "no tensor for kernel argument %s\n", arg);
    exit(2);
}

static CUtensorMapSwizzle swz(dgk_swizzle s)
{
    return s == DGK_SWIZZLE_128B ? CU_TENSOR_MAP_SWIZZLE_128B
         : s == DGK_SWIZZLE_64B  ? CU_TENSOR_MAP_SWIZZLE_64B
         : s == DGK_SWIZZLE_32B  ? CU_TENSOR_MAP_SWIZZLE_32B
                                 : CU_TENSOR_MAP_SWIZZLE_NONE;
}

static void encode(CUtensorMap *map, const tensor *t, const dgk_tma_info *ti)
{
    cuuint64_t dims[2] = {(cuuint64_t)t->dims[1], (cuuint64_t)t->dims[0]};
    cuuint64_t strides[1] = {(cuuint64_t)(t->ld * t->elt)};
    cuuint32_t box[2] = {(cuuint32_t)ti->box[0], (cuuint32_t)ti->box[1]};
    cuuint32_t es[2] = {1, 1};
    CUtensorMapL2promotion l2 = ti->l2_promotion == 256 ? CU_TENSOR_MAP_L2_PROMOTION_L2_256B
                              : ti->l2_promotion == 128 ? CU_TENSOR_MAP_L2_PROMOTION_L2_128B
                                                        : CU_TENSOR_MAP_L2_PROMOTION_NONE;
    CK(cuTensorMapEncodeTiled(map, t->tma_type, 2, (void *)t->ptr, dims, strides, box, es,
                              CU_TENSOR_MAP_INTERLEAVE_NONE, swz(ti->swizzle), l2,
                              CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
}

typedef struct kargs {
    CUtensorMap maps[8];
    CUdeviceptr ptrs[8];
    int ints[8];
    long long longs[8];
    void *slots[16];
} kargs;

static void build_args(const problem *p, const dgk_plan *plan, kargs *ka)
{
    int nm = 0, np = 0, ni = 0, nl = 0;
    for (int i = 0; i < plan->nargs; i++) {
        const dgk_kernel_arg *a = &plan->args[i];
        if (a->kind == DGK_ARG_TMA) {
            encode(&ka->maps[nm], tensor_for(p, a->name), &a->tma);
            ka->slots[i] = &ka->maps[nm++];
        } else if (a->kind == DGK_ARG_PTR) {
            ka->ptrs[np] = tensor_for(p, a->name)->ptr;
            ka->slots[i] = &ka->ptrs[np++];
        } else if (a->kind == DGK_ARG_SHAPE) {
            ka->ints[ni] = strcmp(a->name, "M") == 0 ? p->m : strcmp(a->name, "N") == 0 ? p->n : p->k;
            ka->slots[i] = &ka->ints[ni++];
        } else if (a->kind == DGK_ARG_STRIDE) {
            ka->longs[nl] = tensor_for(p, a->name)->ld;
            ka->slots[i] = &ka->longs[nl++];
        }
    }
}

/* ---- compile, launch ---------------------------------------------------------------- */

typedef struct kernel {
    CUmodule mod;
    CUfunction fn;
    dgk_plan *plan;
    dgk_arena arena;
    int grid;
} kernel;

static char *nvrtc_cubin(const char *src, const char *name, char **log)
{
    nvrtcProgram prog;
    const char *ht[] = {dgk_devhdr_sm90}, *hn[] = {DGK_SM90_HEADER_NAME};
    const char *opts[] = {"-arch=sm_90a", "--ptxas-options=-v"};
    nvrtcCreateProgram(&prog, src, name, 1, ht, hn);
    int ok = nvrtcCompileProgram(prog, 2, opts) == NVRTC_SUCCESS;
    *log = sm90_nvrtc_log(prog);
    char *cubin = NULL;
    size_t n = 0;
    if (ok && nvrtcGetCUBINSize(prog, &n) == NVRTC_SUCCESS && (cubin = malloc(n)))
        nvrtcGetCUBIN(prog, cubin);
    nvrtcDestroyProgram(&prog);
    return cubin;
}

static void fill_config(CUlaunchConfig *cfg, CUlaunchAttribute *attr, const kernel *k, CUstream s);

/* A persistent grid may hold only as many clusters as fit at once: with clusters, GPCs of
 * an odd SM count leave SMs idle, so one CTA per SM would start a second wave. */
static int max_clusters(kernel *k)
{
    int cl = k->plan->launch.cluster[0], n = num_sms / cl;
    if (cl == 1)
        return n;
    CUlaunchConfig cfg;
    CUlaunchAttribute attr[1];
    k->grid = num_sms / cl * cl;
    fill_config(&cfg, attr, k, 0);
    CK(cuOccupancyMaxActiveClusters(&n, k->fn, &cfg));
    return n;
}

static int build_kernel(kernel *k, const sm90_cfg *c, int m, int n)
{
    dgk_diags d;
    dgk_strbuf out;
    char *log;
    dgk_arena_init(&k->arena);
    dgk_diags_init(&d, &k->arena);
    dgk_strbuf_init(&out);
    k->plan = sm90_build_plan(&k->arena, c);
    if (dgk_sm90_emit(k->plan, &out, &d)) {
        dgk_diags_print(&d, stderr);
        return 0;
    }
    char *cubin = nvrtc_cubin(dgk_strbuf_str(&out), "k.cu", &log);
    if (!cubin) {
        fprintf(stderr, "%s: NVRTC failed:\n%s\n", c->name, log);
        return 0;
    }
    if (!strstr(log, "0 bytes spill stores, 0 bytes spill loads") || strstr(log, "serialized"))
        printf("%s: ptxas report:\n%s\n", c->name, log);
    CK(cuModuleLoadData(&k->mod, cubin));
    CK(cuModuleGetFunction(&k->fn, k->mod, c->name));
    CK(cuFuncSetAttribute(k->fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, k->plan->launch.smem_bytes));
    int cl = k->plan->launch.cluster[0];
    int tiles = ((m + c->bm * c->cluster_m - 1) / (c->bm * c->cluster_m)) *
                ((n + c->bn * c->cluster_n - 1) / (c->bn * c->cluster_n));
    int resident = max_clusters(k);
    k->grid = c->persistent ? (tiles < resident ? tiles : resident) * cl : tiles * cl;
    free(cubin);
    free(log);
    dgk_strbuf_free(&out);
    return 1;
}

static void fill_config(CUlaunchConfig *cfg, CUlaunchAttribute *attr, const kernel *k, CUstream s)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gridDimX = (unsigned)k->grid;
    cfg->gridDimY = cfg->gridDimZ = 1;
    cfg->blockDimX = (unsigned)k->plan->launch.threads;
    cfg->blockDimY = cfg->blockDimZ = 1;
    cfg->sharedMemBytes = (unsigned)k->plan->launch.smem_bytes;
    cfg->hStream = s;
    if (k->plan->launch.cluster[0] > 1) {
        attr[0].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
        attr[0].value.clusterDim.x = (unsigned)k->plan->launch.cluster[0];
        attr[0].value.clusterDim.y = attr[0].value.clusterDim.z = 1;
        cfg->attrs = attr;
        cfg->numAttrs = 1;
    }
}

static void launch(const kernel *k, kargs *ka, CUstream s)
{
    CUlaunchConfig cfg;
    CUlaunchAttribute attr[1];
    fill_config(&cfg, attr, k, s);
    CK(cuLaunchKernelEx(&cfg, k->fn, ka->slots, NULL));
}

/* ---- reference ---------------------------------------------------------------------------- */

/* A 64x64-tile f32 GEMM over generic strides, FP8 promotion per 128 K, bias + SiLU, += C. */
static const char ref_src[] =
    "__device__ float ld(const void *p, long long i, int kind) {\n"
    "  if (kind == 0) { unsigned short h = ((const unsigned short *)p)[i]; return __uint_as_float((unsigned)h << 16); }\n"
    "  unsigned char q = ((const unsigned char *)p)[i]; int s = q >> 7, e = (q >> 3) & 15, m = q & 7;\n"
    "  float v = e ? ldexpf(1.0f + m / 8.0f, e - 7) : ldexpf(m / 8.0f, -6); return s ? -v : v; }\n"
    "extern \"C\" __global__ void ref(const void *A, long long asm_, long long ask, const void *B, long long bsn,\n"
    "    long long bsk, int kind, float *D, int M, int N, int K, const float *SA, long long sald,\n"
    "    const float *SB, long long sbld, const unsigned short *bias, const float *C) {\n"
    "  __shared__ float as[16][65], bs[16][65];\n"
    "  int tx = threadIdx.x % 16, ty = threadIdx.x / 16, m0 = blockIdx.y * 64, n0 = blockIdx.x * 64;\n"
    "  float acc[4][4] = {}, part[4][4] = {};\n"
    "  for (int k0 = 0; k0 < K; k0 += 16) {\n"
    "    for (int i = threadIdx.x; i < 1024; i += 256) { int r = i / 16, kk = i % 16;\n"
    "      int m = m0 + r, n = n0 + r, k = k0 + kk;\n"
    "      as[kk][r] = m < M && k < K ? ld(A, m * asm_ + k * ask, kind) : 0.f;\n"
    "      bs[kk][r] = n < N && k < K ? ld(B, n * bsn + k * bsk, kind) : 0.f; }\n"
    "    __syncthreads();\n"
    "    for (int kk = 0; kk < 16; ++kk) for (int i = 0; i < 4; ++i) for (int j = 0; j < 4; ++j)\n"
    "      part[i][j] += as[kk][ty * 4 + i] * bs[kk][tx * 4 + j];\n"
    "    __syncthreads();\n"
    "    if (SA && ((k0 + 16) % 128 == 0 || k0 + 16 >= K)) { int kb = k0 / 128;\n"
    "      for (int i = 0; i < 4; ++i) for (int j = 0; j < 4; ++j) { int m = m0 + ty * 4 + i, n = n0 + tx * 4 + j;\n"
    "        float s = m < M && n < N ? SA[kb * sald + m] * SB[(n / 128) * sbld + kb] : 0.f;\n"
    "        acc[i][j] += part[i][j] * s; part[i][j] = 0.f; } }\n"
    "  }\n"
    "  for (int i = 0; i < 4; ++i) for (int j = 0; j < 4; ++j) { int m = m0 + ty * 4 + i, n = n0 + tx * 4 + j;\n"
    "    if (m >= M || n >= N) continue; float v = SA ? acc[i][j] : part[i][j];\n"
    "    if (bias) { v += __uint_as_float((unsigned)bias[n] << 16); v = v / (1.0f + expf(-v)); }\n"
    "    if (C) v += C[(long long)m * N + n];\n"
    "    D[(long long)m * N + n] = v; }\n"
    "}\n";

static CUfunction ref_fn;

static void build_ref(void)
{
    nvrtcProgram prog;
    const char *opts[] = {"-arch=sm_90a"};
    nvrtcCreateProgram(&prog, ref_src, "ref.cu", 0, NULL, NULL);
    if (nvrtcCompileProgram(prog, 1, opts) != NVRTC_SUCCESS) {
        fprintf(stderr, "reference kernel: %s\n", sm90_nvrtc_log(prog));
        exit(2);
    }
    size_t n;
    nvrtcGetCUBINSize(prog, &n);
    char *cubin = malloc(n);
    nvrtcGetCUBIN(prog, cubin);
    CUmodule mod;
    CK(cuModuleLoadData(&mod, cubin));
    CK(cuModuleGetFunction(&ref_fn, mod, "ref"));
    free(cubin);
}

static void run_ref(const problem *p, CUdeviceptr out, CUdeviceptr c)
{
    int kind = p->c->ab == DGK_DT_E4M3;
    long long asm_ = p->c->a_major == DGK_MAJOR_K ? p->a.ld : 1, ask = p->c->a_major == DGK_MAJOR_K ? 1 : p->a.ld;
    long long bsn = p->c->b_major == DGK_MAJOR_K ? p->b.ld : 1, bsk = p->c->b_major == DGK_MAJOR_K ? 1 : p->b.ld;
    CUdeviceptr sa = p->c->fp8_promote ? p->sa.ptr : 0, sb = p->c->fp8_promote ? p->sb.ptr : 0;
    CUdeviceptr bias = p->c->bias_silu ? p->bias.ptr : 0;
    long long sald = p->sa.ld, sbld = p->sb.ld;
    int m = p->m, n = p->n, k = p->k;
    void *args[] = {(void *)&p->a.ptr, &asm_, &ask, (void *)&p->b.ptr, &bsn, &bsk, &kind, &out, &m, &n, &k,
                    &sa, &sald, &sb, &sbld, &bias, &c};
    CK(cuLaunchKernel(ref_fn, (unsigned)(n + 63) / 64, (unsigned)(m + 63) / 64, 1, 256, 1, 1, 0, 0, args, NULL));
}

/* ---- compare, time -------------------------------------------------------------------- */

static float *download_out(const problem *p)
{
    size_t n = (size_t)p->m * (size_t)p->n;
    float *f = malloc(n * sizeof *f);
    int oelt = p->d.elt;
    size_t bytes = (size_t)p->m * (size_t)p->d.ld * (size_t)oelt;
    unsigned char *h = malloc(bytes);
    CK(cuMemcpyDtoH(h, p->d.ptr, bytes));
    for (int r = 0; r < p->m; r++)
        for (int c = 0; c < p->n; c++) {
            size_t i = (size_t)r * (size_t)p->d.ld + (size_t)c;
            f[(size_t)r * (size_t)p->n + (size_t)c] = oelt == 4 ? ((float *)h)[i] : bf2f(((uint16_t *)h)[i]);
        }
    free(h);
    return f;
}

static double diff_metric(const float *x, const float *y, size_t n, size_t *bad)
{
    double xy = 0, xx = 0;
    *bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            ++*bad;
            continue;
        }
        xy += (double)x[i] * y[i];
        xx += (double)x[i] * x[i] + (double)y[i] * y[i];
    }
    return xx > 0 ? 1.0 - 2.0 * xy / xx : 0.0;
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static CUdeviceptr flush_buf;
enum { FLUSH_BYTES = 256 << 20, RUNS = 20 };

/* Median milliseconds of fn over RUNS launches, L2 flushed before each. */
static double time_it(void (*fn)(void *), void *ctx)
{
    CUevent e0, e1;
    double t[RUNS];
    CK(cuEventCreate(&e0, 0));
    CK(cuEventCreate(&e1, 0));
    fn(ctx);
    for (int i = 0; i < RUNS; i++) {
        CK(cuMemsetD8(flush_buf, (unsigned char)i, FLUSH_BYTES));
        CK(cuEventRecord(e0, 0));
        fn(ctx);
        CK(cuEventRecord(e1, 0));
        CK(cuEventSynchronize(e1));
        float ms;
        CK(cuEventElapsedTime(&ms, e0, e1));
        t[i] = ms;
    }
    cuEventDestroy(e0);
    cuEventDestroy(e1);
    return median(t, RUNS);
}

typedef struct run_ctx {
    const kernel *k;
    kargs *ka;
    const problem *p;
    cublasHandle_t blas;
} run_ctx;

static void run_ours(void *v)
{
    run_ctx *r = v;
    launch(r->k, r->ka, 0);
}

static void run_cublas(void *v)
{
    run_ctx *r = v;
    float one = 1.0f, zero = 0.0f;
    const problem *p = r->p;
    /* row-major D[M,N] = A[M,K] B[N,K]^T is column-major D^T = B A^T */
    cublasGemmEx(r->blas, CUBLAS_OP_T, CUBLAS_OP_N, p->n, p->m, p->k, &one, (void *)p->b.ptr, CUDA_R_16BF,
                 (int)p->b.ld, (void *)p->a.ptr, CUDA_R_16BF, (int)p->a.ld, &zero, (void *)p->d.ptr, CUDA_R_16BF,
                 (int)p->d.ld, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

/* ---- one case --------------------------------------------------------------------------- */

static void free_problem(problem *p)
{
    CUdeviceptr ptrs[] = {p->a.ptr, p->b.ptr, p->d.ptr, p->sa.ptr, p->sb.ptr, p->bias.ptr};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
        if (ptrs[i])
            cuMemFree(ptrs[i]);
    free(p->ha);
    free(p->hb);
    free(p->hsa);
    free(p->hsb);
    free(p->hbias);
    free(p->hc);
}

/* Poisons D (or loads C when accumulating), runs the kernel once, compares. */
static int check_once(problem *p, const kernel *k, kargs *ka, CUdeviceptr ref, CUdeviceptr cbuf)
{
    size_t dbytes = (size_t)p->m * (size_t)p->d.ld * (size_t)p->d.elt, n = (size_t)p->m * (size_t)p->n;
    if (p->c->accumulate) {
        float *c = malloc(n * sizeof *c);
        for (size_t i = 0; i < n; i++)
            c[i] = frand();
        CK(cuMemcpyHtoD(cbuf, c, n * sizeof *c));
        CK(cuMemcpy2D(&(CUDA_MEMCPY2D){.srcMemoryType = CU_MEMORYTYPE_HOST, .srcHost = c,
                                       .srcPitch = (size_t)p->n * 4, .dstMemoryType = CU_MEMORYTYPE_DEVICE,
                                       .dstDevice = p->d.ptr, .dstPitch = (size_t)p->d.ld * 4,
                                       .WidthInBytes = (size_t)p->n * 4, .Height = (size_t)p->m}));
        free(c);
    } else {
        CK(cuMemsetD8(p->d.ptr, 0xff, dbytes));
    }
    launch(k, ka, 0);
    CK(cuCtxSynchronize());
    run_ref(p, ref, p->c->accumulate ? cbuf : 0);
    CK(cuCtxSynchronize());
    float *got = download_out(p), *want = malloc(n * sizeof *want);
    CK(cuMemcpyDtoH(want, ref, n * sizeof *want));
    size_t bad;
    double diff = diff_metric(got, want, n, &bad);
    double limit = p->d.elt == 4 ? 1e-6 : 2e-5;
    int ok = bad == 0 && diff < limit;
    printf("%-26s M=%-5d N=%-5d K=%-5d diff=%.2e nonfinite=%zu %s\n", p->c->name, p->m, p->n, p->k, diff, bad,
           ok ? "ok" : "FAIL");
    free(got);
    free(want);
    return ok;
}

static int run_case(const sm90_cfg *cfg, int m, int bench)
{
    sm90_cfg c = *cfg;
    problem p = {.c = &c, .m = m, .n = c.n ? c.n : 1000, .k = c.k ? c.k : 1024};
    if (!c.n)
        p.n = c.fp8_promote ? 1000 : 1000;
    kernel k;
    if (!build_kernel(&k, &c, p.m, p.n)) {
        printf("%-26s BUILD FAIL\n", c.name);
        return 0;
    }
    setup(&p);
    kargs ka;
    build_args(&p, k.plan, &ka);
    size_t n = (size_t)p.m * (size_t)p.n;
    CUdeviceptr ref = upload(NULL, n * 4), cbuf = upload(NULL, n * 4);
    int ok = check_once(&p, &k, &ka, ref, cbuf);
    if (bench) {
        run_ctx r = {&k, &ka, &p, NULL};
        double ms = time_it(run_ours, &r), flops = 2.0 * p.m * p.n * p.k;
        printf("    %-22s %.3f ms  %.0f TFLOPS  (grid %d, smem %d)", "dgk", ms, flops / ms / 1e9, k.grid,
               k.plan->launch.smem_bytes);
        if (c.ab == DGK_DT_BF16 && c.a_major == DGK_MAJOR_K && c.b_major == DGK_MAJOR_K && c.out == DGK_DT_BF16 &&
            !c.bias_silu) {
            cublasCreate(&r.blas);
            double cms = time_it(run_cublas, &r);
            printf("   cuBLAS %.3f ms %.0f TFLOPS", cms, flops / cms / 1e9);
            cublasDestroy(r.blas);
        }
        printf("\n");
    }
    cuMemFree(ref);
    cuMemFree(cbuf);
    free_problem(&p);
    cuModuleUnload(k.mod);
    dgk_arena_free(&k.arena);
    return ok;
}

/* Bench list: the design's anchor shapes with hand-picked tiles. M is always runtime. */
#define BF_ DGK_DT_BF16
#define F8_ DGK_DT_E4M3
#define KM_ DGK_MAJOR_K
static const sm90_cfg bench_cfgs[] = {
    /* name                          ab   A    B   BM   BN st wg cm cn out silu fp8 pers grp N     K      acc nomc ovl */
    {"bf16_4096x4096x7168",          BF_, KM_, KM_, 128, 256, 3, 2, 1, 1, BF_, 0, 0, 1, 8, 4096, 7168,  0, 0, 0},
    {"bf16_4096x7168x16384",         BF_, KM_, KM_, 128, 256, 3, 2, 1, 1, BF_, 0, 0, 1, 8, 7168, 16384, 0, 0, 0},
    {"bf16_4096x2112x7168",          BF_, KM_, KM_, 128, 256, 3, 2, 1, 1, BF_, 0, 0, 1, 8, 2112, 7168,  0, 0, 0},
    {"bf16_4096x24576x1536",         BF_, KM_, KM_, 128, 256, 3, 2, 1, 1, BF_, 0, 0, 1, 8, 24576, 1536, 0, 0, 0},
    {"fp8_4096x7168x16384_128_cn2",  F8_, KM_, KM_, 128, 128, 5, 2, 1, 2, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 0},
    {"fp8_4096x7168x16384_128_cn2_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 1, 2, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"fp8_4096x7168x16384_128_cm2_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 2, 1, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"fp8_4096x7168x16384_112_cn2_ovl", F8_, KM_, KM_, 128, 112, 6, 2, 1, 2, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"fp8_4096x7168x16384_128_c1_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 1, 1, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"fp8_4096x4096x7168_128_cn2_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 1, 2, BF_, 0, 1, 1, 8, 4096, 7168, 0, 0, 1},
    {"fp8_4096x2112x7168_128_cn2_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 1, 2, BF_, 0, 1, 1, 8, 2112, 7168, 0, 0, 1},
    {"fp8_4096x24576x1536_128_cn2_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 1, 2, BF_, 0, 1, 1, 8, 24576, 1536, 0, 0, 1},
    /* tile-choice experiments for the planner (with their baselines, for runs on other cards) */
    {"exp_fp8_7168x16384_128_c1_ovl", F8_, KM_, KM_, 128, 128, 5, 2, 1, 1, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"exp_bf16_2112x7168_128x256",    BF_, KM_, KM_, 128, 256, 3, 2, 1, 1, BF_, 0, 0, 1, 8, 2112, 7168, 0, 0, 0},
    {"exp_fp8_7168x16384_144_c1_ovl", F8_, KM_, KM_, 128, 144, 5, 2, 1, 1, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"exp_fp8_7168x16384_160_c1",     F8_, KM_, KM_, 128, 160, 5, 2, 1, 1, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 0},
    {"exp_fp8_7168x16384_128_c1_ovl_g16", F8_, KM_, KM_, 128, 128, 5, 2, 1, 1, BF_, 0, 1, 1, 16, 7168, 16384, 0, 0, 1},
    {"exp_fp8_7168x16384_128_c1_ovl_s4", F8_, KM_, KM_, 128, 128, 4, 2, 1, 1, BF_, 0, 1, 1, 8, 7168, 16384, 0, 0, 1},
    {"exp_bf16_2112x7168_128x176",    BF_, KM_, KM_, 128, 176, 4, 2, 1, 1, BF_, 0, 0, 1, 8, 2112, 7168, 0, 0, 0},
    {"exp_bf16_2112x7168_128x96",     BF_, KM_, KM_, 128, 96, 6, 2, 1, 1, BF_, 0, 0, 1, 8, 2112, 7168, 0, 0, 0},
};

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int bench_only = argc > 1 && strcmp(argv[1], "--bench-only") == 0;
    const char *only = argc > 2 ? argv[2] : NULL; /* --bench-only SUBSTRING */
    CUdevice dev;
    CUcontext ctx;
    CK(cuInit(0));
    CK(cuDeviceGet(&dev, 0));
    CK(cuDevicePrimaryCtxRetain(&ctx, dev));
    CK(cuCtxSetCurrent(ctx));
    CK(cuDeviceGetAttribute(&num_sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
    char name[128];
    cuDeviceGetName(name, sizeof name, dev);
    printf("device: %s, %d SMs\n", name, num_sms);
    setvbuf(stdout, NULL, _IOLBF, 0);
    CK(cuMemAlloc(&flush_buf, FLUSH_BYTES));
    build_ref();
    int fails = 0;
    if (!bench_only)
        for (size_t i = 0; i < sizeof sm90_sample / sizeof *sm90_sample; i++)
            fails += !run_case(&sm90_sample[i], 1000, 0);
    if (!quick)
        for (size_t i = 0; i < sizeof bench_cfgs / sizeof *bench_cfgs; i++)
            if (!only || strstr(bench_cfgs[i].name, only))
                fails += !run_case(&bench_cfgs[i], 4096, 1);
    printf("%s: %d failed\n", fails ? "FAIL" : "PASS", fails);
    return fails != 0;
}
