/* stock_overhead.c - host time of a stock GEMM call on a hot memo (make bench): what a
 * framework pays per dgk_gemm_bf16_nt / dgk_gemm_fp8_nt call once the kernel is compiled
 * and the shape seen, i.e. the memo lookup, the launch-time shape checks, the TMA
 * descriptor encodes and the launch. Measured with the host's monotonic clock over
 * batches of calls on a small problem (the GPU work is tiny and the stream is drained
 * between batches, so host time is what is measured); nothing is subtracted. Beside it,
 * the same number of raw cuLaunchKernel-class launches is what rt_bench reports. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cuda_runtime_api.h>

#include "dgk.h"

enum { BATCH = 100, BATCHES = 200 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef dgk_status (*call_fn)(dgk_context *ctx, void **bufs);

static dgk_status bf16_call(dgk_context *ctx, void **p)
{
    dgk_tensor a = {p[0], DGK_DTYPE_BF16, 2, {128, 512}, {0}}, b = {p[1], DGK_DTYPE_BF16, 2, {256, 512}, {0}};
    dgk_tensor d = {p[2], DGK_DTYPE_BF16, 2, {128, 256}, {0}};
    return dgk_gemm_bf16_nt(ctx, &a, &b, NULL, &d, NULL);
}

static dgk_status fp8_call(dgk_context *ctx, void **p)
{
    dgk_tensor a = {p[0], DGK_DTYPE_E4M3, 2, {128, 512}, {0}}, b = {p[1], DGK_DTYPE_E4M3, 2, {256, 512}, {0}};
    dgk_tensor sa = {p[3], DGK_DTYPE_F32, 2, {4, 128}, {0}}, sb = {p[4], DGK_DTYPE_F32, 2, {2, 4}, {0}};
    dgk_tensor d = {p[2], DGK_DTYPE_BF16, 2, {128, 256}, {0}};
    return dgk_gemm_fp8_nt(ctx, &a, &sa, &b, &sb, &d, NULL);
}

static int measure(const char *name, call_fn fn, dgk_context *ctx, void **bufs)
{
    static double per[BATCHES];
    if (fn(ctx, bufs) != DGK_OK) { /* compile + memo */
        printf("FAIL %s: %s\n", name, dgk_last_error());
        return 1;
    }
    cudaDeviceSynchronize();
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now();
        for (int i = 0; i < BATCH; i++)
            fn(ctx, bufs);
        per[b] = (now() - t0) / BATCH * 1e6;
        cudaDeviceSynchronize();
    }
    qsort(per, BATCHES, sizeof per[0], cmp);
    printf("stock_call_host_time %-16s: min %.2f us, median %.2f us (%d batches of %d, 128x256x512)\n", name, per[0],
           per[BATCHES / 2], BATCHES, BATCH);
    return 0;
}

int main(void)
{
    dgk_context *ctx;
    if (dgk_init(0, &ctx) != DGK_OK) {
        printf("FAIL dgk_init: %s\n", dgk_last_error());
        return 1;
    }
    void *bufs[5];
    size_t sizes[5] = {128 * 512 * 2, 256 * 512 * 2, 128 * 256 * 2, 4 * 128 * 4, 2 * 4 * 4};
    for (int i = 0; i < 5; i++)
        if (cudaMalloc(&bufs[i], sizes[i]) != cudaSuccess || cudaMemset(bufs[i], 0, sizes[i]) != cudaSuccess)
            return printf("FAIL cudaMalloc\n"), 1;
    int rc = measure("dgk_gemm_bf16_nt", bf16_call, ctx, bufs) | measure("dgk_gemm_fp8_nt", fp8_call, ctx, bufs);
    dgk_destroy(ctx);
    return rc;
}
