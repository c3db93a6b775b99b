/* harness.h - the GPU GEMM test and benchmark harness ("gh"): problem and buffer
 * descriptions, the runner plug-in interface and registry, and the helpers that
 * dgk-gemm-check (check_main.cu) and dgk-bench (bench_main.cu) are built from.
 *
 * Data flow: a gh_case (harness_case.cu) draws fresh random BF16 inputs on the GPU,
 * computes an independent reference product (harness_ref.cu) and, for FP8, quantizes
 * the inputs with the runner's scale recipe (harness_quant.cu). A runner (a row of
 * runners.def: a cuBLASLt baseline or a dgk entry point) writes D into a poisoned
 * buffer; harness_diff.cu checks that every element was written and computes
 * DeepGEMM's diff metric against the reference; harness_time.cu times runners with
 * CUDA events and L2 flushed between runs.
 *
 * Everything here is C-callable (runners may be written in C); device code lives in
 * the .cu files. Functions return GH_OK, GH_UNSUPPORTED or GH_ERROR and leave a
 * message for gh_error(); nothing here prints or exits. */
#ifndef GH_HARNESS_H
#define GH_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- status and errors ---------------------------------------------------------- */

enum {
    GH_OK = 0,
    GH_UNSUPPORTED = 1, /* this runner cannot compute this problem (message says why) */
    GH_ERROR = 2,       /* a CUDA/cuBLASLt/library call failed (message says which) */
};

/* The last error message (one per process; the harness is single-threaded). */
void gh_set_error(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
const char *gh_error(void);

/* Checks a CUDA runtime call; on failure records "file:line: call: reason" and
 * returns GH_ERROR from the calling function. */
#define GH_CUDA(call)                                                             \
    do {                                                                          \
        cudaError_t gh_e_ = (call);                                               \
        if (gh_e_ != cudaSuccess) {                                               \
            gh_set_error("%s:%d: %s: %s", __FILE__, __LINE__, #call,              \
                         cudaGetErrorString(gh_e_));                              \
            return GH_ERROR;                                                      \
        }                                                                         \
    } while (0)

/* Propagates a non-OK gh status. */
#define GH_TRY(call)                                                              \
    do {                                                                          \
        int gh_s_ = (call);                                                       \
        if (gh_s_ != GH_OK)                                                       \
            return gh_s_;                                                         \
    } while (0)

/* --- problems -------------------------------------------------------------------- */

/* Element types of A/B (GH_BF16, GH_E4M3) and of C/D (GH_BF16, GH_F32). */
#define GH_DTYPES(X) \
    X(GH_BF16, "bf16", 2) \
    X(GH_F32,  "f32",  4) \
    X(GH_E4M3, "fp8",  1)
typedef enum gh_dtype {
#define X(id, name, bytes) id,
    GH_DTYPES(X)
#undef X
    GH_DTYPE_COUNT
} gh_dtype;

/* DeepGEMM's layout names: the first letter is A, the second B.
 *   A "N": [M,K] K-major        A "T": [K,M] M-major
 *   B "T": [N,K] K-major        B "N": [K,N] N-major
 * D (and C) are always [M,N] row-major. */
#define GH_LAYOUTS(X) \
    X(GH_NT, "NT", 1, 1) \
    X(GH_NN, "NN", 1, 0) \
    X(GH_TN, "TN", 0, 0) \
    X(GH_TT, "TT", 0, 1)
typedef enum gh_layout {
#define X(id, name, a_kmajor, b_kmajor) id,
    GH_LAYOUTS(X)
#undef X
    GH_LAYOUT_COUNT
} gh_layout;

/* FP8 scale recipes (the quantized A/B and their scales):
 *   tensor: one f32 scale for all of A and one for all of B;
 *   block:  A per token 1x128 (f32, stored MN-major [K/128][align(M,4)]),
 *           B per block 128x128 (f32, stored [cdiv(N,128)][K/128]);
 *   block-ue8m0: as block, each scale rounded up to a power of two (stored as f32;
 *           the dgk-fp8-ue8m0 runner repacks them into UE8M0 bytes with
 *           gh_scales_to_ue8m0, A's rows padded to a multiple of 16 for TMA);
 *   wgrad:  A and B both per row 1x128 (DeepGEMM's weight gradient): SA as in block,
 *           SB f32 stored MN-major [K/128][align(N,4)], one per column of D and 128 of K. */
#define GH_RECIPES(X) \
    X(GH_RECIPE_NONE,        "none") \
    X(GH_RECIPE_TENSOR,      "tensor") \
    X(GH_RECIPE_BLOCK,       "1x128/128x128") \
    X(GH_RECIPE_BLOCK_UE8M0, "1x128/128x128-ue8m0") \
    X(GH_RECIPE_WGRAD,       "1x128/1x128")
typedef enum gh_recipe {
#define X(id, name) id,
    GH_RECIPES(X)
#undef X
    GH_RECIPE_COUNT
} gh_recipe;

typedef struct gh_problem {
    int m, n, k;
    gh_layout layout;
    gh_dtype in;       /* A and B: GH_BF16 or GH_E4M3 */
    gh_dtype out;      /* D and C: GH_BF16 or GH_F32 */
    gh_recipe recipe;  /* GH_RECIPE_NONE for BF16 inputs */
    int has_c;         /* D = A*B + C, else D = A*B */
} gh_problem;

/* Device buffers for one problem. All pointers come from cudaMalloc (256-byte
 * aligned) and are dense: the leading dimensions are the ones the layout implies. */
typedef struct gh_buffers {
    const void *a;     int64_t lda;   /* A "N": [M,K], lda = K;  A "T": [K,M], lda = M */
    const void *b;     int64_t ldb;   /* B "T": [N,K], ldb = K;  B "N": [K,N], ldb = N */
    const float *sa;   int64_t sa_ld; /* FP8 A scales; block: [K/128][sa_ld], sa_ld =
                                         align(M,4), padding entries are NaN; tensor: 1 */
    const float *sb;   int64_t sb_ld; /* FP8 B scales; block: [cdiv(N,128)][sb_ld],
                                         sb_ld = K/128; wgrad: [K/128][sb_ld], sb_ld =
                                         align(N,4); tensor: 1 */
    const void *c;                    /* [M,N] in the out dtype, NULL unless has_c */
    void *d;                          /* [M,N] in the out dtype */
    uint64_t gen;                     /* changes whenever the contents of a, b, sa, sb
                                         or c change: runners may cache data derived
                                         from them keyed on (pointers, gen) */
} gh_buffers;

/* --- runners --------------------------------------------------------------------- */

/* Enqueues D = A*B (+ C) on stream s. Returns GH_OK, GH_UNSUPPORTED (with
 * gh_set_error saying why) or GH_ERROR. Must not synchronize more than it needs. */
typedef int (*gh_runner_fn)(const gh_problem *p, const gh_buffers *b, cudaStream_t s);

typedef enum gh_kind { GH_BASELINE, GH_UNDER_TEST } gh_kind;

/* What a runner claims to handle, beyond its input dtype and recipe. A case outside
 * the claim is not run. Inside it, GH_UNSUPPORTED from a baseline is a SKIP (cuBLASLt
 * has no algorithm), from a runner under test a FAIL (it claimed the case). */
enum {
    GH_CAP_NT = 1u << GH_NT,
    GH_CAP_NN = 1u << GH_NN,
    GH_CAP_TN = 1u << GH_TN,
    GH_CAP_TT = 1u << GH_TT,
    GH_CAP_LAYOUTS = GH_CAP_NT | GH_CAP_NN | GH_CAP_TN | GH_CAP_TT,
    GH_CAP_OUT_BF16 = 1u << 4,
    GH_CAP_OUT_F32 = 1u << 5,
    GH_CAP_WITH_C = 1u << 6,
    GH_CAP_ALL = GH_CAP_LAYOUTS | GH_CAP_OUT_BF16 | GH_CAP_OUT_F32 | GH_CAP_WITH_C,
    /* The runner accumulates, D += A*B (the FP8 weight gradient): it runs only on cases
     * with C, whose D starts as a copy of C instead of poison (the reference is A*B + C),
     * and an element still bit-equal to C afterwards counts as unwritten (beyond the few
     * that A*B rounds away: see gh_unchanged_allowed). dgk-gemm-check runs these runners
     * on their own shape set (gh_shapes_accumulate) and no others on it. */
    GH_CAP_ACCUMULATE = 1u << 7,
    /* The runner reads its operands by TMA, which needs 16-byte rows: an operand stored
     * MN-major (A "T" [K, M], B "N" [K, N]) needs M (or N) to fill whole 16 bytes. The
     * library refuses such a case with an error naming the extent; it is not claimed. */
    GH_CAP_TMA_ROWS = 1u << 8,
};

typedef struct gh_runner {
    const char *name;
    gh_kind kind;
    gh_dtype in;       /* GH_BF16 or GH_E4M3 */
    gh_recipe recipe;  /* the quantization it consumes (GH_RECIPE_NONE for BF16) */
    unsigned caps;     /* GH_CAP_* */
    gh_runner_fn fn;
} gh_runner;

/* The registry: every row of runners.def, in order. */
extern const gh_runner gh_runners[];
extern const int gh_runner_count;

const gh_runner *gh_runner_find(const char *name);
/* One line per runner (name, kind, dtype, recipe, caps), for --list. */
void gh_runners_print(FILE *out);
/* 1 if the problem (dtype, layout, out dtype, C) is inside the runner's claim. */
int gh_runner_applies(const gh_runner *r, const gh_problem *p);

/* cuBLASLt baselines (harness_cublaslt.cu). Handle and 32 MiB workspace are created
 * on first use; gh_cublaslt_release frees them. */
int gh_cublaslt_bf16(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
int gh_cublaslt_fp8_tensor(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
int gh_cublaslt_fp8_block(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
/* The weight-gradient recipe (GH_RECIPE_WGRAD): both operands 1x128, D f32 += A*B in
 * place (an accumulating runner: D starts as C). */
int gh_cublaslt_fp8_wgrad(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
void gh_cublaslt_release(void);
/* "cuBLASLt 13.0.0.19" style, for report headers. */
void gh_cublaslt_version(char *buf, size_t len);

/* How a problem maps onto cuBLASLt, which is column-major: our row-major D [M,N] is
 * cuBLAS's column-major N x M matrix, so cuBLAS computes D = op(A') op(B') with
 * A' = our B (m = N) and B' = our A (n = M). Each operand is described as cuBLAS
 * sees it stored (rows x cols, column-major, leading dimension). Pure arithmetic,
 * tested on the host. */
typedef struct gh_lt_map {
    int trans_a, trans_b;               /* 1: CUBLAS_OP_T */
    int64_t m, n, k;                    /* N, M, K */
    int64_t rows_a, cols_a, lda;        /* A' = our B */
    int64_t rows_b, cols_b, ldb;        /* B' = our A */
    int64_t ldd;                        /* D and C: N x M, ld N */
} gh_lt_map;
void gh_lt_map_of(const gh_problem *p, gh_lt_map *m);

/* --- names and sizes ---------------------------------------------------------------- */

const char *gh_dtype_name(gh_dtype t);
size_t gh_dtype_bytes(gh_dtype t);
const char *gh_layout_name(gh_layout l);
int gh_layout_a_kmajor(gh_layout l);
int gh_layout_b_kmajor(gh_layout l);
/* -1 when no layout has that name (case-insensitive). */
int gh_layout_parse(const char *s);
const char *gh_recipe_name(gh_recipe r);
/* "bf16 NT M=4096 N=7168 K=16384 out=bf16 +C" */
void gh_problem_str(const gh_problem *p, char *buf, size_t len);
/* Bytes moved once each: A + B (+ their scales) + D (+ C). */
double gh_problem_bytes(const gh_problem *p);
double gh_problem_flops(const gh_problem *p);
/* The diff bar: 1e-5 for BF16 inputs, 1e-3 for FP8. */
double gh_diff_bar(const gh_problem *p);
int64_t gh_align(int64_t x, int64_t to);
int64_t gh_cdiv(int64_t x, int64_t y);

/* --- device ------------------------------------------------------------------------ */

typedef struct gh_device {
    char name[256];
    int sms, cc_major, cc_minor;
    size_t l2_bytes, mem_bytes;
    int runtime_version, driver_version; /* 13000 = 13.0 */
    char driver[64];                     /* "580.159.04" from /proc, or "unknown" */
} gh_device;

int gh_device_info(gh_device *d);
/* "NVIDIA H100 80GB HBM3, 132 SMs, 50 MB L2, CUDA runtime 13.0, driver 580.159.04 (CUDA 13.0)" */
void gh_device_str(const gh_device *d, char *buf, size_t len);
/* ISO date and time of now (UTC), for report headers. */
void gh_now_str(char *buf, size_t len);

int gh_malloc(void **p, size_t bytes);
void gh_free(void *p);

/* --- random inputs (harness_rand.cu) ------------------------------------------------ */

/* A seed that differs from run to run (time, pid). */
uint64_t gh_fresh_seed(void);
/* Derives an independent stream seed from a seed and a label. */
uint64_t gh_seed_mix(uint64_t seed, uint64_t label);
/* Fills n elements (GH_BF16 or GH_F32) with normal-ish values (mean 0, sd 1) from a
 * counter-based generator: element i depends only on (seed, i). Never zero. */
int gh_fill_random(void *p, gh_dtype t, size_t n, uint64_t seed, cudaStream_t s);

/* --- poisoning and comparison (harness_diff.cu) ----------------------------------------- */

/* Fills n elements (GH_BF16 or GH_F32) with a NaN bit pattern no arithmetic produces
 * (bf16 0x7fa5, f32 0x7fa5a5a5), so an element left as poison was never written. */
int gh_poison(void *p, gh_dtype t, size_t n, cudaStream_t s);

typedef struct gh_compare {
    size_t unwritten;   /* elements still holding the poison pattern */
    size_t nonfinite;   /* other NaN/Inf elements */
    int64_t first_bad;  /* index of the first unwritten or non-finite element, or -1 */
    double diff;        /* DeepGEMM: 1 - 2*sum(x*y) / sum(x*x + y*y), over finite elements */
    double max_abs;     /* max |x - y| over finite elements */
    double ref_rms;     /* sqrt(mean(y*y)): the scale max_abs compares to */
    size_t unchanged;   /* accumulating runners: elements bit-equal to C (D's start) */
    size_t repeat_differ; /* under-test runners: 4-byte words of D that differ when the runner
                             runs again on the same inputs (must be 0: deterministic) */
} gh_compare;

/* Compares n elements of d (GH_BF16 or GH_F32) with the f32 reference, in double
 * precision on the GPU; synchronizes s and fills *r. */
int gh_compare_ref(const void *d, gh_dtype t, const float *ref, size_t n, gh_compare *r,
                   cudaStream_t s);

/* Counts the n f32 elements of d bit-equal to c's (an accumulating runner's D and its
 * starting value); *first is the first such index or -1. Synchronizes s. */
int gh_count_unchanged(const float *d, const float *c, size_t n, size_t *count, int64_t *first,
                       cudaStream_t s);
/* How many unchanged elements a correct accumulation may leave by chance: C + A*B rounds
 * to C when |A*B| is below half an ulp of C, about once in 10^9 elements for the random
 * inputs here; a skipped tile leaves thousands. 8 + n / 10^7. With FP8 inputs and a
 * single 128-deep K block (fp8_one_block) a product is a sum of 128 e4m3 x e4m3 terms on
 * a coarse grid, exactly zero for ~1.4e-5 of the elements (measured on an H100 and an
 * H200: 427 of 4096 x 7168, 231 of 7168 x 2048; none with two blocks): 8 + n / 20000. */
size_t gh_unchanged_allowed(size_t n, int fp8_one_block);

/* --- reference GEMM (harness_ref.cu) --------------------------------------------------- */

/* ref[M,N] (f32, row-major) = A*B (+ C) from BF16 A and B in p->layout (leading
 * dimensions as gh_buffers describes), C (if p->has_c) in p->out. CUDA cores only:
 * FP32 products of BF16 values are exact; 32-long partial sums in FP32, the rest in
 * double. Independent of every tensor-core path under test. */
int gh_ref_gemm(const gh_problem *p, const void *a16, const void *b16, const void *c,
                float *ref, cudaStream_t s);
/* The same from f32 A [M,K] and B [N,K] (K-major; the FP8 operands dequantized). */
int gh_ref_gemm_f32(const gh_problem *p, const float *a, const float *b, const void *c, float *ref,
                    cudaStream_t s);

/* --- FP8 quantization (harness_quant.cu) ----------------------------------------------- */

/* Per token: a16 [M,K] BF16 K-major -> q [M,K] e4m3, sa [K/128][sa_ld] f32 MN-major
 * with sa_ld >= M (entries m >= M set to NaN). scale = max(amax, 1e-4) / 448 per
 * 128-element row block; ue8m0 rounds each scale up to a power of two. K % 128 == 0. */
int gh_quant_1x128(const void *a16, int m, int k, void *q, float *sa, int64_t sa_ld,
                   int ue8m0, cudaStream_t s);
/* Per block: b16 [N,K] BF16 K-major -> q [N,K] e4m3, sb [cdiv(N,128)][sb_ld] f32 with
 * sb_ld >= K/128, one scale per 128x128 block (a partial last block of rows uses only
 * its rows). K % 128 == 0. */
int gh_quant_128x128(const void *b16, int n, int k, void *q, float *sb, int64_t sb_ld,
                     int ue8m0, cudaStream_t s);
/* Per tensor: x16 (n BF16) -> q (n e4m3), *scale (device f32) = max(amax,1e-4)/448. */
int gh_quant_tensor(const void *x16, size_t n, void *q, float *scale, cudaStream_t s);
/* Inverse maps for the self-test: f32 x [rows, K] = q * scale, with the scale layouts
 * above (kind 0: 1x128 with ld; 1: 128x128 with ld; 2: tensor). */
int gh_dequant(const void *q, int rows, int k, const float *scale, int64_t ld, int kind,
               float *x, cudaStream_t s);
/* UE8M0 bytes (dgk's scale format: byte e worth 2^(e - 127)) from f32 power-of-two
 * scales: src [rows][src_ld] -> dst [rows][dst_ld], columns [0, cols) converted, the
 * padding [cols, dst_ld) and every non-power-of-two, NaN, zero or negative scale set to
 * 0xff (read by dgk as +inf, so a kernel that uses one shows it). For the
 * dgk-fp8-ue8m0 runner, whose kernel reads the 1x128/128x128-ue8m0 recipe as bytes. */
int gh_scales_to_ue8m0(const float *src, int64_t rows, int64_t cols, int64_t src_ld, void *dst,
                       int64_t dst_ld, cudaStream_t s);
/* f32 copy of n BF16 elements (the self-test's reference side). */
int gh_bf16_to_f32(const void *x16, size_t n, float *x, cudaStream_t s);
/* dst [batch][cols][rows] = src [batch][rows][cols] transposed, BF16 (a grouped B stored
 * [G, K, N] from [G, N, K] for the nn runners). */
int gh_transpose_bf16(const void *src, void *dst, int64_t batch, int64_t rows, int64_t cols, cudaStream_t s);

/* --- timing (harness_time.cu) --------------------------------------------------------- */

enum { GH_TIMER_MAX_RUNNERS = 16 };  /* runners timed together by gh_time_runners */

typedef struct gh_timer {
    void *flush;          /* written before every timed run to evict L2 */
    size_t flush_bytes;   /* max(256 MiB, 4 x L2), or as asked */
    int warmup, reps;
    int nev;              /* events in ev */
    cudaEvent_t *ev;      /* 2 * reps * GH_TIMER_MAX_RUNNERS events */
    int kernel_time;      /* also kernel time from CUPTI (gh_timer_kernel_time) */
    double *kus;          /* its per-run sums, reps * GH_TIMER_MAX_RUNNERS */
    int *kcount;          /* kernels per run */
    int cold_code_sms;    /* > 0 (gh_timer_cold_code): before each timed run, empty the
                           * instruction caches of this many SMs (harness_icache.cu) */
} gh_timer;

typedef struct gh_timing {
    double median_us, min_us, max_us;
    double kernel_us;   /* with kernel time on: median over the runs of the summed GPU time
                         * of the kernels each run launched (CUPTI); 0 when off */
    int kernels;        /* kernels per run (the most any run launched) */
    int rc;             /* gh_time_runners: the runner's status (GH_OK: timed) */
    char why[160];      /* when rc != GH_OK: gh_error() as the runner failed */
} gh_timing;

/* flush_mb: the flush's size in MB (2^20 bytes); 0 for max(256 MiB, 4 x L2). */
int gh_timer_init(gh_timer *t, size_t l2_bytes, int flush_mb, int warmup, int reps);
void gh_timer_free(gh_timer *t);
/* --cold-code: before each timed run (and its L2 flush) a kernel of more code than an SM's
 * instruction caches hold runs on all `sms` SMs, so each timed kernel starts with its code
 * out of cache, as after other work in a model (harness_icache.cu). */
void gh_timer_cold_code(gh_timer *t, int sms);
/* The instruction caches of `sms` SMs emptied by running ~384 KB of code on each. */
int gh_icache_evict(int sms, cudaStream_t s);
/* Turns on kernel time for later gh_time_runners calls (loads CUPTI: GH_ERROR with the
 * reason when it cannot). */
int gh_timer_kernel_time(gh_timer *t);
/* After gh_ktime_end filled t->kus / t->kcount for n runners' reps runs (run i of runner
 * j at i * n + j): runner j's median kernel time and kernel count into out; GH_ERROR if
 * a run recorded no kernel (`name` names the runner). */
int gh_timer_kernel_median(gh_timer *t, int n, int j, const char *name, gh_timing *out);

/* --- kernel time (harness_ktime.c): CUPTI activity records, per tagged run ----------- */
int gh_ktime_open(void);     /* dlopen libcupti, register buffers */
int gh_ktime_enabled(void);
int gh_ktime_begin(void);    /* start recording kernels and launch tags (drops leftovers) */
void gh_ktime_abort(void);   /* stop recording after a failed timing, keeping nothing */
int gh_ktime_push(uint64_t tag); /* launches until the pop belong to run `tag` (1..ntags) */
int gh_ktime_pop(void);
/* Stops recording; us[t - 1] = summed kernel time (us) of run t, kernels[t - 1] = its
 * kernel count (0: none recorded). */
int gh_ktime_end(double *us, int *kernels, int ntags);
const char *gh_ktime_seen(void); /* "N kernel records, M launch tags" of the last timing */
/* Times n runners of one problem (p[j], b[j]: runner j's view of it): each runs
 * `warmup` times, then `reps` rounds run each of them once (round i starting with runner
 * i mod n), each run after an L2 flush with CUDA events around the runner call alone, so
 * that a drift of the card's clock reaches all of them alike; out[j] holds the median of
 * runner j's runs, or its failure (out[j].rc, .why: a runner that fails is dropped and
 * the others keep their runs). Returns GH_ERROR only when the harness itself fails (the
 * caller then marks every runner of the problem failed). */
int gh_time_runners(gh_timer *t, int n, const gh_runner *const *r, const gh_problem *p, const gh_buffers *b,
                    cudaStream_t s, gh_timing *out);
/* One launch to time: `launch(ctx, s)` enqueues one call (GH_OK or an error); `name` and
 * `shape` label it in GH_TIME_TRACE lines. */
typedef int (*gh_launch_fn)(void *ctx, cudaStream_t s);
typedef struct gh_call {
    const char *name;
    char shape[48];
    gh_launch_fn launch;
    void *ctx;
} gh_call;
/* A dense runner on its view of a problem as a launch: gh_runner_launch(&call, s) runs
 * call.r->fn(call.p, call.b, s) (gh_time_runners and gh_sustain_runner use it). */
typedef struct gh_runner_call {
    const gh_runner *r;
    const gh_problem *p;
    const gh_buffers *b;
} gh_runner_call;
int gh_runner_launch(void *ctx, cudaStream_t s);
/* gh_time_runners' method on any n launches (dgk-grouped-bench's runners of one spec). */
int gh_time_calls(gh_timer *t, int n, const gh_call *c, cudaStream_t s, gh_timing *out);

/* Sustained throughput (harness_sustain.c): the runner launched back to back for about
 * `ms` (est_us: a time per call from the flushed timing, to size the batch), after as
 * long again untimed to reach the clock that load settles at. Energy, power and clock
 * come from NVML when it opens, else they are NaN. */
typedef struct gh_sustained {
    int calls;         /* calls in the timed batch */
    double us;         /* mean time per call */
    double mj, watts;  /* energy per call (mJ), mean power over the batch (NaN: unknown) */
    double mhz;        /* mean SM clock sampled every 2 ms during the batch */
} gh_sustained;
int gh_sustain_runner(const gh_runner *r, const gh_problem *p, const gh_buffers *b, cudaStream_t s,
                      double est_us, double ms, gh_sustained *out);
/* The same for any launch (gh_launch_fn, above). */
int gh_sustain(gh_launch_fn launch, void *ctx, cudaStream_t s, double est_us, double ms, gh_sustained *out);

/* --- cases (harness_case.cu) ---------------------------------------------------------- */

typedef struct gh_quant_set {
    void *a8, *b8;
    float *sa, *sb;
    int64_t sa_ld, sb_ld;
    int ready;
    /* the product of the quantized operands (dequantized to f32, summed in double, + C),
     * made on first use, and its diff against the unquantized reference: what the recipe
     * alone costs */
    float *ref_q;
    double recipe_diff;
} gh_quant_set;

typedef struct gh_case {
    gh_problem p;         /* recipe is per runner; p.recipe is unused */
    uint64_t seed;
    void *a16, *b16;      /* unquantized BF16 inputs in p.layout */
    void *c, *d;          /* C (NULL unless has_c) and D in p.out */
    float *ref;           /* [M,N] reference */
    gh_quant_set q[GH_RECIPE_COUNT];
    uint64_t gen;
} gh_case;

typedef struct gh_verdict {
    int status;           /* the runner's return code */
    int pass;             /* status OK, every element written and finite, diff < bar */
    gh_compare cmp;
    double bar;
    /* FP8 under-test runners: D against the quantized operands' exact product (diff_q <
     * GH_RECIPE_BAR: the kernel computes the recipe, a dropped or doubled K block is
     * ~1e-4), and recipe_diff, that product against the unquantized reference. When the
     * recipe alone is at or over `bar` (a few outputs, an unlucky draw), diff >= bar is
     * the inputs', not the kernel's, and the case passes on diff_q. */
    int has_q;
    double diff_q, bar_q, recipe_diff;
} gh_verdict;

/* The bar for D of an FP8 kernel against its quantized operands' exact product. Measured
 * on an H100 (2026-11-26): ~7e-9 with an f32 D (FP8 wgmma sums each 128-deep block in
 * reduced precision, promotion is FP32), ~1.4e-6 with a bf16 D (its rounding alone). A
 * 10% scale error in one of 56 K blocks is ~1e-4, a dropped block ~1e-2. */
double gh_recipe_bar(gh_dtype out);
/* Whether an unquantized diff at or over `bar` is the draw's, not the kernel's: the
 * quantized inputs' exact product is over it too. */
int gh_recipe_noise(double diff, double bar, double recipe_diff);
/* The FP8 verdict for a D that is written and finite: within bar_q of the recipe-exact
 * product, and within `bar` of the unquantized one unless that is the draw's noise. */
int gh_recipe_pass(double diff, double bar, double diff_q, double bar_q, double recipe_diff);

/* Allocates the case's buffers, draws A, B (and C) from `seed` and computes the
 * reference. GH_UNSUPPORTED if the problem itself is invalid (FP8 not NT, K % 128). */
int gh_case_setup(gh_case *c, const gh_problem *p, uint64_t seed, cudaStream_t s);
/* Buffers for a runner consuming `recipe` (quantizing on first use). */
int gh_case_buffers(gh_case *c, gh_recipe recipe, gh_buffers *b, cudaStream_t s);
/* c->q[recipe].ref_q and .recipe_diff (quantizing and computing on first use). */
int gh_case_recipe_ref(gh_case *c, gh_recipe recipe, cudaStream_t s);
/* The problem as the runner sees it (recipe set). */
gh_problem gh_case_problem(const gh_case *c, const gh_runner *r);
/* Poisons D, runs the runner once, synchronizes and compares with the reference; an
 * under-test runner that passes (and does not accumulate) runs a second time on the same
 * inputs and must give the same bits (cmp.repeat_differ).
 * Returns GH_ERROR only when the harness itself (or the CUDA context) failed; a
 * runner's failure is reported in v. */
int gh_case_run(gh_case *c, const gh_runner *r, gh_verdict *v, cudaStream_t s);
void gh_case_free(gh_case *c);

/* --- shape sets (harness_shapes.cu) --------------------------------------------------- */

typedef struct gh_shape {
    int m, n, k;
    gh_layout layout;
    gh_dtype out;
    int has_c;
} gh_shape;

/* DeepGEMM's dense shapes for the benchmark: M in {1,64,128,4096} x 7 (N,K), NT, BF16
 * out ("full"), its M = 4096 rows ("large", for tile sweeps), a 6-shape subset ("quick"),
 * 12 small edge-case shapes ("tiny"), or shapes written MxNxK[,MxNxK...] (NT, BF16 out).
 * Returns the count (<= max), or -1 for an unknown set name. */
int gh_shapes_bench(const char *set, gh_shape *out, int max);
/* The first shape of "MxNxK[,MxNxK...]" (NT, BF16 out) into *out: 1, or 0 if `text`
 * is not such a list. */
int gh_shape_parse(const char *text, gh_shape *out);
/* The correctness set for an input dtype: the bench shapes, (N,K) = (256,7168) and
 * (129280,7168) with f32 out, C addends, and (BF16) M=4096 in NN/TN/TT ("full"); a
 * subset ("quick"); or small edge cases in the same categories ("tiny": M = 1, 7, 65,
 * 130; N = 264..520, not multiples of 64; K = 128..384). */
int gh_shapes_check(const char *set, gh_dtype in, gh_shape *out, int max);
/* The accumulating runners' set (FP8 weight gradient): DeepGEMM's dense (N,K) with
 * M in {1,64,128,4096}, NT, f32 out, +C as D's starting value ("full", 36 cases); a
 * 6-shape subset ("quick"); the tiny shapes the same way ("tiny", 16). */
int gh_shapes_accumulate(const char *set, gh_shape *out, int max);
/* dgk-bench's weight-gradient section (accumulating runners, f32 D += A*B from C):
 * DeepGEMM's wgrad GEMMs, M = N_dense, N = 4096 tokens, K = K_dense for its 7 dense
 * (N, K) ("full", also "large": all are), 3 of them ("quick"), 2 small ragged shapes
 * ("tiny"), or the shapes "MxNxK[,MxNxK...]" (f32 out, +C). */
int gh_shapes_wgrad_bench(const char *set, gh_shape *out, int max);
#define GH_MAX_SHAPES 256

/* --- command line (harness_cli.c), shared by the two programs ------------------------ */

typedef struct gh_opts {
    int want_in[GH_DTYPE_COUNT]; /* --dtype bf16|fp8|all: input dtypes to run */
    unsigned layouts;            /* --layout: bits 1 << gh_layout; 0 = the program's default */
    const char *shapes;          /* --shapes tiny|quick|full (or MxNxK[,...]; with grouped_specs,
                                    text with ':' too, the grouped specs gg_specs_* parse) */
    int grouped_specs;           /* set by the grouped programs before gh_opts_parse */
    const char *runners;         /* --runner NAME[,NAME...]: NULL = all */
    uint64_t seed;               /* --seed N (default: fresh) */
    const char *csv, *md;        /* --csv FILE, --md FILE */
    int warmup, reps;            /* --warmup N, --reps N */
    int verify;                  /* --no-verify clears */
    int self_test;               /* --no-self-test clears */
    int list;                    /* --list */
    double sustain_ms;           /* dgk-bench --sustain MS: also time each point back to back
                                    for about MS per runner (0: off) */
    unsigned sections;           /* dgk-bench --sections dense|wgrad|all: GH_SECTION_* bits
                                    (FP8 NT: dense GEMMs, the weight gradient) */
    int kernel_time;             /* --kernel-time: also each run's kernel time from CUPTI */
    int flush_mb;                /* --flush-mb N: the L2 flush's size (0: gh_timer_init's
                                    default); 7630 (8e9 bytes) is DeepGEMM's bench_kineto, whose
                                    memset also lets the card cool between calls */
    int cold_code;               /* --cold-code: each timed run starts with its code out of the
                                    SMs' instruction caches (gh_timer_cold_code) */
    const char *bench_only;      /* the first flag given that only the benchmarks read
                                    (--no-verify, --warmup, --reps, --csv, --md, --sections,
                                    --sustain, --kernel-time, --flush-mb, --cold-code), else NULL:
                                    the check programs refuse it */
} gh_opts;

enum { GH_SECTION_DENSE = 1u, GH_SECTION_WGRAD = 2u };

/* Defaults: all dtypes, layouts 0, shapes "full", fresh seed, 5 warm-up + 30 reps,
 * verify and self-test on, both bench sections. */
void gh_opts_default(gh_opts *o);
/* Parses argv; returns 0, or -1 after gh_set_error for an unknown or malformed flag. */
int gh_opts_parse(gh_opts *o, int argc, char **argv);
/* 1 if `name` is in the comma-separated list (NULL list: everything). */
int gh_name_in_list(const char *list, const char *name);

/* --- misc ------------------------------------------------------------------------------ */

/* Median of n doubles (sorts v in place). */
double gh_median(double *v, int n);
/* DeepGEMM's TFLOPS for dense shape m x n x k with inputs `in` from DESIGN.md's anchor
 * table (profiler kernel time, another run; harness_anchors.c), 0 when not listed. */
double gh_deepgemm_tflops(gh_dtype in, int m, int n, int k);

#ifdef __cplusplus
}
#endif
#endif
