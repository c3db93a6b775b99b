/* fp8_host_quant.c - DeepSeek's fine-grained FP8 quantization on the host (dgk.h:
 * dgk_host_fp8_quant_1x128 / _128x128): f32 in, e4m3 values and f32 or UE8M0 scales out,
 * in the layouts dgk_gemm_fp8_nt reads. Plain C over host memory, for tests and data
 * preparation: dgk has no elementwise (non-GEMM) kernel lowering yet, and the project
 * writes no per-operator CUDA by hand, so device versions wait for that lowering.
 * The arithmetic is the GPU harness's (tests/gpu/harness_quant.cu): scale =
 * max(amax, 1e-4) / 448 in f32, rounded up to a power of two for UE8M0, q = e4m3(x /
 * scale) with fp8_host_cvt.c's round-to-nearest-even, saturating conversion. */
#include <math.h>
#include <string.h>

#include "dgk.h"
#include "runtime/rt.h"

enum { BLOCK = 128 };

#define E4M3_MAX 448.0f
#define AMAX_FLOOR 1e-4f /* DeepGEMM's clamp: an all-zero block gets a finite scale */

typedef struct job {
    const char *fn;
    const float *x;
    int64_t rows, k, ldx;
    uint8_t *q;
    int64_t ldq;
    dgk_dtype_id sdtype;
    void *s;
    int64_t lds;
} job;

static dgk_status check_job(const job *j, int64_t min_lds, const char *lds_need)
{
    if (!j->x || !j->q || !j->s)
        return dgk_fail(DGK_EINVAL, "%s: %s is NULL", j->fn, !j->x ? "x" : !j->q ? "q" : "s");
    if (j->sdtype != DGK_DTYPE_F32 && j->sdtype != DGK_DTYPE_UE8M0)
        return dgk_fail(DGK_EDTYPE, "%s: sdtype must be DGK_DTYPE_F32 or DGK_DTYPE_UE8M0", j->fn);
    if (j->rows < 1 || j->k < 1)
        return dgk_fail(DGK_ESHAPE, "%s: rows = %lld and k = %lld must be at least 1", j->fn, (long long)j->rows,
                        (long long)j->k);
    if (j->ldx < j->k || j->ldq < j->k)
        return dgk_fail(DGK_ESHAPE, "%s: ldx = %lld and ldq = %lld must be >= k = %lld", j->fn, (long long)j->ldx,
                        (long long)j->ldq, (long long)j->k);
    if (j->lds < min_lds)
        return dgk_fail(DGK_ESHAPE, "%s: lds = %lld must be >= %s = %lld", j->fn, (long long)j->lds, lds_need,
                        (long long)min_lds);
    return DGK_OK;
}

/* The largest |x| over rows [r0, r1) and columns [c0, c1); a NaN or inf is an error. */
static dgk_status block_amax(const job *j, int64_t r0, int64_t r1, int64_t c0, int64_t c1, float *amax)
{
    float m = 0.0f;
    for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++) {
            float v = j->x[r * j->ldx + c];
            if (!isfinite(v))
                return dgk_fail(DGK_EINVAL, "%s: x[%lld, %lld] = %g is not finite (FP8 scales need finite inputs)",
                                j->fn, (long long)r, (long long)c, (double)v);
            m = fabsf(v) > m ? fabsf(v) : m;
        }
    *amax = m;
    return DGK_OK;
}

/* The block's scale as stored (f32, or a UE8M0 byte in *code) and as applied. */
static float block_scale(const job *j, float amax, uint8_t *code)
{
    float s = (amax > AMAX_FLOOR ? amax : AMAX_FLOOR) / E4M3_MAX;
    if (j->sdtype != DGK_DTYPE_UE8M0)
        return s;
    *code = dgk_host_f32_to_ue8m0_ceil(s);
    return dgk_host_ue8m0_to_f32(*code);
}

static void store_scale(const job *j, int64_t idx, float s, uint8_t code)
{
    if (j->sdtype == DGK_DTYPE_UE8M0)
        ((uint8_t *)j->s)[idx] = code;
    else
        ((float *)j->s)[idx] = s;
}

/* Zeroes scale row `row` from column `from` to lds (the padding). */
static void zero_tail(const job *j, int64_t row, int64_t from)
{
    size_t es = j->sdtype == DGK_DTYPE_UE8M0 ? 1 : 4;
    memset((unsigned char *)j->s + (size_t)(row * j->lds + from) * es, 0, (size_t)(j->lds - from) * es);
}

/* Scales and quantizes one block; its scale is stored at s[idx]. */
static dgk_status do_block(const job *j, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t idx)
{
    float amax = 0.0f;
    dgk_status st = block_amax(j, r0, r1, c0, c1, &amax);
    if (st != DGK_OK)
        return st;
    uint8_t code = 0;
    float s = block_scale(j, amax, &code);
    for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++)
            j->q[r * j->ldq + c] = dgk_host_f32_to_e4m3(j->x[r * j->ldx + c] / s);
    store_scale(j, idx, s, code);
    return DGK_OK;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

dgk_status dgk_host_fp8_quant_1x128(const float *x, int64_t rows, int64_t k, int64_t ldx, uint8_t *q, int64_t ldq,
                                    dgk_dtype_id sdtype, void *s, int64_t lds)
{
    job j = {"dgk_host_fp8_quant_1x128", x, rows, k, ldx, q, ldq, sdtype, s, lds};
    dgk_status st = check_job(&j, rows, "rows");
    int64_t kbs = (k + BLOCK - 1) / BLOCK;
    for (int64_t kb = 0; st == DGK_OK && kb < kbs; kb++) {
        for (int64_t r = 0; st == DGK_OK && r < rows; r++)
            st = do_block(&j, r, r + 1, kb * BLOCK, min64(k, (kb + 1) * BLOCK), kb * lds + r);
        if (st == DGK_OK)
            zero_tail(&j, kb, rows);
    }
    return st;
}

dgk_status dgk_host_fp8_quant_128x128(const float *x, int64_t rows, int64_t k, int64_t ldx, uint8_t *q,
                                      int64_t ldq, dgk_dtype_id sdtype, void *s, int64_t lds)
{
    job j = {"dgk_host_fp8_quant_128x128", x, rows, k, ldx, q, ldq, sdtype, s, lds};
    int64_t kbs = (k + BLOCK - 1) / BLOCK, rbs = (rows + BLOCK - 1) / BLOCK;
    dgk_status st = check_job(&j, kbs, "cdiv(k, 128)");
    for (int64_t rb = 0; st == DGK_OK && rb < rbs; rb++) {
        for (int64_t kb = 0; st == DGK_OK && kb < kbs; kb++)
            st = do_block(&j, rb * BLOCK, min64(rows, (rb + 1) * BLOCK), kb * BLOCK, min64(k, (kb + 1) * BLOCK),
                          rb * lds + kb);
        if (st == DGK_OK)
            zero_tail(&j, rb, kbs);
    }
    return st;
}
