/* grouped_selftest.cu - a plain grouped GEMM on CUDA cores that reads the buffers
 * exactly as grouped.h documents them (group_ids / masked_m from device memory, FP8
 * scales in their layouts; contiguous also from the group offsets), with planted faults. dgk-grouped-check runs it first
 * (grouped_selftest.def): the correct variants must PASS and each fault must FAIL, so
 * that a PASS of a dgk grouped kernel later means the verdict can see what it claims
 * to (unwritten rows, touched padding, a wrong group's weights, a forgotten scale).
 * Under the CPU emulation the correct variants are also the runners under test. */
#include "grouped.h"
#include "harness_dev.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

/* The planted faults (GG_FAULT_NONE: correct). */
enum {
    GG_FAULT_NONE,
    GG_FAULT_PADDING,     /* also writes 0 into contig padding rows / masked rows past masked_m */
    GG_FAULT_LAST_ROW,    /* leaves the last valid row of every group unwritten */
    GG_FAULT_WRONG_GROUP, /* multiplies group g by the weights of group g+1 */
    GG_FAULT_B_SCALE,     /* forgets the B scales (FP8) */
};

typedef struct naive_args {
    const void *a, *b;
    const float *sa, *sb;
    int64_t sa_ld;
    __nv_bfloat16 *d;
    const int *ids, *masked_m;
    const int *offs; /* contig: read the layout from the offsets [G + 1] instead of ids */
    int masked, fp8, groups, n, k, fault;
    int64_t m_rows, total_rows; /* rows per group (masked) or M_sum; rows of D */
} naive_args;

__device__ static float in_at(const naive_args *p, const void *x, int64_t i)
{
    if (!p->fp8)
        return __bfloat162float(((const __nv_bfloat16 *)x)[i]);
    __half_raw h = __nv_cvt_fp8_to_halfraw(((const __nv_fp8_storage_t *)x)[i], __NV_E4M3);
    return __half2float(__half(h));
}

/* Group of a row and its index within the group's scale columns, or -1 for a row
 * that is not valid (contig padding, masked past masked_m). */
/* The offsets form: group g's rows are align(offs[g], 128) .. offs[g + 1] - 1. */
__device__ static int group_of_offsets(const naive_args *p, int64_t row)
{
    for (int g = 0; g < p->groups; g++)
        if (row >= (p->offs[g] + 127) / 128 * 128 && row < p->offs[g + 1])
            return g;
    return -1;
}

__device__ static int group_of(const naive_args *p, int64_t row, int64_t *col)
{
    if (!p->masked) {
        *col = row;
        return p->offs ? group_of_offsets(p, row) : p->ids[row];
    }
    int g = (int)(row / p->m_rows);
    *col = row % p->m_rows;
    return *col < p->masked_m[g] ? g : -1;
}

__device__ static int last_valid(const naive_args *p, int64_t row, int g)
{
    if (p->masked)
        return row % p->m_rows == p->masked_m[g] - 1;
    if (p->offs)
        return row + 1 == p->offs[g + 1];
    return row + 1 == p->total_rows || p->ids[row + 1] != g;
}

__device__ static double dot(const naive_args *p, int64_t row, int64_t col, int g, int n)
{
    int64_t kb_n = p->k / 128, nb_n = (p->n + 127) / 128;
    int gb = p->fault == GG_FAULT_WRONG_GROUP ? (g + 1) % p->groups : g;
    const int64_t arow = row * p->k, brow = ((int64_t)gb * p->n + n) * p->k;
    double acc = 0;
    for (int64_t kb = 0; kb < kb_n; kb++) {
        double part = 0;
        for (int64_t k = kb * 128; k < kb * 128 + 128; k++)
            part += (double)in_at(p, p->a, arow + k) * (double)in_at(p, p->b, brow + k);
        if (p->fp8) {
            int64_t sa_i = p->masked ? ((int64_t)g * kb_n + kb) * p->m_rows + col : kb * p->sa_ld + col;
            part *= p->sa[sa_i];
            if (p->fault != GG_FAULT_B_SCALE)
                part *= p->sb[((int64_t)gb * nb_n + n / 128) * kb_n + kb];
        }
        acc += part;
    }
    return acc;
}

__global__ void naive_grouped_k(naive_args p)
{
    size_t total = (size_t)p.total_rows * p.n, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        int64_t row = (int64_t)(i / p.n), col;
        int n = (int)(i % p.n);
        int g = group_of(&p, row, &col);
        if (g < 0) {
            if (p.fault == GG_FAULT_PADDING)
                p.d[i] = __float2bfloat16_rn(0.0f);
            continue;
        }
        if (p.fault == GG_FAULT_LAST_ROW && last_valid(&p, row, g))
            continue;
        p.d[i] = __float2bfloat16_rn((float)dot(&p, row, col, g, n));
    }
}

static int naive(const gg_problem *p, const gg_buffers *b, cudaStream_t s, int fault, int offsets)
{
    naive_args a;
    a.a = b->a;
    a.b = b->b;
    a.sa = b->sa;
    a.sb = b->sb;
    a.sa_ld = b->sa_ld;
    a.d = (__nv_bfloat16 *)b->d;
    a.ids = b->group_ids;
    a.masked_m = b->masked_m;
    a.offs = offsets && p->mode == GG_CONTIG ? b->offsets : NULL;
    a.masked = p->mode == GG_MASKED;
    a.fp8 = p->in == GH_E4M3;
    a.groups = p->groups;
    a.n = p->n;
    a.k = p->k;
    a.fault = fault;
    a.m_rows = p->m_rows;
    a.total_rows = a.masked ? p->m_rows * p->groups : p->m_rows;
    size_t total = (size_t)a.total_rows * (size_t)p->n, blocks = (total + 255) / 256;
    GH_LAUNCH(naive_grouped_k, (unsigned)(blocks < 4096 ? (blocks ? blocks : 1) : 4096), 256, s, a);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

#define NAIVE_RUNNER(fn, fault, offsets)                                                      \
    extern "C" int fn(const gg_problem *p, const gg_buffers *b, cudaStream_t s)               \
    {                                                                                         \
        return naive(p, b, s, fault, offsets);                                                \
    }
NAIVE_RUNNER(gg_naive, GG_FAULT_NONE, 0)
NAIVE_RUNNER(gg_naive_offsets, GG_FAULT_NONE, 1)
NAIVE_RUNNER(gg_fault_padding, GG_FAULT_PADDING, 0)
NAIVE_RUNNER(gg_fault_padding_offsets, GG_FAULT_PADDING, 1)
NAIVE_RUNNER(gg_fault_last_row, GG_FAULT_LAST_ROW, 0)
NAIVE_RUNNER(gg_fault_wrong_group, GG_FAULT_WRONG_GROUP, 0)
NAIVE_RUNNER(gg_fault_b_scale, GG_FAULT_B_SCALE, 0)

#ifdef GH_EMU
/* The emulation links no dgk, so no dgk_m_grouped_alignment(): DeepGEMM's 128. */
extern "C" int gg_alignment(void)
{
    return 128;
}
#endif
