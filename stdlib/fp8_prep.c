/* fp8_prep.c - the device forms of the FP8 preparation helpers (dgk.h): scales to the
 * MN-major layout the GEMMs read, and DeepSeek's 1x128 / 128x128 quantization. Each
 * checks its tensors, gets the kernel of stdlib/fp8_prep.dgk for the scale dtype from the
 * op cache and launches it; the arithmetic is the host helpers' (fp8_host_quant.c), so
 * the results are the same bit for bit (tests/gpu/prep_check.c compares them). */
#include <stdint.h>

#include "dgk.h"
#include "runtime/rt.h"
#include "source.h"
#include "stock.h"

static const stock_kernel k_mn_major = {"stdlib/fp8_prep.dgk", dgk_stdlib_fp8_prep, "fp8_scales_to_mn_major", 0, 0};
static const stock_kernel k_quant_1x128 = {"stdlib/fp8_prep.dgk", dgk_stdlib_fp8_prep, "fp8_quant_1x128", 0, 0};
static const stock_kernel k_quant_128x128 = {"stdlib/fp8_prep.dgk", dgk_stdlib_fp8_prep, "fp8_quant_128x128", 0, 0};

enum { BLOCK = 128 };

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

static dgk_status check_null(const char *fn, const dgk_tensor *const *ts, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (!ts[i])
            return dgk_fail(DGK_EINVAL, "%s: %s is NULL", fn, names[i]);
        if (!ts[i]->data)
            return dgk_fail(DGK_EINVAL, "%s: %s->data is NULL", fn, names[i]);
    }
    return DGK_OK;
}

/* The kernels bind extents as 32-bit shapes and compute with them in i32 (the DSL's
 * scalars): cdiv(K, 128) adds 127 to K, a row block's last index is up to 63 past LS, so
 * an extent leaves 128 of headroom below 2^31 (else cdiv wraps negative and the grid
 * coordinates and the padding test go wrong). */
enum { EXTENT_MAX = INT32_MAX - BLOCK };

static dgk_status check_i32(const char *fn, const dgk_tensor *t, const char *name)
{
    for (int i = 0; i < t->rank; i++)
        if (t->shape[i] < 1 || t->shape[i] > EXTENT_MAX)
            return dgk_fail(DGK_ESHAPE, "%s: %s's extent %d is %lld; these kernels take 1 .. 2^31 - 129", fn, name, i,
                            (long long)t->shape[i]);
    return DGK_OK;
}

/* A scale tensor: f32 or ue8m0, rank 2; the kernel's TS definition for it. */
static dgk_status scale_dtype(const char *fn, const dgk_tensor *s, const char *name, const char **define)
{
    if (s->dtype != DGK_DTYPE_F32 && s->dtype != DGK_DTYPE_UE8M0)
        return dgk_fail(DGK_EDTYPE, "%s: %s must be f32 or ue8m0", fn, name);
    if (s->rank != 2)
        return dgk_fail(DGK_ESHAPE, "%s: %s must be 2-D, not %d-D", fn, name, s->rank);
    *define = s->dtype == DGK_DTYPE_F32 ? "TS=f32" : "TS=ue8m0";
    return DGK_OK;
}

/* The context is checked last, so a consistent call without one shows every other check
 * passed (tests/unit/test_fp8_prep.c). */
static dgk_status run(const char *fn, dgk_context *ctx, const stock_kernel *k, const char *define,
                      const dgk_tensor *const *params, int n, void *stream)
{
    if (!ctx)
        return dgk_fail(DGK_EINVAL, "%s: ctx is NULL", fn);
    dgk_op *op;
    dgk_status s = stock_op(ctx, k, &define, 1, &op);
    return s != DGK_OK ? s : dgk_op_launch(op, params, NULL, n, stream);
}

dgk_status dgk_fp8_scales_to_mn_major(dgk_context *ctx, const dgk_tensor *src, const dgk_tensor *dst, void *stream)
{
    const char *fn = "dgk_fp8_scales_to_mn_major", *ts;
    const dgk_tensor *params[2] = {src, dst};
    const char *names[2] = {"src", "dst"};
    dgk_status s = check_null(fn, params, names, 2);
    if (s || (s = scale_dtype(fn, src, "src", &ts)) || (s = check_i32(fn, src, "src")) ||
        (s = stock_want(fn, dst, "dst", src->dtype, "the dtype of src", 2, "[kb, ld]")) || (s = check_i32(fn, dst, "dst")))
        return s;
    if (dst->shape[0] != src->shape[1] || dst->shape[1] < src->shape[0])
        return dgk_fail(DGK_ESHAPE, "%s: dst must be [kb, ld] with kb = %lld (src's extent 1) and ld >= mn = %lld, not [%lld, %lld]",
                        fn, (long long)src->shape[1], (long long)src->shape[0], (long long)dst->shape[0],
                        (long long)dst->shape[1]);
    return run(fn, ctx, &k_mn_major, ts, params, 2, stream);
}

/* x f32 [rows, k], q e4m3 [rows, k], s 2-D f32 / ue8m0: what both quantizers share. */
static dgk_status check_quant(const char *fn, const dgk_tensor *const *p, const char **ts)
{
    const char *names[3] = {"x", "q", "s"};
    dgk_status s = check_null(fn, p, names, 3);
    if (s || (s = stock_want(fn, p[0], "x", DGK_DTYPE_F32, "f32", 2, "[rows, k]")) ||
        (s = stock_want(fn, p[1], "q", DGK_DTYPE_E4M3, "e4m3", 2, "[rows, k]")) || (s = scale_dtype(fn, p[2], "s", ts)))
        return s;
    for (int i = 0; i < 3; i++)
        if ((s = check_i32(fn, p[i], names[i])))
            return s;
    return stock_extents(fn, p[1], "q", "[rows, k] like x", p[0]->shape);
}

dgk_status dgk_fp8_quant_1x128(dgk_context *ctx, const dgk_tensor *x, const dgk_tensor *q, const dgk_tensor *s,
                               void *stream)
{
    const char *fn = "dgk_fp8_quant_1x128", *ts;
    const dgk_tensor *params[3] = {x, q, s};
    dgk_status st = check_quant(fn, params, &ts);
    if (st)
        return st;
    int64_t rows = x->shape[0], kb = cdiv(x->shape[1], BLOCK);
    if (s->shape[0] != kb || s->shape[1] < rows)
        return dgk_fail(DGK_ESHAPE, "%s: s must be [cdiv(k, 128), lds] = [%lld, >= %lld] (MN-major, lds >= rows), not [%lld, %lld]",
                        fn, (long long)kb, (long long)rows, (long long)s->shape[0], (long long)s->shape[1]);
    return run(fn, ctx, &k_quant_1x128, ts, params, 3, stream);
}

dgk_status dgk_fp8_quant_128x128(dgk_context *ctx, const dgk_tensor *x, const dgk_tensor *q, const dgk_tensor *s,
                                 void *stream)
{
    const char *fn = "dgk_fp8_quant_128x128", *ts;
    const dgk_tensor *params[3] = {x, q, s};
    dgk_status st = check_quant(fn, params, &ts);
    if (st)
        return st;
    int64_t rb = cdiv(x->shape[0], BLOCK), kb = cdiv(x->shape[1], BLOCK);
    if (s->shape[0] != rb || s->shape[1] < kb)
        return dgk_fail(DGK_ESHAPE, "%s: s must be [cdiv(rows, 128), lds] = [%lld, >= %lld], not [%lld, %lld]", fn,
                        (long long)rb, (long long)kb, (long long)s->shape[0], (long long)s->shape[1]);
    return run(fn, ctx, &k_quant_128x128, ts, params, 3, stream);
}
