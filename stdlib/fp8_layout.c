/* fp8_layout.c - the FP8 scale-tensor layout dgk_gemm_fp8_nt reads (dgk.h): A's scales
 * MN-major, [cdiv(K, 128), stride] with each row whole 16-byte units, because the kernel
 * loads one row of BM scales per pipeline stage by TMA and cuTensorMapEncodeTiled takes
 * only row strides that are multiples of 16 bytes (runtime/tma.c checks the same).
 * Callers ask here for the padded stride and the allocation size, and transpose
 * per-token scales ([M, K/128], as a quantizer naturally writes them) into that layout
 * on the host. */
#include <string.h>

#include "dgk.h"
#include "runtime/rt.h"

enum { TMA_ROW_ALIGN = 16 };

/* Bytes of one scale, 0 for a dtype that is not a scale format dgk_gemm_fp8_nt takes. */
static int scale_size(dgk_dtype_id dtype)
{
    return dtype == DGK_DTYPE_F32 ? 4 : dtype == DGK_DTYPE_UE8M0 ? 1 : 0;
}

int64_t dgk_fp8_scale_stride(int64_t mn, dgk_dtype_id dtype)
{
    int es = scale_size(dtype);
    if (mn < 1 || !es)
        return 0;
    int64_t per_unit = TMA_ROW_ALIGN / es;
    return (mn + per_unit - 1) / per_unit * per_unit;
}

size_t dgk_fp8_scale_bytes(int64_t mn, int64_t k, dgk_dtype_id dtype)
{
    int64_t ld = dgk_fp8_scale_stride(mn, dtype);
    if (!ld || k < 1)
        return 0;
    return (size_t)((k + 127) / 128) * (size_t)ld * (size_t)scale_size(dtype);
}

static dgk_status check_transpose(const void *src, int64_t mn, int64_t kb, int64_t ld_src, dgk_dtype_id dtype,
                                  const void *dst, int64_t ld_dst)
{
    const char *fn = "dgk_host_fp8_scales_to_mn_major";
    if (!src || !dst)
        return dgk_fail(DGK_EINVAL, "%s: %s is NULL", fn, !src ? "src" : "dst");
    if (!scale_size(dtype))
        return dgk_fail(DGK_EDTYPE, "%s: dtype must be DGK_DTYPE_F32 or DGK_DTYPE_UE8M0", fn);
    if (mn < 1 || kb < 1)
        return dgk_fail(DGK_ESHAPE, "%s: mn = %lld and kb = %lld must be at least 1", fn, (long long)mn, (long long)kb);
    if (ld_src < kb || ld_dst < mn)
        return dgk_fail(DGK_ESHAPE, "%s: ld_src = %lld must be >= kb = %lld and ld_dst = %lld >= mn = %lld", fn,
                        (long long)ld_src, (long long)kb, (long long)ld_dst, (long long)mn);
    return DGK_OK;
}

dgk_status dgk_host_fp8_scales_to_mn_major(const void *src, int64_t mn, int64_t kb, int64_t ld_src,
                                           dgk_dtype_id dtype, void *dst, int64_t ld_dst)
{
    dgk_status st = check_transpose(src, mn, kb, ld_src, dtype, dst, ld_dst);
    if (st != DGK_OK)
        return st;
    size_t es = (size_t)scale_size(dtype);
    const unsigned char *in = src;
    unsigned char *out = dst;
    for (int64_t j = 0; j < kb; j++) {
        unsigned char *row = out + (size_t)(j * ld_dst) * es;
        for (int64_t i = 0; i < mn; i++)
            memcpy(row + (size_t)i * es, in + (size_t)(i * ld_src + j) * es, es);
        memset(row + (size_t)mn * es, 0, (size_t)(ld_dst - mn) * es);
    }
    return DGK_OK;
}
