/* runners_dgk.c - the harness's runners for dgk's stock entry points (rows in
 * runners.def). One dgk context for the process, made on first use on device 0; each
 * runner wraps the harness's dense buffers as dgk tensors and calls the entry point. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dgk.h"
#include "dgk_dense.h"
#include "harness.h"

dgk_context *gh_dgk_context(void)
{
    static dgk_context *ctx;
    if (!ctx && dgk_init(0, &ctx) != DGK_OK)
        gh_set_error("dgk_init: %s", dgk_last_error());
    return ctx;
}

/* A dense 2-D tensor [rows, cols] with leading dimension ld (elements). */
static dgk_tensor mat(const void *p, dgk_dtype_id dt, int64_t rows, int64_t cols, int64_t ld)
{
    dgk_tensor t = {(void *)p, dt, 2, {rows, cols}, {ld, 1}};
    return t;
}

typedef dgk_status (*bf16_entry)(dgk_context *, const dgk_tensor *, const dgk_tensor *, const dgk_tensor *,
                                 const dgk_tensor *, void *);

static int run_bf16(const gh_problem *p, const gh_buffers *b, cudaStream_t s, bf16_entry fn, int a_t, int b_n)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_dtype_id od = p->out == GH_F32 ? DGK_DTYPE_F32 : DGK_DTYPE_BF16;
    dgk_tensor A = a_t ? mat(b->a, DGK_DTYPE_BF16, p->k, p->m, b->lda) : mat(b->a, DGK_DTYPE_BF16, p->m, p->k, b->lda);
    dgk_tensor B = b_n ? mat(b->b, DGK_DTYPE_BF16, p->k, p->n, b->ldb) : mat(b->b, DGK_DTYPE_BF16, p->n, p->k, b->ldb);
    dgk_tensor C = mat(b->c, od, p->m, p->n, p->n), D = mat(b->d, od, p->m, p->n, p->n);
    if (fn(ctx, &A, &B, p->has_c ? &C : NULL, &D, s) != DGK_OK) {
        gh_set_error("%s", dgk_last_error());
        return GH_ERROR;
    }
    return GH_OK;
}

#define BF16_RUNNER(name, at, bn)                                                      \
    int gh_dgk_bf16_##name(const gh_problem *p, const gh_buffers *b, cudaStream_t s);  \
    int gh_dgk_bf16_##name(const gh_problem *p, const gh_buffers *b, cudaStream_t s)   \
    {                                                                                  \
        return run_bf16(p, b, s, dgk_gemm_bf16_##name, at, bn);                        \
    }
BF16_RUNNER(nt, 0, 0)
BF16_RUNNER(nn, 0, 1)
BF16_RUNNER(tn, 1, 1)
BF16_RUNNER(tt, 1, 0)

/* FP8 with DeepSeek's block scales: SA [K/128, M] padded to sa_ld, SB [N/128, K/128]. */
int gh_dgk_fp8_nt(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
int gh_dgk_fp8_nt(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_dtype_id od = p->out == GH_F32 ? DGK_DTYPE_F32 : DGK_DTYPE_BF16;
    int64_t kb = p->k / 128, nb = (p->n + 127) / 128;
    dgk_tensor A = mat(b->a, DGK_DTYPE_E4M3, p->m, p->k, b->lda), B = mat(b->b, DGK_DTYPE_E4M3, p->n, p->k, b->ldb);
    dgk_tensor SA = mat(b->sa, DGK_DTYPE_F32, kb, p->m, b->sa_ld), SB = mat(b->sb, DGK_DTYPE_F32, nb, kb, b->sb_ld);
    dgk_tensor D = mat(b->d, od, p->m, p->n, p->n);
    if (dgk_gemm_fp8_nt(ctx, &A, &SA, &B, &SB, &D, s) != DGK_OK) {
        gh_set_error("%s", dgk_last_error());
        return GH_ERROR;
    }
    return GH_OK;
}

/* UE8M0 byte copies of the case's power-of-two scales, made once per input set (keyed
 * on the buffers and their gen) so that timed calls only launch the GEMM. */
typedef struct ue8m0_cache {
    const float *sa, *sb;
    uint64_t gen;
    int m, n, k;
    void *sa8, *sb8;
    int64_t sa8_ld;
} ue8m0_cache;

static int ue8m0_scales(const gh_problem *p, const gh_buffers *b, cudaStream_t s, ue8m0_cache *c)
{
    if (c->sa8 && c->sa == b->sa && c->sb == b->sb && c->gen == b->gen && c->m == p->m && c->n == p->n &&
        c->k == p->k)
        return GH_OK;
    gh_free(c->sa8);
    gh_free(c->sb8);
    memset(c, 0, sizeof *c);
    int64_t kb = p->k / 128, nb = (p->n + 127) / 128, ld = dgk_fp8_scale_stride(p->m, DGK_DTYPE_UE8M0);
    GH_TRY(gh_malloc(&c->sa8, (size_t)(kb * ld)));
    GH_TRY(gh_malloc(&c->sb8, (size_t)(nb * kb)));
    GH_TRY(gh_scales_to_ue8m0(b->sa, kb, p->m, b->sa_ld, c->sa8, ld, s));
    GH_TRY(gh_scales_to_ue8m0(b->sb, nb, kb, b->sb_ld, c->sb8, kb, s));
    *c = (ue8m0_cache){b->sa, b->sb, b->gen, p->m, p->n, p->k, c->sa8, c->sb8, ld};
    return GH_OK;
}

/* FP8 with DeepGEMM's UE8M0 recipe: the harness's power-of-two scales as one byte each,
 * SA [K/128, M] with its rows padded to 16 bytes (TMA), SB [N/128, K/128]. */
int gh_dgk_fp8_ue8m0(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
int gh_dgk_fp8_ue8m0(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    static ue8m0_cache cache;
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    GH_TRY(ue8m0_scales(p, b, s, &cache));
    dgk_dtype_id od = p->out == GH_F32 ? DGK_DTYPE_F32 : DGK_DTYPE_BF16;
    int64_t kb = p->k / 128, nb = (p->n + 127) / 128;
    dgk_tensor A = mat(b->a, DGK_DTYPE_E4M3, p->m, p->k, b->lda), B = mat(b->b, DGK_DTYPE_E4M3, p->n, p->k, b->ldb);
    dgk_tensor SA = mat(cache.sa8, DGK_DTYPE_UE8M0, kb, p->m, cache.sa8_ld);
    dgk_tensor SB = mat(cache.sb8, DGK_DTYPE_UE8M0, nb, kb, kb);
    dgk_tensor D = mat(b->d, od, p->m, p->n, p->n);
    if (dgk_gemm_fp8_nt(ctx, &A, &SA, &B, &SB, &D, s) != DGK_OK) {
        gh_set_error("%s", dgk_last_error());
        return GH_ERROR;
    }
    return GH_OK;
}

/* FP8 weight gradient: A and B both scaled 1x128, SA [K/128, M] and SB [K/128, N] (rows
 * padded to sa_ld / sb_ld); D f32 [M, N] += A*B (the harness starts D as a copy of C). */
int gh_dgk_fp8_wgrad(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
int gh_dgk_fp8_wgrad(const gh_problem *p, const gh_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    if (p->out != GH_F32) {
        gh_set_error("dgk_gemm_fp8_wgrad_nt accumulates into f32 only");
        return GH_UNSUPPORTED;
    }
    int64_t kb = p->k / 128;
    dgk_tensor A = mat(b->a, DGK_DTYPE_E4M3, p->m, p->k, b->lda), B = mat(b->b, DGK_DTYPE_E4M3, p->n, p->k, b->ldb);
    dgk_tensor SA = mat(b->sa, DGK_DTYPE_F32, kb, p->m, b->sa_ld), SB = mat(b->sb, DGK_DTYPE_F32, kb, p->n, b->sb_ld);
    dgk_tensor D = mat(b->d, DGK_DTYPE_F32, p->m, p->n, p->n);
    if (dgk_gemm_fp8_wgrad_nt(ctx, &A, &SA, &B, &SB, &D, s) != DGK_OK) {
        gh_set_error("%s", dgk_last_error());
        return GH_ERROR;
    }
    return GH_OK;
}
