/* harness_rand.cu - fresh random inputs, drawn on the GPU. A counter-based generator:
 * element i is a pure function of (seed, i), so any input can be regenerated from the
 * seed a report prints, whatever the launch shape. Values are normal-ish (Box-Muller
 * on a 64-bit hash), never zero: zeros hide unwritten outputs and wrong indexing. */
#include "harness.h"
#include "harness_dev.h"

#include <cuda_bf16.h>
#include <time.h>
#include <unistd.h>

/* SplitMix64's finalizer: a bijective 64-bit mix with good avalanche. */
__host__ __device__ static inline uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

__device__ static inline float normalish(uint64_t seed, uint64_t i)
{
    uint64_t r = mix64(seed ^ mix64(i));
    float u1 = (float)((r >> 40) + 1) * 0x1p-24f;    /* (0, 1] */
    float u2 = (float)((r >> 16) & 0xffffff) * 0x1p-24f; /* [0, 1) */
    float x = sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
    /* Keep away from zero (also after rounding to BF16). */
    if (fabsf(x) < 1e-3f)
        x = (r & 1) ? 1e-3f : -1e-3f;
    return x;
}

template <typename T> __device__ static inline T from_float(float x);
template <> __device__ inline float from_float<float>(float x) { return x; }
template <> __device__ inline __nv_bfloat16 from_float<__nv_bfloat16>(float x)
{
    return __float2bfloat16_rn(x);
}

template <typename T>
__global__ void fill_random_k(T *p, size_t n, uint64_t seed)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        p[i] = from_float<T>(normalish(seed, i));
}

static unsigned grid_for(size_t n)
{
    size_t blocks = (n + 255) / 256;
    return (unsigned)(blocks < 8192 ? (blocks ? blocks : 1) : 8192);
}

extern "C" int gh_fill_random(void *p, gh_dtype t, size_t n, uint64_t seed, cudaStream_t s)
{
    if (t == GH_BF16)
        GH_LAUNCH(fill_random_k, grid_for(n), 256, s, (__nv_bfloat16 *)p, n, seed);
    else if (t == GH_F32)
        GH_LAUNCH(fill_random_k, grid_for(n), 256, s, (float *)p, n, seed);
    else {
        gh_set_error("gh_fill_random: dtype %s is not drawn directly (quantize BF16)",
                     gh_dtype_name(t));
        return GH_ERROR;
    }
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

extern "C" uint64_t gh_fresh_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return mix64((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^
           mix64((uint64_t)getpid() << 32);
}

extern "C" uint64_t gh_seed_mix(uint64_t seed, uint64_t label)
{
    return mix64(seed ^ mix64(label + 0x632be59bd9b4e019ull));
}
