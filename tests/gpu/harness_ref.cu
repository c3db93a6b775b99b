/* harness_ref.cu - the independent reference GEMM: ref[M,N] (f32) = A*B (+ C) from
 * BF16 A and B in any of DeepGEMM's four layouts, on CUDA cores only (no tensor-core
 * instruction, no library), so it shares no code path with what it checks.
 *
 * Precision: a product of two BF16 values is exact in FP32; 32-long runs of products
 * are summed in FP32 and the runs in double, so the result is accurate far below the
 * 1e-5 bar even for K = 16384. Speed: 64x64 tiles through shared memory, 4x4 outputs
 * per thread, ~1e13 FLOP/s on an H100, enough to check 4096x129280x7168 in a second.
 * gh_ref_gemm_f32 takes f32 inputs (the FP8 operands dequantized, K-major): their
 * products round in FP32, far below the recipe bar (harness_case.c). */
#include "harness.h"
#include "harness_dev.h"

#include <cuda_bf16.h>

#define RT 64  /* tile rows (M) and columns (N) */
#define RK 32  /* tile depth (K) */
#define RTHREADS 256

typedef struct ref_args {
    const void *a, *b;        /* bf16, or f32 with f32_in */
    int f32_in;
    const void *c;
    float *ref;
    int m, n, k;
    int64_t lda, ldb;
    int a_kmajor, b_kmajor;
    int c_type; /* 0: none, 1: bf16, 2: f32 */
} ref_args;

/* BF16 halves of a 32-bit word (little-endian: element 2j low, 2j+1 high), widened
 * by bit placement: no type punning of local objects. */
__device__ static inline float bf16_lo(unsigned w) { return __uint_as_float(w << 16); }
__device__ static inline float bf16_hi(unsigned w) { return __uint_as_float(w & 0xffff0000u); }

/* Loads the RT x RK tile of X (rows r0.., depth k0..) into s[kk][r] as f32; X is
 * [R,K] (kmajor) or [K,R], with leading dimension ld. Out-of-range elements are 0.
 * Thread t owns row r0 + t%64, so the shared stores of a warp hit 32 banks; in the
 * K-major case it reads 8 consecutive k (one 16-byte load when aligned). */
__device__ static void load_tile_f32(float (*s)[RT], const float *x, int64_t ld, int rows, int depth, int r0,
                                     int k0)
{
    int t = threadIdx.x, rr = t % RT, r = r0 + rr, kk0 = (t / RT) * 8, k = k0 + kk0;
#pragma unroll
    for (int i = 0; i < 8; i++)
        s[kk0 + i][rr] = (r < rows && k + i < depth) ? x[(int64_t)r * ld + k + i] : 0.0f;
}

__device__ static void load_tile(float (*s)[RT], const __nv_bfloat16 *x, int64_t ld,
                                 int kmajor, int rows, int depth, int r0, int k0)
{
    int t = threadIdx.x, rr = t % RT, r = r0 + rr;
    if (kmajor) {
        int kk0 = (t / RT) * 8, k = k0 + kk0;
        const __nv_bfloat16 *src = x + (int64_t)r * ld + k;
        if (r < rows && k + 8 <= depth && ld % 8 == 0) {
            uint4 v = *(const uint4 *)src;
            unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
            for (int i = 0; i < 4; i++) {
                s[kk0 + 2 * i][rr] = bf16_lo(w[i]);
                s[kk0 + 2 * i + 1][rr] = bf16_hi(w[i]);
            }
            return;
        }
#pragma unroll
        for (int i = 0; i < 8; i++)
            s[kk0 + i][rr] = (r < rows && k + i < depth) ? __bfloat162float(src[i]) : 0.0f;
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) {
            int kk = t / RT + 4 * i, k = k0 + kk;
            s[kk][rr] = (r < rows && k < depth) ? __bfloat162float(x[(int64_t)k * ld + r]) : 0.0f;
        }
    }
}

__device__ static double addend(const ref_args *p, int64_t idx)
{
    if (p->c_type == 1)
        return (double)__bfloat162float(((const __nv_bfloat16 *)p->c)[idx]);
    if (p->c_type == 2)
        return (double)((const float *)p->c)[idx];
    return 0.0;
}

__global__ void __launch_bounds__(RTHREADS) ref_gemm_k(ref_args p)
{
    __shared__ __align__(16) float as[RK][RT];
    __shared__ __align__(16) float bs[RK][RT];
    int t = threadIdx.x, ty = t / 16, tx = t % 16;
    int m0 = blockIdx.y * RT, n0 = blockIdx.x * RT;
    double acc[4][4] = {};
    for (int k0 = 0; k0 < p.k; k0 += RK) {
        if (p.f32_in) {
            load_tile_f32(as, (const float *)p.a, p.lda, p.m, p.k, m0, k0);
            load_tile_f32(bs, (const float *)p.b, p.ldb, p.n, p.k, n0, k0);
        } else {
            load_tile(as, (const __nv_bfloat16 *)p.a, p.lda, p.a_kmajor, p.m, p.k, m0, k0);
            load_tile(bs, (const __nv_bfloat16 *)p.b, p.ldb, p.b_kmajor, p.n, p.k, n0, k0);
        }
        __syncthreads();
        float part[4][4] = {};
#pragma unroll
        for (int kk = 0; kk < RK; kk++) {
            /* 4 consecutive, 16-byte aligned floats each: one LDS.128 apiece. */
            const float *a4 = &as[kk][ty * 4], *b4 = &bs[kk][tx * 4];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
                    part[i][j] = fmaf(a4[i], b4[j], part[i][j]);
        }
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++)
                acc[i][j] += (double)part[i][j];
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty * 4 + i;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int n = n0 + tx * 4 + j;
            if (m < p.m && n < p.n) {
                int64_t idx = (int64_t)m * p.n + n;
                p.ref[idx] = (float)(acc[i][j] + addend(&p, idx));
            }
        }
    }
}

static int ref_launch(const gh_problem *p, const void *a, const void *b, int f32_in, const void *c, float *ref,
                      cudaStream_t s)
{
    ref_args r;
    r.a = a;
    r.b = b;
    r.f32_in = f32_in;
    r.c = c;
    r.ref = ref;
    r.m = p->m;
    r.n = p->n;
    r.k = p->k;
    r.a_kmajor = gh_layout_a_kmajor(p->layout);
    r.b_kmajor = gh_layout_b_kmajor(p->layout);
    r.lda = r.a_kmajor ? p->k : p->m;
    r.ldb = r.b_kmajor ? p->k : p->n;
    r.c_type = !p->has_c ? 0 : p->out == GH_BF16 ? 1 : 2;
    if (p->m <= 0 || p->n <= 0 || p->k <= 0 || (p->has_c && !c)) {
        gh_set_error("gh_ref_gemm: bad problem (M=%d N=%d K=%d, C %s)", p->m, p->n, p->k,
                     c ? "given" : "missing");
        return GH_ERROR;
    }
    if (f32_in && (!r.a_kmajor || !r.b_kmajor)) {
        gh_set_error("gh_ref_gemm_f32: f32 operands are K-major (NT) only");
        return GH_ERROR;
    }
    dim3 grid((unsigned)gh_cdiv(p->n, RT), (unsigned)gh_cdiv(p->m, RT));
    GH_LAUNCH(ref_gemm_k, grid, RTHREADS, s, r);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

extern "C" int gh_ref_gemm(const gh_problem *p, const void *a16, const void *b16, const void *c, float *ref,
                           cudaStream_t s)
{
    return ref_launch(p, a16, b16, 0, c, ref, s);
}

extern "C" int gh_ref_gemm_f32(const gh_problem *p, const float *a, const float *b, const void *c, float *ref,
                               cudaStream_t s)
{
    return ref_launch(p, a, b, 1, c, ref, s);
}
