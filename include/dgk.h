/* dgk.h - the dgk runtime (libdgk): compile CUDA C with NVRTC for sm_90a / sm_100a,
 * cache the binaries in memory and on disk, load them with the CUDA driver (opened with
 * dlopen, so nothing here needs a driver until it talks to a GPU), build TMA descriptors
 * and launch. The stock library's entry points live in the last section.
 *
 * Conventions: every function returns a dgk_status; on failure dgk_last_error() holds a
 * message naming the argument at fault. Nothing prints (except what DGK_PRINT_COMPILE asks
 * for) and nothing aborts. Environment knobs: runtime/README.md. */
#ifndef DGK_H
#define DGK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ---------------------------------------------------------------- */

/* X(NAME, description) */
#define DGK_STATUS_TABLE(X)                                                  \
    X(OK, "success")                                                         \
    X(EINVAL, "invalid argument")                                            \
    X(EALIGN, "misaligned pointer or stride")                                \
    X(ESHAPE, "bad shape, stride or launch dimension")                       \
    X(EDTYPE, "unsupported dtype")                                           \
    X(EARCH, "unsupported or mismatched architecture")                       \
    X(ESMEM, "too much shared memory")                                       \
    X(ENOMEM, "out of memory")                                               \
    X(ENODRIVER, "no CUDA driver")                                           \
    X(ENODEVICE, "no such CUDA device")                                      \
    X(ECUDA, "CUDA driver call failed")                                      \
    X(ECOMPILE, "kernel compilation failed")                                 \
    X(ENOTFOUND, "kernel not found in the compiled module")                  \
    X(EIO, "file or cache I/O failed")

typedef enum dgk_status {
#define DGK_X(name, text) DGK_##name,
    DGK_STATUS_TABLE(DGK_X)
#undef DGK_X
    DGK_STATUS_COUNT
} dgk_status;

/* "DGK_EINVAL"; "DGK_?" for a value outside the table. */
const char *dgk_status_name(dgk_status s);
/* "invalid argument" */
const char *dgk_status_text(dgk_status s);
/* The message of the last failing dgk call on this thread ("" if none failed yet). It
 * names the function and the argument: "dgk_tma_encode: desc->box[0] = 300 exceeds 256".
 * Successful calls leave it alone. */
const char *dgk_last_error(void);

/* ---- targets ------------------------------------------------------------------------ */

/* X(ID, name, cc_major, cc_minor): the architectures kernels are compiled for. */
#define DGK_ARCH_TABLE(X)        \
    X(SM90A, "sm_90a", 9, 0)     \
    X(SM100A, "sm_100a", 10, 0)

typedef enum dgk_arch {
    DGK_ARCH_NONE = 0,
#define DGK_X(id, name, major, minor) DGK_ARCH_##id,
    DGK_ARCH_TABLE(DGK_X)
#undef DGK_X
    DGK_ARCH_COUNT
} dgk_arch;

/* "sm_90a"; "none" for DGK_ARCH_NONE or a value outside the table. */
const char *dgk_arch_name(dgk_arch a);
/* DGK_ARCH_NONE if `name` is not a supported target. */
dgk_arch dgk_arch_lookup(const char *name);

/* ---- driver and device -------------------------------------------------------------- */

typedef struct dgk_device_props {
    int ordinal;
    char name[128];
    int cc_major, cc_minor;
    dgk_arch arch;              /* what to compile for it; DGK_ARCH_NONE if unsupported */
    int sm_count;
    int max_threads_per_block;
    int smem_per_block;         /* the default per-block limit (48 KB) */
    int smem_per_block_optin;   /* what a kernel may raise its dynamic smem to */
    int smem_per_sm;
    int l2_bytes;
    int cluster_launch;         /* 1 if thread-block clusters can be launched */
    int driver_version;         /* e.g. 13000 */
} dgk_device_props;

typedef struct dgk_context dgk_context;

/* Opens the driver, initializes device `ordinal`, makes its primary context current on
 * the calling thread and reads its properties. DGK_ENODRIVER when libcuda.so.1 cannot be
 * opened, DGK_ENODEVICE when there is no such device. */
dgk_status dgk_init(int ordinal, dgk_context **out);
/* Unloads every kernel of the context and releases it. NULL is ignored. */
void dgk_destroy(dgk_context *ctx);
/* Copies the properties read by dgk_init. */
dgk_status dgk_device_props_get(const dgk_context *ctx, dgk_device_props *out);
/* Makes the context current on the calling thread (launching from another thread). */
dgk_status dgk_context_make_current(dgk_context *ctx);
/* Zeroed memory that lives as long as the context (for memoized launch plans); NULL
 * with a message when out of memory. Thread-safe. */
void *dgk_context_alloc(dgk_context *ctx, size_t size);

/* ---- compiling ---------------------------------------------------------------------- */

/* A header the source includes by name (#include "dgk_sm90.cuh"). Names are plain file
 * names: letters, digits, '_', '-', '.'; not starting with '.'. */
typedef struct dgk_header {
    const char *name;
    const char *text;
} dgk_header;

typedef enum dgk_output {
    DGK_OUTPUT_CUBIN = 0,   /* machine code; the ptxas report is filled in */
    DGK_OUTPUT_PTX = 1      /* PTX text, NUL-terminated (JIT-compiled by the driver at load) */
} dgk_output;

/* What to compile. Everything but `kernel` goes into the cache key: a module is compiled
 * and cached once for all the kernels it defines. */
typedef struct dgk_program {
    const char *source;            /* CUDA C, NUL-terminated */
    const char *source_name;       /* how compiler messages name it; NULL: "dgk_kernel.cu" */
    const dgk_header *headers;
    int num_headers;
    const char *kernel;            /* the extern "C" __global__ function to launch */
    dgk_arch arch;
    dgk_output output;
    const char *const *options;    /* extra compiler options ("-DBM=128", "-lineinfo") */
    int num_options;
} dgk_program;

/* ptxas's resource report for one function (from `--ptxas-options=-v`). */
typedef struct dgk_func_report {
    const char *name;
    int is_entry;                  /* a __global__ function */
    int registers;
    int barriers;
    int smem_bytes;                /* static shared memory */
    int stack_bytes;               /* stack frame */
    int cumulative_stack_bytes;
    int spill_store_bytes;
    int spill_load_bytes;
    int wgmma_serialized;          /* ptxas: "wgmma.mma_async instructions are serialized" */
    const char *wgmma_reason;      /* the reason ptxas gave, or NULL */
} dgk_func_report;

typedef struct dgk_report {
    int num_funcs;
    const dgk_func_report *funcs;  /* in the order ptxas reported them */
    int wgmma_serialized;          /* any function */
} dgk_report;

/* Where dgk_compile found a binary. */
typedef enum dgk_origin {
    DGK_ORIGIN_COMPILED = 0,
    DGK_ORIGIN_MEMORY = 1,
    DGK_ORIGIN_DISK = 2
} dgk_origin;

typedef struct dgk_binary dgk_binary;

/* Compiles through the cache: memory, then disk, then NVRTC (or nvcc, DGK_USE_NVCC).
 * Needs no GPU. A compile error is DGK_ECOMPILE with the head of the log in the message
 * (the whole log: DGK_PRINT_COMPILE=1). A program whose `kernel` is not an entry of the
 * result is DGK_ENOTFOUND. `origin` may be NULL. Release the binary with
 * dgk_binary_release. Thread-safe. */
dgk_status dgk_compile(const dgk_program *prog, dgk_binary **out, dgk_origin *origin);
void dgk_binary_release(dgk_binary *b);
/* The cubin, or the PTX text. */
const void *dgk_binary_image(const dgk_binary *b, size_t *size);
/* The compiler's log (ptxas's -v report included), NUL-terminated. */
const char *dgk_binary_log(const dgk_binary *b);
const dgk_report *dgk_binary_report(const dgk_binary *b);
/* NULL if ptxas reported no function of that name. */
const dgk_func_report *dgk_report_find(const dgk_report *r, const char *name);

/* ---- cache -------------------------------------------------------------------------- */

typedef struct dgk_cache_stats {
    uint64_t compiles;        /* compiler invocations (NVRTC or nvcc) */
    uint64_t nvrtc_compiles;
    uint64_t memory_hits;
    uint64_t disk_hits;
    uint64_t disk_writes;
    uint64_t disk_rebuilds;   /* entries found corrupt or truncated and rebuilt */
    uint64_t module_loads;    /* cuModuleLoadData calls */
} dgk_cache_stats;

/* Process-wide counters since start. */
void dgk_cache_stats_get(dgk_cache_stats *out);
/* Forgets the in-memory binaries (the disk cache stays). Binaries still held by callers
 * stay valid until released. */
void dgk_cache_clear_memory(void);
/* The disk cache file for `prog` under the current DGK_CACHE_DIR (it may not exist). */
dgk_status dgk_cache_path(const dgk_program *prog, char *buf, size_t size);

/* ---- kernels and launch ------------------------------------------------------------- */

typedef struct dgk_kernel dgk_kernel;

/* Compiles (through the cache) and loads `prog` on the context, returning a launchable
 * kernel owned by the context. The same program asked twice gives the same handle
 * without compiling or loading again. prog->arch must be the device's arch. */
dgk_status dgk_kernel_get(dgk_context *ctx, const dgk_program *prog, dgk_kernel **out);
/* ptxas's report for the kernel's entry function (zeros for PTX programs). */
const dgk_func_report *dgk_kernel_report(const dgk_kernel *k);

typedef struct dgk_launch_cfg {
    uint32_t grid[3];       /* grid[1], grid[2]: 0 means 1 */
    uint32_t block[3];      /* block[1], block[2]: 0 means 1 */
    uint32_t cluster[3];    /* all 0: no cluster; else 0 means 1; must divide the grid */
    uint32_t smem_bytes;    /* dynamic shared memory; above 48 KB the attribute is raised */
    void *stream;           /* a CUstream; NULL is the default stream */
    int pdl;                /* programmatic dependent launch: the kernel may start before the
                               previous one in the stream ends; it must execute
                               griddepcontrol.wait before it reads that kernel's output */
} dgk_launch_cfg;

/* args: one pointer per kernel parameter, as for cuLaunchKernel. No formatting, hashing
 * or allocation happens here. */
dgk_status dgk_launch(dgk_kernel *k, const dgk_launch_cfg *cfg, void **args);

/* The hot-path memo: one launch plan per (kernel id, shape class), chosen by the caller
 * (e.g. the address of a static kernel descriptor, and a packing of N, K and the M
 * bucket). dgk_memo_get takes no lock and allocates nothing; NULL when absent. Values
 * are the caller's (dgk_context_alloc memory lives long enough). */
void *dgk_memo_get(dgk_context *ctx, uint64_t kernel_id, uint64_t shape_class);
/* Stores `value` (not NULL) for the pair; a pair already present keeps its first value,
 * and *stored (may be NULL) tells which one is now in the memo. */
dgk_status dgk_memo_put(dgk_context *ctx, uint64_t kernel_id, uint64_t shape_class,
                        void *value, void **stored);

/* ---- TMA descriptors ---------------------------------------------------------------- */

/* X(ID, bytes): the element types the TMA unit knows. 8-bit floats (e4m3, e5m2, ue8m0)
 * and packed FP4 travel as U8. */
#define DGK_TMA_DTYPE_TABLE(X) \
    X(U8, 1)                   \
    X(U16, 2)                  \
    X(U32, 4)                  \
    X(I32, 4)                  \
    X(U64, 8)                  \
    X(I64, 8)                  \
    X(F16, 2)                  \
    X(F32, 4)                  \
    X(F64, 8)                  \
    X(BF16, 2)                 \
    X(F32_FTZ, 4)              \
    X(TF32, 4)                 \
    X(TF32_FTZ, 4)

typedef enum dgk_tma_dtype {
    DGK_TMA_NONE = 0,
#define DGK_X(id, bytes) DGK_TMA_##id,
    DGK_TMA_DTYPE_TABLE(DGK_X)
#undef DGK_X
    DGK_TMA_DTYPE_COUNT
} dgk_tma_dtype;

typedef enum dgk_tma_swizzle {
    DGK_TMA_SWIZZLE_NONE = 0,
    DGK_TMA_SWIZZLE_32B,
    DGK_TMA_SWIZZLE_64B,
    DGK_TMA_SWIZZLE_128B
} dgk_tma_swizzle;

/* A tiled view of a global tensor. Dimension 0 is the contiguous (innermost) one. */
typedef struct dgk_tma_desc {
    dgk_tma_dtype dtype;
    int rank;                  /* 1..5 */
    const void *base;          /* device address, 16-byte aligned */
    uint64_t shape[5];         /* extents in elements, 1..2^32 */
    uint64_t strides[5];       /* in elements; strides[0] must be 1; strides[i] * element
                                  size must be a multiple of 16 bytes and below 2^40 */
    uint32_t box[5];           /* the tile one copy moves, 1..256 per dimension;
                                  box[0] * element size a multiple of 16 bytes */
    uint32_t elem_strides[5];  /* traversal stride within the box, 1..8; 0 means 1 */
    dgk_tma_swizzle swizzle;   /* box[0] * element size must fit the swizzle span */
    uint32_t l2_promotion;     /* 0, 64, 128 or 256 bytes */
    int oob_nan;               /* out-of-bounds reads give NaN instead of 0 (float types) */
} dgk_tma_desc;

/* A CUtensorMap (same size and alignment), passed to a kernel by value as a
 * const __grid_constant__ parameter. */
typedef struct dgk_tensor_map {
    uint64_t opaque[16];
} __attribute__((aligned(128))) dgk_tensor_map;

/* Validates `desc` and encodes it with cuTensorMapEncodeTiled (needs the driver, not a
 * context). */
dgk_status dgk_tma_encode(const dgk_tma_desc *desc, dgk_tensor_map *out);

/* ==== tensors and .dgk kernels ===========================================================
 * A program compiles its own .dgk kernels at run time: dgk_op_create runs the compiler
 * (check, tile IR, planning, CUDA C), compiles through the cache and loads the result;
 * dgk_op_launch binds tensors to the kernel's parameters, checks every declared extent
 * and `where` constraint, builds the TMA descriptors and launches. */

/* Element types, numbered as the dtype table (dgk_dtypes.def) lists them. */
typedef enum dgk_dtype_id {
    DGK_DTYPE_NONE = 0,
#define X(id, name, bits, cls, ctype, sm90, sm100) DGK_DTYPE_##id,
#include "dgk_dtypes.def"
#undef X
    DGK_DTYPE_COUNT
} dgk_dtype_id;

enum { DGK_MAX_RANK = 4 };

/* A device tensor. Strides are in elements; the last axis must be contiguous (stride
 * 1). All strides 0 means dense row-major. A GEMM output that is a view into wider rows
 * must have rows of whole 16-byte pieces (its last extent times the element size a
 * multiple of 16): its TMA store writes whole pieces, so dgk_op_launch refuses other such
 * views (DGK_EALIGN) rather than overwrite the bytes after the view's last column. */
typedef struct dgk_tensor {
    void *data;
    dgk_dtype_id dtype;
    int rank;
    int64_t shape[DGK_MAX_RANK];
    int64_t stride[DGK_MAX_RANK];
} dgk_tensor;

/* A dense row-major tensor of rank 1..4 with extents shape[0..rank). */
dgk_tensor dgk_tensor_make(void *data, dgk_dtype_id dtype, int rank, const int64_t *shape);

typedef struct dgk_op dgk_op;

/* Compiles kernel `kernel` of the .dgk source `source` (named `source_name` in
 * diagnostics) with the -D definitions ("NAME=VALUE"), for the context's device.
 * A source error is DGK_ECOMPILE with the compiler's diagnostics in dgk_last_error().
 * The op belongs to the context and is freed with it. */
dgk_status dgk_op_create(dgk_context *ctx, const char *source_name, const char *source, const char *kernel,
                         const char *const *defines, int num_defines, dgk_op **out);
/* params[p]: the tensor bound to runtime parameter p (declaration order), or NULL for a
 * scalar or a parameter the kernel does not use; scalars[p]: the value of scalar
 * parameter p (may be NULL if there are none). A `split_k`, `tail_split 1` or `dynamic 1`
 * kernel also gets workspace buffers owned by the op: one set per stream (allocated by the first
 * launch on it, grown by larger ones; past 64 streams a new one waits for the context,
 * cuCtxSynchronize) and one per launch captured into a CUDA graph, so launches on
 * different streams and graphs replayed side by side never share them. Copies of one
 * captured graph (instantiated twice, cloned, or two child-graph nodes) do share them
 * and must not run at the same time, and no graph holding the op may run after it is
 * freed (runtime/README.md, "Workspace"). */
dgk_status dgk_op_launch(dgk_op *op, const dgk_tensor *const *params, const double *scalars, int num_params,
                         void *stream);
/* The generated CUDA C (for reading and debugging). */
const char *dgk_op_cuda(const dgk_op *op);

/* Debug builds. With DGK_DEBUG=1 in the environment when an op is created, its kernel is
 * compiled with -DDGK_DEBUG=1, which turns on the generated code's device-side checks
 * (today: the group ids of m_grouped_contiguous and the device offsets of the k-grouped
 * kernel, see runtime/README.md); release builds
 * compile them out. A check that fails records one 64-bit word in the module (the
 * smallest wins: the first offending row), never writes anywhere else.
 * dgk_op_is_debug: whether `op` is such a build. dgk_op_debug_word: synchronizes
 * `stream`, reads the word into *word and resets it; DGK_DEBUG_NONE when nothing was
 * recorded (and always for a release build, without synchronizing). Not for a stream
 * that is being captured into a CUDA graph. */
#define DGK_DEBUG_NONE 0xffffffffffffffffull
int dgk_op_is_debug(const dgk_op *op);
dgk_status dgk_op_debug_word(dgk_op *op, void *stream, uint64_t *word);

/* ==== stock library (stdlib) ============================================================
 * The GEMM / grouped GEMM / MQA-logits entry points. Each validates its tensors, picks
 * a tile for the shape (memoized), compiles the stock .dgk kernel on first use and
 * launches it on `stream` (a CUstream; NULL for the default stream). */

/* D = A @ B (+ C), BF16 inputs, FP32 accumulation, D (and C) bf16 or f32 [M, N].
 * Layouts as DeepGEMM names them: nt A [M, K], B [N, K]; nn A [M, K], B [K, N];
 * tn A [K, M], B [K, N]; tt A [K, M], B [N, K]. c may be NULL. */
dgk_status dgk_gemm_bf16_nt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b, const dgk_tensor *c,
                            const dgk_tensor *d, void *stream);
dgk_status dgk_gemm_bf16_nn(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b, const dgk_tensor *c,
                            const dgk_tensor *d, void *stream);
dgk_status dgk_gemm_bf16_tn(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b, const dgk_tensor *c,
                            const dgk_tensor *d, void *stream);
dgk_status dgk_gemm_bf16_tt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b, const dgk_tensor *c,
                            const dgk_tensor *d, void *stream);

/* D = (A * SA) @ (B * SB)^T, DeepSeek's fine-grained FP8: A e4m3 [M, K] with scales
 * SA [K / 128, M] (one per token and 128 of K, stored MN-major), B e4m3 [N, K] with
 * scales SB [cdiv(N, 128), K / 128] (one per 128x128 block); D bf16 or f32 [M, N].
 * K % 128 == 0. The scales are f32, or UE8M0 (DeepGEMM's power-of-two recipe: one byte e
 * worth 2^(e - 127); e = 0 reads as 0 and e = 255 as +inf) when sa and sb are both
 * DGK_DTYPE_UE8M0. SA is loaded by TMA: its data 16-byte aligned and its row stride a
 * multiple of 16 bytes (M padded to dgk_fp8_scale_stride(M, dtype): 4 f32, 16 ue8m0).
 * With f32 scales and K % 512 == 0 the kernel may copy SB's rows whole (cp.async.bulk,
 * K <= 32768) or load them by TMA (a cluster along N), so SB's data must be 16-byte
 * aligned and its row stride a multiple of 16 bytes (as a dense SB is); otherwise
 * DGK_EALIGN names the argument. */
dgk_status dgk_gemm_fp8_nt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b,
                           const dgk_tensor *sb, const dgk_tensor *d, void *stream);

/* D += (A * SA) @ (B * SB)^T, DeepGEMM's FP8 weight gradient: A e4m3 [M, K] with f32
 * scales SA [cdiv(K, 128), M] and B e4m3 [N, K] with f32 scales SB [cdiv(K, 128), N]
 * (both 1x128: one per row of A / of B and 128 of K, stored MN-major; row strides may be
 * padded to a multiple of 4); D f32 [M, N], accumulated into (its contents are the
 * addend). K % 128 == 0. */
dgk_status dgk_gemm_fp8_wgrad_nt(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa, const dgk_tensor *b,
                                 const dgk_tensor *sb, const dgk_tensor *d, void *stream);

/* M-grouped GEMMs for Mixture-of-Experts (DeepGEMM's m-grouped kernels), D bf16, B holds
 * one [N, K] matrix per group (expert): b [G, N, K], bf16 or e4m3.
 * Contiguous: the rows of all groups stacked in a [M, K] and d [M, N]; group_ids i32 [M]
 * gives each row's group, -1 for padding rows (their rows of d are left untouched). Each
 * group's rows start at a multiple of dgk_m_grouped_alignment(); the kernel reads the
 * group of each 128-row block from its first row, on the device.
 * Masked: a [G, MMAX, K], d [G, MMAX, N]; masked_m i32 [G] holds each group's valid row
 * count, read on the device (so the call can be captured in a CUDA graph); blocks of rows
 * past it are skipped. expected_m (> 0) is the expected valid rows per group, a hint for
 * the tile choice; when expected_m % 128 is 1..64 the kernel also skips the math of a
 * consumer warpgroup whose rows all lie past a group's count (those rows of d then keep
 * what they held, as rows of skipped blocks do).
 * FP8 scales (f32): contiguous sa [cdiv(K, 128), M] (row stride may be padded to a
 * multiple of 4), masked sa [G, cdiv(K, 128), MMAX]; sb [G, cdiv(N, 128), cdiv(K, 128)]
 * (16-byte aligned, its strides multiples of 16 bytes when K % 512 == 0 and K <= 32768,
 * as for dgk_gemm_fp8_nt's SB). FP8 needs K % 128 == 0.
 * The contiguous kernels take their tiles from device counters as CTAs free up (`dynamic
 * 1`), which the runtime keeps per stream and per captured launch (dgk_op_launch): two
 * streams, or two captured graphs, may run the same shape at once. With DGK_GEMM_TAIL=1
 * (no stock rule takes it) the masked kernels cut the tiles of their last partial wave by
 * K (`tail_split 1`) and sum their slices through such buffers too, with the same rules;
 * which tiles are cut depends on all groups' counts, so a group's result may then differ
 * in its last bits between calls with other masked_m (as accurate either way).
 * dgk_m_grouped_gemm_bf16_nn_contiguous (DeepGEMM's m_grouped_bf16_gemm_nn_contiguous):
 * the contiguous form with b stored [G, K, N] (N a multiple of 8: TMA reads its rows). */
dgk_status dgk_m_grouped_gemm_bf16_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const dgk_tensor *group_ids, void *stream);
dgk_status dgk_m_grouped_gemm_bf16_nn_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const dgk_tensor *group_ids, void *stream);
dgk_status dgk_m_grouped_gemm_fp8_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                const dgk_tensor *group_ids, void *stream);
/* The fused MoE up-projection (SwiGLU), contiguous with group ids: b e4m3 [G, 2I, K] holds
 * each expert's gate rows [0, I) and up rows [I, 2I) ([Wg; Wu]), sb f32 [G, cdiv(2I, 128),
 * cdiv(K, 128)], d bf16 [M, I] = silu(a @ Wg^T) * (a @ Wu^T) per row with its expert's
 * weights, computed in one pass over K without the [M, 2I] product in memory. I and K
 * positive multiples of 128; a, sa, group_ids as dgk_m_grouped_gemm_fp8_nt_contiguous
 * (padding rows of d left untouched), sb 16-byte aligned with strides of whole 16 bytes
 * when K % 512 == 0 and K <= 32768 (its rows are then copied once per tile). Tiles are
 * walked in a fixed stride (no device counters): calls on several streams need nothing. */
dgk_status dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                       const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                       const dgk_tensor *group_ids, void *stream);
dgk_status dgk_m_grouped_gemm_bf16_nt_masked(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                             const dgk_tensor *d, const dgk_tensor *masked_m, int expected_m,
                                             void *stream);
dgk_status dgk_m_grouped_gemm_fp8_nt_masked(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                            const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                            const dgk_tensor *masked_m, int expected_m, void *stream);
/* Contiguous with offsets instead of group ids (DeepGEMM's "psum" layout with a leading 0):
 * offsets i32 [G + 1] on the device; group g's rows are align(offsets[g], A) ..
 * offsets[g + 1] - 1 with A = dgk_m_grouped_alignment(), i.e. offsets[g + 1] is one past
 * group g's last row and the next group starts at the next multiple of A. Rows from
 * offsets[g + 1] up to that start, and rows at or past offsets[G], are padding: their rows
 * of d are left untouched. offsets must not decrease; nothing reads them on the host (the
 * grid depends only on M, N: the call can be captured in a CUDA graph); rows past M are
 * never read or written whatever the offsets say. Other tensors as the group-id form. */
dgk_status dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                         const dgk_tensor *d, const dgk_tensor *offsets, void *stream);
dgk_status dgk_m_grouped_gemm_fp8_nt_contiguous_offsets(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                        const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                        const dgk_tensor *offsets, void *stream);
/* The row alignment of each group in the contiguous layout (the kernels' BM): 128. */
int dgk_m_grouped_alignment(void);

/* K-grouped FP8 weight gradient for Mixture-of-Experts (DeepGEMM's
 * k_grouped_fp8_gemm_nt_contiguous): the tokens of all groups stacked along K; group g
 * owns K indices offsets[g] .. offsets[g + 1] - 1 and D[g] += (A_g * SA_g) @ (B_g * SB_g)^T.
 * a e4m3 [M, K], b e4m3 [N, K] (K = the stacked total), scales f32 sa [K / 128, M] and
 * sb [K / 128, N] (both 1x128, MN-major, as dgk_gemm_fp8_wgrad_nt's; row strides may be
 * padded to a multiple of 4); d f32 [G, M, N], accumulated into (its contents are the
 * addend; an empty group's D[g] is not touched).
 * Group sizes are given twice: ks (host, num_groups = G entries) and offsets (device,
 * i32 [G + 1]: 0, ks[0], ks[0] + ks[1], ..., K). Every ks[g] must be a multiple of
 * dgk_k_grouped_alignment() (128) and they must add up to K; the host copy is checked
 * here and picks the tile, the kernel reads the device offsets. The grid depends only on
 * G, M and N, so a captured CUDA graph may be replayed with other device offsets that
 * keep those rules (the host copy is not read again). */
dgk_status dgk_k_grouped_fp8_gemm_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                const int *ks, int num_groups, const dgk_tensor *offsets,
                                                void *stream);
/* K-grouped BF16 weight gradient (DeepGEMM's k_grouped_bf16_gemm_tn_contiguous): the
 * same stacking as above with both operands stored K-outer, a bf16 [K, M] and b bf16
 * [K, N] (row strides multiples of 8 elements for TMA: pad M / N), and D[g] += A_g^T @ B_g
 * (d f32 [G, M, N], accumulated into). ks and offsets as above: the host copy must be
 * multiples of dgk_k_grouped_alignment() (128, as DeepGEMM asks of both forms); a debug
 * build's device check asks multiples of 64 of the device offsets (the kernel's K block). */
dgk_status dgk_k_grouped_bf16_gemm_tn_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const int *ks, int num_groups,
                                                 const dgk_tensor *offsets, void *stream);
/* The K alignment of each group in the k-grouped layouts: 128. */
int dgk_k_grouped_alignment(void);

/* ==== FP8 scale layouts and host quantization helpers ====================================
 * The layout dgk_gemm_fp8_nt reads (stdlib/fp8_layout.c): A's scales MN-major, SA
 * [cdiv(K, 128), ld] with ld = dgk_fp8_scale_stride(M, dtype) so each row is whole 16-byte
 * units for TMA; B's [cdiv(N, 128), cdiv(K, 128)], any row stride.
 * The dgk_host_ functions work on HOST memory in plain C (stdlib/fp8_host_cvt.c,
 * fp8_host_quant.c): deterministic and bit-exact, for tests and data preparation. The
 * device versions follow them. */

/* The row stride, in elements, of an MN-major scale tensor with `mn` scales per K block
 * (M for A): mn rounded up to 16 bytes (a multiple of 4 f32 or 16 ue8m0). 0 when mn < 1
 * or dtype is neither DGK_DTYPE_F32 nor DGK_DTYPE_UE8M0. */
int64_t dgk_fp8_scale_stride(int64_t mn, dgk_dtype_id dtype);
/* Bytes of that tensor for a K extent `k`: cdiv(k, 128) * stride * element size (0 on bad
 * arguments). */
size_t dgk_fp8_scale_bytes(int64_t mn, int64_t k, dgk_dtype_id dtype);
/* Scales in the natural per-token layout src [mn, kb] (row-major, row stride ld_src) to
 * the MN-major layout dst [kb, ld_dst] the kernel reads; dst's padding [mn, ld_dst) of
 * each row is zeroed. dtype f32 or ue8m0 (for both); ld_src >= kb, ld_dst >= mn (for
 * dgk_gemm_fp8_nt: ld_dst = dgk_fp8_scale_stride(mn, dtype)). src and dst must not
 * overlap. */
dgk_status dgk_host_fp8_scales_to_mn_major(const void *src, int64_t mn, int64_t kb, int64_t ld_src,
                                           dgk_dtype_id dtype, void *dst, int64_t ld_dst);

/* The same on the DEVICE (stdlib/fp8_prep.dgk, elementwise kernels compiled by dgk;
 * enqueued on `stream`, results bit for bit those of the dgk_host_ functions for finite
 * inputs; where those reject a NaN or inf in x, these do not check: a NaN is skipped by
 * the block's amax, so its q is NaN and the block's scale comes from the other elements;
 * an inf makes the block's scale infinite, so its q are 0, NaN where x is inf). Extents
 * 1 .. 2^31 - 129; the last axis of every tensor contiguous, other strides free.
 *   dgk_fp8_scales_to_mn_major: src f32 or ue8m0 [mn, kb] -> dst of the same dtype
 *     [kb, ld], ld >= mn, padding columns zeroed (dst = dgk_fp8_scale_stride(mn, dtype)
 *     wide for dgk_gemm_fp8_nt's SA). src and dst must not overlap.
 *   dgk_fp8_quant_1x128: x f32 [rows, k] -> q e4m3 [rows, k] and s (f32 or ue8m0, the
 *     scale dtype is s's) [cdiv(k, 128), lds], lds >= rows, padding zeroed.
 *   dgk_fp8_quant_128x128: the same per 128 x 128 block, s [cdiv(rows, 128), lds],
 *     lds >= cdiv(k, 128), padding zeroed. */
dgk_status dgk_fp8_scales_to_mn_major(dgk_context *ctx, const dgk_tensor *src, const dgk_tensor *dst, void *stream);
dgk_status dgk_fp8_quant_1x128(dgk_context *ctx, const dgk_tensor *x, const dgk_tensor *q, const dgk_tensor *s,
                               void *stream);
dgk_status dgk_fp8_quant_128x128(dgk_context *ctx, const dgk_tensor *x, const dgk_tensor *q, const dgk_tensor *s,
                                 void *stream);

/* e4m3 is OCP E4M3FN: sign, 4 exponent bits (bias 7), 3 mantissa bits, largest finite
 * 448 (0x7e), no infinities, NaN = 0x7f / 0xff. f32 -> e4m3 rounds to nearest, ties to
 * even; finite values above 448 and +-inf saturate to +-448 (PTX cvt .satfinite); NaN
 * gives 0x7f; the sign of zero (and of values that round to zero) is kept. */
uint8_t dgk_host_f32_to_e4m3(float x);
float dgk_host_e4m3_to_f32(uint8_t q);
/* UE8M0 byte e -> 2^(e - 127), decoded as the kernels do: e = 0 gives 0.0f (2^-127 is an
 * f32 subnormal) and e = 255 (NaN in OCP MX) gives +inf. */
float dgk_host_ue8m0_to_f32(uint8_t e);
/* The UE8M0 byte of the smallest power of two >= s (1..254), for s a positive normal f32
 * below 2^127; 0 (not a scale) for anything else. */
uint8_t dgk_host_f32_to_ue8m0_ceil(float s);

/* Quantize x f32 [rows, k] (row stride ldx) to e4m3 q [rows, k] (row stride ldq) as
 * DeepSeek / DeepGEMM do: per block, scale = max(amax, 1e-4) / 448 in f32 (the clamp keeps
 * all-zero blocks finite), or with sdtype ue8m0 that scale rounded up to a power of two;
 * q = e4m3(x / scale). Inputs must be finite: a NaN or inf is DGK_EINVAL naming the
 * element (outputs then partly written). A ragged last block (k % 128, rows % 128) is
 * scaled over its own elements.
 *   1x128 (per token, A and the weight gradient's operands): scales MN-major, s
 *     [cdiv(k, 128), lds] with lds >= rows, padding [rows, lds) zeroed: the layout
 *     dgk_gemm_fp8_nt reads when lds = dgk_fp8_scale_stride(rows, sdtype).
 *   128x128 (per block, B): scales s [cdiv(rows, 128), lds] with lds >= cdiv(k, 128), the
 *     padding zeroed: dgk_gemm_fp8_nt's SB. */
dgk_status dgk_host_fp8_quant_1x128(const float *x, int64_t rows, int64_t k, int64_t ldx, uint8_t *q, int64_t ldq,
                                    dgk_dtype_id sdtype, void *s, int64_t lds);
dgk_status dgk_host_fp8_quant_128x128(const float *x, int64_t rows, int64_t k, int64_t ldx, uint8_t *q,
                                      int64_t ldq, dgk_dtype_id sdtype, void *s, int64_t lds);

#ifdef __cplusplus
}
#endif
#endif
