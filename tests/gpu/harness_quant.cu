/* harness_quant.cu - FP8 (e4m3) quantization of the BF16 inputs on the GPU, the way
 * DeepSeek/DeepGEMM quantize: scale = max(amax, 1e-4) / 448 over a block, q =
 * e4m3(x / scale) saturating, optionally with the scale rounded up to a power of two
 * (UE8M0). Three granularities: per token 1x128 (A), per block 128x128 (B), per
 * tensor (cuBLASLt's classic FP8). Scale layouts are documented in harness.h; the
 * dequantizers here are their inverse for the self-test. */
#include "harness.h"
#include "harness_dev.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#define E4M3_MAX 448.0f

__device__ static float scale_of(float amax, int ue8m0)
{
    float s = fmaxf(amax, 1e-4f) / E4M3_MAX;
    if (ue8m0) {
        /* Round up to a power of two: drop the mantissa, bump the exponent if any
         * mantissa bit was set (s is positive and normal here). */
        unsigned b = __float_as_uint(s);
        if (b & 0x7fffffu)
            b = (b & 0xff800000u) + 0x800000u;
        s = __uint_as_float(b);
    }
    return s;
}

__device__ static unsigned char to_e4m3(float x)
{
    return (unsigned char)__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3);
}

__device__ static float from_e4m3(unsigned char q)
{
    __half_raw h = __nv_cvt_fp8_to_halfraw((__nv_fp8_storage_t)q, __NV_E4M3);
    return __half2float(__half(h));
}

__device__ static float warp_max(float v)
{
    for (int o = 16; o > 0; o /= 2)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Quantizes 4 values with scale s into 4 consecutive e4m3 bytes at dst. */
__device__ static void quant4(const float *v, float s, unsigned char *dst)
{
    unsigned packed = 0;
#pragma unroll
    for (int j = 0; j < 4; j++)
        packed |= (unsigned)to_e4m3(v[j] / s) << (8 * j);
    *(unsigned *)dst = packed;
}

/* 4 consecutive BF16 values (8 bytes at src) as floats; the halves of each 32-bit
 * word are widened by bit placement (element 2j low, 2j+1 high), not by punning. */
__device__ static void load4(const __nv_bfloat16 *src, float *v)
{
    uint2 raw = *(const uint2 *)src;
    v[0] = __uint_as_float(raw.x << 16);
    v[1] = __uint_as_float(raw.x & 0xffff0000u);
    v[2] = __uint_as_float(raw.y << 16);
    v[3] = __uint_as_float(raw.y & 0xffff0000u);
}

/* One warp per (row m, 128-block kb), walking the scale array [K/128][ld] so that the
 * padding rows m >= M get their NaN too. */
__global__ void quant_1x128_k(const __nv_bfloat16 *a, int m_rows, int k, unsigned char *q,
                              float *sa, int64_t ld, int ue8m0)
{
    int64_t w = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (w >= ld * (k / 128))
        return;
    int64_t m = w % ld, kb = w / ld;
    if (m >= m_rows) {
        if (lane == 0)
            sa[kb * ld + m] = __uint_as_float(0x7fc00000u);
        return;
    }
    int64_t off = m * k + kb * 128 + lane * 4;
    float v[4];
    load4(a + off, v);
    float amax = fmaxf(fmaxf(fabsf(v[0]), fabsf(v[1])), fmaxf(fabsf(v[2]), fabsf(v[3])));
    float s = scale_of(warp_max(amax), ue8m0);
    quant4(v, s, q + off);
    if (lane == 0)
        sa[kb * ld + m] = s;
}

/* One 256-thread block per 128x128 tile: thread t covers columns 4*(t%32).. of rows
 * t/32 + 8*i. */
__global__ void __launch_bounds__(256)
quant_128x128_k(const __nv_bfloat16 *b, int n_rows, int k, unsigned char *q, float *sb,
                int64_t ld, int ue8m0)
{
    __shared__ float warp_amax[8];
    int t = threadIdx.x, kb = blockIdx.x, nb = blockIdx.y;
    int64_t col = (int64_t)kb * 128 + (t % 32) * 4;
    float v[16][4];
    float amax = 0.0f;
#pragma unroll
    for (int i = 0; i < 16; i++) {
        int64_t r = (int64_t)nb * 128 + t / 32 + 8 * i;
        if (r < n_rows)
            load4(b + r * k + col, v[i]);
        else
            v[i][0] = v[i][1] = v[i][2] = v[i][3] = 0.0f;
#pragma unroll
        for (int j = 0; j < 4; j++)
            amax = fmaxf(amax, fabsf(v[i][j]));
    }
    amax = warp_max(amax);
    if (t % 32 == 0)
        warp_amax[t / 32] = amax;
    __syncthreads();
    amax = warp_amax[0];
    for (int w = 1; w < 8; w++)
        amax = fmaxf(amax, warp_amax[w]);
    float s = scale_of(amax, ue8m0);
#pragma unroll
    for (int i = 0; i < 16; i++) {
        int64_t r = (int64_t)nb * 128 + t / 32 + 8 * i;
        if (r < n_rows)
            quant4(v[i], s, q + r * k + col);
    }
    if (t == 0)
        sb[(int64_t)nb * ld + kb] = s;
}

/* amax_bits holds the running max as uint bits: for non-negative floats the integer
 * order is the float order. */
__global__ void amax_k(const __nv_bfloat16 *x, size_t n, unsigned *amax_bits)
{
    float m = 0.0f;
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        m = fmaxf(m, fabsf(__bfloat162float(x[i])));
    m = warp_max(m);
    if (threadIdx.x % 32 == 0)
        atomicMax(amax_bits, __float_as_uint(m));
}

__global__ void quant_tensor_k(const __nv_bfloat16 *x, size_t n, const unsigned *amax_bits,
                               unsigned char *q, float *scale)
{
    float s = scale_of(__uint_as_float(*amax_bits), 0);
    size_t stride = (size_t)gridDim.x * blockDim.x;
    size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (first == 0)
        *scale = s;
    for (size_t i = first; i < n; i += stride)
        q[i] = to_e4m3(__bfloat162float(x[i]) / s);
}

__global__ void dequant_k(const unsigned char *q, int rows, int k, const float *scale,
                          int64_t ld, int kind, float *x)
{
    size_t n = (size_t)rows * k, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        int64_t r = (int64_t)(i / k), c = (int64_t)(i % k);
        float s = kind == 0 ? scale[(c / 128) * ld + r]
                : kind == 1 ? scale[(r / 128) * ld + c / 128]
                            : scale[0];
        x[i] = from_e4m3(q[i]) * s;
    }
}

/* A power-of-two f32 scale's exponent field is its UE8M0 byte (2^(e - 127)); anything
 * else (NaN padding, a mantissa bit, zero, a sign) becomes 0xff, which dgk decodes as
 * +inf, so a kernel that reads it produces non-finite output the check catches. */
__device__ static unsigned char ue8m0_of(float s)
{
    unsigned b = __float_as_uint(s), e = b >> 23;
    return (b & 0x807fffffu) || e == 0 || e == 0xff ? 0xff : (unsigned char)e;
}

__global__ void to_ue8m0_k(const float *src, int64_t rows, int64_t cols, int64_t src_ld,
                           unsigned char *dst, int64_t dst_ld)
{
    int64_t n = rows * dst_ld, stride = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        int64_t r = i / dst_ld, c = i % dst_ld;
        dst[i] = c < cols ? ue8m0_of(src[r * src_ld + c]) : 0xff;
    }
}

__global__ void bf16_to_f32_k(const __nv_bfloat16 *x, size_t n, float *y)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = __bfloat162float(x[i]);
}

static unsigned grid_for(size_t n)
{
    size_t blocks = (n + 255) / 256;
    return (unsigned)(blocks < 8192 ? (blocks ? blocks : 1) : 8192);
}

static int need_k128(const char *who, int k)
{
    if (k % 128 == 0)
        return GH_OK;
    gh_set_error("%s: K = %d is not a multiple of 128 (the scale block)", who, k);
    return GH_UNSUPPORTED;
}

extern "C" int gh_quant_1x128(const void *a16, int m, int k, void *q, float *sa,
                              int64_t sa_ld, int ue8m0, cudaStream_t s)
{
    GH_TRY(need_k128("gh_quant_1x128", k));
    if (sa_ld < m) {
        gh_set_error("gh_quant_1x128: scale leading dimension %lld < M = %d",
                     (long long)sa_ld, m);
        return GH_ERROR;
    }
    int64_t warps = sa_ld * (k / 128);
    unsigned blocks = (unsigned)gh_cdiv(warps * 32, 256);
    GH_LAUNCH(quant_1x128_k, blocks, 256, s, (const __nv_bfloat16 *)a16, m, k,
              (unsigned char *)q, sa, sa_ld, ue8m0);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

extern "C" int gh_quant_128x128(const void *b16, int n, int k, void *q, float *sb,
                                int64_t sb_ld, int ue8m0, cudaStream_t s)
{
    GH_TRY(need_k128("gh_quant_128x128", k));
    if (sb_ld < k / 128) {
        gh_set_error("gh_quant_128x128: scale leading dimension %lld < K/128 = %d",
                     (long long)sb_ld, k / 128);
        return GH_ERROR;
    }
    dim3 grid((unsigned)(k / 128), (unsigned)gh_cdiv(n, 128));
    GH_LAUNCH(quant_128x128_k, grid, 256, s, (const __nv_bfloat16 *)b16, n, k,
              (unsigned char *)q, sb, sb_ld, ue8m0);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

extern "C" int gh_quant_tensor(const void *x16, size_t n, void *q, float *scale,
                               cudaStream_t s)
{
    unsigned *amax = NULL;
    GH_TRY(gh_malloc((void **)&amax, sizeof *amax));
    int rc = GH_OK;
    cudaError_t e = cudaMemsetAsync(amax, 0, sizeof *amax, s);
    if (e == cudaSuccess) {
        GH_LAUNCH(amax_k, grid_for(n), 256, s, (const __nv_bfloat16 *)x16, n, amax);
        GH_LAUNCH(quant_tensor_k, grid_for(n), 256, s, (const __nv_bfloat16 *)x16, n, amax,
                  (unsigned char *)q, scale);
        e = cudaGetLastError();
    }
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(s); /* before amax is freed */
    if (e != cudaSuccess) {
        gh_set_error("gh_quant_tensor: %s", cudaGetErrorString(e));
        rc = GH_ERROR;
    }
    gh_free(amax);
    return rc;
}

extern "C" int gh_dequant(const void *q, int rows, int k, const float *scale, int64_t ld,
                          int kind, float *x, cudaStream_t s)
{
    GH_LAUNCH(dequant_k, grid_for((size_t)rows * k), 256, s, (const unsigned char *)q, rows, k,
              scale, ld, kind, x);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

extern "C" int gh_scales_to_ue8m0(const float *src, int64_t rows, int64_t cols, int64_t src_ld,
                                  void *dst, int64_t dst_ld, cudaStream_t s)
{
    if (cols > src_ld || cols > dst_ld || rows < 1 || cols < 1) {
        gh_set_error("gh_scales_to_ue8m0: %lld x %lld scales do not fit src_ld %lld / dst_ld %lld",
                     (long long)rows, (long long)cols, (long long)src_ld, (long long)dst_ld);
        return GH_ERROR;
    }
    GH_LAUNCH(to_ue8m0_k, grid_for((size_t)(rows * dst_ld)), 256, s, src, rows, cols, src_ld,
              (unsigned char *)dst, dst_ld);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

/* dst[b][c][r] = src[b][r][c] over `batch` rows x cols matrices */
__global__ void transpose_bf16_k(const __nv_bfloat16 *src, __nv_bfloat16 *dst, size_t batch, size_t rows, size_t cols)
{
    size_t n = batch * rows * cols, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        size_t b = i / (rows * cols), r = i / cols % rows, c = i % cols;
        dst[(b * cols + c) * rows + r] = src[i];
    }
}

extern "C" int gh_transpose_bf16(const void *src, void *dst, int64_t batch, int64_t rows, int64_t cols,
                                 cudaStream_t s)
{
    size_t n = (size_t)(batch * rows * cols);
    GH_LAUNCH(transpose_bf16_k, grid_for(n), 256, s, (const __nv_bfloat16 *)src, (__nv_bfloat16 *)dst, (size_t)batch,
              (size_t)rows, (size_t)cols);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

extern "C" int gh_bf16_to_f32(const void *x16, size_t n, float *x, cudaStream_t s)
{
    GH_LAUNCH(bf16_to_f32_k, grid_for(n), 256, s, (const __nv_bfloat16 *)x16, n, x);
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}
