/* grouped_runners_dgk.c - the grouped harness's runners for dgk's grouped (MoE)
 * entry points (rows in grouped_runners.def): each wraps the case's dense buffers
 * (grouped.h) as dgk tensors and calls the entry point. One dgk context for the
 * process, made on first use on device 0. Also gg_alignment(): the row alignment of
 * the contiguous layout, as the library states it. */
#include <stdint.h>

#include "dgk.h"
#include "dgk_dense.h"
#include "grouped.h"

/* The entry points, declared here as well so that this file compiles before the
 * library's header has them (identical prototypes: a repeat is harmless after). */
dgk_status dgk_m_grouped_gemm_bf16_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const dgk_tensor *group_ids,
                                                 void *stream);
dgk_status dgk_m_grouped_gemm_fp8_nt_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                const dgk_tensor *group_ids, void *stream);
dgk_status dgk_m_grouped_gemm_bf16_nn_contiguous(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                 const dgk_tensor *d, const dgk_tensor *group_ids, void *stream);
dgk_status dgk_m_grouped_gemm_bf16_nt_masked(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                             const dgk_tensor *d, const dgk_tensor *masked_m, int expected_m,
                                             void *stream);
dgk_status dgk_m_grouped_gemm_fp8_nt_masked(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                            const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                            const dgk_tensor *masked_m, int expected_m, void *stream);
dgk_status dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *b,
                                                         const dgk_tensor *d, const dgk_tensor *offsets, void *stream);
dgk_status dgk_m_grouped_gemm_fp8_nt_contiguous_offsets(dgk_context *ctx, const dgk_tensor *a, const dgk_tensor *sa,
                                                        const dgk_tensor *b, const dgk_tensor *sb, const dgk_tensor *d,
                                                        const dgk_tensor *offsets, void *stream);
int dgk_m_grouped_alignment(void);

int gg_alignment(void)
{
    return dgk_m_grouped_alignment();
}

static dgk_dtype_id in_type(const gg_problem *p)
{
    return p->in == GH_E4M3 ? DGK_DTYPE_E4M3 : DGK_DTYPE_BF16;
}

/* The operands both modes share in shape: B [G, N, K] and its scales [G, N/128, K/128]. */
static dgk_tensor weights(const gg_problem *p, const gg_buffers *b)
{
    return gh_dense(b->b, in_type(p), 3, p->groups, p->n, p->k);
}

static dgk_tensor weight_scales(const gg_problem *p, const gg_buffers *b)
{
    return gh_dense(b->sb, DGK_DTYPE_F32, 3, p->groups, gh_cdiv(p->n, 128), p->k / 128);
}

/* The library's message already names the entry point. */
static int done(dgk_status st)
{
    if (st == DGK_OK)
        return GH_OK;
    gh_set_error("%s", dgk_last_error());
    return GH_ERROR;
}

/* Contiguous: A [M_sum, K], D [M_sum, N], group_ids [M_sum], SA [K/128, M_sum] with
 * its row stride padded (sa_ld). */
int gg_dgk_bf16_contig(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_bf16_contig(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_BF16, 2, p->m_rows, p->k, 0), B = weights(p, b);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 2, p->m_rows, p->n, 0);
    dgk_tensor ids = gh_dense(b->group_ids, DGK_DTYPE_I32, 1, p->m_rows, 0, 0);
    return done(dgk_m_grouped_gemm_bf16_nt_contiguous(ctx, &A, &B, &D, &ids, s));
}

/* The nn form: B stored [G, K, N] (the case's transposed copy, gg_case_buffers). */
int gg_dgk_bf16_nn_contig(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_bf16_nn_contig(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_BF16, 2, p->m_rows, p->k, 0);
    dgk_tensor B = gh_dense(b->b_kn, DGK_DTYPE_BF16, 3, p->groups, p->k, p->n);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 2, p->m_rows, p->n, 0);
    dgk_tensor ids = gh_dense(b->group_ids, DGK_DTYPE_I32, 1, p->m_rows, 0, 0);
    return done(dgk_m_grouped_gemm_bf16_nn_contiguous(ctx, &A, &B, &D, &ids, s));
}

int gg_dgk_fp8_contig(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_fp8_contig(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_E4M3, 2, p->m_rows, p->k, 0), B = weights(p, b);
    dgk_tensor SA = gh_dense(b->sa, DGK_DTYPE_F32, 2, p->k / 128, p->m_rows, 0), SB = weight_scales(p, b);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 2, p->m_rows, p->n, 0);
    dgk_tensor ids = gh_dense(b->group_ids, DGK_DTYPE_I32, 1, p->m_rows, 0, 0);
    SA.stride[0] = b->sa_ld;
    return done(dgk_m_grouped_gemm_fp8_nt_contiguous(ctx, &A, &SA, &B, &SB, &D, &ids, s));
}

/* Contiguous with the layout given as offsets [G + 1] instead of group ids. */
int gg_dgk_bf16_contig_offsets(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_bf16_contig_offsets(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_BF16, 2, p->m_rows, p->k, 0), B = weights(p, b);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 2, p->m_rows, p->n, 0);
    dgk_tensor offs = gh_dense(b->offsets, DGK_DTYPE_I32, 1, p->groups + 1, 0, 0);
    return done(dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(ctx, &A, &B, &D, &offs, s));
}

int gg_dgk_fp8_contig_offsets(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_fp8_contig_offsets(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_E4M3, 2, p->m_rows, p->k, 0), B = weights(p, b);
    dgk_tensor SA = gh_dense(b->sa, DGK_DTYPE_F32, 2, p->k / 128, p->m_rows, 0), SB = weight_scales(p, b);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 2, p->m_rows, p->n, 0);
    dgk_tensor offs = gh_dense(b->offsets, DGK_DTYPE_I32, 1, p->groups + 1, 0, 0);
    SA.stride[0] = b->sa_ld;
    return done(dgk_m_grouped_gemm_fp8_nt_contiguous_offsets(ctx, &A, &SA, &B, &SB, &D, &offs, s));
}

/* Masked: A [G, max_m, K], D [G, max_m, N], masked_m [G], SA [G, K/128, max_m]. */
int gg_dgk_bf16_masked(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_bf16_masked(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_BF16, 3, p->groups, p->m_rows, p->k), B = weights(p, b);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 3, p->groups, p->m_rows, p->n);
    dgk_tensor mm = gh_dense(b->masked_m, DGK_DTYPE_I32, 1, p->groups, 0, 0);
    return done(dgk_m_grouped_gemm_bf16_nt_masked(ctx, &A, &B, &D, &mm, p->expected_m, s));
}

int gg_dgk_fp8_masked(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_dgk_fp8_masked(const gg_problem *p, const gg_buffers *b, cudaStream_t s)
{
    dgk_context *ctx = gh_dgk_context();
    if (!ctx)
        return GH_ERROR;
    dgk_tensor A = gh_dense(b->a, DGK_DTYPE_E4M3, 3, p->groups, p->m_rows, p->k), B = weights(p, b);
    dgk_tensor SA = gh_dense(b->sa, DGK_DTYPE_F32, 3, p->groups, p->k / 128, p->m_rows);
    dgk_tensor SB = weight_scales(p, b);
    dgk_tensor D = gh_dense(b->d, DGK_DTYPE_BF16, 3, p->groups, p->m_rows, p->n);
    dgk_tensor mm = gh_dense(b->masked_m, DGK_DTYPE_I32, 1, p->groups, 0, 0);
    return done(dgk_m_grouped_gemm_fp8_nt_masked(ctx, &A, &SA, &B, &SB, &D, &mm, p->expected_m, s));
}
