/* emu.h - the CPU emulation of the little CUDA the harness kernels use, so that
 * make gpu-harness-emu-check can run the harness (self-tests, the tiny shape set,
 * CPU runners) on a machine without a GPU. Each CUDA thread of a block is a fiber
 * (emu_rt.cpp); blocks run one after another. __syncthreads and warp shuffles switch
 * fibers, so barrier semantics hold; device memory is host memory.
 *
 * Only what harness_*.cu need: 1-D blocks, __syncthreads, __shfl_xor_sync, a few
 * atomics and intrinsics. */
#ifndef GH_EMU_H
#define GH_EMU_H

#include <cuda_runtime_api.h>
#include <vector_types.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <functional>
#include <math.h>
#include <string.h>

#ifndef __global__
#define __global__
#endif
#ifndef __device__
#define __device__
#endif
#ifndef __host__
#define __host__
#endif
#undef __shared__
/* One block runs at a time, so a function-local static is exactly block-shared. */
#define __shared__ static
#define __launch_bounds__(x)

extern dim3 threadIdx, blockIdx, blockDim, gridDim;

/* Runs f once per thread of every block of the grid. */
void emu_launch(dim3 grid, dim3 block, const std::function<void()> &f);
/* Suspends the calling thread until every live thread of its block got here. */
void emu_barrier(void);
/* The value `lane` of the calling warp passed to its matching exchange. */
void emu_warp_exchange(const void *mine, void *out, int lane, size_t bytes);

#define GH_LAUNCH(kernel, grid, block, stream, ...) \
    emu_launch(dim3(grid), dim3(block), [&] { kernel(__VA_ARGS__); })

/* The compiler barriers keep shared (static) arrays from being cached in registers
 * across the switch. */
#define __syncthreads()                        \
    do {                                       \
        __asm__ volatile("" ::: "memory");     \
        emu_barrier();                         \
        __asm__ volatile("" ::: "memory");     \
    } while (0)

template <class T> static inline T __shfl_xor_sync(unsigned, T v, int mask)
{
    T r;
    emu_warp_exchange(&v, &r, (int)(threadIdx.x % 32) ^ mask, sizeof(T));
    return r;
}

static inline float __uint_as_float(unsigned u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline unsigned __float_as_uint(float f)
{
    unsigned u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float cospif(float x) { return (float)cos(M_PI * (double)x); }

/* Fibers switch only at barriers, so plain read-modify-writes are atomic here. */
static inline unsigned long long atomicAdd(unsigned long long *p, unsigned long long v)
{
    unsigned long long old = *p;
    *p = old + v;
    return old;
}

static inline unsigned long long atomicMin(unsigned long long *p, unsigned long long v)
{
    unsigned long long old = *p;
    *p = v < old ? v : old;
    return old;
}

static inline unsigned atomicMax(unsigned *p, unsigned v)
{
    unsigned old = *p;
    *p = v > old ? v : old;
    return old;
}

#endif
