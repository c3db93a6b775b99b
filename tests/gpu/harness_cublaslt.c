/* harness_cublaslt.c - the cuBLASLt baselines, used as a user would: a matmul
 * descriptor per problem, the top algorithm from cublasLtMatmulAlgoGetHeuristic with
 * a 32 MiB workspace, cublasLtMatmul on the caller's stream.
 *
 *   cublaslt-bf16        BF16 x BF16, f32 accumulate, BF16 or f32 out, any layout
 *   cublaslt-fp8-tensor  e4m3 x e4m3 with one f32 scale per tensor (NT only)
 *   cublaslt-fp8-block   e4m3 x e4m3 with DeepSeek's scales: the activations (our A)
 *                        1x128 (CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F), the weights
 *                        (our B) 128x128 (..._BLK128x128_32F)
 *   cublaslt-fp8-wgrad   the weight-gradient recipe: both operands 1x128 (VEC128_32F on
 *                        each), f32 D += A*B (beta = 1 with C = D, in place); where the
 *                        installed cuBLASLt has no algorithm for it the case is a SKIP
 *
 * Our row-major D [M,N] is cuBLAS's column-major N x M, so cuBLAS's A is our B and
 * its B our A (gh_lt_map_of). For FP8 cuBLASLt wants its A transposed and its B not
 * ("TN"): exactly our NT (both operands K-major). The scale layouts cuBLASLt reads:
 * its B (our A, VEC128) as [K/128][M] (M-major, leading dimension exactly M), its A
 * (our B, BLK128x128) as [cdiv(N,128)][align(K/128,4)]. Where ours differ (M not a
 * multiple of 4, K/128 not a multiple of 4) the plan keeps a repacked copy.
 *
 * Descriptors and the algorithm are built once per (problem, buffers, gen) and kept
 * in a cache of LT_SLOTS entries per runner, so timed calls only enqueue cublasLtMatmul,
 * also when a caller alternates between several problems (dgk-k-grouped's baseline, one
 * GEMM per group: with one entry every call rebuilt every group's plan, algorithm search
 * included, inside the timed region). */
#include "harness.h"

#include <cublasLt.h>
#include <stdio.h>
#include <string.h>

#define WORKSPACE_BYTES ((size_t)32 << 20)

typedef enum lt_kind { LT_BF16, LT_FP8_TENSOR, LT_FP8_BLOCK, LT_FP8_WGRAD, LT_KIND_COUNT } lt_kind;

typedef struct lt_plan {
    int valid;
    gh_problem p;
    gh_buffers b;
    cublasLtMatmulDesc_t op;
    cublasLtMatrixLayout_t la, lb, lc, ld;
    cublasLtMatmulAlgo_t algo;
    const float *scale_a, *scale_b; /* what cuBLAS's A and B scale pointers get */
    float *pack_a, *pack_b;         /* repacked scales, when ours differ */
} lt_plan;

static cublasLtHandle_t lt;
static void *workspace;
enum { LT_SLOTS = 64 };  /* more than a grouped call's groups (k-grouped 16, masked 32) */
static lt_plan plans[LT_KIND_COUNT][LT_SLOTS];
static int next_slot[LT_KIND_COUNT];  /* the entry a new plan replaces, round robin */

#define LT(call)                                                                  \
    do {                                                                          \
        cublasStatus_t lt_s_ = (call);                                            \
        if (lt_s_ != CUBLAS_STATUS_SUCCESS) {                                     \
            gh_set_error("%s:%d: %s: %s", __FILE__, __LINE__, #call,              \
                         cublasLtGetStatusString(lt_s_));                         \
            return lt_s_ == CUBLAS_STATUS_NOT_SUPPORTED ? GH_UNSUPPORTED : GH_ERROR; \
        }                                                                         \
    } while (0)

void gh_lt_map_of(const gh_problem *p, gh_lt_map *m)
{
    int a_kmajor = gh_layout_a_kmajor(p->layout), b_kmajor = gh_layout_b_kmajor(p->layout);
    m->m = p->n;
    m->n = p->m;
    m->k = p->k;
    /* A' = our B. K-major [N,K] is stored K x N: transposed. [K,N] is N x K: not. */
    m->trans_a = b_kmajor;
    m->rows_a = b_kmajor ? p->k : p->n;
    m->cols_a = b_kmajor ? p->n : p->k;
    m->lda = m->rows_a;
    /* B' = our A. K-major [M,K] is stored K x M: as is. [K,M] is M x K: transposed. */
    m->trans_b = !a_kmajor;
    m->rows_b = a_kmajor ? p->k : p->m;
    m->cols_b = a_kmajor ? p->m : p->k;
    m->ldb = m->rows_b;
    m->ldd = p->n;
}

static cudaDataType_t cuda_type(gh_dtype t)
{
    return t == GH_BF16 ? CUDA_R_16BF : t == GH_F32 ? CUDA_R_32F : CUDA_R_8F_E4M3;
}

static int init(void)
{
    if (lt)
        return GH_OK;
    LT(cublasLtCreate(&lt));
    GH_TRY(gh_malloc(&workspace, WORKSPACE_BYTES));
    return GH_OK;
}

static void plan_drop(lt_plan *pl)
{
    if (pl->op)
        cublasLtMatmulDescDestroy(pl->op);
    if (pl->la)
        cublasLtMatrixLayoutDestroy(pl->la);
    if (pl->lb)
        cublasLtMatrixLayoutDestroy(pl->lb);
    if (pl->lc)
        cublasLtMatrixLayoutDestroy(pl->lc);
    if (pl->ld)
        cublasLtMatrixLayoutDestroy(pl->ld);
    gh_free(pl->pack_a);
    gh_free(pl->pack_b);
    memset(pl, 0, sizeof *pl);
}

void gh_cublaslt_release(void)
{
    for (int i = 0; i < LT_KIND_COUNT; i++)
        for (int j = 0; j < LT_SLOTS; j++)
            plan_drop(&plans[i][j]);
    if (lt)
        cublasLtDestroy(lt);
    gh_free(workspace);
    lt = NULL;
    workspace = NULL;
}

void gh_cublaslt_version(char *buf, size_t len)
{
    size_t v = cublasLtGetVersion();
    snprintf(buf, len, "cuBLASLt %zu.%zu.%zu", v / 10000, v / 100 % 100, v % 100);
}

static int same_key(const lt_plan *pl, const gh_problem *p, const gh_buffers *b)
{
    return pl->valid && memcmp(&pl->p, p, sizeof *p) == 0 && memcmp(&pl->b, b, sizeof *b) == 0;
}

static int set_attr(cublasLtMatmulDesc_t op, cublasLtMatmulDescAttributes_t a,
                    const void *v, size_t size)
{
    LT(cublasLtMatmulDescSetAttribute(op, a, v, size));
    return GH_OK;
}

static int make_layouts(lt_plan *pl, const gh_lt_map *m)
{
    cudaDataType_t in = cuda_type(pl->p.in), out = cuda_type(pl->p.out);
    LT(cublasLtMatrixLayoutCreate(&pl->la, in, (uint64_t)m->rows_a, (uint64_t)m->cols_a, m->lda));
    LT(cublasLtMatrixLayoutCreate(&pl->lb, in, (uint64_t)m->rows_b, (uint64_t)m->cols_b, m->ldb));
    LT(cublasLtMatrixLayoutCreate(&pl->lc, out, (uint64_t)m->m, (uint64_t)m->n, m->ldd));
    LT(cublasLtMatrixLayoutCreate(&pl->ld, out, (uint64_t)m->m, (uint64_t)m->n, m->ldd));
    return GH_OK;
}

/* Copies rows x width floats from src (leading dimension src_ld) to a fresh dense
 * buffer with leading dimension dst_ld (padding zeroed). */
static int repack(float **dst, int64_t dst_ld, const float *src, int64_t src_ld,
                  int64_t width, int64_t rows, cudaStream_t s)
{
    size_t bytes = sizeof(float) * (size_t)(dst_ld * rows);
    GH_TRY(gh_malloc((void **)dst, bytes));
    GH_CUDA(cudaMemsetAsync(*dst, 0, bytes, s));
    GH_CUDA(cudaMemcpy2DAsync(*dst, sizeof(float) * (size_t)dst_ld, src,
                              sizeof(float) * (size_t)src_ld, sizeof(float) * (size_t)width,
                              (size_t)rows, cudaMemcpyDeviceToDevice, s));
    return GH_OK;
}

/* cuBLAS's B (our A): VEC128, [K/128][M]. cuBLAS's A (our B): BLK128x128,
 * [cdiv(N,128)][align(K/128,4)]. */
static int block_scales(lt_plan *pl, cudaStream_t s)
{
    const gh_problem *p = &pl->p;
    const gh_buffers *b = &pl->b;
    int64_t kb = p->k / 128, nb = gh_cdiv(p->n, 128), kb4 = gh_align(kb, 4);
    pl->scale_b = b->sa;
    pl->scale_a = b->sb;
    if (b->sa_ld != p->m) {
        GH_TRY(repack(&pl->pack_b, p->m, b->sa, b->sa_ld, p->m, kb, s));
        pl->scale_b = pl->pack_b;
    }
    if (b->sb_ld != kb4) {
        GH_TRY(repack(&pl->pack_a, kb4, b->sb, b->sb_ld, kb, nb, s));
        pl->scale_a = pl->pack_a;
    }
    int32_t mode_a = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F;
    int32_t mode_b = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &mode_a, sizeof mode_a));
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &mode_b, sizeof mode_b));
    return GH_OK;
}

/* Both 1x128 (VEC128): cuBLAS's B (our A) [K/128][M] and its A (our B) [K/128][N], each
 * with leading dimension exactly M / N (ours are padded to a multiple of 4). */
static int wgrad_scales(lt_plan *pl, cudaStream_t s)
{
    const gh_problem *p = &pl->p;
    const gh_buffers *b = &pl->b;
    int64_t kb = p->k / 128;
    pl->scale_b = b->sa;
    pl->scale_a = b->sb;
    if (b->sa_ld != p->m) {
        GH_TRY(repack(&pl->pack_b, p->m, b->sa, b->sa_ld, p->m, kb, s));
        pl->scale_b = pl->pack_b;
    }
    if (b->sb_ld != p->n) {
        GH_TRY(repack(&pl->pack_a, p->n, b->sb, b->sb_ld, p->n, kb, s));
        pl->scale_a = pl->pack_a;
    }
    int32_t mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &mode, sizeof mode));
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &mode, sizeof mode));
    return GH_OK;
}

static int make_desc(lt_plan *pl, lt_kind kind, const gh_lt_map *m, cudaStream_t s)
{
    cublasOperation_t ta = m->trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t tb = m->trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    LT(cublasLtMatmulDescCreate(&pl->op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    if (kind == LT_BF16)
        return GH_OK;
    pl->scale_a = pl->b.sb; /* per tensor: cuBLAS's A is our B */
    pl->scale_b = pl->b.sa;
    if (kind == LT_FP8_BLOCK)
        GH_TRY(block_scales(pl, s));
    if (kind == LT_FP8_WGRAD)
        GH_TRY(wgrad_scales(pl, s));
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &pl->scale_a,
                    sizeof pl->scale_a));
    GH_TRY(set_attr(pl->op, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &pl->scale_b,
                    sizeof pl->scale_b));
    return GH_OK;
}

static int pick_algo(lt_plan *pl)
{
    cublasLtMatmulPreference_t pref = NULL;
    cublasLtMatmulHeuristicResult_t res;
    int found = 0;
    size_t ws = WORKSPACE_BYTES;
    LT(cublasLtMatmulPreferenceCreate(&pref));
    cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    if (st == CUBLAS_STATUS_SUCCESS)
        st = cublasLtMatmulAlgoGetHeuristic(lt, pl->op, pl->la, pl->lb, pl->lc, pl->ld, pref,
                                            1, &res, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
        gh_set_error("cuBLASLt heuristic found no algorithm (%s)",
                     st != CUBLAS_STATUS_SUCCESS ? cublasLtGetStatusString(st)
                                                 : "0 results");
        return GH_UNSUPPORTED;
    }
    pl->algo = res.algo;
    return GH_OK;
}

static int plan_build(lt_plan *pl, lt_kind kind, const gh_problem *p, const gh_buffers *b,
                      cudaStream_t s)
{
    gh_lt_map m;
    plan_drop(pl);
    pl->p = *p;
    pl->b = *b;
    gh_lt_map_of(p, &m);
    GH_TRY(make_desc(pl, kind, &m, s));
    GH_TRY(make_layouts(pl, &m));
    GH_TRY(pick_algo(pl));
    pl->valid = 1;
    return GH_OK;
}

static int check_problem(lt_kind kind, const gh_problem *p)
{
    static const gh_recipe want[LT_KIND_COUNT] = {GH_RECIPE_NONE, GH_RECIPE_TENSOR,
                                                  GH_RECIPE_BLOCK, GH_RECIPE_WGRAD};
    if (p->recipe != want[kind] || (kind == LT_BF16) != (p->in == GH_BF16)) {
        gh_set_error("cuBLASLt runner given %s input with recipe %s",
                     gh_dtype_name(p->in), gh_recipe_name(p->recipe));
        return GH_ERROR;
    }
    if (p->in == GH_E4M3 && p->layout != GH_NT) {
        gh_set_error("cuBLASLt FP8 needs K-major A and B (NT), not %s",
                     gh_layout_name(p->layout));
        return GH_UNSUPPORTED;
    }
    if (kind == LT_FP8_WGRAD && (p->out != GH_F32 || !p->has_c)) {
        gh_set_error("cublaslt-fp8-wgrad accumulates into an f32 D (needs a case with C)");
        return GH_ERROR;
    }
    return GH_OK;
}

/* The cached plan for (p, b), or NULL. */
static lt_plan *plan_find(lt_kind kind, const gh_problem *p, const gh_buffers *b)
{
    for (int i = 0; i < LT_SLOTS; i++)
        if (same_key(&plans[kind][i], p, b))
            return &plans[kind][i];
    return NULL;
}

static int run(lt_kind kind, const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    float alpha = 1.0f, beta = p->has_c ? 1.0f : 0.0f;
    GH_TRY(check_problem(kind, p));
    GH_TRY(init());
    lt_plan *pl = plan_find(kind, p, b);
    if (!pl) {
        pl = &plans[kind][next_slot[kind]];
        next_slot[kind] = (next_slot[kind] + 1) % LT_SLOTS;
        int rc = plan_build(pl, kind, p, b, s);
        if (rc != GH_OK) {
            char keep[1024];
            snprintf(keep, sizeof keep, "%s", gh_error());
            plan_drop(pl);
            gh_set_error("%s", keep);
            return rc;
        }
    }
    /* the weight gradient adds into D itself, as dgk_gemm_fp8_wgrad_nt does (D starts as C) */
    const void *c = p->has_c && kind != LT_FP8_WGRAD ? b->c : b->d;
    LT(cublasLtMatmul(lt, pl->op, &alpha, b->b, pl->la, b->a, pl->lb, &beta, c, pl->lc, b->d,
                      pl->ld, &pl->algo, workspace, WORKSPACE_BYTES, s));
    return GH_OK;
}

int gh_cublaslt_bf16(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    return run(LT_BF16, p, b, s);
}

int gh_cublaslt_fp8_tensor(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    return run(LT_FP8_TENSOR, p, b, s);
}

int gh_cublaslt_fp8_block(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    return run(LT_FP8_BLOCK, p, b, s);
}

int gh_cublaslt_fp8_wgrad(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    return run(LT_FP8_WGRAD, p, b, s);
}
