/* user_common.h - what the GPU checks of a user's own kernels (dgk-user-grouped-check,
 * dgk-quant-check) share: random BF16 / f32 inputs drawn exactly, DeepGEMM's diff, the
 * .dgk file read at run time, and the device tensors of a case bound in the kernel's
 * parameter order, compiled with dgk_op_create and launched. Each program includes it
 * once (static functions). */
#ifndef DGK_TESTS_USER_COMMON_H
#define DGK_TESTS_USER_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "dgk.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static __attribute__((unused)) double uni(double lo, double hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) * 0x1p-53;
}

/* BF16 by truncation of a float that is already exactly representable as drawn. */
static __attribute__((unused)) uint16_t bf16_of(double x, double *exact)
{
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, 4);
    u &= 0xffff0000u;
    memcpy(&f, &u, 4);
    *exact = f;
    return (uint16_t)(u >> 16);
}

static __attribute__((unused)) double from_bf16(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* n values U(-1, 1) as BF16 (h) and their exact doubles (x) */
static __attribute__((unused)) void draw_bf16(uint16_t *h, double *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        h[i] = bf16_of(uni(-1, 1), &x[i]);
}

static __attribute__((unused)) void draw_f32(float *x, int64_t n, double lo, double hi)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)uni(lo, hi);
}

/* DeepGEMM's diff: 1 - 2 sum(x y) / sum(x^2 + y^2). */
typedef struct diff_acc {
    double xy, xx;
} diff_acc;

static __attribute__((unused)) void diff_add(diff_acc *d, double x, double y)
{
    d->xy += x * y;
    d->xx += x * x + y * y;
}

static __attribute__((unused)) double diff_of(const diff_acc *d)
{
    return d->xx > 0 ? 1.0 - 2.0 * d->xy / d->xx : 0.0;
}

static __attribute__((unused)) char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static __attribute__((unused)) int cuda_ok(cudaError_t e, const char *what)
{
    if (e != cudaSuccess)
        printf("  %s: %s\n", what, cudaGetErrorString(e));
    return e == cudaSuccess;
}

/* Device copies of a case's tensors, in the kernel's parameter order. */
enum { MAX_PARAMS = 8 };
typedef struct dev {
    void *buf[MAX_PARAMS];
    dgk_tensor t[MAX_PARAMS];
    const dgk_tensor *params[MAX_PARAMS];
    int n;
} dev;

/* Uploads `bytes` of `host` as the next parameter, a tensor of `dt` and `shape`; ld > 0:
 * a 2-D view whose rows are ld elements apart. */
static __attribute__((unused)) int put_ld(dev *dv, const void *host, size_t bytes, dgk_dtype_id dt, int rank, const int64_t *shape, int64_t ld)
{
    void *p = NULL;
    if (dv->n == MAX_PARAMS || !cuda_ok(cudaMalloc(&p, bytes), "cudaMalloc"))
        return 0;
    dv->buf[dv->n] = p;
    dv->t[dv->n] = dgk_tensor_make(p, dt, rank, shape);
    if (ld > 0)
        dv->t[dv->n].stride[0] = ld, dv->t[dv->n].stride[1] = 1;
    dv->params[dv->n] = &dv->t[dv->n];
    dv->n++;
    return cuda_ok(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to the device");
}

static __attribute__((unused)) int put(dev *dv, const void *host, size_t bytes, dgk_dtype_id dt, int rank, const int64_t *shape)
{
    return put_ld(dv, host, bytes, dt, rank, shape, 0);
}

static __attribute__((unused)) int dev_free(dev *dv)
{
    int ok = 1;
    for (int i = 0; i < dv->n; i++)
        ok &= cuda_ok(cudaFree(dv->buf[i]), "cudaFree");
    dv->n = 0;
    return ok;
}

/* Compiles `kernel` of `src` (named `name`) with the definitions and launches it on the
 * bound tensors, then waits for it. */
static __attribute__((unused)) int launch(dgk_context *ctx, const char *name, const char *src, const char *kernel, const char *const *defs,
                  int ndefs, dev *dv)
{
    dgk_op *op = NULL;
    dgk_status st = dgk_op_create(ctx, name, src, kernel, defs, ndefs, &op);
    if (st == DGK_OK)
        st = dgk_op_launch(op, dv->params, NULL, dv->n, NULL);
    if (st != DGK_OK)
        printf("  %s: %s\n", kernel, dgk_last_error());
    return st == DGK_OK && cuda_ok(cudaDeviceSynchronize(), "kernel");
}

/* Parameter i's device buffer into `host` (`bytes`). */
static __attribute__((unused)) int fetch(const dev *dv, int i, void *host, size_t bytes)
{
    return cuda_ok(cudaMemcpy(host, dv->buf[i], bytes, cudaMemcpyDeviceToHost), "cudaMemcpy from the device");
}

/* launch(), then D (the last parameter) copied back into `d`. */
static __attribute__((unused)) int run(dgk_context *ctx, const char *name, const char *src, const char *kernel, const char *const *defs, int ndefs,
               dev *dv, void *d, size_t dbytes)
{
    return launch(ctx, name, src, kernel, defs, ndefs, dv) && fetch(dv, dv->n - 1, d, dbytes);
}

#endif
